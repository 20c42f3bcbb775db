"""The draft Verwendungsnachweis (/download/verwendungsnachweis/<year>.xlsx, dashboard/proof.py):
parsed back and checked against hand-computed cents (tests/test_budget_land.py's fixture) and
against `kim report`; the year rules, roles and errors of every download."""

from __future__ import annotations

import io
import shutil
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from dashboard import pages
from dashboard.app_factory import create_app, render
from dashboard.security import AuthSettings
from queries import report
from queries.filters import Filter
from tests.test_budget_land import load
from tests.test_downloads import GROUPS, LOCAL, PROXY, _find, as_role

TODAY = date(2026, 3, 31)  # 2025 is finished, 2026 is the current year
ADDRESS = "/download/verwendungsnachweis/2025.xlsx"


@pytest.fixture
def app(engine, db_url):
    load(engine)
    return create_app(database_url=db_url, min_cell=5, cache_config="simple", today=TODAY,
                      auth_settings=AuthSettings(mode="header", trusted_proxies=(PROXY,),
                                                 role_groups=GROUPS))


def _sheets(response) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    return {name: [tuple(r) for r in book[name].iter_rows(values_only=True)]
            for name in book.sheetnames}


def _block(rows: list[tuple], title: str) -> list[tuple]:
    """The rows of one block ("I. Einnahmen" …) up to the next empty row, header row first."""
    start = next(i for i, r in enumerate(rows) if r[0] == title) + 1
    end = next((i for i in range(start, len(rows)) if not any(v is not None for v in rows[i])),
               len(rows))
    return rows[start:end]


def _cents(value) -> int:
    return int(Decimal(str(value)) * 100)


def test_the_workbook_holds_the_hand_computed_figures(app, engine):
    r = as_role(app, "LG", ADDRESS)  # the Lenkungsgruppe may read it
    assert r.status_code == 200
    assert r.headers["Content-Disposition"] == (
        'attachment; filename="kim-verwendungsnachweis-2025-entwurf.xlsx"')
    sheets = _sheets(r)
    assert list(sheets) == ["Modul I", "Modul II", "Modul III"]
    one = sheets["Modul I"]
    head = {row[0]: row[1] for row in one[1:10] if row[0]}
    assert head["Haushaltsjahr"] == 2025
    assert head["Status"] == "Entwurf – ersetzt nicht die Prüfung"
    assert head["Kreis"].startswith("Kreis")
    assert head["Buchungen bis (Stichtag)"].date() == TODAY
    assert "Förderbescheid" in head["Annahme"]

    # Modul I, 2025 final (tests/test_budget_land.py, test_past_year_is_final):
    # spent 4,600,000 + 300,000 + 300,000 + 2,500,000 + 150,000 = 7,850,000 cents
    expenses = _block(one, "II. Ausgaben")
    assert expenses[0][:4] == ("Kategorie", "bewilligt", "tatsächlich", "Abweichung")
    by_category = {row[0]: row for row in expenses[1:]}
    assert _cents(by_category["Summe"][2]) == 7_850_000
    # the Summe row is the sum of the category rows, column by column
    for col in (1, 2, 3, 4, 5):
        parts = sum(_cents(row[col]) for row in expenses[1:-1])
        assert parts == _cents(by_category["Summe"][col])
    # Maßnahmen overspent: 2,500,000 against 2,000,000 -> +500,000; the Land pays 2,000,000
    assert [_cents(v) for v in by_category["Maßnahmen"][1:6]] == [
        2_000_000, 2_500_000, 500_000, 2_000_000, 2_000_000]
    # Externe Beratung with its credit note: 150,000 spent, 450,000 below the allocation
    assert [_cents(v) for v in by_category["Externe Beratung"][1:4]] == [
        600_000, 150_000, -450_000]

    income = {row[0]: row for row in _block(one, "I. Einnahmen")[1:]}
    # Land: 8,100,000 granted and received; Eigenanteil used 7,850,000 - 6,750,000 = 1,100,000
    assert [_cents(v) for v in income["Zuwendung des Landes"][1:4]] == [8_100_000, 8_100_000, 0]
    assert [_cents(v) for v in income["Eigenanteil (eigene Mittel)"][1:4]] == [
        1_000_000, 1_100_000, 100_000]
    result = {row[0]: row[1] for row in _block(one, "IV. Ergebnis")}
    assert _cents(result["Landesmittel zuwendungsfähig (abgerufen)"]) == 6_750_000
    assert _cents(result["Landesmittel nicht in Anspruch genommen (verfallen)"]) == 1_350_000
    assert _cents(result["an das Land zurückzuzahlen"]) == 1_350_000

    two = sheets["Modul II"]
    staffing = {row[0]: row[1] for row in _block(two, "III. Stellen")[1:]}
    # POS_A vacant 1 April - 30 June: 12 approved, 9 filled, 3 vacant FTE-months; 274/365
    assert (staffing["bewilligt"], staffing["besetzt"], staffing["unbesetzt"]) == (12, 9, 3)
    assert staffing["Besetzungsquote (VZÄ-Tage)"] == pytest.approx(274 / 365)
    result_two = {row[0]: row[1] for row in _block(two, "IV. Ergebnis")}
    assert _cents(result_two["an das Land zurückzuzahlen"]) == 1_450_000  # 5,500,000 - 4,050,000
    three = {row[0]: row[1] for row in _block(sheets["Modul III"], "III. Stellen")[1:]}
    assert three["Besetzungsquote (VZÄ-Tage)"] == "–"  # no post approved

    # The same figures as `kim report` for that year and Stichtag, module by module
    with engine.connect() as conn:
        doc = report.build_report(conn, Filter(date(2026, 1, 1), TODAY, year=2025))
    for module in doc["budget"]["modules"]:
        rows = sheets[f"Modul {module['module']}"]
        spent = {row[0]: row for row in _block(rows, "II. Ausgaben")[1:]}["Summe"]
        assert _cents(spent[1]) == module["allocated_cents"]
        assert _cents(spent[2]) == module["spent_cents"]
        assert _cents(spent[5]) == module["land_earned_projected_cents"]
        end = {row[0]: row[1] for row in _block(rows, "IV. Ergebnis")}
        assert _cents(end["vom Land bereits erhalten"]) == module["received_cents"]
        assert _cents(end["an das Land zurückzuzahlen"]) == module["repayment_projected_cents"]
    total = sum(_cents({row[0]: row[1] for row in _block(rows, "IV. Ergebnis")}
                       ["an das Land zurückzuzahlen"]) for rows in sheets.values())
    assert total == doc["budget"]["total"]["repayment_projected_cents"] == 3_800_000


