"""Budget utilisation (Mittelabfluss) per funding module for one budget year, as KPIS.md defines it.

Rounding: money stays integer cents; `projected_cents` is computed from the exact fraction of the
year (integer arithmetic) and rounded half away from zero (kaufmännisch). Ratios that are only
shown (`utilisation`, `elapsed_share`) are rounded half away from zero to 4 decimal places, which is
exact enough for a percentage with two decimals; FTE sums to 2 decimal places, the precision of
the source columns.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Connection, and_, func, or_, select

from . import codes, schema
from .filters import Filter, months_between
from .sqlfuncs import month_key

MODULES: tuple[str, ...] = tuple(codes.MODULES)  # I, II, III
CATEGORIES: tuple[str, ...] = tuple(sorted(codes.CATEGORIES))  # plain string order
RATIO_PLACES = 4
FTE_PLACES = 2


def div_round_half_away(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, in exact integers (denominator > 0)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    q, r = divmod(abs(numerator), denominator)
    if 2 * r >= denominator:
        q += 1
    return q if numerator >= 0 else -q


def ratio(numerator: int | float, denominator: int | float, places: int = RATIO_PLACES):
    """numerator / denominator rounded half away from zero to `places` decimals; None for /0."""
    if not denominator:
        return None
    exact = Decimal(numerator) / Decimal(denominator)
    return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _fte(value) -> float:
    # Sums of NUMERIC(4,2) come back as binary floats on SQLite; round to the source precision.
    return round(float(value or 0), FTE_PLACES)


def year_elapsed(year: int, as_of: date) -> tuple[int, int]:
    """(days of `year` passed up to and including as_of, days in `year`), capped to 0 … all."""
    days_in_year = 366 if calendar.isleap(year) else 365
    if year < as_of.year:
        return days_in_year, days_in_year
    if year > as_of.year:
        return 0, days_in_year
    return (as_of - date(year, 1, 1)).days + 1, days_in_year


def budget(conn: Connection, f: Filter) -> dict:
    """The KPIS.md "budget" object for year f.budget_year; Kreis-wide, so f.district is ignored."""
    year = f.budget_year
    as_of = f.as_of
    reference_day = min(as_of, date(year, 12, 31))
    elapsed_days, days_in_year = year_elapsed(year, as_of)

    alloc = schema.budget_allocation
    allocated: dict[tuple[str, str], int] = {}
    for module, category, cents in conn.execute(
        select(alloc.c.module, alloc.c.category, func.sum(alloc.c.amount_cents))
        .where(alloc.c.year == year)
        .group_by(alloc.c.module, alloc.c.category)
    ):
        allocated[(module, category)] = int(cents or 0)

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

    elapsed_share = ratio(elapsed_days, days_in_year)
    modules = []
    for module in MODULES:
        categories = [
            {
                "category": category,
                "allocated_cents": allocated.get((module, category), 0),
                "spent_cents": booked.get((module, category, "AUSGABE"), 0),
            }
            for category in CATEGORIES
        ]
        module_allocated = sum(c["allocated_cents"] for c in categories)
        spent = sum(c["spent_cents"] for c in categories)
        received = sum(booked.get((module, c, "EINNAHME"), 0) for c in CATEGORIES)
        # spent / (elapsed / days_in_year), kept exact until the single rounding.
        projected = (
            div_round_half_away(spent * days_in_year, elapsed_days) if elapsed_days else None
        )
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
                "fte_approved": fte_approved.get(module, 0.0),
                "fte_filled": fte_filled.get(module, 0.0),
                "categories": categories,
                "monthly_spent_cents": _cumulative(months, monthly_by_module[module]),
            }
        )
    return {"year": year, "modules": modules}


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
