"""Derived tables: the expensive parts of the figures computed once per data state.

The tables (documented in queries/schema.py) are filled from the data tables by `rebuild`, in the
transaction that records an OK import_run (queries/runs.record_run: `kim import`, `kim demo`), so
readers never see new data with old derived rows; `kim init` (db.init_db) rebuilds them when they
are missing or out of date. They are built with the very SQL building blocks of the raw
definitions (events.episode_events, events.case_spans), and tests/test_derived.py checks that
every figure gives the same numbers from them as from the raw definitions.

`fresh(conn)` says whether the figures may read them: derived_state must name the latest OK
import_run and the current DERIVATION. Anything else (an old database without these tables, a
database filled by other means without an import_run, an older derivation) makes the figures
compute the raw definitions instead: slower at state scale, never wrong.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Connection,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    case,
    delete,
    func,
    insert,
    inspect,
    literal,
    select,
    union_all,
)

from . import schema
from .events import (
    benefit_changes_query,
    case_spans,
    closure_rows,
    episode_events,
    exit_changes_query,
    need_rows,
    now,
    referral_rows,
)
from .sqlfuncs import month_start

# Raise when what the derived tables hold (or how) changes: older ones are then rebuilt.
DERIVATION = 3

_temp = MetaData()
_span = Table(
    "kim_tmp_case_span",
    _temp,
    Column("person_id", String(64)),
    Column("district_id", String(64)),
    Column("span_from", Date),
    Column("span_to", Date),
    prefixes=["TEMPORARY"],
)
_status_event = Table(
    "kim_tmp_status_event",
    _temp,
    Column("person_id", String(64)),
    Column("event_date", Date),
    Column("from_code", String(16)),
    Column("to_code", String(16)),
    Column("district_id", String(64)),
    prefixes=["TEMPORARY"],
)
_open_from = Table(
    "kim_tmp_open_from",
    _temp,
    Column("person_id", String(64), primary_key=True),
    Column("open_from", Date),
    prefixes=["TEMPORARY"],
)
_TEMP_TABLES = [_span, _status_event, _open_from]


def latest_ok_run(conn: Connection) -> int | None:
    t = schema.import_run
    return conn.execute(select(func.max(t.c.id)).where(t.c.outcome == "OK")).scalar()


# A connection whose owner knows it reads one unchanging state (the dashboard's read-only
# connection of one request) carries a dict under this key in conn.info: fresh() then looks
# once per request instead of once per figure (three queries each time).
FRESH_MEMO = "kim_fresh_memo"


def fresh(conn: Connection) -> bool:
    """True when the derived tables hold the data of the latest OK import_run."""
    memo = conn.info.get(FRESH_MEMO)
    if memo is not None and "fresh" in memo:
        return memo["fresh"]
    state = _state(conn)
    value = state is not None and state == (latest_ok_run(conn), DERIVATION)
    if memo is not None:
        memo["fresh"] = value
    return value


def _state(conn: Connection) -> tuple[int, int] | None:
    if not inspect(conn).has_table(schema.derived_state.name):
        return None
    row = conn.execute(
        select(schema.derived_state.c.import_run_id, schema.derived_state.c.derivation).where(
            schema.derived_state.c.id == 1
        )
    ).first()
    return None if row is None else (int(row[0]), int(row[1]))


def rebuild_if_stale(conn: Connection) -> bool:
    """Rebuild when there is an OK import_run the derived tables do not reflect; True if rebuilt."""
    run_id = latest_ok_run(conn)
    if run_id is None:
        return False
    if _state(conn) == (run_id, DERIVATION):
        return False
    rebuild(conn, run_id)
    return True


def rebuild(conn: Connection, run_id: int) -> None:
    """Empty and refill every derived table from the data tables, in the caller's transaction."""

    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        # The window scans read millions of rows through their primary-key index; with SQLite's
        # default 2 MB page cache every row lookup would go back to the file.
        previous_cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        conn.exec_driver_sql("PRAGMA cache_size = -262144")
    try:
        _rebuild(conn, run_id)
    finally:
        if sqlite:
            conn.exec_driver_sql(f"PRAGMA cache_size = {int(previous_cache)}")


