"""The frame around every page: header (Kreis, Datenstand), navigation, notes, filter bar, content.

The frame is static; the router callback in app_factory fills its slots (ids below) from the URL
on every navigation with what a page's `layout(view)` returns for the request's urlstate.View
(its charts already as the display modes want them: dashboard/sections.py). The header's
switches for the two modes are wired in assets/kim-display.js.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import dash_bootstrap_components as dbc
from dash import dcc, html

from . import format as fmt

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
                    "kleine Zahlen und Zahlen, aus denen sie sich berechnen ließen, sind "
                    "geheim gehalten (•).",
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
