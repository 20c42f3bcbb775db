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
width, so the printout does not depend on the window. The "Drucken" button is wired in
assets/print.js (the CSP forbids inline scripts). Not a navigation page nor a slide (IN_NAV).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import replace

from dash import Input, Output, dcc, html

from queries import budget, caseload, outcomes, transitions

from .. import format as fmt
from .. import theme
from ..components import budget_charts as bc
from ..components import charts
from ..components import outcome_charts as oc
from ..components import transition_charts as tc
from ..components.messages import error_message, no_data
from ..components.tables import TEXT_SUFFIX, Column, table_rows
from ..data import DataUnavailable
from ..layout import REPORT_LINK_ID
from ..security import NO_PERMISSION_TEXT, AccessDenied
from . import budget as budget_page
from . import caseload as caseload_page
from . import overview
from . import transitions as transitions_page

log = logging.getLogger(__name__)

PATH = "/bericht"
TITLE = "Bericht"
NAV_LABEL = "Bericht"
IN_NAV = False  # reachable by the "Bericht drucken" link only: not in the navigation, no slide

REPORT_ID = "report-print"
PRINT_BUTTON_ID = "report-print-button"
REPORT_HEADING = "Bericht für den Kreistag / die Lenkungsgruppe"

# The printable width of A4 landscape with 12 mm margins is 273 mm, about 1030 CSS px; the graphs
# stay a little narrower so that nothing is cut off or scaled down.
FULL_WIDTH = 980
HALF_WIDTH = 480
# Charts are drawn for the projector (large type); on paper they are shown at this scale. The
# printable height is 184 mm, about 695 px, which the tall charts need a smaller scale to fit.
ZOOM = 0.8
TALL_ZOOM = 0.7
DEFAULT_HEIGHT = 400
# layout.dress may put the display mode's config in place of this one; the fixed size is kept by
# dcc.Graph(responsive=False), which overrides config.responsive and layout.autosize.
GRAPH_CONFIG = {**theme.GRAPH_CONFIG, "responsive": False, "staticPlot": True,
                "displayModeBar": False}


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
    if view.filter.district is None:
        return "Kreis gesamt"
    names = {d["id"]: d["name"] for d in view.data.districts()}
    return f"Bezirk {names.get(view.filter.district, view.filter.district)}"


