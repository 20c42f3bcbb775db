"""Shared fixtures: fresh databases on SQLite and on the machine's PostgreSQL.

PostgreSQL tests use KIM_TEST_POSTGRES_URL, or try the machine's default
postgresql+psycopg://postgres@127.0.0.1:5432/test. Where neither answers they skip with a
message; under CI=true they fail instead, because CI must run them.
"""

from __future__ import annotations

import contextlib
import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from queries import db, demo, schema

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _unavailable(message: str):
    if IN_CI:
        pytest.fail(f"{message} (CI=true: these tests must run, not skip)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    url = os.environ.get("KIM_TEST_POSTGRES_URL", "").strip() or DEFAULT_PG_URL
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        _unavailable(
            f"PostgreSQL not reachable at {make_url(url).render_as_string(hide_password=True)} "
            f"({type(exc).__name__}). Start it (pg_ctlcluster --skip-systemctl-redirect 15 main "
            "start) or set KIM_TEST_POSTGRES_URL to enable the PostgreSQL tests."
        )
    return url


@pytest.fixture(scope="session")
def postgres_database(postgres_admin_url):
    """A database of its own for this test session, dropped at the end."""
    name = f"kim_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """The URL of a fresh, empty, initialised database: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'kim.sqlite'}"
        engine = db.writer_engine(url)
        db.init_db(engine)
        engine.dispose()
        yield url
        return
    url = request.getfixturevalue("postgres_database")
    engine = db.writer_engine(url)
    schema.metadata.drop_all(engine)
    db.init_db(engine)
    engine.dispose()
    yield url


@pytest.fixture
def engine(db_url):
    """A writing engine on the fresh database (for building fixtures in code)."""
    eng = db.writer_engine(db_url)
    yield eng
    eng.dispose()


def make_demo_db(url: str, *, persons: int, seed: int, until) -> str:
    """Initialise the database at `url` and fill it with `kim demo` data; returns the URL."""
    engine = db.writer_engine(url)
    db.init_db(engine)
    demo.generate(engine, persons=persons, seed=seed, until=until)
    engine.dispose()
    return url


@contextlib.contextmanager
def served(app):
    """A request to `app` (a Dash app) with its before_request hooks run, so it has a role as
    in the browser (KIM_AUTH none: verwaltung). Outside a request there is no role at all."""
    server = app.server
    with server.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        refused = server.preprocess_request()
        assert refused is None, refused.get_data(as_text=True)
        yield