@pytest.mark.parametrize(("path", "words"), [
    ("/download/verwendungsnachweis/2026.xlsx", "noch nicht abgeschlossen"),  # current year
    ("/download/verwendungsnachweis/2031.xlsx", "noch nicht abgeschlossen"),  # future
    ("/download/verwendungsnachweis/2025.xlsx?bis=2025-12-30", "noch nicht abgeschlossen"),
    ("/download/verwendungsnachweis/2019.xlsx", "Programm beginnt"),
    ("/download/verwendungsnachweis/2021.xlsx", "weder Bewilligungen noch Buchungen"),
    ("/download/verwendungsnachweis/20x5.xlsx", "kein Haushaltsjahr"),
    ("/download/verwendungsnachweis/2025.csv", "kein Haushaltsjahr"),
    ("/download/verwendungsnachweis/%00%ff.xlsx", "kein Haushaltsjahr"),
])
def test_unknown_or_unfinished_years_are_404_in_german(app, path, words):
    r = as_role(app, "LG", path)
    assert r.status_code == 404
    text = r.get_data(as_text=True)
    assert words in text and "Traceback" not in text
    assert r.mimetype == "text/plain"


def test_without_authentication_nothing(app):
    r = app.server.test_client().get(ADDRESS, environ_base={"REMOTE_ADDR": "10.9.9.9"},
                                     headers={"X-Remote-User": "u", "X-Remote-Groups": "VW"})
    # not through the login proxy: refused before any figure is read, in German
    assert r.status_code == 403
    assert r.mimetype != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "Anmelde-Proxy" in r.get_data(as_text=True)


def test_database_moved_away_gives_503(tmp_path):
    from queries import db

    path = tmp_path / "kim.sqlite"
    url = f"sqlite:///{path}"
    engine = db.writer_engine(url)
    db.init_db(engine)
    load(engine)
    engine.dispose()
    app = create_app(database_url=url, min_cell=5, cache_config="simple", today=TODAY,
                     auth_settings=AuthSettings(mode="none"))
    client = app.server.test_client()
    shutil.move(path, tmp_path / "away.sqlite")
    r = client.get(ADDRESS, environ_base=LOCAL)
    assert r.status_code == 503
    assert "Datenbank" in r.get_data(as_text=True)


def test_the_page_links_it_for_a_past_year_only(app):
    data = app.server.config["KIM_DATA"]
    headers = {"X-Remote-User": "u", "X-Remote-Groups": "LG"}
    with app.server.test_request_context("/budget", headers=headers,
                                         environ_base={"REMOTE_ADDR": PROXY}):
        app.server.preprocess_request()
        past = render(app, data, pages.PAGES, "/budget", "?jahr=2025")
        current = render(app, data, pages.PAGES, "/budget", "")
    link = _find(past[5], "budget-proof-link")
    assert link is not None and link.href.startswith(ADDRESS)
    assert _find(current[5], "budget-proof-link") is None
