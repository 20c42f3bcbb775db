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

from .. import format as fmt
from .. import security, urlstate
from ..components import charts
from ..components.breadcrumb import breadcrumb
from ..components.section import chart_section
from ..components.tables import Column, data_table
from ..data import DataUnavailable
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
NO_STAFF_LEVEL_TEXT = ("Die Fallzahlen je Case Manager sind für Ihre Rolle nicht freigegeben; "
                       "oben stehen die Zahlen der Gemeinde.")

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
    ags = view.state.municipality
    gemeinde = None
    note = None
    if district is not None and ags is not None:
        gemeinde = next((m for m in district["municipalities"] if m["ags"] == ags), None)
        if gemeinde is None:
            note = dbc.Alert([html.Strong("Hinweis zur Adresse: "),
                              urlstate.municipality_note(ags, district["id"])],
                             color="info", className="kim-url-note mb-3", id=MUNICIPALITY_NOTE_ID)
    scope_note = None
    if district is None:
        crumbs = [(view.kreis_name, None)]
        level = [_districts_block(view, figures), _municipalities_section(view, figures)]
    elif gemeinde is None:
        crumbs = [(view.kreis_name, kreis_href), (f"Bezirk {district['name']}", None)]
        level = [_district_summary(district, k), _municipalities_section(view, figures),
                 _staff_section(view, district) if can("staff_level") else None]
    else:
        crumbs = [(view.kreis_name, kreis_href),
                  (f"Bezirk {district['name']}", view.href(PATH, municipality=None)),
                  (f"Gemeinde {gemeinde['name']}", None)]
        level = [_municipality_summary(gemeinde, district, k),
                 _municipality_staff_section(view, district, gemeinde) if can("staff_level")
                 else html.P(NO_STAFF_LEVEL_TEXT, className="kim-section-note",
                             id="caseload-municipality-no-staff")]
        scope_note = (f"Die beiden folgenden Diagramme zeigen den ganzen Bezirk "
                      f"{district['name']}, nicht nur die Gemeinde {gemeinde['name']}.")
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
                    dbc.Col(_monthly_section(view, figures), xxl=6),
                    dbc.Col(_opened_closed_section(view), xxl=6),
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
        state = urlstate.parse(security.text_input(search), today=data.today(),
                               min_cell=data.min_cell, districts=known,
                               municipalities=municipalities)
        # From the Kreis level the click goes two levels down: the Gemeinde's Bezirk comes along.
        return urlstate.search_for(state, district=municipalities[ags], municipality=ags)


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
    state = urlstate.parse(security.text_input(search), today=data.today(),
                           min_cell=data.min_cell, districts=known)
    return urlstate.search_for(state, district=district)


def district_of_click(click: dict | None) -> str | None:
    """The id a click on a bar chart points at (customdata[0] of the bar): the district id on
    the district chart, the AGS on the Gemeinde chart."""
    try:
        value = click["points"][0]["customdata"][0]
    except (TypeError, KeyError, IndexError):
        return None
    # clickData comes from the browser and can be forged: only a plain, short id is looked at.
    return value if isinstance(value, str) and len(value) <= 64 else None


def _districts_block(view, figures) -> html.Div:
    k = view.min_cell
    districts = figures["districts"]
    totals = {"name": "Kreis gesamt", **figures["total"]}

    # Both charts stand on the one table under them: it is their download (section.py).
    def active():
        if not districts:
            return None
        return charts.active_cases_by_district(districts, k), None, table

    def per_fte():
        if not districts:
            return None
        return charts.caseload_per_fte_by_district(districts, k), None, table

    table = data_table("caseload-districts-table", DISTRICT_COLUMNS, [*districts, totals],
                       min_cell=k, caption="Fallzahlen je Bezirk") if districts else None
    return html.Div(
        [
            dbc.Row(
                [
                    dbc.Col(chart_section(
                        DISTRICTS_SECTION,
                        f"Aktive Fälle je Bezirk am {fmt.day(view.filter.as_of)}",
                        active, clickable=True,
                        note="Klicken Sie auf einen Bezirk, um seine Gemeinden"
                             + (" und Case Manager" if can("staff_level") else "") + " zu sehen.",
                    ), lg=6),
                    dbc.Col(chart_section(
                        "caseload-per-fte", "Fälle je Vollzeitstelle Case Management", per_fte,
                        note="Aktive Fälle geteilt durch die Vollzeitstellen am Stichtag.",
                    ), lg=6),
                ],
                className="g-3",
            ),
            table,
        ],
        className="kim-block",
    )


