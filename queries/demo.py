"""Deterministic, realistic demo data for Kreis Coesfeld (`kim demo`), fast at 500,000 persons."""

from __future__ import annotations

import calendar
import math
import random
from bisect import bisect_right
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import Connection, Engine, Table, delete, insert

from . import schema
from .codes import PROGRAMME_START_ISO
from .runs import now, record_run

PROGRAMME_START = date.fromisoformat(PROGRAMME_START_ISO)
_START = PROGRAMME_START.toordinal()
_NEVER = 10**9  # an ordinal later than any date

# Persons are generated, inserted and forgotten in chunks of this size, so memory stays bounded.
CHUNK_PERSONS = 10_000

# --- Reference data ----------------------------------------------------------------------------

DISTRICTS: tuple[tuple[str, str], ...] = (("NORD", "Nord"), ("MITTE", "Mitte"), ("SUED", "Süd"))
# AGS, Gemeinde, Bezirk of the KI team, inhabitants (rounded).
MUNICIPALITIES: tuple[tuple[str, str, str, int], ...] = (
    ("05558004", "Ascheberg", "SUED", 15_500),
    ("05558008", "Billerbeck", "NORD", 11_700),
    ("05558012", "Coesfeld", "NORD", 37_000),
    ("05558016", "Dülmen", "MITTE", 47_500),
    ("05558020", "Havixbeck", "NORD", 12_000),
    ("05558024", "Lüdinghausen", "SUED", 25_500),
    ("05558028", "Nordkirchen", "SUED", 10_500),
    ("05558032", "Nottuln", "MITTE", 20_000),
    ("05558036", "Olfen", "SUED", 13_000),
    ("05558040", "Rosendahl", "NORD", 11_000),
    ("05558044", "Senden", "SUED", 20_500),
)
_DISTRICT_LETTER = {"NORD": "N", "MITTE": "M", "SUED": "S"}
# The Kreis demo has no territory row (the name comes from the AGS, as for a database without
# one); the city variant sets these two (see _city_geography).
_TERRITORY: dict | None = None
_MUNICIPALITY_KIND: str | None = None

# --- Funded positions (Beschlussvorlage, section IV) -------------------------------------------

# Modul II doubled from 6 to 12 case-management posts in its second year (the Land announced
# the expansion in the Beschlussvorlage already).
CM_EXPANSION = date(2021, 1, 1)


@dataclass(frozen=True)
class Position:
    id: str
    module: str
    role: str
    fte: float
    approved_from: date
    district_id: str | None = None


POSITIONS: tuple[Position, ...] = (
    Position("KIM-I-KO-1", "I", "KOORDINATION", 1.0, PROGRAMME_START),
    Position("KIM-I-KO-2", "I", "KOORDINATION", 1.0, PROGRAMME_START),
    Position("KIM-I-KO-3", "I", "KOORDINATION", 1.0, PROGRAMME_START),
    Position("KIM-I-KO-4", "I", "KOORDINATION", 0.5, PROGRAMME_START),
    Position("KIM-I-VA-1", "I", "VERWALTUNG", 0.5, PROGRAMME_START),
    *(
        Position(
            f"KIM-II-CM-{n:02d}",
            "II",
            "CASE_MANAGEMENT",
            1.0,
            PROGRAMME_START if n <= 6 else CM_EXPANSION,
            ("NORD", "MITTE", "SUED")[(n - 1) % 3],
        )
        for n in range(1, 13)
    ),
    Position("KIM-III-ABH-1", "III", "ABH", 0.5, PROGRAMME_START),
    Position("KIM-III-EBB-1", "III", "EBB", 0.5, PROGRAMME_START),
)

# Land rates in euros per full-time post and year. The Beschlussvorlage names 22,500 € and
# 4,850 € for the half post of the Verwaltungsassistenz (4,850 € is half of 9,700 €), and
# 25,000 € for each half post in the ABH and the Einbürgerungsbehörde.
LAND_PERSONAL_PER_FTE = {"KOORDINATION": 55_000, "VERWALTUNG": 45_000, "ABH": 50_000, "EBB": 50_000}
LAND_SACH_PER_FTE = {"KOORDINATION": 9_700, "VERWALTUNG": 9_700}
CM_RATE = 55_000
CM_RATE_RAISED = 57_000
CM_RATE_RAISED_FROM = 2023
EVENTS_MAX = 10_000
MEASURES_MAX = 30_000
ADVICE_DAYS = 6
ADVICE_DAY_RATE = 1_012
# The Land paid Modul III for 2020 in full (2 x 25,000 €, Beschlussvorlage IV.), unlike the
# half year of Modul II.
FULL_FIRST_YEAR_MODULES = frozenset({"III"})

# What a full-time post really costs the Kreis (employer's gross, 2020, euros): the Eigenanteil
# from the Integrationspauschale covers the difference to the Land's fixed amount.
COST_PER_FTE_2020 = {
    "KOORDINATION": 70_000,
    "VERWALTUNG": 52_000,
    "CASE_MANAGEMENT": 64_000,
    "ABH": 60_000,
    "EBB": 60_000,
}
# TVöD pay rises, per mille of 2020; later years +3 % each.
TARIFF_INDEX = {2020: 1000, 2021: 1014, 2022: 1032, 2023: 1050, 2024: 1115, 2025: 1150, 2026: 1185}
# Workplace and travel of a case manager, paid by the Kreis alone (euros per FTE and year).
CM_SACH_EIGENANTEIL_PER_FTE = 3_500
# Payroll weights per month: the Jahressonderzahlung comes with the November salary.
_PAY_WEIGHT = {m: (1.8 if m == 11 else 1.0) for m in range(1, 13)}
_PAY_WEIGHT_SUM = sum(_PAY_WEIGHT.values())

_ROLE_TEXT = {
    "KOORDINATION": "Koordination",
    "VERWALTUNG": "Verwaltungsassistenz",
    "CASE_MANAGEMENT": "Case Management",
    "ABH": "Ausländerbehörde",
    "EBB": "Einbürgerungsbehörde",
}


def _tariff_index(year: int) -> int:
    if year in TARIFF_INDEX:
        return TARIFF_INDEX[year]
    if year < min(TARIFF_INDEX):
        return 1000
    last = max(TARIFF_INDEX)
    value = TARIFF_INDEX[last]
    for _ in range(year - last):
        value = value * 103 // 100
    return value


def cost_per_fte_cents(role: str, year: int) -> int:
    """Employer's cost of one full-time post of `role` for a whole `year`, in cents."""
    return COST_PER_FTE_2020[role] * _tariff_index(year) // 1000 * 100


def land_rate_per_fte(role: str, year: int) -> int:
    """The Land's fixed amount per full-time post and year of `role`, in euros."""
    if role == "CASE_MANAGEMENT":
        return CM_RATE_RAISED if year >= CM_RATE_RAISED_FROM else CM_RATE
    return LAND_PERSONAL_PER_FTE[role]


def _months_approved(approved_from: date, year: int) -> int:
    if approved_from.year > year:
        return 0
    if approved_from.year < year:
        return 12
    return 13 - approved_from.month


def _cents(euros_times_fte_centi_times_months: int) -> int:
    """euros x FTE(1/100) x months(1/12) as cents, rounded half up."""
    num = euros_times_fte_centi_times_months
    return (2 * num + 12) // 24


def budget_allocations(year: int) -> list[dict]:
    """budget_allocation rows of one Haushaltsjahr (LAND and EIGENANTEIL, amounts in cents)."""
    land: dict[tuple[str, str], int] = {}
    cost: dict[tuple[str, str], int] = {}
    cm_sach = 0
    programme_months = _months_approved(PROGRAMME_START, year)
    for p in POSITIONS:
        months = _months_approved(p.approved_from, year)
        if months == 0:
            continue
        fte_centi = round(p.fte * 100)
        land_months = 12 if p.module in FULL_FIRST_YEAR_MODULES else months
        key = (p.module, "PERSONAL")
        land[key] = land.get(key, 0) + _cents(
            land_rate_per_fte(p.role, year) * fte_centi * land_months
        )
        cost[key] = cost.get(key, 0) + (
            cost_per_fte_cents(p.role, year) * fte_centi * months // 1200
        )
        if p.role in LAND_SACH_PER_FTE:
            key = (p.module, "SACH")
            land[key] = land.get(key, 0) + _cents(LAND_SACH_PER_FTE[p.role] * fte_centi * months)
        if p.role == "CASE_MANAGEMENT":
            cm_sach += _cents(CM_SACH_EIGENANTEIL_PER_FTE * fte_centi * months)
    if programme_months:
        land[("I", "VERANSTALTUNG")] = _cents(EVENTS_MAX * 100 * programme_months)
        land[("I", "MASSNAHME")] = _cents(MEASURES_MAX * 100 * programme_months)
        land[("I", "BERATUNG")] = _cents(ADVICE_DAYS * ADVICE_DAY_RATE * 100 * programme_months)
    rows = []
    for (module, category), amount in land.items():
        rows.append(dict(year=year, module=module, category=category, source="LAND",
                         amount_cents=amount))
    for (module, category), amount in cost.items():
        own = amount - land.get((module, category), 0)
        if own > 0:
            rows.append(dict(year=year, module=module, category=category, source="EIGENANTEIL",
                             amount_cents=own))
    if cm_sach:
        rows.append(dict(year=year, module="II", category="SACH", source="EIGENANTEIL",
                         amount_cents=cm_sach))
    rows.sort(key=lambda r: (r["module"], r["category"], r["source"]))
    return rows


