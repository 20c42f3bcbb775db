"""`kim import` and `kim export` as DATA_MODEL.md "CSV import" says, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

from sqlalchemy import func, insert, select

from dashboard import cli
from queries import db, demo, report, schema
from queries.importer import export_folder, import_folder

# A small, valid data set in canonical form: every table, every kind of column.
BASE = {
    "district.csv": "id,name\nNORD,Nord\nSUED,Süd\n",
    "municipality.csv": (
        "ags,name,district_id,population\n"
        "05558012,Coesfeld,NORD,36000\n"
        "05558016,Dülmen,SUED,47000\n"
    ),
    "funded_position.csv": (
        "id,module,role,fte_approved,approved_from,approved_to\n"
        "POS1,II,CASE_MANAGEMENT,1.00,2020-07-01,\n"
        "POS2,I,KOORDINATION,0.50,2020-07-01,2024-12-31\n"
    ),
    "staff.csv": (
        "id,position_id,district_id,fte,active_from,active_to\nS1,POS1,NORD,0.75,2020-08-01,\n"
    ),
    "person.csv": (
        "id,birth_year,sex,citizenship,arrival_date\n"
        "P1,1990,w,SYR,2015-09-01\n"
        "P2,1985,m,AFG,\n"
        "P3,2001,x,XXA,2016-01-15\n"
    ),
    "case_file.csv": (
        "id,person_id,municipality_ags,staff_id,opened_on,closed_on,close_reason\n"
        "C1,P1,05558012,S1,2021-01-10,2022-03-31,ZIEL\n"
        "C2,P2,05558016,,2023-05-02,,\n"
    ),
    "case_need.csv": (
        "case_id,need,identified_on,resolved_on\n"
        "C1,SPRACHE,2021-01-10,2021-12-01\n"
        "C1,ARBEIT,2021-01-10,\n"
    ),
    "referral.csv": (
        "case_id,institution,referred_on,outcome\n"
        "C1,JOBCENTER,2021-02-01,ANGENOMMEN\n"
        "C1,JOBCENTER,2021-02-01,ANGENOMMEN\n"  # referral rows may repeat
        "C2,MBE,2023-06-01,\n"
    ),
    "legal_status_episode.csv": (
        "person_id,status,valid_from,valid_to\n"
        "P1,GESTATTUNG,2015-09-01,2017-03-31\n"
        "P1,AE_SCHUTZ,2017-04-01,\n"
        "P2,DULDUNG,2019-01-01,\n"
    ),
    "legal_sphere_episode.csv": (
        "person_id,sphere,valid_from,valid_to\n"
        "P1,ASYLBLG,2015-09-01,2017-04-30\n"
        "P1,SGB2,2017-05-01,\n"
    ),
    "budget_allocation.csv": (
        "year,module,category,source,amount_eur\n"
        "2025,II,PERSONAL,LAND,330000.00\n"
        "2025,I,SACH,EIGENANTEIL,1234.56\n"
    ),
    "ledger_entry.csv": (
        "id,booked_on,year,module,category,kind,amount_eur,text\n"
        "B1,2025-01-31,2025,II,PERSONAL,AUSGABE,27500.00,Gehalt Januar\n"
        'B2,2025-02-03,2025,II,PERSONAL,AUSGABE,-12.50,"Korrektur, zu B1"\n'
        "B3,2025-03-01,2025,II,PERSONAL,EINNAHME,0.05,\n"
    ),
}


def _folder(path: Path, files: dict[str, str | bytes]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (path / name).write_bytes(data)
    return path


def _snapshot(engine) -> dict[str, list]:
    """Every row of every data table, in a stable order (referral rows may repeat)."""
    with engine.connect() as conn:
        return {
            t.name: sorted((tuple(r) for r in conn.execute(select(t))), key=repr)
            for t in schema.DATA_TABLES
        }


def _runs(engine) -> list[dict]:
    t = schema.import_run
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(t).order_by(t.c.id))]


def _fresh(engine) -> None:
    schema.metadata.drop_all(engine)
    db.init_db(engine)


def test_base_import_records_one_ok_run(engine, tmp_path):
    folder = _folder(tmp_path / "in", {**BASE, "LIESMICH.txt": "not a table, ignored"})
    result = import_folder(engine, folder)
    assert result.ok, result.problems
    assert result.problems == []
    assert result.counts == {
        "district": 2, "municipality": 2, "funded_position": 2, "staff": 1, "person": 3,
        "case_file": 2, "case_need": 2, "referral": 3, "legal_status_episode": 3,
        "legal_sphere_episode": 2, "budget_allocation": 2, "ledger_entry": 3,
    }
    (run,) = _runs(engine)
    assert run["id"] == result.run_id
    assert (run["outcome"], run["message"], run["source"]) == ("OK", None, str(folder.resolve()))
    files = run["files"] if isinstance(run["files"], dict) else json.loads(run["files"])
    assert files == {
        name: {
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "rows": text.count("\n") - 1,
        }
        for name, text in BASE.items()
    }
    snap = _snapshot(engine)
    # Money in cents, FTE as numbers, dates as dates, empty fields as NULL.
    assert snap["budget_allocation"] == sorted(
        [(2025, "II", "PERSONAL", "LAND", 33_000_000), (2025, "I", "SACH", "EIGENANTEIL", 123_456)],
        key=repr,
    )
    with engine.connect() as conn:
        le = schema.ledger_entry
        amounts = dict(conn.execute(select(le.c.id, le.c.amount_cents)).all())
        assert amounts == {"B1": 2_750_000, "B2": -1250, "B3": 5}
        assert conn.execute(select(le.c.text).where(le.c.id == "B3")).scalar_one() is None
        fp = schema.funded_position
        assert dict(conn.execute(select(fp.c.id, fp.c.fte_approved)).all()) == {
            "POS1": 1.0, "POS2": 0.5,
        }
        cf = schema.case_file
        assert conn.execute(select(cf.c.closed_on).where(cf.c.id == "C1")).scalar_one() == date(
            2022, 3, 31
        )


# A bad import touching several files. Line numbers are physical lines (header = 1); the
# ledger's record on lines 2-3 holds a quoted line break, so its next record is on line 4.
BAD = {
    "notizen.csv": "irgendwas\n",
    "LIESMICH.txt": "ignored",
    "municipality.csv": "ags,name,district_id,kreis\n05558012,Coesfeld,NORD,Coesfeld\n",
    "person.csv": (
        "id,birth_year,sex,citizenship,arrival_date\n"  # 1
        "P1,1990,w,SYR,2015-09-01\n"  # 2
        "P2,19x5,m,AFG,\n"  # 3
        "P3,2001,q,XXA,2016-01-15\n"  # 4
        "P1,1991,w,SYR,\n"  # 5 duplicate of line 2
        "P4,1980,m,syr,2015-02-30\n"  # 6
        + "X" * 65 + ",1980,m,SYR,\n"  # 7
        "P5,,w,SYR\n"  # 8 one field short
        "P6,,w,SYR,\n"  # 9
    ),
    "case_file.csv": (
        "id,person_id,municipality_ags,staff_id,opened_on,closed_on,close_reason\n"
        "C1,P1,05558012,S1,2021-01-10,2022-03-31,ZIEL\n"
        "C2,P9,0555801,,2023-05-02,2023-05-01,\n"
        "C3,P2,05558016,,2023-05-02,,UMZUG\n"
    ),
    "legal_status_episode.csv": (
        "person_id,status,valid_from,valid_to\n"
        "P1,GESTATTUNG,2015-09-01,2017-03-31\n"  # 2
        "P1,AE_SCHUTZ,2017-03-01,\n"  # 3 starts before line 2 ends
        "P2,DULDUNG,2019-01-01,\n"  # 4 open
        "P2,AE_25B,2021-01-01,\n"  # 5 open as well
        "P3,NE,2020-01-01,2019-12-31\n"  # 6
        "P1,GESTATTUNG,2015-09-01,2016-01-01\n"  # 7 same key as line 2
    ),
    "ledger_entry.csv": (
        "id,booked_on,year,module,category,kind,amount_eur,text\n"
        'B1,2025-01-31,2025,II,PERSONAL,AUSGABE,27500.00,"Gehalt\nJanuar, zweite Zeile"\n'
        "B2,2025-02-03,2025,II,PERSONAL,AUSGABE,12.345,\n"
        "B1,2025-02-04,2025,IV,PERSONAL,AUSGABE,1.00,\n"
    ),
    "district.csv": b"id,name\nNORD,Nord\nSUED,S\x81d\n",  # 0x81: neither UTF-8 nor cp1252
}

EXPECTED_TABLES = ", ".join(f"{t.name}.csv" for t in schema.DATA_TABLES)
BAD_PROBLEMS = [
    f"notizen.csv: unbekannte Datei: keine Tabelle dieses Namens (erwartet: {EXPECTED_TABLES})",
    "district.csv: Zeichenkodierung weder UTF-8 noch Windows-1252",
    "municipality.csv:1: kreis: unbekannte Spalte "
    "(erwartet: ags, name, district_id, population, kind)",
    "municipality.csv:1: population: Pflichtspalte fehlt",
    "person.csv:3: birth_year: keine ganze Zahl: '19x5'",
    "person.csv:4: sex: unbekannter Code 'q' (erlaubt: w, m, d, x)",
    "person.csv:5: id: doppelter Schlüssel (id='P1'), schon in Zeile 2",
    "person.csv:6: citizenship: kein Ländercode aus drei Großbuchstaben "
    "(ISO 3166-1 alpha-3): 'syr'",
    "person.csv:6: arrival_date: ungültiges Datum: '2015-02-30'",
    "person.csv:7: id: Kennung länger als 64 Zeichen (65)",
    "person.csv:8: arrival_date: Feld fehlt: die Zeile hat 4 statt 5 Felder",
    "person.csv:9: birth_year: Pflichtfeld ist leer",
    "case_file.csv:3: municipality_ags: weder ein achtstelliger Gemeindeschlüssel noch ein "
    "Stadtteilschlüssel (AGS der Stadt, „-“, 1 bis 12 Zeichen A–Z oder 0–9, wie "
    "05315000-101): '0555801'",
    "case_file.csv:3: person_id: 'P9' gibt es in der Tabelle person nicht",
    "case_file.csv:3: closed_on: closed_on 2023-05-01 liegt vor opened_on 2023-05-02",
    "case_file.csv:4: close_reason: Abschlussgrund ohne Abschlussdatum (closed_on ist leer)",
    "legal_status_episode.csv:3: valid_from: überschneidet sich mit Zeile 2 (Person 'P1')",
    "legal_status_episode.csv:5: valid_to: zwei offene Episoden für Person 'P2' (auch Zeile 4); "
    "nur die letzte darf offen sein",
    "legal_status_episode.csv:6: valid_to: valid_to 2019-12-31 liegt vor valid_from 2020-01-01",
    "legal_status_episode.csv:7: person_id: doppelter Schlüssel "
    "(person_id='P1', valid_from=2015-09-01), schon in Zeile 2",
    "ledger_entry.csv:4: amount_eur: kein Eurobetrag mit höchstens zwei Nachkommastellen "
    "(wie 1234.56): '12.345'",
    "ledger_entry.csv:5: module: unbekannter Code 'IV' (erlaubt: I, II, III)",
    "ledger_entry.csv:5: id: doppelter Schlüssel (id='B1'), schon in Zeile 2",
]


def test_every_problem_in_every_file_and_database_unchanged(engine, tmp_path):
    assert import_folder(engine, _folder(tmp_path / "base", BASE)).ok
    before, runs_before = _snapshot(engine), _runs(engine)

    result = import_folder(engine, _folder(tmp_path / "bad", BAD))

    assert not result.ok
    assert result.problems == BAD_PROBLEMS
    assert _snapshot(engine) == before
    runs_after = _runs(engine)
    assert runs_after[:-1] == runs_before and len(runs_after) == len(runs_before) + 1
    run = runs_after[-1]
    assert run["id"] == result.run_id > runs_before[-1]["id"]
    assert (run["outcome"], run["message"]) == ("REFUSED", BAD_PROBLEMS[0])


def test_second_open_episode_and_open_earlier_episode(engine, tmp_path):
    """Only the latest episode may be open: an open one followed by a later one overlaps it."""
    assert import_folder(engine, _folder(tmp_path / "base", BASE)).ok
    sphere = (
        "person_id,sphere,valid_from,valid_to\n"
        "P1,SGB2,2018-01-01,\n"  # 2: open, but not the latest
        "P1,ASYLBLG,2015-09-01,2017-12-31\n"  # 3: ends the day before line 2 starts: fine
        "P1,SGB3,2019-01-01,2019-06-30\n"  # 4: within the open line 2
        "P2,KEINE,2019-01-01,2019-12-31\n"  # 5
        "P2,SGB12,2019-12-31,2020-01-31\n"  # 6: shares 2019-12-31 with line 5 (inclusive ends)
    )
    result = import_folder(engine, _folder(tmp_path / "in", {"legal_sphere_episode.csv": sphere}))
    assert result.problems == [
        "legal_sphere_episode.csv:4: valid_from: überschneidet sich mit Zeile 2 (Person 'P1'): "
        "die frühere Episode ist offen, nur die letzte darf offen sein",
        "legal_sphere_episode.csv:6: valid_from: überschneidet sich mit Zeile 5 (Person 'P2')",
    ]


# The German-spreadsheet twin of a canonical folder: semicolons, decimal commas with
# thousands dots, DD.MM.YYYY, Windows-1252 with umlauts, CRLF, a quoted CRLF inside a field.
GERMAN = {
    "district.csv": "id;name\r\nNORD;Nord\r\nSUED;Süd\r\n",
    "municipality.csv": (
        "name;ags;population;district_id\r\n"  # columns in another order
        "Coesfeld;05558012;36.000;NORD\r\n"
        "Dülmen;05558016;47000;SUED\r\n"
    ),
    "funded_position.csv": (
        "id;module;role;fte_approved;approved_from;approved_to\r\n"
        "POS1;II;CASE_MANAGEMENT;1;01.07.2020;\r\n"
        "POS2;I;KOORDINATION;0,5;01.07.2020;31.12.2024\r\n"
    ),
    "budget_allocation.csv": (
        "year;module;category;source;amount_eur\r\n"
        "2025;II;PERSONAL;LAND;330.000,00\r\n"
        "2025;I;SACH;EIGENANTEIL;1.234,56\r\n"
    ),
    "ledger_entry.csv": (
        "id;booked_on;year;module;category;kind;amount_eur;text\r\n"
        "B1;31.01.2025;2025;II;PERSONAL;AUSGABE;27.500;Gehalt Januar\r\n"
        'B2;03.02.2025;2025;II;PERSONAL;AUSGABE;-12,5;"Korrektur; Maßnahme\r\nzu B1"\r\n'
        "B3;01.03.2025;2025;II;PERSONAL;EINNAHME;0,05;\r\n"
    ),
}
CANONICAL_TWIN = {
    "district.csv": "id,name\nNORD,Nord\nSUED,Süd\n",
    "municipality.csv": (
        "ags,name,district_id,population\n05558012,Coesfeld,NORD,36000\n"
        "05558016,Dülmen,SUED,47000\n"
    ),
    "funded_position.csv": BASE["funded_position.csv"],
    "budget_allocation.csv": BASE["budget_allocation.csv"],
    "ledger_entry.csv": (
        "id,booked_on,year,module,category,kind,amount_eur,text\n"
        "B1,2025-01-31,2025,II,PERSONAL,AUSGABE,27500.00,Gehalt Januar\n"
        'B2,2025-02-03,2025,II,PERSONAL,AUSGABE,-12.50,"Korrektur; Maßnahme\r\nzu B1"\n'
        "B3,2025-03-01,2025,II,PERSONAL,EINNAHME,0.05,\n"
    ),
}


def test_german_spreadsheet_equals_canonical_twin(engine, tmp_path):
    german = _folder(
        tmp_path / "de", {name: text.encode("cp1252") for name, text in GERMAN.items()}
    )
    assert b"\xfc" in (german / "district.csv").read_bytes()  # really Windows-1252 'ü'
    result = import_folder(engine, german)
    assert result.ok, result.problems
    from_german = _snapshot(engine)
    assert from_german["municipality"] == [
        ("05558012", "Coesfeld", "NORD", 36000, None),
        ("05558016", "Dülmen", "SUED", 47000, None),
    ]
    assert sorted(r[6] for r in from_german["ledger_entry"]) == [-1250, 5, 2_750_000]
    assert sorted(r[4] for r in from_german["budget_allocation"]) == [123_456, 33_000_000]
    assert ("B2", "Korrektur; Maßnahme\r\nzu B1") in {
        (r[0], r[7]) for r in from_german["ledger_entry"]
    }

    _fresh(engine)
    bom = {name: b"\xef\xbb\xbf" + text.encode("utf-8") for name, text in CANONICAL_TWIN.items()}
    result = import_folder(engine, _folder(tmp_path / "canonical", bom))
    assert result.ok, result.problems
    assert _snapshot(engine) == from_german


def test_german_file_must_not_mix_dialects(engine, tmp_path):
    """The dialect is the header's: an ISO date or a decimal point in a ';' file is an error."""
    text = (
        "year;module;category;source;amount_eur\r\n"
        "2025;II;PERSONAL;LAND;330000.50\r\n"
    )
    result = import_folder(engine, _folder(tmp_path / "in", {"budget_allocation.csv": text}))
    assert result.problems == [
        "budget_allocation.csv:2: amount_eur: kein Eurobetrag mit höchstens zwei "
        "Nachkommastellen (wie 1.234,56): '330000.50'"
    ]


