"""The frame around every page: header (Kreis, Datenstand), navigation, notes, filter bar, content.

The frame is static; the router callback in app_factory fills its slots (ids below) from the URL
on every navigation. A page's `layout(view)` receives the request's urlstate.View;
`dress(content, view)` then applies the display modes of the URL (presentation, high contrast)
to every chart of the page and gives each chart a text description for screen readers. The
header's switches for the two modes are wired in assets/kim-display.js.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import dash_bootstrap_components as dbc
from dash import dcc, html

from . import format as fmt
from . import theme
from .urlstate import View

URL_ID = "url"
TITLE_STORE_ID = "kim-title"
KREIS_ID = "kim-kreis"
DATA_AS_OF_ID = "kim-data-as-of"
NAV_ID = "kim-nav"
NOTES_ID = "kim-notes"
FILTERBAR_ID = "kim-filterbar"
PAGE_ID = "kim-page"
REPORT_LINK_ID = "kim-report-link"  # "Bericht drucken"; pages/report_print.py keeps its filters
LOGOUT_LINK_ID = "kim-logout"  # "Abmelden", only with basic auth (dashboard/security.py)

APP_NAME = "KIM-Cockpit"
# The display switches in the header; assets/kim-display.js wires them (the CSP forbids inline
# scripts): each rewrites its URL parameter (urlstate.PARAM_PRESENTATION / PARAM_CONTRAST).
PRESENTATION_BUTTON_ID = "kim-presentation-toggle"
CONTRAST_BUTTON_ID = "kim-contrast-toggle"
# Height of a small chart (a section with class "kim-small") in presentation mode.
PRESENTATION_SMALL_HEIGHT = 170


def shell(logout_href: str | None = None) -> html.Div:
    """The static frame; the router fills the slots. `logout_href`: the address of /abmelden
    when users sign in with a password (KIM_AUTH=basic); without it there is no "Abmelden"."""
    logout = [] if logout_href is None else [
        html.A("Abmelden", href=logout_href, id=LOGOUT_LINK_ID, className="kim-logout-link",
               title="Abmelden: die Anmeldung in diesem Browser beenden")]
    return html.Div(
        [
            dcc.Location(id=URL_ID, refresh="callback-nav"),
            dcc.Store(id=TITLE_STORE_ID),
            html.A("Zum Inhalt springen", href="#kim-main", className="visually-hidden-focusable"),
            html.Header(
                dbc.Container(
                    [
                        html.Div(
                            [
                                html.Span(APP_NAME, className="kim-brand"),
                                html.Span(id=KREIS_ID, className="kim-kreis"),
                            ],
                            className="kim-brand-block",
                        ),
                        html.Nav(id=NAV_ID, className="kim-nav", **{"aria-label": "Seiten"}),
                        # Datenstand, report link and switches: one group at the right; on
                        # one line from 1600 px, below that two short lines (app.css), so the
                        # header keeps to one row at 1280 px.
                        html.Div(
                            [
                                html.Div(
                                    [
                                        html.Div(id=DATA_AS_OF_ID, className="kim-data-as-of"),
                                        dcc.Link("Bericht drucken", href="/bericht",
                                                 id=REPORT_LINK_ID, className="kim-report-link"),
                                        *logout,
                                    ],
                                    className="kim-meta-line",
                                ),
                                display_switches(),
                            ],
                            className="kim-meta",
                        ),
                    ],
                    fluid=True,
                    className="kim-header-inner",
                ),
                className="kim-header",
            ),
            html.Main(
                dbc.Container(
                    [
                        html.Div(id=NOTES_ID),
                        html.Div(id=FILTERBAR_ID),
                        dcc.Loading(
                            html.Div(id=PAGE_ID, className="kim-page"),
                            delay_show=400,
                            type="circle",
                            color="#1F4E79",
                        ),
                    ],
                    fluid=True,
                ),
                id="kim-main",
            ),
            html.Footer(
                dbc.Container(
                    "Kommunales Integrationsmanagement NRW – alle Angaben pseudonymisiert; "
                    "kleine Fallzahlen werden nicht ausgewiesen.",
                    fluid=True,
                ),
                className="kim-footer",
            ),
        ],
        className="kim-app",
    )


def data_as_of_text(day: date | None) -> str:
    if day is None:
        return "Datenstand: noch kein Import"
    return f"Datenstand: {fmt.day(day)}"


def nav_links(pages: Sequence, pathname: str, link_search: str) -> list:
    """One link per page, the current one marked; links keep the current filters."""
    links = []
    for page in pages:
        current = page.PATH == pathname
        links.append(
            dcc.Link(
                page.NAV_LABEL,
                href=page.PATH + link_search,
                className="kim-nav-link active" if current else "kim-nav-link",
                id=f"nav-{page.PATH.strip('/') or 'start'}",
                title=f"{page.NAV_LABEL} (aktuelle Seite)" if current else None,
            )
        )
    return links


def display_switches() -> html.Div:
    """"Präsentation" and "Hoher Kontrast": toggle buttons (aria-pressed); kim-display.js keeps
    their state in step with the URL and writes the URL when they are pressed."""
    return html.Div(
        [
            html.Button("Präsentation", id=PRESENTATION_BUTTON_ID, type="button",
                        className="kim-switch", title="Präsentationsansicht (Esc beendet sie)",
                        **{"aria-pressed": "false"}),
            html.Button("Hoher Kontrast", id=CONTRAST_BUTTON_ID, type="button",
                        className="kim-switch", **{"aria-pressed": "false"}),
        ],
        className="kim-switches",
        role="group",
        **{"aria-label": "Darstellung"},
    )


# -- the display modes applied to a page ---------------------------------------------------


def dress(content, state: View):
    """The page `content` for the display modes of `state`, and every chart made accessible.

    Each dcc.Graph's figure is adapted to the modes (theme.adapt_figure), gets the mode's config
    (no mode bar on a projector), and is wrapped in a figure region named after its section's
    heading and described by a visually hidden text of its values (charts.describe), so a
    screen reader gets the numbers the eye reads off the chart.
    """
    return _dress(content, state, None, [0])


def _section_title(node) -> str | None:
    for child in _children_list(node):
        if isinstance(child, html.H2):
            return _text(child.children)
        if isinstance(child, html.Div) and "kim-section-head" in (child.className or ""):
            found = _section_title(child)
            if found:
                return found
    return None


def _children_list(node) -> list:
    children = getattr(node, "children", None)
    if children is None:
        return []
    return list(children) if isinstance(children, (list, tuple)) else [children]


def _text(children) -> str:
    if children is None:
        return ""
    if isinstance(children, str | int | float):
        return str(children)
    if isinstance(children, list | tuple):
        return "".join(_text(c) for c in children)
    return _text(getattr(children, "children", None))


def _dress(node, state: View, title: str | None, seen: list[int]):
    if isinstance(node, list | tuple):
        return [_dress(n, state, title, seen) for n in node]
    if isinstance(node, dcc.Graph):
        seen[0] += 1
        return _accessible_graph(node, state, title, seen[0])
    if not hasattr(node, "children") or node.children is None:
        return node
    if isinstance(node, html.Section):
        title = _section_title(node) or title
        if state.presentation and "kim-small" in (node.className or ""):
            _shrink_graphs(node)
    node.children = _dress(node.children, state, title, seen)
    return node


def _shrink_graphs(node) -> None:
    """The small charts of a slide (e.g. the Überblick's three) at PRESENTATION_SMALL_HEIGHT, so
    the slide fits 1280×720."""
    for child in _children_list(node):
        if isinstance(child, dcc.Graph) and isinstance(child.figure, dict):
            figure = child.figure
            child.figure = {**figure, "layout": {**(figure.get("layout") or {}),
                                                 "height": PRESENTATION_SMALL_HEIGHT}}
        elif not isinstance(child, str):
            _shrink_graphs(child)


def _accessible_graph(graph: dcc.Graph, state: View, title: str | None,
                      number: int) -> html.Div:
    from .components.charts import describe  # components import layout's siblings only

    figure = graph.figure
    if isinstance(figure, dict):
        figure = theme.adapt_figure(figure, presentation=state.presentation,
                                    high_contrast=state.high_contrast)
        graph.figure = figure
        description = describe(figure)
    else:
        description = "Diagramm."
    graph.config = theme.graph_config(presentation=state.presentation)
    graph_id = getattr(graph, "id", None)
    graph_id = graph_id if isinstance(graph_id, str) else f"kim-graph-{number}"
    desc_id = f"{graph_id}-beschreibung"
    return html.Div(
        [html.P(description, id=desc_id, className="visually-hidden kim-graph-description"),
         graph],
        role="figure",
        className="kim-graph-figure",
        **{"aria-label": f"Diagramm: {title}" if title else "Diagramm",
           "aria-describedby": desc_id},
    )