# --- Small date helpers on ordinals ------------------------------------------------------------


def _o(y: int, m: int, d: int) -> int:
    return date(y, m, d).toordinal()


def _align_start(o: int) -> int:
    """Contracts start on the 1st or the 15th: the next such day on or after `o`."""
    d = date.fromordinal(o)
    if d.day == 1 or d.day == 15:
        return o
    if d.day < 15:
        return _o(d.year, d.month, 15)
    return _o(d.year + (d.month == 12), d.month % 12 + 1, 1)


def _month_end(o: int) -> int:
    d = date.fromordinal(o)
    return _o(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def _last_weekday_of_month(y: int, m: int) -> date:
    d = date(y, m, calendar.monthrange(y, m)[1])
    while d.weekday() >= 5:
        d = date.fromordinal(d.toordinal() - 1)
    return d


def _months(first: int, last: int):
    """(year, month, first ordinal, last ordinal) of every month touching [first, last]."""
    d = date.fromordinal(first)
    y, m = d.year, d.month
    while True:
        lo = _o(y, m, 1)
        if lo > last:
            return
        yield y, m, lo, _o(y, m, calendar.monthrange(y, m)[1])
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


# --- Staff --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffMember:
    id: str
    position: Position
    fte: float
    active_from: int  # ordinal
    active_to: int | None  # ordinal, inclusive; None = still employed on `until`
    cost_factor: float  # the experience step makes one employee dearer or cheaper than planned


# days after approval until the first holder starts, tenure, vacancy before a successor starts
_FIRST_START = {
    "KIM-I-KO-1": (0, 0),
    "KIM-I-KO-2": (0, 45),
    "KIM-I-KO-3": (60, 150),
    "KIM-I-KO-4": (120, 240),
    "KIM-I-VA-1": (30, 120),
}
_TENURE = {
    "KOORDINATION": (1500, 3500),
    "VERWALTUNG": (900, 3000),
    "CASE_MANAGEMENT": (400, 2200),
    "ABH": (1200, 3500),
    "EBB": (1200, 3500),
}
_VACANCY = {
    "KOORDINATION": (60, 180),
    "VERWALTUNG": (60, 150),
    "CASE_MANAGEMENT": (45, 240),
    "ABH": (20, 75),
    "EBB": (20, 75),
}


# The demo's last year shows the case the Kreistag must hear about: one Modul II post whose
# holder leaves at the end of March and whose successor starts on 1 October (six FTE-months
# vacant), so that part of the Land's Pauschale is forfeited. The Land pays Modul II in advance
# (two instalments of the whole allocation, March and September), so the forfeited part of what
# it already paid has to go back: a non-zero repayment, derived from these constants.
LONG_VACANCY_POSITION = "KIM-II-CM-04"
LONG_VACANCY_FROM = (4, 1)  # (month, day) in the year of `until`
LONG_VACANCY_TO = (9, 30)


def _with_long_vacancy(holders: list, until: int) -> list:
    """The holders with LONG_VACANCY_POSITION vacant from LONG_VACANCY_FROM to LONG_VACANCY_TO
    of the year of `until` (as far as that has come): whoever holds the post on the first day
    leaves the day before, later holders of the post give way to one successor starting the day
    after the gap (if that is not after `until`)."""
    year = date.fromordinal(until).year
    gap_from = _o(year, *LONG_VACANCY_FROM)
    gap_to = _o(year, *LONG_VACANCY_TO)
    if gap_from > until:
        return holders
    out, successor = [], None
    for h in holders:
        start, pid, p, fte, end, factor = h
        if pid != LONG_VACANCY_POSITION or (end is not None and end < gap_from):
            out.append(h)
            continue
        if start < gap_from:
            out.append((start, pid, p, fte, gap_from - 1, factor))
            successor = successor or (p, fte, factor)
        elif successor is None:
            successor = (p, fte, factor)
    if successor is not None and gap_to + 1 <= until:
        p, fte, factor = successor
        out.append((gap_to + 1, LONG_VACANCY_POSITION, p, fte, None, factor))
    return out


def _staff_fte(rnd, position: Position) -> float:
    if position.fte < 1:
        return position.fte
    r = rnd()
    if position.role == "CASE_MANAGEMENT":
        return 1.0 if r < 0.72 else 0.8 if r < 0.87 else 0.75 if r < 0.95 else 0.5
    return 1.0 if r < 0.8 else 0.8


def _generate_staff(rng: random.Random, until: int) -> list[StaffMember]:
    rnd = rng.random
    holders: list[tuple[int, str, Position, float, int | None, float]] = []
    for p in POSITIONS:
        if p.id in _FIRST_START:
            lo, hi = _FIRST_START[p.id]
        elif p.role == "CASE_MANAGEMENT":
            # finding qualified case managers took months, more so for the expansion
            lo, hi = (30, 180) if p.approved_from == PROGRAMME_START else (30, 300)
        else:
            lo, hi = (30, 90)
        start = _align_start(p.approved_from.toordinal() + lo + int(rnd() * (hi - lo + 1)))
        while start <= until:
            t_lo, t_hi = _TENURE[p.role]
            end = _month_end(start + t_lo + int(rnd() * (t_hi - t_lo + 1)))
            fte = _staff_fte(rnd, p)
            factor = 0.94 + rnd() * 0.1
            holders.append((start, p.id, p, fte, end if end < until else None, factor))
            if end >= until:
                break
            v_lo, v_hi = _VACANCY[p.role]
            start = _align_start(end + 1 + v_lo + int(rnd() * (v_hi - v_lo + 1)))
    holders = _with_long_vacancy(holders, until)
    holders.sort(key=lambda h: (h[0], h[1]))
    numbers: dict[str, int] = {}
    staff = []
    for start, _pid, p, fte, end, factor in holders:
        if p.role == "CASE_MANAGEMENT":
            prefix = f"CM-{_DISTRICT_LETTER[p.district_id]}"
        else:
            prefix = {"KOORDINATION": "KO", "VERWALTUNG": "VA", "ABH": "ABH", "EBB": "EBB"}[p.role]
        numbers[prefix] = numbers.get(prefix, 0) + 1
        staff.append(StaffMember(f"{prefix}-{numbers[prefix]:02d}", p, fte, start, end, factor))
    return staff


# --- Budget ledger ------------------------------------------------------------------------------


def _staff_cost_by_month(staff: list[StaffMember], until: int) -> dict[tuple[str, int, int], int]:
    """Personnel cost in cents by (role, year, month) for the days each member was employed."""
    out: dict[tuple[str, int, int], float] = {}
    for s in staff:
        last = min(s.active_to if s.active_to is not None else until, until)
        for y, m, lo, hi in _months(s.active_from, last):
            days = min(hi, last) - max(lo, s.active_from) + 1
            share = days / (hi - lo + 1)
            amount = (
                s.fte * s.cost_factor * cost_per_fte_cents(s.position.role, y)
                * _PAY_WEIGHT[m] / _PAY_WEIGHT_SUM * share
            )
            key = (s.position.role, y, m)
            out[key] = out.get(key, 0.0) + amount
    return {k: round(v) for k, v in out.items()}


def _filled_fte_by_month(staff: list[StaffMember], until: int) -> dict[tuple[str, int, int], float]:
    """Worked FTE by (role, year, month), pro rata for part months."""
    out: dict[tuple[str, int, int], float] = {}
    for s in staff:
        last = min(s.active_to if s.active_to is not None else until, until)
        for y, m, lo, hi in _months(s.active_from, last):
            days = min(hi, last) - max(lo, s.active_from) + 1
            key = (s.position.role, y, m)
            out[key] = out.get(key, 0.0) + s.fte * days / (hi - lo + 1)
    return out


def _generate_ledger(rng: random.Random, staff: list[StaffMember], until: int) -> list[dict]:
    rnd = rng.random
    until_date = date.fromordinal(until)
    entries: list[tuple[date, int, str, str, str, int, str]] = []

    def book(booked: date, year: int, module: str, category: str, kind: str, cents: int,
             text: str) -> None:
        if booked.toordinal() <= until and cents != 0:
            entries.append((booked, year, module, category, kind, cents, text))

    def invoice(service: int, year: int, module: str, category: str, cents: int, text: str,
                lag: tuple[int, int]) -> None:
        # invoices arrive weeks after the service: December's land in January, still
        # counting for the old Haushaltsjahr; now and then a credit note corrects one
        booked = service + lag[0] + int(rnd() * (lag[1] - lag[0] + 1))
        book(date.fromordinal(booked), year, module, category, "AUSGABE", cents, text)
        if rnd() < 0.05:
            share = 0.05 + rnd() * 0.95
            corr = booked + 10 + int(rnd() * 50)
            book(date.fromordinal(corr), year, module, category, "AUSGABE",
                 -round(cents * share), f"Korrektur (Gutschrift): {text}")

    pay = _staff_cost_by_month(staff, until)
    filled = _filled_fte_by_month(staff, until)
    module_of_role = {p.role: p.module for p in POSITIONS}
    for (role, y, m), cents in sorted(pay.items()):
        book(_last_weekday_of_month(y, m), y, module_of_role[role], "PERSONAL", "AUSGABE", cents,
             f"Personalkosten {_ROLE_TEXT[role]} {m:02d}/{y}")

    spent: dict[tuple[int, str, str], int] = {}
    for year in range(PROGRAMME_START.year, until_date.year + 1):
        first_month = PROGRAMME_START.month if year == PROGRAMME_START.year else 1
        for m in range(first_month, 13):
            month_lo = _o(year, m, 1)
            if month_lo > until:
                break
            service = _o(year, m, 10) + int(rnd() * 18)
            ko = filled.get(("KOORDINATION", year, m), 0.0) + filled.get(("VERWALTUNG", year, m), 0)
            if ko:
                cents = round(ko * 9_700 * 100 / 12 * (0.55 + rnd() * 0.8))
                invoice(service, year, "I", "SACH", cents,
                        f"Sachkosten Koordination {m:02d}/{year}", (5, 40))
            cm = filled.get(("CASE_MANAGEMENT", year, m), 0.0)
            if cm:
                cents = round(cm * CM_SACH_EIGENANTEIL_PER_FTE * 100 / 12 * (0.5 + rnd()))
                invoice(service + 3, year, "II", "SACH", cents,
                        f"Arbeitsplatz- und Reisekosten Case Management {m:02d}/{year}", (5, 40))
        # Modul I grants: events and measures stay well below what the Land would pay
        months = list(range(first_month, 13))
        n_events = 1 if year == 2020 else 2 if year == 2021 else 3 + int(rnd() * 3)
        for i in range(n_events):
            m = months[int(rnd() * len(months))]
            day = _o(year, m, 1 + int(rnd() * 28))
            cents = (600 + int(rnd() * 2300)) * 100
            label = ("Fachtag", "Netzwerktreffen", "Infoveranstaltung", "Workshop")[i % 4]
            invoice(day, year, "I", "VERANSTALTUNG", cents, f"Veranstaltung: {label}", (10, 50))
        n_measures = 1 if year == 2020 else 2 + int(rnd() * 4)
        for i in range(n_measures):
            m = months[int(rnd() * len(months))]
            day = _o(year, m, 1 + int(rnd() * 28))
            cents = (2000 + int(rnd() * 6000)) * 100
            label = ("Prozessbegleitung", "Öffentlichkeitsarbeit", "Dolmetscherpool",
                     "Fachsoftware", "Qualifizierung")[i % 5]
            invoice(day, year, "I", "MASSNAHME", cents, f"Maßnahme: {label}", (10, 45))
        advice_days = (1 + int(rnd() * 3)) if year == 2020 else 2 + int(rnd() * 5)
        while advice_days > 0:
            days = min(advice_days, 1 + int(rnd() * 3))
            advice_days -= days
            m = months[int(rnd() * len(months))]
            day = _o(year, m, 1 + int(rnd() * 28))
            invoice(day, year, "I", "BERATUNG", days * ADVICE_DAY_RATE * 100,
                    f"Externe Beratung ({days} Tag{'e' if days > 1 else ''})", (7, 30))
        # sick pay refunded by the health insurers' U1 pool
        if year > 2020 and rnd() < 0.6:
            m = 1 + int(rnd() * 12)
            book(date(year, m, 15), year, "II", "PERSONAL", "AUSGABE",
                 -(1500 + int(rnd() * 4500)) * 100, "Erstattung Entgeltfortzahlung (U1)")

    for _booked, year, module, category, kind, cents, _text in entries:
        if kind == "AUSGABE":
            key = (year, module, category)
            spent[key] = spent.get(key, 0) + cents

    # Land payments: Modul II and III in two instalments, Modul I on request; 2020 at once
    for year in range(PROGRAMME_START.year, until_date.year + 1):
        for row in budget_allocations(year):
            if row["source"] != "LAND":
                continue
            module, category, total = row["module"], row["category"], row["amount_cents"]
            if year == 2020:
                day = date(2020, 8, 14) if module != "I" else date(2020, 11, 20)
                book(day, year, module, category, "EINNAHME", total,
                     f"Zuweisung Land NRW KIM {year}")
                continue
            months = (3, 9) if module != "I" else (4, 10)
            first = total // 2
            for i, (m, part) in enumerate(zip(months, (first, total - first), strict=True)):
                day = date(year, m, 8 + int(rnd() * 15))
                book(day, year, module, category, "EINNAHME", part,
                     f"Abschlag Land NRW KIM {year} ({i + 1}/2)")
        # after the Verwendungsnachweis the Kreis repays unused grants (Modul I) and the
        # Pauschale for vacant case-management months (Modul II)
        repay_day = date(year + 1, 6, 10 + int(rnd() * 20))
        allocs = {(r["module"], r["category"]): r["amount_cents"]
                  for r in budget_allocations(year) if r["source"] == "LAND"}
        for category in ("VERANSTALTUNG", "MASSNAHME", "BERATUNG"):
            unused = allocs.get(("I", category), 0) - spent.get((year, "I", category), 0)
            if unused > 0:
                book(repay_day, year, "I", category, "EINNAHME", -unused,
                     f"Rückzahlung an das Land NRW (Verwendungsnachweis {year})")
        worked = sum(filled.get(("CASE_MANAGEMENT", year, m), 0.0) for m in range(1, 13))
        entitled = round(worked / 12 * land_rate_per_fte("CASE_MANAGEMENT", year) * 100)
        unused = allocs.get(("II", "PERSONAL"), 0) - entitled
        if unused > 0:
            book(repay_day, year, "II", "PERSONAL", "EINNAHME", -unused,
                 f"Rückzahlung an das Land NRW (Verwendungsnachweis {year})")

    entries.sort(key=lambda e: (e[0], e[2], e[3], e[4], e[6], e[5]))
    numbers: dict[int, int] = {}
    rows = []
    for booked, year, module, category, kind, cents, text in entries:
        numbers[booked.year] = numbers.get(booked.year, 0) + 1
        rows.append(dict(id=f"B{booked.year}-{numbers[booked.year]:05d}", booked_on=booked,
                         year=year, module=module, category=category, kind=kind,
                         amount_cents=cents, text=text))
    return rows


# --- Persons, cases, histories -----------------------------------------------------------------

_PREKAER = frozenset({"GESTATTUNG", "DULDUNG", "DULDUNG_AB"})
_SGB2_STATUSES = frozenset({"AE_SCHUTZ", "AE_104C", "AE_25A", "AE_25B", "AE_SONST"})
# renewal of a residence document: a new episode with the same code every lo..hi days
_RENEWAL = {
    "DULDUNG": (270, 720),
    "AE_SCHUTZ": (730, 1095),
    "AE_25A": (730, 1095),
    "AE_25B": (730, 1095),
    "AE_ERWERB": (730, 1460),
    "AE_FAMILIE": (365, 1095),
    "AE_SONST": (365, 1095),
}
# § 24 permits of people from Ukraine were extended by ordinance each March (the EU's temporary
# protection runs to 4 March 2027)
_AE24_EXTENSIONS = (_o(2024, 3, 5), _o(2025, 3, 5), _o(2026, 3, 5))
# Rechtsänderung zum 1. Juni 2022 (Gesetz vom 23. Mai 2022, BGBl. I S. 760): refugees from Ukraine
# with a § 24 permit or a Fiktionsbescheinigung move from AsylbLG to SGB II (Jobcenter) that day.
_AE24_JOBCENTER = _o(2022, 6, 1)
_AE24_FROM = _o(2022, 3, 1)
# Chancen-Aufenthaltsrecht (§ 104c AufenthG) in force since 31 December 2022 for persons tolerated
# or permitted for five years on 31 October 2022; it is granted for 18 months, within which the
# holder has to meet the conditions of § 25a or § 25b (or falls back to a Duldung).
_CHANCEN_FROM = _o(2023, 1, 1)
_CHANCEN_ARRIVED_BY = _o(2017, 10, 31)
CHANCEN_VALID_DAYS = 547  # 18 months
# Of § 104c holders, the share reaching § 25b, § 25a (young persons) or a work permit in time;
# the rest falls back to a Duldung (Mediendienst Integration / BT-Drs. on § 104c: roughly half
# of the holders had moved to another title by 2024).
CHANCEN_OUTCOMES = (("AE_25B", 0.5), ("AE_25A", 0.12), ("AE_ERWERB", 0.1))
# Staatsangehörigkeitsmodernisierungsgesetz, in force 27 June 2024: naturalisation after 5 years'
# residence instead of 8 (6 with special integration).
_NATURALISATION_REFORM = _o(2024, 6, 27)
# Einbürgerungen in NRW per year (IT.NRW: 2021 about 29,900; 2022 about 40,800; 2023 51,187;
# 2024 68,703, the highest since 2000, +34.2 %; Germany, Destatis: 200,095 in 2023, 291,955 in
# 2024). 2025 and later: assumed to stay at the 2024 level or above (backlog of applications
# after the reform). Used as the calendar intensity of naturalisation decisions, per 2023.
NATURALISATIONS_NRW = {2018: 27_649, 2019: 30_679, 2020: 27_000, 2021: 29_900, 2022: 40_800,
                       2023: 51_187, 2024: 68_703, 2025: 74_000}
NATURALISATION_RATE_2023 = 0.33  # decisions per eligible applicant-year at the 2023 intensity


def _year_weights(table: dict[int, int]):
    lo, hi = min(table), max(table)
    return lambda y: table.get(y, 0) if y <= hi else table[hi] if y >= lo else 0


# Asylum seekers by year of arrival (BAMF, in thousands: EASY registrations 2015 about 890, then
# first applications 2016 about 280 arrivals, 2017 187, 2018 162, 2019 143, 2020 103, 2021 148,
# 2022 218, 2023 329, 2024 230; 2025 about half of 2024).
_ASYL_YEARS = _year_weights({2012: 65, 2013: 110, 2014: 173, 2015: 890, 2016: 280, 2017: 187,
                             2018: 162, 2019: 143, 2020: 103, 2021: 148, 2022: 218, 2023: 329,
                             2024: 230, 2025: 115})

# New persons (first cases) per year relative to the case managers' capacity, in per cent:
# 2022 brought about one million refugees from Ukraine to Germany (AZR, end of 2022: 1.05
# million; NRW took in about 225,000) on top of rising asylum numbers, 2023 the most asylum
# applications since 2016 (329,000), after which arrivals fell (2024: 230,000; 2025 about half).
INFLOW_PER_YEAR = {2020: 100, 2021: 100, 2022: 140, 2023: 118, 2024: 106, 2025: 100}
# Spring 2022: the weeks after 24 February 2022 when most refugees from Ukraine arrived and
# registered (the peak of registrations was March to May 2022): extra inflow, mostly Ukrainian.
UKRAINE_SPRING = (_o(2022, 3, 15), _o(2022, 6, 15))
UKRAINE_SPRING_INFLOW = 1.8
UKRAINE_SPRING_SHARE = 4.0  # the Ukrainian cohort's weight multiplied in those weeks
# New cases come from the districts in proportion to their inhabitants times this factor. A
# steering situation (an assumption, not a public fact): one Bezirk gets clearly more new cases
# than its share of the case-management posts (e.g. new municipal housing for refugees there),
# so its cases per FTE stand out; other Bezirke 1.0.
DISTRICT_INFLOW = {"SUED": 1.4}


# Share of new persons (all but the Ukrainian cohort) who come to the case management because a
# step of their residence status is due within the year (an assumption: Modul III's ABH and
# Einbürgerungsbehörde posts and the Bleiberecht work make such steps a main reason to come).
PENDING_STEP_SHARE = 0.85
PENDING_STEP_TRIES = 3
# Case management mostly takes people in their first years in Germany (an assumption): the weight
# of an arrival year falls by this factor for every year between arrival and the first case.
ARRIVAL_RECENCY = 0.72


def _inflow_weight(o: int) -> float:
    y = date.fromordinal(o).year
    w = INFLOW_PER_YEAR.get(y, INFLOW_PER_YEAR[max(INFLOW_PER_YEAR)] if y > 2020 else 100) / 100
    if UKRAINE_SPRING[0] <= o <= UKRAINE_SPRING[1]:
        w *= UKRAINE_SPRING_INFLOW
    return w


@dataclass(frozen=True)
class Cohort:
    name: str
    weight: Callable[[int], int]  # year of the first case -> share of new persons
    arrival_years: Callable[[int], int]  # arrival year -> weight
    arrival_from: int  # earliest arrival (ordinal)
    citizenships: tuple[tuple[str, int], ...]
    age: tuple[int, int, int]  # triangular low, high, mode at the first case
    male_share: float
    p_job: float


def _const(w: int):
    return lambda _y: w


COHORTS: tuple[Cohort, ...] = (
    # asylum seekers follow the asylum applications (fewer in 2022 only by share, as Ukraine
    # came on top), refugees from Ukraine after March 2022, fewer each year after
    Cohort("asyl_schutz", _year_weights({2020: 28, 2021: 28, 2022: 24, 2023: 30, 2024: 28,
                                         2025: 25}), _ASYL_YEARS, _o(2012, 1, 1),
           (("SYR", 45), ("AFG", 20), ("IRQ", 10), ("ERI", 7), ("IRN", 5), ("TUR", 6),
            ("SOM", 3), ("XXA", 3), ("YEM", 1)), (16, 62, 28), 0.66, 0.5),
    Cohort("asyl_duldung", _year_weights({2020: 18, 2021: 18, 2022: 15, 2023: 18, 2024: 18,
                                          2025: 17}), _ASYL_YEARS, _o(2012, 1, 1),
           (("AFG", 12), ("IRQ", 12), ("GIN", 10), ("NGA", 9), ("ALB", 6), ("SRB", 6),
            ("MKD", 5), ("IRN", 6), ("TUR", 8), ("GMB", 5), ("PAK", 5), ("GEO", 6), ("RUS", 4),
            ("XXX", 4), ("XXA", 2)), (15, 55, 24), 0.72, 0.45),
    Cohort("ukraine", _year_weights({2022: 30, 2023: 24, 2024: 20, 2025: 17}),
           _year_weights({2022: 70, 2023: 15, 2024: 9, 2025: 4, 2026: 2}),
           _AE24_FROM, (("UKR", 98), ("XXA", 2)), (18, 78, 38), 0.3, 0.35),
    Cohort("eu", _const(14), _year_weights({2008: 2, 2010: 2, 2012: 3, 2013: 5, 2014: 5,
                                            2015: 5, 2016: 5, 2017: 5, 2018: 5, 2019: 5,
                                            2020: 6, 2021: 6, 2022: 6, 2023: 6}), _o(2008, 1, 1),
           (("ROU", 40), ("BGR", 20), ("POL", 20), ("HRV", 5), ("GRC", 5), ("ITA", 4),
            ("HUN", 4), ("LTU", 2)), (18, 62, 34), 0.55, 0.6),
    Cohort("familie", _const(8), _year_weights({2012: 2, 2014: 5, 2015: 5, 2016: 5, 2017: 5,
                                                2018: 5, 2019: 5, 2020: 6}), _o(2012, 1, 1),
           (("SYR", 25), ("TUR", 20), ("AFG", 10), ("IRQ", 10), ("MAR", 5), ("IND", 5),
            ("SRB", 5), ("RUS", 5), ("IRN", 5), ("THA", 3), ("BRA", 2)), (18, 55, 29), 0.3, 0.35),
    # skilled immigration grew after the Fachkräfteeinwanderungsgesetz (2020, reformed 2023/24)
    Cohort("erwerb", _year_weights({2020: 5, 2021: 6, 2022: 6, 2023: 7, 2024: 8}),
           _year_weights({2015: 3, 2016: 3, 2017: 3, 2018: 3, 2019: 3, 2020: 2, 2021: 4,
                          2022: 7, 2023: 7, 2024: 8}), _o(2015, 1, 1),
           (("IND", 20), ("TUR", 15), ("SRB", 10), ("BIH", 10), ("MKD", 8), ("ALB", 8),
            ("PHL", 8), ("VNM", 6), ("BRA", 5), ("TUN", 5), ("MEX", 5)), (20, 55, 31), 0.6, 0.95),
    Cohort("sonst", _const(2), _const(1), _o(2000, 1, 1),
           (("TUR", 20), ("RUS", 15), ("SYR", 10), ("CHN", 10), ("USA", 5), ("XXX", 10),
            ("IRN", 10), ("KAZ", 20)), (18, 80, 40), 0.5, 0.3),
)
_UKRAINE_FIRST_CASE = _o(2022, 3, 15)

# Why cases close, by the year they close: the share that reached their goals or was handed to a
# regular service rises as the network of services grows (about 50 % in 2020 to 76 % in 2025);
# moving away stays at 11 %. Later years keep the last row.
_CLOSE_REASONS_BY_YEAR: dict[int, tuple[tuple[str, int], ...]] = {
    2020: (("ZIEL", 30), ("UEBERGABE", 20), ("UMZUG", 11), ("ABBRUCH", 27), ("SONSTIGE", 12)),
    2021: (("ZIEL", 34), ("UEBERGABE", 21), ("UMZUG", 11), ("ABBRUCH", 24), ("SONSTIGE", 10)),
    2022: (("ZIEL", 38), ("UEBERGABE", 22), ("UMZUG", 11), ("ABBRUCH", 21), ("SONSTIGE", 8)),
    2023: (("ZIEL", 42), ("UEBERGABE", 24), ("UMZUG", 11), ("ABBRUCH", 16), ("SONSTIGE", 7)),
    2024: (("ZIEL", 45), ("UEBERGABE", 26), ("UMZUG", 11), ("ABBRUCH", 12), ("SONSTIGE", 6)),
    2025: (("ZIEL", 48), ("UEBERGABE", 28), ("UMZUG", 11), ("ABBRUCH", 9), ("SONSTIGE", 4)),
}
# How fast a need is resolved once found: the uniform draw for the day it is resolved (between
# identified and the case's end) is raised to this power, so below 1 it comes later. Work and
# housing take longest (a job, a flat), first orientation and health care are quickest.
_NEED_PACE: dict[str, float] = {
    "AUFENTHALT": 1.0, "ORIENTIERUNG": 2.2, "SPRACHE": 1.2, "ARBEIT": 0.45, "WOHNEN": 0.5,
    "BILDUNG": 1.1, "GESUNDHEIT": 1.6, "FAMILIE": 1.3,
}
# Referral outcomes (cumulative shares of one draw: accepted, then declined, then open; the rest
# has no outcome recorded). In one Bezirk one institution declines far more often: the structural
# problem the Lenkungsgruppe should find on the Wirkung page.
_REFERRAL_OUTCOME = (0.68, 0.8, 0.88)
_DECLINING_INSTITUTION = "JOBCENTER"
_DECLINING_DISTRICT = "SUED"  # the last district where no district has this id
_DECLINING_OUTCOME = (0.42, 0.8, 0.88)
_P_RESOLVED = {"ZIEL": 0.9, "UEBERGABE": 0.75, "UMZUG": 0.3, "ABBRUCH": 0.15, "SONSTIGE": 0.4}
_NEEDS = ("AUFENTHALT", "ORIENTIERUNG", "SPRACHE", "ARBEIT", "WOHNEN", "BILDUNG", "GESUNDHEIT",
          "FAMILIE")
_INSTITUTIONS = {
    "AUFENTHALT": (("ABH", 70), ("MBE", 15), ("SONSTIGE", 15)),
    "ORIENTIERUNG": (("MBE", 50), ("JMD", 20), ("SONSTIGE", 30)),
    "SPRACHE": (("MBE", 35), ("JMD", 20), ("JOBCENTER", 25), ("SONSTIGE", 20)),
    "ARBEIT": (("JOBCENTER", 55), ("AGENTUR", 35), ("SONSTIGE", 10)),
    "WOHNEN": (("SOZIALAMT", 50), ("SONSTIGE", 40), ("JOBCENTER", 10)),
    "BILDUNG": (("SCHULE", 40), ("JMD", 25), ("AGENTUR", 20), ("JUGENDAMT", 15)),
    "GESUNDHEIT": (("GESUNDHEIT", 75), ("SOZIALAMT", 15), ("SONSTIGE", 10)),
    "FAMILIE": (("JUGENDAMT", 55), ("SONSTIGE", 25), ("MBE", 20)),
    # a settled person asking about residence is usually on the way to naturalisation
    "EINBUERGERUNG": (("EBB", 60), ("ABH", 40)),
}
_SETTLED = frozenset({"NE", "EU", "AE_SCHUTZ", "AE_25A", "AE_25B", "AE_FAMILIE", "AE_ERWERB"})


class _Picker:
    """Weighted choice from a fixed list with one uniform draw (bisect on cumulative weights)."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, pairs):
        self.items = [p[0] for p in pairs]
        self.cum = []
        acc = 0.0
        for _, w in pairs:
            acc += w
            self.cum.append(acc)
        self.total = acc

    def pick(self, u: float):
        return self.items[bisect_right(self.cum, u * self.total)]


class _DateText(dict):
    """Ordinal -> the value the database driver takes for a DATE, built once per day."""

    def __init__(self, as_text: bool):
        super().__init__()
        self.as_text = as_text

    def __missing__(self, o: int):
        d = date.fromordinal(o)
        value = d.isoformat() if self.as_text else d
        self[o] = value
        return value


def _add(events: list, t: int, code) -> int:
    """Append (t, code) keeping dates strictly increasing; returns the date used."""
    if events and t <= events[-1][0]:
        t = events[-1][0] + 1
    events.append((t, code))
    return t


def _naturalisation_intensity(year: int) -> float:
    """Calendar intensity of naturalisation decisions relative to 2023 (NATURALISATIONS_NRW)."""
    lo, hi = min(NATURALISATIONS_NRW), max(NATURALISATIONS_NRW)
    n = NATURALISATIONS_NRW[min(max(year, lo), hi)]
    return n / NATURALISATIONS_NRW[2023]


def _naturalised_on(rnd, arrival: int, settled: int) -> int:
    """Day of naturalisation of a person who will apply: eligible after 8 years' residence (6 with
    special integration achievements), after 5 years from the reform of 27 June 2024 on, and not
    before `settled` (a secure title); decisions then come at the calendar intensity of
    NATURALISATIONS_NRW (record numbers from 2024 on)."""
    years_before = 6 if rnd() < 0.35 else 8
    eligible = arrival + years_before * 365
    if eligible > _NATURALISATION_REFORM:
        eligible = max(_NATURALISATION_REFORM, arrival + 5 * 365)
    t = max(eligible, settled + 180)
    # piecewise-constant hazard per calendar year: one exponential draw walked through the years
    need = -math.log(1.0 - rnd())
    while True:
        d = date.fromordinal(t)
        year_end = _o(d.year, 12, 31)
        rate = NATURALISATION_RATE_2023 * _naturalisation_intensity(d.year) / 365
        span = year_end - t + 1
        if need <= rate * span:
            return t + int(need / rate)
        need -= rate * span
        t = year_end + 1
        if d.year > 2100:
            return _NEVER


def _status_path(rnd, cohort: str, arrival: int, birth_year: int, until: int) -> list:
    """Status changes (ordinal, code) from arrival on, following the real legal paths."""
    ev: list[tuple[int, str]] = []
    a = arrival
    if cohort == "asyl_schutz":
        _add(ev, a, "GESTATTUNG")
        # asylum procedures took longer during 2015/16
        t = _add(ev, a + 90 + int(rnd() * (600 if a < _o(2017, 1, 1) else 420)), "AE_SCHUTZ")
        # recognised refugees naturalise from their § 25 permit or after a settlement permit
        naturalise = rnd() < 0.6
        nat = _naturalised_on(rnd, a, t) if naturalise else _NEVER
        ne = t + 3 * 365 + int(rnd() * 3 * 365) if rnd() < 0.6 else _NEVER
        if ne < nat - 180:
            _add(ev, ne, "NE")
        if nat < _NEVER:
            _add(ev, nat, "DEUTSCH")
    elif cohort == "asyl_duldung":
        _add(ev, a, "GESTATTUNG")
        t = _add(ev, a + 180 + int(rnd() * 720), "DULDUNG")
        branch = rnd()
        if branch < 0.2:
            # §§ 60c/60d: training or employment toleration, then a residence permit
            t2 = _add(ev, max(t + 180 + int(rnd() * 700), _o(2020, 1, 1)), "DULDUNG_AB")
            _add(ev, t2 + 900 + int(rnd() * 400), "AE_ERWERB" if rnd() < 0.75 else "DULDUNG")
        elif branch < 0.35 and date.fromordinal(t).year - birth_year <= 24:
            _add(ev, max(t + 365, a + 3 * 365) + int(rnd() * 900), "AE_25A")
        elif branch < 0.75 and a <= _CHANCEN_ARRIVED_BY:
            # most applications were decided in 2023 and early 2024
            t104 = _add(ev, max(t + 30, _CHANCEN_FROM + 14 + int(rnd() ** 1.5 * 540)),
                        "AE_104C")
            r = rnd()
            young = date.fromordinal(t104).year - birth_year <= 27
            nxt, acc = "DULDUNG", 0.0
            for code, share in CHANCEN_OUTCOMES:
                acc += share
                if r < acc:
                    nxt = code if code != "AE_25A" or young else "AE_25B"
                    break
            # the new title within the 18 months, the fallback when they run out
            days = (120 + int(rnd() * (CHANCEN_VALID_DAYS - 120)) if nxt != "DULDUNG"
                    else CHANCEN_VALID_DAYS)
            _add(ev, t104 + days, nxt)
        elif branch < 0.85:
            _add(ev, max(t + 365, a + 6 * 365 + int(rnd() * 730)), "AE_25B")
    elif cohort == "ukraine":
        _add(ev, a, "AE_24")
        if rnd() < 0.06:
            _add(ev, max(a + 365, _o(2023, 6, 1)) + int(rnd() * 900), "AE_ERWERB")
    elif cohort == "eu":
        _add(ev, a, "EU")
        if rnd() < 0.08:
            _add(ev, _naturalised_on(rnd, a, a), "DEUTSCH")
    elif cohort in ("familie", "erwerb", "sonst"):
        first = {"familie": "AE_FAMILIE", "erwerb": "AE_ERWERB", "sonst": "AE_SONST"}[cohort]
        _add(ev, a, first)
        p_ne = {"familie": 0.55, "erwerb": 0.5, "sonst": 0.3}[cohort]
        if rnd() < p_ne:
            ne = _add(ev, a + (630 if cohort == "erwerb" else 3 * 365) + int(rnd() * 1400), "NE")
            if rnd() < (0.4 if cohort == "familie" else 0.25):
                _add(ev, _naturalised_on(rnd, a, ne), "DEUTSCH")
    # renewals of the same title, then everything after `until` is cut off
    out: list[tuple[int, str]] = []
    for i, (t, code) in enumerate(ev):
        if t > until:
            break
        out.append((t, code))
        nxt = ev[i + 1][0] if i + 1 < len(ev) else _NEVER
        if code == "AE_24":
            for r in _AE24_EXTENSIONS:
                if t + 30 < r < nxt - 30 and r <= until:
                    out.append((r, code))
        elif code in _RENEWAL:
            lo, hi = _RENEWAL[code]
            r = t + lo + int(rnd() * (hi - lo + 1))
            while r < nxt - 30 and r <= until:
                out.append((r, code))
                r += lo + int(rnd() * (hi - lo + 1))
    return out


def _sphere_path(rnd, cohort: str, arrival: int, birth_year: int, status: list,
                 until: int) -> list:
    """Legal-sphere episodes as (ordinal, code or None for a gap) derived from status and work."""
    # jobs: (start, end) with end inclusive; unemployment benefit (SGB III) after a lost job
    p_job = next(c.p_job for c in COHORTS if c.name == cohort)
    # work is allowed with the first secure status; a §§ 60c/60d toleration presupposes a job
    work_from = next((t for t, code in status if code not in _PREKAER or code == "DULDUNG_AB"),
                     None)
    tolerated_for_work = any(code == "DULDUNG_AB" for _, code in status)
    jobs: list[tuple[int, int]] = []
    sgb3: list[tuple[int, int]] = []
    if work_from is not None and (tolerated_for_work or rnd() < p_job):
        if cohort == "erwerb" or tolerated_for_work:
            start = work_from
        elif cohort == "eu":
            start = work_from + int(rnd() * 180)
        else:
            start = work_from + 120 + int(rnd() * 1200)
        for _ in range(2):
            end = start + 365 + int(rnd() * 1800) if rnd() < 0.35 else _NEVER
            jobs.append((start, end))
            if end >= until:
                break
            sgb3.append((end + 1, end + 180 + int(rnd() * 180)))
            if rnd() > 0.45:
                break
            start = end + 60 + int(rnd() * 500)
    needy = rnd() < (0.45 if cohort == "eu" else 0.4 if cohort == "familie" else 0.0)
    old_from = _o(birth_year + 67, 1, 1)
    uma_to = None
    if cohort.startswith("asyl") and date.fromordinal(arrival).year - birth_year < 18:
        if rnd() < 0.5:  # unaccompanied minors live in youth welfare until 18 to 21
            uma_to = _o(birth_year + 18 + int(rnd() * 4), 1 + int(rnd() * 12), 1)
    ae24_switch = _AE24_JOBCENTER
    if arrival >= _AE24_JOBCENTER - 20:
        ae24_switch = arrival + 20 + int(rnd() * 50)

    points = {t for t, _ in status}
    for s, e in jobs:
        points.add(s)
        if e < _NEVER:
            points.add(e + 1)
    for _s, e in sgb3:
        points.add(e + 1)
    points.add(old_from)
    points.add(ae24_switch)
    if uma_to is not None:
        points.add(uma_to)
    seq = sorted(p for p in points if arrival <= p <= until)

    out: list[tuple[int, str | None]] = []
    si = 0
    for t in seq:
        while si + 1 < len(status) and status[si + 1][0] <= t:
            si += 1
        st = status[si][1]
        if uma_to is not None and t < uma_to:
            sphere = "SGB8"
        elif any(s <= t <= e for s, e in jobs):
            sphere = "KEINE"
        elif any(s <= t <= e for s, e in sgb3):
            sphere = "SGB3"
        elif st in _PREKAER or (st == "AE_24" and t < ae24_switch):
            sphere = "ASYLBLG"
        elif st in _SGB2_STATUSES or st == "AE_24" or (needy and st in ("EU", "AE_FAMILIE")):
            sphere = "SGB12" if t >= old_from else "SGB2"
        else:
            sphere = "KEINE"
        if out and out[-1][1] == sphere:
            continue
        prev = out[-1][1] if out else None
        gap = 0
        if prev in ("ASYLBLG", "SGB3", "SGB8") and sphere in ("SGB2", "SGB12"):
            # mostly seamless; some wait weeks for the Jobcenter's decision
            p_gap = 0.12 if t == _AE24_JOBCENTER else BENEFIT_GAP_SHARE
            if rnd() < p_gap:
                gap = 1 + int(rnd() ** 3 * 120)
        nxt = next((p for p in seq if p > t), _NEVER)
        if gap and t + gap < nxt and t + gap <= until:
            # the weeks without benefits are mostly documented as KEINE, else left empty
            out.append((t, "KEINE" if rnd() < BENEFIT_GAP_AS_KEINE else None))
            out.append((t + gap, sphere))
        else:
            out.append((t, sphere))
    return out


# A gap between two benefits (e.g. AsylbLG ended, the Jobcenter has not decided yet) is recorded
# as an episode KEINE in this share of cases and left without an episode in the rest.
BENEFIT_GAP_AS_KEINE = 0.7
# Share of changes into SGB II / SGB XII with such a gap (the Jobcenter decides after the last
# AsylbLG or SGB III payment); for the § 24 switch of 1 June 2022 the authorities prepared, so
# fewer waited then.
BENEFIT_GAP_SHARE = 0.3


@dataclass
class _People:
    """Everything the person generator needs that does not change from person to person."""

    until: int
    width: int
    day_cum: list  # cumulative case-management FTE x inflow weight per day since programme start
    day_total: float
    cm_on_day: list  # per day: tuple per district of _Picker or None
    municipalities: list  # per district: _Picker of AGS


def _setup_people(staff: list[StaffMember], until: int, width: int) -> _People:
    days = until - _START + 1
    didx = {d: i for i, (d, _) in enumerate(DISTRICTS)}
    cms = [s for s in staff if s.position.role == "CASE_MANAGEMENT"]
    day_cum, cm_on_day = [], []
    acc = 0.0
    cache: dict[tuple, tuple] = {}
    for i in range(days):
        o = _START + i
        active = tuple(
            s for s in cms
            if s.active_from <= o and (s.active_to is None or s.active_to >= o)
        )
        if active not in cache:
            per = [[] for _ in DISTRICTS]
            for s in active:
                per[didx[s.position.district_id]].append((s.id, s.fte))
            cache[active] = (
                tuple(sum(f for _, f in p) for p in per),
                tuple(_Picker(p) if p else None for p in per),
            )
        ftes, pickers = cache[active]
        # new persons come with the case managers' capacity, shaped by the year's inflow
        acc += sum(ftes) * _inflow_weight(o)
        day_cum.append(acc)
        cm_on_day.append(pickers)
    munis = [
        _Picker([(ags, pop) for ags, _, d, pop in MUNICIPALITIES if d == district])
        for district, _ in DISTRICTS
    ]
    return _People(until, width, day_cum, acc, cm_on_day, munis)


def _pick_staff(rnd, ctx: _People, district: int, ref: int, fallback: int):
    """The responsible case manager: one of the district's on the reference day."""
    for day in (ref, fallback):
        i = day - _START
        if 0 <= i < len(ctx.cm_on_day):
            picker = ctx.cm_on_day[i][district]
            if picker is not None:
                return picker.pick(rnd())
    return None


