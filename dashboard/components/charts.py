"""Chart builders: pure functions from plain rows (as queries/ returns them) to figure dicts
(components/figure.py).

Every builder prints the values on the bars (up to MAX_LABELLED_BARS bars; the table under the
chart has them all), uses the colours of theme.py and the "kim" template, and draws a suppressed
count (None) as a grey hatched marker at the axis labelled "•" – never as a zero bar, never at a
length that tells its value: every marker is SUPPRESSED_HEIGHT_SHARE of the tallest shown bar
(nothing but the "•" when no bar is shown), whatever the hidden count and K.
Each bar carries customdata [id, text shown on hover], so pages can react to clicks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .. import format as fmt
from .. import theme
from . import figure

MAX_LABELLED_BARS = 24
SUPPRESSED_HEIGHT_SHARE = 0.015
HEIGHT = 400
SMALL_HEIGHT = 280
# Bars by category stand upright only for a few short names (a Kreis's three Bezirke); more
# categories or longer names lie flat, names on the left, wrapped at word ends (never cut), so
# a city's eight Stadtbezirke with 60-character names keep both their names and their plot.
UPRIGHT_MAX_CATEGORIES = 4
UPRIGHT_MAX_LABEL = 14
WRAP_WIDTH = 22
# Row height of a flat bar chart: one line of label, and per further line of a wrapped name.
ROW_HEIGHT = 42
LINE_HEIGHT = 20


def lies_flat(names: Sequence[str]) -> bool:
    """Whether bars for these category names are drawn horizontally (see UPRIGHT_MAX_*)."""
    return (len(names) > UPRIGHT_MAX_CATEGORIES
            or max((len(n) for n in names), default=0) > UPRIGHT_MAX_LABEL)


def wrap_label(name: str, width: int = WRAP_WIDTH) -> str:
    """`name` broken into lines of at most `width` characters ("<br>" between them) at spaces,
    and a word longer than that after its hyphens ("Dülmen-Buldern-…"); a piece without either
    stays whole: a name is never cut, only wrapped."""
    pieces: list[tuple[str, str]] = []  # (text, what joins it to the piece before)
    for word in str(name).split():
        parts = [p for p in re.split(r"(?<=-)", word) if p] if len(word) > width else [word]
        pieces.extend((part, " " if i == 0 else "") for i, part in enumerate(parts))
    lines: list[str] = []
    for part, glue in pieces:
        if lines and len(lines[-1]) + len(glue) + len(part) <= width:
            lines[-1] += glue + part
        else:
            lines.append(part)
    return "<br>".join(lines) if lines else str(name)


def _placeholder_height(values: Sequence[float | None], _floor: float = 0) -> float:
    """The height of a hidden count's marker: a sliver at the axis, the same for every hidden
    count of the chart (the floor of earlier versions, K-1, told "below K")."""
    real = [v for v in values if v is not None]
    top = max(real, default=0)
    return max(top * SUPPRESSED_HEIGHT_SHARE, 1e-9)


def _bar_trace(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    name: str,
    colour: str | Sequence[str],
    value_text: Sequence[str],
    missing_text: Sequence[str],
    min_cell: int,
    ids: Sequence[str] | None,
    horizontal: bool,
    show_values: bool,
    placeholder: float,
) -> dict:
    """One bar trace in which None values become hatched grey placeholders with their label."""
    colours = [colour] * len(values) if isinstance(colour, str) else list(colour)
    y, fill, shape, text, hover = [], [], [], [], []
    for value, shown, missing, col in zip(values, value_text, missing_text, colours, strict=True):
        if value is None:
            y.append(placeholder)
            fill.append(theme.SUPPRESSED_FILL)
            shape.append(theme.SUPPRESSED_PATTERN)
            text.append(missing)
            hover.append(missing)
        else:
            y.append(value)
            fill.append(col)
            shape.append("")
            text.append(shown if show_values else "")
            hover.append(shown)
    ids = list(ids) if ids is not None else list(labels)
    customdata = [[i, h] for i, h in zip(ids, hover, strict=True)]
    label_axis = "y" if horizontal else "x"
    if horizontal:
        labels = [wrap_label(label) for label in labels]
    return dict(
        type="bar",
        name=name,
        x=y if horizontal else list(labels),
        y=list(labels) if horizontal else y,
        orientation="h" if horizontal else "v",
        marker={
            "color": fill,
            "line": {"color": theme.SUPPRESSED_LINE, "width": [
                1 if s else 0 for s in shape
            ]},
            "pattern": {"shape": shape, "fgcolor": theme.SUPPRESSED_LINE, "size": 8,
                        "solidity": 0.3},
        },
        text=text,
        textposition="outside",
        textfont={"size": theme.FONT_SIZE, "color": theme.TEXT},
        cliponaxis=False,
        customdata=customdata,
        hovertemplate=f"%{{{label_axis}}}<br>{name}: %{{customdata[1]}}<extra></extra>",
    )


def _figure(data: list[dict], *, title: str | None, height: int, horizontal: bool,
             values: Sequence[float | None], percent_axis: bool = False,
             legend: bool = False, tickformat: str = "") -> dict:
    real = [v for v in values if v is not None]
    top = max(real, default=0) or 1
    value_axis = {
        # Headroom for the labels printed outside the bars.
        "range": [0, top * (1.3 if horizontal else 1.18)],
        # Counts: whole numbers with "." for thousands; ratios: plotly's choice, German marks.
        "tickformat": ",.0f" if percent_axis else tickformat,
        "ticksuffix": "\u00a0%" if percent_axis else "",
        "rangemode": "tozero",
        "fixedrange": True,
    }
    label_axis = {"type": "category", "fixedrange": True}
    if horizontal:
        label_axis["autorange"] = "reversed"  # first row at the top, as in the table
    fig = figure.new(
        data,
        height=height,
        showlegend=legend,
        margin={"t": 50 if title else 15},
        xaxis=value_axis if horizontal else label_axis,
        yaxis=label_axis if horizontal else value_axis,
        barmode="group",
    )
    if title:
        fig["layout"]["title"] = {"text": title}
    return fig


def count_bars(
    labels: Sequence[str],
    values: Sequence[int | None],
    *,
    min_cell: int,
    title: str | None = None,
    name: str = "Fälle",
    colour: str = theme.CASES,
    ids: Sequence[str] | None = None,
    horizontal: bool = False,
    height: int | None = None,
    max_labelled: int = MAX_LABELLED_BARS,
) -> dict:
    """Bars of counts of persons or cases; None = suppressed (•)."""
    texts = [fmt.count(v, min_cell) for v in values]
    trace = _bar_trace(
        labels, values, name=name, colour=colour, value_text=texts,
        missing_text=[fmt.suppressed(min_cell)] * len(values), min_cell=min_cell, ids=ids,
        horizontal=horizontal, show_values=len(values) <= max_labelled,
        placeholder=_placeholder_height(values, max(min_cell - 1, 0)),
    )
    return _figure([trace], title=title, height=height or _height(labels, horizontal),
                   horizontal=horizontal, values=values, tickformat=",.0f")


def ratio_bars(
    labels: Sequence[str],
    values: Sequence[float | None],
    counts: Sequence[int | None],
    *,
    min_cell: int,
    decimals: int = 1,
    title: str | None = None,
    name: str,
    colour: str = theme.CASES,
    ids: Sequence[str] | None = None,
    horizontal: bool = False,
    height: int | None = None,
    undefined_text: str = fmt.MISSING,
) -> dict:
    """Bars of a ratio derived from a count (per FTE, per 1,000). A ratio is None either because
    its count was suppressed (drawn hatched, labelled "•") or because it is undefined (no FTE:
    labelled with `undefined_text`)."""
    texts = [fmt.number(v, decimals) for v in values]
    missing = [
        fmt.suppressed(min_cell) if c is None else undefined_text for c in counts
    ]
    trace = _bar_trace(
        labels, values, name=name, colour=colour, value_text=texts, missing_text=missing,
        min_cell=min_cell, ids=ids, horizontal=horizontal,
        show_values=len(values) <= MAX_LABELLED_BARS,
        placeholder=_placeholder_height(values, 0),
    )
    return _figure([trace], title=title, height=height or _height(labels, horizontal),
                   horizontal=horizontal, values=values)


def grouped_count_bars(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int | None], str]],
    *,
    min_cell: int,
    title: str | None = None,
    height: int = HEIGHT,
) -> dict:
    """Several count series side by side per label: series are (name, values, colour)."""
    every = [v for _name, values, _c in series for v in values]
    placeholder = _placeholder_height(every, max(min_cell - 1, 0))
    n_bars = len(labels) * len(series)
    data = [
        _bar_trace(
            labels, values, name=name, colour=colour,
            value_text=[fmt.count(v, min_cell) for v in values],
            missing_text=[fmt.suppressed(min_cell)] * len(values), min_cell=min_cell, ids=None,
            horizontal=False, show_values=n_bars <= MAX_LABELLED_BARS, placeholder=placeholder,
        )
        for name, values, colour in series
    ]
    return _figure(data, title=title, height=height, horizontal=False, values=every, legend=True,
                   tickformat=",.0f")


def _height(labels: Sequence[str], horizontal: bool) -> int:
    """Upright: HEIGHT. Flat: a row per category, taller for a name wrapped on several lines."""
    if not horizontal:
        return HEIGHT
    rows = sum(ROW_HEIGHT + LINE_HEIGHT * wrap_label(label).count("<br>") for label in labels)
    return max(220, 70 + rows)


# -- the figures of the pages -------------------------------------------------------------


def month_labels(rows: Sequence[dict]) -> list[str]:
    return [fmt.month_short(r["month"]) for r in rows]


def active_cases_by_district(districts: Sequence[dict], min_cell: int,
                             title: str | None = None) -> dict:
    """Bars of `active` per district (rows of caseload()["districts"]); customdata id = district id,
    which the Fallzahlen page uses for the drill-down."""
    names = [d["name"] for d in districts]
    return count_bars(
        names, [d["active"] for d in districts], min_cell=min_cell,
        title=title, name="Aktive Fälle", ids=[d["id"] for d in districts],
        horizontal=lies_flat(names),
    )


def caseload_per_fte_by_district(districts: Sequence[dict], min_cell: int,
                                 title: str | None = None) -> dict:
    names = [d["name"] for d in districts]
    return ratio_bars(
        names, [d["per_fte"] for d in districts],
        [d["active"] for d in districts], min_cell=min_cell,
        title=title, name="Fälle je Vollzeitstelle",
        ids=[d["id"] for d in districts], colour=theme.CASES_LIGHT,
        undefined_text="keine Stelle", horizontal=lies_flat(names),
    )


def per_1000_by_municipality(municipalities: Sequence[dict], min_cell: int,
                             title: str | None = None) -> dict:
    return ratio_bars(
        [m["name"] for m in municipalities], [m["per_1000"] for m in municipalities],
        [m["active"] for m in municipalities], min_cell=min_cell,
        title=title, name="je 1.000 Einwohner",
        ids=[m["ags"] for m in municipalities], horizontal=True, decimals=1,
        undefined_text="keine Einwohnerzahl",
    )


def active_cases_by_staff(rows: Sequence[dict], min_cell: int,
                          title: str | None = None) -> dict:
    return count_bars(
        [staff_label(r["staff_id"]) for r in rows], [r["active"] for r in rows],
        min_cell=min_cell, title=title,
        name="Aktive Fälle", ids=[r["staff_id"] or "" for r in rows], horizontal=True,
    )


def staff_label(staff_id: str | None) -> str:
    return staff_id if staff_id is not None else "ohne Case Manager"


def monthly_active(rows: Sequence[dict], min_cell: int, title: str | None = None,
                   height: int = HEIGHT, max_labelled: int = MAX_LABELLED_BARS) -> dict:
    """Active cases at each month's end (rows of caseload()["monthly_active"])."""
    return count_bars(
        month_labels(rows), [r["active"] for r in rows], min_cell=min_cell, title=title,
        name="Aktive Fälle am Monatsende", ids=[r["month"] for r in rows], height=height,
        max_labelled=max_labelled,
    )