def test_only_present_tables_are_replaced(engine, tmp_path):
    assert import_folder(engine, _folder(tmp_path / "base", BASE)).ok
    before = _snapshot(engine)
    ledger = (
        "id,booked_on,year,module,category,kind,amount_eur,text\n"
        "B7,2025-04-30,2025,I,SACH,AUSGABE,99.99,Miete\n"
        "B8,2025-05-31,2025,I,SACH,AUSGABE,100,\n"
    )
    result = import_folder(engine, _folder(tmp_path / "in", {"ledger_entry.csv": ledger}))
    assert result.ok, result.problems
    assert result.counts == {"ledger_entry": 2}
    after = _snapshot(engine)
    assert after["ledger_entry"] == [
        ("B7", date(2025, 4, 30), 2025, "I", "SACH", "AUSGABE", 9999, "Miete"),
        ("B8", date(2025, 5, 31), 2025, "I", "SACH", "AUSGABE", 10000, None),
    ]
    assert {k: v for k, v in after.items() if k != "ledger_entry"} == {
        k: v for k, v in before.items() if k != "ledger_entry"
    }


def test_references_checked_against_state_after_import(engine, tmp_path):
    assert import_folder(engine, _folder(tmp_path / "base", BASE)).ok
    before = _snapshot(engine)
    # P2 disappears, but case_file C2 and P2's status episode (not in the import) point at it.
    person = "id,birth_year,sex,citizenship,arrival_date\nP1,1990,w,SYR,\nP3,2001,x,XXA,\n"
    result = import_folder(engine, _folder(tmp_path / "drop", {"person.csv": person}))
    assert result.problems == [
        "person.csv: die Tabelle case_file (nicht im Import) verweist in Spalte person_id auf "
        "Schlüssel, die hier fehlen: 'P2' (1 insgesamt)",
        "person.csv: die Tabelle legal_status_episode (nicht im Import) verweist in Spalte "
        "person_id auf Schlüssel, die hier fehlen: 'P2' (1 insgesamt)",
    ]
    assert _snapshot(engine) == before

    # A staff file may point at a position that only the database (not the import) holds,
    # and a new case may point at a person that only the same import brings.
    staff = (
        "id,position_id,district_id,fte,active_from,active_to\n"
        "S1,POS1,NORD,0.75,2020-08-01,\nS2,POS2,,1,2021-01-01,\n"
    )
    person = BASE["person.csv"] + "P4,1999,d,XXX,\n"
    cases = BASE["case_file.csv"] + "C3,P4,05558016,S2,2024-01-01,,\n"
    result = import_folder(
        engine,
        _folder(
            tmp_path / "add", {"staff.csv": staff, "person.csv": person, "case_file.csv": cases}
        ),
    )
    assert result.ok, result.problems
    assert result.counts == {"staff": 2, "person": 4, "case_file": 3}


