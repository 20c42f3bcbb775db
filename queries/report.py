"""The `kim report` document of KPIS.md: every figure for one filter, as JSON data or as CSV.

`build_report` returns the binding JSON shape of KPIS.md (dates as ISO strings) with two added
keys a reader needs to interpret it: `kreis` (the area's name, also without a territory row)
and `min_cell` (the K that turned small counts into null).

`report_csv` writes the same document in long format, one figure per line, so a spreadsheet
user can filter by the first and third column and never has to unfold nested lists:

    section,key,metric,value
    report,,as_of,2025-12-31
    period,,from,2025-01-01
    caseload.total,,active,412
    caseload.districts,NORD,active,208
    caseload.districts.municipalities,NORD/05558012,per_1000,3.4054054054054053
    budget.modules.categories,II/PERSONAL,spent_cents,16500000
    transitions.flows,DULDUNG->AE_25B,count,12
    outcomes.referrals,JOBCENTER,accepted_share,0.62

- `section` is the path of JSON keys to the object the line comes from ("report" for the
  top-level values);
- `key` identifies the list entry: the values of its identifying field (district id, AGS,
  module, category, month, bucket, staff id, need,
  institution, close reason, or "FROM->TO" for a flow), joined by "/" from the
  outer list to the inner one; empty for objects that are not in a list;
- `metric` is the JSON key of the value, `value` the value itself.
Canonical CSV as everywhere in KIM-Cockpit: UTF-8, comma-separated, "." as decimal mark, ISO
dates, LF line ends, an empty value for JSON null (a suppressed small cell or an undefined ratio).
Money stays integer cents, as in the JSON, so the two forms can be compared line by line.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from sqlalchemy import Connection

from . import budget as budget_figures
from . import caseload as caseload_figures
from . import disclosure
from . import outcomes as outcome_figures
from . import territory as territory_data
from . import transitions as transition_figures
from .filters import Filter
from .meta import data_as_of, district_exists

__all__ = ["build_report", "report_csv", "district_exists"]

CSV_HEADER = ("section", "key", "metric", "value")
# Fields that name a list entry, in the order they are looked for.
IDENTITY_FIELDS = ("id", "ags", "staff_id", "module", "category", "month", "bucket", "need",
                   "institution", "reason")


def build_report(conn: Connection, f: Filter) -> dict:
    """The whole `kim report` JSON of KPIS.md for filter `f` (its counts as the filter's
    Disclosure publishes them, computed once for the whole document)."""
    with disclosure.session(conn):
        return _build_report(conn, f)


def _build_report(conn: Connection, f: Filter) -> dict:
    as_of_data = data_as_of(conn)
    return {
        "as_of": f.as_of.isoformat(),
        "period": {"from": f.period_from.isoformat(), "to": f.period_to.isoformat()},
        "district": f.district,
        "data_as_of": as_of_data.isoformat() if as_of_data is not None else None,
        "territory": territory_data.read(conn).report_json(),
        "kreis": territory_data.read(conn).name,
        "min_cell": f.min_cell,
        "caseload": caseload_figures.caseload(conn, f),
        "budget": budget_figures.budget(conn, f),
        "transitions": transition_figures.transitions(conn, f),
        "outcomes": outcome_figures.outcomes(conn, f),
    }


def report_csv(report: dict) -> str:
    """The report in the long CSV form described in the module docstring."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    top_level = {k: v for k, v in report.items() if not isinstance(v, dict | list)}
    writer.writerows(_lines("report", (), top_level))
    for name, value in report.items():
        if isinstance(value, dict | list):
            writer.writerows(_lines("", (), {name: value}))
    return out.getvalue()


def _identity(entry: dict, position: int) -> tuple[str, set[str]]:
    """The key of one list entry and the fields it used (these are not repeated as metrics)."""
    if "from" in entry and "to" in entry:
        return f"{entry['from']}->{entry['to']}", {"from", "to"}
    for field in IDENTITY_FIELDS:
        if field in entry:
            value = entry[field]
            # The "ohne Case Manager" row of a drill-down has staff_id None.
            return ("" if value is None else str(value)), {field}
    return str(position + 1), set()


def _lines(section: str, key: tuple[str, ...], obj: dict):
    for name, value in obj.items():
        path = f"{section}.{name}" if section else name
        if isinstance(value, dict):
            yield from _lines(path, key, value)
        elif isinstance(value, list):
            for position, entry in enumerate(value):
                if isinstance(entry, dict):
                    ident, used = _identity(entry, position)
                    rest = {k: v for k, v in entry.items() if k not in used}
                    yield from _lines(path, (*key, ident), rest)
                else:
                    yield (section or "report", "/".join((*key, str(position + 1))), name,
                           _format(entry))
        else:
            yield (section or "report", "/".join(key), name, _format(value))


def _format(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # Plain decimal notation, never 1e-05: spreadsheets must read it as a number.
        return format(Decimal(repr(value)), "f")
    return str(value)
