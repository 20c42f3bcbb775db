"""The app factory: `create_app()` builds a complete KIM-Cockpit app (layout, router, callbacks).

Nothing registers pages or callbacks at import time, so tests may import any module and build as
many apps as they like. How a request becomes a page:

    dcc.Location (pathname, search)
      └─ router callback `render` ──> header (Kreis, Datenstand), navigation, URL notes or the
                                      database banner, filter bar, page content, tab title
             └─ urlstate.read(data, pathname, search) -> the one View (Filter, notes, …)
             └─ pages.PAGES[path].layout(View) -> figures via Data.call (cached, read-only)
    filter bar / drill-down clicks ──> write `url.search` (pushState) ──> router again

Pages are Python modules registered in dashboard/pages/__init__.py (one line per page); the router
is one callback over that registry rather than Dash Pages, because every part of the view lives in
the query string and one callback that reads it keeps filter bar, page and links in step.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

import dash
import flask
from dash import Input, Output, html
from flask_caching import Cache

from queries import db

from . import callback_guard, downloads, errors, response_cache, sections, security, urlstate
from . import layout as frame
from . import pages as page_registry
from .components import filterbar
from .components.messages import error_message, url_notes
from .data import Data, DataUnavailable
from .data import cache_config as cache_settings

log = logging.getLogger(__name__)

ASSETS_FOLDER = Path(__file__).resolve().parent.parent / "assets"
BOOTSTRAP_CSS = "vendor/bootstrap.min.css"

# Dash's page template with lang="de" (screen readers, hyphenation, the browser's date fields).
INDEX_STRING = """<!DOCTYPE html>
<html lang="de">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""

NOT_FOUND_TITLE = "Seite nicht gefunden"


