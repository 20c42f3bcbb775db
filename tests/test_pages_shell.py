"""The shell on real databases: router output, cards of a paper-sized fixture, the database banner
and recovery, the cache following the data version, failures turned into German words."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import insert

from dashboard import pages
from dashboard.app_factory import create_app, render
from dashboard.components.messages import ERROR_TEXT
from dashboard.data import Data, DataUnavailable
from queries import db, meta, schema
from queries.runs import record_run
from tests.conftest import served
from tests.figures import checked

TODAY = date(2025, 6, 30)
NBSP = "\u00a0"


def find(component, component_id):
    """The component with this id anywhere in a Dash component tree (or None)."""
    if component is None or isinstance(component, (str, int, float)):
        return None
    if isinstance(component, (list, tuple)):
        for child in component:
            found = find(child, component_id)
            if found is not None:
                return found
        return None
    if getattr(component, "id", None) == component_id:
        return component
    return find(getattr(component, "children", None), component_id)


def text_of(component) -> str:
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return "".join(text_of(c) for c in component)
    return text_of(getattr(component, "children", None))


def load_fixture(engine):
    """Two districts, nine cases; small enough to count on paper.

    NORD (Coesfeld, 2,000 inhabitants): 6 cases opened 01.02.2025, case manager S1 (0.5 FTE);
        one closed on 30.06.2025 (= as_of, so no longer active).
        -> active 5, opened 6, closed 1 (suppressed, •); per FTE 5 / 0.5 = 10.0
    SUED (Ascheberg, 1,000 inhabitants): 3 cases opened 01.05.2024, open; S2 (1.0 FTE).
        -> active 3 (suppressed), opened 0, closed 0
    Kreis 01.01.–30.06.2025: active 8, opened 6, closed 1 (suppressed);
        FTE 1.5, per FTE 8 / 1.5 = 5.33 -> "5,3"
    Same period 2024: active 3 (suppressed), opened 3 (suppressed) -> no comparison.
    Secondary suppression (K = 5), Kreis-wide: 8 = NORD + SUED would give SUED's 3 away, so
    NORD's 5 is hidden too (and Coesfeld's and S1's 5, the same count); the Kreis's 8 stays
    (SUED could be 1 … 7). Under bezirk=NORD nothing of NORD's 5 is hidden.
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
        cases = [
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
        ]
        conn.execute(insert(schema.case_file), cases)
        record_run(conn, started_at=datetime(2025, 6, 30, 8), source="test", outcome="OK",
                   files={}, finished_at=datetime(2025, 6, 30, 9))


def rendered(app, pathname, search=""):
    data = app.server.config["KIM_DATA"]
    with served(app):
        out = render(app, data, pages.PAGES, pathname, search)
    keys = ("kreis", "as_of", "nav", "notes", "filterbar", "page", "title")
    return dict(zip(keys, out, strict=True))


def test_overview_cards_on_a_paper_fixture(engine, db_url):
    load_fixture(engine)
    app = create_app(database_url=db_url, min_cell=5, cache_config="null", today=TODAY)
    out = rendered(app, "/")
    assert out["kreis"] == "Kreis Coesfeld"  # AGS prefix 05558
    assert out["as_of"] == "Datenstand: 30.06.2025"
    assert out["notes"] == []
    page = out["page"]
    assert text_of(find(page, "kpi-active-value")) == "8"
    assert text_of(find(page, "kpi-per-fte-value")) == "5,3"
    assert text_of(find(page, "kpi-opened-value")) == "6"
    # last year's 3 active cases are suppressed: no comparison, said in words
    assert text_of(find(page, "kpi-active-change")) == (
        "Kein Vergleich möglich (Zahl geheim gehalten) gegenüber 01.01.–30.06.2024")
    assert "Überblick" in out["title"]


