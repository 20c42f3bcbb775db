"""German formats of dashboard/format.py, each expected string written out by hand."""

from datetime import date

import pytest

from dashboard import format as fmt

NBSP = "\u00a0"
MINUS = "\u2212"  # docs/KPIS.md: every negative number a person reads; the CSV keeps "-"


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (0, 0, "0"),
        (1234.5, 1, "1.234,5"),
        (1234567, 0, "1.234.567"),
        (-1234.56, 2, f"{MINUS}1.234,56"),
        (0.125, 2, "0,13"),  # kaufmännisch: half away from zero, not banker's 0,12
        (2.5, 0, "3"),
        (-2.5, 0, f"{MINUS}3"),
        (-0.04, 1, "0,0"),  # no "-0,0"
        (None, 0, "–"),
    ],
)
def test_number(value, decimals, expected):
    assert fmt.number(value, decimals) == expected


def test_signed_changes():
    assert fmt.signed(12) == "+12"
    assert fmt.signed(-3.46, 1) == f"{MINUS}3,5"
    assert fmt.signed(-0.04, 1) == "±0,0"
    assert fmt.signed_percent(-0.081) == f"{MINUS}8,1{NBSP}%"
    assert fmt.signed(0) == "±0"
    assert fmt.signed_percent(0.081) == f"+8,1{NBSP}%"


def test_percent_takes_a_ratio():
    assert fmt.percent(0.123) == f"12,3{NBSP}%"
    assert fmt.percent(1) == f"100,0{NBSP}%"
    assert fmt.percent(0.8745, 0) == f"87{NBSP}%"
    assert fmt.percent(None) == "–"


def test_euro_from_integer_cents():
    assert fmt.euro(5_500_000) == f"55.000{NBSP}€"
    assert fmt.euro(5_500_050) == f"55.001{NBSP}€"  # 55.000,50 rounds half up
    assert fmt.euro(123_456, 2) == f"1.234,56{NBSP}€"
    assert fmt.euro(-99) == f"{MINUS}1{NBSP}€"


def test_dates_and_periods():
    assert fmt.day(date(2025, 12, 31)) == "31.12.2025"
    assert fmt.day(date(2025, 1, 5)) == "05.01.2025"
    assert fmt.period(date(2025, 1, 1), date(2025, 12, 31)) == "2025"
    assert fmt.period(date(2025, 1, 1), date(2025, 11, 15)) == "01.01.–15.11.2025"
    assert fmt.period(date(2020, 7, 1), date(2025, 11, 15)) == "01.07.2020–15.11.2025"


def test_month_names():
    assert fmt.month_long("2025-01") == "Januar 2025"
    assert fmt.month_long("2025-03") == "März 2025"
    assert fmt.month_short("2025-01") == "Jan. 2025"
    assert fmt.month_short("2025-05") == "Mai 2025"
    assert fmt.month_short("2025-09") == "Sept. 2025"


def test_a_hidden_count_is_one_mark_whatever_k():
    # KPIS.md "Disclosure control": the same neutral mark for every hidden count, K not told
    assert fmt.count(None, 5) == "•" == fmt.MARK
    assert fmt.count(None, 10) == "•"
    assert fmt.suppressed(3) == "•"
    assert fmt.LEGEND == "• geheim gehalten: kleine Zahl oder daraus berechenbar"
    assert fmt.count(0, 5) == "0"
    assert fmt.count(1234, 5) == "1.234"


def test_babel_does_the_formatting_with_kaufmaennisch_rounding():
    # Babel alone would round half to even (2,5 -> "2"); the module rounds first.
    assert fmt.number(0.5) == "1"
    assert fmt.plain_number(1234.5, 1) == "1234,5"
    assert fmt.percent(0.00125, 2) == f"0,13{NBSP}%"
    assert fmt.euro(-5_500_000) == f"{MINUS}55.000{NBSP}€"
    # CLDR's German month names, the abbreviations as Duden writes them
    assert fmt.MONTHS[11] == "Dezember"
    assert fmt.MONTHS_SHORT == ("Jan.", "Feb.", "März", "Apr.", "Mai", "Juni",
                                "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez.")


def test_the_minus_sign_for_readers_the_hyphen_for_excel():
    """Hand-made values: what a person reads has "−" (U+2212); the CSV form keeps "-"."""
    assert fmt.number(-7) == f"{MINUS}7"
    assert fmt.number(-1234.5, 1) == f"{MINUS}1.234,5"
    assert fmt.percent(-0.052) == f"{MINUS}5,2{NBSP}%"
    assert fmt.euro(-123_456, 2) == f"{MINUS}1.234,56{NBSP}€"
    assert fmt.signed(-12) == f"{MINUS}12" and fmt.signed(12) == "+12"
    assert "-" not in fmt.number(-1234567.891, 2) + fmt.percent(-1) + fmt.euro(-1)
    assert fmt.plain_number(-1234567.891, 2) == "-1234567,89"
    assert fmt.plain_number(-0.04, 1) == "0,0"  # never "-0,0"
    assert MINUS not in fmt.plain_number(-5)
