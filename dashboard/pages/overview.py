"""Überblick (/): the headline figures of KPIS.md as cards, each against the same period one year
earlier, and one small chart per theme linking to its page.

The cards show exactly the values of `kim report` for the same filter (the same queries/
functions); the browser tests compare them.
"""

from __future__ import annotations

import logging

import dash_bootstrap_components as dbc
from dash import dcc, html

from queries import budget, caseload, filters, outcomes, transitions

from .. import format as fmt
from .. import theme
from ..components import budget_charts, charts, kpi
from ..components import outcome_charts as oc
from ..components.tables import Column
from ..sections import Section, draw, failure

log = logging.getLogger(__name__)

PATH = "/"
TITLE = "Überblick"
NAV_LABEL = "Überblick"

CASELOAD_PATH = "/fallzahlen"
BUDGET_PATH = "/budget"
TRANSITIONS_PATH = "/statuswechsel"
OUTCOMES_PATH = "/wirkung"
# The tables behind the small charts: not shown (the sentence and the theme's page carry the
# numbers), only downloaded (the Section's `sentence`, dashboard/sections.py).
CASELOAD_COLUMNS = (Column("month", "Monat", "month"),
                    Column("active", "aktive Fälle am Monatsende", "count"))
TRANSITION_COLUMNS = (Column("month", "Monat", "month"),
                      Column("count", "Statuswechsel", "count"))
# A small chart prints values on at most this many bars (more would overlap); its sentence and
# the theme's page carry the numbers.
SMALL_LABELLED_BARS = 6


