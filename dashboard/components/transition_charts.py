"""Pure chart and table builders for the Statuswechsel page: rows of queries/transitions.py in,
figure dicts (components/figure.py) and German table rows out.

Suppressed counts (None, KPIS.md) are never drawn as a number: a suppressed Sankey flow is a thin
grey band labelled "•", a suppressed bar a grey hatched stub labelled "•".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from queries import codes

from .. import format as fmt
from .. import theme
from . import charts, figure
from .tables import Column

# Short labels for a projector (at most about 20 characters, so four columns fit 1280 pixels);
# the full legal wording is in the hover and in the table.
STATUS_SHORT: dict[str, str] = {
    "GESTATTUNG": "Gestattung",
    "DULDUNG": "Duldung",
    "DULDUNG_AB": "Ausb./Besch.-Duldung",
    "AE_104C": "Chancen-Aufenthalt",
    "AE_24": "§ 24 Vorüb. Schutz",
    "AE_SCHUTZ": "Schutzstatus § 25",
    "AE_25A": "§ 25a Jugendliche",
    "AE_25B": "§ 25b Integration",
    "AE_ERWERB": "Ausbildung/Arbeit",
    "AE_FAMILIE": "Familiennachzug",
    "AE_SONST": "Sonstige AE",
    "NE": "Niederlassung",
    "EU": "EU-Freizügigkeit",
    "DEUTSCH": "Eingebürgert",
}
# Sankey columns: one per status group, left to right in the order of codes.STATUS_GROUPS.
# The last gap is wider because plotly prints the last column's labels to the left of its
# nodes, where they meet the labels of the column before.
GROUP_X: dict[str, float] = {"prekär": 0.001, "befristet": 0.3, "verfestigt": 0.6,
                             "eingebürgert": 0.999}
NODE_PAD = 18  # pixels between nodes of a column
NODE_THICKNESS = 26
SANKEY_MARGIN_BOTTOM = 10
BALLAST_Y = 5.0  # far below the plot: the ballast node is never on screen
TRANSPARENT = "rgba(0,0,0,0)"
LABEL_HEIGHT = 62  # pixels of a two-line node label at SANKEY_FONT
SANKEY_MARGIN_TOP = 70  # room for the column headings
GAP_LABELS: dict[str, str] = {
    "0": "nahtlos (0 Tage)",
    "1-7": "1–7 Tage",
    "8-30": "8–30 Tage",
    "31-90": "31–90 Tage",
    ">90": "über 90 Tage",
}
# Short sphere names for the matrix axes (the table has the full ones).
SPHERE_SHORT: dict[str, str] = {
    "ASYLBLG": "AsylbLG",
    "SGB2": "SGB II",
    "SGB3": "SGB III",
    "SGB8": "SGB VIII",
    "SGB12": "SGB XII",
    "KEINE": "keine Leistungen",
}
SANKEY_FONT = 22  # node labels, read from the back of a meeting room
BLEIBERECHT_COLOUR = theme.STATUS_GROUP_COLOURS["befristet"]
EINBUERGERUNG_COLOUR = theme.STATUS_GROUP_COLOURS["eingebürgert"]
SPHERE_COLOUR = theme.CASES
EMPTY_TEXT = "Im gewählten Zeitraum gab es keine Statuswechsel."


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def empty_figure(text: str, height: int = 260) -> dict:
    """A figure that says in words that there is nothing to draw."""
    return figure.message(text, height=height)


def status_group(code: str) -> str:
    return codes.STATUS_BY_CODE[code].group


def status_label(code: str) -> str:
    return STATUS_SHORT.get(code, codes.STATUS_BY_CODE[code].label)


def sankey_nodes(flows: list[dict]) -> list[str]:
    """The status codes the flows touch, in column order (group) and code-list order within."""
    used = {f["from"] for f in flows} | {f["to"] for f in flows}
    return [s.code for s in codes.STATUSES if s.code in used]


def status_sankey(flows: list[dict], min_cell: int) -> dict:
    """Residence-status transitions as a Sankey, columns prekär → befristet → verfestigt →
    eingebürgert, nodes coloured by group, each node labelled with its name and the number of
    transitions into it (or out of it, for a pure starting point).

    A suppressed flow (count None) is drawn as a thin grey band of nominal width 1 and named
    "•"; a node any such flow touches says "mind." before its number, since its exact total is
    not known here.
    """
    if not flows:
        return empty_figure(EMPTY_TEXT)
    nodes = sankey_nodes(flows)
    index = {code: i for i, code in enumerate(nodes)}
    # Per node and side: the sum of the exact flows and how many suppressed flows there are.
    exact = {side: dict.fromkeys(nodes, 0) for side in ("in", "out")}
    hidden = {side: dict.fromkeys(nodes, 0) for side in ("in", "out")}
    for f in flows:
        for side, code in (("in", f["to"]), ("out", f["from"])):
            if f["count"] is None:
                hidden[side][code] += 1
            else:
                exact[side][code] += f["count"]
    labels = [
        f"{status_label(c)}<br>{node_count_text(*_node_side(exact, hidden, c), min_cell)}"
        for c in nodes
    ]
    height = max(560, 90 * max(_column_lengths(nodes)) + 120)
    plot_height = height - SANKEY_MARGIN_TOP - SANKEY_MARGIN_BOTTOM

    link_colours, link_values, link_labels = [], [], []
    for f in flows:
        if f["count"] is None:
            link_colours.append(_rgba(theme.SUPPRESSED_LINE, 0.45))
            link_values.append(1)
            link_labels.append(fmt.suppressed(min_cell))
        else:
            group_colour = theme.STATUS_GROUP_COLOURS[status_group(f["from"])]
            link_colours.append(_rgba(group_colour, 0.45))
            link_values.append(f["count"])
            link_labels.append(fmt.number(f["count"]))
    sources = [index[f["from"]] for f in flows]
    targets = [index[f["to"]] for f in flows]
    layout = SankeyLayout.plan(nodes, sources, targets, link_values, plot_height)

    node_count = len(nodes)
    node_x = [GROUP_X[status_group(c)] for c in nodes]
    node_y = [layout.y[c] for c in nodes]
    node_colours = [theme.STATUS_GROUP_COLOURS[status_group(c)] for c in nodes]
    node_hover = [codes.STATUS_BY_CODE[c].label for c in nodes]
    if layout.ballast:
        # An invisible pair of nodes below the plot, joined by an invisible flow: plotly sizes
        # nodes by its own columns, which are finer than the four status groups, and would
        # otherwise draw them too tall for a group column to hold (see SankeyLayout).
        labels += ["", ""]
        node_x += [GROUP_X["prekär"], GROUP_X["eingebürgert"]]
        node_y += [BALLAST_Y, BALLAST_Y]
        node_colours += [TRANSPARENT, TRANSPARENT]
        node_hover += ["", ""]
        sources.append(node_count)
        targets.append(node_count + 1)
        link_values.append(layout.ballast)
        link_colours.append(TRANSPARENT)
        link_labels.append("")
    fig = figure.new(
        height=height,
        margin={"l": 10, "r": 10, "t": SANKEY_MARGIN_TOP, "b": SANKEY_MARGIN_BOTTOM},
        annotations=[
            {
                "text": f"<b>{group}</b>", "x": GROUP_X[group], "y": 1.0, "yshift": 12,
                "yanchor": "bottom", "xref": "paper", "yref": "paper", "showarrow": False,
                "xanchor": "left" if GROUP_X[group] < 0.5 else "right",
                "font": {"size": SANKEY_FONT, "color": theme.TEXT},
            }
            for group in codes.STATUS_GROUPS
        ],
    )
    figure.add(fig, {
        "type": "sankey",
        "arrangement": "snap",
        "textfont": {"size": SANKEY_FONT, "color": theme.TEXT, "family": theme.FONT_FAMILY},
        "node": {
            "label": labels,
            "x": node_x,
            "y": node_y,
            "color": node_colours,
            "pad": NODE_PAD,
            "thickness": NODE_THICKNESS,
            "line": {"color": theme.TEXT, "width": 0.5},
            "customdata": node_hover,
            "hovertemplate": "%{customdata}<extra></extra>",
        },
        "link": {
            "source": sources,
            "target": targets,
            "value": link_values,
            "color": link_colours,
            "customdata": link_labels,
            "hovertemplate": (
                "%{source.customdata} → %{target.customdata}: %{customdata}<extra></extra>"
            ),
        },
    })
    return fig


def _node_side(exact: dict, hidden: dict, code: str) -> tuple[int, int]:
    """(exact sum, number of suppressed flows) of the transitions into a node, or out of it
    for a node nothing flows into (a starting point)."""
    if exact["in"][code] or hidden["in"][code]:
        return exact["in"][code], hidden["in"][code]
    return exact["out"][code], hidden["out"][code]


def node_count_text(exact: int, hidden: int, min_cell: int) -> str:
    """The number printed on a node: exact when no suppressed flow touches it; "•" when one
    suppressed flow is all there is; otherwise the lower bound "mind. N" (each suppressed flow
    is at least 1), which gives away nothing the flows do not."""
    if hidden == 0:
        return fmt.number(exact)
    if exact == 0 and hidden == 1:
        return fmt.suppressed(min_cell)
    return f"mind. {fmt.number(exact + hidden)}"


@dataclass(frozen=True)
class SankeyLayout:
    """Where the status nodes go, and the ballast that makes plotly draw them at that scale.

    Plotly (d3-sankey) sizes nodes by its own columns, the steps along the flows
    (GESTATTUNG → DULDUNG → DULDUNG_AB are three columns), and scales them so that its fullest
    column fills the height. Our columns are the four status groups, which can hold several of
    its columns at once, so its scale can be too large for a group column to fit. An invisible
    ballast flow from its first to its last column brings its scale down to the one planned
    here. The y positions then put each group's nodes top to bottom in code order, at least a
    two-line label apart; plotly's "snap" arrangement pushes down anything still overlapping.
    """

    y: dict[str, float]
    ky: float  # pixels per transition
    ballast: int  # value of the invisible flow; 0 when none is needed

    @classmethod
    def plan(cls, nodes, sources, targets, values, plot_height) -> SankeyLayout:
        inflow, outflow = [0] * len(nodes), [0] * len(nodes)
        for s, t, v in zip(sources, targets, values, strict=True):
            outflow[s] += v
            inflow[t] += v
        size = {c: max(inflow[i], outflow[i]) for i, c in enumerate(nodes)}
        groups = [[c for c in nodes if status_group(c) == g] for g in codes.STATUS_GROUPS]
        groups = [g for g in groups if g]
        ky = _scale(groups, size, plot_height)
        # Shrink until the label spacing fits the height too.
        for _ in range(40):
            if _stack(groups, size, ky, plot_height)[1] <= plot_height:
                break
            ky *= 0.92
        columns = plotly_columns(len(nodes), sources, targets)
        by_index = {i: c for i, c in enumerate(nodes)}
        plotly_groups = [[by_index[i] for i in col] for col in columns]
        plotly_ky = _scale(plotly_groups, size, plot_height)
        ballast = 0
        if plotly_ky > ky and len(plotly_groups) > 1:
            # The ballast flow adds B to plotly's first and last column. B such that one of the
            # two comes down exactly to scale ky, (H - n·pad) / (sum + B) = ky with the ballast
            # node as the column's (n+1)-th; the other and all the rest stay at or above it.
            ballast = min(
                math.ceil((plot_height - len(col) * NODE_PAD) / ky - sum(size[c] for c in col))
                for col in (plotly_groups[0], plotly_groups[-1])
            )
            sized = {**size, "__ballast__": ballast}
            ky = _scale([plotly_groups[0] + ["__ballast__"], *plotly_groups[1:-1],
                         plotly_groups[-1] + ["__ballast__"]], sized, plot_height)
        centres, _bottom = _stack(groups, size, ky, plot_height)
        # Plotly ignores a position of exactly 0 (falsy), so keep clear of it.
        y = {c: min(max(v / plot_height, 0.001), 0.999) for c, v in centres.items()}
        return cls(y=y, ky=ky, ballast=ballast)


def _scale(columns: list[list[str]], size: dict, plot_height: int) -> float:
    """d3-sankey's scale: the fullest column fills the height, less the padding between nodes."""
    return min(
        (plot_height - (len(col) - 1) * NODE_PAD) / total
        for col in columns
        if (total := sum(size[c] for c in col)) > 0
    )


