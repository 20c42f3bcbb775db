"""Status transitions and sphere changes (queries/transitions.py) by hand, SQLite and PostgreSQL.

The fixture, period 1 Jan – 31 Mar 2025 (months 2025-01, 2025-02, 2025-03):

Cases (district via the municipality):
  P1: C1a NORD opened 2024-06-01, C1b SUED opened 2025-02-01
  P2: C2 NORD opened 2025-03-01 (after all of P2's events: falls back to the earliest case)
  P3: no case at all (counts only Kreis-wide)
  P4: K4-B SUED and K4-a NORD, both opened 2024-05-01; on the same day the smaller id (plain
      string order: 'K4-B' < 'K4-a', upper case first) is the later case -> SUED
  P5: E5-1 NORD and E5-2 SUED, both opened 2025-06-01 (after the events); the earliest case in
      the same order is the larger id E5-2 -> SUED
  P6: C6 NORD opened 2023-01-01

Status transitions in the period (date, district):
  1 P1 DULDUNG    -> AE_25B     2025-01-15 NORD (C1a)  Bleiberecht
  2 P1 AE_25B     -> NE         2025-02-28 SUED (C1b)
  3 P2 AE_SCHUTZ  -> DEUTSCH    2025-02-10 NORD (earliest case)  Einbürgerung
      (P2's AE_SCHUTZ -> AE_SCHUTZ on 2025-01-01 is a renewal, not a transition)
  4 P3 GESTATTUNG -> AE_SCHUTZ  2025-03-05 no district
  5 P4 DULDUNG    -> DULDUNG_AB 2025-03-20 SUED (K4-B)
  6 P5 AE_24      -> AE_25A     2025-02-01 SUED (E5-2)  Bleiberecht
  7 P6 GESTATTUNG -> AE_SCHUTZ  2025-01-01 NORD (first day of the period counts)
  outside: P6 DULDUNG -> GESTATTUNG 2024-12-31 (before), P6 AE_SCHUTZ -> NE 2025-04-01 (after)

Sphere changes in the period (gap = (next.valid_from - previous.valid_to) - 1):
  a P1 ASYLBLG -> SGB2   2025-02-01, prev to 2025-01-31: gap 0  SUED (C1b opened that very day)
  b P2 SGB2    -> KEINE  2025-01-15, prev to 2025-01-10: gap 4  NORD
  c P3 ASYLBLG -> SGB2   2025-03-31, prev to 2025-02-28: 31 - 1 = 30  no district
  d P4 SGB2    -> SGB3   2025-03-01, prev to 2025-02-28: gap 0  SUED
      (P4's SGB2 -> SGB2 on 2025-02-01 is a renewal)
  e P5 SGB12   -> SGB8   2025-03-10, prev to 2024-11-30: 31+31+28+10 = 100 - 1 = 99  SUED
  f P6 ASYLBLG -> SGB2   2025-01-10, prev to 2025-01-02: 8 - 1 = 7  NORD
  outside: P6 KEINE -> ASYLBLG 2024-12-21, P6 SGB2 -> SGB12 2025-04-01
"""

from datetime import date

import pytest
from sqlalchemy import insert

from queries import schema
from queries.filters import Filter
from queries.transitions import (
    median_from_histogram,
    sphere_gap_distribution,
    transitions,
    transitions_monthly_by_kind,
)

D = date
FROM, TO = D(2025, 1, 1), D(2025, 3, 31)

CASES = [
    # (id, person_id, municipality_ags, opened_on)
    ("C1a", "P1", "05558012", D(2024, 6, 1)),
    ("C1b", "P1", "05558016", D(2025, 2, 1)),
    ("C2", "P2", "05558012", D(2025, 3, 1)),
    ("K4-B", "P4", "05558016", D(2024, 5, 1)),
    ("K4-a", "P4", "05558012", D(2024, 5, 1)),
    ("E5-1", "P5", "05558012", D(2025, 6, 1)),
    ("E5-2", "P5", "05558016", D(2025, 6, 1)),
    ("C6", "P6", "05558012", D(2023, 1, 1)),
]

