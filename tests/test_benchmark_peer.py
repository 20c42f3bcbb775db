"""The benchmark's pandas peer computes exactly the numbers of queries/, on SQLite and PostgreSQL.

The benchmark's "speed-up over the usual pandas approach" is only meaningful when both compute
the same thing. A small demo (300 persons, fixed `until`) is compared figure by figure under
filters that exercise every branch: whole programme, one year, a period inside a month, every
district, K = 0 and K = 5, a past and a future budget year. A hand-built fixture pins the one
rule where a plausible pandas version goes wrong (attributing events to a district).

The Datenstand page (import runs, row counts, quality warnings) is compared with exact types
(int, not numpy.int64; datetime, not Timestamp; None, not NaN) on the demo and on the hand-made
fixture of tests/test_quality.py, where every check fires, with and without derived tables.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Date, insert, select

from benchmarks import peer
from queries import (
    budget,
    caseload,
    derived,
    meta,
    outcomes,
    quality,
    runs,
    schema,
    territory,
    transitions,
)
from queries.filters import Filter
from tests.conftest import make_demo_db
from tests.test_quality import AS_OF as QUALITY_AS_OF
from tests.test_quality import fixture_db  # noqa: F401 - pytest fixture

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
    outcomes.needs,
    outcomes.referrals,
    outcomes.referrals_by_district,
    outcomes.closures,
    outcomes.closures_by_district,
    outcomes.outcomes,
]


@pytest.fixture
def demo_url(db_url):
    return make_demo_db(db_url, persons=300, seed=7, until=UNTIL)


def _same(expected, got, f) -> bool:
    return got == expected if f.min_cell <= 1 else peer.agrees(expected, got)


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
                    assert _same(expected, got, f), (fn.__name__, f)
                    compared += 1
                if district is not None:
                    expected, got = _both(conn, caseload.caseload_by_staff, f, district)
                    assert _same(expected, got, f), ("caseload_by_staff", f)
                    ags = next(m["ags"] for m in meta.municipalities(conn, district))
                    expected, got = _both(conn, caseload.caseload_by_staff, f, district, ags)
                    assert _same(expected, got, f), ("caseload_by_staff", f, ags)
                    nonzero += any(r["active"] for r in expected)
                for grain in ("month", "quarter", "year"):
                    expected, got = _both(conn, outcomes.trend, f, grain)
                    assert _same(expected, got, f), ("trend", grain, f)
                nonzero += bool(outcomes.closures(conn, f)["total"])
                full = transitions.transitions(conn, f)
                nonzero += bool(full["total"]) + bool(full["sphere_changes"]["total"])
        for fn in (meta.districts, meta.municipalities, meta.data_as_of, meta.kreis_name,
                   runs.datenstand, territory.read):
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


# --- Datenstand: import runs, row counts, quality warnings ---------------------------------------

DATENSTAND = (meta.import_runs, meta.table_counts, quality.quality_warnings)
RUN_LIMITS = (0, 1, 5, 50)


def _assert_same(got, expected, where=()):
    """== and the same type at every level: == alone takes numpy.int64 for int, a Timestamp for a
    datetime and 1.0 for 1."""
    assert type(got) is type(expected), (where, type(got), type(expected))
    if isinstance(expected, dict):
        assert list(got) == list(expected), where
        for key in expected:
            _assert_same(got[key], expected[key], (*where, key))
    elif isinstance(expected, list):
        assert len(got) == len(expected), where
        for i, (a, b) in enumerate(zip(got, expected, strict=True)):
            _assert_same(a, b, (*where, i))
    else:
        assert got == expected, where


def _compare_datenstand(conn, days) -> dict[str, int]:
    """Compare the three Datenstand figures for every day and run limit; returns per quality key
    on how many days it found something."""
    frames = peer.read_tables(
        conn, [t for fn in DATENSTAND for t in peer.PEERS[fn][1]]
    )
    for limit in RUN_LIMITS:
        expected = meta.import_runs(conn, limit)
        _assert_same(peer.import_runs(frames, limit), expected, ("runs", limit))
    _assert_same(peer.table_counts(frames), meta.table_counts(conn), ("counts",))
    fired: dict[str, int] = {}
    for day in days:
        expected = quality.quality_warnings(conn, day)
        keys = [w["key"] for w in expected]
        fired = fired or dict.fromkeys(keys, 0)
        # the same six checks on every day (their order is test_quality's business)
        assert keys == list(fired) and len(keys) == 6
        _assert_same(peer.quality_warnings(frames, day), expected, ("quality", day))
        for w in expected:
            fired[w["key"]] += w["count"] > 0
    return fired


def test_peer_datenstand_on_demo(demo_url, monkeypatch):
    """Today of the demo, days in 2024 and 2023, the programme start; from the derived tables
    (fresh after `kim demo`) and from the raw definitions."""
    from queries import db

    days = [UNTIL, date(2025, 6, 29), date(2024, 2, 29), date(2023, 5, 15), date(2023, 12, 31),
            date(2020, 7, 1)]
    engine = db.reader_engine(demo_url)
    real_fresh = derived.fresh
    with engine.connect() as conn:
        assert real_fresh(conn)
        fired = _compare_datenstand(conn, days)
        # Some check lists more than MAX_EXAMPLES (the examples are cut, the count is not).
        assert any(w["count"] > quality.MAX_EXAMPLES
                   for day in days for w in quality.quality_warnings(conn, day))
        assert meta.table_counts(conn)["case_file"] > 0 and meta.import_runs(conn, 5)
        monkeypatch.setattr(derived, "fresh", lambda _conn: False)
        assert _compare_datenstand(conn, days) == fired
    engine.dispose()
    assert sum(n > 0 for n in fired.values()) >= 2, fired


def _data_days(conn) -> list[date]:
    """Every date of the fixture's tables and the days either side of it."""
    found = set()
    for table in (schema.case_file, schema.staff, schema.funded_position, schema.person,
                  schema.legal_status_episode, schema.legal_sphere_episode, schema.ledger_entry):
        for col in table.c:
            if isinstance(col.type, Date):
                found.update(v for v in conn.execute(select(col)).scalars() if v)
    return sorted({d + timedelta(days=k) for d in found for k in (-1, 0, 1)})


