"""The benchmark's pandas peer computes exactly the numbers of queries/, on SQLite and PostgreSQL.

The benchmark's "speed-up over the usual pandas approach" is only meaningful when both compute
the same thing. A small demo (300 persons, fixed `until`) is compared figure by figure under
filters that exercise every branch: whole programme, one year, a period inside a month, every
district, K = 0 and K = 5, a past and a future budget year. A hand-built fixture pins the one
rule where a plausible pandas version goes wrong (attributing events to a district).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert

from benchmarks import peer
from queries import budget, caseload, meta, schema, transitions
from queries.filters import Filter

UNTIL = date(2025, 6, 30)

FILTERS = [
    Filter(date(2020, 7, 1), UNTIL, min_cell=0),
    Filter(date(2020, 7, 1), UNTIL, min_cell=5),
    Filter(date(2024, 1, 1), date(2024, 12, 31), min_cell=5),
    Filter(date(2024, 3, 5), date(2024, 3, 20), min_cell=0),
    Filter(date(2023, 7, 1), date(2024, 6, 30), min_cell=0, year=2023),
    Filter(date(2025, 1, 1), UNTIL, min_cell=0, year=2026),
]

FIGURES = [
    caseload.caseload,
    caseload.opened_closed_monthly,
    budget.budget,
    transitions.transitions,
    transitions.transitions_monthly_by_kind,
    transitions.sphere_changes,
    transitions.sphere_gap_distribution,
]


@pytest.fixture
def demo_url(db_url):
    from queries import db, demo

    engine = db.writer_engine(db_url)
    demo.generate(engine, persons=300, seed=7, until=UNTIL)
    engine.dispose()
    return db_url


def _both(conn, fn, *args):
    expected = fn(conn, *args)
    frames = peer.read_tables(conn, peer.PEERS[fn][1])
    return expected, peer.PEERS[fn][0](frames, *args)


def test_peer_equals_queries_on_demo(demo_url):
    from queries import db

    engine = db.reader_engine(demo_url)
    with engine.connect() as conn:
        district_ids = [d["id"] for d in meta.districts(conn)]
        assert len(district_ids) >= 2
        compared = 0
        nonzero = 0
        for base in FILTERS:
            for district in (None, *district_ids):
                f = base.with_district(district)
                for fn in FIGURES:
                    expected, got = _both(conn, fn, f)
                    assert got == expected, (fn.__name__, f)
                    compared += 1
                if district is not None:
                    expected, got = _both(conn, caseload.caseload_by_staff, f, district)
                    assert got == expected, ("caseload_by_staff", f)
                    ags = next(m["ags"] for m in meta.municipalities(conn, district))
                    expected, got = _both(conn, caseload.caseload_by_staff, f, district, ags)
                    assert got == expected, ("caseload_by_staff", f, ags)
                    nonzero += any(r["active"] for r in expected)
                full = transitions.transitions(conn, f)
                nonzero += bool(full["total"]) + bool(full["sphere_changes"]["total"])
        for fn in (meta.districts, meta.municipalities, meta.data_as_of, meta.kreis_name):
            expected, got = _both(conn, fn)
            assert got == expected, fn.__name__
        expected, got = _both(conn, meta.municipalities, district_ids[0])
        assert got == expected and expected, "municipalities of one district"
    engine.dispose()
    # The comparison must have seen real data, not a row of empty results.
    assert compared == len(FILTERS) * (1 + len(district_ids)) * len(FIGURES)
    assert nonzero > 10


def test_peer_attribution_by_hand(engine):
    """Person P has cases c2 (NORD, opened 2024-01-10), c1 and c0 (both opened 2024-03-01:
    the smaller id c0 counts as the later one, c0 in SUED, c1 in NORD). Person Q has only
    case q1 (SUED, opened 2024-06-01). Person R has no case.
    Status transitions (A -> B means a change of status code):
      P 2024-02-01 GESTATTUNG -> AE_SCHUTZ: latest case on that day is c2       -> NORD
      P 2024-03-01 AE_SCHUTZ -> AE_25B:     same day as c0/c1; c0 is the later  -> SUED
      Q 2024-04-01 DULDUNG -> AE_25A:       before q1 opened: earliest case q1   -> SUED
      R 2024-05-01 DULDUNG -> NE:           no case: only in the Kreis total
    So for 2024: NORD 1 transition, SUED 2 (both Bleiberecht), Kreis 4 (2 Bleiberecht).
    """
    with engine.begin() as conn:
        conn.execute(insert(schema.district), [{"id": "NORD", "name": "Nord"},
                                               {"id": "SUED", "name": "Süd"}])
        conn.execute(insert(schema.municipality), [
            {"ags": "05558004", "name": "A", "district_id": "NORD", "population": 1000},
            {"ags": "05558008", "name": "B", "district_id": "SUED", "population": 1000},
        ])
        conn.execute(insert(schema.person), [
            {"id": p, "birth_year": 1990, "sex": "x", "citizenship": "XXX", "arrival_date": None}
            for p in ("P", "Q", "R")
        ])
        conn.execute(insert(schema.case_file), [
            {"id": cid, "person_id": pid, "municipality_ags": ags, "staff_id": None,
             "opened_on": opened, "closed_on": None, "close_reason": None}
            for cid, pid, ags, opened in (
                ("c2", "P", "05558004", date(2024, 1, 10)),
                ("c1", "P", "05558004", date(2024, 3, 1)),
                ("c0", "P", "05558008", date(2024, 3, 1)),
                ("q1", "Q", "05558008", date(2024, 6, 1)),
            )
        ])
        conn.execute(insert(schema.legal_status_episode), [
            {"person_id": pid, "status": s, "valid_from": d, "valid_to": None}
            for pid, s, d in (
                ("P", "GESTATTUNG", date(2023, 1, 1)), ("P", "AE_SCHUTZ", date(2024, 2, 1)),
                ("P", "AE_25B", date(2024, 3, 1)), ("Q", "DULDUNG", date(2023, 1, 1)),
                ("Q", "AE_25A", date(2024, 4, 1)), ("R", "DULDUNG", date(2023, 1, 1)),
                ("R", "NE", date(2024, 5, 1)),
            )
        ])
    base = Filter(date(2024, 1, 1), date(2024, 12, 31), min_cell=0)
    with engine.connect() as conn:
        frames = peer.read_tables(conn, peer.PEERS[transitions.transitions][1])
        expected = {None: (4, 2), "NORD": (1, 0), "SUED": (2, 2)}
        for district, (total, bleiberecht) in expected.items():
            f = base.with_district(district)
            got = peer.transitions(frames, f)
            assert (got["total"], got["bleiberecht"]) == (total, bleiberecht), district
            assert got == transitions.transitions(conn, f)
