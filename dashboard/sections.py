"""The registry of sections: every table or chart of the dashboard declared once, as a `Section`
(its id, page, heading, caption, query, rows and columns, figure builder, permission).

A page module lists its sections in `SECTIONS` and draws each with `draw(section, view)`;
downloads (dashboard/downloads.py) and the print report ask `table(section, view)` for the
rows behind a chart, and `figure(section, view)` for the chart itself, never the components a
page drew. The figure a page or the report draws is the one `figure` returns: `finish` applies
the View's display modes (presentation, high contrast), a small chart's height on a projector
and the print size, and nothing changes a figure after that. `graph` puts it on the page with
the mode's config, as a figure region described in words for screen readers. Permissions deny
by default: a Section must name its permission, an id that no page
registers is refused (UnknownSection), and security.require runs before any data is read.

What a request produced is kept in its `Outcome` (flask.g): the tables drawn (for the page's
"Alle Tabellen" link) and whether any part failed or the database banner was shown (the response
cache stores only complete answers, dashboard/response_cache.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import flask
from dash import dcc, html

from . import format as fmt
from . import security, theme
from .components.charts import describe
from .components.messages import no_data
from .components.tables import Column, data_table
from .urlstate import View, search_for

log = logging.getLogger(__name__)

OVERVIEW_SLUG = "ueberblick"
DOWNLOADS_CLASS = "kim-downloads"

Text = str | Callable[[View], str]


def _same(source: Any, _view: View) -> list[dict]:
    return source


def _always(_view: View) -> bool:
    return True


def _has_rows(source: Any) -> bool:
    return bool(source)


@dataclass(frozen=True)
class Section:
    """One chart (or table) and the table behind it.

    query(view) -> source      one queries/ function through view.data.call (cache, read-only)
    rows(source, view)         the table behind the chart (default: the source itself)
    figure(source, view)       the pure builder: a plain figure dict (None: a table only)
    has_data(source)           False: "no data" for this view (default: any rows)
    applies(view)              whether the page shows it in this view (else downloads say 404)
    sentence(source, view)     shown under the chart instead of the grid (the grid is then
                               only the download, e.g. the Überblick's small charts)
    shared_table               the grid is drawn once elsewhere on the page (two charts on one
                               table): no grid under this chart, its download is the same table
    """

    id: str
    page: str
    permission: str  # no default: a section must say who may see it
    title: Text
    caption: Text
    query: Callable[[View], Any]
    columns: tuple[Column, ...] | Callable[[Any, View], tuple[Column, ...]]
    rows: Callable[[Any, View], list[dict]] = _same
    figure: Callable[[Any, View], dict] | None = None
    has_data: Callable[[Any], bool] = _has_rows
    applies: Callable[[View], bool] = _always
    note: Text | None = None
    sentence: Callable[[Any, View], str] | None = None
    shared_table: bool = False
    table_id: str = ""

    @property
    def grid_id(self) -> str:
        return self.table_id or f"{self.id}-table"


@dataclass(frozen=True)
class Table:
    """The rows behind a chart, as downloads and the print report take them."""

    title: str  # the caption of the table
    columns: tuple[Column, ...]
    rows: tuple[dict, ...]
    key: str = ""  # the grid's id: two sections on one table share it


class UnknownSection(LookupError):
    """No page of this app registers a section with that id (or it is not on that page)."""


class NotInView(LookupError):
    """The section exists but its page does not show it in this view (e.g. another level)."""


def _text(value: Text | None, view: View) -> str | None:
    return value(view) if callable(value) else value


def heading(section: Section, view: View) -> str:
    """The section's heading in `view` (its title)."""
    return _text(section.title, view)


# --- what a request produced ---------------------------------------------------------------


@dataclass
class Outcome:
    """What became of one request's drawing: tables drawn (grid id -> section ids), and whether
    it is incomplete (a part failed, the database banner was shown)."""

    tables: dict[str, list[str]] = field(default_factory=dict)
    incomplete: bool = False


def outcome() -> Outcome:
    """The current request's Outcome (a throwaway one outside an app context)."""
    if not flask.has_app_context():
        return Outcome()
    found = flask.g.get("kim_outcome")
    if found is None:
        found = flask.g.kim_outcome = Outcome()
    return found


def mark_incomplete() -> None:
    outcome().incomplete = True


# --- the rows and the figure of a section ---------------------------------------------------


def _source(section: Section, view: View) -> Any:
    security.require(section.permission)  # before any data is read or taken from a cache
    if not section.applies(view):
        raise NotInView(section.id)
    return section.query(view)


def _table_of(section: Section, source: Any, view: View) -> Table:
    columns = section.columns(source, view) if callable(section.columns) else section.columns
    return Table(title=_text(section.caption, view), columns=tuple(columns),
                 rows=tuple(section.rows(source, view)), key=section.grid_id)


def table(section: Section, view: View) -> Table | None:
    """The table behind `section` for `view`; None when there is no data. Raises
    security.AccessDenied, NotInView, DataUnavailable."""
    source = _source(section, view)
    if not section.has_data(source):
        return None
    return _table_of(section, source, view)


def figure(section: Section, view: View, *, small: bool = False,
           paper: Paper | None = None) -> dict | None:
    """The figure of `section` for `view` as it is drawn (`finish`); None when no data."""
    source = _source(section, view)
    if not section.has_data(source) or section.figure is None:
        return None
    return finish(section.figure(source, view), view, small=small, paper=paper)


# --- the figure as drawn --------------------------------------------------------------------

# The class of a small chart (the Überblick's three): PRESENTATION_SMALL_HEIGHT on a projector.
SMALL_CLASS = "kim-small"
# Height of a small chart in presentation mode, so that a slide of three fits 1280×720.
PRESENTATION_SMALL_HEIGHT = 170
# The config of a chart on paper: fixed size, nothing to click (dcc.Graph(responsive=False)
# keeps the size, overriding config.responsive and layout.autosize).
PAPER_CONFIG = {**theme.GRAPH_CONFIG, "responsive": False, "staticPlot": True,
                "displayModeBar": False}


@dataclass(frozen=True)
class Paper:
    """A figure's place in the print report: `width` px on the page (the printout must not
    depend on the window). It is drawn at width / zoom and its own height (or `height`; charts
    are made for a projector) and shown scaled by `zoom`, so its proportions stay as designed."""

    width: int
    zoom: float
    height: int | None = None

    DEFAULT_HEIGHT = 400  # a figure that sets no height of its own

    def size(self, fig: dict) -> tuple[int, int]:
        """(width, height) in px at which `fig` is drawn."""
        own = (fig.get("layout") or {}).get("height")
        return round(self.width / self.zoom), int(self.height or own or self.DEFAULT_HEIGHT)


def finish(fig: dict, view: View, *, small: bool = False, paper: Paper | None = None) -> dict:
    """The builder's figure as it is drawn for `view`, a new dict (the builder's stays as it
    was): the display modes (theme.adapt_figure), on a projector a small chart at
    PRESENTATION_SMALL_HEIGHT, on paper the size of `paper`. Every drawn figure passes here once;
    nothing changes it afterwards."""
    fig = theme.adapt_figure(fig, presentation=view.presentation,
                             high_contrast=view.high_contrast)
    layout = dict(fig.get("layout") or {})
    if small and view.presentation:
        layout["height"] = PRESENTATION_SMALL_HEIGHT
    if paper is not None:
        width, height = paper.size(fig)
        layout.update(width=width, height=height, autosize=False)
    return {**fig, "layout": layout}


# --- drawing on a page ----------------------------------------------------------------------


def page_slug(path: str) -> str:
    return path.strip("/").replace("/", "-") or OVERVIEW_SLUG


def download_href(view: View, section_id: str, ext: str) -> str:
    return (view.relative(f"/download/{page_slug(view.pathname)}/{section_id}.{ext}")
            + search_for(view))


def download_links(section_id: str, title: str, view: View) -> html.Div:
    """ "Tabelle herunterladen: CSV · Excel", plain links (they work without JavaScript and keep
    the filters, which are part of the href)."""
    def link(ext: str, label: str, long: str) -> html.A:
        return html.A(
            label, href=download_href(view, section_id, ext), download="",
            id=f"{section_id}-download-{ext}", className="kim-download-link",
            title=f"Tabelle „{title}“ als {long} herunterladen",
            **{"aria-label": f"Tabelle „{title}“ als {long} herunterladen"},
        )

    return html.Div(
        [
            html.Span("Tabelle herunterladen:", className="kim-download-label"),
            link("csv", "CSV", "CSV-Datei"),
            link("xlsx", "Excel", "Excel-Datei"),
        ],
        className=DOWNLOADS_CLASS,
    )


def grid(section: Section, t: Table, view: View):
    return data_table(t.key, t.columns, list(t.rows), min_cell=view.min_cell, caption=t.title)


def _recorded(section: Section, t: Table) -> None:
    outcome().tables.setdefault(t.key, []).append(section.id)


def graph(graph_id: str, fig: dict, view: View, *, title: str | None,
          clickable: bool = False, paper: Paper | None = None) -> html.Div:
    """A finished figure (`finish`) on the page: a dcc.Graph with the config of the View's mode
    (on a projector no mode bar; on `paper` fixed in size and static), in a figure region named
    after `title` and described by a visually hidden text of its values (charts.describe), so
    a screen reader gets the numbers the eye reads off the chart."""
    if paper is None:
        shown = dcc.Graph(id=graph_id, figure=fig,
                          config=theme.graph_config(presentation=view.presentation),
                          className="kim-graph kim-clickable" if clickable else "kim-graph")
    else:
        layout = fig.get("layout") or {}
        shown = dcc.Graph(id=graph_id, figure=fig, config=PAPER_CONFIG, responsive=False,
                          style={"width": f"{layout['width']}px",
                                 "height": f"{layout['height']}px", "zoom": paper.zoom},
                          className="kim-report-graph")
    desc_id = f"{graph_id}-beschreibung"
    return html.Div(
        [html.P(describe(fig), id=desc_id, className="visually-hidden kim-graph-description"),
         shown],
        role="figure",
        className="kim-graph-figure",
        **{"aria-label": f"Diagramm: {title}" if title else "Diagramm",
           "aria-describedby": desc_id},
    )


def failure(exc: BaseException, what: str):
    """A part of a page that failed: the one error policy (dashboard/errors.py)."""
    from . import errors  # errors marks this module's Outcome

    return errors.on_page(exc, what)


def draw(section: Section, view: View, *, link: object | None = None, clickable: bool = False,
         className: str = "") -> html.Section:
    """The section on its page: heading, note, chart, the table behind it (or its sentence),
    the download links; its graph gets the id `<id>-graph`. `link` sits next to the heading;
    className SMALL_CLASS makes it one of a slide's small charts."""
    title = _text(section.title, view)
    try:
        source = _source(section, view)
        if not section.has_data(source):
            body = [no_data()]
        else:
            t = _table_of(section, source, view)
            fig = finish(section.figure(source, view), view,
                         small=SMALL_CLASS in className.split())
            body = [graph(f"{section.id}-graph", fig, view, title=title, clickable=clickable)]
            if section.sentence is not None:
                body.append(html.P(section.sentence(source, view),
                                   className="kim-chart-sentence"))
            elif not section.shared_table:
                body.append(grid(section, t, view))
            # A slide's small chart keeps to its box (the Überblick fits 1280x720); its "•" is
            # explained on the page it links to.
            if hidden_counts(t) and SMALL_CLASS not in className.split():
                body.append(html.P(HIDDEN_LEGEND, className="kim-hidden-legend"))
            _recorded(section, t)
            body.append(download_links(section.id, title, view))
    except Exception as exc:  # noqa: BLE001 - one policy for every failure (see failure())
        body = [failure(exc, f"section {section.id}")]
    return frame(section.id, title, body, note=_text(section.note, view), link=link,
                 className=className)


# Under every chart whose table holds a hidden count: the mark, and why a total may be hidden
# too (KPIS.md "Disclosure control"; the same words for every reason, so none is told apart).
HIDDEN_LEGEND = (f"{fmt.LEGEND}. Auch eine Summe kann geheim gehalten sein, wenn sich sonst "
                 "eine kleine Zahl aus ihr und den übrigen Zahlen berechnen ließe.")


def hidden_counts(t: Table) -> bool:
    """True when a count cell of the table is hidden (None)."""
    counts = [c.field for c in t.columns if c.kind == "count"]
    return any(row.get(name, 0) is None for row in t.rows for name in counts)


def table_block(section: Section, view: View) -> list:
    """A table without a chart (e.g. on the Datenstand page): the grid and its download links;
    [None] when there is no data."""
    try:
        t = table(section, view)
    except Exception as exc:  # noqa: BLE001
        return [failure(exc, f"table {section.id}")]
    if t is None:
        return [None]
    _recorded(section, t)
    return [grid(section, t, view), download_links(section.id, _text(section.title, view), view)]


def shared_grid(section: Section, view: View):
    """The grid that sections with `shared_table` stand on, drawn once (None: no data)."""
    try:
        t = table(section, view)
    except Exception as exc:  # noqa: BLE001
        return failure(exc, f"table {section.id}")
    return grid(section, t, view) if t is not None else None


def frame(section_id: str, title: str, body: list, *, note: str | None = None,
          link: object | None = None, className: str = "") -> html.Section:
    heading = [html.H2(title, className="kim-section-title")]
    if link is not None:
        heading.append(link)
    children = [html.Div(heading, className="kim-section-head")]
    if note:
        children.append(html.P(note, className="kim-section-note"))
    children.extend(body)
    return html.Section(children, id=section_id, className=f"kim-section {className}".strip())


# --- the registry of one app ----------------------------------------------------------------


class Registry:
    """The sections of an app's pages, by id and by page (in the page's order)."""

    def __init__(self, pages: Sequence):
        self.by_id: dict[str, Section] = {}
        self.by_page: dict[str, list[Section]] = {}
        for page in pages:
            for section in getattr(page, "SECTIONS", ()):
                if section.id in self.by_id:
                    raise ValueError(f"section {section.id!r} registered twice")
                if section.page != page.PATH:
                    raise ValueError(f"section {section.id!r} belongs to {section.page}")
                self.by_id[section.id] = section
                self.by_page.setdefault(page.PATH, []).append(section)

    def get(self, page_path: str, section_id: str) -> Section:
        section = self.by_id.get(section_id)
        if section is None or section.page != page_path:
            raise UnknownSection(section_id)
        return section

    def of_page(self, page_path: str) -> list[Section]:
        return list(self.by_page.get(page_path, ()))