def _stack(columns, size, ky, plot_height) -> tuple[dict[str, float], float]:
    """Node centres in pixels from the top, and the lowest bottom edge, for scale `ky`."""
    centres: dict[str, float] = {}
    lowest = 0.0
    for col in columns:
        centre, previous_half = None, 0.0
        for c in col:
            half = size[c] * ky / 2
            if centre is None:
                centre = half
            else:
                centre = max(centre + previous_half + NODE_PAD + half, centre + LABEL_HEIGHT)
            centres[c] = centre
            previous_half = half
        lowest = max(lowest, centre + max(previous_half, LABEL_HEIGHT / 2))
    return centres, lowest


def plotly_columns(n: int, sources: list[int], targets: list[int]) -> list[list[int]]:
    """The columns d3-sankey puts nodes in: depth = the longest path from a node nothing flows
    into; nodes nothing flows out of go to the last column ("justify"). A graph with a cycle
    (A → B and B → A in one period) has no such depth; plotly then lays it out in another way
    and every node is taken as its own column, which only makes the scale more cautious."""
    following: dict[int, set[int]] = {i: set() for i in range(n)}
    for s, t in zip(sources, targets, strict=True):
        following[s].add(t)
    depth = [0] * n
    current, step = set(range(n)), 0
    while current:
        if step > n:  # a cycle
            return [[i] for i in range(n)]
        nxt: set[int] = set()
        for i in current:
            depth[i] = step
            nxt |= following[i]
        current, step = nxt, step + 1
    last = max(depth)
    for i in range(n):
        if not following[i]:
            depth[i] = last
    return [[i for i in range(n) if depth[i] == d] for d in range(last + 1) if d in depth]


