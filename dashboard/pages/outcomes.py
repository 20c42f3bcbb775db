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
from ..sections import Section, draw
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
    w = view.words
    scope = w.district_label(name) if district else w.total
    crumbs = [(view.kreis_name, view.href(PATH, district=None) if district else None)]
    if district:
        crumbs.append((w.district_label(name), None))
    return html.Div(
        [
            html.H1([TITLE, html.Span(f" · {scope} · {fmt.period(f.period_from, f.period_to)}",
                                      className="kim-h1-sub")], className="kim-page-title"),
            breadcrumb(crumbs, nav_id="outcomes-breadcrumb"),
            _headline(closures, k),
            html.H2("Bedarfslagen je Handlungsfeld", className="kim-page-subtitle mt-3"),
            dbc.Row([
                dbc.Col(_message(oc.needs_sentence(needs, f.as_of, k), "outcomes-needs-message",
                                 draw(NEEDS, view)), xxl=7),
                dbc.Col(_message(oc.duration_sentence(needs), "outcomes-duration-message",
                                 draw(DURATIONS, view)), xxl=5),
            ], className="g-3"),
            html.H2("Verweisberatung", className="kim-page-subtitle mt-4"),
            dbc.Row([
                dbc.Col(_message(oc.referral_sentence(referrals, k), "outcomes-referral-message",
                                 draw(REFERRALS, view)), xxl=6),
                dbc.Col(_message(
                    oc.district_sentence(view.data.call(outcomes.referrals_by_district, f), k, w),
                    "outcomes-referral-districts-message",
                    draw(REFERRAL_DISTRICTS, view, clickable=True)), xxl=6)
                if not district else None,
            ], className="g-3"),
            html.H2("Abgeschlossene Fälle", className="kim-page-subtitle mt-4"),
            dbc.Row([
                dbc.Col(_message(oc.closure_sentence(closures, k), "outcomes-closure-message",
                                 draw(REASONS, view)), xxl=6),
                dbc.Col(_message(
                    oc.district_closure_sentence(
                        view.data.call(outcomes.closures_by_district, f), w),
                    "outcomes-goal-districts-message",
                    draw(GOAL_DISTRICTS, view, clickable=True)), xxl=6)
                if not district else None,
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


def _trend(view):
    grain = _grain(view)
    rows = view.data.call(outcomes.trend, view.filter, grain)
    return html.Div([
        html.H2("Entwicklung", className="kim-page-subtitle mt-4"),
        _message(oc.trend_sentence(rows, grain), "outcomes-trend-message", draw(TREND, view)),
    ])


def _grain(view) -> str:
    return oc.grain_for(view.filter.period_from, view.filter.period_to)


# --- the sections (dashboard/sections.py) ---------------------------------------------------


def _needs_source(view):
    return view.data.call(outcomes.needs, view.filter)


NEEDS = Section(
    id="outcomes-needs", page=PATH, permission="aggregates",
    title="Festgestellt, erledigt und offen", caption="Bedarfslagen je Handlungsfeld",
    query=_needs_source, columns=oc.NEED_COLUMNS, rows=lambda needs, _view: oc.need_rows(needs),
    has_data=lambda needs: any(r["identified"] != 0 or r["open"] != 0 or r["resolved"] != 0
                               for r in needs),
    figure=lambda needs, view: oc.needs_bars(needs, view.min_cell),
    note="Festgestellt und erledigt im Zeitraum; offen am Stichtag.",
)
DURATIONS = Section(
    id="outcomes-duration", page=PATH, permission="aggregates",
    title="Tage bis zur Erledigung (Median)", caption="Dauer bis zur Erledigung",
    query=_needs_source, columns=oc.DURATION_COLUMNS,
    rows=lambda needs, _view: oc.duration_rows(needs),
    has_data=lambda needs: any(r["resolved"] != 0 for r in needs),
    figure=lambda needs, view: oc.resolve_days_bars(needs, view.min_cell),
    note="Über die im Zeitraum erledigten Bedarfslagen, vom Feststellen bis zur Erledigung.",
)
REFERRALS = Section(
    id="outcomes-referrals", page=PATH, permission="aggregates",
    title="Abgelehnte Verweise je Institution", caption="Verweise je Institution",
    query=lambda view: view.data.call(outcomes.referrals, view.filter),
    columns=oc.REFERRAL_COLUMNS, rows=lambda referrals, _view: oc.referral_rows(referrals),
    has_data=lambda referrals: bool(oc.referrals_in_order(referrals)),
    figure=lambda referrals, view: oc.declined_bars(referrals, view.min_cell),
    note="Anteil der abgelehnten an den entschiedenen Verweisen (angenommen oder abgelehnt); "
         "gestrichelt: alle Institutionen. Dunkel: mindestens 5 Prozentpunkte darüber.",
)
REFERRAL_DISTRICTS = Section(
    id=REFERRAL_DISTRICTS_SECTION, page=PATH, permission="aggregates",
    title=lambda view: f"Abgelehnte Verweise je {view.words.district_word}",
    caption=lambda view: f"Verweise je {view.words.district_word} und Institution",
    query=lambda view: view.data.call(outcomes.referrals_by_district, view.filter),
    columns=lambda _src, view: oc.district_referral_columns(view.words),
    rows=lambda by_district, _view: oc.district_referral_rows(by_district),
    has_data=lambda by_district: bool(oc.district_referral_rows(by_district)),
    figure=lambda by_district, view: oc.district_matrix(by_district, view.min_cell, view.words),
    applies=lambda view: view.filter.district is None,
    note=lambda view: (f"Je dunkler, desto mehr abgelehnt. Klicken Sie auf einen "
                       f"{view.words.district_word}, um seine Zahlen zu sehen."),
)
REASONS = Section(
    id="outcomes-reasons", page=PATH, permission="aggregates",
    title="Abgeschlossene Fälle nach Grund", caption="Abgeschlossene Fälle nach Grund",
    query=lambda view: view.data.call(outcomes.closures, view.filter),
    columns=oc.REASON_COLUMNS, rows=lambda closures, _view: oc.reason_rows(closures),
    has_data=lambda closures: closures["total"] != 0,
    figure=lambda closures, view: oc.reason_bars(closures, view.min_cell),
    note="Dunkel: Ziele erreicht oder an einen Regeldienst übergeben.",
)
GOAL_DISTRICTS = Section(
    id=GOAL_DISTRICTS_SECTION, page=PATH, permission="aggregates",
    title=lambda view: f"{oc.GOAL_LABEL} je {view.words.district_word}",
    caption=lambda view: f"Abgeschlossene Fälle je {view.words.district_word}",
    query=lambda view: view.data.call(outcomes.closures_by_district, view.filter),
    columns=lambda _src, view: oc.district_closure_columns(view.words),
    has_data=lambda districts: bool(districts) and any(d["total"] != 0 for d in districts),
    figure=lambda districts, view: oc.goal_share_by_district(districts, view.min_cell),
    applies=lambda view: view.filter.district is None,
    note=lambda view: (f"Klicken Sie auf einen {view.words.district_word}, um seine Zahlen zu "
                       "sehen."),
)
TREND = Section(
    id="outcomes-trend", page=PATH, permission="aggregates",
    title=lambda view: (f"{oc.GOAL_LABEL} und angenommene Verweise je "
                        f"{oc.GRAIN_WORDS[_grain(view)]}"),
    caption=lambda view: f"Entwicklung je {oc.GRAIN_WORDS[_grain(view)]}",
    query=lambda view: view.data.call(outcomes.trend, view.filter, _grain(view)),
    columns=oc.TREND_COLUMNS, rows=lambda rows, _view: oc.trend_rows(rows),
    has_data=lambda rows: bool(rows) and any(r["closed"] != 0 or r["referred"] != 0
                                             for r in rows),
    figure=lambda rows, view: oc.trend_lines(rows, view.min_cell),
    note="Anteile je Zeitabschnitt; wo die Zahl zu klein ist, fehlt der Punkt.",
)
SECTIONS = (NEEDS, DURATIONS, REFERRALS, REFERRAL_DISTRICTS, REASONS, GOAL_DISTRICTS, TREND)