def transitions_monthly(rows: Sequence[dict], min_cell: int, title: str | None = None,
                        height: int = HEIGHT, max_labelled: int = MAX_LABELLED_BARS) -> dict:
    """All status transitions per month (rows of transitions()["monthly"])."""
    return count_bars(
        month_labels(rows), [r["count"] for r in rows], min_cell=min_cell, title=title,
        name="Statuswechsel", ids=[r["month"] for r in rows], height=height,
        colour=theme.TRANSITIONS, max_labelled=max_labelled,
    )


def opened_closed(rows: Sequence[dict], min_cell: int, title: str | None = None) -> dict:
    return grouped_count_bars(
        month_labels(rows),
        [
            ("eröffnet", [r["opened"] for r in rows], theme.OPENED),
            ("abgeschlossen", [r["closed"] for r in rows], theme.CLOSED),
        ],
        min_cell=min_cell, title=title,
    )


def utilisation_by_module(modules: Sequence[dict], title: str | None = None,
                          height: int = HEIGHT) -> dict:
    """Spent share of the allocation per module (bars, module colours) against the share of the
    year that has passed (a black tick on each bar). Money is never suppressed."""
    labels = [f"Modul {m['module']}" for m in modules]
    values = [None if m["utilisation"] is None else m["utilisation"] * 100 for m in modules]
    texts = [fmt.percent(m["utilisation"]) for m in modules]
    colours = [theme.MODULE_COLOURS.get(m["module"], theme.CASES) for m in modules]
    bar = dict(
        type="bar",
        x=labels,
        y=[0 if v is None else v for v in values],
        marker={"color": colours},
        text=[t if m["utilisation"] is not None else "nichts bewilligt"
              for t, m in zip(texts, modules, strict=True)],
        # Inside the bar, at its foot: the elapsed-share tick near the top stays clear.
        textposition="inside",
        insidetextanchor="start",
        textfont={"size": theme.FONT_SIZE, "color": [theme.text_on(c) for c in colours]},
        cliponaxis=False,
        name="ausgegeben",
        customdata=[[m["module"], t] for m, t in zip(modules, texts, strict=True)],
        hovertemplate="%{x}<br>ausgegeben: %{customdata[1]} der Mittel<extra></extra>",
    )
    elapsed = dict(
        type="scatter",
        x=labels,
        y=[m["elapsed_share"] * 100 for m in modules],
        mode="markers",
        marker={"symbol": "line-ew", "size": 60, "line": {"width": 4, "color": theme.REFERENCE}},
        name="Anteil des Jahres vergangen",
        customdata=[fmt.percent(m["elapsed_share"]) for m in modules],
        hovertemplate="Anteil des Jahres vergangen: %{customdata}<extra></extra>",
    )
    every = [*(v for v in values if v is not None), *(m["elapsed_share"] * 100 for m in modules)]
    return _figure([bar, elapsed], title=title, height=height, horizontal=False,
                   values=every or [100], percent_axis=True, legend=True)