def create_app(
    database_url: str | None = None,
    min_cell: int | None = None,
    cache_config: dict | str | None = None,
    today: date | None = None,
    pages: Sequence | None = None,
    auth_settings: security.AuthSettings | None = None,
) -> dash.Dash:
    """A new app on the database `database_url` (else KIM_DATABASE_URL, else instance/kim.sqlite).

    min_cell: K (else KIM_MIN_CELL, default 5). cache_config: a Flask-Caching dict or a KIM_CACHE
    value ("simple", "null", "redis://…"; else KIM_CACHE). today: fixes the default period's end
    (tests); None means the real today at each request. pages: the page modules (default: the
    registry in dashboard/pages). auth_settings: access control (else KIM_AUTH etc., see
    dashboard/security.py).
    """
    k = min_cell if min_cell is not None else db.min_cell_setting()
    page_list = tuple(pages if pages is not None else page_registry.PAGES)

    app = dash.Dash(
        __name__,
        title=frame.APP_NAME,
        update_title=None,
        assets_folder=str(ASSETS_FOLDER),
        # Bootstrap is linked explicitly below so that it loads before app.css.
        assets_ignore=re.escape(Path(BOOTSTRAP_CSS).name),
        serve_locally=True,
        suppress_callback_exceptions=True,  # page components come and go with the route
        index_string=INDEX_STRING,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.config.external_stylesheets = [app.get_asset_url(BOOTSTRAP_CSS)]

    config = cache_config if isinstance(cache_config, dict) else cache_settings(cache_config)
    cache = Cache(config=config)
    cache.init_app(app.server)
    data = Data(database_url, min_cell=k, cache=cache, today=today)
    app.server.teardown_appcontext(data.close_connection)
    app.server.config["KIM_DATA"] = data  # for the WSGI side (health checks, later downloads)
    # Download routes, over the registry of the pages' sections (dashboard/sections.py).
    app.server.config["KIM_SECTIONS"] = downloads.install(app, data, page_list)

    settings = auth_settings if auth_settings is not None else security.AuthSettings.from_env()
    # A plain link (a Flask route, not a page): the server ends the session and answers 401.
    app.layout = frame.shell(app.get_relative_path(security.LOGOUT_PATH)
                             if settings.mode == "basic" else None)
    _register_router(app, data, page_list)
    filterbar.register_callbacks(app, data)
    for page in page_list:
        page.register_callbacks(app, data)
    # Last: the CSP lists the hashes of the inline scripts, so every clientside callback must be
    # registered by now.
    security.install(app.server, settings, list(app.csp_hashes()))
    callback_guard.install(app, app.server)  # malformed callback bodies: 400, never a 500
    # After security: requests are authenticated before a cached answer is looked up.
    response_cache.install(app, data, config)

    # Any route outside the Dash callbacks (a download, a probe): the one error policy, German
    # plain text with 503 / 403 / 500, never a trace (Flask has logged the exception).
    for error in (DataUnavailable, security.AccessDenied):
        app.server.register_error_handler(
            error, lambda exc: errors.as_response(exc, flask.request.path))
    app.server.register_error_handler(
        500, lambda _exc: errors.plain(500, security.INTERNAL_ERROR_TEXT))

    return app


def _register_router(app: dash.Dash, data: Data, pages: Sequence) -> None:
    @app.callback(
        Output(frame.KREIS_ID, "children"),
        Output(frame.DATA_AS_OF_ID, "children"),
        Output(frame.NAV_ID, "children"),
        Output(frame.NOTES_ID, "children"),
        Output(frame.FILTERBAR_ID, "children"),
        Output(frame.PAGE_ID, "children"),
        Output(frame.TITLE_STORE_ID, "data"),
        Input(frame.URL_ID, "pathname"),
        Input(frame.URL_ID, "search"),
    )
    def route(pathname, search):
        # Both come from the browser and can be forged: anything but a string means "not given".
        return render(app, data, pages, security.text_input(pathname), search)

    # The tab title follows the page (Dash has no server-side title output).
    app.clientside_callback(
        "function (title) { if (title) { document.title = title; } }",
        Input(frame.TITLE_STORE_ID, "data"),
    )


def render(app: dash.Dash, data: Data, pages: Sequence, pathname: str | None,
           search: str | None) -> tuple:
    """Everything the router outputs for one URL. Never raises: failures become German text."""
    today = data.today()
    banner = None
    try:
        districts = data.districts()
        territory = data.territory()
        kreis = territory.name
        as_of = data.datenstand()
    except DataUnavailable as exc:
        districts, kreis, as_of, territory = None, None, None, None
        banner = errors.on_page(exc, "the frame", whole_page=True)
    by_path = {p.PATH.strip("/"): p for p in pages}
    view = urlstate.read(data, pathname, search, relative=app.get_relative_path, paths=by_path)
    try:
        page = by_path.get(app.strip_relative_path(pathname or "/") or "")
    except dash.exceptions.UnsupportedRelativePath:  # a path outside the app: "not found"
        page = None
    link_search = urlstate.link_search(view)

    content = None
    if banner is None:
        if page is None:
            content = _not_found(app.get_relative_path("/") + link_search)
        elif not security.can(page_permission(page)):
            content = _no_permission(page)
        else:
            view = replace(view, pathname=page.PATH)
            try:
                content = downloads.with_page_link(page.layout(view), view)
            except Exception as exc:  # noqa: BLE001 - the one error policy (dashboard/errors.py)
                shown = errors.on_page(exc, f"page {page.PATH}", whole_page=True)
                if isinstance(exc, DataUnavailable):
                    banner = shown
                elif isinstance(exc, security.AccessDenied):
                    content = _no_permission(page)
                else:
                    content = shown

    nav = frame.nav_links(
        [_RelativePage(p, app.get_relative_path(p.PATH)) for p in pages
         if page_registry.in_nav(p) and security.can(page_permission(p))],
        app.get_relative_path(page.PATH) if page else "",
        link_search,
    )
    notes = [n for n in (banner, url_notes(view.notes)) if n is not None]
    title_page = page.TITLE if page else NOT_FOUND_TITLE
    title = " – ".join(t for t in (title_page, kreis, frame.APP_NAME) if t)
    return (
        urlstate.kreis_text(kreis) if kreis else "",
        frame.data_as_of_text(as_of) if banner is None or as_of else "",
        nav,
        notes,
        filterbar.filter_bar(view, districts, today, as_of=as_of, words=view.words),
        content,
        title,
    )


def page_permission(page) -> str:
    """The permission a page needs as a whole (a page module may set PERMISSION)."""
    return getattr(page, "PERMISSION", "aggregates")


def _no_permission(page) -> html.Div:
    sections.mark_incomplete()  # a refusal is never served from the response cache
    return html.Div(
        [html.H1(page.TITLE, className="kim-page-title"),
         error_message(security.NO_PERMISSION_TEXT)],
        id="kim-no-permission",
    )


class _RelativePage:
    """A page module seen with its path under the app's URL prefix (for the navigation)."""

    def __init__(self, page, path: str):
        self.PATH = path
        self.NAV_LABEL = page.NAV_LABEL


def _not_found(home: str) -> html.Div:
    return html.Div(
        [
            html.H1(NOT_FOUND_TITLE, className="kim-page-title"),
            html.P("Diese Adresse gehört zu keiner Seite des KIM-Cockpits."),
            dash.dcc.Link("Zum Überblick", href=home),
        ]
    )
