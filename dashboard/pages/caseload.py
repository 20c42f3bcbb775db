"""Fallzahlen (/fallzahlen): active cases and caseload per FTE by Bezirk, per 1,000 inhabitants by
Gemeinde, active cases month by month, opened and closed per month; with a drill-down.

Drill-down levels live in the URL parameters `bezirk` (the same one the filter bar sets) and
`gemeinde` (dashboard/urlstate.py):
    no bezirk                        Kreis level: the Bezirke; clicking a Bezirk's bar opens its
                                     level, clicking a Gemeinde's bar the Gemeinde's level
    bezirk=NORD                      Bezirk level: its Gemeinden and its case managers (pseudonyms)
    bezirk=NORD&gemeinde=05558012    Gemeinde level: its totals and, for roles with "staff_level",
                                     its case managers, counting only the cases of that Gemeinde
                                     (case_file.municipality_ags); no per-FTE column there
A breadcrumb leads back up. The table behind each chart sits under it. A `gemeinde` the router
could not check (it parses without the municipalities) is checked here against the Bezirk's
Gemeinden; one that is not among them gives a note and the Bezirk level.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, html, no_update

from queries import caseload
from queries.territory import Territory

from .. import format as fmt
from .. import urlstate
from ..components import charts
from ..components.breadcrumb import breadcrumb
from ..components.tables import Column
from ..data import DataUnavailable
from ..sections import Section, draw, shared_grid
from ..security import can

PATH = "/fallzahlen"
TITLE = "Fallzahlen"
NAV_LABEL = "Fallzahlen"

DISTRICTS_SECTION = "caseload-districts"
DISTRICT_GRAPH_ID = f"{DISTRICTS_SECTION}-graph"
MUNICIPALITIES_SECTION = "caseload-municipalities"
MUNICIPALITY_GRAPH_ID = f"{MUNICIPALITIES_SECTION}-graph"
MUNICIPALITY_STAFF_SECTION = "caseload-municipality-staff"
# Downloads name the Gemeinde of `gemeinde=` (this page has that drill-down level).
MUNICIPALITY_LEVEL = True
MUNICIPALITY_NOTE_ID = "caseload-municipality-note"


def no_staff_level_text(words: Territory) -> str:
    return ("Die Fallzahlen je Case Manager sind für Ihre Rolle nicht freigegeben; "
            f"oben stehen die Zahlen {'des Stadtteils' if words.is_city else 'der Gemeinde'}.")


def district_columns(words: Territory) -> tuple[Column, ...]:
    """The Bezirk table's columns, headed with the level's word (Bezirk or Stadtbezirk)."""
    return (Column("name", words.district_word), *DISTRICT_COLUMNS[1:])


def municipality_columns(words: Territory) -> tuple[Column, ...]:
    return (Column("name", words.municipality_word), Column("district", words.district_word),
            *MUNICIPALITY_COLUMNS[2:])


# The columns as a Kreis names them; district_columns / municipality_columns give a city's.
DISTRICT_COLUMNS = (
    Column("name", "Bezirk"),
    Column("active", "aktive Fälle", "count"),
    Column("opened", "eröffnet", "count"),
    Column("closed", "abgeschlossen", "count"),
    Column("fte", "Vollzeitstellen Case Management", "number", 2),
    Column("per_fte", "Fälle je Vollzeitstelle", "number", 1),
    Column("per_1000", "je 1.000 Einwohner", "number", 1),
)
MUNICIPALITY_COLUMNS = (
    Column("name", "Gemeinde"),
    Column("district", "Bezirk"),
    Column("active", "aktive Fälle", "count"),
    Column("opened", "eröffnet", "count"),
    Column("closed", "abgeschlossen", "count"),
    Column("per_1000", "aktive Fälle je 1.000 Einwohner", "number", 1),
)
STAFF_COLUMNS = (
    Column("staff", "Case Manager (Pseudonym)"),
    Column("home", "Stelle gezählt in"),
    Column("fte", "Vollzeitstelle", "number", 2),
    Column("active", "aktive Fälle", "count"),
    Column("opened", "eröffnet", "count"),
    Column("closed", "abgeschlossen", "count"),
    Column("per_fte", "Fälle je Vollzeitstelle", "number", 1),
)
MUNICIPALITY_STAFF_COLUMNS = (
    Column("staff", "Case Manager (Pseudonym)"),
    Column("active", "aktive Fälle", "count"),
    Column("opened", "eröffnet", "count"),
    Column("closed", "abgeschlossen", "count"),
)
MONTHLY_COLUMNS = (
    Column("month", "Monat", "month"),
    Column("active", "aktive Fälle am Monatsende", "count"),
)
OPENED_CLOSED_COLUMNS = (
    Column("month", "Monat", "month"),
    Column("opened", "eröffnet", "count"),
    Column("closed", "abgeschlossen", "count"),
)


def layout(view) -> html.Div:
    f, k = view.filter, view.min_cell
    figures = view.data.call(caseload.caseload, f)
    district = figures["districts"][0] if f.district is not None and figures["districts"] else None
    kreis_href = view.href(PATH, district=None)
    ags = view.municipality
    gemeinde = None
    note = None
    if district is not None and ags is not None:
        gemeinde = next((m for m in district["municipalities"] if m["ags"] == ags), None)
        if gemeinde is None:
            note = dbc.Alert([html.Strong("Hinweis zur Adresse: "),
                              urlstate.municipality_note(ags, district["id"], view.words)],
                             color="info", className="kim-url-note mb-3", id=MUNICIPALITY_NOTE_ID)
    scope_note = None
    w = view.words
    if district is None:
        crumbs = [(view.kreis_name, None)]
        level = [_districts_block(view), draw(MUNICIPALITIES, view, clickable=True)]
    elif gemeinde is None:
        crumbs = [(view.kreis_name, kreis_href), (w.district_label(district["name"]), None)]
        level = [_district_summary(district, k, w), draw(MUNICIPALITIES, view, clickable=True),
                 draw(STAFF, view) if can("staff_level") else None]
    else:
        crumbs = [(view.kreis_name, kreis_href),
                  (w.district_label(district["name"]), view.href(PATH, municipality=None)),
                  (w.municipality_label(gemeinde["name"]), None)]
        level = [_municipality_summary(gemeinde, district, k, w),
                 draw(MUNICIPALITY_STAFF, view) if can("staff_level")
                 else html.P(no_staff_level_text(w), className="kim-section-note",
                             id="caseload-municipality-no-staff")]
        scope_note = (f"Die beiden folgenden Diagramme zeigen den ganzen "
                      f"{w.district_label(district['name'])}, nicht nur "
                      f"{'den' if w.is_city else 'die'} "
                      f"{w.municipality_label(gemeinde['name'])}.")
    return html.Div(
        [
            html.H1([TITLE, html.Span(f" · {fmt.period(f.period_from, f.period_to)}",
                                      className="kim-h1-sub")], className="kim-page-title"),
            breadcrumb(crumbs),
            note,
            *level,
            html.P(scope_note, className="kim-section-note") if scope_note else None,
            dbc.Row(
                [
                    dbc.Col(draw(MONTHLY, view), xxl=6),
                    dbc.Col(draw(OPENED_CLOSED, view), xxl=6),
                ],
                className="g-3",
            ),
        ]
    )


def register_callbacks(app, data) -> None:
    @app.callback(
        Output("url", "search", allow_duplicate=True),
        Input(DISTRICT_GRAPH_ID, "clickData"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def drill_down(click, search):
        return district_search(data, district_of_click(click), search)

    @app.callback(
        Output("url", "search", allow_duplicate=True),
        Input(MUNICIPALITY_GRAPH_ID, "clickData"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def drill_down_municipality(click, search):
        ags = district_of_click(click)  # the bar's customdata[0] is the AGS
        if ags is None:
            return no_update
        try:
            known = {d["id"] for d in data.districts()}
            municipalities = data.municipality_districts()
        except DataUnavailable:
            return no_update
        if municipalities.get(ags) not in known:
            return no_update
        # From the Kreis level the click goes two levels down: the Gemeinde's Bezirk comes along.
        return urlstate.search_for(urlstate.read(data, PATH, search),
                                   district=municipalities[ags], municipality=ags)


def district_search(data, district: str | None, search: str | None):
    """The URL's query string with `district` chosen (a drill-down click), or no_update when it
    is no known district (clickData can be forged) or the database cannot say."""
    if district is None:
        return no_update
    try:
        known = {d["id"] for d in data.districts()}
    except DataUnavailable:
        return no_update
    if district not in known:
        return no_update
    return urlstate.search_for(urlstate.read(data, PATH, search), district=district)


def district_of_click(click: dict | None) -> str | None:
    """The id a click on a bar chart points at (customdata[0] of the bar): the district id on
    the district chart, the AGS on the Gemeinde chart."""
    try:
        value = click["points"][0]["customdata"][0]
    except (TypeError, KeyError, IndexError):
        return None
    # clickData comes from the browser and can be forged: only a plain, short id is looked at.
    return value if isinstance(value, str) and len(value) <= 64 else None


def _districts_block(view) -> html.Div:
    # Both charts stand on the one table under them: it is their download.
    return html.Div(
        [
            dbc.Row(
                [
                    dbc.Col(draw(DISTRICTS, view, clickable=True), lg=6),
                    dbc.Col(draw(PER_FTE, view), lg=6),
                ],
                className="g-3",
            ),
            shared_grid(DISTRICTS, view),
        ],
        className="kim-block",
    )


def _district_summary(district: dict, k: int, w: Territory) -> html.P:
    return html.P(
        f"{w.district_label(district['name'])}: {fmt.count(district['active'], k)} aktive Fälle, "
        f"{fmt.count(district['opened'], k)} eröffnet und {fmt.count(district['closed'], k)} "
        f"abgeschlossen im Zeitraum; {fmt.number(district['fte'], 2)} Vollzeitstellen Case "
        f"Management, {fmt.number(district['per_fte'], 1)} Fälle je Vollzeitstelle.",
        className="kim-summary", id="caseload-district-summary",
    )


def _municipality_summary(gemeinde: dict, district: dict, k: int, w: Territory) -> html.P:
    return html.P(
        f"{w.municipality_label(gemeinde['name'])} ({w.district_label(district['name'])}): "
        f"{fmt.count(gemeinde['active'], k)} aktive Fälle, {fmt.count(gemeinde['opened'], k)} "
        f"eröffnet und {fmt.count(gemeinde['closed'], k)} abgeschlossen im Zeitraum; "
        f"{fmt.number(gemeinde['per_1000'], 1)} aktive Fälle je 1.000 Einwohner.",
        className="kim-summary", id="caseload-municipality-summary",
    )


# --- the sections (dashboard/sections.py) ---------------------------------------------------


def _figures(view) -> dict:
    return view.data.call(caseload.caseload, view.filter)


def _district(view) -> dict | None:
    """The Bezirk of the view (None at Kreis level or for a Bezirk without figures)."""
    districts = _figures(view)["districts"]
    return districts[0] if view.filter.district is not None and districts else None


def _gemeinde(view) -> dict | None:
    """The Gemeinde of the view's `gemeinde` among its Bezirk's (None: Bezirk level)."""
    district = _district(view)
    if district is None or view.municipality is None:
        return None
    return next((m for m in district["municipalities"] if m["ags"] == view.municipality), None)


def _district_rows(figures: dict, view) -> list[dict]:
    return [*figures["districts"], {"name": view.words.total, **figures["total"]}]


def _staff_rows(rows: list[dict], _view) -> list[dict]:
    return [{**r, "staff": charts.staff_label(r["staff_id"])} for r in rows]


def _home(row: dict, view) -> str:
    """Where a case manager's post counts (the Bezirk table's FTE adds up to the Bezirk's)."""
    w, district = view.words, _district(view)
    if row["staff_id"] is None:
        return ""
    if row["home_district_id"] == district["id"]:
        return district["name"]
    if row["home_district_id"] is None:
        return f"{w.total} (ohne {w.district_word})"
    names = {d["id"]: d["name"] for d in view.data.districts()}
    return names.get(row["home_district_id"], row["home_district_id"])


