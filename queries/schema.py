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


district = Table(
    "district",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", Text, nullable=False),
)

municipality = Table(
    "municipality",
    metadata,
    Column("ags", String(8), primary_key=True),
    Column("name", Text, nullable=False),
    Column("district_id", ID, _fk("district.id"), nullable=False, index=True),
    Column("population", Integer, nullable=False),
    CheckConstraint("population >= 0", name="ck_population_nonneg"),
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
    Column("municipality_ags", String(8), _fk("municipality.ags"), nullable=False),
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
    _in("outcome", codes.IMPORT_OUTCOMES),
)

# The tables of DATA_MODEL.md in an order in which every reference points backwards:
# load in this order, delete in the reverse.
DATA_TABLES: tuple[Table, ...] = (
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