def _rebuild(conn: Connection, run_id: int) -> None:
    for table in schema.DERIVED_TABLES:
        conn.execute(delete(table))
    conn.execute(delete(schema.derived_state))

    _fill_counts(conn)
    _fill_case_day(conn)
    _fill_outcomes(conn)

    # Attribution spans of every case, indexed by person: one lookup per event.
    _temp.create_all(conn, tables=_TEMP_TABLES, checkfirst=False)
    try:
        spans = case_spans()
        conn.execute(insert(_span).from_select(
            ["person_id", "district_id", "span_from", "span_to"],
            select(spans.c.person_id, spans.c.district_id, spans.c.span_from, spans.c.span_to),
        ))
        conn.exec_driver_sql(
            "CREATE INDEX kim_tmp_case_span_person ON kim_tmp_case_span (person_id, span_from)"
        )
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE kim_tmp_case_span")

        status = _attributed(episode_events(None, schema.legal_status_episode, "status"))
        conn.execute(insert(_status_event).from_select(
            ["person_id", "event_date", "from_code", "to_code", "district_id"],
            select(status.c.person_id, status.c.event_date, status.c.from_code,
                   status.c.to_code, status.c.district_id),
        ))
        ev = _status_event.c
        n = func.count().label("n")
        conn.execute(insert(schema.status_transition_day).from_select(
            ["event_date", "district_id", "from_status", "to_status", "n"],
            select(ev.event_date, ev.district_id, ev.from_code, ev.to_code, n).group_by(
                ev.event_date, ev.district_id, ev.from_code, ev.to_code
            ),
        ))
        per = schema.person.c
        conn.execute(insert(schema.transition_before_arrival).from_select(
            ["person_id", "event_date"],
            select(ev.person_id, ev.event_date)
            .select_from(_status_event.join(schema.person, per.id == ev.person_id))
            .where(per.arrival_date.is_not(None), ev.event_date < per.arrival_date),
        ))

        sphere = _attributed(episode_events(None, schema.legal_sphere_episode, "sphere"))
        conn.execute(insert(schema.sphere_change_day).from_select(
            ["event_date", "district_id", "from_sphere", "to_sphere", "gap_days", "n"],
            select(sphere.c.event_date, sphere.c.district_id, sphere.c.from_code,
                   sphere.c.to_code, sphere.c.gap_days, func.count()).group_by(
                sphere.c.event_date, sphere.c.district_id, sphere.c.from_code,
                sphere.c.to_code, sphere.c.gap_days,
            ),
        ))
        benefit = _attributed(benefit_changes_query(None))
        conn.execute(insert(schema.benefit_change_day).from_select(
            ["event_date", "district_id", "gap_days", "n"],
            select(benefit.c.event_date, benefit.c.district_id, benefit.c.gap_days,
                   func.count()).group_by(
                benefit.c.event_date, benefit.c.district_id, benefit.c.gap_days,
            ),
        ))
        exits = _attributed(exit_changes_query(None))
        conn.execute(insert(schema.benefit_exit_day).from_select(
            ["event_date", "district_id", "next_benefit_from", "n"],
            select(exits.c.event_date, exits.c.district_id, exits.c.next_benefit_from,
                   func.count()).group_by(
                exits.c.event_date, exits.c.district_id, exits.c.next_benefit_from,
            ),
        ))
        _fill_stale_candidates(conn)
    finally:
        _temp.drop_all(conn, tables=_TEMP_TABLES, checkfirst=False)
    conn.execute(insert(schema.derived_state).values(
        id=1, import_run_id=run_id, derivation=DERIVATION, built_at=now()
    ))


def _attributed(events):
    """The events with the district of the case they are attributed to (NULL: no case)."""
    sp = _span.c
    return (
        select(events, sp.district_id)
        .select_from(
            events.outerjoin(
                _span,
                (sp.person_id == events.c.person_id)
                & (sp.span_from.is_(None) | (sp.span_from <= events.c.event_date))
                & (sp.span_to.is_(None) | (events.c.event_date < sp.span_to)),
            )
        )
        .subquery()
    )


def _fill_counts(conn: Connection) -> None:
    rows = conn.execute(select(*(
        select(func.count()).select_from(t).scalar_subquery().label(t.name)
        for t in schema.DATA_TABLES
    ))).one()
    conn.execute(insert(schema.derived_table_count), [
        {"table_name": t.name, "n": int(rows._mapping[t.name])} for t in schema.DATA_TABLES
    ])


def _fill_case_day(conn: Connection) -> None:
    c = schema.case_file.c
    one, zero = literal(1, Integer), literal(0, Integer)
    ev = union_all(
        select(c.opened_on.label("day"), c.municipality_ags, c.staff_id,
               one.label("opened"), zero.label("closed")),
        select(c.closed_on.label("day"), c.municipality_ags, c.staff_id,
               zero.label("opened"), one.label("closed")).where(c.closed_on.is_not(None)),
    ).subquery()
    conn.execute(insert(schema.case_day).from_select(
        ["day", "municipality_ags", "staff_id", "opened", "closed"],
        select(ev.c.day, ev.c.municipality_ags, ev.c.staff_id, func.sum(ev.c.opened),
               func.sum(ev.c.closed)).group_by(ev.c.day, ev.c.municipality_ags, ev.c.staff_id),
    ))
    d = schema.case_day.c
    by_month = select(
        month_start(d.day).label("month_start"), d.municipality_ags, d.staff_id, d.opened,
        d.closed,
    ).subquery()
    m = by_month.c
    conn.execute(insert(schema.case_month).from_select(
        ["month_start", "municipality_ags", "staff_id", "opened", "closed"],
        select(m.month_start, m.municipality_ags, m.staff_id, func.sum(m.opened),
               func.sum(m.closed)).group_by(m.month_start, m.municipality_ags, m.staff_id),
    ))


