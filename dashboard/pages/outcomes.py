"""Wirkung (/wirkung): what the case management achieves – needs (Bedarfslagen) per Handlungsfeld
found, resolved and still open and how long they take; referrals (Verweisberatung) per
institution with the share declined, so that where the network fails stands out, and the same
per Bezirk; closed cases by reason with "Ziel erreicht oder übergeben" as the headline share and
the median duration; the two shares over time.

Every count is a count of cases or their events and arrives suppressed from queries/outcomes.py;
a sentence above each chart says its message, computed from the same figures. The Bezirk filter
applies (the district of the case); on the Kreis level a click on a Bezirk's bar opens that
Bezirk, and a breadcrumb leads back. Aggregates only: nothing here is at case-manager level, so
the Lenkungsgruppe sees the whole page.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, html

from queries import outcomes

from .. import format as fmt
from ..components import outcome_charts as oc
from ..components.breadcrumb import breadcrumb
from ..components.section import chart_section
from ..components.tables import data_table
from .caseload import district_of_click, district_search

PATH = "/wirkung"
TITLE = "Wirkung"
NAV_LABEL = "Wirkung"

GOAL_DISTRICTS_SECTION = "outcomes-goal-districts"
GOAL_DISTRICTS_GRAPH_ID = f"{GOAL_DISTRICTS_SECTION}-graph"
REFERRAL_DISTRICTS_SECTION = "outcomes-referral-districts"
REFERRAL_DISTRICTS_GRAPH_ID = f"{REFERRAL_DISTRICTS_SECTION}-graph"


def layout(view) -> html.Div:
    f, k = view.filter, view.min_cell
    needs = view.data.call(outcomes.needs, f)
    referrals = view.data.call(outcomes.referrals, f)
    closures = view.data.call(outcomes.closures, f)
    district = f.district is not None
    name = _district_name(view)
    scope = f"Bezirk {name}" if district else "Kreis gesamt"
    crumbs = [(view.kreis_name, view.href(PATH, district=None) if district else None)]
    if district:
        crumbs.append((f"Bezirk {name}", None))
    return html.Div(
        [
            html.H1([TITLE, html.Span(f" · {scope} · {fmt.period(f.period_from, f.period_to)}",
                                      className="kim-h1-sub")], className="kim-page-title"),
            breadcrumb(crumbs, nav_id="outcomes-breadcrumb"),
            _headline(closures, k),
            html.H2("Bedarfslagen je Handlungsfeld", className="kim-page-subtitle mt-3"),
            dbc.Row([
                dbc.Col(_message(oc.needs_sentence(needs, f.as_of, k), "outcomes-needs-message",
                                 _needs(needs, k)), xxl=7),
                dbc.Col(_message(oc.duration_sentence(needs), "outcomes-duration-message",
                                 _durations(needs, k)), xxl=5),
            ], className="g-3"),
            html.H2("Verweisberatung", className="kim-page-subtitle mt-4"),
            dbc.Row([
                dbc.Col(_message(oc.referral_sentence(referrals, k), "outcomes-referral-message",
                                 _referrals(referrals, k)), xxl=6),
                dbc.Col(_referral_districts(view), xxl=6) if not district else None,
            ], className="g-3"),
            html.H2("Abgeschlossene Fälle", className="kim-page-subtitle mt-4"),
            dbc.Row([
                dbc.Col(_message(oc.closure_sentence(closures, k), "outcomes-closure-message",
                                 _reasons(closures, k)), xxl=6),
                dbc.Col(_goal_districts(view), xxl=6) if not district else None,
            ], className="g-3"),
            _trend(view),
        ]
    )


def register_callbacks(app, data) -> None:
    """A click on a Bezirk (its goal-share bar or its column of the referral matrix) opens it."""
    @app.callback(
        Output("url", "search", allow_duplicate=True),
        Input(GOAL_DISTRICTS_GRAPH_ID, "clickData"),
        Input(REFERRAL_DISTRICTS_GRAPH_ID, "clickData"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def drill_down(goal_click, referral_click, search):
        district = district_of_click(goal_click) or district_of_click(referral_click)
        return district_search(data, district, search)


def _district_name(view) -> str | None:
    if view.filter.district is None:
        return None
    names = {d["id"]: d["name"] for d in view.data.districts()}
    return names.get(view.filter.district, view.filter.district)


def headline_text(closures: dict, k: int) -> str:
    """The page's first sentence (also the print report's)."""
    return oc.closure_sentence(closures, k)


def _headline(closures: dict, k: int) -> dbc.Row:
    """Two big numbers: the goal share and the median duration of the cases closed."""
    def card(title, value, detail, card_id):
        return dbc.Col(dbc.Card(dbc.CardBody([
            html.H2(title, className="kim-kpi-title"),
            html.Div(value, className="kim-kpi-value", id=f"{card_id}-value"),
            html.Div(detail, className="kim-kpi-detail", id=f"{card_id}-detail"),
        ]), className="kim-kpi h-100", id=card_id), xs=12, sm=6, lg=4)

    total = fmt.count(closures["total"], k)
    return dbc.Row([
        card(oc.GOAL_LABEL, fmt.percent(closures["goal_share"], 0),
             f"der {total} im Zeitraum abgeschlossenen Fälle", "outcomes-goal"),
        card("Falldauer (Median)",
             fmt.MISSING if closures["median_duration_days"] is None
             else f"{fmt.number(closures['median_duration_days'])} Tage",
             "von der Eröffnung bis zum Abschluss", "outcomes-duration"),
    ], className="g-3 kim-cards")


def _message(text: str, element_id: str, section) -> html.Div:
    """The chart's message as a sentence above it."""
    return html.Div([html.P(text, className="kim-summary kim-chart-message", id=element_id),
                     section])