def _column_lengths(nodes: list[str]) -> list[int]:
    return [sum(1 for c in nodes if status_group(c) == g) for g in codes.STATUS_GROUPS]


def _count_bars(x, values, min_cell, name, colour, stub_height, show_stub_legend=True):
    """Two bar trace dicts sharing one slot: the counts, and for each suppressed count a grey
    hatched stub of nominal height labelled "•" (never a made-up exact bar, never nothing,
    which would read as zero)."""
    texts = [fmt.count(v, min_cell) for v in values]
    counts = {
        "type": "bar",
        "x": list(x), "y": list(values), "name": name,
        "text": [t if v is not None else "" for t, v in zip(texts, values, strict=True)],
        "textposition": "outside", "cliponaxis": False, "offsetgroup": name,
        "textfont": {"size": theme.FONT_SIZE, "color": theme.TEXT},
        "marker": {"color": colour, "line": {"color": theme.TEXT_MUTED, "width": 1}},
        "hovertemplate": "%{x}: %{y}<extra>" + name + "</extra>",
    }
    stubs = {
        "type": "bar",
        "x": list(x), "y": [stub_height if v is None else None for v in values],
        "name": fmt.LEGEND,
        "legendgroup": "suppressed",
        "showlegend": bool(show_stub_legend and any(v is None for v in values)),
        "text": [fmt.suppressed(min_cell) if v is None else "" for v in values],
        "textposition": "outside", "cliponaxis": False, "offsetgroup": name,
        "textfont": {"size": theme.FONT_SIZE, "color": theme.TEXT},
        "marker": {"color": theme.SUPPRESSED_FILL,
                   "line": {"color": theme.SUPPRESSED_LINE, "width": 1},
                   "pattern": {"shape": theme.SUPPRESSED_PATTERN,
                               "fgcolor": theme.SUPPRESSED_LINE}},
        "hovertemplate": "%{x}: " + fmt.suppressed(min_cell) + "<extra>" + name + "</extra>",
    }
    return [counts, stubs]


