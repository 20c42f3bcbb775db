"""Residence-status transitions and legal-sphere changes (Rechtskreiswechsel) of a period (KPIS.md).

An event is a pair of consecutive episodes of one person (by valid_from) with different codes,
dated on the later valid_from. Events are attributed to a district through the person's case
with the latest opened_on not after the event date, else the person's earliest case; on the same
opened_on the smaller id (plain string order) counts as the later case.

Where they are fresh (queries/derived.py), the counts are read from status_transition_day and
sphere_change_day (events per day, attributed district and codes, built with
queries/events.py) instead of running the window over every episode; events.episode_events
stays the raw definition that builds them and answers when they are missing or stale.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, or_, select

from . import codes, derived, disclosure, schema
from .budget import ratio
from .events import benefit_changes_query, episode_events, exit_changes_query
from .filters import Filter, months_between
from .sqlfuncs import month_key

GAP_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0", 0, 0),
    ("1-7", 1, 7),
    ("8-30", 8, 30),
    ("31-90", 31, 90),
    (">90", 91, None),
)


def _flows(shown, prefix: str, counts: dict[tuple[str, str], int]) -> list[dict]:
    # Sorted in Python: plain string order, independent of the database collation.
    return [
        {"from": frm, "to": to, "count": shown((prefix, "F", frm, to), n)}
        for (frm, to), n in sorted(counts.items())
        if n > 0
    ]


def status_counts(conn: Connection, f: Filter) -> list[tuple[str, str, str, int]]:
    """(month, from, to, number) of the period's status transitions, exact (unsuppressed)."""
    if derived.fresh(conn):
        t = schema.status_transition_day
        month = month_key(t.c.event_date)
        query = (
            select(month, t.c.from_status, t.c.to_status, func.sum(t.c.n))
            .where(t.c.event_date >= f.period_from, t.c.event_date <= f.period_to)
            .group_by(month, t.c.from_status, t.c.to_status)
        )
        if f.district is not None:
            query = query.where(t.c.district_id == f.district)
    else:
        events = episode_events(f, schema.legal_status_episode, "status")
        month = month_key(events.c.event_date)
        query = select(month, events.c.from_code, events.c.to_code, func.count()).group_by(
            month, events.c.from_code, events.c.to_code
        )
    return [(key, frm, to, int(n)) for key, frm, to, n in conn.execute(query)]


def _status_by_month_and_target(conn: Connection, f: Filter) -> dict[str, dict[str, int]]:
    """Status transitions of the period counted by month and target code (unsuppressed)."""
    out: dict[str, dict[str, int]] = {}
    for key, _frm, to_code, n in status_counts(conn, f):
        row = out.setdefault(key, {})
        row[to_code] = row.get(to_code, 0) + n
    return out


def sphere_counts(conn: Connection, f: Filter) -> list[tuple[str, str, int, int]]:
    """(from, to, gap_days, number) of the period's sphere changes, exact (unsuppressed)."""
    if derived.fresh(conn):
        t = schema.sphere_change_day
        query = (
            select(t.c.from_sphere, t.c.to_sphere, t.c.gap_days, func.sum(t.c.n))
            .where(t.c.event_date >= f.period_from, t.c.event_date <= f.period_to)
            .group_by(t.c.from_sphere, t.c.to_sphere, t.c.gap_days)
        )
        if f.district is not None:
            query = query.where(t.c.district_id == f.district)
    else:
        events = episode_events(f, schema.legal_sphere_episode, "sphere")
        query = select(
            events.c.from_code, events.c.to_code, events.c.gap_days, func.count()
        ).group_by(events.c.from_code, events.c.to_code, events.c.gap_days)
    return [(frm, to, int(gap), int(n)) for frm, to, gap, n in conn.execute(query)]


def _gap_figures(shown, prefix: str, histogram: list[tuple[int, int]], share) -> dict:
    """total, seamless, seamless_share (share(seamless, total)) and median_gap_days of changes
    given as a (gap, number) histogram, as the Disclosure publishes them."""
    total = sum(n for _, n in histogram)
    seamless = sum(n for gap, n in histogram if gap == 0)
    shown_total = shown((prefix, "total"), total)
    shown_seamless = shown((prefix, "seamless"), seamless)
    # A ratio or median from a suppressed count would give that count back: the share comes
    # from both counts, the median from all changes (the total).
    share_shown = shown_total is not None and shown_seamless is not None
    return {
        "total": shown_total,
        "seamless": shown_seamless,
        "seamless_share": share(seamless, total) if share_shown else None,
        "median_gap_days": median_from_histogram(histogram) if shown_total is not None else None,
    }


