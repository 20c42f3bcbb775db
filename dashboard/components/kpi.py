"""The KPI card: one headline figure, large, with its change against the same period a year earlier.

The change is told three ways, so it reaches everyone: an arrow, the words ("Anstieg"/"Rückgang"/
"unverändert") with absolute and relative numbers, and a colour (blue up, orange down; not red
and green, which colour-blind readers confuse and which would judge a change that may be good
or bad).
"""

from __future__ import annotations

from dataclasses import dataclass

import dash_bootstrap_components as dbc
from dash import html

from .. import format as fmt

UP, DOWN, SAME, NONE = "up", "down", "same", "none"
ARROWS = {UP: "▲", DOWN: "▼", SAME: "▶", NONE: ""}


@dataclass(frozen=True)
class Change:
    direction: str  # UP, DOWN, SAME or NONE (no comparison possible)
    text: str


def change(
    current: float | None,
    previous: float | None,
    previous_label: str,
    *,
    decimals: int = 0,
    points: bool = False,
    min_cell: int | None = None,
) -> Change:
    """The change from `previous` to `current` in words: "▲ Anstieg: +12 (+8,1 %) gegenüber 2024".

    points=True: both are ratios (0.452) and the change is told in Prozentpunkte, without a
    relative change. None on either side: no comparison (a suppressed count or a ratio that
    does not exist).
    """
    against = f"gegenüber {previous_label}"
    if current is None or previous is None:
        if min_cell is not None:
            return Change(NONE, f"Kein Vergleich möglich (Fallzahl unter {min_cell}) {against}")
        return Change(NONE, f"Kein Vergleich möglich {against}")
    if points:
        diff = round((current - previous) * 100, decimals)
        amount = f"{fmt.signed(diff, decimals)} Prozentpunkte"
    else:
        diff = round(current - previous, decimals)
        amount = fmt.signed(diff, decimals)
        if previous != 0 and diff != 0:
            amount += f" ({fmt.signed_percent((current - previous) / previous)})"
    if diff > 0:
        return Change(UP, f"{ARROWS[UP]} Anstieg: {amount} {against}")
    if diff < 0:
        return Change(DOWN, f"{ARROWS[DOWN]} Rückgang: {amount} {against}")
    return Change(SAME, f"{ARROWS[SAME]} unverändert {against}")


def kpi_card(
    title: str,
    value_text: str,
    delta: Change,
    *,
    card_id: str,
    detail: str | None = None,
    accent: str | None = None,
) -> dbc.Card:
    """A card: title, big value, optional detail line, the change line."""
    body = [
        html.H2(title, className="kim-kpi-title"),
        html.Div(value_text, className="kim-kpi-value", id=f"{card_id}-value"),
    ]
    if detail:
        body.append(html.Div(detail, className="kim-kpi-detail", id=f"{card_id}-detail"))
    # "gegenüber …" in a span of its own: presentation mode hides it visually (screen readers
    # still read it), so the change fits one line on a projector.
    main, sep, against = delta.text.partition(" gegenüber ")
    change_children = [main, html.Span(sep + against, className="kim-kpi-against")] if sep else [
        delta.text]
    body.append(
        html.Div(change_children, className=f"kim-kpi-change kim-change-{delta.direction}",
                 id=f"{card_id}-change")
    )
    style = {"borderTopColor": accent} if accent else None
    return dbc.Card(dbc.CardBody(body), className="kim-kpi h-100", id=card_id, style=style)