def test_peer_datenstand_by_hand(fixture_db):  # noqa: F811
    """tests/test_quality.py's fixture, where every check fires on its AS_OF, on every date of
    its data and the days next to them; first without any OK import (raw definitions), then after
    one (derived tables and their row counts), then after a later refused import (import_run is
    counted anew while the derived tables stay fresh)."""
    engine = fixture_db
    with engine.begin() as conn:
        conn.execute(insert(schema.import_run), [
            {"started_at": datetime(2025, 6, 1, 8, 0, 0, 123456), "finished_at": None,
             "source": "upload", "outcome": "REFUSED", "files": {}, "message": None},
            {"started_at": datetime(2025, 6, 2, 8, 0), "finished_at": datetime(2025, 6, 2, 8, 5),
             "source": "upload", "outcome": "REFUSED",
             "files": {"case_file": {"rows": 3, "errors": ["Zeile 2: Datum"]}},
             "message": "case_file.csv: Zeile 2 ungültig"},
            *({"started_at": datetime(2025, 6, 3, 9, i), "finished_at": datetime(2025, 6, 3, 9, i),
               "source": f"sftp/{i}", "outcome": "REFUSED", "files": {"n": i}, "message": "leer"}
              for i in range(5)),
        ])
    with engine.connect() as conn:
        assert not derived.fresh(conn)
        days = _data_days(conn)
        assert QUALITY_AS_OF in days
        fired_raw = _compare_datenstand(conn, days)
        at_as_of = quality.quality_warnings(conn, QUALITY_AS_OF)
    assert all(w["count"] for w in at_as_of), "every check fires on the fixture's AS_OF"
    assert all(fired_raw.values()), fired_raw

    with engine.begin() as conn:
        runs.record_run(conn, started_at=datetime(2025, 6, 30, 7, 0), source="test",
                        outcome="OK", files={"case_file": {"rows": 15}})
    with engine.connect() as conn:
        assert derived.fresh(conn)
        assert _compare_datenstand(conn, days) == fired_raw
    with engine.begin() as conn:
        runs.record_run(conn, started_at=datetime(2025, 7, 1, 7, 0), source="test",
                        outcome="REFUSED", files={}, message="abgelehnt")
    with engine.connect() as conn:
        assert derived.fresh(conn)
        assert _compare_datenstand(conn, days) == fired_raw
        assert meta.table_counts(conn)["import_run"] == 9
        assert len(meta.import_runs(conn, 5)) == 5


def test_peer_datenstand_on_an_empty_database(engine):
    with engine.connect() as conn:
        fired = _compare_datenstand(conn, [QUALITY_AS_OF, date(2020, 7, 1)])
        assert meta.import_runs(conn, 50) == []
    assert not any(fired.values())


def test_peer_territory_and_datenstand_by_hand(engine):
    """A city's territory row (started 2021-03-01) is read as it stands; without a row the
    Kreis comes from the municipalities (05558… = Coesfeld). The Datenstand is the last OK
    run's exported_on (2024-05-31), else the day it finished (2024-06-02 10:00)."""
    with engine.begin() as conn:
        conn.execute(insert(schema.district), [{"id": "NORD", "name": "Nord"}])
        conn.execute(insert(schema.municipality), [
            {"ags": "05558004", "name": "A", "district_id": "NORD", "population": 1000}])
        conn.execute(insert(schema.import_run), [
            {"started_at": datetime(2024, 6, 1, 9), "finished_at": datetime(2024, 6, 1, 10),
             "source": "a", "outcome": "OK", "files": {}, "exported_on": date(2024, 5, 31)},
            {"started_at": datetime(2024, 6, 3, 9), "finished_at": datetime(2024, 6, 3, 10),
             "source": "b", "outcome": "REFUSED", "files": {}, "exported_on": None},
        ])
    with engine.connect() as conn:
        for fn in (territory.read, runs.datenstand):
            expected, got = _both(conn, fn)
            assert got == expected, fn.__name__
        assert expected == date(2024, 5, 31)
        assert got_kreis(conn) == territory.Territory(name="Kreis Coesfeld")
    with engine.begin() as conn:
        conn.execute(insert(schema.territory), [
            {"ags": "05913000", "name": "Stadt Dortmund", "kind": "KREISFREIE_STADT",
             "started_on": date(2021, 3, 1)}])
        conn.execute(insert(schema.import_run), [
            {"started_at": datetime(2024, 6, 2, 9), "finished_at": datetime(2024, 6, 2, 10),
             "source": "c", "outcome": "OK", "files": {}, "exported_on": None}])
    with engine.connect() as conn:
        for fn in (territory.read, runs.datenstand):
            expected, got = _both(conn, fn)
            assert got == expected, fn.__name__
        assert expected == date(2024, 6, 2)
        assert got_kreis(conn) == territory.Territory(
            name="Stadt Dortmund", kind="KREISFREIE_STADT", started_on=date(2021, 3, 1),
            ags="05913000", from_row=True)


def got_kreis(conn):
    """The peer's territory, after checking it equals queries/territory.read."""
    expected, got = _both(conn, territory.read)
    assert got == expected
    return got