def _district_staff_rows(rows: list[dict], view) -> list[dict]:
    return [{**r, "staff": charts.staff_label(r["staff_id"]), "home": _home(r, view)}
            for r in rows]


def _municipalities_note(view) -> str:
    w = view.words
    # "einen Stadtteil … seine", "eine Gemeinde … ihre"
    article, possessive = ("einen", "seine") if w.is_city else ("eine", "ihre")
    return (f"Klicken Sie auf {article} {w.municipality_word}, um {possessive} "
            + ("Case Manager" if can("staff_level") else "Zahlen") + " zu sehen.")


def _municipality_staff_note(view) -> str:
    w = view.words
    this, one = ("dieses", "einen") if w.is_city else ("dieser", "eine")
    return (f"Nur die Fälle {this} {w.municipality_word}{'s' if w.is_city else ''} (Wohnort bei "
            "Fallbeginn). Keine Spalte „Fälle je Vollzeitstelle“: die Vollzeitstelle eines "
            f"Case Managers gilt für alle seine Fälle, nicht für {one} {w.municipality_word}. "
            "Case Manager erscheinen nur unter ihrem Pseudonym.")


def _staff_note(view) -> str:
    w = view.words
    return ("Case Manager erscheinen nur unter ihrem Pseudonym. Wer für einen "
            f"anderen {w.district_word} eingesetzt ist, steht hier mit seinen "
            f"Fällen aus diesem {w.district_word}, aber mit 0 Vollzeitstellen: "
            "seine Stelle zählt dort, wo er eingesetzt ist (Spalte „Stelle "
            "gezählt in“). So ergibt die Spalte „Vollzeitstelle“ zusammen die "
            f"Vollzeitstellen des {w.district_word}s.")


