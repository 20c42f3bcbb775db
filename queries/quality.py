"""Data-quality warnings for the Datenstand page: each check defined once, counted by the database.

Every check takes the reference day `as_of` and looks at the data as it stood on that day:
cases opened, bookings booked and transitions dated after `as_of` are left out. Each returns

    {"key", "title", "description", "subject", "count", "examples"}

where `count` is the exact number of offending records (the page decides what to suppress),
`examples` the first ten of their identifiers in plain string order, and `subject` says what the
identifiers are (`case`, `person`, `booking`, `position`): case and person pseudonyms may be
shown only to the roles allowed to see them, booking numbers and position ids to everyone.

stale_open_episodes and transitions_before_arrival read the derived tables stale_candidate and
transition_before_arrival where they are fresh (queries/derived.py); the raw definitions below
answer otherwise and are what tests/test_derived.py compares them with.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import (
    Connection,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
)

from . import derived, schema
from .filters import shift_years

MAX_EXAMPLES = 10
# "More than six months" without staff: no staff on any of the last 183 days up to as_of,
# both ends counted. 183 days is the shortest whole number of days longer than half a year
# (365 / 2 = 182.5), so a post vacant for exactly six calendar months of 181–184 days is
# judged the same way in every season.
VACANCY_DAYS = 183


def _summary(
    conn: Connection,
    *,
    key: str,
    title: str,
    description: str,
    subject: str,
    ids: Select,
) -> dict:
    """Count the distinct ids `ids` selects (one column named `id`) and list the first ten."""
    sub = ids.subquery()
    # Plain string order on both databases: a PostgreSQL with a de_DE collation would
    # otherwise order pseudonyms differently from SQLite and pick other examples.
    order = sub.c.id.collate("C") if conn.dialect.name == "postgresql" else sub.c.id
    # One pass: COUNT(*) OVER () is taken over all rows before LIMIT keeps the first ten.
    rows = conn.execute(
        select(sub.c.id, func.count().over().label("n")).order_by(order).limit(MAX_EXAMPLES)
    ).all()
    count = rows[0].n if rows else 0
    examples = [r.id for r in rows]
    return {
        "key": key,
        "title": title,
        "description": description,
        "subject": subject,
        "count": int(count),
        "examples": [str(e) for e in examples],
    }


def _case_active_on(day: date):
    c = schema.case_file.c
    return and_(c.opened_on <= day, or_(c.closed_on.is_(None), c.closed_on > day))


def cases_without_case_manager(conn: Connection, as_of: date) -> dict:
    """Cases active on `as_of` (DATA_MODEL.md "active") whose `staff_id` is NULL.

    The same cases the caseload drill-down lists as "ohne Case Manager".
    """
    c = schema.case_file.c
    ids = (
        select(c.id.label("id"))
        .where(c.staff_id.is_(None), _case_active_on(as_of))
        .distinct()
    )
    return _summary(
        conn,
        key="case_without_case_manager",
        title="Offene Fälle ohne Case Manager",
        description="Am Stichtag laufende Fälle, denen kein Case Manager zugeordnet ist.",
        subject="case",
        ids=ids,
    )


def cases_with_inactive_case_manager(conn: Connection, as_of: date) -> dict:
    """Cases active on `as_of` whose case manager is not active on `as_of`.

    The staff member has left (`active_to` before `as_of`) or has not started yet
    (`active_from` after `as_of`): in practice nobody looks after the case, but the caseload
    drill-down still files it under that person, so the warning says so.
    """
    c = schema.case_file.c
    s = schema.staff.c
    # The few inactive staff first, then their cases through ix_case_file_staff_dates.
    inactive = select(s.id).where(
        or_(s.active_from > as_of, and_(s.active_to.is_not(None), s.active_to < as_of))
    )
    ids = (
        select(c.id.label("id"))
        .where(c.staff_id.in_(inactive), _case_active_on(as_of))
        .distinct()
    )
    return _summary(
        conn,
        key="case_with_inactive_case_manager",
        title="Offene Fälle bei nicht aktivem Case Manager",
        description=(
            "Am Stichtag laufende Fälle, deren Case Manager an diesem Tag nicht (mehr) "
            "beschäftigt ist."
        ),
        subject="case",
        ids=ids,
    )


def stale_open_episodes(conn: Connection, as_of: date) -> dict:
    """Persons whose last case closed more than a year before `as_of` and who still have an
    open-ended status or sphere episode.

    Precisely: the person has at least one case opened on or before `as_of`; none of those is
    active on `as_of`; the latest `closed_on` among them is before the same calendar day one
    year earlier (closed on 2024-06-29 counts for as_of 2025-06-30, closed on 2024-06-30 does
    not); and a `legal_status_episode` or `legal_sphere_episode` of the person with
    `valid_from <= as_of` has `valid_to` NULL. Nobody keeps such an episode up to date any
    more, so the status and sphere figures silently carry it forward.
    """
    c = schema.case_file.c
    cutoff = shift_years(as_of, -1)
    if derived.fresh(conn):
        # Of the person's rows, the one whose cases opened up to as_of are exactly those opened
        # on or before as_of (opened_on <= as_of < next_opened_on) is the one to judge.
        sc = schema.stale_candidate.c
        ids = (
            select(sc.person_id.label("id"))
            .where(
                sc.closed_max < cutoff,
                sc.opened_on <= as_of,
                or_(sc.next_opened_on.is_(None), sc.next_opened_on > as_of),
                sc.open_episode_from <= as_of,
            )
            .distinct()
        )
        return _stale_summary(conn, ids)
    def open_episode(table):
        """An episode of the case's person begun by `as_of` that has no end date."""
        return exists(
            select(literal(1)).select_from(table).where(
                table.c.person_id == c.person_id,
                table.c.valid_to.is_(None),
                table.c.valid_from <= as_of,
            )
        )

    still_active = case((or_(c.closed_on.is_(None), c.closed_on > as_of), 1), else_=0)
    ids = (
        select(c.person_id.label("id"))
        .where(c.opened_on <= as_of, or_(open_episode(schema.legal_status_episode),
                                          open_episode(schema.legal_sphere_episode)))
        .group_by(c.person_id)
        .having(and_(func.sum(still_active) == 0, func.max(c.closed_on) < cutoff))
    )
    return _stale_summary(conn, ids)