STATUS = [
    # (person_id, status, valid_from, valid_to)
    ("P1", "DULDUNG", D(2023, 1, 1), D(2025, 1, 14)),
    ("P1", "AE_25B", D(2025, 1, 15), D(2025, 2, 27)),
    ("P1", "NE", D(2025, 2, 28), None),
    ("P2", "AE_SCHUTZ", D(2022, 1, 1), D(2024, 12, 31)),
    ("P2", "AE_SCHUTZ", D(2025, 1, 1), D(2025, 2, 9)),
    ("P2", "DEUTSCH", D(2025, 2, 10), None),
    ("P3", "GESTATTUNG", D(2024, 1, 1), D(2025, 3, 4)),
    ("P3", "AE_SCHUTZ", D(2025, 3, 5), None),
    ("P4", "DULDUNG", D(2024, 1, 1), D(2025, 3, 19)),
    ("P4", "DULDUNG_AB", D(2025, 3, 20), None),
    ("P5", "AE_24", D(2024, 3, 1), D(2025, 1, 31)),
    ("P5", "AE_25A", D(2025, 2, 1), None),
    ("P6", "DULDUNG", D(2022, 1, 1), D(2024, 12, 30)),
    ("P6", "GESTATTUNG", D(2024, 12, 31), D(2024, 12, 31)),
    ("P6", "AE_SCHUTZ", D(2025, 1, 1), D(2025, 3, 31)),
    ("P6", "NE", D(2025, 4, 1), None),
]

SPHERES = [
    # (person_id, sphere, valid_from, valid_to)
    ("P1", "ASYLBLG", D(2023, 1, 1), D(2025, 1, 31)),
    ("P1", "SGB2", D(2025, 2, 1), None),
    ("P2", "SGB2", D(2022, 1, 1), D(2025, 1, 10)),
    ("P2", "KEINE", D(2025, 1, 15), None),
    ("P3", "ASYLBLG", D(2024, 1, 1), D(2025, 2, 28)),
    ("P3", "SGB2", D(2025, 3, 31), None),
    ("P4", "SGB2", D(2023, 1, 1), D(2025, 1, 31)),
    ("P4", "SGB2", D(2025, 2, 1), D(2025, 2, 28)),
    ("P4", "SGB3", D(2025, 3, 1), None),
    ("P5", "SGB12", D(2021, 1, 1), D(2024, 11, 30)),
    ("P5", "SGB8", D(2025, 3, 10), None),
    ("P6", "KEINE", D(2020, 1, 1), D(2024, 12, 20)),
    ("P6", "ASYLBLG", D(2024, 12, 21), D(2025, 1, 2)),
    ("P6", "SGB2", D(2025, 1, 10), D(2025, 3, 31)),
    ("P6", "SGB12", D(2025, 4, 1), None),
]


def _load(engine, cases, status, spheres):
    persons = sorted({row[0] for row in status + spheres} | {row[1] for row in cases})
    with engine.begin() as conn:
        conn.execute(
            insert(schema.district),
            [{"id": "NORD", "name": "Nord"}, {"id": "SUED", "name": "Süd"}],
        )
        conn.execute(
            insert(schema.municipality),
            [
                {"ags": "05558012", "name": "Coesfeld", "district_id": "NORD", "population": 1},
                {"ags": "05558016", "name": "Dülmen", "district_id": "SUED", "population": 1},
            ],
        )
        conn.execute(
            insert(schema.person),
            [{"id": p, "birth_year": 1990, "sex": "x", "citizenship": "XXX"} for p in persons],
        )
        if cases:
            conn.execute(
                insert(schema.case_file),
                [
                    {"id": c, "person_id": p, "municipality_ags": ags, "opened_on": opened}
                    for c, p, ags, opened in cases
                ],
            )
        if status:
            conn.execute(
                insert(schema.legal_status_episode),
                [
                    {"person_id": p, "status": s, "valid_from": a, "valid_to": b}
                    for p, s, a, b in status
                ],
            )
        if spheres:
            conn.execute(
                insert(schema.legal_sphere_episode),
                [
                    {"person_id": p, "sphere": s, "valid_from": a, "valid_to": b}
                    for p, s, a, b in spheres
                ],
            )
    return engine


