"""German formats for everything a person reads: numbers, percentages, money, dates, months, counts.

Pure functions, no Dash: the pages, the tables, the chart labels and (later) the downloads all
format through here, so "1.234,5", "12,3 %", "55.000 €" and "31.12.2025" look the same everywhere.
Rounding is kaufmännisch (half away from zero), as a German administration expects, not Python's
banker's rounding.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

# What stands in for a value that does not exist (a ratio with a zero denominator, a ratio
# derived from a suppressed count): an en dash, as in German statistical tables.
MISSING = "–"

MONTHS = (
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
)
# Duden abbreviations: the short month names need no dot.
MONTHS_SHORT = (
    "Jan.", "Feb.", "März", "Apr.", "Mai", "Juni",
    "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez.",
)


def _round(value: float | int, decimals: int) -> Decimal:
    # Decimal(str(x)) takes the shortest representation, so 0.125 rounds to 0.13, not 0.12.
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def number(value: float | int | None, decimals: int = 0) -> str:
    """1234.5 -> "1.234,5" (with decimals=1); None -> "–"."""
    if value is None:
        return MISSING
    rounded = _round(value, decimals)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0"
    text = f"{rounded:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def signed(value: float | int, decimals: int = 0) -> str:
    """A change with its sign: "+12", "-3,5", "±0"."""
    text = number(value, decimals)
    if _round(value, decimals) == 0:
        return "±" + text
    return text if text.startswith("-") else "+" + text


def percent(ratio: float | None, decimals: int = 1) -> str:
    """0.123 -> "12,3 %" (a ratio, not a percentage, goes in); None -> "–"."""
    if ratio is None:
        return MISSING
    return f"{number(ratio * 100, decimals)}\u00a0%"


def signed_percent(ratio: float, decimals: int = 1) -> str:
    """0.081 -> "+8,1 %"."""
    return f"{signed(ratio * 100, decimals)}\u00a0%"


def euro(cents: int | None, decimals: int = 0) -> str:
    """Integer cents -> "55.000 €" (whole euros by default; decimals=2 gives "55.000,00 €")."""
    if cents is None:
        return MISSING
    return f"{number(Decimal(cents) / 100, decimals)}\u00a0€"


def day(value: date | None) -> str:
    """date(2025, 12, 31) -> "31.12.2025"."""
    if value is None:
        return MISSING
    return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"


def period(first: date, last: date) -> str:
    """A period as people write it: "2025", "01.01.–15.11.2025" or "01.07.2020–15.11.2025"."""
    if first == date(first.year, 1, 1) and last == date(first.year, 12, 31):
        return str(first.year)
    if first.year == last.year:
        return f"{first.day:02d}.{first.month:02d}.–{day(last)}"
    return f"{day(first)}–{day(last)}"


def _month_parts(month: str) -> tuple[int, int]:
    year, mon = month.split("-")
    return int(year), int(mon)


def month_long(month: str) -> str:
    """'2025-01' -> "Januar 2025"."""
    year, mon = _month_parts(month)
    return f"{MONTHS[mon - 1]} {year}"


def month_short(month: str) -> str:
    """'2025-01' -> "Jan. 2025"."""
    year, mon = _month_parts(month)
    return f"{MONTHS_SHORT[mon - 1]} {year}"


def suppressed(min_cell: int) -> str:
    """The text that stands for a small count: "< 5"."""
    return f"<\u00a0{min_cell}"


def count(value: int | None, min_cell: int) -> str:
    """A count of persons or cases: "1.234", or "< K" when it was suppressed (None)."""
    if value is None:
        return suppressed(min_cell)
    return number(value)
