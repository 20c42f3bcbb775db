"""Mittelabfluss (/budget): per funding module allocated, spent and projected against the share of
the year passed; the Land's money granted, likely earned and forfeited, and what of the Land's
payments goes back (KPIS.md); cumulative spend; categories; approved and filled positions with
the year's vacancies; for a finished year the link to the draft Verwendungsnachweis. The budget is
Kreis-wide: the Bezirk filter does not apply here.

The budget year lives in the URL as `jahr=YYYY` (read by dashboard/urlstate.py: view.year, default
the year of the Stichtag); a value that cannot be used falls back to the default with a visible
note (view.year_note).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import dash_bootstrap_components as dbc
from dash import Input, Output, State, html, no_update

from queries import budget

from .. import format as fmt
from .. import security, urlstate
from ..components import budget_charts as bc
from ..sections import Section, draw

PATH = "/budget"
TITLE = "Mittelabfluss"
NAV_LABEL = "Mittelabfluss"

# Downloads name the Haushaltsjahr (view.budget_year) in their header rows.
BUDGET_YEAR = True
YEAR_ID = "budget-year"
YEAR_NOTE_ID = "budget-year-note"
KREISWIDE_NOTE = (
    "Die Mittel werden kreisweit bewilligt und gebucht: der Bezirksfilter wirkt auf dieser "
    "Seite nicht."
)


def wide_note(words) -> str:
    """KREISWIDE_NOTE in the words of the territory (stadtweit, Stadtbezirksfilter in a city)."""
    return (f"Die Mittel werden {words.wide} bewilligt und gebucht: der {words.district_word}"
            "sfilter wirkt auf dieser Seite nicht.")


def year_options(chosen: int, as_of_year: int) -> list[dict]:
    """Programme start (2020) up to the year after the Stichtag, and the chosen one."""
    years = set(range(urlstate.YEAR_MIN, min(as_of_year + 1, urlstate.YEAR_MAX) + 1)) | {chosen}
    return [{"label": str(y), "value": str(y)} for y in sorted(years, reverse=True)]


def layout(view) -> html.Div:
    note = view.year_note
    f = replace(view.filter, year=view.year)
    figures = view.data.call(budget.budget, f)
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
            *(draw(section, view) for section in SECTIONS),
            *_proof_link(view, figures),
        ]
    )


def _proof_link(view, figures: dict) -> list:
    """For a finished year: the link to the draft Verwendungsnachweis (XLSX)."""
    year = figures["year"]
    if not bc.is_final(figures):
        return []
    href = view.relative(f"/download/verwendungsnachweis/{year}.xlsx")
    href += urlstate.search_for(view)
    return [html.P([
        html.A(f"Verwendungsnachweis {year} als Excel-Entwurf herunterladen", href=href,
               download="", id="budget-proof-link", className="kim-download-link"),
        " – zahlenmäßiger Nachweis je Modul (Einnahmen, Ausgaben, Stellen, Rückzahlung); "
        "ersetzt nicht die Prüfung.",
    ], className="kim-section-note", id="budget-proof")]


def _reference_day(f) -> date:
    # Staffing is taken on min(as_of, 31 December Y) (KPIS.md).
    return min(f.as_of, date(f.budget_year, 12, 31))


def _scope_text(view) -> str:
    note = wide_note(view.words)
    if view.filter.district is not None:
        return f"{view.words.district_word} „{view.filter.district}“ gewählt – {note}"
    return note


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


LAND_TITLE = "Landesmittel: bewilligt, abgerufen, verfallen"


# --- the sections (dashboard/sections.py) ---------------------------------------------------


def _budget(view) -> dict:
    """The budget figures of the view's Haushaltsjahr (Kreis-wide)."""
    return view.data.call(budget.budget, replace(view.filter, year=view.year))


def _budget_section(section_id: str, title, caption: str, figure_fn, columns, rows_fn,
                    **kwargs) -> Section:
    """A section on the budget figures; drawn whenever the year has data (bc.has_data)."""
    return Section(
        id=section_id, page=PATH, permission="aggregates", title=title, caption=caption,
        query=_budget, columns=columns, rows=lambda figures, _view: rows_fn(figures),
        figure=kwargs.pop("figure", lambda figures, _view: figure_fn(figures)),
        has_data=kwargs.pop("has_data", lambda _figures: True),
        applies=lambda view: bc.has_data(_budget(view)),
        table_id=kwargs.pop("table_id", f"budget-{figure_fn.__name__.replace('_', '-')}-table"),
        **kwargs)


SECTIONS = (
    _budget_section(
        "budget-modules", "Mittelabfluss je Modul gegenüber dem Plan", "Mittelabfluss je Modul",
        bc.module_bullets, bc.MODULE_COLUMNS, bc.module_rows,
        note="Balken: ausgegeben; heller: Hochrechnung bis Jahresende; schwarzer Strich: Plan "
             "bei gleichmäßigem Abfluss (Anteil des Jahres vergangen × Bewilligung). Endet der "
             "Balken links vom Strich, liegt das Modul hinter dem Plan. Rest (Prognose): "
             "Bewilligung minus Hochrechnung, negativ bei Mehrausgabe; das ist keine Rückzahlung "
             "(die Bewilligung enthält den Eigenanteil): was an das Land zurückgeht, steht unter "
             "„Landesmittel“."),
    _budget_section(
        "budget-land", LAND_TITLE, "Landesmittel je Modul", bc.land_funds,
        lambda figures, _view: bc.land_columns(figures), bc.land_rows,
        table_id="budget-land-table",
        note=lambda view: f"{bc.ASSUMPTION} {bc.vacancy_text(_budget(view))}"),
    _budget_section(
        # A future budget year: nothing booked yet, no months to draw.
        "budget-cumulative", "Ausgaben kumuliert je Monat", "Ausgaben kumuliert je Monat",
        bc.cumulative_spend, lambda figures, _view: bc.monthly_columns(figures),
        bc.monthly_rows, figure=lambda figures, view: bc.cumulative_spend(figures,
                                                                          view.filter.as_of),
        has_data=lambda figures: bool(bc.monthly_rows(figures)), table_id="budget-cumulative-table",
        note="Gestrichelt: gleichmäßiger Abfluss vom 1. Januar bis zur vollen Bewilligung am "
             "31. Dezember."),
    _budget_section(
        "budget-categories", "Ausgaben nach Kategorie", "Bewilligung und Ausgaben nach Kategorie",
        bc.category_spend, bc.CATEGORY_COLUMNS, bc.category_rows),
    _budget_section(
        "budget-staffing",
        lambda view: f"Bewilligte und besetzte Stellen am "
                     f"{fmt.day(_reference_day(replace(view.filter, year=view.year)))}",
        "Bewilligte und besetzte Stellen", bc.staffing, bc.STAFFING_COLUMNS, bc.staffing_rows,
        note=lambda view: bc.vacancy_text(_budget(view))),
)


def register_callbacks(app, data) -> None:
    @app.callback(
        Output("url", "search", allow_duplicate=True),
        Input(YEAR_ID, "value"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def on_year(value, search):
        # Both inputs can be forged: only a year within the bounds (as the select offers) counts.
        year = urlstate.year_value(value)
        if year is None:
            return no_update
        view = urlstate.read(data, PATH, search)
        if year == view.budget_year:
            return no_update  # the select was only drawn anew with the URL's year
        new = urlstate.search_for(view, year=year)
        return no_update if new == (security.text_input(search) or "") else new