@pytest.fixture
def histories(engine):
    return _load(engine, CASES, STATUS, SPHERES)


def _run(engine, f):
    with engine.connect() as conn:
        return (
            transitions(conn, f),
            transitions_monthly_by_kind(conn, f),
            sphere_gap_distribution(conn, f),
        )


def _months(*counts):
    return [{"month": f"2025-{i + 1:02d}", "count": n} for i, n in enumerate(counts)]


def test_kreis_wide_without_suppression(histories):
    result, by_kind, gaps = _run(histories, Filter(FROM, TO, min_cell=0))
    # Events 1-7: 7 transitions; Bleiberecht 1 and 6; Einbürgerung 3.
    assert (result["total"], result["bleiberecht"], result["einbuergerungen"]) == (7, 2, 1)
    assert result["flows"] == [
        {"from": "AE_24", "to": "AE_25A", "count": 1},
        {"from": "AE_25B", "to": "NE", "count": 1},
        {"from": "AE_SCHUTZ", "to": "DEUTSCH", "count": 1},
        {"from": "DULDUNG", "to": "AE_25B", "count": 1},
        {"from": "DULDUNG", "to": "DULDUNG_AB", "count": 1},
        {"from": "GESTATTUNG", "to": "AE_SCHUTZ", "count": 2},  # 4 and 7
    ]
    # January 1, 7; February 2, 3, 6; March 4, 5
    assert result["monthly"] == _months(2, 3, 2)
    assert by_kind == [
        {"month": "2025-01", "bleiberecht": 1, "einbuergerungen": 0},  # 1
        {"month": "2025-02", "bleiberecht": 1, "einbuergerungen": 1},  # 6; 3
        {"month": "2025-03", "bleiberecht": 0, "einbuergerungen": 0},
    ]

    spheres = result["sphere_changes"]
    # a-f: 6 changes, seamless a and d; gaps sorted 0 0 4 7 30 99 -> median (4 + 7) / 2 = 5.5
    assert (spheres["total"], spheres["seamless"]) == (6, 2)
    assert spheres["seamless_share"] == 2 / 6  # unrounded
    assert spheres["median_gap_days"] == 5.5
    # Benefit changes (KEINE is part of the gap): a (0), c (30), d (0), e (99), f (7); b goes
    # into KEINE and is no benefit change but an exit (P2 has no later benefit up to 31 Mar).
    # Gaps sorted 0 0 7 30 99 -> median 7; seamless 2 of 5 = 0.4.
    assert spheres["benefit"] == {"total": 5, "seamless": 2, "seamless_share": 0.4,
                                  "median_gap_days": 7.0, "exits": 1}
    assert spheres["flows"] == [
        {"from": "ASYLBLG", "to": "SGB2", "count": 3},  # a, c, f
        {"from": "SGB12", "to": "SGB8", "count": 1},  # e; SGB12 sorts before SGB2
        {"from": "SGB2", "to": "KEINE", "count": 1},  # b
        {"from": "SGB2", "to": "SGB3", "count": 1},  # d
    ]
    # 0: a, d; 1-7: b (4), f (7); 8-30: c (30); 31-90: none; >90: e (99)
    assert gaps == [
        {"bucket": "0", "count": 2},
        {"bucket": "1-7", "count": 2},
        {"bucket": "8-30", "count": 1},
        {"bucket": "31-90", "count": 0},
        {"bucket": ">90", "count": 1},
    ]