def _fill_outcomes(conn: Connection) -> None:
    """need_day, need_resolution_day, closure_day and referral_day, from the raw definitions'
    row sources (queries/events.py), so the two paths count the same rows."""

    one, zero = literal(1, Integer), literal(0, Integer)
    needs = need_rows()
    ev = union_all(
        select(needs.c.identified_on.label("day"), needs.c.district_id, needs.c.need,
               one.label("identified"), zero.label("resolved")),
        select(needs.c.resolved_on.label("day"), needs.c.district_id, needs.c.need,
               zero.label("identified"), one.label("resolved"))
        .where(needs.c.resolved_on.is_not(None)),
    ).subquery()
    conn.execute(insert(schema.need_day).from_select(
        ["day", "district_id", "need", "identified", "resolved"],
        select(ev.c.day, ev.c.district_id, ev.c.need, func.sum(ev.c.identified),
               func.sum(ev.c.resolved)).group_by(ev.c.day, ev.c.district_id, ev.c.need),
    ))
    conn.execute(insert(schema.need_resolution_day).from_select(
        ["resolved_on", "district_id", "need", "days", "n"],
        select(needs.c.resolved_on, needs.c.district_id, needs.c.need, needs.c.days,
               func.count())
        .where(needs.c.resolved_on.is_not(None))
        .group_by(needs.c.resolved_on, needs.c.district_id, needs.c.need, needs.c.days),
    ))
    closed = closure_rows()
    conn.execute(insert(schema.closure_day).from_select(
        ["closed_on", "district_id", "close_reason", "days", "n"],
        select(closed.c.closed_on, closed.c.district_id, closed.c.reason, closed.c.days,
               func.count())
        .group_by(closed.c.closed_on, closed.c.district_id, closed.c.reason, closed.c.days),
    ))
    refs = referral_rows()
    conn.execute(insert(schema.referral_day).from_select(
        ["referred_on", "district_id", "institution", "outcome", "n"],
        select(refs.c.referred_on, refs.c.district_id, refs.c.institution, refs.c.outcome,
               func.count())
        .group_by(refs.c.referred_on, refs.c.district_id, refs.c.institution, refs.c.outcome),
    ))


def _fill_stale_candidates(conn: Connection) -> None:
    c = schema.case_file.c
    per_day = (
        select(
            c.person_id,
            c.opened_on,
            func.max(case((c.closed_on.is_(None), 1), else_=0)).label("has_open"),
            func.max(c.closed_on).label("max_closed"),
        )
        .group_by(c.person_id, c.opened_on)
        .subquery()
    )
    # opened_on is unique per person here, so the default frame (up to the current row) is the
    # prefix of the person's cases opened on or before this day.
    window = {"partition_by": per_day.c.person_id, "order_by": per_day.c.opened_on}
    prefix = select(
        per_day.c.person_id,
        per_day.c.opened_on,
        func.lead(per_day.c.opened_on).over(**window).label("next_opened_on"),
        func.max(per_day.c.has_open).over(**window).label("any_open"),
        func.max(per_day.c.max_closed).over(**window).label("closed_max"),
    ).subquery()
    st, sp = schema.legal_status_episode.c, schema.legal_sphere_episode.c
    open_eps = union_all(
        select(st.person_id, st.valid_from).where(st.valid_to.is_(None)),
        select(sp.person_id, sp.valid_from).where(sp.valid_to.is_(None)),
    ).subquery()
    # Materialised with a key: SQLite would join two unindexed subqueries row by row.
    conn.execute(insert(_open_from).from_select(
        ["person_id", "open_from"],
        select(open_eps.c.person_id, func.min(open_eps.c.valid_from)).group_by(
            open_eps.c.person_id
        ),
    ))
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE kim_tmp_open_from")
    of = _open_from.c
    conn.execute(insert(schema.stale_candidate).from_select(
        ["person_id", "opened_on", "next_opened_on", "closed_max", "open_episode_from"],
        select(prefix.c.person_id, prefix.c.opened_on, prefix.c.next_opened_on,
               prefix.c.closed_max, of.open_from)
        .select_from(prefix.join(_open_from, of.person_id == prefix.c.person_id))
        .where(prefix.c.any_open == 0),
    ))
