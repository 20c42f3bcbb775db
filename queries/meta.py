"""Reference data and housekeeping: districts, municipalities, the Kreis's name, import history.

`import_runs` returns `started_at`/`finished_at` as `datetime` (the dashboard formats them in
German) and `files` as the stored JSON object.
"""

from __future__ import annotations

import os

from sqlalchemy import Connection, func, select

from . import codes, derived, schema
from .runs import data_as_of, datenstand  # noqa: F401 - re-exported for the figure modules

__all__ = [
    "districts",
    "district_exists",
    "municipalities",
    "kreis_name",
    "import_runs",
    "table_counts",
    "data_as_of",
    "datenstand",
]

# What the dashboard calls the area when neither the setting nor the AGS names it.
FALLBACK_KREIS_NAME = "Kreis"


def districts(conn: Connection) -> list[dict]:
    """Every district as {"id", "name"}, sorted by id."""
    t = schema.district
    rows = conn.execute(select(t.c.id, t.c.name).order_by(t.c.id))
    return [{"id": r.id, "name": r.name} for r in rows]


def district_exists(conn: Connection, district_id: str) -> bool:
    t = schema.district
    found = conn.execute(select(t.c.id).where(t.c.id == district_id)).first()
    return found is not None


def municipalities(conn: Connection, district_id: str | None = None) -> list[dict]:
    """Municipalities (all, or one district's) as {"ags","name","district_id","population"}."""
    t = schema.municipality
    query = select(t.c.ags, t.c.name, t.c.district_id, t.c.population).order_by(t.c.ags)
    if district_id is not None:
        query = query.where(t.c.district_id == district_id)
    return [
        {"ags": r.ags, "name": r.name, "district_id": r.district_id, "population": r.population}
        for r in conn.execute(query)
    ]


def kreis_name(conn: Connection) -> str:
    """The setting KIM_KREIS_NAME, else the NRW Kreis of the most frequent AGS prefix, else "Kreis".

    The first five digits of an AGS name the Kreis; the most frequent one wins so that a stray
    municipality from a neighbouring Kreis (a data-entry slip) does not rename the dashboard.
    Ties go to the smaller prefix, so the answer never depends on the database's row order.
    """
    configured = os.environ.get("KIM_KREIS_NAME", "").strip()
    if configured:
        return configured
    # The prefix is computed in a subquery and grouped by its column: PostgreSQL does not
    # recognise two copies of substr(ags, $1, $2) with separate parameters as the same expression.
    prefixes = select(func.substr(schema.municipality.c.ags, 1, 5).label("prefix")).subquery()
    n = func.count().label("n")
    top = conn.execute(
        select(prefixes.c.prefix, n)
        .group_by(prefixes.c.prefix)
        .order_by(n.desc(), prefixes.c.prefix)
        .limit(1)
    ).first()
    if top is None:
        return FALLBACK_KREIS_NAME
    return codes.NRW_KREISE.get(top.prefix, FALLBACK_KREIS_NAME)


def import_runs(conn: Connection, limit: int = 50) -> list[dict]:
    """The latest `limit` import_run rows, newest first."""
    t = schema.import_run
    rows = conn.execute(
        select(t.c.id, t.c.started_at, t.c.finished_at, t.c.source, t.c.outcome, t.c.files,
               t.c.message, t.c.exported_on)
        .order_by(t.c.id.desc())
        .limit(max(0, int(limit)))
    )
    return [
        {
            "id": r.id,
            "started_at": r.started_at,
            "finished_at": r.finished_at,
            "source": r.source,
            "outcome": r.outcome,
            "files": r.files,
            "message": r.message,
            "exported_on": r.exported_on,
        }
        for r in rows
    ]


def table_counts(conn: Connection) -> dict[str, int]:
    """Row count of every data table (in load order) and of import_run, in one round trip."""
    if derived.fresh(conn):
        # Counted when the derived tables were built for the latest OK import; import_run
        # itself changes with every refused import too, so it is counted now.
        t = schema.derived_table_count
        counts = {name: int(n) for name, n in conn.execute(select(t.c.table_name, t.c.n))}
        if all(tb.name in counts for tb in schema.DATA_TABLES):
            runs = conn.execute(select(func.count()).select_from(schema.import_run)).scalar_one()
            return {
                **{tb.name: counts[tb.name] for tb in schema.DATA_TABLES},
                "import_run": int(runs),
            }
    tables = (*schema.DATA_TABLES, schema.import_run)
    query = select(
        *(select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables)
    )
    row = conn.execute(query).one()
    return {t.name: int(row._mapping[t.name]) for t in tables}