def test_district_attribution(histories):
    nord, nord_kind, nord_gaps = _run(histories, Filter(FROM, TO, district="NORD", min_cell=0))
    # NORD: 1 (C1a, before C1b opened), 3 (P2's earliest case C2), 7 (C6)
    assert (nord["total"], nord["bleiberecht"], nord["einbuergerungen"]) == (3, 1, 1)
    assert nord["flows"] == [
        {"from": "AE_SCHUTZ", "to": "DEUTSCH", "count": 1},
        {"from": "DULDUNG", "to": "AE_25B", "count": 1},
        {"from": "GESTATTUNG", "to": "AE_SCHUTZ", "count": 1},
    ]
    assert nord["monthly"] == _months(2, 1, 0)
    # Sphere changes in NORD: b (4), f (7): no seamless one, share 0.0, median of the even
    # count two (4 + 7) / 2 = 5.5
    assert nord["sphere_changes"] == {
        "total": 2,
        "seamless": 0,
        "seamless_share": 0.0,
        "median_gap_days": 5.5,
        "flows": [
            {"from": "ASYLBLG", "to": "SGB2", "count": 1},
            {"from": "SGB2", "to": "KEINE", "count": 1},
        ],
        # benefit changes in NORD: f (gap 7) only; exit: P2's SGB2 -> KEINE (b), no later benefit
        "benefit": {"total": 1, "seamless": 0, "seamless_share": 0.0, "median_gap_days": 7.0,
                    "exits": 1},
    }
    assert [b["count"] for b in nord_gaps] == [0, 2, 0, 0, 0]

    sued, sued_kind, sued_gaps = _run(histories, Filter(FROM, TO, district="SUED", min_cell=0))
    # SUED: 2 (C1b), 5 (K4-B, the smaller id on the same day), 6 (E5-2, earliest by the same order)
    assert (sued["total"], sued["bleiberecht"], sued["einbuergerungen"]) == (3, 1, 0)
    assert sued["flows"] == [
        {"from": "AE_24", "to": "AE_25A", "count": 1},
        {"from": "AE_25B", "to": "NE", "count": 1},
        {"from": "DULDUNG", "to": "DULDUNG_AB", "count": 1},
    ]
    assert sued["monthly"] == _months(0, 2, 1)
    assert sued_kind == [
        {"month": "2025-01", "bleiberecht": 0, "einbuergerungen": 0},
        {"month": "2025-02", "bleiberecht": 1, "einbuergerungen": 0},
        {"month": "2025-03", "bleiberecht": 0, "einbuergerungen": 0},
    ]
    # Sphere changes in SUED: a (0), d (0), e (99): seamless 2 of 3 (unrounded), median 0
    assert sued["sphere_changes"] == {
        "total": 3,
        "seamless": 2,
        "seamless_share": 2 / 3,
        "median_gap_days": 0.0,
        "flows": [
            {"from": "ASYLBLG", "to": "SGB2", "count": 1},
            {"from": "SGB12", "to": "SGB8", "count": 1},
            {"from": "SGB2", "to": "SGB3", "count": 1},
        ],
        # benefit changes in SUED: a (0), d (0), e (99): 2 of 3 seamless, unrounded; no exit
        "benefit": {"total": 3, "seamless": 2, "seamless_share": 2 / 3, "median_gap_days": 0.0,
                    "exits": 0},
    }
    assert [b["count"] for b in sued_gaps] == [2, 0, 0, 0, 1]
    # P3 (no case) is in neither district: 3 + 3 = 7 - 1 transitions, 2 + 3 = 6 - 1 changes.


def test_period_bounds_within_months(histories):
    # 16 Jan - 28 Feb: 1 (15 Jan) falls out; 2 (28 Feb), 3 (10 Feb), 6 (1 Feb) stay.
    result, _, _ = _run(histories, Filter(D(2025, 1, 16), D(2025, 2, 28), min_cell=0))
    assert result["total"] == 3
    assert result["monthly"] == _months(0, 3)
    # Sphere changes: a (1 Feb, gap 0) only; b (15 Jan) and f (10 Jan) are before the period.
    assert result["sphere_changes"]["total"] == 1
    assert result["sphere_changes"]["median_gap_days"] == 0.0


