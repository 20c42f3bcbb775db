"""Statuswechsel (/statuswechsel): residence-status transitions of the period as a Sankey (prekär →
befristet → verfestigt → eingebürgert), Bleiberecht transitions and Einbürgerungen month by month,
and changes of legal sphere (Rechtskreiswechsel) with their gaps and flows.

All counts are counts of persons' events and arrive suppressed from queries/transitions.py; the
Bezirk filter applies (a person's events count for the district of their case, KPIS.md).
"""

from __future__ import annotations

from dash import html

from queries import transitions

from .. import format as fmt
from ..components import transition_charts as tc
from ..sections import Section, draw

PATH = "/statuswechsel"
TITLE = "Statuswechsel"
NAV_LABEL = "Statuswechsel"


def layout(view) -> html.Div:
    f, k = view.filter, view.min_cell
    figures = view.data.call(transitions.transitions, f)
    spheres = figures["sphere_changes"]
    w = view.words
    scope = w.total if f.district is None else w.district_label(_district_name(view))
    return html.Div(
        [
            html.H1([TITLE, html.Span(f" · {scope} · {fmt.period(f.period_from, f.period_to)}",
                                      className="kim-h1-sub")], className="kim-page-title"),
            html.P(status_summary(figures, k), className="kim-summary",
                   id="transitions-summary"),
            draw(SANKEY, view),
            draw(MONTHLY, view),
            html.H2("Rechtskreiswechsel", className="kim-page-subtitle mt-4"),
            html.P(sphere_summary(spheres, k), className="kim-summary",
                   id="transitions-sphere-summary"),
            html.P(benefit_summary(spheres["benefit"], k), className="kim-summary",
                   id="transitions-benefit-summary"),
            draw(GAPS, view),
            draw(SPHERES, view),
        ]
    )


def register_callbacks(app, data) -> None:
    """Nothing of its own: the filter bar writes the URL, the router redraws the page."""


def _district_name(view) -> str:
    names = {d["id"]: d["name"] for d in view.data.districts()}
    return names.get(view.filter.district, view.filter.district)


def status_summary(figures: dict, k: int) -> str:
    total = figures["total"]
    if total == 0:
        return "Im gewählten Zeitraum gab es keine Wechsel des Aufenthaltsstatus."
    return (
        f"{fmt.count(total, k)} Wechsel des Aufenthaltsstatus im Zeitraum, darunter "
        f"{fmt.count(figures['bleiberecht'], k)} in ein Bleiberecht (§§ 25a, 25b) und "
        f"{fmt.count(figures['einbuergerungen'], k)} Einbürgerungen."
    )


def sphere_summary(spheres: dict, k: int) -> str:
    if spheres["total"] == 0:
        return "Im gewählten Zeitraum gab es keine Rechtskreiswechsel."
    text = (
        f"{fmt.count(spheres['total'], k)} Rechtskreiswechsel, davon "
        f"{fmt.count(spheres['seamless'], k)} nahtlos ({fmt.percent(spheres['seamless_share'])})"
    )
    if spheres["median_gap_days"] is not None:
        text += f"; mittlere Lücke (Median): {fmt.number(spheres['median_gap_days'], 1)} Tage"
    return text + "."


def benefit_summary(benefit: dict, k: int) -> str:
    """Changes from one benefit to another (a time without benefits is part of the gap) and the
    exits from benefits (KPIS.md sphere_changes.benefit)."""
    if benefit["total"] == 0:
        text = "Keine Wechsel von einer Leistung in eine andere"
    else:
        text = (
            f"Leistungswechsel (eine Zeit ohne Leistungen zählt als Lücke): "
            f"{fmt.count(benefit['total'], k)}, davon {fmt.count(benefit['seamless'], k)} "
            f"nahtlos ({fmt.percent(benefit['seamless_share'])})"
        )
        if benefit["median_gap_days"] is not None:
            text += f"; mittlere Lücke (Median): {fmt.number(benefit['median_gap_days'], 1)} Tage"
    return (
        f"{text}. {fmt.count(benefit['exits'], k)}\u00a0Austritte aus dem Leistungsbezug "
        "(bis zum Stichtag keine Leistung mehr, etwa wegen Arbeit)."
    )


# --- the sections (dashboard/sections.py) ---------------------------------------------------


def _figures(view) -> dict:
    return view.data.call(transitions.transitions, view.filter)


SANKEY = Section(
    id="transitions-sankey", page=PATH, permission="aggregates",
    title="Wechsel des Aufenthaltsstatus im Zeitraum", caption="Wechsel des Aufenthaltsstatus",
    query=lambda view: _figures(view)["flows"], columns=tc.FLOW_COLUMNS,
    rows=lambda flows, _view: tc.status_flow_rows(flows),
    figure=lambda flows, view: tc.status_sankey(flows, view.min_cell),
    note=lambda view: "Jede Spalte ist eine Statusgruppe; die Zahl am Kasten nennt die Wechsel "
                      "in diesen Status (bei reinen Ausgangsstatus: aus ihm heraus). Graue "
                      f"Bänder stehen für weniger als {view.min_cell} Wechsel und sind nicht "
                      "maßstabsgetreu.",
)
MONTHLY = Section(
    id="transitions-monthly", page=PATH, permission="aggregates",
    title="Bleiberecht (§§ 25a, 25b) und Einbürgerungen je Monat",
    caption="Bleiberecht und Einbürgerungen je Monat",
    query=lambda view: view.data.call(transitions.transitions_monthly_by_kind, view.filter),
    columns=tc.MONTHLY_COLUMNS,
    figure=lambda rows, view: tc.bleiberecht_monthly(rows, view.min_cell),
)
GAPS = Section(
    id="transitions-gaps", page=PATH, permission="aggregates",
    title="Lücke zwischen altem und neuem Rechtskreis",
    caption="Rechtskreiswechsel nach Länge der Lücke",
    query=lambda view: view.data.call(transitions.sphere_gap_distribution, view.filter),
    columns=tc.GAP_COLUMNS, rows=lambda rows, _view: tc.gap_rows(rows),
    has_data=lambda rows: bool(rows) and any(r["count"] != 0 for r in rows),
    figure=lambda rows, view: tc.sphere_gaps(rows, view.min_cell),
    note="Nahtlos: der neue Rechtskreis beginnt am Tag nach dem Ende des alten.",
)
SPHERES = Section(
    id="transitions-spheres", page=PATH, permission="aggregates",
    title="Von welchem in welchen Rechtskreis", caption="Rechtskreiswechsel von – nach",
    query=lambda view: _figures(view)["sphere_changes"]["flows"], columns=tc.FLOW_COLUMNS,
    rows=lambda flows, _view: tc.sphere_flow_rows(flows),
    figure=lambda flows, view: tc.sphere_flow_matrix(flows, view.min_cell),
    note="Zeilen: bisheriger Rechtskreis, Spalten: neuer Rechtskreis.",
)
SECTIONS = (SANKEY, MONTHLY, GAPS, SPHERES)
