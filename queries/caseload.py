"""Caseload figures (Fallzahlen) of KPIS.md: active, opened and closed cases, FTE and rates.

Definitions (KPIS.md, DATA_MODEL.md):
- a case is active on day D when opened_on <= D and (closed_on NULL or closed_on > D);
  `active` is taken on as_of (the last day of the period);
- opened / closed: opened_on / closed_on within the period (both ends included);
- district of a case = municipality.district_id of case_file.municipality_ags;
- fte: sum of staff.fte over staff active on as_of (active_to inclusive) whose position has role
  CASE_MANAGEMENT, by staff.district_id, whether or not the position is still approved; staff
  without a district count only in the Kreis-wide total (not under a district filter).

Where they are fresh (queries/derived.py), the counts are read from the derived tables case_day
and case_month (openings and closings per day and per month) instead of case_file: the same
numbers (tests/test_derived.py), without scanning every case at state scale.

Small cells: every count is published through the filter's Disclosure (queries/disclosure.py):
None when it is a small cell (1 … K-1) or could be worked out from other published counts
(secondary suppression); totals are computed from the exact counts. A ratio whose count is
hidden is None.

Floats returned: fte is rounded half away from zero to 2 decimals (the precision of staff.fte;
this also removes binary noise of SQLite sums). The ratios are unrounded, the float nearest the
exact fraction (KPIS.md: rounding is for display only):
- per_fte (active cases per full-time case manager), None when fte is 0;
- per_1000 (active cases per 1,000 inhabitants), None when population is 0.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from sqlalchemy import Connection, Integer, and_, case, func, literal, or_, select, union_all

from . import derived, disclosure, schema
from .filters import Filter, month_end, months_between
from .sqlfuncs import month_key

CASE_MANAGEMENT_ROLE = "CASE_MANAGEMENT"
METRICS = ("active", "opened", "closed")
FTE_PLACES = 2
PER_FTE_PLACES = 1
PER_1000_PLACES = 2

_case = schema.case_file
_mun = schema.municipality
_staff = schema.staff
_position = schema.funded_position


# --- small helpers -------------------------------------------------------------------------

def round_half_up(value: Fraction, places: int) -> float:
    """`value` rounded half away from zero to `places` decimals, from the exact fraction."""
    scaled = abs(value) * 10**places
    units = math.floor(scaled + Fraction(1, 2))
    result = Fraction(units, 10**places)
    return float(-result if value < 0 else result)


def _fte_decimal(value) -> Decimal:
    """An FTE sum as an exact 2-decimal Decimal (SQLite sums REALs, PostgreSQL NUMERICs)."""
    if value is None:
        return Decimal("0.00")
    return Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _per_fte(active: int | None, fte: Decimal) -> float | None:
    if active is None or fte == 0:
        return None
    return float(Fraction(active) / Fraction(fte))


def _per_1000(active: int | None, population: int) -> float | None:
    if active is None or not population:
        return None
    return float(Fraction(active * 1000, population))


def _active_on(day):
    """SQL condition: the case is active on `day`."""
    return and_(_case.c.opened_on <= day, or_(_case.c.closed_on.is_(None), _case.c.closed_on > day))


def _relevant(f: Filter):
    """Cases that can be active on as_of, opened or closed in the period (index-friendly)."""
    return and_(
        _case.c.opened_on <= f.as_of,
        or_(_case.c.closed_on.is_(None), _case.c.closed_on >= f.period_from),
    )


def _counts_columns(f: Filter):
    """active / opened / closed as COUNT(CASE …) columns over case_file rows."""
    active = func.count(case((_active_on(f.as_of), 1)))
    opened = func.count(case((_case.c.opened_on.between(f.period_from, f.as_of), 1)))
    closed = func.count(case((_case.c.closed_on.between(f.period_from, f.as_of), 1)))
    return active.label("active"), opened.label("opened"), closed.label("closed")


def _first_of_month(day: date) -> date:
    return date(day.year, day.month, 1)


def _case_sums(
    conn: Connection, key: str | None, lo: date | None, hi: date, district_id: str | None,
    municipality_ags: str | None = None,
) -> dict[tuple, tuple[int, int]]:
    """{(key value, month start): (opened, closed)} over the days lo … hi (lo None: all before).

    From the derived tables (derived.py): whole months from case_month, the days of the first
    and the last month from case_day. `key` is "municipality_ags", "staff_id" or None;
    `municipality_ags` restricts the sums to the cases of one municipality. A tuple of column
    names keys the sums by the tuple of their values.
    """
    hi_month = _first_of_month(hi)
    parts = []  # (table, date column, condition)
    day, month = schema.case_day, schema.case_month
    if lo is not None and _first_of_month(lo) == hi_month:
        parts.append((day, day.c.day, day.c.day.between(lo, hi)))
    else:
        if lo is None:
            parts.append((month, month.c.month_start, month.c.month_start < hi_month))
        else:
            lo_month = _first_of_month(lo)
            lo_month_end = month_end(lo.year, lo.month)
            parts.append((day, day.c.day, day.c.day.between(lo, lo_month_end)))
            parts.append((month, month.c.month_start,
                          and_(month.c.month_start > lo_month, month.c.month_start < hi_month)))
        parts.append((day, day.c.day, day.c.day.between(hi_month, hi)))
    queries = []
    for table, day_column, condition in parts:
        if isinstance(key, tuple):  # several key columns: k is a tuple of their values
            key_columns = [table.c[name].label(f"k{i}") for i, name in enumerate(key)]
        else:
            key_columns = [(table.c[key] if key else literal(None)).label("k")]
        columns = [
            *key_columns,
            day_column.label("d"),
            table.c.opened,
            table.c.closed,
        ]
        query = select(*columns).where(condition)
        if municipality_ags is not None:
            query = query.where(table.c.municipality_ags == municipality_ags)
        if district_id is not None:
            query = query.join(_mun, _mun.c.ags == table.c.municipality_ags).where(
                _mun.c.district_id == district_id
            )
        queries.append(query)
    out: dict[tuple, tuple[int, int]] = {}
    width = len(key) if isinstance(key, tuple) else 1
    for row in conn.execute(union_all(*queries)):
        k = tuple(row[:width]) if isinstance(key, tuple) else row[0]
        d, o, c = row[width:]
        if isinstance(d, str):  # a date column of a UNION on SQLite may come back as text
            d = date.fromisoformat(d)
        slot = (k, _first_of_month(d))
        po, pc = out.get(slot, (0, 0))
        out[slot] = (po + int(o), pc + int(c))
    return out


def _day_counts(conn: Connection, f: Filter, key: str, district_id: str | None,
                municipality_ags: str | None = None) -> dict:
    """{key value: (active, opened, closed)} from the derived tables (derived.py).

    active on as_of = openings up to as_of - closings up to as_of (closed_on >= opened_on);
    only keys with a case active on as_of, opened or closed in the period are listed, the same
    keys the raw query over _relevant(f) finds.
    """
    totals: dict = {}
    for (k, _month), (o, c) in _case_sums(conn, key, None, f.as_of, district_id,
                                             municipality_ags).items():
        a = totals.setdefault(k, [0, 0, 0])
        a[0] += o - c
    for (k, _month), (o, c) in _case_sums(conn, key, f.period_from, f.as_of, district_id,
                                             municipality_ags).items():
        a = totals.setdefault(k, [0, 0, 0])
        a[1] += o
        a[2] += c
    return {k: tuple(v) for k, v in totals.items() if any(v)}


def _fte_by_district(conn: Connection, as_of: date) -> dict[str | None, Decimal]:
    """Case-management FTE of staff active on as_of, by staff.district_id (None: no district)."""
    rows = conn.execute(
        select(_staff.c.district_id, func.sum(_staff.c.fte).label("fte"))
        .join(_position, _position.c.id == _staff.c.position_id)
        .where(
            _position.c.role == CASE_MANAGEMENT_ROLE,
            _staff.c.active_from <= as_of,
            or_(_staff.c.active_to.is_(None), _staff.c.active_to >= as_of),
        )
        .group_by(_staff.c.district_id)
    )
    return {r.district_id: _fte_decimal(r.fte) for r in rows}


# --- the figures -----------------------------------------------------------------------------

def caseload(conn: Connection, f: Filter) -> dict:
    """The KPIS.md "caseload" object: total, districts (with municipalities), monthly_active."""
    district_query = select(schema.district.c.id, schema.district.c.name).order_by(
        schema.district.c.id
    )
    mun_query = select(_mun.c.ags, _mun.c.name, _mun.c.district_id, _mun.c.population).order_by(
        _mun.c.ags
    )
    if f.district is not None:
        district_query = district_query.where(schema.district.c.id == f.district)
        mun_query = mun_query.where(_mun.c.district_id == f.district)
    district_rows = conn.execute(district_query).all()
    mun_rows = conn.execute(mun_query).all()

    counts = municipality_counts(conn, f)
    fte = _fte_by_district(conn, f.as_of)

    shown = disclosure.for_filter(conn, f).show

    def figures(level: tuple, active: int, opened: int, closed: int, population: int) -> dict:
        out = {m: shown(("cl", m, *level), n)
               for m, n in zip(METRICS, (active, opened, closed), strict=True)}
        return {**out, "per_1000": _per_1000(out["active"], population)}

    by_district: dict[str, list] = defaultdict(list)
    for m in mun_rows:
        by_district[m.district_id].append(m)

    districts = []
    total = [0, 0, 0]
    total_population = 0
    for d in district_rows:
        sums = [0, 0, 0]
        population = 0
        municipalities = []
        for m in by_district.get(d.id, []):
            values = counts.get(m.ags, (0, 0, 0))
            sums = [s + int(v) for s, v in zip(sums, values, strict=True)]
            population += m.population
            municipalities.append(
                {"ags": m.ags, "name": m.name,
                 **figures(("G", m.ags), *map(int, values), m.population)}
            )
        district_fte = fte.get(d.id, Decimal("0.00"))
        district_figures = figures(("D", d.id), *sums, population)
        districts.append(
            {
                "id": d.id,
                "name": d.name,
                "active": district_figures["active"],
                "opened": district_figures["opened"],
                "closed": district_figures["closed"],
                "fte": float(district_fte),
                "per_fte": _per_fte(district_figures["active"], district_fte),
                "per_1000": district_figures["per_1000"],
                "municipalities": municipalities,
            }
        )
        total = [t + s for t, s in zip(total, sums, strict=True)]
        total_population += population

    if f.district is None:
        total_fte = sum(fte.values(), Decimal("0.00"))  # staff without a district included
    else:
        total_fte = fte.get(f.district, Decimal("0.00"))
    total_figures = figures((), *total, total_population)
    return {
        "total": {
            "active": total_figures["active"],
            "opened": total_figures["opened"],
            "closed": total_figures["closed"],
            "fte": float(total_fte),
            "per_fte": _per_fte(total_figures["active"], total_fte),
            "per_1000": total_figures["per_1000"],
        },
        "districts": districts,
        "monthly_active": [
            {"month": month, "active": shown(("cl", "active", "M", month), n)}
            for month, n in monthly_active_counts(conn, f).items()
        ],
    }


def monthly_active_counts(conn: Connection, f: Filter) -> dict[str, int]:
    """Exact active cases at the end of every month of the period (as_of for its own month).

    One query: a case is active on D exactly when opened_on <= D and not closed_on <= D (closing
    never precedes opening), so active(D) = #(opened_on <= D) - #(closed_on <= D). Each opening
    is +1 and each closing -1 in its month; events before the first month are counted into the
    first month, and the running sum of the monthly deltas is the count at each month's end.
    """
    first_month_start = date(f.period_from.year, f.period_from.month, 1)
    if derived.fresh(conn):
        deltas: dict[str, int] = {}
        first_key = f"{first_month_start:%Y-%m}"
        for (_k, month), (o, c) in _case_sums(conn, None, None, f.as_of, f.district).items():
            key = max(f"{month:%Y-%m}", first_key)  # earlier months open the first one
            deltas[key] = deltas.get(key, 0) + o - c
        return _running(deltas, f)
    ev = _case_events(f)
    # The month is computed in a subquery and grouped by its column: PostgreSQL would not match
    # a GROUP BY expression that repeats the bound first_month_start parameter.
    clamped = case((ev.c.day < first_month_start, first_month_start), else_=ev.c.day)
    keyed = select(month_key(clamped).label("month"), ev.c.delta).subquery()
    rows = conn.execute(
        select(keyed.c.month, func.sum(keyed.c.delta).label("delta")).group_by(keyed.c.month)
    )
    return _running({r.month: int(r.delta) for r in rows}, f)


def _running(deltas: dict[str, int], f: Filter) -> dict[str, int]:
    """Running sum of monthly deltas over the months of the period."""
    out = {}
    running = 0
    for month in months_between(f.period_from, f.as_of):
        running += deltas.get(month, 0)
        out[month] = running
    return out


def _case_events(f: Filter):
    """Subquery (day, delta): +1 per opening, -1 per closing up to as_of (raw case_file)."""

    def events(day_column, delta: int):
        query = select(day_column.label("day"), literal(delta, Integer).label("delta")).where(
            day_column <= f.as_of
        )
        if f.district is not None:
            query = query.join(_mun, _mun.c.ags == _case.c.municipality_ags).where(
                _mun.c.district_id == f.district
            )
        return query

    # closed_on <= as_of is false for NULL, so open cases contribute no closing event.
    return union_all(events(_case.c.opened_on, 1), events(_case.c.closed_on, -1)).subquery()


def opened_closed_counts(conn: Connection, f: Filter) -> tuple[dict[str, int], dict[str, int]]:
    """Exact cases opened and closed per month of the period: ({month: n}, {month: n})."""
    def per_month(day_column) -> dict[str, int]:
        keyed = select(month_key(day_column).label("month")).where(
            day_column.between(f.period_from, f.as_of)
        )
        if f.district is not None:
            keyed = keyed.join(_mun, _mun.c.ags == _case.c.municipality_ags).where(
                _mun.c.district_id == f.district
            )
        keyed = keyed.subquery()
        rows = conn.execute(
            select(keyed.c.month, func.count().label("n")).group_by(keyed.c.month)
        )
        return {r.month: int(r.n) for r in rows}

    if derived.fresh(conn):
        opened, closed = {}, {}
        for (_k, month), (o, c) in _case_sums(conn, None, f.period_from, f.as_of,
                                              f.district).items():
            key = f"{month:%Y-%m}"
            opened[key] = opened.get(key, 0) + o
            closed[key] = closed.get(key, 0) + c
        return opened, closed
    return per_month(_case.c.opened_on), per_month(_case.c.closed_on)


def opened_closed_monthly(conn: Connection, f: Filter) -> list[dict]:
    """Cases opened and closed in each month of the period (first and last month partial)."""
    opened, closed = opened_closed_counts(conn, f)
    shown = disclosure.for_filter(conn, f).show
    return [
        {
            "month": month,
            "opened": shown(("cl", "opened", "M", month), opened.get(month, 0)),
            "closed": shown(("cl", "closed", "M", month), closed.get(month, 0)),
        }
        for month in months_between(f.period_from, f.as_of)
    ]


def municipality_counts(conn: Connection, f: Filter) -> dict[str, tuple[int, int, int]]:
    """Exact (active, opened, closed) per municipality of the filter's scope (AGS keys; only
    those with a case active on as_of, opened or closed in the period)."""
    if derived.fresh(conn):
        return _day_counts(conn, f, "municipality_ags", f.district)
    counts_query = (
        select(_case.c.municipality_ags, *_counts_columns(f))
        .where(_relevant(f))
        .group_by(_case.c.municipality_ags)
    )
    if f.district is not None:
        counts_query = counts_query.join(
            _mun, _mun.c.ags == _case.c.municipality_ags
        ).where(_mun.c.district_id == f.district)
    return {r.municipality_ags: (int(r.active), int(r.opened), int(r.closed))
            for r in conn.execute(counts_query)}


def staff_municipality_counts(conn: Connection, f: Filter
                              ) -> dict[tuple[str, str | None], tuple[int, int, int]]:
    """Exact (active, opened, closed) per (municipality, staff_id) of the filter's scope: the
    cells of the drill-downs by case manager, for disclosure control (queries/published.py)."""
    if derived.fresh(conn):
        return _day_counts(conn, f, ("municipality_ags", "staff_id"), f.district)
    query = (
        select(_case.c.municipality_ags, _case.c.staff_id, *_counts_columns(f))
        .where(_relevant(f))
        .group_by(_case.c.municipality_ags, _case.c.staff_id)
    )
    if f.district is not None:
        query = query.join(_mun, _mun.c.ags == _case.c.municipality_ags).where(
            _mun.c.district_id == f.district)
    return {(r.municipality_ags, r.staff_id): (int(r.active), int(r.opened), int(r.closed))
            for r in conn.execute(query)}


def caseload_by_staff(
    conn: Connection, f: Filter, district_id: str, municipality_ags: str | None = None
) -> list[dict]:
    """Drill-down of one district by case manager (case_file.staff_id), sorted by staff_id.

    Rows: every staff member with a case of the district's municipalities that is active on
    as_of, opened or closed in the period, plus every case manager of the district active on
    as_of (so a new colleague without cases shows as zeros), plus one row with staff_id None
    ("ohne Case Manager", last) when such cases exist. fte is the person's FTE when active on
    as_of in a CASE_MANAGEMENT position of this district (the rule of the district figure, so
    the column adds up to the district's FTE), else 0.0; see _staff_rows. The
    district is `district_id` (the one clicked), not `f.district`; the rest of `f` applies.

    With `municipality_ags` (the Gemeinde level below the district): only the cases of that
    municipality (case_file.municipality_ags) count, and only staff with such a case (active on
    as_of, opened or closed in the period) are listed, plus the "ohne Case Manager" row; fte and
    per_fte are None there, since a person's FTE covers all their cases, not one municipality's.
    A municipality outside `district_id` gives no rows.
    """
    if derived.fresh(conn):
        counts = _day_counts(conn, f, "staff_id", district_id, municipality_ags)
    else:
        counts_query = (
            select(_case.c.staff_id, *_counts_columns(f))
            .join(_mun, _mun.c.ags == _case.c.municipality_ags)
            .where(_mun.c.district_id == district_id, _relevant(f))
            .group_by(_case.c.staff_id)
        )
        if municipality_ags is not None:
            counts_query = counts_query.where(_case.c.municipality_ags == municipality_ags)
        counts = {
            r.staff_id: (r.active, r.opened, r.closed) for r in conn.execute(counts_query)
        }
    if municipality_ags is not None:
        shown = disclosure.for_filter(conn, f).show
        return [
            {
                "staff_id": staff_id,
                "fte": None,
                **{m: shown(("cl", m, "GS", municipality_ags, staff_id), int(n))
                   for m, n in zip(METRICS, counts[staff_id], strict=True)},
                "per_fte": None,
            }
            for staff_id in sorted(counts, key=lambda s: (s is None, s or ""))
        ]

    active_cm = and_(
        _position.c.role == CASE_MANAGEMENT_ROLE,
        _staff.c.active_from <= f.as_of,
        or_(_staff.c.active_to.is_(None), _staff.c.active_to >= f.as_of),
    )
    staff_query = (
        select(_staff.c.id, _staff.c.district_id, _staff.c.fte)
        .join(_position, _position.c.id == _staff.c.position_id)
        .where(active_cm)
    )
    ids_with_cases = [s for s in counts if s is not None]
    staff_query = staff_query.where(
        or_(_staff.c.district_id == district_id, _staff.c.id.in_(ids_with_cases))
    )
    fte = {}
    home: dict[str, str | None] = {}
    for r in conn.execute(staff_query):
        fte[r.id] = _fte_decimal(r.fte)
        home[r.id] = r.district_id
        counts.setdefault(r.id, (0, 0, 0))
    return _staff_rows(disclosure.for_filter(conn, f), district_id, counts, fte, home)


def _staff_rows(d: disclosure.Disclosure, district_id: str, counts: dict, fte: dict,
                home: dict) -> list[dict]:
    """The district level's staff rows. A case manager of another district (or of none) with
    cases here is listed with those cases, but their FTE counts where staff.district_id puts it
    (the district figure's rule): fte 0.0 and per_fte None here, so the column adds up to the
    district's FTE; `home_district_id` says where the post is counted (None: no district, or
    not an active case manager on as_of)."""
    rows = []
    for staff_id in sorted(counts, key=lambda s: (s is None, s or "")):
        active, opened, closed = (int(v) for v in counts[staff_id])
        own = staff_id in fte and home.get(staff_id) == district_id
        staff_fte = fte[staff_id] if own else Decimal("0.00")
        shown_active = d.show(("cl", "active", "DS", district_id, staff_id), active)
        rows.append(
            {
                "staff_id": staff_id,
                "fte": float(staff_fte),
                "active": shown_active,
                "opened": d.show(("cl", "opened", "DS", district_id, staff_id), opened),
                "closed": d.show(("cl", "closed", "DS", district_id, staff_id), closed),
                "per_fte": _per_fte(shown_active, staff_fte) if own else None,
                "home_district_id": home.get(staff_id),
            }
        )
    return rows
