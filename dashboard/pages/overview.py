"""Überblick (/): the headline figures of KPIS.md as cards, each against the same period one year
earlier, and one small chart per theme linking to its page.

The cards show exactly the values of `kim report` for the same filter (the same queries/
functions); the browser tests compare them.
"""

from __future__ import annotations

import logging

import dash_bootstrap_components as dbc
from dash import dcc, html

from queries import budget, caseload, outcomes, transitions

from .. import format as fmt
from .. import theme
from ..components import budget_charts, charts
from ..components import outcome_charts as oc
from ..components.kpi import change, kpi_card
from ..components.messages import error_message
from ..components.section import chart_section
from ..components.tables import Column, data_table
from ..data import DataUnavailable

log = logging.getLogger(__name__)

PATH = "/"
TITLE = "Überblick"
NAV_LABEL = "Überblick"

CASELOAD_PATH = "/fallzahlen"
BUDGET_PATH = "/budget"
TRANSITIONS_PATH = "/statuswechsel"
OUTCOMES_PATH = "/wirkung"
# The tables behind the small charts: not shown (the sentence and the theme's page carry the
# numbers), only downloaded (components/section.py).
CASELOAD_COLUMNS = (Column("month", "Monat", "month"),
                    Column("active", "aktive Fälle am Monatsende", "count"))
TRANSITION_COLUMNS = (Column("month", "Monat", "month"),
                      Column("count", "Statuswechsel", "count"))
# A small chart prints values on at most this many bars (more would overlap); its sentence and
# the theme's page carry the numbers.
SMALL_LABELLED_BARS = 6


def layout(view) -> html.Div:
    f = view.filter
    prev = f.previous_year()
    prev_label = fmt.period(prev.period_from, prev.period_to)
    scope = "Kreis gesamt" if f.district is None else f"Bezirk {_district_name(view)}"
    return html.Div(
        [
            html.H1(
                [TITLE, html.Span(f" · {scope} · {fmt.period(f.period_from, f.period_to)}",
                                  className="kim-h1-sub")],
                className="kim-page-title",
            ),
            _cards(view, prev, prev_label),
            dbc.Row(
                [
                    dbc.Col(_caseload_chart(view), lg=3),
                    dbc.Col(_budget_chart(view), lg=3),
                    dbc.Col(_transitions_chart(view), lg=3),
                    dbc.Col(_outcomes_chart(view), lg=3),
                ],
                className="g-3 mt-1",
            ),
        ]
    )


def register_callbacks(app, data) -> None:
    """The overview has no callbacks of its own: everything follows the URL."""


def _district_name(view) -> str:
    for d in view.data.districts():
        if d["id"] == view.filter.district:
            return d["name"]
    return view.filter.district


def headline_cards(view) -> dbc.Row:
    """The headline cards for `view`, each against the same period a year earlier (the print
    report /bericht shows the same cards)."""
    prev = view.filter.previous_year()
    return _cards(view, prev, fmt.period(prev.period_from, prev.period_to))


def _guard(build, what: str):
    """A group of cards whose figures failed becomes one German message, not a blank."""
    try:
        return build()
    except DataUnavailable:
        raise
    except Exception:  # noqa: BLE001
        log.exception("overview cards failed: %s", what)
        return [dbc.Col(error_message(), lg=12)]


