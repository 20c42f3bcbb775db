"""Bericht (/bericht): the report for the Kreistag and the Lenkungsgruppe, laid out for printing on
A4 landscape: a title block with the headline figures, then Fallzahlen, Mittelabfluss,
Statuswechsel and Wirkung, each starting on a new page with its charts and its key table.

The same URL filters as every page (von, bis, bezirk). The figures come from the same queries/
functions as the theme pages, and the headline cards are the Überblick's own
(`overview.headline_cards`), so the printout shows exactly what the dashboard and `kim report`
show. The budget part is for the Haushaltsjahr of the Stichtag, like the Überblick's cards.
The report never shows the case-manager level, whatever the role: it is meant to be handed round.

Printing: assets/print.css (`@media print`, `@page` A4 landscape with "Seite X von Y" in the page
margin) hides the frame and the controls; graphs have a fixed size in px that fits the printable
width, so the printout does not depend on the window: the registry draws each section's figure
for its `sections.Paper` (sections.figure / sections.graph), the report changes no figure. The
"Drucken" button is wired in assets/print.js (the CSP forbids inline scripts). Not a navigation
page nor a slide (IN_NAV).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import replace

from dash import Input, Output, html

from queries import budget, caseload, outcomes, transitions

from .. import format as fmt
from .. import sections
from ..components import budget_charts as bc
from ..components import outcome_charts as oc
from ..components.messages import error_message, no_data
from ..components.tables import TEXT_SUFFIX, Column, table_rows
from ..layout import REPORT_LINK_ID
from . import budget as budget_page
from . import caseload as caseload_page
from . import outcomes as outcomes_page
from . import overview
from . import transitions as transitions_page

log = logging.getLogger(__name__)

PATH = "/bericht"
TITLE = "Bericht"
NAV_LABEL = "Bericht"
IN_NAV = False  # reachable by the "Bericht drucken" link only: not in the navigation, no slide

REPORT_ID = "report-print"
PRINT_BUTTON_ID = "report-print-button"
REPORT_HEADING = "Bericht für den Kreistag / die Lenkungsgruppe"  # a Kreis's; see report_heading


def report_heading(words) -> str:
    """"Bericht für den Kreistag / …" or "Bericht für den Rat der Stadt / …" (queries/territory)."""
    return f"Bericht für den {words.council} / die Lenkungsgruppe"

# The printable width of A4 landscape with 12 mm margins is 273 mm, about 1030 CSS px; the graphs
# stay a little narrower so that nothing is cut off or scaled down.
FULL_WIDTH = 980
HALF_WIDTH = 480
# Charts are drawn for the projector (large type); on paper they are shown at this scale. The
# printable height is 184 mm, about 695 px, which the tall charts need a smaller scale to fit.
ZOOM = 0.8
TALL_ZOOM = 0.7
BUDGET_ZOOM = 0.6


def layout(view) -> html.Div:
    return html.Div(
        [
            _toolbar(),
            _title_page(view),
            _theme("report-caseload", "Fallzahlen", _caseload_blocks(view)),
            _theme("report-budget", "Mittelabfluss", _budget_blocks(view)),
            _theme("report-transitions", "Statuswechsel", _transition_blocks(view)),
            _theme("report-outcomes", "Wirkung", _outcome_blocks(view)),
        ],
        id=REPORT_ID,
        className="kim-report",
    )


def register_callbacks(app, data) -> None:
    """The header's "Bericht drucken" link follows the current URL's filters (in the browser, no
    round trip). The "Drucken" button itself is handled by assets/print.js."""
    target = app.get_relative_path(PATH)
    app.clientside_callback(
        "function (search) { return " + json.dumps(target)
        + " + (typeof search === 'string' ? search : ''); }",
        Output(REPORT_LINK_ID, "href"),
        Input("url", "search"),
    )


# --- the frame of the report -------------------------------------------------------------------


def _toolbar() -> html.Div:
    return html.Div(
        [
            html.Button("Drucken", id=PRINT_BUTTON_ID, type="button",
                        className="btn btn-primary kim-print-button"),
            html.Span("Druckansicht für A4 quer: „Drucken“ → „Als PDF speichern“ ergibt den "
                      "Bericht ohne Navigation und Bedienelemente.",
                      className="kim-section-note ms-3"),
        ],
        className="kim-report-toolbar kim-no-print d-print-none mb-3",
    )


def scope_text(view) -> str:
    w = view.words
    if view.filter.district is None:
        return w.total
    names = {d["id"]: d["name"] for d in view.data.districts()}
    return w.district_label(names.get(view.filter.district, view.filter.district))


def _title_page(view) -> html.Section:
    f, k = view.filter, view.min_cell
    facts = [
        ("Zeitraum", fmt.period(f.period_from, f.period_to)),
        ("Stichtag", fmt.day(f.as_of)),
        ("Datenstand", _as_of_text(view)),
        ("Gebiet", scope_text(view)),
        ("Geheim gehalten", f"„{fmt.MARK}“: Zahlen unter {k} und Zahlen, aus denen sie sich "
                            "berechnen ließen (auch eine Summe kann darunter sein)"),
        ("Erstellt", fmt.day(view.data.today())),
    ]
    return html.Section(
        [
            html.Div("KIM-Cockpit · Kommunales Integrationsmanagement NRW",
                     className="kim-report-brand"),
            html.H1([report_heading(view.words),
                     html.Span(f" · {view.kreis_name}", className="kim-h1-sub")],
                    className="kim-page-title kim-report-heading"),
            html.Dl(
                [part for label, value in facts
                 for part in (html.Dt(label), html.Dd(value, id=f"report-{_slug(label)}"))],
                className="kim-report-facts",
            ),
            html.H2("Kennzahlen", className="kim-report-subtitle"),
            overview.headline_cards(view),
            html.P("Veränderung jeweils gegenüber dem gleichen Zeitraum ein Jahr zuvor. Alle "
                   "Angaben pseudonymisiert.", className="kim-section-note mt-2"),
        ],
        id="report-title",
        className="kim-report-sheet kim-report-title",
    )


def _as_of_text(view) -> str:
    day = view.data.datenstand()
    return fmt.day(day) if day is not None else "noch kein Import"


def _slug(label: str) -> str:
    return label.lower().replace(" ", "-")


def _theme(theme_id: str, title: str, blocks: list) -> html.Section:
    return html.Section(
        [html.H2(title, className="kim-report-theme-title"), *blocks],
        id=theme_id,
        className="kim-report-sheet kim-report-theme",
    )


def _block(block_id: str, title: str | None, build: Callable[[], list | None], *,
           note: str | None = None, className: str = "") -> html.Div:
    """One part of a theme that is never split across pages; a failure becomes German words
    in its place only (the one error policy of the screen pages, sections.failure)."""
    try:
        built = build()
    except Exception as exc:  # noqa: BLE001 - the one error policy (sections.failure)
        body = [sections.failure(exc, f"report block {block_id}")]
    else:
        body = [no_data()] if built is None else built
    children = [html.H3(title, className="kim-report-block-title")] if title else []
    if note:
        children.append(html.P(note, className="kim-section-note"))
    children.extend(body)
    return html.Div(children, id=block_id, className=f"kim-report-block {className}".strip())


def graph(section, view, graph_id: str, width: int = FULL_WIDTH,
          zoom: float = ZOOM) -> html.Div | None:
    """The section's chart on paper: `width` px on the page, drawn by the registry at its
    print size (sections.Paper); None when the section has no data in this view."""
    paper = sections.Paper(width, zoom)
    fig = sections.figure(section, view, paper=paper)
    if fig is None:
        return None
    return sections.graph(graph_id, fig, view, title=sections.heading(section, view),
                          paper=paper)


def print_table(table_id: str, columns: tuple[Column, ...], rows: list[dict], *, min_cell: int,
                caption: str, total_label: str | None = None) -> html.Table:
    """A plain HTML table (a grid would print only its visible part), formatted like the grids
    under the charts (components.tables); a last row named `total_label` is set in bold."""
    head = html.Thead(html.Tr([
        html.Th(c.header, scope="col", className=_align(c)) for c in columns]))
    body = []
    for row in table_rows(columns, rows, min_cell):
        total = total_label is not None and row.get(columns[0].field) == total_label
        body.append(html.Tr([html.Td(row[c.field + TEXT_SUFFIX], className=_align(c))
                             for c in columns], className="kim-total-row" if total else None))
    return html.Table([html.Caption(caption), head, html.Tbody(body)], id=table_id,
                      className="table table-sm kim-print-table")


def _align(column: Column) -> str | None:
    return "text-end" if column.kind not in ("text", "month") else None


def _sentence(text: str, element_id: str) -> html.P:
    return html.P(text, className="kim-summary", id=element_id)


# --- Fallzahlen --------------------------------------------------------------------------------


def caseload_summary(figures: dict, f, k: int) -> str:
    total = figures["total"]
    return (
        f"{fmt.count(total['active'], k)} aktive Fälle am {fmt.day(f.as_of)}, "
        f"{fmt.number(total['per_fte'], 1)} Fälle je Vollzeitstelle Case Management "
        f"({fmt.number(total['fte'], 2)} Vollzeitstellen); im Zeitraum "
        f"{fmt.count(total['opened'], k)} Fälle eröffnet und {fmt.count(total['closed'], k)} "
        "abgeschlossen."
    )


def _caseload_blocks(view) -> list:
    f, k = view.filter, view.min_cell
    view = replace(view, municipality=None)  # the report stays at Kreis or Bezirk level
    w = view.words
    figures = _figures(view, caseload.caseload)
    if not isinstance(figures, dict):
        return [figures]
    blocks = [_sentence(caseload_summary(figures, f, k), "report-caseload-summary")]

    if f.district is None:
        def by_district():
            if not figures["districts"]:
                return None
            return [html.Div([
                graph(caseload_page.DISTRICTS, view, "report-caseload-districts-graph",
                      HALF_WIDTH),
                graph(caseload_page.PER_FTE, view, "report-caseload-per-fte-graph", HALF_WIDTH),
            ], className="kim-report-pair")]

        blocks.append(_block("report-caseload-districts",
                             f"Aktive Fälle und Fälle je Vollzeitstelle je {w.district_word} am "
                             f"{fmt.day(f.as_of)}", by_district))
    else:
        blocks.append(_block("report-caseload-municipalities",
                             f"Aktive Fälle je 1.000 Einwohner nach {w.municipality_word}",
                             _graph_of(caseload_page.MUNICIPALITIES, view,
                                       "report-caseload-municipalities-graph")))

    blocks.append(_block("report-caseload-monthly", "Aktive Fälle am Monatsende",
                         _graph_of(caseload_page.MONTHLY, view, "report-caseload-monthly-graph")))
    table = caseload_page.DISTRICTS if f.district is None else caseload_page.MUNICIPALITIES
    blocks.append(_block("report-caseload-table-block", None,
                         _table_of(table, view, "report-caseload-table",
                                   total_label=w.total),
                         className="kim-report-table-block"))
    return blocks


def _figures(view, fn, f=None):
    """fn's figures for the view's filter (or `f`); in their place the German words of the one
    error policy when computing them failed. DataUnavailable goes on to the router's banner."""
    try:
        return view.data.call(fn, f or view.filter)
    except Exception as exc:  # noqa: BLE001 - sections.failure decides
        return sections.failure(exc, f"report figures {fn.__name__}")


