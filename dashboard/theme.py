"""Colours that mean the same on every page, and the plotly template for reading from five metres.

The palette is Okabe–Ito (safe for the common colour-vision deficiencies): one colour per
funding module and one per status group, never reused for anything else. Counts that are not
tied to a module or status use the neutral blues below. Text colours meet WCAG 2.1 AA (4.5:1)
on white; tests/test_components.py checks that.
"""

from __future__ import annotations

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


def register_template() -> str:
    """Register the plotly template (idempotent) and return its name."""
    pio.templates[TEMPLATE_NAME] = _template()
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