def test_shrink_guard_and_allow_shrink(engine, tmp_path):
    assert import_folder(engine, _folder(tmp_path / "base", BASE)).ok
    before = _snapshot(engine)
    # ledger_entry 3 -> 1 row removes 2 of 3 (more than half); budget_allocation 2 -> 1
    # removes exactly half, which is allowed.
    files = {
        "ledger_entry.csv": BASE["ledger_entry.csv"].splitlines(keepends=True)[0]
        + "B1,2025-01-31,2025,II,PERSONAL,AUSGABE,27500.00,Gehalt Januar\n",
        "budget_allocation.csv": "year,module,category,source,amount_eur\n"
        "2025,II,PERSONAL,LAND,330000.00\n",
    }
    folder = _folder(tmp_path / "small", files)
    result = import_folder(engine, folder)
    assert result.problems == [
        "ledger_entry.csv: würde 2 von 3 Zeilen der Tabelle ledger_entry entfernen (mehr als "
        "die Hälfte); abgelehnt, damit ein abgeschnittener Export das Dashboard nicht leert "
        "(mit --allow-shrink erzwingen)"
    ]
    assert _snapshot(engine) == before
    assert _runs(engine)[-1]["outcome"] == "REFUSED"

    result = import_folder(engine, folder, allow_shrink=True)
    assert result.ok, result.problems
    assert result.counts == {"budget_allocation": 1, "ledger_entry": 1}
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.ledger_entry)).scalar() == 1
    assert [r["outcome"] for r in _runs(engine)] == ["OK", "REFUSED", "OK"]


