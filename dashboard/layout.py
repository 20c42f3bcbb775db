"""The frame around every page: header (Kreis, Datenstand), navigation, notes, filter bar, content.

The frame is static; the router callback in app_factory fills its slots (ids below) from the URL
on every navigation. `View` is what a page's `layout(view)` receives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import dash_bootstrap_components as dbc
from dash import dcc, html

from . import format as fmt
from .data import Data
from .urlstate import UrlState

URL_ID = "url"
TITLE_STORE_ID = "kim-title"
KREIS_ID = "kim-kreis"
DATA_AS_OF_ID = "kim-data-as-of"
NAV_ID = "kim-nav"
NOTES_ID = "kim-notes"
FILTERBAR_ID = "kim-filterbar"
PAGE_ID = "kim-page"

APP_NAME = "KIM-Cockpit"


@dataclass(frozen=True)
class View:
    """Everything a page needs to draw itself for one URL."""

    pathname: str
    state: UrlState
    data: Data
    kreis_name: str
    # href(path, **changes) -> a link to another page (or the same one with changed filters)
    # carrying the current view; None when no page has that path (yet).
    href: Callable[..., str | None]

    @property
    def filter(self):
        return self.state.filter

    @property
    def min_cell(self) -> int:
        return self.state.filter.min_cell


def shell() -> html.Div:
    """The static frame; the router fills the slots."""
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
                        html.Div(id=DATA_AS_OF_ID, className="kim-data-as-of"),
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


def kreis_text(name: str | None) -> str:
    return name or "Kreis unbekannt"


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
