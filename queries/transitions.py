"""Residence-status transitions and legal-sphere changes (Rechtskreiswechsel) of a period (KPIS.md).

An event is a pair of consecutive episodes of one person (by valid_from) with different codes,
dated on the later valid_from. Events are attributed to a district through the person's case
with the latest opened_on not after the event date, else the person's earliest case; on the same
opened_on the smaller id (plain string order) counts as the later case.
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, case, func, literal, null, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction

from . import codes, schema
from .budget import ratio
from .filters import Filter, months_between
from .sqlfuncs import days_between, month_key

GAP_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0", 0, 0),
    ("1-7", 1, 7),
    ("8-30", 8, 30),
    ("31-90", 31, 90),
    (">90", 91, None),
)


class binary_text(GenericFunction):  # noqa: N801 - reads like the SQL it stands for
    """A text column compared in plain code-point order, whatever the database's collation."""

    name = "binary_text"
    inherit_cache = True


@compiles(binary_text, "sqlite")
def _binary_text_sqlite(element, compiler, **kw):
    # SQLite's default BINARY collation already compares bytes (= code points for UTF-8).
    return compiler.process(element.clauses, **kw)


@compiles(binary_text, "postgresql")
def _binary_text_pg(element, compiler, **kw):
    # A de_DE collation would order 'K-b' before 'K-C'; the rule is plain string order.
    return f'({compiler.process(element.clauses, **kw)}) COLLATE "C"'


def _case_spans():
    """Subquery: each case with the dates for which it is the one events are attributed to.

    Cases of a person in order (opened_on ascending; on the same day the larger id first, since
    the smaller id counts as the later case). Case i covers [opened_on of i, opened_on of i+1):
    on those days it is the latest case not opened after the day. The first case also covers
    every earlier day, as the earliest case. Of cases opened on the same day, only the last in
    this order covers that day and the days after it.
    A join on these spans finds every event's case at once instead of a lookup per event.
    """
    c, m = schema.case_file, schema.municipality
    order = {
        "partition_by": c.c.person_id,
        "order_by": (c.c.opened_on.asc(), binary_text(c.c.id).desc()),
    }
    return (
        select(
            c.c.person_id,
            m.c.district_id,
            case((func.row_number().over(**order) == 1, null()), else_=c.c.opened_on).label(
                "span_from"
            ),
            func.lead(c.c.opened_on).over(**order).label("span_to"),
        )
        .select_from(c.join(m, c.c.municipality_ags == m.c.ags))
        .subquery()
    )


def _events(f: Filter, table, code: str):
    """Subquery of the period's events: person_id, event_date, from_code, to_code, gap_days."""
    t = table
    window = {"partition_by": t.c.person_id, "order_by": t.c.valid_from}
    episodes = (
        select(
            t.c.person_id,
            t.c.valid_from,
            t.c[code].label("to_code"),
            func.lag(t.c[code]).over(**window).label("from_code"),
            func.lag(t.c.valid_to).over(**window).label("prev_to"),
        )
        # LAG only looks back, so later episodes are not needed to find the period's events.
        .where(t.c.valid_from <= f.period_to)
        .subquery()
    )
    e = episodes.c
    # An open previous episode followed by a later one (or an overlap) breaks the data rules;
    # read defensively as "superseded by the next episode": no gap.
    gap = case(
        (e.prev_to.is_(None), literal(0)),
        (e.prev_to >= e.valid_from, literal(0)),
        else_=days_between(e.valid_from, e.prev_to) - 1,
    )
    conditions = [
        e.from_code.is_not(None),
        e.from_code != e.to_code,
        e.valid_from >= f.period_from,
    ]
    query = select(
        e.person_id,
        e.valid_from.label("event_date"),
        e.from_code,
        e.to_code,
        gap.label("gap_days"),
    )
    if f.district is not None:
        # Exactly one span of a person with cases holds the event date; a person without any
        # case finds none and so counts only in the Kreis-wide total.
        spans = _case_spans()
        query = query.join(
            spans,
            and_(
                spans.c.person_id == e.person_id,
                or_(spans.c.span_from.is_(None), spans.c.span_from <= e.valid_from),
                or_(spans.c.span_to.is_(None), e.valid_from < spans.c.span_to),
            ),
        )
        conditions.append(spans.c.district_id == f.district)
    return query.where(*conditions).subquery()


def _flows(conn: Connection, f: Filter, events) -> list[dict]:
    rows = [
        (frm, to, int(n))
        for frm, to, n in conn.execute(
            select(events.c.from_code, events.c.to_code, func.count()).group_by(
                events.c.from_code, events.c.to_code
            )
        )
    ]
    # Sorted in Python: plain string order, independent of the database collation.
    return [{"from": frm, "to": to, "count": f.suppress(n)} for frm, to, n in sorted(rows)]