def _cards(view, prev, prev_label: str) -> dbc.Row:
    f, data, k = view.filter, view.data, view.min_cell

    def caseload_cards():
        now = data.call(caseload.caseload, f)["total"]
        before = data.call(caseload.caseload, prev)["total"]
        return [
            kpi_card("Aktive Fälle", fmt.count(now["active"], k),
                     change(now["active"], before["active"], prev_label, min_cell=k),
                     card_id="kpi-active", detail=f"am {fmt.day(f.as_of)}"),
            kpi_card("Fälle je Vollzeitstelle", fmt.number(now["per_fte"], 1),
                     change(now["per_fte"], before["per_fte"], prev_label, decimals=1),
                     card_id="kpi-per-fte",
                     detail=f"Case Management, {fmt.number(now['fte'], 2)} Vollzeitstellen"),
            kpi_card("Neue Fälle", fmt.count(now["opened"], k),
                     change(now["opened"], before["opened"], prev_label, min_cell=k),
                     card_id="kpi-opened", detail="im Zeitraum eröffnet"),
        ]

    def transition_cards():
        now = data.call(transitions.transitions, f)
        before = data.call(transitions.transitions, prev)
        return [
            kpi_card("Bleiberecht", fmt.count(now["bleiberecht"], k),
                     change(now["bleiberecht"], before["bleiberecht"], prev_label, min_cell=k),
                     card_id="kpi-bleiberecht", detail="Übergänge nach §§ 25a, 25b AufenthG",
                     accent=theme.STATUS_GROUP_COLOURS["befristet"]),
            kpi_card("Einbürgerungen", fmt.count(now["einbuergerungen"], k),
                     change(now["einbuergerungen"], before["einbuergerungen"], prev_label,
                            min_cell=k),
                     card_id="kpi-einbuergerungen", detail="im Zeitraum",
                     accent=theme.STATUS_GROUP_COLOURS["eingebürgert"]),
        ]

    def budget_cards():
        now = data.call(budget.budget, f)
        before = {m["module"]: m for m in data.call(budget.budget, prev)["modules"]}
        cards = []
        for m in now["modules"]:
            old = before.get(m["module"], {})
            cards.append(kpi_card(
                f"Mittelabfluss Modul {m['module']}",
                fmt.percent(m["utilisation"]),
                change(m["utilisation"], old.get("utilisation"),
                       f"{now['year'] - 1} zum gleichen Tag", decimals=1, points=True),
                card_id=f"kpi-budget-{m['module']}",
                detail=(f"von {fmt.euro(m['allocated_cents'])} ausgegeben; "
                        f"{fmt.percent(m['elapsed_share'])} des Jahres {now['year']} vergangen"),
                accent=theme.MODULE_COLOURS.get(m["module"]),
            ))
        return cards

    def outcome_cards():
        now = data.call(outcomes.closures, f)
        before = data.call(outcomes.closures, prev)
        return [kpi_card(
            oc.GOAL_LABEL, fmt.percent(now["goal_share"]),
            change(now["goal_share"], before["goal_share"], prev_label, decimals=1,
                   points=True),
            card_id="kpi-goal",
            detail=f"der {fmt.count(now['total'], k)} im Zeitraum abgeschlossenen Fälle",
            accent=oc.GOAL_COLOUR,
        )]

    cards = (
        _guard(caseload_cards, "caseload")
        + _guard(transition_cards, "transitions")
        + _guard(outcome_cards, "outcomes")
        + _guard(budget_cards, "budget")
    )
    # Five cards a row on a wide screen (row-cols-lg-5): nine cards in two rows, so the
    # Überblick still fits a 1280×720 projector.
    return dbc.Row([c if isinstance(c, dbc.Col) else dbc.Col(c, xs=12, sm=6)
                    for c in cards], className="g-3 kim-cards row-cols-lg-5")


def _link(view, path: str, label: str):
    href = view.href(path)
    if href is None:
        return None  # the page is not there (yet): no dead link
    # The heading names the theme: the link shows an arrow (four small charts share a row), its
    # words are there for screen readers.
    return dcc.Link([html.Span(f"Zur Seite {label} ", className="visually-hidden"),
                     html.Span("→", **{"aria-hidden": "true"})],
                    href=href, className="kim-more-link", title=f"Zur Seite {label}")


