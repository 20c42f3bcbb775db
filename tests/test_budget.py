"""Budget utilisation (queries/budget.py) against figures worked out by hand, on both databases."""

from datetime import date

import pytest
from sqlalchemy import insert

from queries import schema
from queries.budget import budget, div_round_half_away, ratio, year_elapsed
from queries.filters import Filter

ALLOCATIONS = [
    # (year, module, category, source, cents)
    (2024, "I", "PERSONAL", "LAND", 19_250_000),  # 3.5 coordinators at 55,000 €
    (2024, "I", "PERSONAL", "EIGENANTEIL", 1_000_000),
    (2024, "I", "SACH", "LAND", 3_395_000),  # 3.5 x 9,700 €
    (2024, "II", "PERSONAL", "LAND", 33_000_000),  # 6 x 55,000 €
    (2023, "I", "PERSONAL", "LAND", 99_999),
    (2025, "I", "PERSONAL", "LAND", 4_000),
]

LEDGER = [
    # (id, booked_on, year, module, category, kind, cents)
    ("L1", date(2024, 1, 15), 2024, "I", "PERSONAL", "AUSGABE", 1_000_000),
    ("L2", date(2024, 2, 20), 2024, "I", "SACH", "AUSGABE", 50_000),
    ("L3", date(2024, 2, 25), 2024, "I", "PERSONAL", "AUSGABE", -20_000),  # correction
    ("L4", date(2024, 2, 29), 2024, "I", "VERANSTALTUNG", "AUSGABE", 5),  # on as_of: counts
    ("L5", date(2024, 3, 1), 2024, "I", "PERSONAL", "AUSGABE", 777_777),  # after as_of
    ("L6", date(2024, 2, 1), 2024, "I", "PERSONAL", "EINNAHME", 5_000_000),
    ("L7", date(2023, 12, 20), 2024, "I", "SACH", "AUSGABE", 10_000),  # for 2024, booked early
    ("L8", date(2024, 1, 10), 2023, "II", "PERSONAL", "AUSGABE", 123_456),  # 2023 in Jan 2024
    ("L9", date(2024, 2, 2), 2024, "III", "PERSONAL", "AUSGABE", 100),  # nothing allocated
    ("L10", date(2024, 3, 15), 2023, "II", "PERSONAL", "AUSGABE", 1_000),  # after as_of
    ("L11", date(2024, 2, 10), 2025, "I", "PERSONAL", "AUSGABE", 2_000),  # next year, in advance
]

POSITIONS = [
    # (id, module, role, fte_approved, approved_from, approved_to)
    ("POS_K1", "I", "KOORDINATION", 1.00, date(2020, 7, 1), None),
    ("POS_K2", "I", "KOORDINATION", 1.00, date(2020, 7, 1), None),
    ("POS_K3", "I", "KOORDINATION", 1.50, date(2020, 7, 1), None),
    ("POS_V", "I", "VERWALTUNG", 0.50, date(2020, 7, 1), date(2023, 12, 31)),
    ("POS_CM1", "II", "CASE_MANAGEMENT", 1.00, date(2024, 1, 1), date(2024, 2, 29)),
    ("POS_CM2", "II", "CASE_MANAGEMENT", 1.00, date(2024, 3, 1), None),
    ("POS_CM3", "II", "CASE_MANAGEMENT", 0.50, date(2022, 1, 1), None),  # vacant
]

STAFF = [
    # (id, position_id, fte, active_from, active_to)
    ("S1", "POS_K1", 1.00, date(2021, 1, 1), None),
    ("S2", "POS_K2", 0.80, date(2021, 1, 1), date(2024, 2, 28)),
    ("S3", "POS_K2", 0.75, date(2024, 2, 29), None),
    ("S4", "POS_K3", 0.60, date(2020, 8, 1), None),
    ("S5", "POS_V", 0.50, date(2020, 7, 1), None),
    ("S6", "POS_CM1", 1.00, date(2024, 1, 1), None),
    ("S7", "POS_CM2", 1.00, date(2024, 3, 1), None),
]


