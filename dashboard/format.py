"""German formats for everything a person reads: numbers, percentages, money, dates, months, counts.

Pure functions, no Dash: the pages, the tables, the chart labels and the downloads all format
through here, so "1.234,5", "12,3 %", "55.000 €" and "31.12.2025" look the same everywhere. The
formatting itself is Babel's (CLDR locale de_DE: separators, month names, patterns); this module
only fixes the patterns and the rounding, which is kaufmännisch (half away from zero), as a German
administration expects, not banker's rounding. The space before "%" and "€" is a non-breaking one.
A negative number is written with the minus sign "−" (U+2212, docs/KPIS.md), not Babel's hyphen;
only `plain_number`, the CSV downloads' form, keeps "-" for Excel.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date, get_month_names
from babel.numbers import format_currency, format_decimal, format_percent

LOCALE = "de_DE"
NBSP = "\u00a0"
MINUS = "\u2212"  # the minus sign a reader sees ("−5"); the CSV keeps the hyphen-minus "-"

# What stands in for a value that does not exist (a ratio with a zero denominator, a ratio
# derived from a suppressed count): an en dash, as in German statistical tables.
MISSING = "–"

# CLDR's German month names; the abbreviations follow Duden ("Jan.", "März", "Sept.").
MONTHS = tuple(get_month_names("wide", "format", LOCALE)[m] for m in range(1, 13))
MONTHS_SHORT = tuple(get_month_names("abbreviated", "format", LOCALE)[m] for m in range(1, 13))


def _round(value: float | int | Decimal, decimals: int) -> Decimal:
    """Kaufmännisch rounded; never "-0". Babel would round half to even, so the value reaches it
    already rounded. Decimal(str(x)) takes the shortest representation, so 0.125 -> 0.13."""
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return abs(rounded) if rounded == 0 else rounded


def _pattern(decimals: int, grouping: bool = True) -> str:
    """A CLDR number pattern with exactly `decimals` fraction digits: "#,##0.0" for 1."""
    return ("#,##0" if grouping else "0") + ("." + "0" * decimals if decimals else "")


def _read(text: str) -> str:
    """Babel's text as a person reads it: its "-" (CLDR's minus for de) as "−". The one place."""
    return text.replace("-", MINUS)


def plain_number(value: float | int | Decimal, decimals: int = 0) -> str:
    """-1234.5 -> "-1234,5" (decimals=1): the CSV downloads' form, without thousands separator
    and with the hyphen-minus that Excel reads as a number."""
    return format_decimal(_round(value, decimals), format=_pattern(decimals, grouping=False),
                          locale=LOCALE)


def number(value: float | int | Decimal | None, decimals: int = 0) -> str:
    """1234.5 -> "1.234,5" (with decimals=1), -3 -> "−3"; None -> "–"."""
    if value is None:
        return MISSING
    return _read(format_decimal(_round(value, decimals), format=_pattern(decimals),
                                locale=LOCALE))


def signed(value: float | int, decimals: int = 0) -> str:
    """A change with its sign: "+12", "−3,5", "±0"."""
    text = number(value, decimals)
    if _round(value, decimals) == 0:
        return "±" + text
    return text if text.startswith(MINUS) else "+" + text


def percent(ratio: float | None, decimals: int = 1) -> str:
    """0.123 -> "12,3 %" (a ratio, not a percentage, goes in; non-breaking space before %);
    None -> "–"."""
    if ratio is None:
        return MISSING
    return _read(format_percent(_round(ratio * 100, decimals) / 100,
                                format=_pattern(decimals) + NBSP + "%", locale=LOCALE))


def signed_percent(ratio: float, decimals: int = 1) -> str:
    """0.081 -> "+8,1 %", -0.081 -> "−8,1 %"."""
    return f"{signed(ratio * 100, decimals)}{NBSP}%"


def euro(cents: int | None, decimals: int = 0) -> str:
    """Integer cents -> "55.000 €" (whole euros by default; decimals=2 gives "55.000,00 €")."""
    if cents is None:
        return MISSING
    return _read(format_currency(_round(Decimal(cents) / 100, decimals), "EUR",
                                 format=_pattern(decimals) + NBSP + "¤", currency_digits=False,
                                 locale=LOCALE))


def day(value: date | None) -> str:
    """date(2025, 12, 31) -> "31.12.2025"."""
    if value is None:
        return MISSING
    return format_date(value, "dd.MM.yyyy", locale=LOCALE)


def period(first: date, last: date) -> str:
    """A period as people write it: "2025", "01.01.–15.11.2025" or "01.07.2020–15.11.2025"."""
    if first == date(first.year, 1, 1) and last == date(first.year, 12, 31):
        return str(first.year)
    if first.year == last.year:
        return f"{format_date(first, 'dd.MM.', locale=LOCALE)}–{day(last)}"
    return f"{day(first)}–{day(last)}"


def _month_start(month: str) -> date:
    year, mon = month.split("-")
    return date(int(year), int(mon), 1)


def month_long(month: str) -> str:
    """'2025-01' -> "Januar 2025"."""
    return format_date(_month_start(month), "MMMM yyyy", locale=LOCALE)


def month_short(month: str) -> str:
    """'2025-01' -> "Jan. 2025"."""
    return format_date(_month_start(month), "MMM yyyy", locale=LOCALE)


# The one mark of a hidden count (KPIS.md "Disclosure control"): the same for a small count and
# for one that could be worked out from other numbers, so nobody can tell why it is hidden.
MARK = "•"
LEGEND = "• geheim gehalten: kleine Zahl oder daraus berechenbar"


def suppressed(_min_cell: int | None = None) -> str:
    """The text that stands for a hidden count: "•" (K does not change it)."""
    return MARK


def count(value: int | None, min_cell: int) -> str:
    """A count of persons or cases: "1.234", or "•" when it is hidden (None)."""
    if value is None:
        return suppressed(min_cell)
    return number(value)
