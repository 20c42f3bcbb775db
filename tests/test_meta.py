"""Reference data, the Kreis's name and import history, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import insert

from queries import meta, schema
from queries.runs import record_run


def _reference(engine, municipalities):
    with engine.begin() as conn:
        conn.execute(
            insert(schema.district),
            [{"id": "SUED", "name": "Süd"}, {"id": "NORD", "name": "Nord"}],
        )
        conn.execute(
            insert(schema.municipality),
            [
                {"ags": a, "name": n, "district_id": d, "population": p}
                for a, n, d, p in municipalities
            ],
        )


COESFELD = [
    ("05558016", "Dülmen", "SUED", 46000),
    ("05558012", "Coesfeld", "NORD", 36000),
    ("05558020", "Havixbeck", "NORD", 12000),
]


def test_districts_and_municipalities(engine):
    _reference(engine, COESFELD)
    with engine.connect() as conn:
        assert meta.districts(conn) == [
            {"id": "NORD", "name": "Nord"},
            {"id": "SUED", "name": "Süd"},
        ]
        assert meta.district_exists(conn, "NORD") is True
        assert meta.district_exists(conn, "OST") is False
        assert [m["ags"] for m in meta.municipalities(conn)] == ["05558012", "05558016", "05558020"]
        assert meta.municipalities(conn, "NORD") == [
            {"ags": "05558012", "name": "Coesfeld", "district_id": "NORD", "population": 36000},
            {"ags": "05558020", "name": "Havixbeck", "district_id": "NORD", "population": 12000},
        ]
        assert meta.municipalities(conn, "OST") == []


def test_kreis_name_from_ags_and_setting(engine, monkeypatch):
    monkeypatch.delenv("KIM_KREIS_NAME", raising=False)
    with engine.connect() as conn:
        assert meta.kreis_name(conn) == "Kreis"  # no municipalities at all
    # Three Coesfeld AGS (05558…) against one stray Borken AGS (05554…): Coesfeld wins.
    _reference(engine, [*COESFELD, ("05554004", "Ahaus", "SUED", 40000)])
    with engine.connect() as conn:
        assert meta.kreis_name(conn) == "Kreis Coesfeld"
        monkeypatch.setenv("KIM_KREIS_NAME", "  Kreis Musterland ")
        assert meta.kreis_name(conn) == "Kreis Musterland"
        monkeypatch.setenv("KIM_KREIS_NAME", "   ")  # blank setting: as if unset
        assert meta.kreis_name(conn) == "Kreis Coesfeld"


def test_kreis_name_tie_and_unknown_prefix(engine, monkeypatch):
    monkeypatch.delenv("KIM_KREIS_NAME", raising=False)
    # One Borken (05554) and one Coesfeld (05558) AGS: the tie goes to the smaller prefix.
    _reference(engine, [("05558012", "Coesfeld", "NORD", 1), ("05554004", "Ahaus", "SUED", 1)])
    with engine.connect() as conn:
        assert meta.kreis_name(conn) == "Kreis Borken"
    # A majority prefix outside NRW's list falls back to "Kreis".
    with engine.begin() as conn:
        conn.execute(
            insert(schema.municipality),
            [
                {"ags": "09162000", "name": "München", "district_id": "SUED", "population": 1},
                {"ags": "09162001", "name": "München 2", "district_id": "SUED", "population": 1},
            ],
        )
    with engine.connect() as conn:
        assert meta.kreis_name(conn) == "Kreis"


def test_import_runs_newest_first_and_table_counts(engine):
    _reference(engine, COESFELD)
    with engine.begin() as conn:
        first = record_run(
            conn, started_at=datetime(2025, 6, 1, 8, 0), finished_at=datetime(2025, 6, 1, 8, 1),
            source="demo", outcome="OK", files={},
        )
        second = record_run(
            conn, started_at=datetime(2025, 6, 2, 9, 0), finished_at=datetime(2025, 6, 2, 9, 0),
            source="/daten/export", outcome="REFUSED",
            files={"case_file.csv": {"sha256": "ab", "rows": 3}},
            message="case_file.csv:3: opened_on: kein Datum",
        )
    with engine.connect() as conn:
        runs = meta.import_runs(conn)
        assert [r["id"] for r in runs] == [second, first]
        assert runs[0] == {
            "id": second,
            "started_at": datetime(2025, 6, 2, 9, 0),
            "finished_at": datetime(2025, 6, 2, 9, 0),
            "source": "/daten/export",
            "outcome": "REFUSED",
            "files": {"case_file.csv": {"sha256": "ab", "rows": 3}},
            "message": "case_file.csv:3: opened_on: kein Datum",
            "exported_on": None,
        }
        assert [r["id"] for r in meta.import_runs(conn, limit=1)] == [second]
        # The refused run is newer, but the Datenstand is the OK one's day.
        assert meta.data_as_of(conn) == date(2025, 6, 1)

        counts = meta.table_counts(conn)
    assert list(counts) == [t.name for t in schema.DATA_TABLES] + ["import_run"]
    assert counts["district"] == 2 and counts["municipality"] == 3
    assert counts["import_run"] == 2 and counts["case_file"] == 0