def _stub(values: list[int | None], _min_cell: int = 0) -> float:
    """A hidden count's marker at the axis (charts._placeholder_height): the same for every
    hidden count, whatever its value and K."""
    return charts._placeholder_height(values)


def bleiberecht_monthly(rows: list[dict], min_cell: int) -> dict:
    """Bleiberecht transitions (§§ 25a, 25b) and Einbürgerungen per month, grouped bars."""
    if not rows:
        return empty_figure(EMPTY_TEXT)
    values = [r["bleiberecht"] for r in rows] + [r["einbuergerungen"] for r in rows]
    if all(v == 0 for v in values):
        return empty_figure(
            "Im gewählten Zeitraum gab es weder Bleiberechtswechsel noch Einbürgerungen."
        )
    x = [fmt.month_short(r["month"]) for r in rows]
    stub = _stub(values, min_cell)
    bleiberecht = [r["bleiberecht"] for r in rows]
    bars = [
        *_count_bars(x, bleiberecht, min_cell, "Bleiberecht (§§ 25a, 25b)", BLEIBERECHT_COLOUR,
                     stub),
        *_count_bars(x, [r["einbuergerungen"] for r in rows], min_cell, "Einbürgerungen",
                     EINBUERGERUNG_COLOUR, stub, show_stub_legend=None not in bleiberecht),
    ]
    if len(rows) > 18:
        # Five years of months: numbers on every bar would overlap; the table has them.
        for bar in bars:
            bar["texttemplate"] = ""
    return figure.new(bars, height=380, barmode="group", yaxis=_count_axis(values, min_cell))


def sphere_gaps(rows: list[dict], min_cell: int) -> dict:
    """Rechtskreiswechsel by the days between the old and the new sphere, seamless first."""
    values = [r["count"] for r in rows]
    if not rows or all(v == 0 for v in values):
        return empty_figure("Im gewählten Zeitraum gab es keine Rechtskreiswechsel.")
    x = [GAP_LABELS.get(r["bucket"], r["bucket"]) for r in rows]
    return figure.new(
        _count_bars(x, values, min_cell, "Rechtskreiswechsel", SPHERE_COLOUR,
                    _stub(values, min_cell)),
        height=360, showlegend=None in values, barmode="group",
        yaxis=_count_axis(values, min_cell),
    )