DISTRICTS = Section(
    id=DISTRICTS_SECTION, page=PATH, permission="aggregates",
    title=lambda view: (f"Aktive Fälle je {view.words.district_word} am "
                        f"{fmt.day(view.filter.as_of)}"),
    caption=lambda view: f"Fallzahlen je {view.words.district_word}", query=_figures,
    columns=lambda _figures, view: district_columns(view.words),
    rows=_district_rows, has_data=lambda figures: bool(figures["districts"]),
    figure=lambda figures, view: charts.active_cases_by_district(figures["districts"],
                                                                 view.min_cell),
    applies=lambda view: _district(view) is None, shared_table=True,
    table_id="caseload-districts-table",
    note=lambda view: (f"Klicken Sie auf einen {view.words.district_word}, um seine "
                       f"{view.words.municipalities_word}"
                       + (" und Case Manager" if can("staff_level") else "") + " zu sehen."),
)
PER_FTE = Section(
    id="caseload-per-fte", page=PATH, permission="aggregates",
    title="Fälle je Vollzeitstelle Case Management",
    caption=lambda view: f"Fallzahlen je {view.words.district_word}",
    query=_figures, columns=lambda _figures, view: district_columns(view.words),
    rows=_district_rows,
    has_data=lambda figures: bool(figures["districts"]),
    figure=lambda figures, view: charts.caseload_per_fte_by_district(figures["districts"],
                                                                     view.min_cell),
    applies=lambda view: _district(view) is None, shared_table=True,
    table_id="caseload-districts-table",
    note="Aktive Fälle geteilt durch die Vollzeitstellen am Stichtag.",
)
MUNICIPALITIES = Section(
    id=MUNICIPALITIES_SECTION, page=PATH, permission="aggregates",
    title=lambda view: f"Aktive Fälle je 1.000 Einwohner nach {view.words.municipality_word}",
    caption=lambda view: f"Fallzahlen je {view.words.municipality_word}",
    query=lambda view: [{**m, "district": d["name"]} for d in _figures(view)["districts"]
                        for m in d["municipalities"]],
    columns=lambda _rows, view: municipality_columns(view.words),
    figure=lambda rows, view: charts.per_1000_by_municipality(rows, view.min_cell),
    applies=lambda view: _gemeinde(view) is None,
    note=_municipalities_note,
)
STAFF = Section(
    id="caseload-staff", page=PATH, permission="staff_level",
    title=lambda view: (f"Aktive Fälle je Case Manager im "
                        f"{view.words.district_label(_district(view)['name'])}"),
    caption="Fallzahlen je Case Manager",
    query=lambda view: view.data.call(caseload.caseload_by_staff, view.filter,
                                      _district(view)["id"]),
    columns=STAFF_COLUMNS, rows=_district_staff_rows,
    figure=lambda rows, view: charts.active_cases_by_staff(rows, view.min_cell),
    applies=lambda view: _district(view) is not None and _gemeinde(view) is None,
    note=_staff_note,
)
MUNICIPALITY_STAFF = Section(
    id=MUNICIPALITY_STAFF_SECTION, page=PATH, permission="staff_level",
    title=lambda view: (f"Aktive Fälle je Case Manager {'im' if view.words.is_city else 'in der'} "
                        f"{view.words.municipality_label(_gemeinde(view)['name'])}"),
    caption=lambda view: f"Fallzahlen je Case Manager in {_gemeinde(view)['name']}",
    query=lambda view: view.data.call(caseload.caseload_by_staff, view.filter,
                                      _district(view)["id"], _gemeinde(view)["ags"]),
    columns=MUNICIPALITY_STAFF_COLUMNS, rows=_staff_rows,
    figure=lambda rows, view: charts.active_cases_by_staff(rows, view.min_cell),
    applies=lambda view: _gemeinde(view) is not None,
    note=_municipality_staff_note,
)
MONTHLY = Section(
    id="caseload-monthly", page=PATH, permission="aggregates",
    title="Aktive Fälle am Monatsende", caption="Aktive Fälle am Monatsende",
    query=lambda view: _figures(view)["monthly_active"], columns=MONTHLY_COLUMNS,
    figure=lambda rows, view: charts.monthly_active(rows, view.min_cell),
)
OPENED_CLOSED = Section(
    id="caseload-opened-closed", page=PATH, permission="aggregates",
    title="Eröffnete und abgeschlossene Fälle je Monat",
    caption="Eröffnete und abgeschlossene Fälle je Monat",
    query=lambda view: view.data.call(caseload.opened_closed_monthly, view.filter),
    columns=OPENED_CLOSED_COLUMNS,
    figure=lambda rows, view: charts.opened_closed(rows, view.min_cell),
)
SECTIONS = (DISTRICTS, PER_FTE, MUNICIPALITIES, STAFF, MUNICIPALITY_STAFF, MONTHLY,
            OPENED_CLOSED)