def _title_page(view) -> html.Section:
    f, k = view.filter, view.min_cell
    facts = [
        ("Zeitraum", fmt.period(f.period_from, f.period_to)),
        ("Stichtag", fmt.day(f.as_of)),
        ("Datenstand", _as_of_text(view)),
        ("Gebiet", scope_text(view)),
        ("Kleine Zahlen", f"Fallzahlen unter {k} werden als „{fmt.suppressed(k)}“ ausgewiesen."),
        ("Erstellt", fmt.day(view.data.today())),
    ]
    return html.Section(
        [
            html.Div("KIM-Cockpit · Kommunales Integrationsmanagement NRW",
                     className="kim-report-brand"),
            html.H1([REPORT_HEADING, html.Span(f" · {view.kreis_name}", className="kim-h1-sub")],
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
    day = view.data.data_as_of()
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
    in its place only (as components.section.chart_section does on the screen pages)."""
    try:
        built = build()
    except DataUnavailable:
        raise
    except AccessDenied:
        body = [error_message(NO_PERMISSION_TEXT)]
    except Exception:  # noqa: BLE001 - the reader gets words, the log the trace
        log.exception("report block %s failed", block_id)
        body = [error_message()]
    else:
        body = [no_data()] if built is None else built
    children = [html.H3(title, className="kim-report-block-title")] if title else []
    if note:
        children.append(html.P(note, className="kim-section-note"))
    children.extend(body)
    return html.Div(children, id=block_id, className=f"kim-report-block {className}".strip())


def graph(graph_id: str, figure: dict, width: int, *, zoom: float = ZOOM,
          height: int | None = None) -> dcc.Graph:
    """A graph of fixed size: `width` px on the page (the printout must not depend on the
    window). The figure is drawn at width / zoom and its own height (the charts are made for a
    projector) and shown scaled by `zoom`, so its proportions and labels stay as designed."""
    drawn_width = round(width / zoom)
    layout = figure.get("layout") or {}
    drawn_height = int(height or layout.get("height") or DEFAULT_HEIGHT)
    figure = {**figure, "layout": {**layout, "width": drawn_width, "height": drawn_height,
                                   "autosize": False}}
    return dcc.Graph(id=graph_id, figure=figure, config=GRAPH_CONFIG, responsive=False,
                     style={"width": f"{drawn_width}px", "height": f"{drawn_height}px",
                            "zoom": zoom},
                     className="kim-report-graph")


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
    figures = _figures(view, caseload.caseload)
    if figures is None:
        return [error_message()]
    districts = figures["districts"]
    blocks = [_sentence(caseload_summary(figures, f, k), "report-caseload-summary")]

    if f.district is None:
        def by_district():
            if not districts:
                return None
            return [html.Div([
                graph("report-caseload-districts-graph",
                      charts.active_cases_by_district(districts, k), HALF_WIDTH),
                graph("report-caseload-per-fte-graph",
                      charts.caseload_per_fte_by_district(districts, k), HALF_WIDTH),
            ], className="kim-report-pair")]

        blocks.append(_block("report-caseload-districts",
                             f"Aktive Fälle und Fälle je Vollzeitstelle je Bezirk am "
                             f"{fmt.day(f.as_of)}", by_district))
    else:
        def municipalities():
            rows = [m for d in districts for m in d["municipalities"]]
            if not rows:
                return None
            return [graph("report-caseload-municipalities-graph",
                          charts.per_1000_by_municipality(rows, k), FULL_WIDTH)]

        blocks.append(_block("report-caseload-municipalities",
                             "Aktive Fälle je 1.000 Einwohner nach Gemeinde", municipalities))

    def monthly():
        rows = figures["monthly_active"]
        if not rows:
            return None
        return [graph("report-caseload-monthly-graph", charts.monthly_active(rows, k),
                      FULL_WIDTH)]

    blocks.append(_block("report-caseload-monthly", "Aktive Fälle am Monatsende", monthly))

    def table():
        if not districts:
            return None
        if f.district is None:
            rows = [*districts, {"name": "Kreis gesamt", **figures["total"]}]
            return [print_table("report-caseload-table", caseload_page.DISTRICT_COLUMNS, rows,
                                min_cell=k, caption="Fallzahlen je Bezirk",
                                total_label="Kreis gesamt")]
        rows = [{**m, "district": d["name"]} for d in districts for m in d["municipalities"]]
        return [print_table("report-caseload-table", caseload_page.MUNICIPALITY_COLUMNS, rows,
                            min_cell=k, caption="Fallzahlen je Gemeinde")]

    blocks.append(_block("report-caseload-table-block", None, table,
                         className="kim-report-table-block"))
    return blocks


def _figures(view, fn, f=None):
    """fn's figures for the view's filter (or `f`); None (logged) when computing them failed, so
    the theme shows a German message. DataUnavailable goes on to the router's banner."""
    try:
        return view.data.call(fn, f or view.filter)
    except DataUnavailable:
        raise
    except Exception:  # noqa: BLE001 - the reader gets words, the log the trace
        log.exception("report figures %s failed", fn.__name__)
        return None


# --- Mittelabfluss -----------------------------------------------------------------------------


def _budget_blocks(view) -> list:
    # The Haushaltsjahr the Mittelabfluss page shows (its `jahr=`, else the Stichtag's year).
    chosen, year_note = budget_page.budget_year(view.state)
    f, k = replace(view.filter, year=chosen), view.min_cell
    figures = _figures(view, budget.budget, f)
    if figures is None:
        return [error_message()]
    year = figures["year"]
    intro = html.P(f"Haushaltsjahr {year}, Stand {fmt.day(f.as_of)}. Die Mittel werden "
                   "kreisweit bewilligt und gebucht: der Bezirksfilter wirkt hier nicht."
                   + (f" {year_note}" if year_note else ""),
                   className="kim-section-note", id="report-budget-intro")
    if not bc.has_data(figures):
        return [intro, no_data(f"Für das Haushaltsjahr {year} sind bis zum {fmt.day(f.as_of)} "
                               "weder Bewilligungen noch Buchungen erfasst.")]
    blocks = [intro,
              _sentence(budget_page.summary_text(figures, f.as_of), "report-budget-summary")]
    blocks.append(_block(
        "report-budget-modules", "Mittelabfluss je Modul gegenüber dem Plan",
        lambda: [graph("report-budget-modules-graph", bc.module_bullets(figures),
                       FULL_WIDTH, zoom=TALL_ZOOM)],
        note="Balken: ausgegeben; heller: Hochrechnung bis Jahresende; Strich: Plan bei "
             "gleichmäßigem Abfluss.",
    ))
    blocks.append(_block(
        "report-budget-table-block", None,
        lambda: [print_table("report-budget-table", bc.MODULE_COLUMNS, bc.module_rows(figures),
                             min_cell=k, caption="Mittelabfluss je Modul")],
        className="kim-report-table-block",
    ))
    blocks.append(_block(
        "report-budget-repayment", "Voraussichtliche Rückzahlung an das Land",
        lambda: [graph("report-budget-repayment-graph", bc.repayment(figures), FULL_WIDTH)],
    ))

    def cumulative():
        if not bc.monthly_rows(figures):
            return None
        return [graph("report-budget-cumulative-graph", bc.cumulative_spend(figures, f.as_of),
                      FULL_WIDTH)]

    blocks.append(_block("report-budget-cumulative", "Ausgaben kumuliert je Monat", cumulative,
                         note="Gestrichelt: gleichmäßiger Abfluss bis zur vollen Bewilligung."))
    return blocks


# --- Statuswechsel -----------------------------------------------------------------------------


def _transition_blocks(view) -> list:
    f, k = view.filter, view.min_cell
    figures = _figures(view, transitions.transitions)
    if figures is None:
        return [error_message()]
    spheres = figures["sphere_changes"]
    blocks = [_sentence(transitions_page.status_summary(figures, k), "report-transitions-summary")]

    def sankey():
        if not figures["flows"]:
            return None
        fig = tc.status_sankey(figures["flows"], k)
        return [graph("report-transitions-sankey-graph", fig, FULL_WIDTH, zoom=TALL_ZOOM)]

    blocks.append(_block("report-transitions-sankey", "Wechsel des Aufenthaltsstatus im Zeitraum",
                         sankey, note=f"Graue Bänder stehen für weniger als {k} Wechsel und "
                                      "sind nicht maßstabsgetreu."))

    def monthly():
        rows = view.data.call(transitions.transitions_monthly_by_kind, f)
        if not rows:
            return None
        return [graph("report-transitions-monthly-graph", tc.bleiberecht_monthly(rows, k),
                      FULL_WIDTH)]

    blocks.append(_block("report-transitions-monthly",
                         "Bleiberecht (§§ 25a, 25b) und Einbürgerungen je Monat", monthly))

    def table():
        if not figures["flows"]:
            return None
        return [print_table("report-transitions-table", tc.FLOW_COLUMNS,
                            tc.status_flow_rows(figures["flows"]), min_cell=k,
                            caption="Wechsel des Aufenthaltsstatus")]

    blocks.append(_block("report-transitions-table-block", None, table,
                         className="kim-report-table-block"))

    def sphere_charts():
        gaps = view.data.call(transitions.sphere_gap_distribution, f)
        parts = []
        if gaps and any(r["count"] for r in gaps):
            parts.append(graph("report-transitions-gaps-graph", tc.sphere_gaps(gaps, k),
                               HALF_WIDTH))
        if spheres["flows"]:
            parts.append(graph("report-transitions-spheres-graph",
                               tc.sphere_flow_matrix(spheres["flows"], k), HALF_WIDTH))
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
        if not any(r["identified"] or r["open"] or r["resolved"] for r in needs):
            return None
        return [html.P(oc.needs_sentence(needs, f.as_of, k), className="kim-summary"),
                graph("report-outcomes-needs-graph", oc.needs_bars(needs, k), FULL_WIDTH)]

    blocks.append(_block("report-outcomes-needs", "Bedarfslagen je Handlungsfeld", needs_block,
                         note="Festgestellt und erledigt im Zeitraum; offen am Stichtag."))

    def referral_block():
        if not oc.referrals_in_order(referrals):
            return None
        parts = [graph("report-outcomes-referrals-graph", oc.declined_bars(referrals, k),
                       HALF_WIDTH)]
        if kreis:
            by_district = view.data.call(outcomes.referrals_by_district, f)
            parts.append(graph("report-outcomes-referral-districts-graph",
                               oc.district_matrix(by_district, k), HALF_WIDTH))
        return [html.P(oc.referral_sentence(referrals, k), className="kim-summary"),
                html.Div(parts, className="kim-report-pair")]

    blocks.append(_block("report-outcomes-referrals", "Abgelehnte Verweise je Institution"
                         + (" und Bezirk" if kreis else ""), referral_block,
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
        parts = [graph("report-outcomes-reasons-graph", oc.reason_bars(closures, k), HALF_WIDTH)]
        rows = view.data.call(outcomes.trend, f, oc.grain_for(f.period_from, f.period_to))
        parts.append(graph("report-outcomes-trend-graph", oc.trend_lines(rows, k), HALF_WIDTH))
        return [html.Div(parts, className="kim-report-pair")]

    blocks.append(_block("report-outcomes-closures",
                         "Abgeschlossene Fälle nach Grund und Entwicklung", closure_block))
    return blocks
