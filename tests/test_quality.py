"""Data-quality warnings (queries/quality.py) on a hand-made fixture, on SQLite and PostgreSQL.

Reference day AS_OF = 2025-06-30 throughout. Derived dates, worked out by hand:
- one year earlier (stale-episode cutoff): 2024-06-30; a case must have closed before it.
- vacancy window: 183 days up to AS_OF, i.e. 2024-12-30 … 2025-06-30
  (30 June is day 181 of 2025; 181 - 182 = -1 → 30 December 2024).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert

from queries import quality, schema

AS_OF = date(2025, 6, 30)
D = date.fromisoformat


def _rows(conn, table, rows):
    if rows:
        conn.execute(insert(table), rows)


def _person(pid, arrival=None):
    return {
        "id": pid, "birth_year": 1990, "sex": "x", "citizenship": "SYR", "arrival_date": arrival
    }


def _case(cid, person, staff, opened, closed=None):
    return {
        "id": cid,
        "person_id": person,
        "municipality_ags": "05558012",
        "staff_id": staff,
        "opened_on": D(opened),
        "closed_on": D(closed) if closed else None,
        "close_reason": "ZIEL" if closed else None,
    }


def _position(pid, module, role, approved_from, approved_to=None):
    return {
        "id": pid,
        "module": module,
        "role": role,
        "fte_approved": 1.0,
        "approved_from": D(approved_from),
        "approved_to": D(approved_to) if approved_to else None,
    }


def _staff(sid, position, active_from, active_to=None):
    return {
        "id": sid,
        "position_id": position,
        "district_id": "NORD",
        "fte": 1.0,
        "active_from": D(active_from),
        "active_to": D(active_to) if active_to else None,
    }


def _episode(person, code, valid_from, valid_to=None, column="status"):
    return {
        "person_id": person,
        column: code,
        "valid_from": D(valid_from),
        "valid_to": D(valid_to) if valid_to else None,
    }


def _booking(bid, year, module, kind, booked_on, category="PERSONAL"):
    return {
        "id": bid,
        "booked_on": D(booked_on),
        "year": year,
        "module": module,
        "category": category,
        "kind": kind,
        "amount_cents": 100_00,
        "text": None,
    }


@pytest.fixture
def fixture_db(engine):
    with engine.begin() as conn:
        _rows(conn, schema.district, [{"id": "NORD", "name": "Nord"}])
        _rows(
            conn,
            schema.municipality,
            [{"ags": "05558012", "name": "Coesfeld", "district_id": "NORD", "population": 36000}],
        )
        _rows(
            conn,
            schema.funded_position,
            [
                _position("P_CM1", "II", "CASE_MANAGEMENT", "2024-01-01"),  # S1 throughout
                _position("P_CM2", "II", "CASE_MANAGEMENT", "2024-01-01"),  # S2 until 31.12.
                _position("P_CM3", "II", "CASE_MANAGEMENT", "2024-01-01"),  # S3 until 29.12.
                _position("P_ABH", "III", "ABH", "2024-12-30"),  # approved on window start
                _position("P_EBB", "III", "EBB", "2024-12-31"),  # approved one day too late
                _position("P_OLD", "I", "VERWALTUNG", "2020-01-01", "2025-06-29"),  # expired
                _position("P_KO", "I", "KOORDINATION", "2024-01-01"),  # S4 starts after AS_OF
            ],
        )
        _rows(
            conn,
            schema.staff,
            [
                _staff("S1", "P_CM1", "2024-01-01"),
                _staff("S2", "P_CM2", "2024-01-01", "2024-12-31"),
                _staff("S3", "P_CM3", "2024-01-01", "2024-12-29"),
                _staff("S4", "P_KO", "2025-07-01"),
            ],
        )
        _rows(
            conn,
            schema.person,
            [
                _person("PA", D("2024-05-01")),
                _person("PB", D("2024-05-01")),
                _person("PC", D("2024-05-01")),
                _person("PD", None),
                _person("PE", D("2025-08-01")),
                _person("PF", D("2025-09-01")),
                _person("PG"),
                _person("PH"),
                _person("PI"),
                _person("PJ"),
                _person("PK"),
                _person("PL"),
                _person("PM"),
            ],
        )
        _rows(
            conn,
            schema.case_file,
            [
                _case("C1", "PA", None, "2025-01-10"),  # open, no CM -> warning
                _case("C2", "PB", None, "2025-07-01"),  # opened after AS_OF
                _case("C3", "PC", None, "2024-01-01", "2025-06-30"),  # closed on AS_OF
                _case("C4", "PD", None, "2024-01-01", "2025-07-01"),  # still active -> warning
                _case("C5", "PE", "S1", "2025-01-01"),
                _case("C6", "PF", "S2", "2024-02-01"),  # S2 left -> inactive CM
                _case("C7", "PG", "S4", "2025-06-01"),  # S4 not started -> inactive CM
                _case("C8", "PH", "S2", "2024-02-01", "2024-11-30"),  # closed: S2 irrelevant
                _case("C9", "PI", "S1", "2023-01-01", "2024-06-29"),
                _case("C10", "PJ", "S1", "2023-01-01", "2024-06-30"),
                _case("C11", "PK", "S1", "2022-01-01", "2023-05-01"),
                _case("C12", "PL", "S1", "2022-01-01", "2023-01-31"),
                _case("C13", "PL", "S1", "2025-08-01"),  # after AS_OF: ignored
                _case("C14", "PM", "S1", "2022-01-01", "2023-03-31"),
                _case("C15", "PM", "S1", "2025-01-01"),  # PM is back in case management
            ],
        )
        _rows(
            conn,
            schema.legal_status_episode,
            [
                # PA: first episode before arrival, transition after it -> fine
                _episode("PA", "GESTATTUNG", "2024-03-01", "2024-08-31"),
                _episode("PA", "DULDUNG", "2024-09-01"),
                # PB: transition on 2024-03-01, arrival 2024-05-01 -> warning
                _episode("PB", "GESTATTUNG", "2024-01-01", "2024-02-29"),
                _episode("PB", "AE_SCHUTZ", "2024-03-01", "2024-12-31"),
                # PC: a renewal before arrival is no transition
                _episode("PC", "DULDUNG", "2023-01-01", "2023-12-31"),
                _episode("PC", "DULDUNG", "2024-01-01", "2024-12-31"),
                # PD: no arrival date, nothing to compare
                _episode("PD", "GESTATTUNG", "2020-01-01", "2020-12-31"),
                _episode("PD", "DULDUNG", "2021-01-01", "2021-12-31"),
                # PE: transition 2025-04-01 <= AS_OF, arrival 2025-08-01 -> warning
                _episode("PE", "GESTATTUNG", "2025-01-01", "2025-03-31"),
                _episode("PE", "AE_24", "2025-04-01", "2025-12-31"),
                # PF: transition 2025-08-01 is after AS_OF
                _episode("PF", "GESTATTUNG", "2025-06-01", "2025-07-31"),
                _episode("PF", "DULDUNG", "2025-08-01", "2025-12-31"),
                # PH: open, but the case closed less than a year ago
                _episode("PH", "DULDUNG", "2023-01-01"),
                # PJ: open, case closed exactly one year before AS_OF
                _episode("PJ", "NE", "2023-01-01"),
                # PK: closed episode
                _episode("PK", "NE", "2022-01-01", "2023-05-01"),
                # PL: open status episode, last case (on AS_OF) closed 2023-01-31 -> warning
                _episode("PL", "AE_SCHUTZ", "2022-01-01"),
                # PM: open, but PM has an active case
                _episode("PM", "NE", "2022-01-01"),
            ],
        )
        _rows(
            conn,
            schema.legal_sphere_episode,
            [
                # PI: open sphere episode, case closed 2024-06-29 -> warning
                _episode("PI", "SGB2", "2023-01-01", column="sphere"),
                _episode("PK", "SGB2", "2022-01-01", "2023-05-01", column="sphere"),
            ],
        )
        _rows(
            conn,
            schema.budget_allocation,
            [
                {"year": 2025, "module": "II", "category": "PERSONAL", "source": "LAND",
                 "amount_cents": 330_000_00},
                {"year": 2025, "module": "I", "category": "SACH", "source": "EIGENANTEIL",
                 "amount_cents": 9_700_00},
            ],
        )
        _rows(
            conn,
            schema.ledger_entry,
            [
                _booking("L1", 2025, "II", "AUSGABE", "2025-02-01"),  # allocated
                _booking("L2", 2025, "III", "AUSGABE", "2025-03-01"),  # no 2025/III -> warning
                _booking("L3", 2024, "II", "AUSGABE", "2024-05-01"),  # no 2024 at all -> warning
                _booking("L4", 2025, "III", "EINNAHME", "2025-07-15"),  # after AS_OF
                _booking("L5", 2025, "I", "AUSGABE", "2025-04-01", category="MASSNAHME"),
                _booking("L6", 2025, "III", "EINNAHME", "2025-06-30"),  # on AS_OF -> warning
            ],
        )
    return engine


def _by_key(warnings):
    return {w["key"]: w for w in warnings}


def test_each_warning_counts_what_its_definition_says(fixture_db):
    with fixture_db.connect() as conn:
        warnings = quality.quality_warnings(conn, AS_OF)
    got = {w["key"]: (w["count"], w["examples"]) for w in warnings}
    assert got == {
        # C1 open without CM; C4 closes the day after AS_OF; C2 later, C3 closed on AS_OF.
        "case_without_case_manager": (2, ["C1", "C4"]),
        # C6: S2 left 2024-12-31; C7: S4 starts 2025-07-01; C8 is closed.
        "case_with_inactive_case_manager": (2, ["C6", "C7"]),
        # PI closed 2024-06-29 < 2024-06-30 with open sphere; PL's last case up to AS_OF closed
        # 2023-01-31 with open status. PH (closed 2024-11-30), PJ (exactly a year), PK (no open
        # episode), PM (active case) do not count.
        "stale_open_episode": (2, ["PI", "PL"]),
        # L2 2025/III and L6 2025/III (booked on AS_OF), L3 2024/II; L5 has module I allocated in
        # another category, L4 is booked after AS_OF.
        "booking_without_allocation": (3, ["L2", "L3", "L6"]),
        # P_ABH approved since the window start, nobody; P_CM3: S3 left 2024-12-29, the day
        # before the window; P_KO: S4 has not started. P_CM2 had S2 until 2024-12-31 (inside the
        # window), P_EBB approved one day too late, P_OLD no longer approved.
        "vacant_position": (3, ["P_ABH", "P_CM3", "P_KO"]),
        # PB 2024-03-01 < arrival 2024-05-01; PE 2025-04-01 < 2025-08-01. PA's transition is
        # after arrival, PC only renewed, PD has no arrival, PF's transition is after AS_OF.
        "transition_before_arrival": (2, ["PB", "PE"]),
    }


def test_warnings_come_in_a_fixed_order_with_german_titles(fixture_db):
    with fixture_db.connect() as conn:
        warnings = quality.quality_warnings(conn, AS_OF)
    assert [w["key"] for w in warnings] == [
        "case_without_case_manager",
        "case_with_inactive_case_manager",
        "stale_open_episode",
        "booking_without_allocation",
        "vacant_position",
        "transition_before_arrival",
    ]
    assert [w["subject"] for w in warnings] == [
        "case", "case", "person", "booking", "position", "person"
    ]
    assert warnings[0]["title"] == "Offene Fälle ohne Case Manager"
    assert all(w["title"] and w["description"] for w in warnings)


def test_an_earlier_reference_day_sees_the_data_as_it_stood(fixture_db):
    # On 2025-06-29: C3 (closed 2025-06-30) is still active and without CM -> C1, C3, C4.
    # P_OLD is still approved (until 2025-06-29) and has had nobody since 2024-12-29 -> vacant;
    # the window is 2024-12-29 … 2025-06-29, so S3 (until 2024-12-29) still covers P_CM3 and
    # P_ABH (approved 2024-12-30) has not been approved throughout.
    # L6 (booked 2025-06-30) is not yet booked.
    day = date(2025, 6, 29)
    with fixture_db.connect() as conn:
        w = _by_key(quality.quality_warnings(conn, day))
    without = w["case_without_case_manager"]
    assert (without["count"], without["examples"]) == (3, ["C1", "C3", "C4"])
    assert w["vacant_position"]["examples"] == ["P_KO", "P_OLD"]
    assert w["booking_without_allocation"]["examples"] == ["L2", "L3"]


def test_examples_are_the_first_ten_in_string_order_and_count_is_exact(engine):
    with engine.begin() as conn:
        _rows(conn, schema.district, [{"id": "NORD", "name": "Nord"}])
        _rows(
            conn,
            schema.municipality,
            [{"ags": "05558012", "name": "Coesfeld", "district_id": "NORD", "population": 36000}],
        )
        _rows(conn, schema.person, [_person("P")])
        _rows(
            conn, schema.case_file, [_case(f"K{i}", "P", None, "2025-01-01") for i in range(1, 13)]
        )
    with engine.connect() as conn:
        w = quality.cases_without_case_manager(conn, AS_OF)
    # K1 … K12 in plain string order: K1, K10, K11, K12, K2, … ; the first ten end at K7.
    assert w["count"] == 12
    assert w["examples"] == ["K1", "K10", "K11", "K12", "K2", "K3", "K4", "K5", "K6", "K7"]


def test_an_empty_database_has_no_warnings(engine):
    with engine.connect() as conn:
        warnings = quality.quality_warnings(conn, AS_OF)
    assert len(warnings) == 6
    assert all(w["count"] == 0 and w["examples"] == [] for w in warnings)