def _rows(columns, rows, **extra):
    return [dict(zip(columns, row, strict=True), **extra) for row in rows]


@pytest.fixture
def ledger_db(engine):
    with engine.begin() as conn:
        conn.execute(
            insert(schema.budget_allocation),
            _rows(("year", "module", "category", "source", "amount_cents"), ALLOCATIONS),
        )
        conn.execute(
            insert(schema.ledger_entry),
            _rows(
                ("id", "booked_on", "year", "module", "category", "kind", "amount_cents"),
                LEDGER,
                text=None,
            ),
        )
        conn.execute(
            insert(schema.funded_position),
            _rows(
                ("id", "module", "role", "fte_approved", "approved_from", "approved_to"),
                POSITIONS,
            ),
        )
        conn.execute(
            insert(schema.staff),
            _rows(
                ("id", "position_id", "fte", "active_from", "active_to"), STAFF, district_id=None
            ),
        )
    return engine


def _modules(result):
    return {m["module"]: m for m in result["modules"]}


def test_current_leap_year(ledger_db):
    # as_of 29 Feb 2024; the period starts mid-February, but spending counts from January.
    f = Filter(date(2024, 2, 15), date(2024, 2, 29))
    with ledger_db.connect() as conn:
        result = budget(conn, f)
    assert result["year"] == 2024
    assert [m["module"] for m in result["modules"]] == ["I", "II", "III"]
    mods = _modules(result)

    # Module I
    # allocated = 19,250,000 + 1,000,000 + 3,395,000 = 23,645,000 (the 2023/2025 rows do not count)
    # spent = L1 1,000,000 + L2 50,000 + L3 -20,000 + L4 5 + L7 10,000 = 1,040,005
    #   (L5 is booked 1 March, after as_of; L6 is EINNAHME)
    # received = L6 5,000,000
    # elapsed: 31 (Jan) + 29 (Feb, leap year) = 60 days of 366 = 0.163934... (unrounded; 0.1639
    #   to 4 places; a non-leap reading 59/365 would give 0.1616)
    # projected = 1,040,005 * 366 / 60 = 6,344,030.5 -> half away from zero 6,344,031
    #   (float round() would give the even 6,344,030)
    # unspent = 23,645,000 - 6,344,031 = 17,300,969
    # utilisation = 1,040,005 / 23,645,000 = 0.043984... (unrounded; 4.4 % on the page)
    m1 = mods["I"]
    assert m1["allocated_cents"] == 23_645_000
    assert m1["spent_cents"] == 1_040_005
    assert m1["received_cents"] == 5_000_000
    assert m1["elapsed_share"] == 60 / 366
    assert round(m1["elapsed_share"], 4) == 0.1639
    assert m1["projected_cents"] == 6_344_031
    assert m1["projected_unspent_cents"] == 17_300_969
    assert m1["utilisation"] == 1_040_005 / 23_645_000
    assert round(m1["utilisation"], 4) == 0.044
    assert [{k: c[k] for k in ("category", "allocated_cents", "spent_cents")}
            for c in m1["categories"]] == [
        {"category": "BERATUNG", "allocated_cents": 0, "spent_cents": 0},
        {"category": "MASSNAHME", "allocated_cents": 0, "spent_cents": 0},
        # 19,250,000 + 1,000,000 allocated; 1,000,000 - 20,000 spent
        {"category": "PERSONAL", "allocated_cents": 20_250_000, "spent_cents": 980_000},
        # 50,000 + 10,000 (L7, booked in December 2023 for 2024)
        {"category": "SACH", "allocated_cents": 3_395_000, "spent_cents": 60_000},
        {"category": "VERANSTALTUNG", "allocated_cents": 0, "spent_cents": 5},
    ]
    # January: L7 10,000 (booked before January) + L1 1,000,000 = 1,010,000
    # February: + L2 50,000 - L3 20,000 + L4 5 = 1,040,005
    assert m1["monthly_spent_cents"] == [
        {"month": "2024-01", "cumulative_cents": 1_010_000},
        {"month": "2024-02", "cumulative_cents": 1_040_005},
    ]
    # Reference day 29 Feb 2024: K1 1.00 + K2 1.00 + K3 1.50 = 3.5 (POS_V ended 31 Dec 2023);
    # filled S1 1.00 + S3 0.75 (starts that day) + S4 0.60 = 2.35 (S2 left on 28 Feb;
    # S5's position is no longer approved)
    assert m1["fte_approved"] == 3.5
    assert m1["fte_filled"] == 2.35

    # Module II: 33,000,000 allocated, nothing spent in 2024 (L8/L10 are for 2023)
    m2 = mods["II"]
    assert (m2["allocated_cents"], m2["spent_cents"], m2["received_cents"]) == (33_000_000, 0, 0)
    assert m2["utilisation"] == 0.0
    assert m2["projected_cents"] == 0
    assert m2["projected_unspent_cents"] == 33_000_000
    # approved: CM1 1.00 (approved_to = reference day, inclusive) + CM3 0.50 = 1.5 (CM2 from March);
    # filled: S6 1.00; CM3 is vacant
    assert (m2["fte_approved"], m2["fte_filled"]) == (1.5, 1.0)
    assert m2["monthly_spent_cents"] == [
        {"month": "2024-01", "cumulative_cents": 0},
        {"month": "2024-02", "cumulative_cents": 0},
    ]
    assert [c["category"] for c in m2["categories"]] == [
        "BERATUNG",
        "MASSNAHME",
        "PERSONAL",
        "SACH",
        "VERANSTALTUNG",
    ]

    # Module III: nothing allocated, L9 100 spent -> utilisation null;
    # projected 100 * 366 / 60 = 610; unspent 0 - 610 = -610 (an overspend)
    m3 = mods["III"]
    assert (m3["allocated_cents"], m3["spent_cents"]) == (0, 100)
    assert m3["utilisation"] is None
    assert (m3["projected_cents"], m3["projected_unspent_cents"]) == (610, -610)
    assert (m3["fte_approved"], m3["fte_filled"]) == (0.0, 0.0)
    assert m3["monthly_spent_cents"][-1] == {"month": "2024-02", "cumulative_cents": 100}