def _graph_of(section, view, graph_id: str, width: int = FULL_WIDTH, zoom: float = ZOOM):
    """A _block build: the section's figure (the registry's, as on its page) at print size."""
    def build():
        shown = graph(section, view, graph_id, width, zoom)
        return None if shown is None else [shown]

    return build


def _table_of(section, view, table_id: str, total_label: str | None = None):
    """A _block build: the table behind the section (the registry's rows, as downloaded)."""
    def build():
        t = sections.table(section, view)
        if t is None:
            return None
        return [print_table(table_id, t.columns, list(t.rows), min_cell=view.min_cell,
                            caption=t.title, total_label=total_label)]

    return build


# --- Mittelabfluss -----------------------------------------------------------------------------


def _budget_blocks(view) -> list:
    # The Haushaltsjahr the Mittelabfluss page shows (its `jahr=`, else the Stichtag's year).
    year_note = view.year_note
    f = replace(view.filter, year=view.year)
    figures = _figures(view, budget.budget, f)
    if not isinstance(figures, dict):
        return [figures]
    year = figures["year"]
    intro = html.P(f"Haushaltsjahr {year}, Stand {fmt.day(f.as_of)}. Die Mittel werden "
                   f"{view.words.wide} bewilligt und gebucht: der {view.words.district_word}"
                   "sfilter wirkt hier nicht."
                   + (f" {year_note}" if year_note else ""),
                   className="kim-section-note", id="report-budget-intro")
    if not bc.has_data(figures):
        return [intro, no_data(f"Für das Haushaltsjahr {year} sind bis zum {fmt.day(f.as_of)} "
                               "weder Bewilligungen noch Buchungen erfasst.")]
    section = {s.id: s for s in budget_page.SECTIONS}
    land_graph = _graph_of(section["budget-land"], view, "report-budget-land-graph",
                           zoom=TALL_ZOOM)
    land_table = _table_of(section["budget-land"], view, "report-budget-land-table")
    return [
        intro,
        _sentence(budget_page.summary_text(figures, f.as_of), "report-budget-summary"),
        # a little smaller than the other tall charts: the sentence above also tells the Land's
        # side, and the module table must stay on this page
        _block("report-budget-modules", "Mittelabfluss je Modul gegenüber dem Plan",
               _graph_of(section["budget-modules"], view, "report-budget-modules-graph",
                         zoom=BUDGET_ZOOM),
               note="Balken: ausgegeben; heller: Hochrechnung bis Jahresende; Strich: Plan bei "
                    "gleichmäßigem Abfluss."),
        _block("report-budget-table-block", None,
               _table_of(section["budget-modules"], view, "report-budget-table"),
               className="kim-report-table-block"),
        _block("report-budget-land", budget_page.LAND_TITLE,
               lambda: [*(land_graph() or []), *(land_table() or [])] or None,
               note=f"{bc.ASSUMPTION} {bc.vacancy_text(figures)}"),
        _block("report-budget-cumulative", "Ausgaben kumuliert je Monat",
               _graph_of(section["budget-cumulative"], view, "report-budget-cumulative-graph"),
               note="Gestrichelt: gleichmäßiger Abfluss bis zur vollen Bewilligung."),
    ]


