"""Datenstand (/daten): the import history, the row count of every table, and the data-quality
warnings of queries/quality.py for the Stichtag of the filter.

Pseudonyms of cases and persons are listed only for the role `verwaltung` (permission
"pseudonyms"), which corrects the source data; `koordination` reads the counts only. Booking
numbers and position ids carry no personal data and are listed, so the finance office can act on
them. Counts of cases and persons are suppressed below K as on every other page.
"""

from __future__ import annotations

from datetime import datetime

import dash_bootstrap_components as dbc
from dash import html

from queries import meta, quality, schema

from .. import format as fmt
from ..components.tables import Column
from ..sections import Section, table_block
from ..security import can

PATH = "/daten"
TITLE = "Datenstand"
NAV_LABEL = "Datenstand"
PERMISSION = "data_status"  # dashboard/security.py: not for the Lenkungsgruppe

RUN_LIMIT = 50
OUTCOMES = {"OK": "erfolgreich", "REFUSED": "abgelehnt"}
# Subjects whose identifiers are pseudonyms of people or their cases (see module docstring).
PERSONAL_SUBJECTS = {"case": "Fälle", "person": "Personen"}
LISTED_SUBJECTS = {"booking": "Buchungsnummern", "position": "Stellen",
                   "case": "Fälle (Pseudonyme)", "person": "Personen (Pseudonyme)"}

TABLE_LABELS = {
    "territory": "Kreis",
    "district": "Bezirke",
    "municipality": "Gemeinden",
    "funded_position": "Geförderte Stellen",
    "staff": "Beschäftigte",
    "person": "Personen",
    "case_file": "Fälle",
    "case_need": "Bedarfslagen",
    "referral": "Verweisungen",
    "legal_status_episode": "Aufenthaltsstatus-Episoden",
    "legal_sphere_episode": "Rechtskreis-Episoden",
    "budget_allocation": "Bewilligungen",
    "ledger_entry": "Buchungen",
    "import_run": "Importläufe",
}
RUN_COLUMNS = (
    Column("id", "Lauf", "number"),
    Column("finished", "Beendet"),
    Column("exported", "Export vom"),
    Column("source", "Quelle"),
    Column("outcome_label", "Ergebnis"),
    Column("file_count", "Dateien", "number"),
    Column("row_count", "Zeilen", "number"),
    Column("message", "Meldung"),
)
COUNT_COLUMNS = (
    Column("label", "Inhalt"),
    Column("table", "Tabelle"),
    Column("rows", "Zeilen", "number"),
)


def layout(view) -> html.Div:
    f, k = view.filter, view.min_cell
    warnings = view.data.call(quality.quality_warnings, None, f.as_of)
    runs = RUNS.query(view)
    return html.Div(
        [
            html.H1([TITLE, html.Span(f" · Prüfungen zum Stichtag {fmt.day(f.as_of)}",
                                      className="kim-h1-sub")], className="kim-page-title"),
            html.Section(
                [
                    html.Div(html.H2("Hinweise zur Datenqualität", className="kim-section-title"),
                             className="kim-section-head"),
                    html.P(quality_summary(warnings), className="kim-summary",
                           id="data-quality-summary"),
                    dbc.Row([dbc.Col(warning_card(w, k), md=6, xl=4) for w in warnings],
                            className="g-3"),
                ],
                id="data-quality", className="kim-section",
            ),
            html.Section(
                [
                    html.Div(html.H2("Importe", className="kim-section-title"),
                             className="kim-section-head"),
                    html.P(runs_summary(runs), className="kim-section-note", id="data-runs-note"),
                    *table_block(RUNS, view),
                ],
                id="data-runs", className="kim-section",
            ),
            html.Section(
                [
                    html.Div(html.H2("Zeilen je Tabelle", className="kim-section-title"),
                             className="kim-section-head"),
                    *table_block(COUNTS, view),
                ],
                id="data-counts", className="kim-section",
            ),
        ]
    )


def register_callbacks(app, data) -> None:
    """Nothing of its own: the filter bar's Stichtag redraws the page through the URL."""


def quality_summary(warnings: list[dict]) -> str:
    open_checks = [w for w in warnings if w["count"]]
    if not open_checks:
        return f"Alle {len(warnings)} Prüfungen ohne Befund."
    return (f"{len(open_checks)} von {len(warnings)} Prüfungen mit Befund; die Einträge sollten "
            "in den Quellsystemen berichtigt werden.")