def test_budget_is_kreis_wide(ledger_db):
    with ledger_db.connect() as conn:
        everywhere = budget(conn, Filter(date(2024, 1, 1), date(2024, 2, 29)))
        one_district = budget(conn, Filter(date(2024, 1, 1), date(2024, 2, 29), district="NORD"))
    assert one_district == everywhere


def test_past_year(ledger_db):
    # Budget year 2023 looked at on 29 Feb 2024: the year is over, elapsed share 1.
    f = Filter(date(2024, 1, 1), date(2024, 2, 29), year=2023)
    with ledger_db.connect() as conn:
        mods = _modules(budget(conn, f))
    assert {m["elapsed_share"] for m in mods.values()} == {1.0}
    # Module I: allocated 99,999, nothing spent -> utilisation 0.0, projected 0
    m1 = mods["I"]
    assert (m1["allocated_cents"], m1["spent_cents"], m1["projected_cents"]) == (99_999, 0, 0)
    assert m1["utilisation"] == 0.0
    # Module II: L8 123,456 for 2023 booked 10 Jan 2024 counts (booked before as_of);
    # L10 (booked 15 Mar 2024, after as_of) does not. projected = spent / 1 = 123,456;
    # unspent = 0 - 123,456.
    m2 = mods["II"]
    assert m2["spent_cents"] == 123_456
    assert (m2["projected_cents"], m2["projected_unspent_cents"]) == (123_456, -123_456)
    # Months January–December 2023; L8 was booked after 31 Dec 2023, so no month holds it.
    assert [row["month"] for row in m2["monthly_spent_cents"]] == [
        f"2023-{month:02d}" for month in range(1, 13)
    ]
    assert {row["cumulative_cents"] for row in m2["monthly_spent_cents"]} == {0}
    # Reference day 31 Dec 2023: approved I = 1.00 + 1.00 + 1.50 + POS_V 0.50 = 4.0;
    # filled I = S1 1.00 + S2 0.80 + S4 0.60 + S5 0.50 = 2.9; II: CM3 0.50 approved, vacant.
    assert (m1["fte_approved"], m1["fte_filled"]) == (4.0, 2.9)
    assert (m2["fte_approved"], m2["fte_filled"]) == (0.5, 0.0)

    # Seen on 5 Jan 2024, L8 (booked 10 Jan 2024) is not yet there.
    with ledger_db.connect() as conn:
        early = _modules(budget(conn, Filter(date(2024, 1, 1), date(2024, 1, 5), year=2023)))
    assert early["II"]["spent_cents"] == 0


