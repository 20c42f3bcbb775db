"""Colours that mean the same on every page, and the plotly template for reading from five metres.

The palette is Okabe–Ito (safe for the common colour-vision deficiencies): one colour per
funding module and one per status group, never reused for anything else. Counts that are not
tied to a module or status use the neutral blues below. Text colours meet WCAG 2.1 AA (4.5:1)
on white; tests/test_components.py checks that.

Two display modes change how figures look, never what colours mean (dashboard/urlstate.py reads
them from the URL, `adapt_figure` applies them, called for every drawn figure by
sections.finish):
    high contrast (`kontrast=hoch`)   template(contrast=True): black text, black axes and a
                                      darker grid; module and status-group colours unchanged
    presentation (`praesentation=1`)  no chart text below PRESENTATION_MIN_FONT px, no mode bar,
                                      the values on the bars that the normal view leaves to the
                                      table (see adapt_figure)
"""

from __future__ import annotations

import re

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

MODULE_COLOURS = {
    "I": OKABE_ITO["blue"],
    "II": OKABE_ITO["orange"],
    "III": OKABE_ITO["reddish_purple"],
}
STATUS_GROUP_COLOURS = {
    "prekär": OKABE_ITO["vermillion"],
    "befristet": OKABE_ITO["yellow"],
    "verfestigt": OKABE_ITO["sky_blue"],
    "eingebürgert": OKABE_ITO["bluish_green"],
}

# Counts of cases (not a module, not a status): a dark and a light blue, told apart by
# lightness as well as hue so that they survive greyscale printing.
CASES = "#1F4E79"
CASES_LIGHT = "#8AB6D6"
# Status transitions in total (no single status group): a dark grey, unlike the light hatched
# grey of a suppressed value.
TRANSITIONS = "#4D4D4D"
OPENED = CASES
CLOSED = CASES_LIGHT

# A suppressed value: grey, hatched, labelled "•", so it can never be read as zero.
SUPPRESSED_FILL = "#D9D9D9"
SUPPRESSED_LINE = "#6E6E6E"
SUPPRESSED_PATTERN = "/"

# Text (all at least 4.5:1 on white).
TEXT = "#1A1A1A"
TEXT_MUTED = "#555555"
# Direction of a change in a chart (budget_charts: repayment and overspend): blue up, dark
# orange down, never red/green; the arrow and the sign carry the meaning too.
CHANGE_UP = "#005A8C"
CHANGE_DOWN = "#A3460A"
# What a change on a card means for the programme (components/kpi.py, assets/app.css): Okabe–Ito
# blue for better, vermillion for worse, both darkened to meet AA (4.5:1) as text on white, and
# grey for a change that is neither. Blue against orange keeps the two apart in every common
# colour-vision deficiency (unlike green against red); the word ("besser", "schlechter") and the
# arrow say it as well. The high-contrast theme darkens them further (at least 7:1).
CHANGE_BETTER = "#005A8C"
CHANGE_WORSE = "#A33A00"
CHANGE_NEUTRAL = TEXT_MUTED
# A reference line (share of the year elapsed, a target).
REFERENCE = "#1A1A1A"

FONT_FAMILY = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", '
    '"DejaVu Sans", Arial, sans-serif'
)
# Sizes for a projector: axis labels and values on bars stay readable from five metres.
FONT_SIZE = 18
TITLE_SIZE = 22
# High contrast: text and lines black, the grid a grey that still reads as a line (3:1).
CONTRAST_TEXT = "#000000"
CONTRAST_GRID = "#949494"
# The change colours of the cards in the high-contrast theme (see CHANGE_BETTER).
CONTRAST_CHANGE_BETTER = "#00497A"
CONTRAST_CHANGE_WORSE = "#7A3000"
CONTRAST_CHANGE_NEUTRAL = CONTRAST_TEXT
# Presentation mode: the smallest text a chart may have (read from five metres).
PRESENTATION_MIN_FONT = 16


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour '#RRGGBB'."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str = "#FFFFFF") -> float:
    """WCAG 2.1 contrast ratio between two colours (1 … 21)."""
    a, b = relative_luminance(foreground), relative_luminance(background)
    light, dark = max(a, b), min(a, b)
    return (light + 0.05) / (dark + 0.05)


def text_on(fill: str) -> str:
    """Black or white, whichever reads better on the given fill (for labels inside bars)."""
    return TEXT if contrast_ratio(TEXT, fill) >= contrast_ratio("#FFFFFF", fill) else "#FFFFFF"