def test_a_request_checks_out_one_connection_and_returns_it(engine, db_url):
    from sqlalchemy import event

    load_fixture(engine)
    app = create_app(database_url=db_url, min_cell=5, cache_config="null", today=TODAY)
    data = app.server.config["KIM_DATA"]
    checkouts = []
    event.listen(data.engine, "checkout", lambda *_args: checkouts.append(1))
    # the Überblick computes about a dozen figures (this period and last year's)
    out = rendered(app, "/")
    assert text_of(find(out["page"], "kpi-active-value")) == "8"
    assert len(checkouts) == 1
    assert data.engine.pool.checkedout() == 0  # returned when the app context ended
    # over HTTP: one per request as well, returned after the response
    client = app.server.test_client()
    response = client.get("/download/fallzahlen/caseload-districts.csv?von=2025-01-01"
                          "&bis=2025-06-30", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 200
    assert len(checkouts) == 2 and data.engine.pool.checkedout() == 0


def test_caseload_page_levels_on_a_paper_fixture(engine, db_url):
    load_fixture(engine)
    app = create_app(database_url=db_url, min_cell=5, cache_config="null", today=TODAY)
    kreis = rendered(app, "/fallzahlen")["page"]
    graph = find(kreis, "caseload-districts-graph")
    bars = checked(graph.figure).data[0]
    assert list(bars.x) == ["Nord", "Süd"]
    # SUED's 3 suppressed; Kreis 8 = NORD + SUED would give it away, so NORD's 5 is hidden
    # as well (secondary suppression). No bar is shown: both are the same sliver at the axis
    # (1.5 % of the tallest shown bar, here none), labelled "•"
    assert list(bars.y) == [1e-9, 1e-9]
    assert list(bars.text) == ["•", "•"]
    assert find(kreis, "caseload-staff") is None

    nord = rendered(app, "/fallzahlen", "?von=2025-01-01&bis=2025-06-30&bezirk=NORD")["page"]
    assert "Bezirk Nord" in text_of(find(nord, "kim-breadcrumb"))
    assert text_of(find(nord, "caseload-district-summary")).startswith(
        "Bezirk Nord: 5 aktive Fälle, 6 eröffnet und • abgeschlossen")
    # Under the NORD filter, NORD 5 = Coesfeld 5 = S1 5 hides nothing (SUED is not published
    # for this filter; the difference of two filters is the known limit)
    staff = checked(find(nord, "caseload-staff-graph").figure).data[0]
    assert list(staff.y) == ["S1"]
    assert list(staff.x) == [5]


def test_unknown_path_and_bad_url(engine, db_url):
    load_fixture(engine)
    app = create_app(database_url=db_url, min_cell=5, cache_config="null", today=TODAY)
    out = rendered(app, "/gibtsnicht")
    assert "Seite nicht gefunden" in text_of(out["page"])
    out = rendered(app, "/", "?von=kaputt&bezirk=%27%3BDROP")
    assert "„kaputt“ ist kein gültiges Datum" in text_of(out["notes"])
    assert text_of(find(out["page"], "kpi-active-value")) == "8"


def test_database_away_shows_the_banner_and_recovers_without_restart(tmp_path):
    url = f"sqlite:///{tmp_path / 'later.sqlite'}"
    app = create_app(database_url=url, min_cell=5, cache_config="simple", today=TODAY)
    out = rendered(app, "/")
    assert "Die Datenbank ist gerade nicht erreichbar" in text_of(out["notes"])
    assert out["page"] is None
    assert out["kreis"] == ""

    engine = db.writer_engine(url)
    db.init_db(engine)
    load_fixture(engine)
    engine.dispose()
    out = rendered(app, "/")
    assert out["notes"] == []
    assert text_of(find(out["page"], "kpi-active-value")) == "8"


def test_cache_follows_the_data_version(engine, db_url):
    from flask import Flask
    from flask_caching import Cache

    load_fixture(engine)
    cache = Cache(config={"CACHE_TYPE": "SimpleCache"})
    probe = Flask(__name__)
    cache.init_app(probe)
    data = Data(db_url, min_cell=5, cache=cache)
    calls = []

    def counted(conn):
        calls.append(1)
        return meta.table_counts(conn)["case_file"]

    def call():  # each read in a request of its own, with a role (none outside a request)
        import flask

        with probe.test_request_context("/"):
            flask.g.kim_role = "lenkungsgruppe"
            return data.call(counted)

    assert call() == 9
    assert call() == 9
    assert len(calls) == 1  # the second answer came from the cache
    with engine.begin() as conn:  # a new import: the data version moves on
        record_run(conn, started_at=datetime(2025, 7, 1, 8), source="test", outcome="OK",
                   files={})
    assert call() == 9
    assert len(calls) == 2


def test_a_failing_section_says_so_in_german():
    import flask

    from dashboard import sections, urlstate

    def broken(_view):
        raise ZeroDivisionError("boom")

    def away(_view):
        raise DataUnavailable()

    def section(section_id, query):
        return sections.Section(id=section_id, page="/x", permission="aggregates",
                                title="Titel", caption="Tabelle", query=query, columns=(),
                                figure=lambda rows, view: {"data": [], "layout": {}})

    view = urlstate.parse("", today=TODAY, min_cell=5)
    with flask.Flask(__name__).test_request_context():
        flask.g.kim_role = "lenkungsgruppe"
        drawn = sections.draw(section("x", broken), view)
        assert ERROR_TEXT in text_of(drawn)
        assert "boom" not in text_of(drawn)
        assert "Für diese Auswahl liegen keine Daten vor." in text_of(
            sections.draw(section("y", lambda _view: []), view))
        with pytest.raises(DataUnavailable):
            sections.draw(section("z", away), view)


def test_one_request_to_fallzahlen_checks_the_derived_tables_once(engine, db_url):
    """Every figure function asks derived.fresh (three queries); within one request the answer
    is looked up once. Counted with a before_cursor_execute listener on the app's engine: of
    all statements of the request, exactly one reads derived_state."""
    from sqlalchemy import event

    from queries import derived

    load_fixture(engine)
    with engine.begin() as conn:
        derived.rebuild_if_stale(conn)
        assert derived.fresh(conn)  # the figures read the derived tables
    app = create_app(database_url=db_url, min_cell=5, cache_config="null", today=TODAY)
    data = app.server.config["KIM_DATA"]
    statements = []

    @event.listens_for(data.engine, "before_cursor_execute")
    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    out = rendered(app, "/fallzahlen", "?von=2025-01-01&bis=2025-06-30")
    assert find(out["page"], "caseload-districts-graph") is not None
    assert find(out["page"], "caseload-opened-closed-graph") is not None
    state_reads = [s for s in statements if "FROM derived_state" in s]
    assert len(state_reads) == 1, state_reads
    # the request ran several figure functions (each would have checked on its own before)
    assert len(statements) > 5
    statements.clear()
    rendered(app, "/fallzahlen", "?von=2025-01-01&bis=2025-06-30")  # the next request: anew
    assert len([s for s in statements if "FROM derived_state" in s]) == 1
