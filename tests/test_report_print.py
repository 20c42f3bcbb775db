"""The print report /bericht without a browser: its figures on the paper fixture of
test_pages_shell (SQLite and PostgreSQL), its place outside the navigation, and by direct HTTP
every role and garbage in the address."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard import pages
from dashboard.app_factory import create_app
from dashboard.pages import report_print
from dashboard.security import NO_PERMISSION_TEXT, AuthSettings, add_user
from queries import db, demo
from tests.figures import checked

from .test_pages_shell import find, load_fixture, rendered, text_of
from .test_security import PASSWORD, USERS, route, serve, session_for

NBSP = "\u00a0"
MARK = "•"  # the one mark of a hidden count
# Each must land on the default view with a note, never on an error.
GARBAGE = [
    "?von=kaputt&bis=2025-99-99",
    "?von=2025-12-31&bis=2025-01-01",
    "?bezirk=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "?von=" + "9" * 5000,
    "?bezirk=&bezirk=SUED&von=1800-01-01",
    "?%ff%fe=%00&von=%E2%80%AE",
]


def rows_of(table) -> list[list[str]]:
    body = next(c for c in table.children if type(c).__name__ == "Tbody")
    return [[text_of(cell) for cell in tr.children] for tr in body.children]


def test_report_on_a_paper_fixture(engine, db_url):
    """The numbers of test_pages_shell.load_fixture, worked out in its docstring."""
    load_fixture(engine)
    app = create_app(database_url=db_url, min_cell=5, cache_config="null", today=date(2025, 6, 30))
    out = rendered(app, "/bericht", "?von=2025-01-01&bis=2025-06-30")
    page = out["page"]
    assert find(page, "kim-error") is None and "Diese Darstellung konnte" not in text_of(page)
    assert out["title"] == "Bericht – Kreis Coesfeld – KIM-Cockpit"
    assert report_print.REPORT_HEADING in text_of(find(page, "report-title"))
    assert text_of(find(page, "report-zeitraum")) == "01.01.–30.06.2025"
    assert text_of(find(page, "report-datenstand")) == "30.06.2025"
    assert text_of(find(page, "report-gebiet")) == "Kreis gesamt"
    assert text_of(find(page, "report-geheim-gehalten")) == (
        "„•“: Zahlen unter 5 und Zahlen, aus denen sie sich berechnen ließen (auch eine Summe "
        "kann darunter sein)")
    # the Überblick's cards, the same values
    assert text_of(find(page, "kpi-active-value")) == "8"
    assert text_of(find(page, "kpi-per-fte-value")) == "5,3"
    assert text_of(find(page, "kpi-opened-value")) == "6"
    assert text_of(find(page, "report-caseload-summary")) == (
        "8 aktive Fälle am 30.06.2025, 5,3 Fälle je Vollzeitstelle Case Management "
        f"(1,50 Vollzeitstellen); im Zeitraum 6 Fälle eröffnet und {MARK} abgeschlossen.")
    # Bezirk table: SUED's 3 active are suppressed (1 … 4), so are its ratios. Secondary
    # suppression: Kreis 8 = Nord + Süd would give Süd = 8 − 5 = 3, so Nord's 5 (the only
    # further part) is hidden too, with its ratios (5 / 0.5 = 10.0, 2.5 per 1,000); the Kreis
    # total stays: Nord + Süd = 8 with both >= 1 leaves Süd 1 … 7, seven values >= K − 1.
    # Kreis 8 / 1.5 FTE = 5.3, 8 / 3,000 = 2.67 per 1,000.
    assert rows_of(find(page, "report-caseload-table")) == [
        ["Nord", MARK, "6", MARK, "0,50", "–", "–"],
        ["Süd", MARK, "0", "0", "1,00", "–", "–"],
        ["Kreis gesamt", "8", "6", MARK, "1,50", "5,3", "2,7"],
    ]
    # the graphs have a fixed size, drawn larger and scaled for the page
    g = find(page, "report-caseload-monthly-graph")
    assert g.responsive is False  # dcc.Graph: overrides config.responsive and layout.autosize
    assert checked(g.figure).layout.width == round(report_print.FULL_WIDTH / report_print.ZOOM)
    assert g.style["zoom"] == report_print.ZOOM
    # four themes, in order, each its own sheet
    themes = [c.id for c in page.children if getattr(c, "id", "").startswith("report-")]
    assert themes == ["report-title", "report-caseload", "report-budget", "report-transitions",
                      "report-outcomes"]
    # never a case manager, whatever the role (here: outside a request, the operator's)
    assert "S1" not in text_of(page) and find(page, "caseload-staff") is None
    # not in the navigation
    assert "/bericht" not in str(out["nav"])
    assert [link.children for link in out["nav"]] == [
        "Überblick", "Fallzahlen", "Mittelabfluss", "Statuswechsel", "Wirkung", "Datenstand"]


def test_the_report_draws_the_registry_figure_as_returned(engine, db_url):
    """No resizing after the fact: the graph on paper holds what sections.figure returns for
    the View and the report's Paper (here in high contrast), described for screen readers."""
    from dashboard import sections, theme, urlstate
    from dashboard.pages import caseload as caseload_page
    from tests.conftest import served

    load_fixture(engine)
    app = create_app(database_url=db_url, min_cell=5, cache_config="null", today=date(2025, 6, 30))
    search = "?von=2025-01-01&bis=2025-06-30&kontrast=hoch"
    page = rendered(app, "/bericht", search)["page"]
    g = find(page, "report-caseload-monthly-graph")
    with served(app):
        view = urlstate.read(app.server.config["KIM_DATA"], "/bericht", search)
        expected = sections.figure(caseload_page.MONTHLY, view,
                                   paper=sections.Paper(report_print.FULL_WIDTH,
                                                        report_print.ZOOM))
    assert g.figure == expected
    assert g.figure["layout"]["template"] is theme.template(contrast=True)
    assert g.figure["layout"]["width"] == round(980 / 0.8) == 1225
    assert g.style == {"width": "1225px", "height": f"{g.figure['layout']['height']}px",
                       "zoom": 0.8}
    assert g.config["staticPlot"] is True and g.config["displayModeBar"] is False
    description = find(page, "report-caseload-monthly-graph-beschreibung")
    assert text_of(description).startswith("Aktive Fälle am Monatsende: ")