def _district_inflow() -> tuple[float, ...]:
    """Weight of each district for new cases: its inhabitants times its DISTRICT_INFLOW."""
    pop = {d: 0 for d, _ in DISTRICTS}
    for _ags, _name, d, inhabitants in MUNICIPALITIES:
        pop[d] += inhabitants
    return tuple(pop[d] * DISTRICT_INFLOW.get(d, 1.0) for d, _ in DISTRICTS)


def _pick_district(u: float, weights: tuple) -> int:
    """A district for a new case, by the weights of _district_inflow: cases come where people
    live, whether or not a post there is vacant (a vacancy raises the caseload per FTE)."""
    total = sum(weights)
    if total <= 0:
        return int(u * len(DISTRICTS)) % len(DISTRICTS)
    x = u * total
    for i, f in enumerate(weights):
        if x < f:
            return i
        x -= f
    return len(weights) - 1


def _step_between(status: list, lo: int, hi: int) -> bool:
    """Whether the status path changes its code on a day in [lo, hi]."""
    for i in range(1, len(status)):
        t, code = status[i]
        if t > hi:
            return False
        if t >= lo and code != status[i - 1][1]:
            return True
    return False


def _from_intake(events: list, intake: int) -> list:
    """The events from the one in force on `intake` on (a path starting later: all of it)."""
    first = 0
    while first + 1 < len(events) and events[first + 1][0] <= intake:
        first += 1
    return events[first:]