def _needs(needs, k):
    def build():
        if not any(r["identified"] != 0 or r["open"] != 0 or r["resolved"] != 0 for r in needs):
            return None
        return oc.needs_bars(needs, k), data_table(
            "outcomes-needs-table", oc.NEED_COLUMNS, oc.need_rows(needs), min_cell=k,
            caption="Bedarfslagen je Handlungsfeld")
    return chart_section("outcomes-needs", "Festgestellt, erledigt und offen", build,
                         note="Festgestellt und erledigt im Zeitraum; offen am Stichtag.")


def _durations(needs, k):
    def build():
        if all(r["resolved"] == 0 for r in needs):
            return None
        return oc.resolve_days_bars(needs, k), data_table(
            "outcomes-duration-table", oc.DURATION_COLUMNS, oc.duration_rows(needs), min_cell=k,
            caption="Dauer bis zur Erledigung")
    return chart_section("outcomes-duration", "Tage bis zur Erledigung (Median)", build,
                         note="Über die im Zeitraum erledigten Bedarfslagen, vom Feststellen "
                              "bis zur Erledigung.")


def _referrals(referrals, k):
    def build():
        if not oc.referrals_in_order(referrals):
            return None
        return oc.declined_bars(referrals, k), data_table(
            "outcomes-referrals-table", oc.REFERRAL_COLUMNS, oc.referral_rows(referrals),
            min_cell=k, caption="Verweise je Institution")
    return chart_section("outcomes-referrals", "Abgelehnte Verweise je Institution", build,
                         note="Anteil der abgelehnten an den entschiedenen Verweisen (angenommen "
                              "oder abgelehnt); gestrichelt: alle Institutionen. Dunkel: "
                              "mindestens 5 Prozentpunkte darüber.")


def _referral_districts(view):
    k = view.min_cell
    by_district = view.data.call(outcomes.referrals_by_district, view.filter)

    def build():
        rows = oc.district_referral_rows(by_district)
        if not rows:
            return None
        return oc.district_matrix(by_district, k), data_table(
            "outcomes-referral-districts-table", oc.DISTRICT_REFERRAL_COLUMNS, rows,
            min_cell=k, caption="Verweise je Bezirk und Institution")
    return _message(oc.district_sentence(by_district, k), "outcomes-referral-districts-message",
                    chart_section(REFERRAL_DISTRICTS_SECTION, "Abgelehnte Verweise je Bezirk",
                                  build, clickable=True,
                                  note="Je dunkler, desto mehr abgelehnt. Klicken Sie auf einen "
                                       "Bezirk, um seine Zahlen zu sehen."))


def _reasons(closures, k):
    def build():
        if closures["total"] == 0:
            return None
        return oc.reason_bars(closures, k), data_table(
            "outcomes-reasons-table", oc.REASON_COLUMNS, oc.reason_rows(closures), min_cell=k,
            caption="Abgeschlossene Fälle nach Grund")
    return chart_section("outcomes-reasons", "Abgeschlossene Fälle nach Grund", build,
                         note="Dunkel: Ziele erreicht oder an einen Regeldienst übergeben.")


def _goal_districts(view):
    k = view.min_cell
    districts = view.data.call(outcomes.closures_by_district, view.filter)

    def build():
        if not districts or all(d["total"] == 0 for d in districts):
            return None
        return oc.goal_share_by_district(districts, k), data_table(
            "outcomes-goal-districts-table", oc.DISTRICT_CLOSURE_COLUMNS, districts, min_cell=k,
            caption="Abgeschlossene Fälle je Bezirk")
    return _message(oc.district_closure_sentence(districts), "outcomes-goal-districts-message",
                    chart_section(GOAL_DISTRICTS_SECTION, f"{oc.GOAL_LABEL} je Bezirk", build,
                                  clickable=True,
                                  note="Klicken Sie auf einen Bezirk, um seine Zahlen zu sehen."))


def _trend(view):
    f, k = view.filter, view.min_cell
    grain = oc.grain_for(f.period_from, f.period_to)
    rows = view.data.call(outcomes.trend, f, grain)

    def build():
        if not rows or all(r["closed"] == 0 and r["referred"] == 0 for r in rows):
            return None
        return oc.trend_lines(rows, k), data_table(
            "outcomes-trend-table", oc.TREND_COLUMNS, oc.trend_rows(rows), min_cell=k,
            caption=f"Entwicklung je {oc.GRAIN_WORDS[grain]}")
    return html.Div([
        html.H2("Entwicklung", className="kim-page-subtitle mt-4"),
        _message(oc.trend_sentence(rows, grain), "outcomes-trend-message",
                 chart_section("outcomes-trend",
                               f"{oc.GOAL_LABEL} und angenommene Verweise je "
                               f"{oc.GRAIN_WORDS[grain]}", build,
                               note="Anteile je Zeitabschnitt; wo die Zahl zu klein ist, fehlt "
                                    "der Punkt.")),
    ])
