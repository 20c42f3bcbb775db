"""The `import_run` record: every import and every demo generation leaves exactly one row."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, insert, select

from . import derived, schema
from .events import now  # noqa: F401 - re-exported: importer, demo and tests date runs with it


def record_run(
    conn: Connection,
    *,
    started_at: datetime,
    source: str,
    outcome: str,
    files: dict,
    message: str | None = None,
    finished_at: datetime | None = None,
    exported_on: date | None = None,
) -> int:
    """Insert one import_run row and return its id.

    An OK run also rebuilds the derived tables (queries/derived.py) in the same transaction, so
    the figures never read derived rows of an older data state.
    """
    result = conn.execute(
        insert(schema.import_run)
        .values(
            started_at=started_at,
            finished_at=finished_at or now(),
            source=source,
            outcome=outcome,
            files=files,
            message=message,
            exported_on=exported_on,
        )
        .returning(schema.import_run.c.id)
    )
    run_id = int(result.scalar_one())
    if outcome == "OK":
        derived.rebuild(conn, run_id)
    return run_id


def data_as_of(conn: Connection) -> date | None:
    """The day the latest OK import_run finished (KPIS.md `data_as_of`), None when there is none."""
    t = schema.import_run
    finished = conn.execute(
        select(t.c.finished_at).where(t.c.outcome == "OK").order_by(t.c.id.desc()).limit(1)
    ).scalar_one_or_none()
    return finished.date() if finished is not None else None


def datenstand(conn: Connection) -> date | None:
    """The "Datenstand" the dashboard shows (DATA_MODEL.md): the latest OK import_run's
    `exported_on` where given, else the day it finished; None when there is none."""
    t = schema.import_run
    row = conn.execute(
        select(t.c.finished_at, t.c.exported_on)
        .where(t.c.outcome == "OK").order_by(t.c.id.desc()).limit(1)
    ).first()
    if row is None:
        return None
    return row.exported_on or row.finished_at.date()
