"""The breadcrumb of a drill-down ("Kreis Coesfeld › Bezirk Nord › Gemeinde Coesfeld"): every
level but the last links back up, and the links carry the rest of the view (period, display
modes) in their query string; the page builds them (a link up to the Bezirk drops `gemeinde`)."""

from __future__ import annotations

from dash import dcc, html


def breadcrumb(items: list[tuple[str, str | None]], nav_id: str = "kim-breadcrumb") -> html.Nav:
    """items: (label, href) from the top level down; href None for the current level."""
    entries = []
    for i, (label, href) in enumerate(items):
        current = i == len(items) - 1
        content = label if current or href is None else dcc.Link(label, href=href)
        entries.append(
            html.Li(
                content,
                className="breadcrumb-item active" if current else "breadcrumb-item",
                **({"aria-current": "page"} if current else {}),
            )
        )
    return html.Nav(html.Ol(entries, className="breadcrumb mb-2"), id=nav_id,
                    **{"aria-label": "Ebene der Auswertung"})
