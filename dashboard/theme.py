"""Colours that mean the same on every page, and the plotly template for reading from five metres.

The palette is Okabe–Ito (safe for the common colour-vision deficiencies): one colour per
funding module and one per status group, never reused for anything else. Counts that are not
tied to a module or status use the neutral blues below. Text colours meet WCAG 2.1 AA (4.5:1)
on white; tests/test_components.py checks that.

Two display modes change how figures look, never what colours mean (dashboard/urlstate.py reads
them from the URL, `adapt_figure` applies them to every figure of a page):
    high contrast (`kontrast=hoch`)   the template "kim_kontrast": black text, black axes and a
                                      darker grid; module and status-group colours unchanged
    presentation (`praesentation=1`)  no chart text below PRESENTATION_MIN_FONT px, no mode bar,
                                      the values on the bars that the normal view leaves to the
                                      table (see adapt_figure)
"""

from __future__ import annotations

import re

import plotly.graph_objects as go
import plotly.io as pio

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

# A suppressed value: grey, hatched, labelled "< K", so it can never be read as zero.
SUPPRESSED_FILL = "#D9D9D9"
SUPPRESSED_LINE = "#6E6E6E"
SUPPRESSED_PATTERN = "/"

# Text (all at least 4.5:1 on white).
TEXT = "#1A1A1A"
TEXT_MUTED = "#555555"
# Direction of a change: blue up, dark orange down, never red/green; the arrow and the sign
# carry the meaning too.
CHANGE_UP = "#005A8C"
CHANGE_DOWN = "#A3460A"
CHANGE_NONE = TEXT_MUTED
# A reference line (share of the year elapsed, a target).
REFERENCE = "#1A1A1A"

FONT_FAMILY = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", '
    '"DejaVu Sans", Arial, sans-serif'
)
# Sizes for a projector: axis labels and values on bars stay readable from five metres.
FONT_SIZE = 18
TITLE_SIZE = 22
TEMPLATE_NAME = "kim"
CONTRAST_TEMPLATE_NAME = "kim_kontrast"
# High contrast: text and lines black, the grid a grey that still reads as a line (3:1).
CONTRAST_TEXT = "#000000"
CONTRAST_GRID = "#949494"
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


