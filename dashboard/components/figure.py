"""Plotly figures as plain dicts: what dcc.Graph sends to plotly.js, built without plotly.py's
object model.

Why not `plotly.graph_objects`: every property set on a go.Figure is validated against plotly's
schema, and `make_subplots` / `update_layout` copy and re-validate whole trees. The benchmark
(benchmarks/run.py) found that building the Mittelabfluss page's five figures that way took
about 80 ms of a callback whose database queries take a few milliseconds; as dicts they take
well under one. The schema check is not lost: the tests pass every builder's output through
`plotly.graph_objects.Figure(...)`, which rejects any property plotly does not know
(tests/test_figure_dicts.py).

A figure is {"data": [trace, …], "layout": {…}}; a trace is a dict with its "type". Builders
create fresh dicts on every call (no module-level dict inside a figure); sections.finish makes
the drawn figure from the builder's (display modes, print size) as a new dict and never changes
the builder's. The one shared object is the template (theme.template()), which nobody changes.

    fig = figure.new(height=300)                      # the "kim" template, this height
    figure.add(fig, {"type": "bar", "x": [...], "y": [...]})
    cells = figure.grid(fig, rows=3, cols=1, vertical_spacing=0.16, titles=[...])
    figure.add(fig, {"type": "bar", ...}, cells[1])   # on the second row's axes
    figure.axis(fig, "x", cells[1])["range"] = [0, 10]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .. import theme

# plotly's own default size of subplot titles; the builders set theirs with `title_font`.
SUBPLOT_TITLE_SIZE = 16


@dataclass(frozen=True)
class Cell:
    """One subplot of a grid: its axis ids as traces name them ("x2", "y2")."""

    x: str
    y: str

    @property
    def xaxis(self) -> str:
        """The layout key of its x axis ("xaxis2")."""
        return "xaxis" + self.x[1:]

    @property
    def yaxis(self) -> str:
        return "yaxis" + self.y[1:]


MAIN = Cell("x", "y")


def new(data: Iterable[dict] = (), *, height: int | None = None, **layout) -> dict:
    """A figure with the "kim" template, the given traces and layout properties."""
    lay = {"template": theme.template()}
    if height is not None:
        lay["height"] = height
    lay.update(layout)
    return {"data": list(data), "layout": lay}


def add(fig: dict, trace: dict, cell: Cell | None = None) -> dict:
    """Append `trace` (on `cell`'s axes, if given) and return it."""
    if cell is not None:
        trace["xaxis"], trace["yaxis"] = cell.x, cell.y
    fig["data"].append(trace)
    return trace


def axis(fig: dict, letter: str, cell: Cell = MAIN) -> dict:
    """The layout dict of `cell`'s x or y axis (created empty if missing), to set properties on."""
    key = cell.xaxis if letter == "x" else cell.yaxis
    return fig["layout"].setdefault(key, {})


def grid(
    fig: dict,
    rows: int,
    cols: int,
    *,
    vertical_spacing: float = 0.3,
    horizontal_spacing: float = 0.2,
    titles: Sequence[str] = (),
    title_font: dict | None = None,
) -> list[Cell]:
    """Lay out `rows` × `cols` subplots as plotly's make_subplots does (first row on top,
    cells numbered row by row; spacing as a share of the figure) and put `titles` over the cells
    as annotations. Returns the cells row by row."""
    vertical_spacing = vertical_spacing if rows > 1 else 0
    horizontal_spacing = horizontal_spacing if cols > 1 else 0
    width = (1 - horizontal_spacing * (cols - 1)) / cols
    height = (1 - vertical_spacing * (rows - 1)) / rows
    layout = fig["layout"]
    annotations = layout.setdefault("annotations", [])
    cells = []
    for r in range(rows):
        top = 1 - r * (height + vertical_spacing)
        y_domain = [max(top - height, 0.0), top]
        for c in range(cols):
            left = c * (width + horizontal_spacing)
            x_domain = [left, min(left + width, 1.0)]
            n = r * cols + c + 1
            suffix = "" if n == 1 else str(n)
            cell = Cell("x" + suffix, "y" + suffix)
            layout[cell.xaxis] = {"domain": x_domain, "anchor": cell.y}
            layout[cell.yaxis] = {"domain": y_domain, "anchor": cell.x}
            cells.append(cell)
            if n <= len(titles):
                annotations.append({
                    "text": titles[n - 1], "showarrow": False,
                    "x": (x_domain[0] + x_domain[1]) / 2, "xref": "paper", "xanchor": "center",
                    "y": top, "yref": "paper", "yanchor": "bottom",
                    "font": dict(title_font or {"size": SUBPLOT_TITLE_SIZE}),
                })
    return cells


def message(text: str, *, height: int = 260) -> dict:
    """A figure without traces that says in words that there is nothing to draw."""
    return new(
        height=height,
        annotations=[{
            "text": text, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper",
            "showarrow": False,
            "font": {"size": theme.FONT_SIZE + 2, "color": theme.TEXT_MUTED},
        }],
        xaxis={"visible": False},
        yaxis={"visible": False},
    )
