"""The words a page shows instead of a chart: no data, an error, the database banner, URL notes."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

ERROR_TEXT = (
    "Diese Darstellung konnte gerade nicht berechnet werden. Die übrigen Zahlen der Seite sind "
    "davon nicht betroffen. Bitte laden Sie die Seite später neu; bleibt der Fehler, wenden Sie "
    "sich an die Administration des KIM-Cockpits."
)


def no_data(text: str = "Für diese Auswahl liegen keine Daten vor.") -> html.Div:
    """Shown where a chart would be when the filter leaves nothing to show."""
    return html.Div(text, className="kim-no-data", role="status")


def error_message(text: str = ERROR_TEXT) -> html.Div:
    """Shown in place of a chart whose computation failed (never a traceback)."""
    return html.Div(text, className="kim-error", role="alert")


def database_banner(text: str) -> dbc.Alert:
    """The banner across the page while the database cannot be reached."""
    return dbc.Alert(
        [html.Strong("Keine Verbindung zur Datenbank. "), text],
        color="warning",
        className="kim-banner mb-3",
        id="kim-db-banner",
    )


def url_notes(notes: tuple[str, ...] | list[str]) -> dbc.Alert | None:
    """The visible note that parts of the address were not usable and what is shown instead."""
    if not notes:
        return None
    return dbc.Alert(
        [
            html.Strong("Hinweis zur Adresse: "),
            "Einige Angaben in der Adresse waren nicht verwendbar.",
            html.Ul([html.Li(n) for n in notes], className="mb-0 mt-1"),
        ],
        color="info",
        className="kim-url-note mb-3",
        id="kim-url-note",
    )
