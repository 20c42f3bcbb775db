"""One block of a page drawn from a `build` function: the old-style way to show a chart, kept for
pages not yet converted to the registry of sections (dashboard/sections.py, ARCHITECTURE.md has
the recipe). Such a block has no downloads and is not in the print report; a registered Section
drawn with `sections.draw` has both.

`build` returns one of
    None                         "no data" for this filter
    (figure, table)              `table` is shown under the chart (a components.tables.data_table,
                                 a sentence, or None)
    (figure, shown, download)    `shown` is shown; `download` is ignored (only registered
                                 sections have downloads)
Failures follow the one error policy (sections.failure): DataUnavailable goes on to the router's
banner, anything else becomes German words in place of this block only.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import sections
from .messages import no_data

Built = tuple[dict, object] | tuple[dict, object, object] | None

graph = sections.graph


def chart_section(
    section_id: str,
    title: str,
    build: Callable[[], Built],
    *,
    note: str | None = None,
    link: object | None = None,
    clickable: bool = False,
    className: str = "",
):
    """The section `section_id` with heading `title`; its graph gets the id `<section_id>-graph`.

    `note` is a line under the heading (e.g. "Klicken Sie auf einen Bezirk …"); `link` a component
    placed next to the heading (e.g. "zur Seite Fallzahlen").
    """
    try:
        built = build()
    except Exception as exc:  # noqa: BLE001 - one policy for every failure
        body = [sections.failure(exc, f"section {section_id}")]
    else:
        if built is None:
            body = [no_data()]
        else:
            body = [graph(f"{section_id}-graph", built[0], clickable=clickable)]
            if built[1] is not None:
                body.append(built[1])
    return sections.frame(section_id, title, body, note=note, link=link, className=className)
