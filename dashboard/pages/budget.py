"""Mittelabfluss (/budget): per funding module allocated, spent and projected against the share of
the year passed; cumulative spend; categories; approved and filled positions; the likely
repayment to the Land. The budget is Kreis-wide: the Bezirk filter does not apply here.

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
        ]
    )


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
    modules = figures["modules"]
    allocated = sum(m["allocated_cents"] for m in modules)
    spent = sum(m["spent_cents"] for m in modules)
    share = modules[0]["elapsed_share"] if modules else None
    total = bc.repayment_rows(figures)[-1]["cents"]
    parts = [
        f"Haushaltsjahr {figures['year']}, Stand {fmt.day(as_of)}: "
        f"{fmt.euro(allocated)} bewilligt, {fmt.euro(spent)} ausgegeben"
        + (f" ({fmt.percent(spent / allocated)})" if allocated else "")
        + f"; {fmt.percent(share)} des Jahres sind vergangen."
    ]
    if total is not None:
        parts.append(f"Bei gleichbleibendem Abfluss insgesamt: {bc.repayment_text(total)}.")
    return " ".join(parts)


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
             "Balken links vom Strich, liegt das Modul hinter dem Plan."),
    _budget_section(
        "budget-repayment", "Voraussichtliche Rückzahlung an das Land",
        "Voraussichtliche Rückzahlung oder Mehrausgabe", bc.repayment, bc.REPAYMENT_COLUMNS,
        bc.repayment_table_rows,
        note="Bewilligung minus Hochrechnung: was bei gleichbleibendem Abfluss bis Jahresende "
             "nicht ausgegeben wird (positiv) oder darüber hinaus ausgegeben wird (negativ)."),
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
        "Bewilligte und besetzte Stellen", bc.staffing, bc.STAFFING_COLUMNS, bc.staffing_rows),
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
