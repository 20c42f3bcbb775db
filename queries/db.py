"""Settings and engines: a writing engine for the `kim` command, read-only ones for serving."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from . import schema

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "instance" / "kim.sqlite"
DEFAULT_MIN_CELL = 5
# Longest a dashboard query may run before the database cancels it.
DEFAULT_QUERY_TIMEOUT_MS = 10_000


def database_url(url: str | None = None) -> str:
    """The URL given, else the setting KIM_DATABASE_URL, else the SQLite file under instance/."""
    if url:
        return url
    env = os.environ.get("KIM_DATABASE_URL", "").strip()
    if env:
        return env
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def min_cell_setting() -> int:
    """The small-cell threshold K from KIM_MIN_CELL (default 5)."""
    raw = os.environ.get("KIM_MIN_CELL", "").strip()
    if not raw:
        return DEFAULT_MIN_CELL
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValueError(f"KIM_MIN_CELL muss eine ganze Zahl sein, nicht {raw!r}") from exc
    if value < 0:
        raise ValueError("KIM_MIN_CELL darf nicht negativ sein")
    return value


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_path(url: str) -> str | None:
    db = make_url(url).database
    return db if db and db != ":memory:" else None


def _enable_sqlite_foreign_keys(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - trivial
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def writer_engine(url: str | None = None) -> Engine:
    """An engine that may write: only `kim init`, `kim demo` and `kim import` use it."""
    url = database_url(url)
    if is_sqlite(url):
        path = _sqlite_path(url)
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        _enable_sqlite_foreign_keys(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def reader_engine(url: str | None = None, timeout_ms: int = DEFAULT_QUERY_TIMEOUT_MS) -> Engine:
    """An engine whose connections cannot write, with a time limit per statement."""
    url = database_url(url)
    if is_sqlite(url):
        path = _sqlite_path(url)
        if path is None:
            raise ValueError("Eine SQLite-Datenbank im Arbeitsspeicher kann nicht gelesen werden")
        # mode=ro: the file is opened read-only by SQLite itself; a missing file is an error,
        # never silently created.
        ro_url = f"sqlite:///file:{Path(path).resolve()}?mode=ro&uri=true"
        engine = create_engine(ro_url, pool_pre_ping=True)
        _install_sqlite_timeout(engine, timeout_ms)
        _install_sqlite_file_check(engine, Path(path).resolve())
        return engine
    options = f"-c default_transaction_read_only=on -c statement_timeout={int(timeout_ms)}"
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        connect_args={"options": options, "connect_timeout": 5},
    )


def _install_sqlite_file_check(engine: Engine, path: Path) -> None:
    """A pooled SQLite connection keeps reading the file it opened even after that file was moved
    or replaced; on checkout, a connection whose file is no longer the one at `path` is dropped,
    so a moved database shows as unavailable and a replaced one is read afresh."""
    from sqlalchemy import exc

    def identity() -> tuple[int, int] | None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        return (st.st_dev, st.st_ino)

    @event.listens_for(engine, "connect")
    def _remember(_dbapi_connection, record):
        record.info["kim_file"] = identity()

    @event.listens_for(engine, "checkout")
    def _check(_dbapi_connection, record, _proxy):
        if identity() != record.info.get("kim_file"):
            raise exc.DisconnectionError(f"SQLite file changed or missing: {path}")


def _install_sqlite_timeout(engine: Engine, timeout_ms: int) -> None:
    """SQLite has no statement_timeout: a progress handler aborts statements that run too long."""
    import time

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - trivial
        deadline_holder = {"deadline": None}

        def handler():
            deadline = deadline_holder["deadline"]
            return 1 if deadline is not None and time.monotonic() > deadline else 0

        dbapi_connection.set_progress_handler(handler, 10_000)
        # sqlite3.Connection takes no new attributes; the pool record's info dict travels with it.
        _record.info["kim_deadline"] = deadline_holder

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, _cursor, _stmt, _params, _context, _many):  # pragma: no cover - trivial
        holder = conn.connection.info.get("kim_deadline")
        if holder is not None:
            holder["deadline"] = time.monotonic() + timeout_ms / 1000


def init_db(engine: Engine) -> None:
    """Create every table and index that is missing; safe to run again (`kim init`).

    Also rebuilds the derived tables (queries/derived.py) when the latest OK import_run is not
    the one they were built for, e.g. in a database made before they existed.
    """
    from . import derived

    schema.metadata.create_all(engine, checkfirst=True)
    upgrade_columns(engine)
    # create_all skips existing tables, indexes added to them later included.
    for table in schema.metadata.sorted_tables:
        for index in table.indexes:
            index.create(engine, checkfirst=True)
    with engine.begin() as conn:
        derived.rebuild_if_stale(conn)


def upgrade_columns(engine: Engine) -> list[str]:
    """Bring tables made by an older schema up to date; returns what was changed.

    create_all skips tables that exist, so columns added to them later (`municipality.kind`,
    `import_run.exported_on`) are added here, nullable as schema.py declares them, with their
    code-list check where the database can add one with the column. On PostgreSQL a text
    column that has become longer (a municipality key of 21 instead of 8 characters) is widened;
    SQLite does not enforce lengths.
    """
    from sqlalchemy import String, inspect, text
    from sqlalchemy.schema import CheckConstraint, CreateColumn

    changes: list[str] = []
    with engine.begin() as conn:
        inspector = inspect(conn)
        quote = conn.dialect.identifier_preparer.quote
        postgres = conn.dialect.name == "postgresql"
        for table in schema.metadata.sorted_tables:
            if not inspector.has_table(table.name):
                continue
            existing = {c["name"]: c for c in inspector.get_columns(table.name)}
            for col in table.columns:
                if col.name not in existing:
                    if not col.nullable:
                        raise RuntimeError(f"{table.name}.{col.name}: cannot add a NOT NULL column")
                    ddl = str(CreateColumn(col).compile(dialect=conn.dialect))
                    checks = [
                        c for c in table.constraints
                        if isinstance(c, CheckConstraint) and c.name == f"ck_{col.name}_code"
                    ]
                    if checks:
                        ddl += f" CHECK ({checks[0].sqltext})"
                    conn.execute(text(f"ALTER TABLE {quote(table.name)} ADD COLUMN {ddl}"))
                    changes.append(f"{table.name}.{col.name} added")
                elif postgres and isinstance(col.type, String) and col.type.length:
                    have = getattr(existing[col.name]["type"], "length", None)
                    if have is not None and have < col.type.length:
                        conn.execute(text(
                            f"ALTER TABLE {quote(table.name)} ALTER COLUMN {quote(col.name)} "
                            f"TYPE VARCHAR({int(col.type.length)})"
                        ))
                        changes.append(f"{table.name}.{col.name} widened")
    return changes