def test_suppression_just_below_and_at_k(histories):
    result, by_kind, gaps = _run(histories, Filter(FROM, TO, min_cell=3))
    # K = 3: counts 1 and 2 are hidden, 0 and >= 3 are shown.
    assert (result["total"], result["bleiberecht"], result["einbuergerungen"]) == (7, None, None)
    assert [flow["count"] for flow in result["flows"]] == [None] * 6  # five 1s and one 2
    assert len(result["flows"]) == 6  # a flow that occurred stays listed
    assert result["monthly"] == _months(None, 3, None)  # 2 is just below K, 3 is at K
    assert by_kind == [
        {"month": "2025-01", "bleiberecht": None, "einbuergerungen": 0},
        {"month": "2025-02", "bleiberecht": None, "einbuergerungen": None},
        {"month": "2025-03", "bleiberecht": 0, "einbuergerungen": 0},
    ]
    spheres = result["sphere_changes"]
    # total 6 shown; seamless 2 hidden, so the share (which would give it back) is hidden;
    # the median comes from all 6 changes and stays.
    assert (spheres["total"], spheres["seamless"], spheres["seamless_share"]) == (6, None, None)
    assert spheres["median_gap_days"] == 5.5
    # Flows ASYLBLG->SGB2 3 (a, c, f), SGB12->SGB8, SGB2->KEINE, SGB2->SGB3 1 each: the three
    # 1s are hidden, and 6 = 3 + x + y + z with x, y, z >= 1 would give each away as 1; so
    # secondary suppression hides the 3 as well (the only further flow). Then the four hidden
    # flows sum to 6, each 1 … 3: three values >= K - 1 = 2.
    assert [flow["count"] for flow in spheres["flows"]] == [None, None, None, None]
    assert [b["count"] for b in gaps] == [None, None, None, 0, None]

    # At K = 2 the two seamless changes are shown, and with them the share.
    spheres = _run(histories, Filter(FROM, TO, min_cell=2))[0]["sphere_changes"]
    assert (spheres["seamless"], spheres["seamless_share"]) == (2, 2 / 6)

    # NORD at K = 3: 2 changes -> total hidden, and with it share and median.
    nord = _run(histories, Filter(FROM, TO, district="NORD", min_cell=3))[0]
    assert nord["sphere_changes"]["total"] is None
    assert nord["sphere_changes"]["seamless"] == 0
    assert nord["sphere_changes"]["seamless_share"] is None
    assert nord["sphere_changes"]["median_gap_days"] is None
    # NORD's 3 transitions (events 1, 3, 7) are three flows of 1, each hidden; 3 = x + y + z
    # with x, y, z >= 1 gives each away, and no further flow is left to hide, so secondary
    # suppression hides the total although it is exactly K (a count at K is shown above: the
    # Kreis's February).
    assert nord["total"] is None
    assert nord["monthly"] == _months(None, None, 0)  # 2, 1, 0


def test_empty_period_lists_every_month(histories):
    result, by_kind, gaps = _run(histories, Filter(D(2023, 11, 1), D(2024, 1, 31), min_cell=5))
    assert result["total"] == 0 and result["flows"] == []
    assert result["monthly"] == [
        {"month": "2023-11", "count": 0},
        {"month": "2023-12", "count": 0},
        {"month": "2024-01", "count": 0},
    ]
    assert [row["month"] for row in by_kind] == ["2023-11", "2023-12", "2024-01"]
    assert result["sphere_changes"] == {
        "total": 0,
        "seamless": 0,
        "seamless_share": None,
        "median_gap_days": None,
        "flows": [],
        "benefit": {"total": 0, "seamless": 0, "seamless_share": None, "median_gap_days": None,
                    "exits": 0},
    }
    assert [b["bucket"] for b in gaps] == ["0", "1-7", "8-30", "31-90", ">90"]
    assert {b["count"] for b in gaps} == {0}


