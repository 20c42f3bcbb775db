"""Mittelabfluss (/budget): per funding module allocated, spent and projected against the share of
the year passed; the Land's money granted, likely earned and forfeited, and what of the Land's
payments goes back (KPIS.md); cumulative spend; categories; approved and filled positions with
the year's vacancies; for a finished year the link to the draft Verwendungsnachweis. The budget is
Kreis-wide: the Bezirk filter does not apply here.

The budget year lives in the URL as `jahr=YYYY` next to the filter bar's parameters (default: the
year of the Stichtag); a value that cannot be used falls back to the default with a visible note.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import dash_bootstrap_components as dbc
from dash import Input, Output, State, get_relative_path, html, no_update

from queries import budget, filters

from .. import format as fmt
from .. import security, urlstate
from ..components import budget_charts as bc
from ..components.section import chart_section
from ..components.tables import data_table
from ..data import DataUnavailable

PATH = "/budget"
TITLE = "Mittelabfluss"
NAV_LABEL = "Mittelabfluss"

YEAR_PARAM = "jahr"
YEAR_ID = "budget-year"
YEAR_NOTE_ID = "budget-year-note"
KREISWIDE_NOTE = (
    "Die Mittel werden kreisweit bewilligt und gebucht: der Bezirksfilter wirkt auf dieser "
    "Seite nicht."
)


def budget_year(state: urlstate.UrlState) -> tuple[int | None, str | None]:
    """(the year the URL asks for, or None for the default; a German note if it was unusable)."""
    raw = next((v for k, v in state.extra if k == YEAR_PARAM), None)
    if raw is None or raw == "":
        return None, None
    if raw.isdigit() and len(raw) == 4:
        year = int(raw)
        if filters.EARLIEST.year <= year <= filters.LATEST.year:
            return year, None
    shown = raw if len(raw) <= 12 else raw[:12] + "…"
    return None, (
        f"„{shown}“ ist kein gültiges Haushaltsjahr; es gilt das Jahr des Stichtags "
        f"({state.filter.as_of.year})."
    )


def year_search(state: urlstate.UrlState, year: int) -> str:
    """The query string of `state` with the budget year set, everything else kept (the Gemeinde
    too: the budget is Kreis-wide, but the way back to Fallzahlen must land on the same level)."""
    extra = [(k, v) for k, v in state.extra if k != YEAR_PARAM] + [(YEAR_PARAM, str(year))]
    f = state.filter
    return urlstate.to_search(f.period_from, f.period_to, f.district, extra, state.municipality)


def year_options(chosen: int, as_of_year: int) -> list[dict]:
    """Programme start (2020) up to the year after the Stichtag, and the chosen one."""
    years = set(range(filters.PROGRAMME_START.year, as_of_year + 2)) | {chosen}
    return [{"label": str(y), "value": str(y)} for y in sorted(years, reverse=True)]


def layout(view) -> html.Div:
    year, note = budget_year(view.state)
    f = replace(view.filter, year=year)
    figures = view.data.call(budget.budget, f)
    k = view.min_cell
    header = [
        html.H1([TITLE, html.Span(f" · Haushaltsjahr {figures['year']} · Stichtag "
                                  f"{fmt.day(f.as_of)}", className="kim-h1-sub")],
                className="kim-page-title"),
        dbc.Row(
            [
                dbc.Col(html.Div([
                    dbc.Label("Haushaltsjahr", html_for=YEAR_ID, className="kim-filter-label mb-0"),
                    dbc.Select(id=YEAR_ID, options=year_options(figures["year"], f.as_of.year),
                               value=str(figures["year"])),
                ]), xs=6, md=3, lg=2),
                dbc.Col(html.P(_scope_text(view), className="kim-section-note mb-0",
                               id="budget-kreiswide"), className="d-flex align-items-end"),
            ],
            className="g-2 mb-2",
        ),
    ]
    if note:
        header.append(dbc.Alert([html.Strong("Hinweis zur Adresse: "), note], color="info",
                                 id=YEAR_NOTE_ID, className="mb-3"))
    if not bc.has_data(figures):
        return html.Div([*header, html.Div(
            f"Für das Haushaltsjahr {figures['year']} sind bis zum {fmt.day(f.as_of)} weder "
            "Bewilligungen noch Buchungen erfasst.", className="kim-no-data", role="status",
            id="budget-empty")])
    return html.Div(
        [
            *header,
            html.P(summary_text(figures, f.as_of), className="kim-summary", id="budget-summary"),
            _section("budget-modules", "Mittelabfluss je Modul gegenüber dem Plan",
                     _with_table(bc.module_bullets, bc.MODULE_COLUMNS, bc.module_rows,
                                 "Mittelabfluss je Modul", figures, k),
                     note="Balken: ausgegeben; heller: Hochrechnung bis Jahresende; schwarzer "
                          "Strich: Plan bei gleichmäßigem Abfluss (Anteil des Jahres vergangen "
                          "× Bewilligung). Endet der Balken links vom Strich, liegt das Modul "
                          "hinter dem Plan. Rest (Prognose): Bewilligung minus Hochrechnung, "
                          "negativ bei Mehrausgabe; das ist keine Rückzahlung (die Bewilligung "
                          "enthält den Eigenanteil): was an das Land zurückgeht, steht unter "
                          "„Landesmittel“."),
            _section("budget-land", LAND_TITLE,
                     lambda: _land(figures, k),
                     note=f"{bc.ASSUMPTION} {bc.vacancy_text(figures)}"),
            _section("budget-cumulative", "Ausgaben kumuliert je Monat",
                     lambda: _cumulative(figures, f, k),
                     note="Gestrichelt: gleichmäßiger Abfluss vom 1. Januar bis zur vollen "
                          "Bewilligung am 31. Dezember."),
            _section("budget-categories", "Ausgaben nach Kategorie",
                     _with_table(bc.category_spend, bc.CATEGORY_COLUMNS, bc.category_rows,
                                 "Bewilligung und Ausgaben nach Kategorie", figures, k)),
            _section("budget-staffing",
                     f"Bewilligte und besetzte Stellen am {fmt.day(_reference_day(f))}",
                     _with_table(bc.staffing, bc.STAFFING_COLUMNS, bc.staffing_rows,
                                 "Bewilligte und besetzte Stellen", figures, k),
                     note=bc.vacancy_text(figures)),
            *_proof_link(view, figures),
        ]
    )


LAND_TITLE = "Landesmittel: bewilligt, abgerufen, verfallen"


def _land(figures: dict, k: int):
    return bc.land_funds(figures), data_table(
        "budget-land-table", bc.land_columns(figures), bc.land_rows(figures), min_cell=k,
        caption="Landesmittel je Modul")


def _proof_link(view, figures: dict) -> list:
    """For a finished year: the link to the draft Verwendungsnachweis (XLSX)."""
    year = figures["year"]
    if not bc.is_final(figures):
        return []
    href = get_relative_path(f"/download/verwendungsnachweis/{year}.xlsx")
    href += urlstate.search_for(view.state)
    return [html.P([
        html.A(f"Verwendungsnachweis {year} als Excel-Entwurf herunterladen", href=href,
               download="", id="budget-proof-link", className="kim-download-link"),
        " – zahlenmäßiger Nachweis je Modul (Einnahmen, Ausgaben, Stellen, Rückzahlung); "
        "ersetzt nicht die Prüfung.",
    ], className="kim-section-note", id="budget-proof")]


def _with_table(figure_fn, columns, rows_fn, caption, figures, k):
    """A chart_section build: the figure and the table behind it, built when the section asks
    (so a failure stays inside that section)."""
    table_id = f"budget-{figure_fn.__name__.replace('_', '-')}-table"

    def build():
        return figure_fn(figures), data_table(table_id, columns, rows_fn(figures), min_cell=k,
                                              caption=caption)

    return build


def _reference_day(f) -> date:
    # Staffing is taken on min(as_of, 31 December Y) (KPIS.md).
    return min(f.as_of, date(f.budget_year, 12, 31))


def _cumulative(figures: dict, f, k: int):
    rows = bc.monthly_rows(figures)
    if not rows:
        # A future budget year: nothing booked yet, no months to draw.
        return None
    return bc.cumulative_spend(figures, f.as_of), data_table(
        "budget-cumulative-table", bc.monthly_columns(figures), rows, min_cell=k,
        caption="Ausgaben kumuliert je Monat")


def _scope_text(view) -> str:
    if view.filter.district is not None:
        return f"Bezirk „{view.filter.district}“ gewählt – {KREISWIDE_NOTE}"
    return KREISWIDE_NOTE


def summary_text(figures: dict, as_of) -> str:
    """The page's numbers in one sentence (for the meeting room and for screen readers)."""
    total = figures["total"]
    modules = figures["modules"]
    share = modules[0]["elapsed_share"] if modules else None
    allocated, spent = total["allocated_cents"], total["spent_cents"]
    first = (
        f"Haushaltsjahr {figures['year']}, Stand {fmt.day(as_of)}: "
        f"{fmt.euro(allocated)} bewilligt, {fmt.euro(spent)} ausgegeben"
        + (f" ({fmt.percent(total['utilisation'])})" if allocated else "")
        + f"; {fmt.percent(share)} des Jahres sind vergangen."
    )
    return f"{first} {bc.land_summary_text(figures)}"


def _section(section_id, title, build, note=None):
    return chart_section(section_id, title, build, note=note)


def register_callbacks(app, data) -> None:
    @app.callback(
        Output("url", "search", allow_duplicate=True),
        Input(YEAR_ID, "value"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def on_year(value, search):
        # Both inputs can be forged: only a four-digit year (as the select offers) is taken.
        year = value if isinstance(value, int) and not isinstance(value, bool) else None
        if isinstance(value, str) and len(value) == 4 and value.isascii() and value.isdigit():
            year = int(value)
        if year is None or not filters.PROGRAMME_START.year <= year <= 9999:
            return no_update
        search = security.text_input(search)
        try:
            known = {d["id"] for d in data.districts()}
            municipalities = data.municipality_districts()
        except DataUnavailable:
            known = municipalities = None
        state = urlstate.parse(search, today=data.today(), min_cell=data.min_cell,
                               districts=known, municipalities=municipalities)
        if year == (budget_year(state)[0] or state.filter.as_of.year):
            return no_update  # the select was only drawn anew with the URL's year
        new = year_search(state, year)
        return no_update if new == (search or "") else new
