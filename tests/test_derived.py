"""Derived tables (queries/derived.py) give exactly the numbers of the raw definitions.

Every figure function that reads a derived table is run twice on the same data: once reading the
derived tables (they are fresh after an OK import_run) and once with `derived.fresh` forced to
False, which computes the raw definitions from the data tables (the implementation the hand-worked
tests in test_caseload/test_transitions/test_quality check). Data: the hand-made fixtures of those
tests (same-day episodes, open previous episodes, events before the first case, same-day case
ties, persons without a case, cases closed on a month's end) with periods starting and ending on
every date the data names and the day before/after it, and demo data of two seeds. Also: when the
derived tables are used, and that a database without them still works. SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from queries import (
    caseload,
    db,
    demo,
    derived,
    importer,
    meta,
    outcomes,
    quality,
    runs,
    schema,
    transitions,
)
from queries.filters import Filter
from tests.test_caseload import fixture_engine  # noqa: F401 - pytest fixture
from tests.test_outcomes import load as load_outcomes
from tests.test_quality import fixture_db  # noqa: F401 - pytest fixture
from tests.test_transitions import benefit_histories, histories  # noqa: F401 - pytest fixture

D = date


def _record_ok_run(engine) -> int:
    with engine.begin() as conn:
        return runs.record_run(conn, started_at=runs.now(), source="test", outcome="OK", files={})


def _figures(conn, f: Filter, districts: list[str]) -> dict:
    return {
        "caseload": caseload.caseload(conn, f),
        "opened_closed": caseload.opened_closed_monthly(conn, f),
        "by_staff": [caseload.caseload_by_staff(conn, f, d) for d in districts],
        "transitions": transitions.transitions(conn, f),
        "by_kind": transitions.transitions_monthly_by_kind(conn, f),
        "gaps": transitions.sphere_gap_distribution(conn, f),
        "quality": quality.quality_warnings(conn, f.as_of),
        "counts": meta.table_counts(conn),
        "outcomes": outcomes.outcomes(conn, f),
        "referrals_by_district": outcomes.referrals_by_district(conn, f),
        "outcome_trend": outcomes.trend(conn, f, "month"),
    }


def _assert_derived_equals_raw(engine, monkeypatch, filters) -> int:
    """Compare every figure for every filter; returns how many comparisons were made."""
    real_fresh = derived.fresh
    with engine.connect() as conn:
        assert real_fresh(conn), "the derived tables should be fresh after an OK run"
        districts = [d["id"] for d in meta.districts(conn)]
        n = 0
        for f in filters:
            fast = _figures(conn, f, districts)
            monkeypatch.setattr(derived, "fresh", lambda _conn: False)
            raw = _figures(conn, f, districts)
            monkeypatch.setattr(derived, "fresh", real_fresh)
            for key in fast:
                assert fast[key] == raw[key], (key, f)
                n += 1
    return n


def _data_dates(engine) -> list[date]:
    """Every date in the case and episode tables."""
    found = set()
    with engine.connect() as conn:
        for table, cols in (
            (schema.case_file, ("opened_on", "closed_on")),
            (schema.case_need, ("identified_on", "resolved_on")),
            (schema.referral, ("referred_on",)),
            (schema.legal_status_episode, ("valid_from", "valid_to")),
            (schema.legal_sphere_episode, ("valid_from", "valid_to")),
        ):
            for col in cols:
                found.update(v for v in conn.execute(select(table.c[col])).scalars() if v)
    return sorted(found)


def _boundary_filters(engine, limit: int = 40) -> list[Filter]:
    """Periods from and to the data's dates and the days next to them, all districts and each."""
    days = sorted({d + timedelta(days=k) for d in _data_dates(engine) for k in (-1, 0, 1)})
    with engine.connect() as conn:
        districts = [None, *(d["id"] for d in meta.districts(conn))]
    pairs = [(a, b) for a, b in itertools.combinations(days, 2)]
    # Spread over all pairs, deterministically, plus one-day periods.
    step = max(1, len(pairs) // limit)
    chosen = pairs[::step][:limit] + [(d, d) for d in days[:: max(1, len(days) // 8)]]
    return [
        Filter(a, b, district, min_cell=k)
        for i, (a, b) in enumerate(chosen)
        for district in districts
        for k in ((0, 3) if i % 4 == 0 else (0,))
    ]


def test_transitions_fixture(histories, monkeypatch):  # noqa: F811
    _record_ok_run(histories)
    assert _assert_derived_equals_raw(histories, monkeypatch, _boundary_filters(histories)) > 100


def test_benefit_fixture(benefit_histories, monkeypatch):  # noqa: F811
    _record_ok_run(benefit_histories)
    filters = _boundary_filters(benefit_histories)
    assert _assert_derived_equals_raw(benefit_histories, monkeypatch, filters) > 100


def test_caseload_fixture(fixture_engine, monkeypatch):  # noqa: F811
    _record_ok_run(fixture_engine)
    filters = _boundary_filters(fixture_engine)
    assert _assert_derived_equals_raw(fixture_engine, monkeypatch, filters) > 100


def test_outcomes_fixture(engine, monkeypatch):
    load_outcomes(engine)
    _record_ok_run(engine)
    assert _assert_derived_equals_raw(engine, monkeypatch, _boundary_filters(engine)) > 100


def test_quality_fixture(fixture_db, monkeypatch):  # noqa: F811
    _record_ok_run(fixture_db)
    filters = _boundary_filters(fixture_db)
    assert _assert_derived_equals_raw(fixture_db, monkeypatch, filters) > 100
    # The stale-episode rule is about the day one year before as_of: every day of a year.
    with fixture_db.connect() as conn:
        real_fresh = derived.fresh
        start = min(_data_dates(fixture_db))
        for k in range(0, 800, 3):
            day = start + timedelta(days=k)
            fast = quality.stale_open_episodes(conn, day), quality.transitions_before_arrival(
                conn, day
            )
            monkeypatch.setattr(derived, "fresh", lambda _conn: False)
            raw = quality.stale_open_episodes(conn, day), quality.transitions_before_arrival(
                conn, day
            )
            monkeypatch.setattr(derived, "fresh", real_fresh)
            assert fast == raw, day


@pytest.mark.parametrize("seed", [3, 11])
def test_demo_data(engine, monkeypatch, seed):
    until = D(2025, 6, 30)
    demo.generate(engine, persons=400, seed=seed, until=until)
    with engine.connect() as conn:
        districts = [None, *(d["id"] for d in meta.districts(conn))]
        assert sum(meta.table_counts(conn).values()) > 1000
    periods = [
        (D(2020, 1, 1), until), (D(2024, 1, 1), D(2024, 12, 31)), (D(2025, 1, 1), until),
        (D(2023, 2, 15), D(2023, 3, 14)), (D(2022, 12, 31), D(2023, 1, 1)),
        (D(2024, 2, 29), D(2024, 2, 29)), (D(2021, 7, 1), D(2022, 6, 30)),
    ]
    filters = [Filter(a, b, d, min_cell=k) for a, b in periods for d in districts for k in (0, 5)]
    _assert_derived_equals_raw(engine, monkeypatch, filters)
    # And the figures are not trivially empty: the comparison compared something.
    with engine.connect() as conn:
        t = transitions.transitions(conn, Filter(D(2020, 1, 1), until, min_cell=0))
        assert t["total"] > 50 and t["sphere_changes"]["total"] > 20


def test_fresh_only_for_the_latest_ok_run(fixture_engine):  # noqa: F811
    engine = fixture_engine
    with engine.connect() as conn:
        assert not derived.fresh(conn)  # data but no import_run: raw definitions
    run_id = _record_ok_run(engine)
    with engine.connect() as conn:
        assert derived.fresh(conn)
        state = conn.execute(select(schema.derived_state.c.import_run_id)).scalar_one()
        assert state == run_id
    with engine.begin() as conn:  # a refused import changes no data
        runs.record_run(conn, started_at=runs.now(), source="x", outcome="REFUSED", files={},
                        message="kaputt")
    with engine.connect() as conn:
        assert derived.fresh(conn)
    with engine.begin() as conn:  # an OK run recorded by something that does not derive
        conn.execute(insert(schema.import_run).values(
            started_at=datetime(2025, 1, 1), finished_at=datetime(2025, 1, 1), source="alt",
            outcome="OK", files={},
        ))
    with engine.connect() as conn:
        assert not derived.fresh(conn)
    db.init_db(engine)  # `kim init` rebuilds them
    with engine.connect() as conn:
        assert derived.fresh(conn)


def test_a_database_without_derived_tables_still_works(fixture_engine, monkeypatch):  # noqa: F811
    engine = fixture_engine
    _record_ok_run(engine)
    f = Filter(D(2024, 11, 1), D(2025, 6, 15), min_cell=0)
    with engine.connect() as conn:
        expected = _figures(conn, f, ["NORD"])
    # As made by a version before the derived tables existed.
    schema.metadata.drop_all(engine, tables=[*schema.DERIVED_TABLES, schema.derived_state])
    reader = db.reader_engine(engine.url.render_as_string(hide_password=False))
    try:
        with reader.connect() as conn:
            assert not derived.fresh(conn)
            assert _figures(conn, f, ["NORD"]) == expected
    finally:
        reader.dispose()
    db.init_db(engine)
    with engine.connect() as conn:
        assert derived.fresh(conn)
        assert _figures(conn, f, ["NORD"]) == expected


def test_import_rebuilds_and_export_leaves_them_out(engine, tmp_path, monkeypatch):
    demo.generate(engine, persons=60, seed=5, until=D(2024, 12, 31))
    tmp_path = tmp_path / "export"
    counts = importer.export_folder(engine, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{t.name}.csv" for t in schema.DATA_TABLES
    )
    assert set(counts) == {t.name for t in schema.DATA_TABLES}
    with engine.begin() as conn:  # make them stale: the import must rebuild them
        conn.execute(schema.case_day.delete())
    result = importer.import_folder(engine, tmp_path)
    assert result.ok, result.problems
    with engine.connect() as conn:
        state = conn.execute(select(schema.derived_state.c.import_run_id)).scalar_one()
        assert state == result.run_id
        assert conn.execute(select(schema.case_day.c.day).limit(1)).first() is not None
    _assert_derived_equals_raw(
        engine, monkeypatch,
        [Filter(D(2024, 1, 1), D(2024, 12, 31), min_cell=0),
         Filter(D(2020, 3, 1), D(2024, 6, 30), "NORD", min_cell=0)],
    )


# --- random histories (hypothesis) ---------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from sqlalchemy import delete  # noqa: E402

BASE = D(2025, 1, 1)
_day = st.integers(min_value=0, max_value=40).map(lambda k: BASE + timedelta(days=k))


@st.composite
def _episodes(draw, codes):
    """Consecutive episodes of one person: distinct starts; ends may touch, leave gaps, overlap
    the next one or stay open (the raw definition reads those defensively)."""
    starts = sorted(draw(st.sets(st.integers(0, 40), max_size=4)))
    rows = []
    for i, s in enumerate(starts):
        start = BASE + timedelta(days=s)
        nxt = starts[i + 1] if i + 1 < len(starts) else None
        choice = draw(st.sampled_from(["touch", "gap", "open", "same_day", "overlap"]))
        if choice == "open":
            end = None
        elif choice == "same_day":
            end = start
        elif nxt is None or choice == "gap":
            end = start + timedelta(days=draw(st.integers(0, 40)))
        elif choice == "touch":
            end = BASE + timedelta(days=max(s, nxt - 1))
        else:
            end = BASE + timedelta(days=nxt + 2)
        rows.append((draw(st.sampled_from(codes)), start, end))
    return rows


@st.composite
def _histories(draw):
    persons = []
    for p in range(draw(st.integers(1, 6))):
        cases = []
        for _ in range(draw(st.integers(0, 3))):
            opened = draw(_day)
            closed = draw(st.one_of(st.none(), st.integers(0, 60).map(
                lambda k, o=opened: o + timedelta(days=k))))
            cases.append((draw(st.sampled_from(["05558012", "05558016", "05558020"])),
                          draw(st.sampled_from([None, "S1", "S2"])), opened, closed))
        persons.append({
            "id": f"P{p}",
            "arrival": draw(st.one_of(st.none(), _day)),
            "cases": cases,
            "status": draw(_episodes(["DULDUNG", "AE_25A", "DEUTSCH"])),
            "sphere": draw(_episodes(["SGB2", "SGB12", "KEINE"])),
        })
    return persons


def _load_random(engine, persons) -> None:
    with engine.begin() as conn:
        for table in reversed(schema.DATA_TABLES):
            conn.execute(delete(table))
        conn.execute(insert(schema.district), [{"id": "NORD", "name": "Nord"},
                                               {"id": "SUED", "name": "Süd"}])
        conn.execute(insert(schema.municipality), [
            {"ags": "05558012", "name": "A", "district_id": "NORD", "population": 10},
            {"ags": "05558016", "name": "B", "district_id": "SUED", "population": 10},
            {"ags": "05558020", "name": "C", "district_id": "SUED", "population": 10},
        ])
        conn.execute(insert(schema.funded_position), [{
            "id": "CM", "module": "II", "role": "CASE_MANAGEMENT", "fte_approved": 2.0,
            "approved_from": D(2020, 1, 1), "approved_to": None,
        }])
        conn.execute(insert(schema.staff), [
            {"id": "S1", "position_id": "CM", "district_id": "NORD", "fte": 1.0,
             "active_from": D(2020, 1, 1), "active_to": D(2025, 2, 15)},
            {"id": "S2", "position_id": "CM", "district_id": "SUED", "fte": 0.5,
             "active_from": D(2025, 3, 1), "active_to": None},
        ])
        conn.execute(insert(schema.person), [
            {"id": p["id"], "birth_year": 1990, "sex": "x", "citizenship": "XXX",
             "arrival_date": p["arrival"]} for p in persons
        ])
        cases = [
            {"id": f"{p['id']}-{'AbB'[i]}", "person_id": p["id"], "municipality_ags": ags,
             "staff_id": staff, "opened_on": opened, "closed_on": closed}
            for p in persons for i, (ags, staff, opened, closed) in enumerate(p["cases"])
        ]
        if cases:
            conn.execute(insert(schema.case_file), cases)
        for table, column, key in ((schema.legal_status_episode, "status", "status"),
                                   (schema.legal_sphere_episode, "sphere", "sphere")):
            rows = [{"person_id": p["id"], column: code, "valid_from": a, "valid_to": b}
                    for p in persons for code, a, b in p[key]]
            if rows:
                conn.execute(insert(table), rows)
        runs.record_run(conn, started_at=runs.now(), source="test", outcome="OK", files={})


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(persons=_histories(), bounds=st.tuples(st.integers(-5, 50), st.integers(0, 80)))
def test_random_histories(engine, monkeypatch, persons, bounds):
    _load_random(engine, persons)
    start = BASE + timedelta(days=bounds[0])
    end = start + timedelta(days=bounds[1])
    filters = [Filter(start, end, district, min_cell=0) for district in (None, "NORD", "SUED")]
    filters.append(Filter(start, end, None, min_cell=2))
    _assert_derived_equals_raw(engine, monkeypatch, filters)