def _stale_summary(conn: Connection, ids: Select) -> dict:
    return _summary(
        conn,
        key="stale_open_episode",
        title="Offene Status- oder Rechtskreisepisode lange nach Fallende",
        description=(
            "Personen, deren letzter Fall vor mehr als einem Jahr endete, die aber noch einen "
            "offenen Aufenthaltsstatus oder Rechtskreis ohne Enddatum haben."
        ),
        subject="person",
        ids=ids,
    )


def bookings_without_allocation(conn: Connection, as_of: date) -> dict:
    """Ledger entries (either kind) booked on or before `as_of` for a (year, module) that has
    no `budget_allocation` row at all, in any category or source.

    Such bookings count as spent but have nothing to be measured against, so utilisation and
    the plan gap of that module are missing or wrong.
    """
    le = schema.ledger_entry.c
    ba = schema.budget_allocation.c
    allocated = select(literal(1)).where(ba.year == le.year, ba.module == le.module)
    ids = select(le.id.label("id")).where(le.booked_on <= as_of, ~exists(allocated)).distinct()
    return _summary(
        conn,
        key="booking_without_allocation",
        title="Buchungen ohne Bewilligung",
        description=(
            "Buchungen auf ein Modul und Haushaltsjahr, für die keine Bewilligung erfasst ist."
        ),
        subject="booking",
        ids=ids,
    )


def vacant_positions(conn: Connection, as_of: date) -> dict:
    """Funded positions approved throughout the last `VACANCY_DAYS` days up to `as_of`
    (`approved_from <= as_of - 182 days`, `approved_to` NULL or `>= as_of`) with no staff
    member active on any of those days (`active_from <= as_of` and `active_to` NULL or
    `>= as_of - 182 days`).

    A position approved only recently is not yet overdue; a partly filled one is not vacant.
    An unfilled funded post is money the Kreis will likely have to pay back.
    """
    p = schema.funded_position.c
    s = schema.staff.c
    window_start = as_of - timedelta(days=VACANCY_DAYS - 1)
    staffed = select(literal(1)).where(
        s.position_id == p.id,
        s.active_from <= as_of,
        or_(s.active_to.is_(None), s.active_to >= window_start),
    )
    ids = select(p.id.label("id")).where(
        p.approved_from <= window_start,
        or_(p.approved_to.is_(None), p.approved_to >= as_of),
        ~exists(staffed),
    )
    return _summary(
        conn,
        key="vacant_position",
        title="Bewilligte Stellen seit über sechs Monaten unbesetzt",
        description=(
            f"Am Stichtag bewilligte Stellen, auf denen an keinem der letzten {VACANCY_DAYS} "
            "Tage jemand beschäftigt war."
        ),
        subject="position",
        ids=ids,
    )


def transitions_before_arrival(conn: Connection, as_of: date) -> dict:
    """Persons with a status transition (DATA_MODEL.md: consecutive episodes by `valid_from`
    with different codes, dated on the later `valid_from`) dated on or before `as_of` and
    before the person's `arrival_date`.

    A residence status can change only after arrival; an earlier date means the arrival date or
    the status history is wrong. Persons without an arrival date are not checked; a renewal
    (same code) is not a transition and is not checked either.
    """
    if derived.fresh(conn):
        tb = schema.transition_before_arrival.c
        ids = select(tb.person_id.label("id")).where(tb.event_date <= as_of).distinct()
        return _before_arrival_summary(conn, ids)
    e = schema.legal_status_episode.c
    ordered = select(
        e.person_id,
        e.status,
        e.valid_from,
        func.lag(e.status).over(partition_by=e.person_id, order_by=e.valid_from).label("previous"),
    ).subquery()
    per = schema.person.c
    ids = (
        select(ordered.c.person_id.label("id"))
        .select_from(ordered.join(schema.person, per.id == ordered.c.person_id))
        .where(
            ordered.c.previous.is_not(None),
            ordered.c.previous != ordered.c.status,
            ordered.c.valid_from <= as_of,
            per.arrival_date.is_not(None),
            ordered.c.valid_from < per.arrival_date,
        )
        .distinct()
    )
    return _before_arrival_summary(conn, ids)


def _before_arrival_summary(conn: Connection, ids: Select) -> dict:
    return _summary(
        conn,
        key="transition_before_arrival",
        title="Statuswechsel vor der Einreise",
        description=(
            "Personen mit einem Wechsel des Aufenthaltsstatus, der vor ihrem Einreisedatum liegt."
        ),
        subject="person",
        ids=ids,
    )


# The order the Datenstand page lists them in: case work first, then persons' histories,
# then money and posts, then plausibility of dates.
CHECKS = (
    cases_without_case_manager,
    cases_with_inactive_case_manager,
    stale_open_episodes,
    bookings_without_allocation,
    vacant_positions,
    transitions_before_arrival,
)


def quality_warnings(conn: Connection, as_of: date) -> list[dict]:
    """Every data-quality check for reference day `as_of`, in the fixed order of `CHECKS`."""
    return [check(conn, as_of) for check in CHECKS]
