"""The tables of DATA_MODEL.md in SQLAlchemy Core: code lists enforced, indexes for the figures."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from . import codes

metadata = MetaData()

ID = String(64)
# A municipality key: an 8-digit AGS (`05558012`) or a Stadtteil key, the city's AGS, "-" and a
# local key of up to 12 characters (`05315000-101`): at most 21 characters.
MUNICIPALITY_KEY = String(21)


def _fk(target: str) -> ForeignKey:
    # Deferred to commit: an import replaces a parent table inside one transaction while
    # child rows that are not part of the import keep pointing at keys it re-inserts.
    return ForeignKey(target, deferrable=True, initially="DEFERRED")


def _in(column: str, values, nullable: bool = False) -> CheckConstraint:
    quoted = ", ".join(f"'{v}'" for v in values)  # constants from codes.py, never user input
    expr = f"{column} IN ({quoted})"
    if nullable:
        expr = f"{column} IS NULL OR {expr}"
    return CheckConstraint(expr, name=f"ck_{column}_code")


# The Kreis or kreisfreie Stadt itself (optional, at most one row; the importer enforces that).
territory = Table(
    "territory",
    metadata,
    Column("ags", String(8), primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("started_on", Date, nullable=True),
    _in("kind", codes.TERRITORY_KINDS),
)

district = Table(
    "district",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", Text, nullable=False),
)

municipality = Table(
    "municipality",
    metadata,
    Column("ags", MUNICIPALITY_KEY, primary_key=True),
    Column("name", Text, nullable=False),
    Column("district_id", ID, _fk("district.id"), nullable=False, index=True),
    Column("population", Integer, nullable=False),
    # GEMEINDE (also when NULL) or STADTTEIL; the UI names the level after it.
    Column("kind", String(10), nullable=True),
    CheckConstraint("population >= 0", name="ck_population_nonneg"),
    _in("kind", codes.MUNICIPALITY_KINDS, nullable=True),
)

funded_position = Table(
    "funded_position",
    metadata,
    Column("id", ID, primary_key=True),
    Column("module", String(3), nullable=False),
    Column("role", String(20), nullable=False),
    Column("fte_approved", Numeric(4, 2, asdecimal=False), nullable=False),
    Column("approved_from", Date, nullable=False),
    Column("approved_to", Date, nullable=True),
    _in("module", codes.MODULES),
    _in("role", codes.ROLES),
    CheckConstraint(
        "approved_to IS NULL OR approved_to >= approved_from", name="ck_position_dates"
    ),
)

staff = Table(
    "staff",
    metadata,
    Column("id", ID, primary_key=True),
    Column("position_id", ID, _fk("funded_position.id"), nullable=False, index=True),
    Column("district_id", ID, _fk("district.id"), nullable=True, index=True),
    Column("fte", Numeric(4, 2, asdecimal=False), nullable=False),
    Column("active_from", Date, nullable=False),
    Column("active_to", Date, nullable=True),
    CheckConstraint("active_to IS NULL OR active_to >= active_from", name="ck_staff_dates"),
)

person = Table(
    "person",
    metadata,
    Column("id", ID, primary_key=True),
    Column("birth_year", Integer, nullable=False),
    Column("sex", String(1), nullable=False),
    Column("citizenship", String(3), nullable=False),
    Column("arrival_date", Date, nullable=True),
    _in("sex", codes.SEXES),
)

case_file = Table(
    "case_file",
    metadata,
    Column("id", ID, primary_key=True),
    Column("person_id", ID, _fk("person.id"), nullable=False),
    Column("municipality_ags", MUNICIPALITY_KEY, _fk("municipality.ags"), nullable=False),
    Column("staff_id", ID, _fk("staff.id"), nullable=True),
    Column("opened_on", Date, nullable=False),
    Column("closed_on", Date, nullable=True),
    Column("close_reason", String(16), nullable=True),
    _in("close_reason", codes.CLOSE_REASONS, nullable=True),
    CheckConstraint("closed_on IS NULL OR closed_on >= opened_on", name="ck_case_dates"),
    Index("ix_case_file_person_opened", "person_id", "opened_on"),
    Index("ix_case_file_municipality_opened", "municipality_ags", "opened_on"),
    Index("ix_case_file_opened", "opened_on"),
    Index("ix_case_file_closed", "closed_on"),
    Index("ix_case_file_staff", "staff_id"),
    # Cases of given case managers that are active on a day, without reading the table rows.
    Index("ix_case_file_staff_dates", "staff_id", "opened_on", "closed_on", "id"),
    # Closed cases of a period by reason and duration (Wirkung), read from the index alone.
    Index("ix_case_file_closed_reason", "closed_on", "close_reason", "opened_on",
          "municipality_ags"),
)

case_need = Table(
    "case_need",
    metadata,
    Column("case_id", ID, _fk("case_file.id"), nullable=False),
    Column("need", String(16), nullable=False),
    Column("identified_on", Date, nullable=False),
    Column("resolved_on", Date, nullable=True),
    PrimaryKeyConstraint("case_id", "need", "identified_on", name="pk_case_need"),
    _in("need", codes.NEEDS),
    CheckConstraint("resolved_on IS NULL OR resolved_on >= identified_on", name="ck_need_dates"),
    # The raw definitions of the Wirkung figures (queries/outcomes.py) select by these dates.
    Index("ix_case_need_identified", "identified_on", "need", "case_id"),
    Index("ix_case_need_resolved", "resolved_on", "need", "identified_on", "case_id"),
)

referral = Table(
    "referral",
    metadata,
    Column("case_id", ID, _fk("case_file.id"), nullable=False, index=True),
    Column("institution", String(16), nullable=False),
    Column("referred_on", Date, nullable=False),
    Column("outcome", String(16), nullable=True),
    _in("institution", codes.INSTITUTIONS),
    _in("outcome", codes.REFERRAL_OUTCOMES, nullable=True),
    Index("ix_referral_referred", "referred_on", "institution", "outcome", "case_id"),
)

legal_status_episode = Table(
    "legal_status_episode",
    metadata,
    Column("person_id", ID, _fk("person.id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=True),
    PrimaryKeyConstraint("person_id", "valid_from", name="pk_legal_status_episode"),
    _in("status", codes.STATUS_CODES),
    CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="ck_status_dates"),
    Index("ix_legal_status_episode_from", "valid_from"),
)

legal_sphere_episode = Table(
    "legal_sphere_episode",
    metadata,
    Column("person_id", ID, _fk("person.id"), nullable=False),
    Column("sphere", String(16), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=True),
    PrimaryKeyConstraint("person_id", "valid_from", name="pk_legal_sphere_episode"),
    _in("sphere", codes.SPHERES),
    CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="ck_sphere_dates"),
    Index("ix_legal_sphere_episode_from", "valid_from"),
)

budget_allocation = Table(
    "budget_allocation",
    metadata,
    Column("year", Integer, nullable=False),
    Column("module", String(3), nullable=False),
    Column("category", String(16), nullable=False),
    Column("source", String(16), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    PrimaryKeyConstraint("year", "module", "category", "source", name="pk_budget_allocation"),
    _in("module", codes.MODULES),
    _in("category", codes.CATEGORIES),
    _in("source", codes.SOURCES),
)

ledger_entry = Table(
    "ledger_entry",
    metadata,
    Column("id", ID, primary_key=True),
    Column("booked_on", Date, nullable=False),
    Column("year", Integer, nullable=False),
    Column("module", String(3), nullable=False),
    Column("category", String(16), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("text", Text, nullable=True),
    _in("module", codes.MODULES),
    _in("category", codes.CATEGORIES),
    _in("kind", codes.LEDGER_KINDS),
    Index("ix_ledger_entry_year_module", "year", "module", "kind", "booked_on"),
)

import_run = Table(
    "import_run",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime, nullable=True),
    Column("source", Text, nullable=False),
    Column("outcome", String(8), nullable=False),
    Column("files", JSON, nullable=False),
    Column("message", Text, nullable=True),
    # The day the source system's export was taken (`kim import --exported-on`), NULL: not given.
    Column("exported_on", Date, nullable=True),
    _in("outcome", codes.IMPORT_OUTCOMES),
)

# The tables of DATA_MODEL.md in an order in which every reference points backwards:
# load in this order, delete in the reverse.
DATA_TABLES: tuple[Table, ...] = (
    territory,
    district,
    municipality,
    funded_position,
    staff,
    person,
    case_file,
    case_need,
    referral,
    legal_status_episode,
    legal_sphere_episode,
    budget_allocation,
    ledger_entry,
)
TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in DATA_TABLES}

# --- Derived tables ----------------------------------------------------------------------------
# Internal to KIM-Cockpit, not part of DATA_MODEL.md: never exported, never imported, no foreign
# keys (an import truncates the data tables freely). queries/derived.py fills them from the data
# tables in the transaction that records an OK import_run (`kim import`, `kim demo`) and in
# `kim init` when they are missing or out of date. A figure reads them only while
# `derived_state` says they were built for the latest OK import_run by the current derivation
# (derived.DERIVATION); otherwise it computes the raw definition from the data tables, so a
# database made before they existed, or one without any import_run, still gives the same numbers.

derived_state = Table(
    "derived_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # always 1
    Column("import_run_id", Integer, nullable=False),  # the latest OK run when they were built
    Column("derivation", Integer, nullable=False),  # derived.DERIVATION at build time
    Column("built_at", DateTime, nullable=False),
)

# Row count of every data table when the derived tables were built (the Datenstand page).
derived_table_count = Table(
    "derived_table_count",
    metadata,
    Column("table_name", String(64), primary_key=True),
    Column("n", BigInteger, nullable=False),
)

# Cases opened and closed per day, municipality and case manager: case_file grouped by
# (opened_on, municipality_ags, staff_id) with opened = count, plus by (closed_on, …) with
# closed = count. active(D) = sum(opened, day <= D) - sum(closed, day <= D).
case_day = Table(
    "case_day",
    metadata,
    Column("day", Date, nullable=False),
    Column("municipality_ags", MUNICIPALITY_KEY, nullable=False),
    Column("staff_id", ID, nullable=True),
    Column("opened", Integer, nullable=False),
    Column("closed", Integer, nullable=False),
    Index("ix_case_day", "day", "municipality_ags", "staff_id", "opened", "closed"),
    Index("ix_case_day_ags", "municipality_ags", "day"),
)

# The same per calendar month (month_start = the month's first day): a sum over a period takes
# whole months from here and only the days of its first and last month from case_day.
case_month = Table(
    "case_month",
    metadata,
    Column("month_start", Date, nullable=False),
    Column("municipality_ags", MUNICIPALITY_KEY, nullable=False),
    Column("staff_id", ID, nullable=True),
    Column("opened", Integer, nullable=False),
    Column("closed", Integer, nullable=False),
    Index("ix_case_month", "month_start", "municipality_ags", "staff_id", "opened", "closed"),
)

# Status transitions (DATA_MODEL.md) per day, attributed district (KPIS.md; NULL for a person
# without any case) and (from, to): n = number of transitions.
status_transition_day = Table(
    "status_transition_day",
    metadata,
    Column("event_date", Date, nullable=False),
    Column("district_id", ID, nullable=True),
    Column("from_status", String(16), nullable=False),
    Column("to_status", String(16), nullable=False),
    Column("n", Integer, nullable=False),
    Index("ix_status_transition_day", "event_date", "district_id", "from_status", "to_status",
          "n"),
)

# Legal-sphere changes per day, attributed district, (from, to) and gap in days.
sphere_change_day = Table(
    "sphere_change_day",
    metadata,
    Column("event_date", Date, nullable=False),
    Column("district_id", ID, nullable=True),
    Column("from_sphere", String(16), nullable=False),
    Column("to_sphere", String(16), nullable=False),
    Column("gap_days", Integer, nullable=False),
    Column("n", Integer, nullable=False),
    Index("ix_sphere_change_day", "event_date", "district_id", "from_sphere", "to_sphere",
          "gap_days", "n"),
)

# Needs (case_need) per day, district of the case and need code: identified = needs identified
# that day, resolved = needs resolved that day. open(D) = sum(identified, day <= D) -
# sum(resolved, day <= D) (a need is resolved on or after it was identified).
need_day = Table(
    "need_day",
    metadata,
    Column("day", Date, nullable=False),
    Column("district_id", ID, nullable=False),
    Column("need", String(16), nullable=False),
    Column("identified", Integer, nullable=False),
    Column("resolved", Integer, nullable=False),
    Index("ix_need_day", "day", "district_id", "need", "identified", "resolved"),
)

# Needs resolved per day, district and need by days taken (resolved_on - identified_on): the
# distribution the median days to resolve is read from.
need_resolution_day = Table(
    "need_resolution_day",
    metadata,
    Column("resolved_on", Date, nullable=False),
    Column("district_id", ID, nullable=False),
    Column("need", String(16), nullable=False),
    Column("days", Integer, nullable=False),
    Column("n", Integer, nullable=False),
    Index("ix_need_resolution_day", "resolved_on", "district_id", "need", "days", "n"),
    # In the GROUP BY order of the histograms (queries/outcomes.py): a long period is read
    # already grouped instead of sorted (SQLite, 500,000 persons: 1.2 s -> 0.3 s since start).
    Index("ix_need_resolution_day_groups", "district_id", "need", "days", "resolved_on", "n"),
)

# Referral rows per day, district of the case, institution and outcome (NULL kept as NULL).
referral_day = Table(
    "referral_day",
    metadata,
    Column("referred_on", Date, nullable=False),
    Column("district_id", ID, nullable=False),
    Column("institution", String(16), nullable=False),
    Column("outcome", String(16), nullable=True),
    Column("n", Integer, nullable=False),
    Index("ix_referral_day", "referred_on", "district_id", "institution", "outcome", "n"),
)

# Cases closed per day, district and reason (NULL as SONSTIGE) by duration in days
# (closed_on - opened_on): closures, goal share and the median duration.
closure_day = Table(
    "closure_day",
    metadata,
    Column("closed_on", Date, nullable=False),
    Column("district_id", ID, nullable=False),
    Column("close_reason", String(16), nullable=False),
    Column("days", Integer, nullable=False),
    Column("n", Integer, nullable=False),
    Index("ix_closure_day", "closed_on", "district_id", "close_reason", "days", "n"),
    Index("ix_closure_day_groups", "district_id", "close_reason", "days", "closed_on", "n"),
)

# Benefit changes (KPIS.md sphere_changes.benefit) per day: pairs of consecutive non-KEINE sphere
# episodes with different spheres, attributed district and gap in benefit-free days.
benefit_change_day = Table(
    "benefit_change_day",
    metadata,
    Column("event_date", Date, nullable=False),
    Column("district_id", ID, nullable=True),
    Column("gap_days", Integer, nullable=False),
    Column("n", Integer, nullable=False),
    Index("ix_benefit_change_day", "event_date", "district_id", "gap_days", "n"),
)

# Changes into KEINE per day with the valid_from of the person's next benefit (non-KEINE)
# episode after it (NULL: none): an exit up to as_of when that is NULL or later than as_of.
benefit_exit_day = Table(
    "benefit_exit_day",
    metadata,
    Column("event_date", Date, nullable=False),
    Column("district_id", ID, nullable=True),
    Column("next_benefit_from", Date, nullable=True),
    Column("n", Integer, nullable=False),
    Index("ix_benefit_exit_day", "event_date", "district_id", "next_benefit_from", "n"),
)

# Status transitions dated before the person's arrival_date (quality check), one row each.
transition_before_arrival = Table(
    "transition_before_arrival",
    metadata,
    Column("person_id", ID, nullable=False),
    Column("event_date", Date, nullable=False),
    Index("ix_transition_before_arrival", "event_date", "person_id"),
)

# For the quality check "stale open episode": one row per person and distinct opened_on of the
# person's cases, kept only when every case opened up to that day is closed and the person has
# an open-ended status or sphere episode. closed_max = latest closed_on of those cases,
# next_opened_on = the person's next later opened_on (NULL: none), open_episode_from = earliest
# valid_from of the person's open-ended episodes.
stale_candidate = Table(
    "stale_candidate",
    metadata,
    Column("person_id", ID, nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("next_opened_on", Date, nullable=True),
    Column("closed_max", Date, nullable=False),
    Column("open_episode_from", Date, nullable=False),
    Index("ix_stale_candidate", "closed_max", "opened_on"),
)

# Emptied and refilled together, in this order.
DERIVED_TABLES: tuple[Table, ...] = (
    derived_table_count,
    case_day,
    case_month,
    status_transition_day,
    sphere_change_day,
    need_day,
    need_resolution_day,
    referral_day,
    closure_day,
    benefit_change_day,
    benefit_exit_day,
    transition_before_arrival,
    stale_candidate,
)
