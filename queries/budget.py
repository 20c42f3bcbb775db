"""Budget utilisation (Mittelabfluss) per funding module for one budget year, as KPIS.md defines it,
with the Land's side: Land funds earned, forfeited and to be paid back.

Rounding: money stays integer cents. `projected_cents` is computed from the exact fraction of the
year (integer arithmetic) and rounded half away from zero (kaufmännisch); Land × occupancy is
computed exactly (integer FTE-days) and rounded the same way, once. Ratios (`utilisation`,
`elapsed_share`, `occupancy_share`) are returned unrounded (full double precision of the exact
fraction): rounding is for display only (dashboard/format.py). FTE sums keep 2 decimal places,
the precision of the source columns; FTE-months are exact fractions returned as floats.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from sqlalchemy import Connection, and_, func, or_, select

from . import codes, schema
from .filters import Filter, months_between
from .sqlfuncs import month_key

MODULES: tuple[str, ...] = tuple(codes.MODULES)  # I, II, III
CATEGORIES: tuple[str, ...] = tuple(sorted(codes.CATEGORIES))  # plain string order
# Categories tied to posts: the Land pays them in proportion to the occupancy of the posts.
POST_CATEGORIES = frozenset({"PERSONAL", "SACH"})
FTE_PLACES = 2
# Module and total keys that are sums of money (integer cents), summed over the modules.
TOTAL_CENTS_KEYS = (
    "allocated_cents", "spent_cents", "received_cents", "land_cents", "own_share_cents",
    "projected_cents", "projected_unspent_cents", "plan_cents", "land_earned_projected_cents",
    "land_forfeit_projected_cents", "repayment_projected_cents",
)


def div_round_half_away(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, in exact integers (denominator > 0)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    q, r = divmod(abs(numerator), denominator)
    if 2 * r >= denominator:
        q += 1
    return q if numerator >= 0 else -q


def ratio(numerator: int | float, denominator: int | float, places: int | None = None):
    """numerator / denominator, unrounded (the float nearest the exact fraction); None for /0.

    With `places`, rounded half away from zero to that many decimals (for display helpers).
    """
    if not denominator:
        return None
    exact = Fraction(Decimal(numerator)) / Fraction(Decimal(denominator))
    if places is None:
        return float(exact)
    rounded = Decimal(exact.numerator) / Decimal(exact.denominator)
    return float(rounded.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _fte(value) -> float:
    # Sums of NUMERIC(4,2) come back as binary floats on SQLite; round to the source precision.
    return round(float(value or 0), FTE_PLACES)


def _centi(value) -> int:
    """An FTE value as whole hundredths (NUMERIC(4,2) on PostgreSQL, REAL on SQLite)."""
    exact = Decimal(repr(float(value or 0))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return int(exact * 100)


def year_elapsed(year: int, as_of: date) -> tuple[int, int]:
    """(days of `year` passed up to and including as_of, days in `year`), capped to 0 … all."""
    days_in_year = 366 if calendar.isleap(year) else 365
    if year < as_of.year:
        return days_in_year, days_in_year
    if year > as_of.year:
        return 0, days_in_year
    return (as_of - date(year, 1, 1)).days + 1, days_in_year


@dataclass
class Occupancy:
    """Approved and filled FTE of one module's positions over a whole year, exactly.

    `*_days` are centi-FTE × days (integers); `*_months` are FTE-months as exact fractions,
    each day counting 1/(days of its month) of a month, so a full post vacant from 1 April to
    30 June is 3 FTE-months vacant whatever the month lengths.
    """

    approved_days: int = 0
    filled_days: int = 0
    approved_months: Fraction = field(default_factory=Fraction)
    filled_months: Fraction = field(default_factory=Fraction)

    @property
    def share(self) -> Fraction | None:
        return Fraction(self.filled_days, self.approved_days) if self.approved_days else None


def occupancy(conn: Connection, year: int) -> dict[str, Occupancy]:
    """KPIS.md `occupancy_share` per module: filled / approved FTE-days over every day of `year`.

    A position counts on the days it is approved, with its fte_approved; filled is the sum of
    its staff's fte active that day, capped at fte_approved. Staff rows count as the table holds
    them, days after as_of included (an open active_to runs to the year's end).
    """
    first, last = date(year, 1, 1), date(year, 12, 31)
    pos, st = schema.funded_position, schema.staff
    overlaps_year = and_(pos.c.approved_from <= last,
                         or_(pos.c.approved_to.is_(None), pos.c.approved_to >= first))
    positions = {
        pid: (module, _centi(fte), max(start, first), min(end or last, last))
        for pid, module, fte, start, end in conn.execute(
            select(pos.c.id, pos.c.module, pos.c.fte_approved, pos.c.approved_from,
                   pos.c.approved_to).where(overlaps_year)
        )
    }
    staff: dict[str, list[tuple[int, date, date]]] = {}
    for pid, fte, start, end in conn.execute(
        select(st.c.position_id, st.c.fte, st.c.active_from, st.c.active_to)
        .select_from(st.join(pos, st.c.position_id == pos.c.id))
        .where(overlaps_year, st.c.active_from <= last,
               or_(st.c.active_to.is_(None), st.c.active_to >= first))
    ):
        staff.setdefault(pid, []).append((_centi(fte), start, end or last))

    out = {module: Occupancy() for module in MODULES}
    month_starts = [date(year, m, 1) for m in range(2, 13)]
    for pid, (module, approved, a_from, a_to) in positions.items():
        if a_from > a_to or approved <= 0:
            continue
        occ = out.setdefault(module, Occupancy())
        spans = [(fte, max(s, a_from), min(e, a_to)) for fte, s, e in staff.get(pid, ())]
        spans = [(fte, s, e) for fte, s, e in spans if s <= e]
        # Between two cut points nothing changes: neither the staff present nor the month.
        cuts = {a_from, a_to + timedelta(days=1)}
        cuts.update(d for d in month_starts if a_from < d <= a_to)
        for _share, s, e in spans:
            cuts.update((s, e + timedelta(days=1)))
        ordered = sorted(cuts)
        for lo, hi in zip(ordered, ordered[1:], strict=False):
            days = (hi - lo).days
            filled = min(approved, sum(fte for fte, s, e in spans if s <= lo <= e))
            month_days = calendar.monthrange(lo.year, lo.month)[1]
            occ.approved_days += approved * days
            occ.filled_days += filled * days
            occ.approved_months += Fraction(approved * days, 100 * month_days)
            occ.filled_months += Fraction(filled * days, 100 * month_days)
    return out


def land_earned(category: str, land: int, projected: int | None,
                share: Fraction | None) -> int | None:
    """KPIS.md `land_earned_projected_cents` of one category (None when nothing is projected)."""
    if projected is None:
        return None
    spend = max(projected, 0)
    if category in POST_CATEGORIES:
        # land × occupancy, exact, rounded half away from zero once; no FTE-day approved: 0
        payable = 0 if share is None else div_round_half_away(
            land * share.numerator, share.denominator)
        return min(payable, spend)
    return min(land, spend)


def _project(cents: int, elapsed_days: int, days_in_year: int) -> int | None:
    # spent / (elapsed / days_in_year), kept exact until the single rounding.
    return div_round_half_away(cents * days_in_year, elapsed_days) if elapsed_days else None


def budget(conn: Connection, f: Filter) -> dict:
    """The KPIS.md "budget" object for year f.budget_year; Kreis-wide, so f.district is ignored.

    Besides the binding keys, each module has `plan_cents` (elapsed share × allocated, rounded
    half away from zero: where spending would stand at an even rate), `fte_months_approved`,
    `fte_months_filled` and `fte_months_vacant` (the year's posts in FTE-months, as for
    `occupancy_share`); `total` holds the sums of the modules' money figures.
    """
    year = f.budget_year
    as_of = f.as_of
    reference_day = min(as_of, date(year, 12, 31))
    elapsed_days, days_in_year = year_elapsed(year, as_of)

    alloc = schema.budget_allocation
    allocated: dict[tuple[str, str, str], int] = {}
    for module, category, source, cents in conn.execute(
        select(alloc.c.module, alloc.c.category, alloc.c.source, func.sum(alloc.c.amount_cents))
        .where(alloc.c.year == year)
        .group_by(alloc.c.module, alloc.c.category, alloc.c.source)
    ):
        allocated[(module, category, source)] = int(cents or 0)

    led = schema.ledger_entry
    booked: dict[tuple[str, str, str], int] = {}
    for module, category, kind, cents in conn.execute(
        select(led.c.module, led.c.category, led.c.kind, func.sum(led.c.amount_cents))
        .where(led.c.year == year, led.c.booked_on <= as_of)
        .group_by(led.c.module, led.c.category, led.c.kind)
    ):
        booked[(module, category, kind)] = int(cents or 0)

    months = months_between(date(year, 1, 1), reference_day) if year <= as_of.year else []
    monthly_by_module: dict[str, dict[str, int]] = {m: {} for m in MODULES}
    if months:
        # Bookings up to the last listed month's end and not after as_of: reference_day is both.
        month = month_key(led.c.booked_on)
        for module, key, cents in conn.execute(
            select(led.c.module, month, func.sum(led.c.amount_cents))
            .where(
                led.c.year == year,
                led.c.kind == "AUSGABE",
                led.c.booked_on <= reference_day,
            )
            .group_by(led.c.module, month)
        ):
            monthly_by_module[module][key] = int(cents or 0)

    pos = schema.funded_position
    approved_on_day = and_(
        pos.c.approved_from <= reference_day,
        or_(pos.c.approved_to.is_(None), pos.c.approved_to >= reference_day),
    )
    fte_approved = {
        module: _fte(total)
        for module, total in conn.execute(
            select(pos.c.module, func.sum(pos.c.fte_approved))
            .where(approved_on_day)
            .group_by(pos.c.module)
        )
    }
    st = schema.staff
    fte_filled = {
        module: _fte(total)
        for module, total in conn.execute(
            select(pos.c.module, func.sum(st.c.fte))
            .select_from(st.join(pos, st.c.position_id == pos.c.id))
            .where(
                approved_on_day,
                st.c.active_from <= reference_day,
                or_(st.c.active_to.is_(None), st.c.active_to >= reference_day),
            )
            .group_by(pos.c.module)
        )
    }
    posts = occupancy(conn, year)

    elapsed_share = ratio(elapsed_days, days_in_year)
    modules = []
    for module in MODULES:
        occ = posts.get(module, Occupancy())
        share = occ.share
        categories = []
        for category in CATEGORIES:
            land = allocated.get((module, category, "LAND"), 0)
            own = allocated.get((module, category, "EIGENANTEIL"), 0)
            spent = booked.get((module, category, "AUSGABE"), 0)
            projected = _project(spent, elapsed_days, days_in_year)
            earned = land_earned(category, land, projected, share)
            categories.append({
                "category": category,
                "allocated_cents": sum(c for (m, cat, _s), c in allocated.items()
                                       if m == module and cat == category),
                "spent_cents": spent,
                "land_cents": land,
                "own_share_cents": own,
                "projected_cents": projected,
                "land_earned_projected_cents": earned,
                "land_forfeit_projected_cents": None if earned is None else land - earned,
            })
        module_allocated = sum(c["allocated_cents"] for c in categories)
        spent = sum(c["spent_cents"] for c in categories)
        received = sum(booked.get((module, c, "EINNAHME"), 0) for c in CATEGORIES)
        land = sum(c["land_cents"] for c in categories)
        projected = _project(spent, elapsed_days, days_in_year)
        earned = (None if projected is None
                  else sum(c["land_earned_projected_cents"] for c in categories))
        modules.append(
            {
                "module": module,
                "allocated_cents": module_allocated,
                "spent_cents": spent,
                "received_cents": received,
                "utilisation": ratio(spent, module_allocated),
                "elapsed_share": elapsed_share,
                "projected_cents": projected,
                "projected_unspent_cents": (
                    None if projected is None else module_allocated - projected
                ),
                # where spending would stand if the allocation were spent evenly
                "plan_cents": div_round_half_away(module_allocated * elapsed_days, days_in_year),
                "fte_approved": fte_approved.get(module, 0.0),
                "fte_filled": fte_filled.get(module, 0.0),
                "land_cents": land,
                "own_share_cents": sum(c["own_share_cents"] for c in categories),
                "occupancy_share": None if share is None else float(share),
                "land_earned_projected_cents": earned,
                "land_forfeit_projected_cents": None if earned is None else land - earned,
                "repayment_projected_cents": None if earned is None else max(0, received - earned),
                "fte_months_approved": float(occ.approved_months),
                "fte_months_filled": float(occ.filled_months),
                "fte_months_vacant": float(occ.approved_months - occ.filled_months),
                "categories": categories,
                "monthly_spent_cents": _cumulative(months, monthly_by_module[module]),
            }
        )
    return {"year": year, "modules": modules, "total": module_totals(modules)}


def module_totals(modules: list[dict]) -> dict:
    """The sums of the modules' money figures (None where a module's figure is None, i.e. all
    projections of a future year), and the overall utilisation."""
    total: dict = {}
    for key in TOTAL_CENTS_KEYS:
        values = [m[key] for m in modules]
        total[key] = None if any(v is None for v in values) else sum(values)
    total["utilisation"] = ratio(total["spent_cents"], total["allocated_cents"])
    return total


def _cumulative(months: list[str], by_month: dict[str, int]) -> list[dict]:
    """Running total per listed month; bookings for Y made before January Y open the total."""
    if not months:
        return []
    total = sum(cents for key, cents in by_month.items() if key < months[0])
    out = []
    for key in months:
        total += by_month.get(key, 0)
        out.append({"month": key, "cumulative_cents": total})
    return out
