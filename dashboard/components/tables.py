"""The table under each chart: dash-ag-grid, German formats, suppressed counts as "•".

Cells are formatted in Python (dashboard/format.py, the same code as the chart labels) and sent
as a companion field `<field>__text`; the grid shows that text but sorts by the raw number, so
"1.234" sorts after "987". Downloads take the same rows and `Column`s from the section
registry (dashboard/sections.py), not from the grid.

Suppression: a "count" cell holds None (shown "•") when the query suppressed it; a count from 1
to K-1 that reaches a table unsuppressed is suppressed here too, so neither the grid's rowData
(which the browser receives) nor a download can carry it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import dash_ag_grid as dag
from dash import html

from .. import format as fmt

TEXT_SUFFIX = "__text"


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    # "text", "count" (persons/cases: suppressed -> "•"), "number", "percent" (a ratio),
    # "euro" (integer cents), "month" ("YYYY-MM"), "date" (datetime.date)
    kind: str = "text"
    decimals: int = 0


def _formatter(column: Column, min_cell: int) -> Callable[[object], str]:
    kind, decimals = column.kind, column.decimals
    if kind == "count":
        return lambda v: fmt.count(v, min_cell)
    if kind == "number":
        return lambda v: fmt.number(v, decimals)
    if kind == "percent":
        return lambda v: fmt.percent(v, decimals or 1)
    if kind == "euro":
        return lambda v: fmt.euro(v, decimals)
    if kind == "month":
        return lambda v: fmt.month_long(v) if v else fmt.MISSING
    if kind == "date":
        return fmt.day
    return lambda v: fmt.MISSING if v is None else str(v)


def suppress_count(value: object, min_cell: int) -> object:
    """A count as it may be shown: 1 … K-1 become None ("•"); anything else unchanged."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < min_cell:
        return None
    return value


def table_rows(columns: Sequence[Column], rows: Sequence[dict], min_cell: int) -> list[dict]:
    """Rows with each column's raw value and its German text."""
    formatters = {c.field: _formatter(c, min_cell) for c in columns}
    out = []
    for row in rows:
        item = {}
        for column in columns:
            value = row.get(column.field)
            if column.kind == "count":
                value = suppress_count(value, min_cell)
            item[column.field] = value
            item[column.field + TEXT_SUFFIX] = formatters[column.field](value)
        out.append(item)
    return out


def data_table(
    table_id: str,
    columns: Sequence[Column],
    rows: Sequence[dict],
    *,
    min_cell: int,
    caption: str,
) -> html.Div:
    """A read-only grid that shows every row (no inner scrolling, so it prints)."""
    column_defs = []
    for c in columns:
        numeric = c.kind not in ("text", "month", "date")
        column_defs.append({
            "field": c.field,
            "headerName": c.header,
            "valueFormatter": {"function": f"params.data['{c.field}{TEXT_SUFFIX}']"},
            "type": "rightAligned" if numeric else None,
            "sortable": True,
            "wrapHeaderText": True,
            "autoHeaderHeight": True,
            # Long names (a city's Stadtbezirke, up to 60 characters) wrap instead of being cut.
            **({} if numeric else {"wrapText": True, "autoHeight": True,
                                   "cellStyle": {"lineHeight": "1.4", "wordBreak": "normal",
                                                 "paddingTop": "0.35rem",
                                                 "paddingBottom": "0.35rem"}}),
        })
    grid = dag.AgGrid(
        id=table_id,
        columnDefs=column_defs,
        rowData=table_rows(columns, rows, min_cell),
        columnSize="responsiveSizeToFit",
        defaultColDef={"resizable": True, "suppressMovable": True, "minWidth": 110},
        dashGridOptions={
            "domLayout": "autoHeight",
            "suppressCellFocus": False,
            "ensureDomOrder": True,
            "localeText": AG_GRID_LOCALE_DE,
        },
        # No "ag-theme-*" class: dash-ag-grid uses AG Grid's JS theming (no CSS from a CDN).
        className="kim-table",
        style={"width": "100%"},
    )
    # A region with the caption as its name, so screen readers announce what the table shows.
    return html.Div(grid, role="region", className="kim-table-wrap", **{"aria-label": caption})


# The handful of grid texts a read-only table can show.
AG_GRID_LOCALE_DE = {
    "noRowsToShow": "Keine Zeilen",
    "loadingOoo": "Wird geladen …",
    "ariaSortAscending": "aufsteigend sortiert",
    "ariaSortDescending": "absteigend sortiert",
    "ariaSortNone": "nicht sortiert",
    "sortAscending": "Aufsteigend sortieren",
    "sortDescending": "Absteigend sortieren",
}