# --- Statuswechsel -----------------------------------------------------------------------------


def _transition_blocks(view) -> list:
    k = view.min_cell
    figures = _figures(view, transitions.transitions)
    if not isinstance(figures, dict):
        return [figures]
    spheres = figures["sphere_changes"]
    blocks = [_sentence(transitions_page.status_summary(figures, k), "report-transitions-summary")]
    blocks.append(_block("report-transitions-sankey", "Wechsel des Aufenthaltsstatus im Zeitraum",
                         _graph_of(transitions_page.SANKEY, view,
                                   "report-transitions-sankey-graph", zoom=TALL_ZOOM),
                         note=f"Graue Bänder stehen für weniger als {k} Wechsel und "
                              "sind nicht maßstabsgetreu."))
    blocks.append(_block("report-transitions-monthly",
                         "Bleiberecht (§§ 25a, 25b) und Einbürgerungen je Monat",
                         _graph_of(transitions_page.MONTHLY, view,
                                   "report-transitions-monthly-graph")))
    blocks.append(_block("report-transitions-table-block", None,
                         _table_of(transitions_page.SANKEY, view, "report-transitions-table"),
                         className="kim-report-table-block"))

    def sphere_charts():
        parts = []
        pairs = ((transitions_page.GAPS, "report-transitions-gaps-graph"),
                 (transitions_page.SPHERES, "report-transitions-spheres-graph"))
        for section, graph_id in pairs:
            shown = graph(section, view, graph_id, HALF_WIDTH)
            if shown is not None:
                parts.append(shown)
        return [html.Div(parts, className="kim-report-pair")] if parts else None

    blocks.append(html.Div(
        [html.H3("Rechtskreiswechsel", className="kim-report-block-title"),
         _sentence(transitions_page.sphere_summary(spheres, k), "report-sphere-summary"),
         _block("report-transitions-spheres", None, sphere_charts)],
        className="kim-report-block",
    ))
    return blocks


