"""One validated value object for period, district, budget year and the small-cell threshold K."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, timedelta

from .codes import PROGRAMME_START_ISO

PROGRAMME_START = date.fromisoformat(PROGRAMME_START_ISO)
# Oldest and newest dates a filter may name: wide enough for any real period, narrow
# enough that an absurd URL value cannot make a query enumerate millennia of months.
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


class FilterError(ValueError):
    """A filter value that cannot be used; the message is German and meant for people."""


def shift_years(day: date, years: int) -> date:
    """The same calendar day `years` later (29 February becomes 28 February)."""
    target = day.year + years
    last = calendar.monthrange(target, day.month)[1]
    return date(target, day.month, min(day.day, last))


# The first day a period may start and still be compared with the same period a year earlier:
# an earlier start would put the comparison period before the programme (2021-07-01).
COMPARISON_FROM = shift_years(PROGRAMME_START, 1)


@dataclass(frozen=True)
class Filter:
    """What every figure takes: a period [period_from, period_to], one district or all, and K."""

    period_from: date
    period_to: date
    district: str | None = None
    min_cell: int = 5
    year: int | None = None  # budget year; the year of as_of when None

    def __post_init__(self):
        for name in ("period_from", "period_to"):
            value = getattr(self, name)
            if not isinstance(value, date):
                raise FilterError(f"{name} muss ein Datum sein")
            if not EARLIEST <= value <= LATEST:
                raise FilterError(
                    f"Datum {value.isoformat()} liegt außerhalb von {EARLIEST.year}–{LATEST.year}"
                )
        if self.period_from > self.period_to:
            raise FilterError("Der Zeitraum beginnt nach seinem Ende")
        if self.district is not None and (
            not isinstance(self.district, str) or not 0 < len(self.district) <= 64
        ):
            raise FilterError("Ungültiger Bezirk")
        if (
            not isinstance(self.min_cell, int)
            or isinstance(self.min_cell, bool)
            or not (0 <= self.min_cell <= 1000)
        ):
            raise FilterError("Die Mindestfallzahl K muss eine ganze Zahl von 0 bis 1000 sein")
        if self.year is not None and (
            not isinstance(self.year, int) or not EARLIEST.year <= self.year <= LATEST.year
        ):
            raise FilterError("Ungültiges Haushaltsjahr")

    @property
    def as_of(self) -> date:
        return self.period_to

    @property
    def budget_year(self) -> int:
        return self.year if self.year is not None else self.as_of.year

    def suppress(self, count: int | None) -> int | None:
        """The count, or None when it is a small cell (1 … K-1) that could identify a person."""
        if count is None:
            return None
        if 1 <= count < self.min_cell:
            return None
        return count

    def previous_year(self) -> Filter:
        """The same period one year earlier; what a change is measured against is comparison()."""
        return replace(
            self,
            period_from=shift_years(self.period_from, -1),
            period_to=shift_years(self.period_to, -1),
            year=None if self.year is None else self.year - 1,
        )

    def comparison(self) -> Filter | None:
        """The period every change is measured against: previous_year(), or None when that would
        start before the programme (PROGRAMME_START): for "since programme start" and for any
        period starting before COMPARISON_FROM. The one rule for every comparison shown."""
        prev = self.previous_year()
        return prev if prev.period_from >= PROGRAMME_START else None

    def budget_comparison_year(self) -> int | None:
        """The budget year the budget figures are compared with (the year before, up to the same
        day), or None when there is no comparison: none for the period (comparison()), or that
        year began before the programme (2020, which the programme entered on 1 July)."""
        if self.comparison() is None:
            return None
        year = self.budget_year - 1
        return year if date(year, 1, 1) >= PROGRAMME_START else None

    def with_district(self, district: str | None) -> Filter:
        return replace(self, district=district)


def current_year(today: date, **kwargs) -> Filter:
    """The default: the current calendar year up to today."""
    return Filter(period_from=date(today.year, 1, 1), period_to=today, **kwargs)


def last_year(today: date, **kwargs) -> Filter:
    return Filter(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), **kwargs)


def last_12_months(today: date, **kwargs) -> Filter:
    start = shift_years(today, -1)
    return Filter(start + timedelta(days=1), today, **kwargs)


def since_programme_start(today: date, **kwargs) -> Filter:
    return Filter(PROGRAMME_START, max(today, PROGRAMME_START), **kwargs)


def months_between(first: date, last: date) -> list[str]:
    """Every month from the month of `first` to the month of `last` as 'YYYY-MM'."""
    out = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])