def test_report_for_a_bezirk_shows_its_gemeinden(engine, db_url):
    load_fixture(engine)
    app = create_app(database_url=db_url, min_cell=5, cache_config="null", today=date(2025, 6, 30))
    page = rendered(app, "/bericht", "?von=2025-01-01&bis=2025-06-30&bezirk=NORD")["page"]
    assert text_of(find(page, "report-gebiet")) == "Bezirk Nord"
    assert text_of(find(page, "kpi-active-value")) == "5"
    # Coesfeld: 5 active, 6 opened, 1 closed (suppressed); 5 / 2,000 * 1,000 = 2.5
    assert rows_of(find(page, "report-caseload-table")) == [
        ["Coesfeld", "Nord", "5", "6", MARK, "2,5"]]
    assert find(page, "report-caseload-districts") is None
    assert find(page, "report-caseload-municipalities-graph") is not None


def test_report_takes_the_budget_year_of_the_mittelabfluss_page(engine, db_url):
    load_fixture(engine)
    app = create_app(database_url=db_url, min_cell=5, cache_config="null", today=date(2025, 6, 30))
    page = rendered(app, "/bericht", "?von=2025-01-01&bis=2025-06-30&jahr=2024")["page"]
    assert text_of(find(page, "report-budget-intro")).startswith(
        "Haushaltsjahr 2024, Stand 30.06.2025.")
    page = rendered(app, "/bericht", "?von=2025-01-01&bis=2025-06-30")["page"]
    assert text_of(find(page, "report-budget-intro")).startswith("Haushaltsjahr 2025,")
    page = rendered(app, "/bericht", "?von=2025-01-01&bis=2025-06-30&jahr=20x4")["page"]
    intro = text_of(find(page, "report-budget-intro"))
    assert intro.startswith("Haushaltsjahr 2025,") and "kein gültiges Haushaltsjahr" in intro


def test_garbage_in_the_address_gives_the_default_report_and_a_note(engine, db_url):
    load_fixture(engine)
    app = create_app(database_url=db_url, min_cell=5, cache_config="null", today=date(2025, 6, 30))
    for search in GARBAGE:
        out = rendered(app, "/bericht", search)
        assert out["notes"], search
        page = out["page"]
        assert find(page, "report-title") is not None, search
        assert text_of(find(page, "report-zeitraum")) == "01.01.–30.06.2025", search
        assert text_of(find(page, "report-gebiet")) == "Kreis gesamt", search
        assert "Diese Darstellung konnte" not in text_of(page), search


def test_only_the_report_stays_out_of_the_navigation():
    assert [p.PATH for p in pages.PAGES if not pages.in_nav(p)] == ["/bericht"]
    assert report_print in pages.PAGES and report_print.PATH == "/bericht"


# -- by direct HTTP, every role ------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('print') / 'kim.sqlite'}"
    engine = db.writer_engine(url)
    db.init_db(engine)
    demo.generate(engine, persons=300, seed=7, until=date(2025, 11, 15))
    engine.dispose()
    users_file = tmp_path_factory.mktemp("users") / "users.json"
    for name, role in USERS.items():
        add_user(users_file, name, role, PASSWORD)
    app = create_app(database_url=url, min_cell=5, cache_config="simple",
                     today=date(2025, 11, 15),
                     auth_settings=AuthSettings(mode="basic", users_file=users_file))
    srv, thread, base = serve(app)
    yield base
    srv.shutdown()
    thread.join(timeout=10)


@pytest.mark.parametrize("user", list(USERS))
def test_every_role_gets_the_report_without_the_case_manager_level(server, user):
    s = session_for(user)
    assert s.get(server + "/bericht?bezirk=NORD", timeout=30).status_code == 200
    for search in ("", "?bezirk=NORD"):
        r = route(s, server, "/bericht", search)
        assert r.status_code == 200
        body = r.json()["response"]
        page = str(body["kim-page"]["children"])
        assert NO_PERMISSION_TEXT not in page
        assert report_print.REPORT_HEADING in page
        assert "report-caseload-table" in page and "report-budget-table" in page
        assert "report-transitions-table" in page
        assert "Case Manager (Pseudonym)" not in page and "caseload-staff" not in page
        assert "/bericht" not in str(body["kim-nav"]["children"])
    # the report link sits in the frame, outside the navigation the slides step through
    layout = s.get(server + "/_dash-layout", timeout=30).text
    assert '"kim-report-link"' in layout


def test_report_refused_without_credentials(server):
    assert session_for(None).get(server + "/bericht", timeout=30).status_code == 401
    assert session_for(None).post(server + "/_dash-update-component", json={},
                                  timeout=30).status_code == 401


@pytest.mark.parametrize("search", GARBAGE)
def test_report_with_garbage_by_http(server, search):
    r = route(session_for("lg"), server, "/bericht", search)
    assert r.status_code == 200
    body = r.json()["response"]
    assert "kim-url-note" in str(body["kim-notes"]["children"])
    page = str(body["kim-page"]["children"])
    assert report_print.REPORT_HEADING in page and "Traceback" not in page
    html = session_for("lg").get(server + "/bericht" + search, timeout=30)
    assert html.status_code == 200 and "Traceback" not in html.text
