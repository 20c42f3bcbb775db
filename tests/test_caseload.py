"""Caseload figures against numbers worked out by hand, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import date, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import and_, func, insert, or_, select

from queries import schema
from queries.caseload import caseload, caseload_by_staff, opened_closed_monthly, round_half_up
from queries.filters import Filter, month_end, months_between
from tests.test_downloads import header_app  # noqa: F401 - pytest fixture


def _r(numerator: int, denominator: int) -> float:
    """An unrounded ratio as the report gives it: the float nearest the exact fraction."""
    return float(Fraction(numerator, denominator))

D = date.fromisoformat

# The fixture, small enough to check on paper. Period of the main filter: 2024-11-01 .. 2025-06-15
# (as_of 2025-06-15), months 2024-11 … 2025-06.
DISTRICTS = [("NORD", "Nord"), ("SUED", "Süd"), ("WEST", "West")]
MUNICIPALITIES = [
    # ags, name, district, population
    ("05558012", "Coesfeld", "NORD", 40000),
    ("05558016", "Dülmen", "SUED", 50000),
    ("05558020", "Havixbeck", "NORD", 8000),
    ("05558028", "Lüdinghausen", "SUED", 25000),
    ("05558044", "Rosendahl", "WEST", 10000),  # no cases at all: a row of zeros
]
POSITIONS = [
    # id, module, role, fte_approved, approved_from, approved_to
    ("POS_CM1", "II", "CASE_MANAGEMENT", 4.0, "2021-01-01", None),
    ("POS_CM2", "II", "CASE_MANAGEMENT", 1.0, "2021-01-01", "2024-12-31"),  # no longer approved
    ("POS_KO", "I", "KOORDINATION", 1.0, "2021-01-01", None),
]
STAFF = [
    # id, position, district, fte, active_from, active_to
    ("S1", "POS_CM1", "NORD", 1.00, "2023-01-01", None),
    ("S2", "POS_CM2", "NORD", 0.50, "2024-01-01", "2025-06-15"),  # active_to == as_of: counts
    ("S3", "POS_CM1", "SUED", 0.75, "2022-01-01", None),
    ("S4", "POS_CM1", "SUED", 0.50, "2024-01-01", "2025-06-14"),  # left the day before as_of
    ("S5", "POS_CM1", None, 0.25, "2024-01-01", None),  # no district: Kreis-wide total only
    ("S6", "POS_KO", "NORD", 1.00, "2021-01-01", None),  # coordinator: not case management
    ("S7", "POS_CM1", "NORD", 0.25, "2025-06-01", None),  # new, no cases yet
]
CASES = [
    # id, person, ags, staff, opened_on, closed_on
    ("C01", "P1", "05558012", "S1", "2025-01-10", None),
    ("C02", "P2", "05558012", "S1", "2025-02-01", "2025-06-15"),  # closed on as_of: not active
    ("C03", "P3", "05558012", "S2", "2025-06-15", None),  # opened on as_of: active
    ("C04", "P4", "05558012", "S2", "2025-03-03", None),
    ("C05", "P5", "05558020", "S1", "2025-01-20", "2025-04-30"),
    ("C06", "P6", "05558012", None, "2025-05-05", None),  # no case manager
    ("C07", "P1", "05558016", "S3", "2024-06-01", "2025-01-05"),  # P1 again, other district
    ("C08", "P7", "05558020", "S2", "2024-12-01", None),
    ("C09", "P8", "05558012", "S1", "2024-01-01", "2024-10-31"),  # over before the period
    ("C10", "P9", "05558016", "S3", "2024-09-01", None),
    ("C11", "P10", "05558016", "S3", "2025-02-10", None),
    ("C12", "P11", "05558028", "S3", "2025-04-01", None),
    ("C13", "P12", "05558028", "S4", "2025-05-20", None),
    ("C14", "P13", "05558016", "S3", "2024-10-01", "2024-11-30"),  # closed on a month's end
]
PERIOD = (D("2024-11-01"), D("2025-06-15"))


def load_fixture(engine) -> None:
    """Insert the hand-checkable fixture above."""
    persons = sorted({c[1] for c in CASES})
    with engine.begin() as conn:
        conn.execute(insert(schema.district), [{"id": i, "name": n} for i, n in DISTRICTS])
        conn.execute(
            insert(schema.municipality),
            [
                {"ags": a, "name": n, "district_id": d, "population": p}
                for a, n, d, p in MUNICIPALITIES
            ],
        )
        conn.execute(
            insert(schema.funded_position),
            [
                {
                    "id": i, "module": m, "role": r, "fte_approved": fa,
                    "approved_from": D(af), "approved_to": at and D(at),
                }
                for i, m, r, fa, af, at in POSITIONS
            ],
        )
        conn.execute(
            insert(schema.staff),
            [
                {
                    "id": i, "position_id": p, "district_id": d, "fte": fte,
                    "active_from": D(af), "active_to": at and D(at),
                }
                for i, p, d, fte, af, at in STAFF
            ],
        )
        conn.execute(
            insert(schema.person),
            [{"id": p, "birth_year": 1990, "sex": "x", "citizenship": "SYR"} for p in persons],
        )
        conn.execute(
            insert(schema.case_file),
            [
                {
                    "id": i, "person_id": p, "municipality_ags": a, "staff_id": s,
                    "opened_on": D(o), "closed_on": c and D(c),
                    "close_reason": "ZIEL" if c else None,
                }
                for i, p, a, s, o, c in CASES
            ],
        )


@pytest.fixture
def fixture_engine(engine):
    load_fixture(engine)
    return engine


def _run(engine, fn, *args):
    with engine.connect() as conn:
        return fn(conn, *args)


def test_round_half_up_is_kaufmaennisch():
    # 0.125 is exact in binary; Python's round() would give 0.12 (half to even).
    assert round_half_up(Fraction(1, 8), 2) == 0.13
    assert round_half_up(Fraction(5, 2), 0) == 3.0
    assert round_half_up(Fraction(-5, 2), 0) == -3.0
    assert round_half_up(Fraction(10, 3), 1) == 3.3


def test_caseload_everything_shown_k0(fixture_engine):
    f = Filter(*PERIOD, min_cell=0)
    result = _run(fixture_engine, caseload, f)
    # Active on 2025-06-15 (opened_on <= as_of < closed_on):
    #   Coesfeld: C01, C03 (opened on as_of), C04, C06 = 4; C02 closed on as_of, C09 over -> not.
    #   Havixbeck: C08 = 1 (C05 closed 04-30).  NORD = 5.
    #   Dülmen: C10, C11 = 2 (C07, C14 closed).  Lüdinghausen: C12, C13 = 2.  SUED = 4.
    #   Rosendahl / WEST = 0.  Total 9.
    # Opened in [2024-11-01, 2025-06-15]:
    #   Coesfeld C01 C02 C03 C04 C06 = 5; Havixbeck C05 C08 = 2; NORD 7.
    #   Dülmen C11 = 1 (C07, C10, C14 opened earlier); Lüdinghausen C12 C13 = 2; SUED 3. Total 10.
    # Closed in the period:
    #   Coesfeld C02 = 1; Havixbeck C05 = 1; NORD 2.  Dülmen C07 (P1's other case), C14 = 2;
    #   Lüdinghausen 0; SUED 2.  Total 4.  (C09 closed 2024-10-31, before the period.)
    # FTE on as_of, CASE_MANAGEMENT only: NORD S1 1.00 + S2 0.50 (active_to == as_of, position
    #   expired) + S7 0.25 = 1.75 (S6 is a coordinator); SUED S3 0.75 (S4 left 06-14);
    #   WEST 0; total 1.75 + 0.75 + S5 0.25 (no district) = 2.75.
    # Ratios unrounded (KPIS.md; the page rounds to 1 decimal):
    # per_fte: NORD 5/1.75 = 2.857…; SUED 4/0.75 = 5.333…; WEST fte 0 -> None;
    #   total 9/2.75 = 3.2727….
    # per_1000: Coesfeld 4/40000*1000 = 0.1; Havixbeck 1/8000*1000 = 0.125;
    #   NORD 5/48000*1000 = 0.104…; Dülmen 2/50000*1000 = 0.04; Lüdinghausen 2/25000*1000
    #   = 0.08; SUED 4/75000*1000 = 0.0533…; Rosendahl 0; total 9/133000*1000 = 0.0676…
    assert result["total"] == {
        "active": 9, "opened": 10, "closed": 4, "fte": 2.75, "per_fte": _r(9 * 4, 11),
        "per_1000": _r(9, 133),
    }
    assert result["districts"] == [
        {
            "id": "NORD", "name": "Nord", "active": 5, "opened": 7, "closed": 2,
            "fte": 1.75, "per_fte": _r(20, 7), "per_1000": _r(5, 48),
            "municipalities": [
                {"ags": "05558012", "name": "Coesfeld", "active": 4, "opened": 5, "closed": 1,
                 "per_1000": 0.1},
                {"ags": "05558020", "name": "Havixbeck", "active": 1, "opened": 2, "closed": 1,
                 "per_1000": 0.125},
            ],
        },
        {
            "id": "SUED", "name": "Süd", "active": 4, "opened": 3, "closed": 2,
            "fte": 0.75, "per_fte": _r(16, 3), "per_1000": _r(4, 75),
            "municipalities": [
                {"ags": "05558016", "name": "Dülmen", "active": 2, "opened": 1, "closed": 2,
                 "per_1000": 0.04},
                {"ags": "05558028", "name": "Lüdinghausen", "active": 2, "opened": 2, "closed": 0,
                 "per_1000": 0.08},
            ],
        },
        {
            "id": "WEST", "name": "West", "active": 0, "opened": 0, "closed": 0,
            "fte": 0.0, "per_fte": None, "per_1000": 0.0,
            "municipalities": [
                {"ags": "05558044", "name": "Rosendahl", "active": 0, "opened": 0, "closed": 0,
                 "per_1000": 0.0},
            ],
        },
    ]
    # Active cases on each month's last day (on as_of in June), intervals [opened, closed):
    #   2024-11-30: C07, C10 (C14 closed that day) = 2
    #   2024-12-31: C07, C08, C10 = 3
    #   2025-01-31: C01, C05, C08, C10 (C07 closed 01-05) = 4
    #   2025-02-28: + C02, C11 = 6
    #   2025-03-31: + C04 = 7
    #   2025-04-30: - C05 (closed that day) + C12 = 7
    #   2025-05-31: + C06, C13 = 9
    #   2025-06-15: - C02 + C03 = 9
    assert result["monthly_active"] == [
        {"month": "2024-11", "active": 2}, {"month": "2024-12", "active": 3},
        {"month": "2025-01", "active": 4}, {"month": "2025-02", "active": 6},
        {"month": "2025-03", "active": 7}, {"month": "2025-04", "active": 7},
        {"month": "2025-05", "active": 9}, {"month": "2025-06", "active": 9},
    ]


def test_caseload_k1_shows_everything_too(fixture_engine):
    k0 = _run(fixture_engine, caseload, Filter(*PERIOD, min_cell=0))
    k1 = _run(fixture_engine, caseload, Filter(*PERIOD, min_cell=1))
    assert k1 == k0
    # Havixbeck's single active case is shown under K=1.
    assert k1["districts"][0]["municipalities"][1]["active"] == 1


def test_caseload_suppression_k5(fixture_engine):
    result = _run(fixture_engine, caseload, Filter(*PERIOD, min_cell=5))
    # Closed 4 < 5 is itself a small cell. The totals 9 and 10 are hidden by secondary
    # suppression (the LP check): below them stand the case managers of each Gemeinde
    # (Coesfeld S1, S2, ohne; Havixbeck S2 (active) or S1, S2 (opened); Dülmen S3;
    # Lüdinghausen S3, S4), 7 hidden active counts and 8 hidden opened ones, each >= 1; with 9
    # (10) shown each could only be 1 … 3, fewer than K - 1 = 4 values.
    assert result["total"] == {
        "active": None, "opened": None, "closed": None, "fte": 2.75, "per_fte": None,
        "per_1000": None,
    }
    nord, sued, west = result["districts"]
    # NORD active 5 == K and opened 7 would be shown, but Kreis = NORD + SUED (4, 3 hidden) +
    # WEST 0 would give SUED away: NORD, the only further non-zero part, is hidden; closed 2.
    assert (nord["active"], nord["opened"], nord["closed"]) == (None, None, None)
    assert (nord["fte"], nord["per_fte"], nord["per_1000"]) == (1.75, None, None)
    # SUED active 4 = K-1: suppressed, so are its ratios; FTE is never suppressed.
    assert (sued["active"], sued["opened"], sued["closed"]) == (None, None, None)
    assert (sued["fte"], sued["per_fte"], sued["per_1000"]) == (0.75, None, None)
    # Zeros are not small cells.
    assert (west["active"], west["opened"], west["closed"], west["per_1000"]) == (0, 0, 0, 0.0)
    coesfeld, havixbeck = nord["municipalities"]
    # Coesfeld: active 4 -> None, closed 1 -> None; opened 5 (exactly K) = S1 2 + S2 2 + ohne
    # Case Manager 1, all hidden: 5 would leave each only 1 … 3, so it is hidden too.
    assert (coesfeld["active"], coesfeld["opened"], coesfeld["closed"]) == (None, None, None)
    assert coesfeld["per_1000"] is None
    assert (havixbeck["active"], havixbeck["opened"], havixbeck["per_1000"]) == (None, None, None)
    # Monthly 2, 3, 4 are small cells; 6, 7, 7, 9 are shown; June's 9 is the Stichtag's count
    # (the hidden total) and is hidden with it.
    assert [m["active"] for m in result["monthly_active"]] == [None, None, None, 6, 7, 7, 9,
                                                               None]


def test_caseload_district_filter(fixture_engine):
    result = _run(fixture_engine, caseload, Filter(*PERIOD, district="NORD", min_cell=5))
    # Only NORD is listed; the total is NORD's (S5 without district does not count here).
    # Secondary suppression: active 5 = S1 1 + S2 3 + ohne Case Manager 1, all hidden, would
    # leave each only 1 … 3; opened 7 = its months 1, 2, 1, 1, 1, 1 (all hidden) each only
    # 1 … 2: no further part is left, so both totals are hidden.
    assert [d["id"] for d in result["districts"]] == ["NORD"]
    assert result["total"] == {
        "active": None, "opened": None, "closed": None, "fte": 1.75, "per_fte": None,
        "per_1000": None,
    }
    # NORD's cases C01 C02 C03 C04 C05 C06 C08 (C09 over before the period):
    #   11-30: 0 (C08 opens 12-01); 12-31: C08 = 1; 01-31: C01 C05 C08 = 3;
    #   02-28: + C02 = 4; 03-31: + C04 = 5; 04-30: - C05 = 4; 05-31: + C06 = 5;
    #   06-15: - C02 + C03 = 5.  With K = 5: 0 stays 0, 1..4 become None; June is the hidden
    #   total (the Stichtag's count).
    assert [m["active"] for m in result["monthly_active"]] == [0, None, None, None, 5, None, 5,
                                                               None]

    sued = _run(fixture_engine, caseload, Filter(*PERIOD, district="SUED", min_cell=5))
    # SUED: active 4 (suppressed), fte 0.75 = S3 only.
    assert sued["total"] == {
        "active": None, "opened": None, "closed": None, "fte": 0.75, "per_fte": None,
        "per_1000": None,
    }
    assert [m["ags"] for m in sued["districts"][0]["municipalities"]] == ["05558016", "05558028"]


def test_monthly_active_empty_months_are_zero(fixture_engine):
    # Before any case but C09 (opened 2024-01-01): Nov and Dec 2023 have no case at all.
    # 2024-01-31: C09 = 1; 2024-02-15 (as_of): C09 = 1.
    result = _run(fixture_engine, caseload, Filter(D("2023-11-01"), D("2024-02-15"), min_cell=0))
    assert result["monthly_active"] == [
        {"month": "2023-11", "active": 0}, {"month": "2023-12", "active": 0},
        {"month": "2024-01", "active": 1}, {"month": "2024-02", "active": 1},
    ]
    assert result["total"]["active"] == 1 and result["total"]["opened"] == 1


def test_opened_closed_monthly(fixture_engine):
    rows = _run(fixture_engine, opened_closed_monthly, Filter(*PERIOD, min_cell=0))
    # opened: Dec C08; Jan C01 C05; Feb C02 C11; Mar C04; Apr C12; May C06 C13; Jun C03.
    # closed: Nov C14; Jan C07; Apr C05; Jun C02.
    assert rows == [
        {"month": "2024-11", "opened": 0, "closed": 1},
        {"month": "2024-12", "opened": 1, "closed": 0},
        {"month": "2025-01", "opened": 2, "closed": 1},
        {"month": "2025-02", "opened": 2, "closed": 0},
        {"month": "2025-03", "opened": 1, "closed": 0},
        {"month": "2025-04", "opened": 1, "closed": 1},
        {"month": "2025-05", "opened": 2, "closed": 0},
        {"month": "2025-06", "opened": 1, "closed": 1},
    ]
    # Period starting mid-month: January counts only from the 15th (C05 yes, C01 no), and
    # with K = 2 the single cases vanish while the zeros stay.
    rows = _run(
        fixture_engine, opened_closed_monthly,
        Filter(D("2025-01-15"), D("2025-03-31"), district="NORD", min_cell=2),
    )
    # NORD: Jan opened C05 = 1 -> None; Feb opened C02 = 1 -> None; Mar opened C04 = 1 -> None.
    assert rows == [
        {"month": "2025-01", "opened": None, "closed": 0},
        {"month": "2025-02", "opened": None, "closed": 0},
        {"month": "2025-03", "opened": None, "closed": 0},
    ]


def test_caseload_by_staff(fixture_engine):
    f = Filter(*PERIOD, min_cell=0)
    rows = _run(fixture_engine, caseload_by_staff, f, "NORD")
    # NORD's relevant cases by staff_id:
    #   S1: C01 (active, opened), C02 (opened, closed), C05 (opened, closed) -> 1, 3, 2; fte 1.00
    #   S2: C03, C04, C08 all active and opened -> 3, 3, 0; fte 0.50 (active_to == as_of)
    #       per_fte 3/0.5 = 6.0
    #   S7: new case manager of NORD without cases -> zeros, fte 0.25, per_fte 0.0
    #   None: C06 (active, opened) -> 1, 1, 0; fte 0.0, per_fte None.  S6 (coordinator): absent.
    assert rows == [
        {"staff_id": "S1", "fte": 1.0, "active": 1, "opened": 3, "closed": 2, "per_fte": 1.0,
         "home_district_id": "NORD"},
        {"staff_id": "S2", "fte": 0.5, "active": 3, "opened": 3, "closed": 0, "per_fte": 6.0,
         "home_district_id": "NORD"},
        {"staff_id": "S7", "fte": 0.25, "active": 0, "opened": 0, "closed": 0, "per_fte": 0.0,
         "home_district_id": "NORD"},
        {"staff_id": None, "fte": 0.0, "active": 1, "opened": 1, "closed": 0, "per_fte": None,
         "home_district_id": None},
    ]
    rows = _run(fixture_engine, caseload_by_staff, Filter(*PERIOD, min_cell=3), "SUED")
    # SUED: S3 C07 (closed), C10 (active), C11 C12 (active, opened), C14 (closed) -> 3, 2, 2;
    #   fte 0.75, per_fte 3/0.75 = 4.0.  S4: C13 (active, opened) -> 1, 1, 0; S4 left on 06-14,
    #   so fte 0.0.  K = 3: 2 and 1 are small cells. S3's 3 active: SUED 4 = S3 + S4 (1,
    #   hidden) would give S4 away, so S3's 3 is hidden (secondary), and its per_fte with it.
    assert rows == [
        {"staff_id": "S3", "fte": 0.75, "active": None, "opened": None, "closed": None,
         "per_fte": None, "home_district_id": "SUED"},
        {"staff_id": "S4", "fte": 0.0, "active": None, "opened": None, "closed": 0,
         "per_fte": None, "home_district_id": None},
    ]


def test_caseload_by_staff_fte_adds_up_with_case_managers_of_other_districts(fixture_engine):
    # S3 (SUED, 0.75) and S5 (no district, 0.25) each take one open NORD case in Coesfeld.
    with fixture_engine.begin() as conn:
        conn.execute(insert(schema.person), [
            {"id": p, "birth_year": 1990, "sex": "w", "citizenship": "SYR"} for p in ("PX", "PY")])
        conn.execute(insert(schema.case_file), [
            {"id": "CX", "person_id": "PX", "municipality_ags": "05558012", "staff_id": "S3",
             "opened_on": D("2025-03-01")},
            {"id": "CY", "person_id": "PY", "municipality_ags": "05558012", "staff_id": "S5",
             "opened_on": D("2025-03-02")},
        ])
    f = Filter(*PERIOD, min_cell=0)
    rows = _run(fixture_engine, caseload_by_staff, f, "NORD")
    by_id = {r["staff_id"]: r for r in rows}
    # Their cases show here, their posts where staff.district_id puts them: SUED, and the
    # Kreis-wide total only (KPIS.md "Staff").
    assert by_id["S3"] == {"staff_id": "S3", "fte": 0.0, "active": 1, "opened": 1, "closed": 0,
                           "per_fte": None, "home_district_id": "SUED"}
    assert by_id["S5"] == {"staff_id": "S5", "fte": 0.0, "active": 1, "opened": 1, "closed": 0,
                           "per_fte": None, "home_district_id": None}
    # The column adds up to NORD's FTE: S1 1.00 + S2 0.50 + S7 0.25 = 1.75.
    nord = next(d for d in _run(fixture_engine, caseload, f)["districts"] if d["id"] == "NORD")
    assert sum(r["fte"] for r in rows) == nord["fte"] == 1.75
    # SUED lists S3 with the full post (its own district).
    sued = _run(fixture_engine, caseload_by_staff, f, "SUED")
    assert next(r for r in sued if r["staff_id"] == "S3")["fte"] == 0.75
    # The derived tables (built with an OK import_run) give the same rows.
    from datetime import datetime

    from queries import runs
    with fixture_engine.begin() as conn:
        runs.record_run(conn, started_at=datetime(2025, 6, 16), source="test", outcome="OK",
                        files={})
    assert _run(fixture_engine, caseload_by_staff, f, "NORD") == rows


def test_caseload_by_staff_in_one_municipality(fixture_engine):
    # The Gemeinde level: only the cases of case_file.municipality_ags, no FTE.
    f = Filter(*PERIOD, min_cell=0)
    rows = _run(fixture_engine, caseload_by_staff, f, "NORD", "05558012")
    # Coesfeld (05558012): S1 C01 (active, opened), C02 (opened, closed; closed on as_of), C09
    #   (over before the period: not counted) -> 1, 2, 1.  S2: C03 (opened on as_of), C04 -> 2,
    #   2, 0.  None: C06 -> 1, 1, 0.  S7 (NORD, no case in Coesfeld): absent.  fte/per_fte None.
    assert rows == [
        {"staff_id": "S1", "fte": None, "active": 1, "opened": 2, "closed": 1, "per_fte": None},
        {"staff_id": "S2", "fte": None, "active": 2, "opened": 2, "closed": 0, "per_fte": None},
        {"staff_id": None, "fte": None, "active": 1, "opened": 1, "closed": 0, "per_fte": None},
    ]
    # Havixbeck (05558020): S1 C05 (opened, closed) -> 0, 1, 1; S2 C08 (opened 2024-12-01,
    #   active) -> 1, 1, 0.  No case without a case manager.
    rows = _run(fixture_engine, caseload_by_staff, f, "NORD", "05558020")
    assert rows == [
        {"staff_id": "S1", "fte": None, "active": 0, "opened": 1, "closed": 1, "per_fte": None},
        {"staff_id": "S2", "fte": None, "active": 1, "opened": 1, "closed": 0, "per_fte": None},
    ]
    # The two Gemeinden of NORD add up to the Bezirk level (S1 1, 3, 2; S2 3, 3, 0).
    # K = 2: the 1s are small cells, 0 stays. The 2s of Coesfeld go by secondary suppression:
    # S1's 3 opened in NORD = Coesfeld 2 + Havixbeck 1 (hidden), S2's 3 opened = Coesfeld 2 +
    # Havixbeck 1 (hidden), S2's 3 active = Coesfeld 2 + Havixbeck 1 (hidden): each equation
    # would give Havixbeck's 1 away, and Coesfeld's 2 is its only further part.
    rows = _run(fixture_engine, caseload_by_staff, Filter(*PERIOD, min_cell=2), "NORD", "05558012")
    assert rows == [
        {"staff_id": "S1", "fte": None, "active": None, "opened": None, "closed": None,
         "per_fte": None},
        {"staff_id": "S2", "fte": None, "active": None, "opened": None, "closed": 0,
         "per_fte": None},
        {"staff_id": None, "fte": None, "active": None, "opened": None, "closed": 0,
         "per_fte": None},
    ]
    # A Gemeinde of another Bezirk (Dülmen is SUED), an unknown one, one without cases: no rows.
    assert _run(fixture_engine, caseload_by_staff, f, "NORD", "05558016") == []
    assert _run(fixture_engine, caseload_by_staff, f, "NORD", "05558999") == []
    assert _run(fixture_engine, caseload_by_staff, f, "WEST", "05558044") == []
    # A period before every case of Coesfeld's but C09: nothing relevant, no rows.
    assert _run(fixture_engine, caseload_by_staff, Filter(D("2023-01-01"), D("2023-06-30"),
                                                          min_cell=0), "NORD", "05558012") == []


def test_caseload_by_staff_in_municipality_derived_equals_raw(fixture_engine, monkeypatch):
    """The fast path over case_day/case_month gives the raw numbers, periods around every date."""
    from queries import derived, runs

    with fixture_engine.begin() as conn:
        runs.record_run(conn, started_at=runs.now(), source="test", outcome="OK", files={})
    days = sorted({D(c[4]) + timedelta(days=k) for c in CASES for k in (-1, 0, 1)}
                  | {D(c[5]) + timedelta(days=k) for c in CASES if c[5] for k in (-1, 0, 1)})
    pairs = [(a, b) for i, a in enumerate(days) for b in days[i::7]]
    real_fresh = derived.fresh
    compared = nonzero = 0
    with fixture_engine.connect() as conn:
        assert real_fresh(conn)
        for a, b in pairs:
            for k in (0, 3):
                f = Filter(a, b, min_cell=k)
                for district, ags, *_ in [(m[2], m[0]) for m in MUNICIPALITIES]:
                    fast = caseload_by_staff(conn, f, district, ags)
                    monkeypatch.setattr(derived, "fresh", lambda _conn: False)
                    raw = caseload_by_staff(conn, f, district, ags)
                    monkeypatch.setattr(derived, "fresh", real_fresh)
                    assert fast == raw, (f, ags)
                    compared += 1
                    nonzero += bool(raw)
    assert compared > 500 and nonzero > 100


def _naive_active(conn, day: date, district: str | None) -> int:
    """The raw definition, one day at a time: the reference the monthly series must equal."""
    c, m = schema.case_file, schema.municipality
    query = (
        select(func.count())
        .select_from(c.join(m, m.c.ags == c.c.municipality_ags))
        .where(and_(c.c.opened_on <= day, or_(c.c.closed_on.is_(None), c.c.closed_on > day)))
    )
    if district is not None:
        query = query.where(m.c.district_id == district)
    return conn.execute(query).scalar_one()


def test_monthly_active_equals_naive_per_day_count(fixture_engine):
    # Add 300 random cases (seeded, so the test is reproducible) around the period edges.
    rng = random.Random(7)
    ags = [a for a, *_ in MUNICIPALITIES]
    start = D("2023-06-01")
    cases = []
    for i in range(300):
        opened = start + timedelta(days=rng.randrange(0, 900))
        closed = None
        if rng.random() < 0.6:
            gap = rng.choice([0, 1, 27, 28, 29, 30, 31, rng.randrange(400)])
            closed = opened + timedelta(days=gap)
        cases.append(
            {"id": f"R{i:03d}", "person_id": "P1", "municipality_ags": rng.choice(ags),
             "staff_id": None, "opened_on": opened, "closed_on": closed}
        )
    with fixture_engine.begin() as conn:
        conn.execute(insert(schema.case_file), cases)

    filters = [
        Filter(D("2023-01-01"), D("2025-12-31"), min_cell=0),
        Filter(D("2024-02-29"), D("2024-09-30"), min_cell=0),
        Filter(D("2024-03-17"), D("2025-02-03"), district="SUED", min_cell=0),
        Filter(D("2025-06-15"), D("2025-06-15"), district="NORD", min_cell=0),
        # as_of on the day of a single closing (C05) and of a single opening (C04)
        Filter(D("2024-11-01"), D("2025-04-30"), min_cell=0),
        Filter(D("2025-01-01"), D("2025-03-03"), district="NORD", min_cell=0),
    ]
    with fixture_engine.connect() as conn:
        for f in filters:
            got = {m["month"]: m["active"] for m in caseload(conn, f)["monthly_active"]}
            expected = {}
            for month in months_between(f.period_from, f.as_of):
                y, mo = (int(p) for p in month.split("-"))
                day = min(month_end(y, mo), f.as_of)
                expected[month] = _naive_active(conn, day, f.district)
            assert got == expected, f
            assert got[f.as_of.strftime("%Y-%m")] == caseload(conn, f)["total"]["active"]


# --- the Gemeinde level on the page and in the downloads, by role ------------------------------
# Fixture of tests/test_downloads.py (period 01.01.–30.06.2025, K = 5): Coesfeld (NORD) has 6
# cases of S1 opened 01.02.2025, one closed 30.06.2025 -> S1: 5 active, 6 opened, 1 closed (•).

GEMEINDE = "?von=2025-01-01&bis=2025-06-30&bezirk=NORD&gemeinde=05558012"


def _page_as(app, group: str, search: str) -> str:
    from tests.test_downloads import PROXY
    from tests.test_security import router_payload

    client = app.server.test_client()
    headers = {"X-Remote-User": "u", "X-Remote-Groups": group}
    env = {"REMOTE_ADDR": PROXY}
    deps = client.get("/_dash-dependencies", headers=headers, environ_base=env).get_json()
    r = client.post("/_dash-update-component", json=router_payload(deps, "/fallzahlen", search),
                    headers=headers, environ_base=env)
    assert r.status_code == 200
    body = r.get_json()["response"]
    # str() of the JSON shows a no-break space as \xa0
    text = str(body["kim-page"]["children"]) + str(body["kim-notes"]["children"])
    return text.replace("\\xa0", " ")


def test_gemeinde_level_by_role_page_and_downloads(header_app):  # noqa: F811
    from tests.test_downloads import as_role, csv_rows

    staff_csv = "/download/fallzahlen/caseload-municipality-staff.csv" + GEMEINDE
    r = as_role(header_app, "KO", staff_csv)
    assert r.status_code == 200
    assert csv_rows(r) == [["Case Manager (Pseudonym)", "aktive Fälle", "eröffnet",
                            "abgeschlossen"], ["S1", "5", "6", "•"]]
    text = _page_as(header_app, "KO", GEMEINDE)
    assert "Gemeinde Coesfeld" in text and "caseload-municipality-staff" in text
    assert "Vollzeitstelle eines Case Managers gilt für alle seine Fälle" in text
    assert "Fälle je Vollzeitstelle" in text  # only inside that note: no such column here
    assert "'per_fte'" not in text

    # the Lenkungsgruppe: the Gemeinde's totals and a sentence, no case managers, 403 on the table
    assert as_role(header_app, "LG", staff_csv).status_code == 403
    text = _page_as(header_app, "LG", GEMEINDE)
    # per 1,000 inhabitants: 5 / 2,000 × 1,000 = 2,5
    assert ("Gemeinde Coesfeld (Bezirk Nord): 5 aktive Fälle, 6 eröffnet und • abgeschlossen "
            "im Zeitraum; 2,5 aktive Fälle je 1.000 Einwohner") in text
    assert "für Ihre Rolle nicht freigegeben" in text
    assert "S1" not in text and "Case Manager (Pseudonym)" not in text
    whole = as_role(header_app, "LG", "/download/fallzahlen.xlsx" + GEMEINDE)
    assert whole.status_code == 200

    # an AGS of another Bezirk: the Bezirk level with a note, and no Gemeinde table to download
    other = "?von=2025-01-01&bis=2025-06-30&bezirk=SUED&gemeinde=05558012"
    text = _page_as(header_app, "KO", other)
    assert "gehört nicht zum Bezirk „SUED“" in text and "Bezirk Süd" in text
    assert "caseload-municipality-staff" not in text and "caseload-staff" in text
    r = as_role(header_app, "KO", "/download/fallzahlen/caseload-municipality-staff.csv" + other)
    assert r.status_code == 404