# --- Wirkung -----------------------------------------------------------------------------------


def _outcome_blocks(view) -> list:
    f, k = view.filter, view.min_cell
    closures = _figures(view, outcomes.closures)
    needs = _figures(view, outcomes.needs)
    referrals = _figures(view, outcomes.referrals)
    if closures is None or needs is None or referrals is None:
        return [error_message()]
    kreis = f.district is None
    blocks = [_sentence(oc.closure_sentence(closures, k), "report-outcomes-summary")]

    def needs_block():
        shown = graph(outcomes_page.NEEDS, view, "report-outcomes-needs-graph")
        if shown is None:
            return None
        return [html.P(oc.needs_sentence(needs, f.as_of, k), className="kim-summary"), shown]

    blocks.append(_block("report-outcomes-needs", "Bedarfslagen je Handlungsfeld", needs_block,
                         note="Festgestellt und erledigt im Zeitraum; offen am Stichtag."))

    def referral_block():
        if not oc.referrals_in_order(referrals):
            return None
        parts = [graph(outcomes_page.REFERRALS, view, "report-outcomes-referrals-graph",
                       HALF_WIDTH)]
        if kreis:
            parts.append(graph(outcomes_page.REFERRAL_DISTRICTS, view,
                               "report-outcomes-referral-districts-graph", HALF_WIDTH))
        return [html.P(oc.referral_sentence(referrals, k), className="kim-summary"),
                html.Div([p for p in parts if p is not None], className="kim-report-pair")]

    blocks.append(_block("report-outcomes-referrals", "Abgelehnte Verweise je Institution"
                         + (f" und {view.words.district_word}" if kreis else ""), referral_block,
                         note="Anteil der abgelehnten an den entschiedenen Verweisen."))

    def referral_table():
        rows = oc.referral_rows(referrals)
        if not oc.referrals_in_order(referrals):
            return None
        return [print_table("report-outcomes-referrals-table", oc.REFERRAL_COLUMNS,
                            [r for r in rows if r["referred"] != 0], min_cell=k,
                            caption="Verweise je Institution")]

    blocks.append(_block("report-outcomes-referrals-table-block", None, referral_table,
                         className="kim-report-table-block"))

    def closure_block():
        if closures["total"] == 0:
            return None
        parts = [graph(outcomes_page.REASONS, view, "report-outcomes-reasons-graph", HALF_WIDTH),
                 graph(outcomes_page.TREND, view, "report-outcomes-trend-graph", HALF_WIDTH)]
        return [html.Div([p for p in parts if p is not None], className="kim-report-pair")]

    blocks.append(_block("report-outcomes-closures",
                         "Abgeschlossene Fälle nach Grund und Entwicklung", closure_block))
    return blocks