def test_future_year(ledger_db):
    # Budget year 2025 looked at on 29 Feb 2024: nothing has elapsed.
    f = Filter(date(2024, 1, 1), date(2024, 2, 29), year=2025)
    with ledger_db.connect() as conn:
        mods = _modules(budget(conn, f))
    m1 = mods["I"]
    assert m1["elapsed_share"] == 0.0
    # L11: 2,000 for 2025 booked 10 Feb 2024 (before as_of) counts; allocated 4,000 -> 0.5
    assert (m1["allocated_cents"], m1["spent_cents"], m1["utilisation"]) == (4_000, 2_000, 0.5)
    assert m1["projected_cents"] is None and m1["projected_unspent_cents"] is None
    assert all(m["monthly_spent_cents"] == [] for m in mods.values())
    # Staffing on min(as_of, 31 Dec 2025) = 29 Feb 2024, as in the current-year test.
    assert (m1["fte_approved"], m1["fte_filled"]) == (3.5, 2.35)


def test_empty_database_lists_every_module_and_category(engine):
    f = Filter(date(2025, 1, 1), date(2025, 3, 31))
    with engine.connect() as conn:
        result = budget(conn, f)
    assert [m["module"] for m in result["modules"]] == ["I", "II", "III"]
    for m in result["modules"]:
        assert len(m["categories"]) == 5
        assert m["utilisation"] is None and m["projected_cents"] == 0
        # 2025-03-31: 31 + 28 + 31 = 90 days of 365 = 0.246575... (unrounded)
        assert m["elapsed_share"] == 90 / 365
        assert m["monthly_spent_cents"] == [
            {"month": key, "cumulative_cents": 0} for key in ("2025-01", "2025-02", "2025-03")
        ]


def test_rounding_half_away_from_zero():
    # 5/2 = 2.5 -> 3; -5/2 = -2.5 -> -3; 7/4 = 1.75 -> 2; 5/4 = 1.25 -> 1; -5/4 -> -1
    assert [div_round_half_away(n, d) for n, d in [(5, 2), (-5, 2), (7, 4), (5, 4), (-5, 4)]] == [
        3,
        -3,
        2,
        1,
        -1,
    ]
    # 3 * 366 / 4 = 274.5 -> 275 (banker's rounding would give 274)
    assert div_round_half_away(3 * 366, 4) == 275
    # A negative spend (corrections only) rounds away from zero too: -274.5 -> -275
    assert div_round_half_away(-3 * 366, 4) == -275
    # 1/8 = 0.125 -> 0.13 at two places (float round() gives 0.12); 2/3 -> 0.6667 at four;
    # without places the ratio is unrounded
    assert ratio(1, 8, places=2) == 0.13
    assert ratio(2, 3, places=4) == 0.6667
    assert ratio(2, 3) == 2 / 3
    assert ratio(1, 0) is None


def test_year_elapsed_counts_both_ends_and_leap_days():
    assert year_elapsed(2024, date(2024, 1, 1)) == (1, 366)
    assert year_elapsed(2024, date(2024, 12, 31)) == (366, 366)
    assert year_elapsed(2023, date(2023, 3, 1)) == (60, 365)  # 31 + 28 + 1
    assert year_elapsed(2024, date(2024, 3, 1)) == (61, 366)  # 31 + 29 + 1
    assert year_elapsed(2023, date(2024, 3, 1)) == (365, 365)
    assert year_elapsed(2025, date(2024, 3, 1)) == (0, 365)