def _district_summary(district: dict, k: int) -> html.P:
    return html.P(
        f"Bezirk {district['name']}: {fmt.count(district['active'], k)} aktive Fälle, "
        f"{fmt.count(district['opened'], k)} eröffnet und {fmt.count(district['closed'], k)} "
        f"abgeschlossen im Zeitraum; {fmt.number(district['fte'], 2)} Vollzeitstellen Case "
        f"Management, {fmt.number(district['per_fte'], 1)} Fälle je Vollzeitstelle.",
        className="kim-summary", id="caseload-district-summary",
    )


def _municipalities_section(view, figures):
    k = view.min_cell
    rows = [
        {**m, "district": d["name"]}
        for d in figures["districts"]
        for m in d["municipalities"]
    ]

    def build():
        if not rows:
            return None
        fig = charts.per_1000_by_municipality(rows, k)
        return fig, data_table("caseload-municipalities-table", MUNICIPALITY_COLUMNS, rows,
                               min_cell=k, caption="Fallzahlen je Gemeinde")

    return chart_section(MUNICIPALITIES_SECTION,
                         "Aktive Fälle je 1.000 Einwohner nach Gemeinde", build, clickable=True,
                         note="Klicken Sie auf eine Gemeinde, um ihre "
                              + ("Case Manager" if can("staff_level") else "Zahlen") + " zu sehen.")


def _municipality_summary(gemeinde: dict, district: dict, k: int) -> html.P:
    return html.P(
        f"Gemeinde {gemeinde['name']} (Bezirk {district['name']}): "
        f"{fmt.count(gemeinde['active'], k)} aktive Fälle, {fmt.count(gemeinde['opened'], k)} "
        f"eröffnet und {fmt.count(gemeinde['closed'], k)} abgeschlossen im Zeitraum; "
        f"{fmt.number(gemeinde['per_1000'], 1)} aktive Fälle je 1.000 Einwohner.",
        className="kim-summary", id="caseload-municipality-summary",
    )


def _municipality_staff_section(view, district: dict, gemeinde: dict):
    k = view.min_cell

    def build():
        rows = view.data.call(caseload.caseload_by_staff, view.filter, district["id"],
                              gemeinde["ags"])
        if not rows:
            return None
        table_rows = [{**r, "staff": charts.staff_label(r["staff_id"])} for r in rows]
        fig = charts.active_cases_by_staff(rows, k)
        return fig, data_table("caseload-municipality-staff-table", MUNICIPALITY_STAFF_COLUMNS,
                               table_rows, min_cell=k,
                               caption=f"Fallzahlen je Case Manager in {gemeinde['name']}")

    return chart_section(
        MUNICIPALITY_STAFF_SECTION,
        f"Aktive Fälle je Case Manager in der Gemeinde {gemeinde['name']}", build,
        note="Nur die Fälle dieser Gemeinde (Wohnort bei Fallbeginn). Keine Spalte „Fälle je "
             "Vollzeitstelle“: die Vollzeitstelle eines Case Managers gilt für alle seine Fälle, "
             "nicht für eine Gemeinde. Case Manager erscheinen nur unter ihrem Pseudonym.",
    )


def _staff_section(view, district: dict):
    k = view.min_cell

    def build():
        rows = view.data.call(caseload.caseload_by_staff, view.filter, district["id"])
        if not rows:
            return None
        table_rows = [{**r, "staff": charts.staff_label(r["staff_id"])} for r in rows]
        fig = charts.active_cases_by_staff(rows, k)
        return fig, data_table("caseload-staff-table", STAFF_COLUMNS, table_rows, min_cell=k,
                               caption="Fallzahlen je Case Manager")

    return chart_section("caseload-staff",
                         f"Aktive Fälle je Case Manager im Bezirk {district['name']}", build,
                         note="Case Manager erscheinen nur unter ihrem Pseudonym.")


def _monthly_section(view, figures):
    k = view.min_cell
    rows = figures["monthly_active"]

    def build():
        if not rows:
            return None
        return charts.monthly_active(rows, k), data_table(
            "caseload-monthly-table", MONTHLY_COLUMNS, rows, min_cell=k,
            caption="Aktive Fälle am Monatsende")

    return chart_section("caseload-monthly", "Aktive Fälle am Monatsende", build)


def _opened_closed_section(view):
    k = view.min_cell

    def build():
        rows = view.data.call(caseload.opened_closed_monthly, view.filter)
        if not rows:
            return None
        return charts.opened_closed(rows, k), data_table(
            "caseload-opened-closed-table", OPENED_CLOSED_COLUMNS, rows, min_cell=k,
            caption="Eröffnete und abgeschlossene Fälle je Monat")

    return chart_section("caseload-opened-closed", "Eröffnete und abgeschlossene Fälle je Monat",
                         build)