def benefit_counts(conn: Connection, f: Filter) -> tuple[list[tuple[int, int]], int]:
    """(gap histogram of the period's benefit changes, number of exits), exact (unsuppressed)."""
    if derived.fresh(conn):
        t, x = schema.benefit_change_day, schema.benefit_exit_day
        changes = (
            select(t.c.gap_days, func.sum(t.c.n))
            .where(t.c.event_date >= f.period_from, t.c.event_date <= f.period_to)
            .group_by(t.c.gap_days)
        )
        exits = select(func.coalesce(func.sum(x.c.n), 0)).where(
            x.c.event_date >= f.period_from,
            x.c.event_date <= f.period_to,
            or_(x.c.next_benefit_from.is_(None), x.c.next_benefit_from > f.as_of),
        )
        if f.district is not None:
            changes = changes.where(t.c.district_id == f.district)
            exits = exits.where(x.c.district_id == f.district)
    else:
        events = benefit_changes_query(f)
        changes = select(events.c.gap_days, func.count()).group_by(events.c.gap_days)
        out = exit_changes_query(f)
        exits = select(func.count()).select_from(out).where(
            or_(out.c.next_benefit_from.is_(None), out.c.next_benefit_from > f.as_of)
        )
    histogram = sorted((int(gap), int(n)) for gap, n in conn.execute(changes))
    return histogram, int(conn.execute(exits).scalar() or 0)


def benefit_changes(conn: Connection, f: Filter) -> dict:
    """The "sphere_changes.benefit" object of KPIS.md: changes between benefit spheres (KEINE
    counts as part of the gap) and exits into KEINE without a later benefit up to as_of."""
    histogram, exits = benefit_counts(conn, f)
    shown = disclosure.for_filter(conn, f).show
    # unrounded (KPIS.md): rounding is for display only
    return {
        **_gap_figures(shown, "bn", histogram, lambda a, b: a / b if b else None),
        "exits": shown(("bn", "exits"), exits),
    }


def _gap_histogram(rows: list[tuple[str, str, int, int]]) -> list[tuple[int, int]]:
    """(gap_days, number of changes) sorted by gap: small however many changes there are."""
    by_gap: dict[int, int] = {}
    for _frm, _to, gap, n in rows:
        by_gap[gap] = by_gap.get(gap, 0) + n
    return sorted(by_gap.items())


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
    rows = status_counts(conn, f)
    by_month: dict[str, int] = {}
    flows: dict[tuple[str, str], int] = {}
    for key, frm, to, n in rows:
        by_month[key] = by_month.get(key, 0) + n
        flows[(frm, to)] = flows.get((frm, to), 0) + n
    total = sum(by_month.values())
    bleiberecht = sum(n for _k, _f, to, n in rows if to in codes.BLEIBERECHT_CODES)
    einbuergerungen = sum(n for _k, _f, to, n in rows if to == codes.EINBUERGERUNG_CODE)
    shown = disclosure.for_filter(conn, f).show
    return {
        "total": shown(("tr", "total"), total),
        "bleiberecht": shown(("tr", "bleiberecht"), bleiberecht),
        "einbuergerungen": shown(("tr", "einbuergerungen"), einbuergerungen),
        "flows": _flows(shown, "tr", flows),
        "monthly": [
            {"month": key, "count": shown(("tr", "M", key), by_month.get(key, 0))}
            for key in months_between(f.period_from, f.period_to)
        ],
        "sphere_changes": sphere_changes(conn, f),
    }


def transitions_monthly_by_kind(conn: Connection, f: Filter) -> list[dict]:
    """Bleiberecht transitions and Einbürgerungen per month of the period, zeros included."""
    by_month = _status_by_month_and_target(conn, f)
    shown = disclosure.for_filter(conn, f).show
    out = []
    for key in months_between(f.period_from, f.period_to):
        row = by_month.get(key, {})
        bleiberecht = sum(row.get(c, 0) for c in codes.BLEIBERECHT_CODES)
        out.append(
            {
                "month": key,
                "bleiberecht": shown(("tr", "bleiberecht", "M", key), bleiberecht),
                "einbuergerungen": shown(("tr", "einbuergerungen", "M", key),
                                         row.get(codes.EINBUERGERUNG_CODE, 0)),
            }
        )
    return out


def sphere_changes(conn: Connection, f: Filter) -> dict:
    """The "sphere_changes" object: total, seamless, seamless_share, median_gap_days, flows."""
    rows = sphere_counts(conn, f)
    histogram = _gap_histogram(rows)
    flows: dict[tuple[str, str], int] = {}
    for frm, to, _gap, n in rows:
        flows[(frm, to)] = flows.get((frm, to), 0) + n
    shown = disclosure.for_filter(conn, f).show
    return {
        **_gap_figures(shown, "sp", histogram, ratio),
        "flows": _flows(shown, "sp", flows),
        "benefit": benefit_changes(conn, f),
    }


def sphere_gap_distribution(conn: Connection, f: Filter) -> list[dict]:
    """Sphere changes of the period by gap length, in the fixed bucket order, zeros included."""
    histogram = _gap_histogram(sphere_counts(conn, f))
    shown = disclosure.for_filter(conn, f).show
    out = []
    for label, n in gap_buckets(histogram):
        out.append({"bucket": label, "count": shown(("sp", "B", label), n)})
    return out


def gap_buckets(histogram: list[tuple[int, int]]) -> list[tuple[str, int]]:
    """(bucket label, exact number) of a gap histogram, in the fixed bucket order."""
    return [
        (label, sum(c for gap, c in histogram if gap >= low and (high is None or gap <= high)))
        for label, low, high in GAP_BUCKETS
    ]