# -- text for screen readers --------------------------------------------------------------

# A description names at most this many values; the table under the chart has them all.
DESCRIBE_MAX_VALUES = 40


def describe(fig: dict) -> str:
    """The figure's content in German words, for screen readers: per series its name and the
    printed values ("Aktive Fälle: Nord 123, Süd < 5"), taken from what the chart shows (printed
    values, else the builders' hover text); a Sankey as its flows, a matrix as its cells."""
    parts: list[str] = []
    count = 0
    for trace in fig.get("data") or ():
        pairs = _trace_pairs(trace)
        if not pairs:
            continue
        room = max(DESCRIBE_MAX_VALUES - count, 0)
        shown = ", ".join(f"{label} {value}".strip() for label, value in pairs[:room])
        if len(pairs) > room:
            shown += (", …" if shown else "…")
        count += min(len(pairs), room)
        name = trace.get("name")
        parts.append(f"{name}: {shown}" if name else shown)
    if not parts:
        annotations = (fig.get("layout") or {}).get("annotations") or ()
        texts = [a["text"] for a in annotations if a.get("text")]
        return " ".join(texts) if texts else "Diagramm ohne Werte."
    text = "; ".join(parts) + "."
    if count >= DESCRIBE_MAX_VALUES:
        text += " Alle Werte stehen in der Tabelle zum Diagramm."
    return text