def _template() -> go.layout.Template:
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
    return go.layout.Template(
        layout={
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
    )


def _contrast_template() -> go.layout.Template:
    """The "kim" template for the high-contrast theme: pure black text and lines on white."""
    template = _template()
    black = CONTRAST_TEXT
    axis = {"linecolor": black, "zerolinecolor": black, "linewidth": 2,
            "tickfont": {"color": black}, "title": {"font": {"color": black}}}
    template.layout.update(
        font={"color": black},
        title={"font": {"color": black}},
        xaxis={**axis, "showline": True},
        yaxis={**axis, "showline": True, "gridcolor": CONTRAST_GRID},
        legend={"font": {"color": black}},
        hoverlabel={"bgcolor": "#FFFFFF", "bordercolor": black, "font": {"color": black}},
    )
    return template


def register_template() -> str:
    """Register the plotly templates once per process and return the normal one's name.

    Every chart builder calls this; building the two templates costs several milliseconds, which
    the benchmark found to be most of a page callback's Python time when done per figure."""
    if TEMPLATE_NAME not in pio.templates:
        pio.templates[TEMPLATE_NAME] = _template()
    if CONTRAST_TEMPLATE_NAME not in pio.templates:
        pio.templates[CONTRAST_TEMPLATE_NAME] = _contrast_template()
    return TEMPLATE_NAME


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


def _raise_size(font, minimum: int) -> None:
    """Set a plotly font object's size to at least `minimum` (per-point size arrays too)."""
    size = font.size
    if size is None:
        return
    if isinstance(size, (list, tuple)):
        font.size = [max(v or minimum, minimum) for v in size]
    elif size < minimum:
        font.size = minimum


def adapt_figure(fig: go.Figure, *, presentation: bool = False,
                 high_contrast: bool = False) -> go.Figure:
    """The figure as the display mode wants it (in place; returned for chaining).

    high_contrast: the "kim_kontrast" template and black instead of grey chart text (the muted
    grey of notes and the dark grey text of the normal theme). Colours that mean a module, a
    status group or a suppressed value stay as they are.
    presentation: every font at least PRESENTATION_MIN_FONT px (template, axes, legends,
    annotations, printed values, uniformtext), and bar values that the normal view leaves to the
    table printed on the bars, turned upright when the bars are too narrow for them.
    """
    register_template()
    if high_contrast:
        fig.update_layout(template=CONTRAST_TEMPLATE_NAME)
        for annotation in fig.layout.annotations or ():
            if annotation.font.color in (TEXT, TEXT_MUTED, None):
                annotation.font.color = CONTRAST_TEXT
        for trace in fig.data:
            textfont = getattr(trace, "textfont", None)
            if textfont is not None and textfont.color in (TEXT, TEXT_MUTED):
                textfont.color = CONTRAST_TEXT
    if presentation:
        minimum = PRESENTATION_MIN_FONT
        fig.update_layout(uniformtext={"minsize": minimum, "mode": "show"})
        for annotation in fig.layout.annotations or ():
            if annotation.font.size is None or annotation.font.size < minimum:
                annotation.font.size = max(annotation.font.size or FONT_SIZE, minimum)
        fig.for_each_xaxis(lambda a: _raise_size(a.tickfont, minimum))
        fig.for_each_yaxis(lambda a: _raise_size(a.tickfont, minimum))
        for trace in fig.data:
            for attr in ("textfont", "insidetextfont", "outsidetextfont"):
                font = getattr(trace, attr, None)
                if font is not None:
                    _raise_size(font, minimum)
            if trace.type == "bar":
                _print_values(trace)
        _months_without_year(fig)
    return fig


_MONTH_OF_YEAR = re.compile(r"^(\S+) (\d{4})$")


def _months_without_year(fig: go.Figure) -> None:
    """Month categories of one single year ("Jan. 2025" … "Nov. 2025") are labelled without the
    year, which the slide's heading names: shorter labels, larger chart."""
    labels: list[str] = []
    for trace in fig.data:
        if trace.type != "bar" or getattr(trace, "orientation", None) == "h" or trace.x is None:
            continue
        labels += [x for x in trace.x if x not in labels]
    matches = [_MONTH_OF_YEAR.match(x) if isinstance(x, str) else None for x in labels]
    if not labels or not all(matches) or len({m.group(2) for m in matches}) != 1:
        return
    fig.update_xaxes(tickmode="array", tickvals=labels, ticktext=[m.group(1) for m in matches])


def _print_values(bar) -> None:
    """Print a bar trace's values where the builder left them to the table (too many bars for
    the normal view): the text from customdata[i][1] (the builders' hover text), upright."""
    texts = list(bar.text) if isinstance(bar.text, (list, tuple)) else None
    custom = bar.customdata
    if not texts or all(texts) or custom is None:
        return
    try:
        shown = [t or str(c[1]) for t, c in zip(texts, custom, strict=True)]
    except (TypeError, IndexError, ValueError):
        return
    fills = bar.marker.color
    fills = list(fills) if isinstance(fills, (list, tuple)) else [fills or CASES] * len(shown)
    compact = [t.replace("<\u00a0", "<") for t in shown]
    if max(len(t) for t in compact) <= 2:
        # Two characters fit over a narrow bar upright; "<5" must stay upright (turned, "<"
        # would read as "V").
        bar.text = compact
        bar.textangle = 0
        bar.textposition = "outside"
        return
    bar.text = shown
    bar.textangle = -90
    bar.textposition = "auto"
    bar.insidetextanchor = "end"
    bar.insidetextfont = {"color": [text_on(f) if isinstance(f, str) and f.startswith("#")
                                    else TEXT for f in fills]}