def layout(view) -> html.Div:
    f = view.filter
    w = view.words
    scope = w.total if f.district is None else w.district_label(_district_name(view))
    return html.Div(
        [
            html.H1(
                [TITLE, html.Span(f" · {scope} · {fmt.period(f.period_from, f.period_to)}",
                                  className="kim-h1-sub")],
                className="kim-page-title",
            ),
            headline_cards(view),
            dbc.Row(
                [
                    dbc.Col(_small(CASELOAD, view, CASELOAD_PATH), lg=3),
                    dbc.Col(_small(BUDGET, view, BUDGET_PATH), lg=3),
                    dbc.Col(_small(TRANSITIONS, view, TRANSITIONS_PATH), lg=3),
                    dbc.Col(_small(OUTCOMES, view, OUTCOMES_PATH), lg=3),
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
    """The headline cards for `view`, each against the same period a year earlier where the rule
    of Filter.comparison allows one (the print report /bericht shows the same cards)."""
    return _cards(view)


def _guard(build, what: str):
    """A group of cards whose figures failed becomes one German message, not a blank."""
    try:
        return build()
    except Exception as exc:  # noqa: BLE001 - the one error policy (sections.failure)
        return [dbc.Col(failure(exc, f"overview cards {what}"), lg=12)]


def _cards(view) -> dbc.Row:
    f, data, k = view.filter, view.data, view.min_cell
    prev = f.comparison()
    prev_label = None if prev is None else fmt.period(prev.period_from, prev.period_to)
    no_comparison = kpi.no_comparison(kpi.no_comparison_reason(filters.PROGRAMME_START))

    def compare(now, before, figure, key, **kwargs):
        if before is None:
            return no_comparison
        return kpi.change(now[key], before[key], prev_label, polarity=kpi.POLARITY[figure],
                          **kwargs)

    def caseload_cards():
        now = data.call(caseload.caseload, f)["total"]
        before = None if prev is None else data.call(caseload.caseload, prev)["total"]
        return [
            kpi.kpi_card("Aktive Fälle", fmt.count(now["active"], k),
                         compare(now, before, "active", "active", min_cell=k),
                         card_id="kpi-active", detail=f"am {fmt.day(f.as_of)}"),
            kpi.kpi_card("Fälle je Vollzeitstelle", fmt.number(now["per_fte"], 1),
                         compare(now, before, "per_fte", "per_fte", decimals=1),
                         card_id="kpi-per-fte",
                         detail=f"Case Management, {fmt.number(now['fte'], 2)} Vollzeitstellen"),
            kpi.kpi_card("Neue Fälle", fmt.count(now["opened"], k),
                         compare(now, before, "opened", "opened", min_cell=k),
                         card_id="kpi-opened", detail="im Zeitraum eröffnet"),
        ]

    def transition_cards():
        now = data.call(transitions.transitions, f)
        before = None if prev is None else data.call(transitions.transitions, prev)
        return [
            kpi.kpi_card("Bleiberecht", fmt.count(now["bleiberecht"], k),
                         compare(now, before, "bleiberecht", "bleiberecht", min_cell=k),
                         card_id="kpi-bleiberecht", detail="Übergänge nach §§ 25a, 25b AufenthG",
                         accent=theme.STATUS_GROUP_COLOURS["befristet"]),
            kpi.kpi_card("Einbürgerungen", fmt.count(now["einbuergerungen"], k),
                         compare(now, before, "einbuergerungen", "einbuergerungen", min_cell=k),
                         card_id="kpi-einbuergerungen", detail="im Zeitraum",
                         accent=theme.STATUS_GROUP_COLOURS["eingebürgert"]),
        ]

    def budget_cards():
        now = data.call(budget.budget, f)
        year_before = f.budget_comparison_year()
        before, missing = {}, no_comparison
        if year_before is not None:
            before = {m["module"]: m for m in data.call(budget.budget, prev)["modules"]}
        elif prev is not None:  # the period is comparable, the budget year before is not
            missing = kpi.no_comparison(
                f"(Haushaltsjahr {now['year'] - 1} begann vor Programmstart "
                f"{fmt.day(filters.PROGRAMME_START)})")
        cards = []
        for m in now["modules"]:
            if year_before is None:
                delta = missing
            else:
                old = before.get(m["module"], {})
                polarity = kpi.utilisation_polarity(m["utilisation"], m["elapsed_share"],
                                                    old.get("utilisation"),
                                                    old.get("elapsed_share"))
                delta = kpi.change(m["utilisation"], old.get("utilisation"),
                                   f"{year_before} zum gleichen Tag", decimals=1, points=True,
                                   polarity=polarity)
            cards.append(kpi.kpi_card(
                f"Mittelabfluss Modul {m['module']}",
                fmt.percent(m["utilisation"]),
                delta,
                card_id=f"kpi-budget-{m['module']}",
                detail=(f"von {fmt.euro(m['allocated_cents'])} ausgegeben; "
                        f"{fmt.percent(m['elapsed_share'])} des Jahres {now['year']} vergangen"),
                accent=theme.MODULE_COLOURS.get(m["module"]),
                # The budget is the Kreis's, whatever Bezirk is chosen (KPIS.md).
                scope=None if f.district is None else view.words.wide,
            ))
        return cards

    def outcome_cards():
        now = data.call(outcomes.closures, f)
        before = None if prev is None else data.call(outcomes.closures, prev)
        return [kpi.kpi_card(
            oc.GOAL_LABEL, fmt.percent(now["goal_share"]),
            compare(now, before, "goal_share", "goal_share", decimals=1, points=True),
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


# --- the small charts (dashboard/sections.py): a sentence under each, the table downloads --


def _caseload_sentence(rows: list[dict], view) -> str:
    k = view.min_cell
    return (f"Aktive Fälle am Monatsende: {fmt.month_long(rows[0]['month'])} "
            f"{fmt.count(rows[0]['active'], k)}, {fmt.month_long(rows[-1]['month'])} "
            f"{fmt.count(rows[-1]['active'], k)}.")


def _budget_sentence(b: dict, _view) -> str:
    parts = [f"Modul {m['module']} {fmt.percent(m['utilisation'])}" for m in b["modules"]]
    elapsed = fmt.percent(b["modules"][0]["elapsed_share"])
    return f"Ausgegeben {b['year']}: {', '.join(parts)}; vergangen: {elapsed} des Jahres."


def _transitions_sentence(total: dict, view) -> str:
    k = view.min_cell
    return (f"Im Zeitraum {fmt.count(total['total'], k)} Statuswechsel, darunter "
            f"{fmt.count(total['bleiberecht'], k)} ins Bleiberecht und "
            f"{fmt.count(total['einbuergerungen'], k)} Einbürgerungen.")


def _budget_figure(b: dict, _view) -> dict:
    fig = charts.utilisation_by_module(b["modules"], height=charts.SMALL_HEIGHT)
    # In a quarter of the row "Modul I" would be tilted and cut: "I", "II", "III", upright
    # (the cards above name the modules in full).
    for trace in fig["data"]:
        trace["x"] = [label.removeprefix("Modul ") for label in trace["x"]]
    fig["layout"]["xaxis"]["tickangle"] = 0
    return fig


CASELOAD = Section(
    id="overview-caseload", page=PATH, permission="aggregates", title="Fallzahlen",
    caption="Aktive Fälle am Monatsende",
    query=lambda view: view.data.call(caseload.caseload, view.filter)["monthly_active"],
    columns=CASELOAD_COLUMNS, sentence=_caseload_sentence,
    figure=lambda rows, view: charts.monthly_active(rows, view.min_cell,
                                                    height=charts.SMALL_HEIGHT,
                                                    max_labelled=SMALL_LABELLED_BARS),
)
BUDGET = Section(
    id="overview-budget", page=PATH, permission="aggregates", title="Mittelabfluss",
    caption=lambda view: f"Mittelabfluss je Modul {view.filter.as_of.year}",
    query=lambda view: view.data.call(budget.budget, view.filter),
    columns=budget_charts.MODULE_COLUMNS, rows=lambda b, _view: budget_charts.module_rows(b),
    has_data=lambda b: bool(b["modules"]), sentence=_budget_sentence,
    figure=_budget_figure,
)
TRANSITIONS = Section(
    id="overview-transitions", page=PATH, permission="aggregates", title="Statuswechsel",
    caption="Statuswechsel je Monat",
    query=lambda view: view.data.call(transitions.transitions, view.filter),
    columns=TRANSITION_COLUMNS, rows=lambda total, _view: total["monthly"],
    has_data=lambda total: bool(total["monthly"]), sentence=_transitions_sentence,
    figure=lambda total, view: charts.transitions_monthly(total["monthly"], view.min_cell,
                                                          height=charts.SMALL_HEIGHT,
                                                          max_labelled=SMALL_LABELLED_BARS),
)


def _grain(view) -> str:
    return oc.grain_for(view.filter.period_from, view.filter.period_to)


def _outcomes_source(view) -> dict:
    f = view.filter
    grain = _grain(view)
    return {"grain": grain, "trend": view.data.call(outcomes.trend, f, grain),
            "closures": view.data.call(outcomes.closures, f)}


OUTCOMES = Section(
    id="overview-outcomes", page=PATH, permission="aggregates", title="Wirkung",
    caption=lambda view: f"Entwicklung je {oc.GRAIN_WORDS[_grain(view)]}",
    query=_outcomes_source, columns=oc.TREND_COLUMNS,
    rows=lambda src, _view: oc.trend_rows(src["trend"]),
    has_data=lambda src: bool(src["trend"]) and src["closures"]["total"] != 0,
    sentence=lambda src, view: oc.closure_sentence(src["closures"], view.min_cell),
    figure=lambda src, view: oc.trend_lines(src["trend"], view.min_cell,
                                            height=charts.SMALL_HEIGHT, goal_only=True),
)
SECTIONS = (CASELOAD, BUDGET, TRANSITIONS, OUTCOMES)


def _small(section, view, path: str):
    return draw(section, view, link=_link(view, path, section.title), className="kim-small")