def test_open_previous_episode_is_read_as_seamless(engine):
    # Against the data rules, an open SGB2 episode is followed by a later one. It is read as
    # superseded the day before: gap 0, not a gap counted from a missing end date.
    _load(
        engine,
        cases=[],
        status=[],
        spheres=[
            ("P9", "SGB2", D(2024, 1, 1), None),
            ("P9", "KEINE", D(2025, 2, 15), None),
        ],
    )
    result, _, gaps = _run(engine, Filter(FROM, TO, min_cell=0))
    assert result["sphere_changes"]["total"] == 1
    assert result["sphere_changes"]["seamless"] == 1
    assert result["sphere_changes"]["median_gap_days"] == 0.0
    assert [b["count"] for b in gaps] == [1, 0, 0, 0, 0]
    # P9 has no case: nothing in a district.
    nord = _run(engine, Filter(FROM, TO, district="NORD", min_cell=0))[0]
    assert nord["sphere_changes"]["total"] == 0


def test_median_from_histogram():
    assert median_from_histogram([]) is None
    assert median_from_histogram([(3, 1)]) == 3.0
    # 0 0 4 7 30 99 -> (4 + 7) / 2
    assert median_from_histogram([(0, 2), (4, 1), (7, 1), (30, 1), (99, 1)]) == 5.5
    # 1 2 2 2 9 -> 2 (odd count); 1 1 1 8 -> (1 + 1) / 2 (both middles in one bucket)
    assert median_from_histogram([(1, 1), (2, 3), (9, 1)]) == 2.0
    assert median_from_histogram([(1, 3), (8, 1)]) == 1.0
    # 1 8 -> 4.5 (the middles in two buckets)
    assert median_from_histogram([(1, 1), (8, 1)]) == 4.5


# Benefit changes (KPIS.md sphere_changes.benefit) on their own fixture, by hand.
# Cases: Q1, Q2 in NORD (Coesfeld), Q3, Q4 in SUED (Dülmen), all opened 2023-01-01; Q5 none.
#   Q1 ASYLBLG to 2025-01-31, KEINE 02-01..02-28, SGB2 from 03-01: a change through a KEINE
#      gap, ASYLBLG -> SGB2 dated 2025-03-01, gap (1 Mar - 31 Jan) - 1 = 29 - 1 = 28 days
#      (the 28 days of February); its change into KEINE on 02-01 is followed by a return.
#   Q2 SGB2 to 2025-03-31, SGB3 from 04-01: seamless, SGB2 -> SGB3 dated 04-01, gap 0.
#   Q3 SGB2 to 2025-04-14, KEINE from 04-15, nothing later: an exit dated 04-15.
#   Q4 SGB3 to 2025-01-31, KEINE 02-01..05-31, SGB3 from 06-01: exit followed by a return to
#      the same sphere (SGB3 after SGB3 is no benefit change).
#   Q5 SGB8 to 2025-01-09, no row until KEINE 01-20..02-09, SGB2 from 02-10: SGB8 -> SGB2 dated
#      02-10, gap (10 Feb - 9 Jan) - 1 = 32 - 1 = 31, the missing days and KEINE together.
BENEFIT_CASES = [
    ("B1", "Q1", "05558012", D(2023, 1, 1)),
    ("B2", "Q2", "05558012", D(2023, 1, 1)),
    ("B3", "Q3", "05558016", D(2023, 1, 1)),
    ("B4", "Q4", "05558016", D(2023, 1, 1)),
]
BENEFIT_SPHERES = [
    ("Q1", "ASYLBLG", D(2024, 1, 1), D(2025, 1, 31)),
    ("Q1", "KEINE", D(2025, 2, 1), D(2025, 2, 28)),
    ("Q1", "SGB2", D(2025, 3, 1), None),
    ("Q2", "SGB2", D(2024, 6, 1), D(2025, 3, 31)),
    ("Q2", "SGB3", D(2025, 4, 1), None),
    ("Q3", "SGB2", D(2023, 1, 1), D(2025, 4, 14)),
    ("Q3", "KEINE", D(2025, 4, 15), None),
    ("Q4", "SGB3", D(2024, 1, 1), D(2025, 1, 31)),
    ("Q4", "KEINE", D(2025, 2, 1), D(2025, 5, 31)),
    ("Q4", "SGB3", D(2025, 6, 1), None),
    ("Q5", "SGB8", D(2024, 1, 1), D(2025, 1, 9)),
    ("Q5", "KEINE", D(2025, 1, 20), D(2025, 2, 9)),
    ("Q5", "SGB2", D(2025, 2, 10), None),
]