def _status_by_month_and_target(conn: Connection, f: Filter) -> dict[str, dict[str, int]]:
    """Status transitions of the period counted by month and target code (unsuppressed)."""
    events = _events(f, schema.legal_status_episode, "status")
    month = month_key(events.c.event_date)
    out: dict[str, dict[str, int]] = {}
    for key, to_code, n in conn.execute(
        select(month, events.c.to_code, func.count()).group_by(month, events.c.to_code)
    ):
        out.setdefault(key, {})[to_code] = int(n)
    return out


def _gap_histogram(conn: Connection, events) -> list[tuple[int, int]]:
    """(gap_days, number of changes) sorted by gap: small however many changes there are."""
    rows = conn.execute(select(events.c.gap_days, func.count()).group_by(events.c.gap_days)).all()
    return sorted((int(gap), int(n)) for gap, n in rows)


def median_from_histogram(histogram: list[tuple[int, int]]) -> float | None:
    """Median of the values a sorted (value, count) list stands for; mean of the middle two."""
    total = sum(n for _, n in histogram)
    if total == 0:
        return None
    # 0-based positions of the middle value(s) in the sorted list of all values.
    wanted = sorted({(total - 1) // 2, total // 2})
    found = []
    seen = 0
    for value, n in histogram:
        while wanted and wanted[0] < seen + n:
            found.append(value)
            wanted.pop(0)
        seen += n
    if len(found) == 1:
        found.append(found[0])
    return (found[0] + found[1]) / 2


def transitions(conn: Connection, f: Filter) -> dict:
    """The KPIS.md "transitions" object, including "sphere_changes"."""
    by_month = _status_by_month_and_target(conn, f)
    total = sum(sum(row.values()) for row in by_month.values())
    bleiberecht = sum(
        n for row in by_month.values() for code, n in row.items() if code in codes.BLEIBERECHT_CODES
    )
    einbuergerungen = sum(row.get(codes.EINBUERGERUNG_CODE, 0) for row in by_month.values())
    status_events = _events(f, schema.legal_status_episode, "status")
    return {
        "total": f.suppress(total),
        "bleiberecht": f.suppress(bleiberecht),
        "einbuergerungen": f.suppress(einbuergerungen),
        "flows": _flows(conn, f, status_events),
        "monthly": [
            {"month": key, "count": f.suppress(sum(by_month.get(key, {}).values()))}
            for key in months_between(f.period_from, f.period_to)
        ],
        "sphere_changes": sphere_changes(conn, f),
    }


def transitions_monthly_by_kind(conn: Connection, f: Filter) -> list[dict]:
    """Bleiberecht transitions and Einbürgerungen per month of the period, zeros included."""
    by_month = _status_by_month_and_target(conn, f)
    out = []
    for key in months_between(f.period_from, f.period_to):
        row = by_month.get(key, {})
        out.append(
            {
                "month": key,
                "bleiberecht": f.suppress(sum(row.get(c, 0) for c in codes.BLEIBERECHT_CODES)),
                "einbuergerungen": f.suppress(row.get(codes.EINBUERGERUNG_CODE, 0)),
            }
        )
    return out


def sphere_changes(conn: Connection, f: Filter) -> dict:
    """The "sphere_changes" object: total, seamless, seamless_share, median_gap_days, flows."""
    events = _events(f, schema.legal_sphere_episode, "sphere")
    histogram = _gap_histogram(conn, events)
    total = sum(n for _, n in histogram)
    seamless = sum(n for gap, n in histogram if gap == 0)
    shown_total, shown_seamless = f.suppress(total), f.suppress(seamless)
    # A ratio or median from a suppressed count would give that count back: the share comes
    # from both counts, the median from all changes (the total).
    share_shown = shown_total is not None and shown_seamless is not None
    return {
        "total": shown_total,
        "seamless": shown_seamless,
        "seamless_share": ratio(seamless, total) if share_shown else None,
        "median_gap_days": median_from_histogram(histogram) if shown_total is not None else None,
        "flows": _flows(conn, f, events),
    }


def sphere_gap_distribution(conn: Connection, f: Filter) -> list[dict]:
    """Sphere changes of the period by gap length, in the fixed bucket order, zeros included."""
    histogram = _gap_histogram(conn, _events(f, schema.legal_sphere_episode, "sphere"))
    out = []
    for label, low, high in GAP_BUCKETS:
        n = sum(c for gap, c in histogram if gap >= low and (high is None or gap <= high))
        out.append({"bucket": label, "count": f.suppress(n)})
    return out