def _count_axis(values: list[int | None], min_cell: int) -> dict:
    """A y axis for counts of persons: from 0 to a fifth above the highest bar (suppressed bars
    are drawn up to K), whole-number ticks only; a count axis reading 0,2 … 1,2 makes no sense."""
    top = max([v for v in values if v is not None] + [min_cell, 1]) * 1.2
    axis = {"rangemode": "tozero", "range": [0, top]}
    if top <= 12:
        axis["dtick"] = 1 if top <= 6 else 2
    return axis


def sphere_flow_matrix(flows: list[dict], min_cell: int) -> dict:
    """Rechtskreiswechsel as a from × to table of printed counts (rows: before, columns: after).

    A matrix of numbers reads better from a distance than a second Sankey. Suppressed cells are
    grey and say "•"; pairs that never occurred stay empty.
    """
    if not flows:
        return empty_figure("Im gewählten Zeitraum gab es keine Rechtskreiswechsel.")
    order = list(codes.SPHERES)
    sources = [s for s in order if any(f["from"] == s for f in flows)]
    targets = [s for s in order if any(f["to"] == s for f in flows)]
    counts = {(f["from"], f["to"]): f["count"] for f in flows}
    z, text = [], []
    for s in sources:
        z_row, t_row = [], []
        for t in targets:
            if (s, t) not in counts:
                z_row.append(None)
                t_row.append("")
            else:
                v = counts[(s, t)]
                # Suppressed: a value below every shown one, drawn in the grey of the scale's end.
                z_row.append(-1 if v is None else v)
                t_row.append(fmt.count(v, min_cell))
        z.append(z_row)
        text.append(t_row)
    shown = [v for v in counts.values() if v is not None]
    top = max(shown + [1])
    heatmap = {
        "type": "heatmap",
        "z": z, "x": [SPHERE_SHORT.get(t, t) for t in targets],
        "y": [SPHERE_SHORT.get(s, s) for s in sources],
        "text": text, "texttemplate": "%{text}",
        "textfont": {"size": theme.FONT_SIZE + 2, "color": theme.TEXT},
        "colorscale": [[0, theme.SUPPRESSED_FILL], [0.5 / (top + 1), theme.SUPPRESSED_FILL],
                       [1 / (top + 1), "#EAF2F8"], [1, theme.CASES_LIGHT]],
        "zmin": -1, "zmax": top, "showscale": False, "xgap": 3, "ygap": 3,
        "hovertemplate": "%{y} → %{x}: %{text}<extra></extra>",
    }
    return figure.new(
        [heatmap],
        height=110 + 64 * len(sources),
        xaxis={"side": "top", "title": {"text": "nachher"}, "showgrid": False},
        yaxis={"autorange": "reversed", "title": {"text": "vorher"}, "showgrid": False},
    )


# ---- tables beside the charts: raw rows and their columns for components.tables.data_table
# (counts of persons' events are "count" columns: None shows as "•") ----

FLOW_COLUMNS = (
    Column("from_label", "von"),
    Column("to_label", "nach"),
    Column("count", "Anzahl", "count"),
)
MONTHLY_COLUMNS = (
    Column("month", "Monat", "month"),
    Column("bleiberecht", "Bleiberecht (§§ 25a, 25b)", "count"),
    Column("einbuergerungen", "Einbürgerungen", "count"),
)
GAP_COLUMNS = (
    Column("bucket_label", "Lücke"),
    Column("count", "Rechtskreiswechsel", "count"),
)


def status_flow_rows(flows: list[dict]) -> list[dict]:
    """Every status flow with the full legal labels, in the order of the figure function."""
    return [
        {"from_label": codes.STATUS_BY_CODE[f["from"]].label,
         "to_label": codes.STATUS_BY_CODE[f["to"]].label, "count": f["count"]}
        for f in flows
    ]


def gap_rows(rows: list[dict]) -> list[dict]:
    return [{"bucket_label": GAP_LABELS.get(r["bucket"], r["bucket"]), "count": r["count"]}
            for r in rows]


def sphere_flow_rows(flows: list[dict]) -> list[dict]:
    return [
        {"from_label": codes.SPHERES[f["from"]], "to_label": codes.SPHERES[f["to"]],
         "count": f["count"]}
        for f in flows
    ]
