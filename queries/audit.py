"""The disclosure audit (KPIS.md "Disclosure control"): can a reader work out a hidden count from
everything published for one filter?

`publication(conn, f, role)` reads what the dashboard publishes for filter f, the way a reader
gets it: the `kim report` document, the drill-downs by case manager of every district and every
municipality (only for roles that may see them), the monthly series, the gap buckets, Wirkung
by district and its trend in every grain — the outputs of the same figure functions that the
pages, downloads and the print report show (tests compare the pages' downloads over HTTP with
this). Each count becomes one cell: its value, or None when hidden; a count shown in one place
and hidden in another counts as shown.

`audit(conn, f, role)` writes down the equations a reader knows (queries/published.py: a total
is the sum of its parts) with every hidden count >= 1 and every count the role does not see
>= 0, and computes by linear programming (HiGHS) the smallest and largest value each hidden
count can take. A `Leak` is a hidden count with fewer than K - 1 possible values, with the
equations it stands in.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection

from . import caseload, disclosure, outcomes, published, report, transitions
from .filters import Filter

ROLES_WITH_CASE_MANAGERS = ("koordination", "verwaltung")
ALL_ROLES = ("lenkungsgruppe", *ROLES_WITH_CASE_MANAGERS)


@dataclass(frozen=True)
class Leak:
    key: tuple
    low: float
    high: float
    equations: tuple[str, ...]

    def text(self) -> str:
        high = "∞" if self.high == math.inf else f"{self.high:.0f}"
        where = "; ".join(self.equations) or "keine Gleichung"
        return (f"{describe(self.key)}: geheim gehalten, aber nur {self.low:.0f} … {high} "
                f"möglich (über: {where})")


@dataclass
class Publication:
    values: dict[tuple, int | None] = field(default_factory=dict)

    def put(self, key: tuple, value: int | None) -> None:
        if value is not None or key not in self.values:
            if key in self.values and self.values[key] is not None and value is not None \
                    and self.values[key] != value:
                raise ValueError(f"{describe(key)} erscheint mit zwei Werten: "
                                 f"{self.values[key]} und {value}")
            self.values[key] = value

    def hidden(self) -> list[tuple]:
        return [k for k, v in self.values.items() if v is None]


def publication(conn: Connection, f: Filter, role: str = "verwaltung") -> Publication:
    """Every count published for filter f to `role`, keyed as queries/published.py keys them."""
    with disclosure.session(conn):
        return _publication(conn, f, role)


def _publication(conn: Connection, f: Filter, role: str) -> Publication:
    pub = Publication()
    put = pub.put
    doc = report.build_report(conn, f)
    cl = doc["caseload"]
    metrics = caseload.METRICS
    for m in metrics:
        put(("cl", m), cl["total"][m])
    for d in cl["districts"]:
        for m in metrics:
            put(("cl", m, "D", d["id"]), d[m])
        for g in d["municipalities"]:
            for m in metrics:
                put(("cl", m, "G", g["ags"]), g[m])
    for row in cl["monthly_active"]:
        put(("cl", "active", "M", row["month"]), row["active"])
    for row in caseload.opened_closed_monthly(conn, f):
        put(("cl", "opened", "M", row["month"]), row["opened"])
        put(("cl", "closed", "M", row["month"]), row["closed"])
    if role in ROLES_WITH_CASE_MANAGERS:
        for d in cl["districts"]:
            for row in caseload.caseload_by_staff(conn, f, d["id"]):
                for m in metrics:
                    put(("cl", m, "DS", d["id"], row["staff_id"]), row[m])
            for g in d["municipalities"]:
                for row in caseload.caseload_by_staff(conn, f, d["id"], g["ags"]):
                    for m in metrics:
                        put(("cl", m, "GS", g["ags"], row["staff_id"]), row[m])

    tr = doc["transitions"]
    for name in ("total", "bleiberecht", "einbuergerungen"):
        put(("tr", name), tr[name])
    for row in tr["flows"]:
        put(("tr", "F", row["from"], row["to"]), row["count"])
    for row in tr["monthly"]:
        put(("tr", "M", row["month"]), row["count"])
    for row in transitions.transitions_monthly_by_kind(conn, f):
        put(("tr", "bleiberecht", "M", row["month"]), row["bleiberecht"])
        put(("tr", "einbuergerungen", "M", row["month"]), row["einbuergerungen"])
    sp = tr["sphere_changes"]
    put(("sp", "total"), sp["total"])
    put(("sp", "seamless"), sp["seamless"])
    for row in sp["flows"]:
        put(("sp", "F", row["from"], row["to"]), row["count"])
    for row in transitions.sphere_gap_distribution(conn, f):
        put(("sp", "B", row["bucket"]), row["count"])
    bn = sp["benefit"]
    for name in ("total", "seamless", "exits"):
        put(("bn", name), bn[name])

    oc = doc["outcomes"]
    for row in oc["needs"]:
        for m in ("identified", "resolved", "open"):
            put(("nd", m, row["need"]), row[m])
    for row in oc["referrals"]:
        for m in outcomes.REFERRAL_METRICS:
            put(("rf", m, row["institution"]), row[m])
    for d in outcomes.referrals_by_district(conn, f):
        for row in d["referrals"]:
            for m in outcomes.REFERRAL_METRICS:
                put(("rf", m, "D", d["id"], row["institution"]), row[m])
    put(("cz", "total"), oc["closures"]["total"])
    for row in oc["closures"]["reasons"]:
        put(("cz", "R", row["reason"]), row["count"])
    for d in outcomes.closures_by_district(conn, f):
        put(("cz", "total", "D", d["id"]), d["total"])
        for row in d["reasons"]:
            put(("cz", "R", "D", d["id"], row["reason"]), row["count"])
    for grain in outcomes.GRAINS:
        for row in outcomes.trend(conn, f, grain):
            for m in ("referred", "accepted", "declined"):
                put(("rf", m, grain, row["period"]), row[m])
            put(("cz", "closed", grain, row["period"]), row["closed"])
            put(("cz", "goal", grain, row["period"]), row["goal"])
    return pub


def leaks_of(pub: Publication, book: disclosure.Book, k: int) -> list[Leak]:
    """The hidden counts of `pub` that the equations of `book` narrow to fewer than K - 1
    values. Cells of the book that `pub` does not hold count as unknown (>= 0)."""
    if k <= 1:
        return []
    structure = disclosure.Book(cells={}, latent=dict(book.latent), groups=book.groups)
    for key, n in book.cells.items():
        if key not in pub.values:
            structure.latent[key] = n
    found = disclosure.bounds(structure, values=pub.values)
    names: dict[tuple, list[str]] = {}
    for g in book.groups:
        for key in (g.total, *g.parts):
            names.setdefault(key, []).append(g.name)
    out = []
    for key, (low, high) in found.items():
        if pub.values.get(key, 0) is None and _values(low, high) < k - 1:
            out.append(Leak(key, low, high, tuple(dict.fromkeys(names.get(key, [])))))
    return sorted(out, key=lambda leak: repr(leak.key))


def audit(conn: Connection, f: Filter, role: str = "verwaltung") -> list[Leak]:
    """Leaks of filter f for `role` (an empty list: nothing hidden can be worked out)."""
    with disclosure.session(conn):
        pub = _publication(conn, f, role)
        return leaks_of(pub, published.book_for(conn, f), f.min_cell)


def _values(low: float, high: float) -> float:
    return math.inf if high == math.inf else high - low + 1


# --- German names of cells ------------------------------------------------------------------------

_METRIC = {"active": "aktive Fälle", "opened": "neue Fälle", "closed": "abgeschlossene Fälle",
           "referred": "Vermittlungen", "accepted": "angenommen", "declined": "abgelehnt",
           "pending": "offen", "identified": "erkannt", "resolved": "erledigt", "open": "offen"}


def describe(key: Iterable) -> str:
    """A cell key in words: ("cl", "active", "GS", "05558004", "CM-3") -> "aktive Fälle,
    Gemeinde 05558004, Case Manager CM-3"."""
    key = tuple(key)
    head, rest = key[0], list(key[1:])
    words = []
    if head in ("cl", "rf", "nd") and rest:
        words.append(_METRIC.get(rest.pop(0), key[1]))
    elif head == "tr":
        words.append("Statuswechsel")
    elif head == "sp":
        words.append("Rechtskreiswechsel")
    elif head == "bn":
        words.append("Leistungswechsel")
    elif head == "cz":
        words.append("Abschlüsse")
    level = {"D": "Bezirk", "G": "Gemeinde", "M": "Monat", "F": "Strom", "B": "Lücke",
             "R": "Grund", "month": "Monat", "quarter": "Quartal", "year": "Jahr"}
    while rest:
        part = rest.pop(0)
        if part == "DS":
            words.append(f"Bezirk {rest.pop(0)}, Case Manager {rest.pop(0) or 'ohne'}")
        elif part == "GS":
            words.append(f"Gemeinde {rest.pop(0)}, Case Manager {rest.pop(0) or 'ohne'}")
        elif part == "F" and len(rest) >= 2:
            words.append(f"{rest.pop(0)} → {rest.pop(0)}")
        elif part in level and rest:
            words.append(f"{level[part]} {rest.pop(0)}")
        else:
            words.append(str(part))
    return ", ".join(words) if words else repr(key)