def _caseload_chart(view):
    f, k = view.filter, view.min_cell

    def build():
        rows = view.data.call(caseload.caseload, f)["monthly_active"]
        if not rows:
            return None
        fig = charts.monthly_active(rows, k, height=charts.SMALL_HEIGHT,
                                    max_labelled=SMALL_LABELLED_BARS)
        return fig, _sentence(
            f"Aktive Fälle am Monatsende: {fmt.month_long(rows[0]['month'])} "
            f"{fmt.count(rows[0]['active'], k)}, {fmt.month_long(rows[-1]['month'])} "
            f"{fmt.count(rows[-1]['active'], k)}."
        ), data_table("overview-caseload-table", CASELOAD_COLUMNS, rows, min_cell=k,
                      caption="Aktive Fälle am Monatsende")

    return chart_section("overview-caseload", "Fallzahlen", build,
                         link=_link(view, CASELOAD_PATH, "Fallzahlen"), className="kim-small")


def _budget_chart(view):
    f = view.filter

    def build():
        b = view.data.call(budget.budget, f)
        if not b["modules"]:
            return None
        fig = charts.utilisation_by_module(b["modules"], height=charts.SMALL_HEIGHT)
        # In a quarter of the row "Modul I" would be tilted and cut: "I", "II", "III", upright
        # (the cards above name the modules in full).
        for trace in fig["data"]:
            trace["x"] = [label.removeprefix("Modul ") for label in trace["x"]]
        fig["layout"]["xaxis"]["tickangle"] = 0
        parts = [f"Modul {m['module']} {fmt.percent(m['utilisation'])}" for m in b["modules"]]
        elapsed = fmt.percent(b["modules"][0]["elapsed_share"])
        return fig, _sentence(
            f"Ausgegeben {b['year']}: {', '.join(parts)}; vergangen: {elapsed} des Jahres."
        ), data_table("overview-budget-table", budget_charts.MODULE_COLUMNS,
                      budget_charts.module_rows(b), min_cell=view.min_cell,
                      caption=f"Mittelabfluss je Modul {b['year']}")

    return chart_section("overview-budget", "Mittelabfluss", build,
                         link=_link(view, BUDGET_PATH, "Mittelabfluss"), className="kim-small")


def _transitions_chart(view):
    f, k = view.filter, view.min_cell

    def build():
        total = view.data.call(transitions.transitions, f)
        rows = total["monthly"]
        if not rows:
            return None
        fig = charts.transitions_monthly(rows, k, height=charts.SMALL_HEIGHT,
                                         max_labelled=SMALL_LABELLED_BARS)
        return fig, _sentence(
            f"Im Zeitraum {fmt.count(total['total'], k)} Statuswechsel, darunter "
            f"{fmt.count(total['bleiberecht'], k)} ins Bleiberecht und "
            f"{fmt.count(total['einbuergerungen'], k)} Einbürgerungen."
        ), data_table("overview-transitions-table", TRANSITION_COLUMNS, rows, min_cell=k,
                      caption="Statuswechsel je Monat")

    return chart_section("overview-transitions", "Statuswechsel", build,
                         link=_link(view, TRANSITIONS_PATH, "Statuswechsel"),
                         className="kim-small")


def _outcomes_chart(view):
    f, k = view.filter, view.min_cell

    def build():
        grain = oc.grain_for(f.period_from, f.period_to)
        rows = view.data.call(outcomes.trend, f, grain)
        closures = view.data.call(outcomes.closures, f)
        if not rows or closures["total"] == 0:
            return None
        fig = oc.trend_lines(rows, k, height=charts.SMALL_HEIGHT, goal_only=True)
        return fig, _sentence(oc.closure_sentence(closures, k)), data_table(
            "overview-outcomes-table", oc.TREND_COLUMNS, oc.trend_rows(rows), min_cell=k,
            caption=f"Entwicklung je {oc.GRAIN_WORDS[grain]}")

    return chart_section("overview-outcomes", "Wirkung", build,
                         link=_link(view, OUTCOMES_PATH, "Wirkung"), className="kim-small")


def _sentence(text: str) -> html.P:
    return html.P(text, className="kim-chart-sentence")