def warning_card(w: dict, k: int) -> dbc.Card:
    """One check: its title, how many records it found, what it means, and (where allowed)
    which ones."""
    personal = w["subject"] in PERSONAL_SUBJECTS
    count_text = fmt.count(w["count"], k) if personal else fmt.number(w["count"])
    if w["count"] == 0 and personal:
        count_text = "0"
    body = [
        html.H3(w["title"], className="kim-kpi-title"),
        html.Div(count_text, className="kim-kpi-value", id=f"quality-{w['key']}-count"),
        html.P(w["description"], className="kim-kpi-detail mb-1"),
    ]
    # Pseudonyms only for the role that corrects the source data (Data.call has already removed
    # them for every other role; the check here keeps the wording right).
    listed = not personal or (can("pseudonyms") and bool(w["examples"]))
    if w["count"] and listed:
        body.append(html.P(
            f"{LISTED_SUBJECTS.get(w['subject'], 'Einträge')}: {', '.join(w['examples'])}"
            + (" …" if w["count"] > len(w["examples"]) else ""),
            className="kim-kpi-detail mb-0", id=f"quality-{w['key']}-examples",
        ))
    elif w["count"]:
        body.append(html.P(
            f"Die betroffenen {PERSONAL_SUBJECTS[w['subject']]} sind in den Quellsystemen "
            "unter ihren Pseudonymen zu finden; sie werden hier nicht aufgelistet.",
            className="kim-kpi-detail mb-0",
        ))
    state = "kim-quality-open" if w["count"] else "kim-quality-ok"
    return dbc.Card(dbc.CardBody(body), className=f"kim-kpi h-100 {state}",
                    id=f"quality-{w['key']}")


def _when(value: datetime | None) -> str:
    if value is None:
        return fmt.MISSING
    return f"{fmt.day(value.date())} {value:%H:%M}"


def run_rows(runs: list[dict]) -> list[dict]:
    rows = []
    for r in runs:
        files = r["files"] or {}
        row_total = sum(int(v.get("rows") or 0) for v in files.values() if isinstance(v, dict))
        rows.append({
            "id": r["id"],
            "finished": _when(r["finished_at"]),
            "exported": fmt.day(r["exported_on"]) if r.get("exported_on") else "",
            "source": r["source"],
            "outcome_label": OUTCOMES.get(r["outcome"], r["outcome"]),
            "file_count": len(files),
            "row_count": row_total,
            "message": r["message"] or "",
        })
    return rows


def runs_summary(runs: list[dict]) -> str:
    if not runs:
        return "Es wurden noch keine Daten importiert."
    latest_ok = next((r for r in runs if r["outcome"] == "OK"), None)
    text = ("Der bisher einzige Importlauf." if len(runs) == 1
            else f"Die letzten {len(runs)} Importläufe, neueste zuerst.")
    if latest_ok is not None:
        text += (f" Maßgeblich für den Datenstand ist der letzte erfolgreiche Lauf "
                 f"vom {_when(latest_ok['finished_at'])} (Quelle: {latest_ok['source']}).")
        if latest_ok.get("exported_on"):
            text += (f" Sein Export aus dem Quellsystem stammt vom "
                     f"{fmt.day(latest_ok['exported_on'])}; dieser Tag gilt als Datenstand.")
    return text


def count_rows(counts: dict[str, int], words=None) -> list[dict]:
    """Rows per table; the reference tables named with the territory's words (Stadtbezirke…)."""
    labels = dict(TABLE_LABELS)
    if words is not None:
        labels.update(territory=words.area, district=words.districts_word,
                      municipality=words.municipalities_word)
    order = [t.name for t in schema.DATA_TABLES] + ["import_run"]
    return [{"label": labels.get(name, name), "table": name, "rows": counts[name]}
            for name in order if name in counts]


# --- the tables (dashboard/sections.py) ------------------------------------------------------

RUNS = Section(
    id="data-runs", page=PATH, permission=PERMISSION, title="Importe",
    caption="Importläufe, neueste zuerst",
    query=lambda view: view.data.call(meta.import_runs, None, RUN_LIMIT),
    columns=RUN_COLUMNS, rows=lambda runs, _view: run_rows(runs),
)
COUNTS = Section(
    id="data-counts", page=PATH, permission=PERMISSION, title="Zeilen je Tabelle",
    caption="Zeilen je Tabelle", query=lambda view: view.data.call(meta.table_counts),
    columns=COUNT_COLUMNS, rows=lambda counts, view: count_rows(counts, view.words),
    has_data=lambda _counts: True,
)
SECTIONS = (RUNS, COUNTS)
