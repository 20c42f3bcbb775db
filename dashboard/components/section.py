"""One block of a page: a heading, a chart, the table behind it; failures become German words.

A page passes a `build` function that queries and returns (figure, table) or None for "no data".
Any exception in it is logged and replaced by a German message in place of this block only, so
one broken figure never blanks a page or shows a traceback. DataUnavailable is passed on: the
router shows the database banner for the whole page instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import plotly.graph_objects as go
from dash import dcc, html

from .. import theme
from ..data import DataUnavailable
from ..security import NO_PERMISSION_TEXT, AccessDenied
from .messages import error_message, no_data

log = logging.getLogger(__name__)

Built = tuple[go.Figure, object] | None


def graph(graph_id: str, figure: go.Figure, *, clickable: bool = False) -> dcc.Graph:
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
    try:
        built = build()
    except DataUnavailable:
        raise
    except AccessDenied:  # the role may not see this block: say so, not "an error"
        body = [error_message(NO_PERMISSION_TEXT)]
    except Exception:  # noqa: BLE001 - whatever failed, the reader gets words, the log the trace
        log.exception("building section %s failed", section_id)
        body = [error_message()]
    else:
        if built is None:
            body = [no_data()]
        else:
            figure, table = built
            body = [graph(f"{section_id}-graph", figure, clickable=clickable)]
            if table is not None:
                body.append(table)
    heading = [html.H2(title, className="kim-section-title")]
    if link is not None:
        heading.append(link)
    children = [html.Div(heading, className="kim-section-head")]
    if note:
        children.append(html.P(note, className="kim-section-note"))
    children.extend(body)
    return html.Section(children, id=section_id, className=f"kim-section {className}".strip())