def test_empty_folder_and_missing_folder_are_refused(engine, tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "person.xlsx").write_bytes(b"")
    result = import_folder(engine, tmp_path / "empty")
    assert result.problems == [f"{tmp_path / 'empty'}: keine CSV-Datei gefunden"]
    result = import_folder(engine, tmp_path / "nowhere")
    assert result.problems == [f"{tmp_path / 'nowhere'}: Ordner nicht gefunden"]
    assert [(r["outcome"], r["message"]) for r in _runs(engine)] == [
        ("REFUSED", f"{tmp_path / 'empty'}: keine CSV-Datei gefunden"),
        ("REFUSED", f"{tmp_path / 'nowhere'}: Ordner nicht gefunden"),
    ]


def test_kim_import_cli_exit_code_and_stderr(db_url, tmp_path, capsys):
    code = cli.main(["import", str(_folder(tmp_path / "ok", BASE)), "--database", db_url])
    out, err = capsys.readouterr()
    assert (code, out) == (0, "")
    assert "person: 3 Zeilen importiert" in err.splitlines()

    code = cli.main(["import", str(_folder(tmp_path / "bad", BAD)), "--database", db_url])
    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        *BAD_PROBLEMS,
        f"Import abgelehnt: {len(BAD_PROBLEMS)} Problem(e); die Datenbank ist unverändert.",
    ]


