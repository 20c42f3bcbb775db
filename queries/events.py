"""What the transition figures and the derived tables are both built from (queries/transitions.py
reads them raw, queries/derived.py materialises them): the events of a person's episodes and the
spans of the case each event is attributed to; and the wall clock that dates import runs.

A lower module than both, so that neither imports the other to get them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, literal, null, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction

from . import codes, schema
from .filters import Filter
from .sqlfuncs import days_between


def now() -> datetime:
    """Local wall-clock time without microseconds (what a person reads as "Datenstand")."""
    return datetime.now().replace(microsecond=0)


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


def case_spans():
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


def episode_events(f: Filter | None, table, code: str):
    """Subquery of the period's events: person_id, event_date, from_code, to_code, gap_days.

    With f None: every event of all time, without district attribution (queries/derived.py).
    """
    t = table
    window = {"partition_by": t.c.person_id, "order_by": t.c.valid_from}
    episodes = select(
        t.c.person_id,
        t.c.valid_from,
        t.c[code].label("to_code"),
        func.lag(t.c[code]).over(**window).label("from_code"),
        func.lag(t.c.valid_to).over(**window).label("prev_to"),
    )
    if f is not None:
        # LAG only looks back, so later episodes are not needed to find the period's events.
        episodes = episodes.where(t.c.valid_from <= f.period_to)
    episodes = episodes.subquery()
    e = episodes.c
    # An open previous episode followed by a later one (or an overlap) breaks the data rules;
    # read defensively as "superseded by the next episode": no gap.
    gap = case(
        (e.prev_to.is_(None), literal(0)),
        (e.prev_to >= e.valid_from, literal(0)),
        else_=days_between(e.valid_from, e.prev_to) - 1,
    )
    conditions = [e.from_code.is_not(None), e.from_code != e.to_code]
    if f is not None:
        conditions.append(e.valid_from >= f.period_from)
    query = select(
        e.person_id,
        e.valid_from.label("event_date"),
        e.from_code,
        e.to_code,
        gap.label("gap_days"),
    )
    if f is not None and f.district is not None:
        # Exactly one span of a person with cases holds the event date; a person without any
        # case finds none and so counts only in the Kreis-wide total.
        spans = case_spans()
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


def benefit_episodes():
    """The sphere episodes that are a benefit: every sphere but KEINE (KPIS.md)."""
    t = schema.legal_sphere_episode
    return (
        select(t.c.person_id, t.c.sphere, t.c.valid_from, t.c.valid_to)
        .where(t.c.sphere != codes.NO_BENEFIT_SPHERE)
        .subquery()
    )


def benefit_changes_query(f: Filter | None):
    """Subquery of benefit changes: consecutive benefit episodes with different spheres.

    KEINE episodes in between are part of the gap, so its days are those without any benefit.
    """
    return episode_events(f, benefit_episodes(), "sphere")


def exit_changes_query(f: Filter | None):
    """Subquery of changes into KEINE with the start of the person's next benefit episode after
    them (next_benefit_from, NULL when there is none): person_id, event_date, next_benefit_from.
    """
    changes = episode_events(f, schema.legal_sphere_episode, "sphere")
    b = schema.legal_sphere_episode.alias("next_benefit")
    next_benefit = (
        select(func.min(b.c.valid_from))
        .where(
            b.c.person_id == changes.c.person_id,
            b.c.valid_from > changes.c.event_date,
            b.c.sphere != codes.NO_BENEFIT_SPHERE,
        )
        .scalar_subquery()
    )
    return (
        select(changes.c.person_id, changes.c.event_date,
               next_benefit.label("next_benefit_from"))
        .where(changes.c.to_code == codes.NO_BENEFIT_SPHERE)
        .subquery()
    )


# --- the raw row sources of the outcomes (queries/outcomes.py and queries/derived.py) ----------

NULL_REASON = "SONSTIGE"  # a case closed without a reason counts as SONSTIGE


def need_rows():
    """Subquery: every need with the district of its case and its days to resolve (or NULL)."""
    n, c, m = schema.case_need, schema.case_file, schema.municipality
    return (
        select(
            m.c.district_id,
            n.c.need,
            n.c.identified_on,
            n.c.resolved_on,
            days_between(n.c.resolved_on, n.c.identified_on).label("days"),
        )
        .select_from(n.join(c, c.c.id == n.c.case_id).join(m, m.c.ags == c.c.municipality_ags))
        .subquery()
    )


def referral_rows():
    """Subquery: every referral row with the district of its case."""
    r, c, m = schema.referral, schema.case_file, schema.municipality
    return (
        select(m.c.district_id, r.c.institution, r.c.referred_on, r.c.outcome)
        .select_from(r.join(c, c.c.id == r.c.case_id).join(m, m.c.ags == c.c.municipality_ags))
        .subquery()
    )


def closure_rows():
    """Subquery: every closed case with its district, reason (NULL as SONSTIGE) and duration."""
    c, m = schema.case_file, schema.municipality
    return (
        select(
            m.c.district_id,
            func.coalesce(c.c.close_reason, NULL_REASON).label("reason"),
            c.c.closed_on,
            days_between(c.c.closed_on, c.c.opened_on).label("days"),
        )
        .select_from(c.join(m, m.c.ags == c.c.municipality_ags))
        .where(c.c.closed_on.is_not(None))
        .subquery()
    )
