"""Checks for the figure dicts of dashboard/components/figure.py.

`checked(fig)` passes a builder's output through plotly.py's schema (go.Figure raises on any
property or value plotly does not know) and returns the go.Figure, so tests can read it as
`fig.data[0].marker.color`. The app itself never builds go.Figure objects (too slow, see
dashboard/components/figure.py); this is where the schema check happens instead.
"""

from __future__ import annotations

import json

import plotly.graph_objects as go
from plotly.utils import PlotlyJSONEncoder


def checked(fig) -> go.Figure:
    assert isinstance(fig, dict), f"a figure is a plain dict, not {type(fig).__name__}"
    assert set(fig) <= {"data", "layout"}, sorted(fig)
    assert all(isinstance(t, dict) and "type" in t for t in fig["data"]), "traces need a type"
    # Plain JSON (what dcc.Graph sends): no objects that only plotly's encoder understands.
    json.dumps(fig)
    figure = go.Figure(fig)
    json.dumps(figure, cls=PlotlyJSONEncoder)
    return figure