def _build_in_code(engine) -> None:
    """A database written directly (not by the importer), with awkward text and money."""
    rows = {
        schema.district: [{"id": "NORD", "name": 'Nord "Baumberge", Süd'}],
        schema.municipality: [
            {"ags": "05558012", "name": "Coesfeld", "district_id": "NORD", "population": 36_000}
        ],
        schema.funded_position: [
            {"id": "POS1", "module": "II", "role": "CASE_MANAGEMENT", "fte_approved": 0.25,
             "approved_from": date(2020, 7, 1), "approved_to": None},
            {"id": "POS0", "module": "III", "role": "ABH", "fte_approved": 12.5,
             "approved_from": date(2020, 7, 1), "approved_to": date(2020, 7, 1)},
        ],
        schema.staff: [
            {"id": "S1", "position_id": "POS1", "district_id": None, "fte": 0.1,
             "active_from": date(2020, 8, 1), "active_to": None},
        ],
        schema.person: [
            {"id": "p-ä", "birth_year": 2000, "sex": "d", "citizenship": "UKR",
             "arrival_date": date(2022, 3, 1)},
            {"id": "P10", "birth_year": 1970, "sex": "m", "citizenship": "XXX",
             "arrival_date": None},
            {"id": "P9", "birth_year": 1971, "sex": "w", "citizenship": "IRQ",
             "arrival_date": None},
        ],
        schema.case_file: [
            {"id": "C1", "person_id": "p-ä", "municipality_ags": "05558012", "staff_id": "S1",
             "opened_on": date(2022, 3, 2), "closed_on": date(2022, 3, 2),
             "close_reason": None},
        ],
        schema.case_need: [
            {"case_id": "C1", "need": "WOHNEN", "identified_on": date(2022, 3, 2),
             "resolved_on": None},
        ],
        schema.referral: [
            {"case_id": "C1", "institution": "SCHULE", "referred_on": date(2022, 3, 2),
             "outcome": None},
            {"case_id": "C1", "institution": "SCHULE", "referred_on": date(2022, 3, 2),
             "outcome": None},
            {"case_id": "C1", "institution": "ABH", "referred_on": date(2022, 3, 2),
             "outcome": "OFFEN"},
        ],
        schema.legal_status_episode: [
            {"person_id": "p-ä", "status": "AE_24", "valid_from": date(2022, 3, 1),
             "valid_to": None},
        ],
        schema.legal_sphere_episode: [
            {"person_id": "P9", "sphere": "SGB12", "valid_from": date(2010, 1, 1),
             "valid_to": date(2010, 1, 1)},
        ],
        schema.budget_allocation: [
            {"year": 2024, "module": "III", "category": "BERATUNG", "source": "LAND",
             "amount_cents": -1},
        ],
        schema.ledger_entry: [
            {"id": "L1", "booked_on": date(2024, 12, 31), "year": 2024, "module": "III",
             "category": "BERATUNG", "kind": "AUSGABE", "amount_cents": 123_456_789_012,
             "text": "  zwei Zeilen\r\nund ein \"Zitat\"; Komma, Ende\rCR "},
            {"id": "L2", "booked_on": date(2024, 1, 1), "year": 2024, "module": "I",
             "category": "SACH", "kind": "EINNAHME", "amount_cents": -7, "text": None},
        ],
    }
    with engine.begin() as conn:
        for table, values in rows.items():
            conn.execute(insert(table), values)