def _plain(value) -> str:
    text = "" if value is None else str(value)
    for tag in ("<br>", "<b>", "</b>"):
        text = text.replace(tag, " ")
    # Collapse ordinary white space only: a mark keeps its no-break space.
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def _trace_pairs(trace: dict) -> list[tuple[str, str]]:
    kind = trace.get("type")
    if kind == "sankey":
        node, link = trace.get("node") or {}, trace.get("link") or {}
        labels = [_plain(c) for c in (node.get("customdata") or node.get("label") or ())]
        values = link.get("customdata") or ()
        pairs = []
        for s, t, v in zip(link.get("source") or (), link.get("target") or (), values,
                           strict=False):
            if v and s < len(labels) and t < len(labels) and labels[s] and labels[t]:
                pairs.append((f"{labels[s]} → {labels[t]}", _plain(v)))
        return pairs
    if kind == "heatmap":
        pairs = []
        for row, y in zip(trace.get("text") or (), trace.get("y") or (), strict=False):
            for value, x in zip(row, trace.get("x") or (), strict=False):
                if value:
                    pairs.append((f"{y} → {x}", _plain(value)))
        return pairs
    if kind not in ("bar", "scatter"):
        return []
    labels = trace.get("y") if trace.get("orientation") == "h" else trace.get("x")
    if labels is None or all(v is None for v in labels):
        return []  # a legend-only entry
    labels = list(labels)
    text = trace.get("text")
    texts = list(text) if isinstance(text, (list, tuple)) else []
    custom = list(trace.get("customdata") or [])
    pairs = []
    for i, label in enumerate(labels):
        value = texts[i] if i < len(texts) and texts[i] else None
        if value is None and i < len(custom):
            c = custom[i]
            value = c[1] if isinstance(c, (list, tuple)) and len(c) > 1 else None
        if value:
            pairs.append((_plain(label) if kind == "bar" else "", _plain(value)))
    return pairs
