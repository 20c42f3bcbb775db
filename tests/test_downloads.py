"""Downloads (dashboard/downloads.py) by HTTP through the Flask test client, on SQLite and
PostgreSQL: CSV and XLSX parsed back against numbers worked out by hand and against the page's own
grid, suppressed cells, BOM and separators, roles, bad parameters, the database going away."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import insert

from dashboard import format as fmt
from dashboard import pages, sections, urlstate
from dashboard.app_factory import create_app, render
from dashboard.components.tables import TEXT_SUFFIX, Column, data_table
from dashboard.downloads import csv_cell, file_name, sheet_name
from dashboard.security import NO_PERMISSION_TEXT, AuthSettings
from queries import demo, schema
from queries.runs import record_run
from tests.conftest import served

TODAY = date(2025, 6, 30)
LOCAL = {"REMOTE_ADDR": "127.0.0.1"}
PROXY = "127.0.0.2"
GROUPS = (("LG", "lenkungsgruppe"), ("KO", "koordination"), ("VW", "verwaltung"))
NBSP = "\u00a0"
PERIOD = "?von=2025-01-01&bis=2025-06-30"


def load_fixture(engine):
    """Small enough to count on paper (period 01.01.–30.06.2025, K = 5).

    Cases (as tests/test_pages_shell.py):
    NORD (Coesfeld, 2,000 inhabitants): 6 cases opened 01.02.2025 by S1 (0.5 FTE), one closed
        30.06.2025 -> active 5, opened 6, closed 1 (•); per FTE 5 / 0.5 = 10,0;
        per 1,000 inhabitants 5 / 2 = 2,5
    SUED (Ascheberg, 1,000 inhabitants): 3 cases opened 01.05.2024, S2 (1.0 FTE)
        -> active 3 (•), opened 0, closed 0; per FTE and per 1,000 from a suppressed count: –
    Kreis: active 8, opened 6, closed •, FTE 1,50, per FTE 8 / 1.5 = 5,33 -> 5,3,
        per 1,000 8 / 3 = 2,67 -> 2,7
    Secondary suppression, Kreis-wide: 8 = Nord + Süd would give Süd's 3 away, so Nord's 5 is
        hidden too, with its ratios (–); the Kreis's 8 stays (Süd could be 1 … 7). Under
        bezirk=NORD Nord's 5 (= Coesfeld = S1) is shown: Süd is not published there.
    Budget 2025 (Stichtag 30.06.2025: 181 of 365 days passed = 49,6 %):
    Modul I   allocated 12.345,67 €, spent 1.000,50 € (8,1 %); projected 1.000,50 × 365 / 181
              = 2.017,58 €; plan gap 12.345,67 − 2.017,58 = 10.328,09 €; received 0
    Modul II  allocated 100.000 €, spent 40.000 € (40,0 %); projected 40.000 × 365 / 181
              = 80.662,98 €; plan gap 19.337,02 €; received 50.000 €
    Modul III nothing allocated: utilisation "–", all amounts 0
    """
    with engine.begin() as conn:
        conn.execute(insert(schema.district), [{"id": "NORD", "name": "Nord"},
                                               {"id": "SUED", "name": "Süd"}])
        conn.execute(insert(schema.municipality), [
            {"ags": "05558012", "name": "Coesfeld", "district_id": "NORD", "population": 2000},
            {"ags": "05558004", "name": "Ascheberg", "district_id": "SUED", "population": 1000},
        ])
        conn.execute(insert(schema.funded_position), [{
            "id": "P1", "module": "II", "role": "CASE_MANAGEMENT", "fte_approved": 2.0,
            "approved_from": date(2020, 7, 1), "approved_to": None}])
        conn.execute(insert(schema.staff), [
            {"id": "S1", "position_id": "P1", "district_id": "NORD", "fte": 0.5,
             "active_from": date(2020, 7, 1), "active_to": None},
            {"id": "S2", "position_id": "P1", "district_id": "SUED", "fte": 1.0,
             "active_from": date(2020, 7, 1), "active_to": None},
        ])
        conn.execute(insert(schema.person), [
            {"id": f"P{i}", "birth_year": 1990, "sex": "x", "citizenship": "XXX",
             "arrival_date": None} for i in range(9)])
        conn.execute(insert(schema.case_file), [
            {"id": f"C{i}", "person_id": f"P{i}", "municipality_ags": "05558012",
             "staff_id": "S1", "opened_on": date(2025, 2, 1),
             "closed_on": date(2025, 6, 30) if i == 0 else None,
             "close_reason": "ZIEL" if i == 0 else None}
            for i in range(6)
        ] + [
            {"id": f"C{i}", "person_id": f"P{i}", "municipality_ags": "05558004",
             "staff_id": "S2", "opened_on": date(2024, 5, 1), "closed_on": None,
             "close_reason": None}
            for i in range(6, 9)
        ])
        conn.execute(insert(schema.budget_allocation), [
            {"year": 2025, "module": "I", "category": "SACH", "source": "LAND",
             "amount_cents": 1_234_567},
            {"year": 2025, "module": "II", "category": "PERSONAL", "source": "LAND",
             "amount_cents": 10_000_000},
        ])
        conn.execute(insert(schema.ledger_entry), [
            {"id": "B1", "booked_on": date(2025, 5, 10), "year": 2025, "module": "I",
             "category": "SACH", "kind": "AUSGABE", "amount_cents": 100_050, "text": None},
            {"id": "B2", "booked_on": date(2025, 3, 15), "year": 2025, "module": "II",
             "category": "PERSONAL", "kind": "AUSGABE", "amount_cents": 4_000_000,
             "text": None},
            {"id": "B3", "booked_on": date(2025, 2, 1), "year": 2025, "module": "II",
             "category": "PERSONAL", "kind": "EINNAHME", "amount_cents": 5_000_000,
             "text": None},
        ])
        record_run(conn, started_at=datetime(2025, 6, 30, 8), source="test", outcome="OK",
                   files={}, finished_at=datetime(2025, 6, 30, 9))


@pytest.fixture
def app(engine, db_url):
    load_fixture(engine)
    return create_app(database_url=db_url, min_cell=5, cache_config="simple", today=TODAY,
                      auth_settings=AuthSettings(mode="none"))


def get(app, path, **kwargs):
    return app.server.test_client().get(path, environ_base=LOCAL, **kwargs)


def csv_rows(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM missing"
    text = raw.decode("utf-8-sig")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def sheet_rows(response, index: int = 0) -> tuple[list[tuple], openpyxl.Workbook]:
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    ws = book[book.sheetnames[index]]
    return [tuple(c for c in row) for row in ws.iter_rows(values_only=True)], book


def header_of(rows: list[tuple]) -> dict:
    """The label/value rows above the table (up to the empty row)."""
    end = next(i for i, r in enumerate(rows) if not any(v is not None for v in r))
    return {r[0]: r[1] for r in rows[1:end]}


def table_part(rows: list[tuple], first_header: str) -> list[tuple]:
    """The header row (after the empty row under the label rows) and the rows under it."""
    end = next(i for i, r in enumerate(rows) if not any(v is not None for v in r))
    assert rows[end + 1][0] == first_header
    return rows[end + 1:]


# -- numbers worked out by hand --------------------------------------------------------------------


def test_districts_csv_has_the_hand_counted_numbers(app):
    r = get(app, "/download/fallzahlen/caseload-districts.csv" + PERIOD)
    assert r.status_code == 200
    assert r.mimetype == "text/csv"
    # one charset, not "text/csv; charset=utf-8; charset=utf-8"
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.headers["Content-Disposition"] == (
        'attachment; filename="kim-fallzahlen-caseload-districts-2025-01-01-2025-06-30.csv"')
    assert csv_rows(r) == [
        ["Bezirk", "aktive Fälle", "eröffnet", "abgeschlossen",
         "Vollzeitstellen Case Management", "Fälle je Vollzeitstelle", "je 1.000 Einwohner"],
        ["Nord", "•", "6", "•", "0,50", "–", "–"],
        ["Süd", "•", "0", "0", "1,00", "–", "–"],
        ["Kreis gesamt", "8", "6", "•", "1,50", "5,3", "2,7"],
    ]
    # the second chart on the same table downloads the same table
    other = get(app, "/download/fallzahlen/caseload-per-fte.csv" + PERIOD)
    assert other.get_data() == r.get_data()


def test_suppressed_counts_never_reach_the_grid_or_a_download(app):
    """What the browser receives (rowData) holds None for a suppressed count, not the number."""
    data = app.server.config["KIM_DATA"]
    with served(app):
        out = render(app, data, pages.PAGES, "/fallzahlen", PERIOD)
    grid = find_grid(_find(out[5], "caseload-districts-table"))
    nord, sued = grid.rowData[0], grid.rowData[1]
    assert nord["closed"] is None and nord["closed" + TEXT_SUFFIX] == "•"
    assert sued["active"] is None and sued["per_1000"] is None
    # Nord's 5 active: hidden by secondary suppression (8 − 5 = Süd's 3), its ratios with it
    assert nord["active"] is None and nord["active" + TEXT_SUFFIX] == "•"
    assert nord["per_fte"] is None and nord["per_1000"] is None
    rows = csv_rows(get(app, "/download/fallzahlen/caseload-districts.csv" + PERIOD))
    # Nord active 5 and closed 1, Süd active 3
    assert rows[1][1] == rows[1][3] == rows[2][1] == "•"
    sheet, _ = sheet_rows(get(app, "/download/fallzahlen/caseload-districts.xlsx" + PERIOD))
    table = table_part(sheet, "Bezirk")
    assert table[1][1] == table[1][3] == table[2][1] == "•"
    assert not {1, 5} & set(table[1][1:4]) and 3 not in table[2][1:4]
    assert 10.0 not in table[1] and 2.5 not in table[1]  # Nord's ratios would give the 5


def test_a_count_below_k_in_a_table_is_suppressed_by_the_table_itself():
    """Defence in depth: a count of 1..K-1 handed to data_table never reaches rowData."""
    table = data_table("t", (Column("n", "Anzahl", "count"),), [{"n": 3}, {"n": 0}, {"n": 7}],
                       min_cell=5, caption="t")
    grid = find_grid(table)
    assert [r["n"] for r in grid.rowData] == [None, 0, 7]
    assert [r["n" + TEXT_SUFFIX] for r in grid.rowData] == ["•", "0", "7"]
    assert csv_cell(Column("n", "Anzahl", "count"), 3, 5) == "•"


def test_districts_xlsx_numbers_formats_and_header_rows(app):
    r = get(app, "/download/fallzahlen/caseload-districts.xlsx?von=2025-01-01&bis=2025-06-30"
                 "&bezirk=NORD")
    # at Bezirk level the districts chart is not drawn: no such table in this view
    assert r.status_code == 404
    assert "gibt es auf der Seite „Fallzahlen“ in dieser Ansicht nicht" in r.get_data(as_text=True)

    r = get(app, "/download/fallzahlen/caseload-districts.xlsx" + PERIOD)
    assert r.status_code == 200
    assert r.mimetype == ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert r.headers["Content-Type"] == r.mimetype  # a binary file has no charset
    rows, book = sheet_rows(r)
    assert book.sheetnames == ["Fallzahlen je Bezirk"]
    head = header_of(rows)
    assert head["Kreis"] == "Kreis Coesfeld"
    assert head["Seite"] == "Fallzahlen"
    assert head["Zeitraum von"] == datetime(2025, 1, 1)
    assert head["Zeitraum bis (Stichtag)"] == datetime(2025, 6, 30)
    assert head["Bezirk"] == "alle Bezirke (Kreis gesamt)"
    assert head["Datenstand"] == datetime(2025, 6, 30)
    table = table_part(rows, "Bezirk")
    assert table[0][:4] == ("Bezirk", "aktive Fälle", "eröffnet", "abgeschlossen")
    assert table[1] == ("Nord", "•", 6, "•", 0.5, "–", "–")
    assert table[2] == ("Süd", "•", 0, 0, 1.0, "–", "–")
    assert table[3][:6] == ("Kreis gesamt", 8, 6, "•", 1.5, 5.3)
    ws = book.active
    header_row = next(c.row for c in ws["A"] if c.value == "Bezirk" and ws.cell(c.row, 2).value
                      == "aktive Fälle")
    # Nord's hidden active count is the text "•"; its 6 opened and the Kreis's 8 are numbers
    assert ws.cell(header_row + 1, 2).value == "•"
    assert ws.cell(header_row + 1, 3).number_format == "#,##0"
    assert ws.cell(header_row + 3, 2).number_format == "#,##0"
    assert ws.cell(header_row + 1, 5).number_format == "#,##0.00"
    assert ws.freeze_panes == f"A{header_row + 1}"


def test_gemeinde_level_downloads_name_the_gemeinde(app):
    query = PERIOD + "&bezirk=NORD&gemeinde=05558012"
    r = get(app, "/download/fallzahlen/caseload-municipality-staff.xlsx" + query)
    assert r.status_code == 200
    assert r.headers["Content-Disposition"] == (
        'attachment; filename="kim-fallzahlen-caseload-municipality-staff-05558012-'
        '2025-01-01-2025-06-30.xlsx"')
    rows, _book = sheet_rows(r)
    head = header_of(rows)
    assert head["Bezirk"] == "Nord"
    assert head["Gemeinde"] == "Coesfeld (05558012)"
    # S1's 5 active cases of Coesfeld (the 6th was closed on 30.06.), shown under bezirk=NORD
    assert table_part(rows, "Case Manager (Pseudonym)")[1] == ("S1", 5, 6, "•")
    whole = get(app, "/download/fallzahlen.xlsx" + query)
    assert "-05558012-" in whole.headers["Content-Disposition"]
    # a page without that level (the budget is Kreis-wide) names no Gemeinde
    budget_rows, _ = sheet_rows(get(app, "/download/budget/budget-modules.xlsx" + query))
    assert "Gemeinde" not in header_of(budget_rows)


def test_budget_csv_and_xlsx_euros_and_percents(app):
    r = get(app, "/download/budget/budget-modules.csv" + PERIOD)
    assert r.status_code == 200
    rows = csv_rows(r)
    assert rows[0] == ["Modul", "Bewilligt (€)", "Ausgegeben (€)", "Abfluss (%)",
                       "Jahr vergangen (%)", "Hochrechnung Jahresende (€)",
                       "Rest (Prognose) (€)", "vom Land erhalten (€)"]
    assert rows[1] == ["Modul I", "12345,67", "1000,50", "8,1", "49,6", "2017,58", "10328,09",
                       "0,00"]
    assert rows[2] == ["Modul II", "100000,00", "40000,00", "40,0", "49,6", "80662,98",
                       "19337,02", "50000,00"]
    assert rows[3] == ["Modul III", "0,00", "0,00", "–", "49,6", "0,00", "0,00", "0,00"]

    x = get(app, "/download/budget/budget-modules.xlsx" + PERIOD)
    rows, book = sheet_rows(x)
    head = header_of(rows)
    assert head["Haushaltsjahr"] == 2025
    table = table_part(rows, "Modul")
    # elapsed 181/365 = 0.49589…: the sheet holds the page's 49,6 % (ratios leave queries/
    # unrounded, the download rounds them as the page does)
    assert table[2][:5] == ("Modul II", 100000, 40000, 0.4, 0.496)
    assert float(table[1][1]) == pytest.approx(12345.67)
    ws = book.active
    r2 = next(c.row for c in ws["A"] if c.value == "Modul II")
    assert ws.cell(r2, 2).number_format == '#,##0.00 "€"'
    assert ws.cell(r2, 4).number_format == "0.0%"


def test_months_are_dates_in_xlsx_and_german_in_csv(app):
    r = get(app, "/download/fallzahlen/caseload-monthly.csv" + PERIOD)
    rows = csv_rows(r)
    assert rows[0] == ["Monat", "aktive Fälle am Monatsende"]
    # Jan: 3 (•); from Feb the 6 NORD cases: 9; June: C0 closes on 30.06 -> 8
    assert rows[1:] == [["Januar 2025", "•"], ["Februar 2025", "9"], ["März 2025", "9"],
                        ["April 2025", "9"], ["Mai 2025", "9"], ["Juni 2025", "8"]]
    x = get(app, "/download/fallzahlen/caseload-monthly.xlsx" + PERIOD)
    rows, book = sheet_rows(x)
    table = table_part(rows, "Monat")
    assert table[1] == (datetime(2025, 1, 1), "•")
    assert table[6] == (datetime(2025, 6, 1), 8)
    ws = book.active
    cell = next(c for c in ws["A"] if c.value == datetime(2025, 1, 1) and c.row > 12)
    assert cell.number_format == "mmmm yyyy"


def test_overview_small_charts_download_their_numbers(app):
    r = get(app, "/download/ueberblick/overview-caseload.csv" + PERIOD)
    assert r.status_code == 200
    assert csv_rows(r)[-1] == ["Juni 2025", "8"]
    b = get(app, "/download/ueberblick/overview-budget.csv" + PERIOD)
    assert csv_rows(b)[2][:4] == ["Modul II", "100000,00", "40000,00", "40,0"]


def test_all_tables_of_a_page_one_sheet_each(app):
    r = get(app, "/download/fallzahlen.xlsx" + PERIOD)
    assert r.status_code == 200
    assert r.headers["Content-Disposition"].endswith(
        'filename="kim-fallzahlen-alle-tabellen-2025-01-01-2025-06-30.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(r.get_data()))
    # the districts table once (both district charts share it), then municipalities, months
    assert book.sheetnames == ["Fallzahlen je Bezirk", "Fallzahlen je Gemeinde",
                               "Aktive Fälle am Monatsende", "Eröffnete und abgeschlossene"]
    assert all(len(name) <= 31 for name in book.sheetnames)


def test_sheet_names_and_file_names():
    assert sheet_name("Rückzahlung [Land]: a/b?", []) == "Rückzahlung  Land   a b"
    assert sheet_name("x" * 40, []) == "x" * 31
    assert sheet_name("Tabelle", ["tabelle"]) == "Tabelle (2)"
    assert file_name("ueberblick", "overview-caseload", date(2025, 1, 1), date(2025, 6, 30),
                     "csv") == "kim-ueberblick-overview-caseload-2025-01-01-2025-06-30.csv"


def test_text_that_looks_like_a_formula_stays_text():
    assert csv_cell(Column("t", "T"), "=HYPERLINK(\"x\")", 5) == "'=HYPERLINK(\"x\")"
    assert csv_cell(Column("t", "T"), "-Nord", 5) == "'-Nord"
    assert csv_cell(Column("v", "V", "number", 1), -1234.56, 5) == "-1234,6"


def test_negative_numbers_minus_sign_on_the_page_hyphen_in_the_csv_number_in_the_xlsx():
    """-1234.56 with one decimal (hand-made): the grid a person reads says "−1.234,6" (U+2212),
    the CSV "-1234,6" for Excel, and the XLSX cell holds the number -1234.6."""
    from dashboard.components.tables import table_rows
    from dashboard.downloads import _write_cell

    column = Column("v", "Veränderung", "number", 1)
    (row,) = table_rows((column,), [{"v": -1234.56}], 5)
    assert row["v" + TEXT_SUFFIX] == "\u22121.234,6"
    assert csv_cell(column, -1234.56, 5) == "-1234,6"
    cell = openpyxl.Workbook().active["A1"]
    _write_cell(cell, column, -1234.56, 5)
    assert cell.value == -1234.6 and cell.data_type == "n"
    euro = Column("e", "Mehrausgabe", "euro")
    assert csv_cell(euro, -123_456, 5) == "-1234,56"
    (row,) = table_rows((euro,), [{"e": -123_456}], 5)
    assert row["e" + TEXT_SUFFIX] == f"\u22121.235{NBSP}€"


# -- the page's own numbers, every table ---------------------------------------------------------


def _find(component, component_id):
    if component is None or isinstance(component, (str, int, float)):
        return None
    if isinstance(component, (list, tuple)):
        for child in component:
            found = _find(child, component_id)
            if found is not None:
                return found
        return None
    if getattr(component, "id", None) == component_id:
        return component
    return _find(getattr(component, "children", None), component_id)


def _page_text_as_csv(column: Column, text: str) -> str:
    """The grid's German text in the CSV's notation (no thousands separator, no unit)."""
    if column.kind in ("text", "month"):
        return text
    text = text.replace(NBSP, " ")
    if column.kind in ("number", "percent", "count") and text[:1].isdigit():
        return text.replace(".", "").removesuffix(" %")
    return text


VIEWS = {
    "/": ("ueberblick", ""),
    "/fallzahlen": ("fallzahlen", ""),
    "/fallzahlen?bezirk=NORD": ("fallzahlen", ""),
    "/budget": ("budget", ""),
    "/statuswechsel": ("statuswechsel", ""),
    "/wirkung": ("wirkung", ""),
    "/daten": ("daten", ""),
}


@pytest.fixture
def demo_app(engine, db_url):
    demo.generate(engine, persons=300, seed=7, until=date(2025, 11, 15))
    return create_app(database_url=db_url, min_cell=5, cache_config="simple",
                      today=date(2025, 11, 15), auth_settings=AuthSettings(mode="none"))


def test_every_download_has_the_numbers_of_its_grid(demo_app):
    """On demo data, every section of every page: each CSV cell is the grid's text (in CSV
    notation), each XLSX sheet the same rows; euros to the cent (the page rounds to euros)."""
    app = demo_app
    data = app.server.config["KIM_DATA"]
    checked = 0
    for address in VIEWS:
        path, _, query = address.partition("?")
        search = "?von=2025-01-01&bis=2025-11-15" + (f"&{query}" if query else "")
        slug = VIEWS[address][0]
        registry = app.server.config["KIM_SECTIONS"]
        with served(app):
            page = render(app, data, pages.PAGES, path, search)[5]
            view = urlstate.read(data, path, search)
            records = {}
            for found in registry.of_page(path):
                table = (sections.table(found, view) if found.applies(view) else None)
                if table is None:
                    continue
                # the grid the registry's table makes; where the page shows it, the page's own
                record = find_grid(sections.grid(found, table, view))
                shown = find_grid(_find(page, found.grid_id))
                if shown is not None:
                    assert shown.rowData == record.rowData, found.id
                records[found.id] = (record, table.columns)
        for section_id, (grid, columns) in records.items():
            record = type("Record", (), {"grid": grid})
            rows = csv_rows(get(app, f"/download/{slug}/{section_id}.csv{search}"))
            assert len(rows) == len(record.grid.rowData) + 1, section_id
            for grid_row, csv_row in zip(record.grid.rowData, rows[1:], strict=True):
                for column, cell in zip(columns, csv_row, strict=True):
                    shown = grid_row[column.field + TEXT_SUFFIX]
                    if column.kind == "euro" and grid_row[column.field] is not None:
                        cents = round(float(cell.replace(",", ".")) * 100)
                        assert cents == grid_row[column.field], (section_id, column)
                        assert fmt.euro(cents, column.decimals) == shown
                    else:
                        assert cell == _page_text_as_csv(column, shown), (section_id, column)
            x = get(app, f"/download/{slug}/{section_id}.xlsx{search}")
            sheet, _ = sheet_rows(x)
            table = table_part(sheet, columns[0].header)
            assert len(table) == len(record.grid.rowData) + 1
            checked += 1
    assert checked >= 15


# -- roles, errors, headers ----------------------------------------------------------------------


@pytest.fixture
def header_app(engine, db_url):
    load_fixture(engine)
    return create_app(database_url=db_url, min_cell=5, cache_config="simple", today=TODAY,
                      auth_settings=AuthSettings(mode="header", trusted_proxies=(PROXY,),
                                                 role_groups=GROUPS))


def as_role(app, group: str, path: str):
    return app.server.test_client().get(
        path, headers={"X-Remote-User": "u", "X-Remote-Groups": group},
        environ_base={"REMOTE_ADDR": PROXY})


STAFF = "/download/fallzahlen/caseload-staff.csv?von=2025-01-01&bis=2025-06-30&bezirk=NORD"
FORBIDDEN_FOR_LG = [
    STAFF,
    STAFF.replace(".csv", ".xlsx"),
    "/download/daten/data-runs.csv",
    "/download/daten/data-counts.xlsx",
    "/download/daten.xlsx",
]


@pytest.mark.parametrize("path", FORBIDDEN_FOR_LG)
def test_lenkungsgruppe_is_refused_what_it_may_not_see(header_app, path):
    r = as_role(header_app, "LG", path)
    assert r.status_code == 403
    assert r.get_data(as_text=True).strip() == NO_PERMISSION_TEXT
    assert "S1" not in r.get_data(as_text=True)
    # the security hooks apply to the download routes as to every other route
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("group", ["KO", "VW"])
def test_koordination_and_verwaltung_get_them(header_app, group):
    staff = as_role(header_app, group, STAFF)
    assert staff.status_code == 200
    # S1 of Bezirk Nord at 0.5 FTE: 5 active, 6 opened, 1 closed (•), 10,0 per FTE
    assert csv_rows(staff)[1] == ["S1", "Nord", "0,50", "5", "6", "•", "10,0"]
    runs = as_role(header_app, group, "/download/daten/data-runs.csv")
    assert runs.status_code == 200
    assert csv_rows(runs)[1][0] == "1"
    assert as_role(header_app, group, "/download/daten.xlsx").status_code == 200


def test_lenkungsgruppe_gets_the_aggregates(header_app):
    r = as_role(header_app, "LG", "/download/fallzahlen/caseload-municipalities.csv?bezirk=NORD")
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert as_role(header_app, "LG", "/download/fallzahlen.xlsx?bezirk=NORD").status_code == 200


def test_without_authentication_nothing(header_app):
    client = header_app.server.test_client()
    r = client.get("/download/fallzahlen/caseload-districts.csv",
                   environ_base={"REMOTE_ADDR": "10.9.9.9"},
                   headers={"X-Remote-User": "u", "X-Remote-Groups": "VW"})
    assert r.status_code == 403
    assert "Bezirk" not in r.get_data(as_text=True)


@pytest.mark.parametrize("query", [
    "?von=kaputt&bis=2025-13-45",
    "?bezirk=%27%3BDROP%20TABLE%20case_file%3B--",
    "?von=2025-06-30&bis=2025-01-01",
    "?von=1800-01-01",
    "?von=" + "9" * 5000,
    "?von[]=1&bis=%00&bezirk=%ff%fe",
    "?jahr=zwanzig&praesentation=vielleicht",
])
def test_bad_parameters_give_the_default_view_or_400_never_500(app, query):
    r = get(app, "/download/fallzahlen/caseload-districts.csv" + query)
    assert r.status_code in (200, 400), r.status_code
    body = r.get_data(as_text=True)
    assert "Traceback" not in body
    if r.status_code == 200:
        # the default period: this year up to today (30.06.2025), all districts
        assert "2025-01-01-2025-06-30" in r.headers["Content-Disposition"]
        assert csv_rows(r)[1] == ["Nord", "•", "6", "•", "0,50", "–", "–"]
    else:
        assert "Adresse ist zu lang" in body


@pytest.mark.parametrize("path", [
    "/download/gibtsnicht/x.csv",
    "/download/fallzahlen/gibtsnicht.csv",
    "/download/fallzahlen/caseload-districts.pdf",
    "/download/fallzahlen/caseload-districts",
    "/download/fallzahlen/caseload-staff.csv",  # no Bezirk chosen: no case-manager table
    "/download/gibtsnicht.xlsx",
    "/download/fallzahlen.csv",
])
def test_unknown_page_section_or_format_is_404_in_german(app, path):
    r = get(app, path)
    assert r.status_code == 404
    text = r.get_data(as_text=True)
    assert r.mimetype == "text/plain"
    assert any(word in text for word in ("gibt es", "gehört zu keiner Seite", "Tabellen gibt es"))


def test_database_moved_away_gives_503_and_recovers(tmp_path):
    from queries import db

    path = tmp_path / "kim.sqlite"
    url = f"sqlite:///{path}"
    engine = db.writer_engine(url)
    db.init_db(engine)
    load_fixture(engine)
    engine.dispose()
    app = create_app(database_url=url, min_cell=5, cache_config="simple", today=TODAY,
                     auth_settings=AuthSettings(mode="none"))
    address = "/download/fallzahlen/caseload-districts.csv" + PERIOD
    assert get(app, address).status_code == 200  # and cached
    shutil.move(path, tmp_path / "away.sqlite")
    for target in (address, address.replace(".csv", ".xlsx"), "/download/fallzahlen.xlsx"):
        r = get(app, target)
        assert r.status_code == 503
        text = r.get_data(as_text=True)
        assert "Datenbank" in text and "nicht erreichbar" in text and "Traceback" not in text
    shutil.move(tmp_path / "away.sqlite", path)
    r = get(app, address)
    assert r.status_code == 200
    assert csv_rows(r)[1][:3] == ["Nord", "•", "6"]  # Nord's 5 hidden Kreis-wide (secondary)


def find_grid(component):
    """The first dash-ag-grid in a component tree (or None)."""
    import dash_ag_grid as dag

    if component is None or isinstance(component, (str, int, float)):
        return None
    if isinstance(component, (list, tuple)):
        for child in component:
            found = find_grid(child)
            if found is not None:
                return found
        return None
    if isinstance(component, dag.AgGrid):
        return component
    return find_grid(getattr(component, "children", None))