def _template() -> dict:
    axis = {
        "showgrid": False,
        "zeroline": True,
        "zerolinecolor": "#BBBBBB",
        "linecolor": "#888888",
        "ticks": "",
        "tickfont": {"size": FONT_SIZE - 2, "color": TEXT},
        "title": {"font": {"size": FONT_SIZE, "color": TEXT}},
        "automargin": True,
    }
    return {
        "layout": {
            "font": {"family": FONT_FAMILY, "size": FONT_SIZE, "color": TEXT},
            "title": {"font": {"size": TITLE_SIZE, "color": TEXT}, "x": 0, "xanchor": "left"},
            "paper_bgcolor": "#FFFFFF",
            "plot_bgcolor": "#FFFFFF",
            "colorway": [CASES, CASES_LIGHT, *MODULE_COLOURS.values()],
            "xaxis": axis,
            "yaxis": {**axis, "showgrid": True, "gridcolor": "#E5E5E5"},
            "legend": {"orientation": "h", "y": -0.18, "x": 0, "font": {"size": FONT_SIZE - 2}},
            "margin": {"l": 10, "r": 10, "t": 50, "b": 10},
            "hoverlabel": {"font": {"size": FONT_SIZE - 2}},
            "separators": ",.",
            "bargap": 0.25,
            "uniformtext": {"minsize": FONT_SIZE - 4, "mode": "show"},
        },
    }


def _contrast_template() -> dict:
    """The "kim" template for the high-contrast theme: pure black text and lines on white."""
    layout = _template()["layout"]
    black = CONTRAST_TEXT
    for key, grid in (("xaxis", None), ("yaxis", CONTRAST_GRID)):
        axis = layout[key]
        axis.update(linecolor=black, zerolinecolor=black, linewidth=2, showline=True,
                    tickfont={**axis["tickfont"], "color": black},
                    title={"font": {**axis["title"]["font"], "color": black}})
        if grid:
            axis["gridcolor"] = grid
    layout["font"] = {**layout["font"], "color": black}
    layout["title"] = {**layout["title"], "font": {**layout["title"]["font"], "color": black}}
    layout["legend"] = {**layout["legend"], "font": {**layout["legend"]["font"], "color": black}}
    layout["hoverlabel"] = {"bgcolor": "#FFFFFF", "bordercolor": black,
                            "font": {**layout["hoverlabel"]["font"], "color": black}}
    return {"layout": layout}


# Built once: every figure refers to one of these two dicts and nobody changes them.
_TEMPLATES = {False: _template(), True: _contrast_template()}


def template(*, contrast: bool = False) -> dict:
    """The plotly template every figure carries (as a plain dict, see components/figure.py):
    "kim", or "kim_kontrast" for the high-contrast theme. Shared: never change it."""
    return _TEMPLATES[contrast]


# The dcc.Graph config every chart uses: German locale (assets/vendor/plotly-locale-de.js),
# German separators, no plotly logo, no editing; the mode bar only for the PNG download.
GRAPH_CONFIG = {
    "locale": "de",
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": [
        "zoom2d", "pan2d", "select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d",
        "resetScale2d", "toggleSpikelines", "hoverClosestCartesian", "hoverCompareCartesian",
    ],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


def graph_config(*, presentation: bool = False) -> dict:
    """GRAPH_CONFIG for a mode: on a projector nobody uses the mode bar, so it is hidden."""
    if presentation:
        return {**GRAPH_CONFIG, "displayModeBar": False}
    return GRAPH_CONFIG


def _raised(font: dict | None, minimum: int) -> dict | None:
    """A copy of a font dict with its size at least `minimum` (per-point size arrays too); None
    when the font sets no size (the template's, at least `minimum` in presentation, applies)."""
    size = (font or {}).get("size")
    if size is None:
        return None
    if isinstance(size, (list, tuple)):
        return {**font, "size": [max(v or minimum, minimum) for v in size]}
    return {**font, "size": max(size, minimum)}