def _cohort_picker(year: int, spring: bool) -> _Picker:
    """The cohorts' shares among new persons of a year (the Ukrainian one raised in spring 2022)."""
    pairs = []
    for c in COHORTS:
        w = c.weight(year)
        if spring and c.name == "ukraine":
            w *= UKRAINE_SPRING_SHARE
        if w > 0:
            pairs.append((c, w))
    return _Picker(pairs)


def _generate_persons(rng: random.Random, ctx: _People, first: int, count: int, first_case: int,
                      dates: _DateText, rows: dict[str, list]) -> None:
    """Persons first..first+count-1 (cases numbered from first_case) with their cases, needs,
    referrals and histories, appended to `rows` as tuples in column order."""
    rnd = rng.random
    until = ctx.until
    w = ctx.width
    D = dates
    person_rows = rows["person"]
    case_rows = rows["case_file"]
    need_rows = rows["case_need"]
    ref_rows = rows["referral"]
    status_rows = rows["legal_status_episode"]
    sphere_rows = rows["legal_sphere_episode"]
    close_picks = {y: _Picker(v) for y, v in _CLOSE_REASONS_BY_YEAR.items()}
    last_close_year = max(close_picks)
    ids = [d for d, _name in DISTRICTS]
    declining = (ids.index(_DECLINING_DISTRICT) if _DECLINING_DISTRICT in ids
                 else len(ctx.municipalities) - 1)
    declining_ags = frozenset(ctx.municipalities[declining].items)
    inst_pick = {k: _Picker(v) for k, v in _INSTITUTIONS.items()}
    cit_pick = {c.name: _Picker(c.citizenships) for c in COHORTS}
    ndays = len(ctx.day_cum)
    year_pickers: dict[tuple[str, int], _Picker] = {}
    cohort_pickers: dict[tuple[int, bool], _Picker] = {}
    district_weights = _district_inflow()

    for n in range(first, first + count):
        pid = f"P{n:0{w}d}"
        # first case: opened when case managers had capacity, in the district that had it
        if ctx.day_total > 0:
            day = bisect_right(ctx.day_cum, rnd() * ctx.day_total)
            day = min(day, ndays - 1)
        else:
            day = int(rnd() * ndays)
        opened = _START + day
        district = _pick_district(rnd(), district_weights)
        opened_date = date.fromordinal(opened)

        # who the person is, given when the case opened
        spring = UKRAINE_SPRING[0] <= opened <= UKRAINE_SPRING[1]
        picker = cohort_pickers.get((opened_date.year, spring))
        if picker is None:
            picker = cohort_pickers[(opened_date.year, spring)] = _cohort_picker(
                opened_date.year, spring)
        cohort = picker.pick(rnd())
        if cohort.name == "ukraine" and opened < _UKRAINE_FIRST_CASE:
            cohort = COHORTS[0]
        year_picker = year_pickers.get((cohort.name, opened_date.year))
        if year_picker is None:
            lo_year = date.fromordinal(cohort.arrival_from).year
            years = [(y, cohort.arrival_years(y) * ARRIVAL_RECENCY ** (opened_date.year - y))
                     for y in range(lo_year, opened_date.year + 1)]
            years = [(y, wt) for y, wt in years if wt > 0] or [(opened_date.year, 1)]
            year_picker = year_pickers[(cohort.name, opened_date.year)] = _Picker(years)
        year = year_picker.pick(rnd())
        lo = max(_o(year, 1, 1), cohort.arrival_from)
        hi = min(_o(year, 12, 31), opened - 7)
        arrival = lo + int(rnd() * (hi - lo + 1)) if hi >= lo else max(cohort.arrival_from,
                                                                         opened - 7)
        arrival = min(arrival, opened)
        a_lo, a_hi, a_mode = cohort.age
        age = int(rng.triangular(a_lo, a_hi, a_mode))
        if cohort.name.startswith("asyl") and rnd() < 0.07:
            age = 14 + int(rnd() * 4)
        # born no later than the year of arrival (the importer rejects the opposite; the age
        # drawn for the case year alone allowed it for about 1 in 2,500 persons)
        birth_year = min(opened_date.year - age, date.fromordinal(arrival).year)
        r = rnd()
        sex = ("m" if r < cohort.male_share else "w" if r < 0.986 else "x" if r < 0.997 else "d")
        citizenship = cit_pick[cohort.name].pick(rnd())
        known_arrival = rnd() >= 0.02

        # the path is drawn beyond `until` far enough to see the case's first year (a step
        # due after `until` must count as due, or the last year would thin out), then cut
        horizon = max(until, opened + 365)
        status = _status_path(rnd, cohort.name, arrival, birth_year, horizon)
        if cohort.name != "ukraine" and rnd() < PENDING_STEP_SHARE:
            # many come because a step is due: an earlier arrival whose path has one in the
            # case's first year (tries, else the person stays as drawn)
            for _ in range(PENDING_STEP_TRIES):
                if _step_between(status, opened, opened + 365):
                    break
                earlier = max(cohort.arrival_from, arrival - 365 - int(rnd() * 3 * 365))
                born = min(birth_year, date.fromordinal(earlier).year)
                path = _status_path(rnd, cohort.name, earlier, born, horizon)
                if _step_between(path, opened, opened + 365):
                    arrival, birth_year, status = earlier, born, path
                    break
        if horizon > until:
            status = [e for e in status if e[0] <= until]
        person_rows.append((pid, birth_year, sex, citizenship,
                            D[arrival] if known_arrival else None))
        spheres = _sphere_path(rnd, cohort.name, arrival, birth_year, status, until)

        # cases: a first one, for some a second after the first closed
        cases = []
        if rnd() >= 0.01:  # a few persons are registered before their case is opened
            o = opened
            muni_district = district
            ags = ctx.municipalities[district].pick(rnd())
            while True:
                duration = int(rng.triangular(45, 760, 240))
                closed = o + duration
                reason = None
                if closed > until:
                    closed = None
                else:
                    close_year = min(max(date.fromordinal(closed).year, min(close_picks)),
                                     last_close_year)
                    reason = close_picks[close_year].pick(rnd())
                staff_id = None
                if rnd() >= 0.015:  # a few cases wait for a case manager to be assigned
                    ref = closed if closed is not None else until
                    staff_id = _pick_staff(rnd, ctx, muni_district, ref, o)
                cases.append((o, closed, reason, ags, staff_id))
                if closed is None or len(cases) >= 2:
                    break
                if rnd() >= (0.04 if reason == "UMZUG" else 0.18):
                    break
                o = closed + 30 + int(rnd() * 540)
                if o > until:
                    break
                if rnd() < 0.15:
                    muni_district = int(rnd() * len(DISTRICTS))
                    ags = ctx.municipalities[muni_district].pick(rnd())

        si = 0
        for o, closed, reason, ags, staff_id in cases:
            cid = f"F{first_case + len(case_rows):0{w}d}"
            case_rows.append((cid, pid, ags, staff_id, D[o], D[closed] if closed else None,
                              reason))
            end = closed if closed is not None else until
            while si + 1 < len(status) and status[si + 1][0] <= o:
                si += 1
            st = status[si][1] if status else None
            age_now = date.fromordinal(o).year - birth_year
            recent = o - arrival
            weights = (
                6.0 if st in _PREKAER or st in ("AE_104C", "AE_24") else 1.5,  # AUFENTHALT
                5.0 if recent < 365 else 1.0,  # ORIENTIERUNG
                5.0 if recent < 3 * 365 else 2.0,  # SPRACHE
                9.0 if 18 <= age_now <= 62 else 0.5,  # ARBEIT
                7.0,  # WOHNEN
                5.0 if age_now < 27 else 1.0,  # BILDUNG
                3.0 if age_now > 55 else 1.5,  # GESUNDHEIT
                3.0 if cohort.name == "familie" else 1.5,  # FAMILIE
            )
            k = 1 + (rnd() >= 0.25) + (rnd() >= 0.5) + (rnd() >= 0.7)
            # weighted sample without replacement (Efraimidis-Spirakis keys)
            keyed = sorted(((rnd() ** (1.0 / wt), i) for i, wt in enumerate(weights)),
                           reverse=True)[:k]
            span = end - o
            for rank, (_key, i) in enumerate(keyed):
                need = _NEEDS[i]
                ident = o if rank == 0 else o + int(rnd() ** 2 * min(120, span))
                resolved = None
                pace = _NEED_PACE[need]
                if closed is not None:
                    if rnd() < _P_RESOLVED[reason]:
                        resolved = ident + int(rnd() ** pace * (closed - ident + 1))
                elif until - ident > 30 and rnd() < 0.4:
                    resolved = ident + 30 + int(rnd() ** pace * (until - ident - 30 + 1))
                need_rows.append((cid, need, D[ident], D[resolved] if resolved else None))
                n_ref = 0 if rnd() < 0.3 else 1 if rnd() < 0.7 else 2
                if n_ref:
                    key = ("EINBUERGERUNG" if need == "AUFENTHALT" and st in _SETTLED
                           and recent > 5 * 365 else need)
                    limit = resolved if resolved is not None else end
                for _ in range(n_ref):
                    referred = ident + int(rnd() * (min(90, limit - ident) + 1))
                    inst = inst_pick[key].pick(rnd())
                    r = rnd()
                    if closed is None and until - referred < 45:
                        outcome = ("OFFEN" if r < 0.7 else "ANGENOMMEN" if r < 0.94
                                   else "ABGELEHNT")
                    else:
                        acc, dec, pending = (_DECLINING_OUTCOME if inst == _DECLINING_INSTITUTION
                                             and ags in declining_ags else _REFERRAL_OUTCOME)
                        outcome = ("ANGENOMMEN" if r < acc else "ABGELEHNT" if r < dec else
                                   "OFFEN" if r < pending else None)
                    ref_rows.append((cid, inst, D[referred], outcome))

        # status and sphere are recorded while the KIM team is in contact: after the last case
        # closed both histories end there, except for a few that nobody closed (a warning on
        # the data-quality page); otherwise the latest episode stays open
        # ... and they begin at the first case: the episode in force when it opened (with the
        # day since when) and every change after it; earlier titles are not documented. (A
        # history since arrival would count, for every past year, the earlier steps of all who
        # came later, so past years would outgrow the recent ones for that reason alone.)
        cut = None
        if cases and cases[-1][1] is not None and rnd() >= 0.05:
            cut = cases[-1][1]
            status = [s for s in status if s[0] <= cut]
            spheres = [s for s in spheres if s[0] <= cut]
        intake = cases[0][0] if cases else opened
        status = _from_intake(status, intake)
        spheres = _from_intake(spheres, intake)
        for i, (t, code) in enumerate(status):
            end = status[i + 1][0] - 1 if i + 1 < len(status) else cut
            status_rows.append((pid, code, D[t], D[end] if end is not None else None))
        for i, (t, code) in enumerate(spheres):
            if code is None:
                continue
            end = spheres[i + 1][0] - 1 if i + 1 < len(spheres) else cut
            sphere_rows.append((pid, code, D[t], D[end] if end is not None else None))