def test_export_is_canonical_and_round_trips(engine, tmp_path):
    _build_in_code(engine)
    before = _snapshot(engine)
    counts = export_folder(engine, tmp_path / "out")
    assert counts["referral"] == 3 and counts["ledger_entry"] == 2 and counts["person"] == 3
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"{t.name}.csv" for t in schema.DATA_TABLES
    )
    # Columns in DATA_MODEL.md order, money as amount_eur with two decimals, ISO dates,
    # empty = NULL, rows in primary-key (byte) order: "P10" < "P9" < "p-ä".
    assert (tmp_path / "out" / "person.csv").read_bytes().decode("utf-8") == (
        "id,birth_year,sex,citizenship,arrival_date\r\n"
        "P10,1970,m,XXX,\r\nP9,1971,w,IRQ,\r\np-ä,2000,d,UKR,2022-03-01\r\n"
    )
    assert (tmp_path / "out" / "budget_allocation.csv").read_bytes().decode("utf-8") == (
        "year,module,category,source,amount_eur\r\n2024,III,BERATUNG,LAND,-0.01\r\n"
    )
    assert (tmp_path / "out" / "funded_position.csv").read_bytes().decode("utf-8") == (
        "id,module,role,fte_approved,approved_from,approved_to\r\n"
        "POS0,III,ABH,12.50,2020-07-01,2020-07-01\r\nPOS1,II,CASE_MANAGEMENT,0.25,2020-07-01,\r\n"
    )
    ledger = (tmp_path / "out" / "ledger_entry.csv").read_bytes().decode("utf-8")
    assert ledger.splitlines()[0] == "id,booked_on,year,module,category,kind,amount_eur,text"
    assert "L2,2024-01-01,2024,I,SACH,EINNAHME,-0.07,\r\n" in ledger
    assert ",1234567890.12," in ledger

    _fresh(engine)
    result = import_folder(engine, tmp_path / "out")
    assert result.ok, result.problems
    assert _snapshot(engine) == before
    # A second export of the re-imported data is byte for byte the first one.
    export_folder(engine, tmp_path / "again")
    for t in schema.DATA_TABLES:
        name = f"{t.name}.csv"
        assert (tmp_path / "again" / name).read_bytes() == (tmp_path / "out" / name).read_bytes()


def test_demo_export_import_gives_same_report(db_url, tmp_path):
    from queries.filters import Filter

    engine = db.writer_engine(db_url)
    try:
        demo.generate(engine, persons=200, seed=1, until=date(2025, 12, 31))
        f = Filter(date(2025, 1, 1), date(2025, 12, 31), min_cell=5)
        with engine.connect() as conn:
            expected = report.build_report(conn, f)
        before = _snapshot(engine)
        export_folder(engine, tmp_path / "out")
        _fresh(engine)
        result = import_folder(engine, tmp_path / "out")
        assert result.ok, result.problems
        assert _snapshot(engine) == before
        with engine.connect() as conn:
            got = report.build_report(conn, f)
        assert json.dumps(got, sort_keys=True, default=str) == json.dumps(
            expected, sort_keys=True, default=str
        )
    finally:
        engine.dispose()
