"""One block of a page: a heading, a chart, the table behind it, links to download that table;
failures become German words.

A page passes a `build` function that queries and returns one of
    None                         "no data" for this filter
    (figure, table)              `table` is shown under the chart (a components.tables.data_table,
                                 a sentence, or None) and, if it holds a grid, is the download
    (figure, shown, download)    `shown` is shown; `download` is the data_table behind the chart
                                 when it is not shown in this section (a table shared by two
                                 charts, or the overview's small charts whose numbers are a
                                 sentence); it is never sent to the browser
Any exception in it is logged and replaced by a German message in place of this block only, so
one broken figure never blanks a page or shows a traceback. DataUnavailable is passed on: the
router shows the database banner for the whole page instead.

Downloads (dashboard/downloads.py): while a page is drawn inside `collecting(...)`, every section
records what it built (`SectionRecord`: its table, or why it has none) and, when the collector
gives a `link` function, gets "CSV" and "Excel" links to that table under its body. Outside a
collector (unit tests calling a page's layout) sections look as before and record nothing.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import dash_ag_grid as dag
from dash import dcc, html

from .. import theme
from ..data import DataUnavailable
from ..security import NO_PERMISSION_TEXT, AccessDenied
from .messages import error_message, no_data

log = logging.getLogger(__name__)

Built = tuple[dict, object] | tuple[dict, object, object] | None

# What became of a section (SectionRecord.status).
OK, NO_DATA, DENIED, FAILED = "ok", "no_data", "denied", "failed"

DOWNLOADS_CLASS = "kim-downloads"


@dataclass
class SectionRecord:
    section_id: str
    title: str
    status: str
    grid: dag.AgGrid | None = None  # the table behind the chart (None: nothing to download)


@dataclass
class Collector:
    """The sections of one page drawing, in page order. `link(section_id, ext)` gives the href of
    a download ("csv" or "xlsx"); None draws no links (the download route's own drawing)."""

    link: Callable[[str, str], str] | None = None
    records: dict[str, SectionRecord] = field(default_factory=dict)


_COLLECTOR: contextvars.ContextVar[Collector | None] = contextvars.ContextVar(
    "kim_section_collector", default=None
)


@contextmanager
def collecting(link: Callable[[str, str], str] | None = None) -> Iterator[Collector]:
    """Record the sections drawn inside the block (and give them download links via `link`)."""
    collector = Collector(link=link)
    token = _COLLECTOR.set(collector)
    try:
        yield collector
    finally:
        _COLLECTOR.reset(token)


def find_grid(component) -> dag.AgGrid | None:
    """The first dash-ag-grid in a component tree (or None)."""
    if component is None or isinstance(component, (str, int, float)):
        return None
    if isinstance(component, (list, tuple)):
        for child in component:
            found = find_grid(child)
            if found is not None:
                return found
        return None
    if isinstance(component, dag.AgGrid):
        return component
    return find_grid(getattr(component, "children", None))


def download_links(section_id: str, title: str, href: Callable[[str, str], str]) -> html.Div:
    """ "Tabelle herunterladen: CSV · Excel", plain links (they work without JavaScript and keep
    the filters, which are part of the href)."""
    def link(ext: str, label: str, long: str) -> html.A:
        return html.A(
            label, href=href(section_id, ext), download="",
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


def record_table(section_id: str, title: str, table: object, status: str = OK) -> html.Div | None:
    """Record a table shown outside chart_section (e.g. on the Datenstand page) for downloads;
    returns its links when the current collector draws links, else None."""
    grid = find_grid(table) if status == OK else None
    if grid is None and status == OK:
        status = NO_DATA
    collector = _COLLECTOR.get()
    if collector is None:
        return None
    collector.records[section_id] = SectionRecord(section_id, title, status, grid)
    if grid is None or collector.link is None:
        return None
    return download_links(section_id, title, collector.link)


def graph(graph_id: str, figure: dict, *, clickable: bool = False) -> dcc.Graph:
    return dcc.Graph(
        id=graph_id,
        figure=figure,
        config=theme.GRAPH_CONFIG,
        className="kim-graph kim-clickable" if clickable else "kim-graph",
    )


def chart_section(
    section_id: str,
    title: str,
    build: Callable[[], Built],
    *,
    note: str | None = None,
    link: object | None = None,
    clickable: bool = False,
    className: str = "",
) -> html.Section:
    """The section `section_id` with heading `title`; its graph gets the id `<section_id>-graph`.

    `note` is a line under the heading (e.g. "Klicken Sie auf einen Bezirk …"); `link` a component
    placed next to the heading (e.g. "zur Seite Fallzahlen").
    """
    status, download = OK, None
    try:
        built = build()
    except DataUnavailable:
        raise
    except AccessDenied:  # the role may not see this block: say so, not "an error"
        status = DENIED
        body = [error_message(NO_PERMISSION_TEXT)]
    except Exception:  # noqa: BLE001 - whatever failed, the reader gets words, the log the trace
        log.exception("building section %s failed", section_id)
        status = FAILED
        body = [error_message()]
    else:
        if built is None:
            status = NO_DATA
            body = [no_data()]
        else:
            figure, table = built[0], built[1]
            download = built[2] if len(built) > 2 else table
            body = [graph(f"{section_id}-graph", figure, clickable=clickable)]
            if table is not None:
                body.append(table)
    links = record_table(section_id, title, download, status)
    if links is not None:
        body.append(links)
    heading = [html.H2(title, className="kim-section-title")]
    if link is not None:
        heading.append(link)
    children = [html.Div(heading, className="kim-section-head")]
    if note:
        children.append(html.P(note, className="kim-section-note"))
    children.extend(body)
    return html.Section(children, id=section_id, className=f"kim-section {className}".strip())