# --- Writing ------------------------------------------------------------------------------------

_BULK_TABLES = (
    schema.person,
    schema.case_file,
    schema.case_need,
    schema.referral,
    schema.legal_status_episode,
    schema.legal_sphere_episode,
)


class _Sink:
    """Bulk writer: executemany on SQLite, COPY on PostgreSQL, inside the caller's transaction."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self.counts = {t.name: 0 for t in schema.DATA_TABLES}
        self._statements: dict[str, object] = {}

    def dicts(self, table: Table, rows: list[dict]) -> None:
        if rows:
            self.conn.execute(insert(table), rows)
        self.counts[table.name] += len(rows)

    def tuples(self, table: Table, rows: list[tuple]) -> None:
        """Rows as tuples in the table's column order, dates already in the driver's form."""
        if not rows:
            return
        if self.postgres:
            from psycopg import sql

            stmt = self._statements.get(table.name)
            if stmt is None:
                stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(
                    sql.Identifier(table.name),
                    sql.SQL(", ").join(sql.Identifier(c.name) for c in table.columns),
                )
                self._statements[table.name] = stmt
            raw = self.conn.connection.dbapi_connection
            with raw.cursor() as cur, cur.copy(stmt) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            stmt = self._statements.get(table.name)
            if stmt is None:
                compiled = insert(table).compile(dialect=self.conn.dialect)
                assert list(compiled.positiontup) == [c.name for c in table.columns]
                stmt = str(compiled)
                self._statements[table.name] = stmt
            self.conn.exec_driver_sql(stmt, rows)
        self.counts[table.name] += len(rows)


def generate(engine: Engine, persons: int = 2000, seed: int = 2020,
             until: date | None = None, city: bool = False) -> dict[str, int]:
    """Replace all data with demo data for Kreis Coesfeld (or, with `city`, for the fictional
    kreisfreie Stadt of CITY_TERRITORY, see the end of this module); returns rows per table.

    The same (persons, seed, until) always gives the same rows: every random choice comes
    from random.Random(seed), never from the clock (except the default of `until`).
    """
    if city:
        with _city_geography():
            return generate(engine, persons=persons, seed=seed, until=until)
    if until is None:
        until = date.today()
    if until < PROGRAMME_START:
        raise ValueError(
            f"Demodaten beginnen mit dem Förderstart am {PROGRAMME_START:%d.%m.%Y}; "
            f"'until' ({until:%d.%m.%Y}) liegt davor"
        )
    if persons < 0:
        raise ValueError("Die Zahl der Personen darf nicht negativ sein")
    started = now()
    master = random.Random(seed)
    # independent streams: staff and ledger stay the same whatever the number of persons
    staff_rng = random.Random(master.getrandbits(64))
    ledger_rng = random.Random(master.getrandbits(64))
    people_rng = random.Random(master.getrandbits(64))
    u = until.toordinal()

    staff = _generate_staff(staff_rng, u)
    ledger = _generate_ledger(ledger_rng, staff, u)
    width = max(6, len(str(persons * 2)))
    ctx = _setup_people(staff, u, width)

    with engine.begin() as conn:
        sink = _Sink(conn)
        if not sink.postgres:
            # a 256 MB page cache keeps the indexes of millions of rows in memory while loading
            conn.exec_driver_sql("PRAGMA cache_size = -262144")
        for table in reversed(schema.DATA_TABLES):
            conn.execute(delete(table))
        if _TERRITORY is not None:
            sink.dicts(schema.territory, [_TERRITORY])
        sink.dicts(schema.district, [dict(id=i, name=n) for i, n in DISTRICTS])
        sink.dicts(schema.municipality, [dict(ags=a, name=n, district_id=d, population=p,
                                              kind=_MUNICIPALITY_KIND)
                                         for a, n, d, p in MUNICIPALITIES])
        sink.dicts(schema.funded_position, [
            dict(id=p.id, module=p.module, role=p.role, fte_approved=p.fte,
                 approved_from=p.approved_from, approved_to=None)
            for p in POSITIONS
        ])
        sink.dicts(schema.staff, [
            dict(id=s.id, position_id=s.position.id, district_id=s.position.district_id,
                 fte=s.fte, active_from=date.fromordinal(s.active_from),
                 active_to=date.fromordinal(s.active_to) if s.active_to is not None else None)
            for s in staff
        ])
        dates = _DateText(as_text=not sink.postgres)
        done = 0
        while done < persons:
            count = min(CHUNK_PERSONS, persons - done)
            rows: dict[str, list] = {t.name: [] for t in _BULK_TABLES}
            _generate_persons(people_rng, ctx, done + 1, count, sink.counts["case_file"] + 1,
                              dates, rows)
            for table in _BULK_TABLES:
                sink.tuples(table, rows[table.name])
            done += count
        allocations = []
        for year in range(PROGRAMME_START.year, until.year + 2):
            allocations.extend(budget_allocations(year))
        sink.dicts(schema.budget_allocation, allocations)
        sink.dicts(schema.ledger_entry, ledger)
        record_run(conn, started_at=started, source="demo", outcome="OK",
                   files={name: {"rows": n} for name, n in sink.counts.items()})
    return dict(sink.counts)


# --- The city variant (`kim demo --stadt`) -----------------------------------------------------
# A fictional kreisfreie Stadt (AGS 05999000 is no real one) with eight Stadtbezirke, some with
# the long names real cities give them, and their Stadtteile (DATA_MODEL.md: Stadtbezirke are
# the districts, Stadtteile the municipalities, keyed "05999000-" + local key). The generator
# above is reused unchanged: _city_geography swaps the geography constants it reads (districts,
# municipalities, the case managers' Bezirke) for the duration of one generate() call.

CITY_AGS = "05999000"
CITY_TERRITORY = {"ags": CITY_AGS, "name": "Stadt Lindenberg an der Ruhr",
                  "kind": "KREISFREIE_STADT", "started_on": PROGRAMME_START}
CITY_DISTRICTS: tuple[tuple[str, str], ...] = (
    ("HAFEN", "Innenstadt-Nord mit Hafen und Altstadt"),
    ("HUEGEL", "Hügelland-Aplerbeck mit Sölderholz"),
    ("LINDEN", "Lindenhorst-Brechten und Grüne Mark"),
    ("NORD", "Nord – Hüttenfeld, Kanalufer und Neue Heide"),
    ("OST", "Innenstadt-Ost / Bahnhofsviertel"),
    ("SCHLOSS", "Ost – Am Schlossgarten"),
    ("SUED", "Süd (Kirchhörde, Wellinghofen, Hombruch-Löttringhausen)"),
    ("WEST", "West – Marten, Oespel und Kley"),
)
CITY_MUNICIPALITIES: tuple[tuple[str, str, str, int], ...] = tuple(
    (f"{CITY_AGS}-{key}", name, district, population)
    for key, name, district, population in (
        ("101", "Altstadt", "HAFEN", 18_500),
        ("102", "Hafen", "HAFEN", 21_000),
        ("103", "Nordmarkt", "HAFEN", 24_500),
        ("201", "Aplerbeck", "HUEGEL", 29_000),
        ("202", "Sölderholz", "HUEGEL", 12_500),
        ("203", "Berghofen", "HUEGEL", 15_000),
        ("301", "Lindenhorst", "LINDEN", 16_000),
        ("302", "Brechten", "LINDEN", 13_500),
        ("303", "Grüne Mark", "LINDEN", 9_000),
        ("401", "Hüttenfeld", "NORD", 22_000),
        ("402", "Kanalufer", "NORD", 17_500),
        ("403", "Neue Heide", "NORD", 11_000),
        ("501", "Bahnhofsviertel", "OST", 19_000),
        ("502", "Kaiserbrunnen", "OST", 23_000),
        ("601", "Schlossgarten", "SCHLOSS", 20_500),
        ("602", "Körne", "SCHLOSS", 14_000),
        ("603", "Wambel-Brackel", "SCHLOSS", 26_000),
        ("701", "Kirchhörde", "SUED", 17_000),
        ("702", "Wellinghofen", "SUED", 12_000),
        ("703", "Hombruch-Löttringhausen", "SUED", 28_500),
        ("801", "Marten", "WEST", 15_500),
        ("802", "Oespel-Kley", "WEST", 13_000),
        ("803", "Lütgendortmund-Bövinghausen", "WEST", 24_000),
    )
)
_CITY_LETTER = {"HAFEN": "HA", "HUEGEL": "HU", "LINDEN": "LI", "NORD": "NO", "OST": "OS",
                "SCHLOSS": "SC", "SUED": "SU", "WEST": "WE"}


def _city_positions() -> tuple[Position, ...]:
    """The Kreis demo's funded posts with the twelve case-management posts spread over the
    eight Stadtbezirke in turn (same money, same start days)."""
    ids = [d for d, _ in CITY_DISTRICTS]
    out, n = [], 0
    for p in POSITIONS:
        if p.role == "CASE_MANAGEMENT":
            p = replace(p, district_id=ids[n % len(ids)])
            n += 1
        out.append(p)
    return tuple(out)


@contextmanager
def _city_geography() -> Iterator[None]:
    """The city's constants in place of the Kreis's while the generator runs (one CLI call)."""
    global DISTRICTS, MUNICIPALITIES, _DISTRICT_LETTER, POSITIONS, _TERRITORY, _MUNICIPALITY_KIND
    kept = (DISTRICTS, MUNICIPALITIES, _DISTRICT_LETTER, POSITIONS, _TERRITORY,
            _MUNICIPALITY_KIND)
    positions = _city_positions()
    DISTRICTS, MUNICIPALITIES, _DISTRICT_LETTER = CITY_DISTRICTS, CITY_MUNICIPALITIES, _CITY_LETTER
    POSITIONS, _TERRITORY, _MUNICIPALITY_KIND = positions, CITY_TERRITORY, "STADTTEIL"
    try:
        yield
    finally:
        (DISTRICTS, MUNICIPALITIES, _DISTRICT_LETTER, POSITIONS, _TERRITORY,
         _MUNICIPALITY_KIND) = kept