def adapt_figure(fig: dict, *, presentation: bool = False, high_contrast: bool = False) -> dict:
    """The figure (a dict, components/figure.py) as the display mode wants it. Returns a new
    figure dict; the traces, annotations and fonts it changes are copies, so a figure (or a
    font dict) that a builder shares is never altered.

    high_contrast: the high-contrast template and black instead of grey chart text (the muted
    grey of notes and the dark grey text of the normal theme). Colours that mean a module, a
    status group or a suppressed value stay as they are.
    presentation: every font at least PRESENTATION_MIN_FONT px (template, axes, legends,
    annotations, printed values, uniformtext), and bar values that the normal view leaves to the
    table printed on the bars, turned upright when the bars are too narrow for them.
    """
    layout = dict(fig.get("layout") or {})
    data = [dict(t) for t in fig.get("data") or ()]
    annotations = [dict(a) for a in layout.get("annotations") or ()]
    if high_contrast:
        layout["template"] = template(contrast=True)
        for a in annotations:
            font = a.get("font") or {}
            if font.get("color") in (TEXT, TEXT_MUTED, None):
                a["font"] = {**font, "color": CONTRAST_TEXT}
        for trace in data:
            font = trace.get("textfont")
            if font is not None and font.get("color") in (TEXT, TEXT_MUTED):
                trace["textfont"] = {**font, "color": CONTRAST_TEXT}
    if presentation:
        minimum = PRESENTATION_MIN_FONT
        layout["uniformtext"] = {"minsize": minimum, "mode": "show"}
        for a in annotations:
            font = a.get("font") or {}
            if font.get("size") is None or font["size"] < minimum:
                a["font"] = {**font, "size": max(font.get("size") or FONT_SIZE, minimum)}
        for key, value in layout.items():
            if is_axis_key(key) and isinstance(value, dict):
                raised = _raised(value.get("tickfont"), minimum)
                if raised is not None:
                    layout[key] = {**value, "tickfont": raised}
        for trace in data:
            for attr in ("textfont", "insidetextfont", "outsidetextfont"):
                raised = _raised(trace.get(attr), minimum)
                if raised is not None:
                    trace[attr] = raised
            if trace.get("type") == "bar":
                _print_values(trace)
        _months_without_year(data, layout)
    if annotations:
        layout["annotations"] = annotations
    return {**fig, "data": data, "layout": layout}


def is_axis_key(key: str, letter: str = "") -> bool:
    """'xaxis', 'yaxis2', … (the layout keys of cartesian axes; of `letter` only, if given)."""
    if not key.startswith((letter + "axis") if letter else ("xaxis", "yaxis")):
        return False
    rest = key[5:]
    return rest == "" or (rest.isdigit() and rest[0] != "0")


_MONTH_OF_YEAR = re.compile(r"^(\S+) (\d{4})$")


def _months_without_year(data: list[dict], layout: dict) -> None:
    """Month categories of one single year ("Jan. 2025" … "Nov. 2025") are labelled without the
    year, which the slide's heading names: shorter labels, larger chart."""
    labels: list[str] = []
    for trace in data:
        if trace.get("type") != "bar" or trace.get("orientation") == "h" or trace.get("x") is None:
            continue
        labels += [x for x in trace["x"] if x not in labels]
    matches = [_MONTH_OF_YEAR.match(x) if isinstance(x, str) else None for x in labels]
    if not labels or not all(matches) or len({m.group(2) for m in matches}) != 1:
        return
    for key, value in list(layout.items()):
        if is_axis_key(key, "x"):
            layout[key] = {**value, "tickmode": "array", "tickvals": labels,
                           "ticktext": [m.group(1) for m in matches]}
    if "xaxis" not in layout:
        layout["xaxis"] = {"tickmode": "array", "tickvals": labels,
                           "ticktext": [m.group(1) for m in matches]}


def _print_values(bar: dict) -> None:
    """Print a bar trace's values where the builder left them to the table (too many bars for
    the normal view): the text from customdata[i][1] (the builders' hover text), upright."""
    texts = list(bar["text"]) if isinstance(bar.get("text"), (list, tuple)) else None
    custom = bar.get("customdata")
    if not texts or all(texts) or custom is None:
        return
    try:
        shown = [t or str(c[1]) for t, c in zip(texts, custom, strict=True)]
    except (TypeError, IndexError, ValueError):
        return
    fills = (bar.get("marker") or {}).get("color")
    fills = list(fills) if isinstance(fills, (list, tuple)) else [fills or CASES] * len(shown)
    compact = [t.replace("<\u00a0", "<") for t in shown]
    if max(len(t) for t in compact) <= 2:
        # Two characters fit over a narrow bar upright; "<5" must stay upright (turned, "<"
        # would read as "V").
        bar.update(text=compact, textangle=0, textposition="outside")
        return
    bar.update(
        text=shown, textangle=-90, textposition="auto", insidetextanchor="end",
        insidetextfont={"color": [text_on(f) if isinstance(f, str) and f.startswith("#")
                                  else TEXT for f in fills]},
    )