@pytest.fixture
def benefit_histories(engine):
    return _load(engine, BENEFIT_CASES, [], BENEFIT_SPHERES)


def _spheres(engine, f):
    with engine.connect() as conn:
        return transitions(conn, f)["sphere_changes"]


def test_benefit_changes_count_keine_as_gap(benefit_histories):
    spheres = _spheres(benefit_histories, Filter(D(2025, 1, 1), D(2025, 6, 30), min_cell=0))
    # Q1 (28), Q2 (0), Q5 (31): 3 changes, 1 seamless; gaps 0 28 31 -> median 28.
    # Exits up to 30 Jun: Q3 only (Q1 came back on 1 Mar, Q4 on 1 Jun, Q5 on 10 Feb).
    assert spheres["benefit"] == {"total": 3, "seamless": 1, "seamless_share": 1 / 3,
                                  "median_gap_days": 28.0, "exits": 1}
    # The plain Rechtskreiswechsel count every step into and out of KEINE: Q1 2 (gap 0, 0),
    # Q2 1 (0), Q3 1 (0), Q4 2 (0, 0), Q5 2 (SGB8 -> KEINE 20 Jan - 9 Jan - 1 = 10, then 0):
    # 8 changes of which 7 look seamless.
    assert (spheres["total"], spheres["seamless"]) == (8, 7)


def test_benefit_exits_depend_on_as_of(benefit_histories):
    # As of 31 May Q4 has not come back yet (1 Jun): exits Q3 and Q4; the changes stay 3.
    may = _spheres(benefit_histories, Filter(D(2025, 1, 1), D(2025, 5, 31), min_cell=0))
    assert may["benefit"]["exits"] == 2
    assert may["benefit"]["total"] == 3
    # February, as of 28 Feb: the change Q5 (10 Feb, gap 31); exits Q1 and Q4 (both into KEINE
    # on 1 Feb, back only on 1 Mar and 1 Jun); Q5's step into KEINE (20 Jan) is before.
    feb = _spheres(benefit_histories, Filter(D(2025, 2, 1), D(2025, 2, 28), min_cell=0))
    assert feb["benefit"] == {"total": 1, "seamless": 0, "seamless_share": 0.0,
                              "median_gap_days": 31.0, "exits": 2}


def test_benefit_changes_by_district_and_suppressed(benefit_histories):
    period = (D(2025, 1, 1), D(2025, 6, 30))
    nord = _spheres(benefit_histories, Filter(*period, district="NORD", min_cell=0))
    # NORD: Q1 (28), Q2 (0): median (0 + 28) / 2 = 14; no exit
    assert nord["benefit"] == {"total": 2, "seamless": 1, "seamless_share": 0.5,
                               "median_gap_days": 14.0, "exits": 0}
    sued = _spheres(benefit_histories, Filter(*period, district="SUED", min_cell=0))
    # SUED: no benefit change; exit Q3. Q5 has no case and counts only Kreis-wide.
    assert sued["benefit"] == {"total": 0, "seamless": 0, "seamless_share": None,
                               "median_gap_days": None, "exits": 1}
    # K = 2: total 3 shown, seamless 1 hidden and with it the share; the median comes from the
    # total and stays; the single exit is hidden.
    kreis = _spheres(benefit_histories, Filter(*period, min_cell=2))
    assert kreis["benefit"] == {"total": 3, "seamless": None, "seamless_share": None,
                                "median_gap_days": 28.0, "exits": None}
