"""The dashboard's only bridge to queries/: runs figure functions read-only, caches their results,
and turns an unreachable database into one exception the pages show as a German banner.

Usage from a page:
    data.call(caseload.caseload, f)                  # -> the plain dict of queries/caseload.py
    data.call(caseload.caseload_by_staff, f, "NORD") # extra positional args are part of the key

Cache (setting KIM_CACHE, or create_app(cache_config=...)):
    "filesystem"  files under KIM_CACHE_DIR (default instance/cache): shared by every gunicorn
                  worker on the machine without a server (default)
    "simple"      in-process cache (one process alone; tests)
    "null"        no cache
    "redis://…"   Redis, shared by the workers of several machines (needs the `redis` package)
A cache key is (function, filter, extra args, data version), the data version being the id and
start time of the latest import_run: a new import or demo generation shows on the next request
without any explicit invalidation, also from a cache that outlives a restart. A cache that fails
(Redis down, disk full) is bypassed, not fatal.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import flask
from flask_caching import Cache
from sqlalchemy import Connection
from sqlalchemy import exc as sa_exc

from queries import db, derived, disclosure, meta
from queries import territory as territory_data
from queries.filters import Filter

from . import security

log = logging.getLogger(__name__)

# Cached results live this long at most (seconds); the data version invalidates them earlier.
CACHE_TIMEOUT = 6 * 3600
CACHE_KEY_PREFIX = "kim:"
DEFAULT_CACHE_DIR = db.PROJECT_ROOT / "instance" / "cache"
# Files in the query cache before the oldest are pruned (a result is typically 1–50 KB).
FILE_THRESHOLD = 5000

UNAVAILABLE_MESSAGE = (
    "Die Datenbank ist gerade nicht erreichbar. Die Zahlen erscheinen wieder, sobald sie "
    "erreichbar ist – bitte laden Sie die Seite in einigen Minuten neu."
)
TIMEOUT_MESSAGE = (
    "Die Datenbank hat nicht rechtzeitig geantwortet. Bitte versuchen Sie es gleich noch einmal "
    "oder wählen Sie einen kürzeren Zeitraum."
)


# Which figure a role may see is decided by the section that shows it (dashboard/sections.py:
# each Section names its permission, pages theirs); here every read needs an authenticated role
# at all (outside a request there is none: the command line reads queries/ directly).
READ_PERMISSION = "aggregates"
QUALITY_WARNINGS = "queries.quality.quality_warnings"
# Quality-warning subjects whose example identifiers are pseudonyms of people or their cases.
PSEUDONYM_SUBJECTS = frozenset({"case", "person"})


class DataUnavailable(Exception):
    """The database cannot answer right now; str(exc) is a German message for the banner."""

    def __init__(self, message: str = UNAVAILABLE_MESSAGE):
        super().__init__(message)


def cache_config(setting: str | None = None) -> dict:
    """Flask-Caching config for a KIM_CACHE value ("filesystem", "simple", "null" or a redis://
    URL; empty: filesystem). The filesystem cache keeps the query results in
    KIM_CACHE_DIR/queries (dashboard/response_cache.py puts the responses beside it)."""
    value = (setting if setting is not None else os.environ.get("KIM_CACHE", "")).strip()
    if value in ("", "filesystem"):
        folder = os.environ.get("KIM_CACHE_DIR", "").strip() or str(DEFAULT_CACHE_DIR)
        return {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(Path(folder) / "queries"),
                "CACHE_DEFAULT_TIMEOUT": CACHE_TIMEOUT, "CACHE_THRESHOLD": FILE_THRESHOLD}
    if value == "simple":
        return {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": CACHE_TIMEOUT,
                "CACHE_THRESHOLD": 2000}
    if value == "null":
        return {"CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": True}
    if value.startswith(("redis://", "rediss://", "unix://")):
        return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": value,
                "CACHE_DEFAULT_TIMEOUT": CACHE_TIMEOUT, "CACHE_KEY_PREFIX": CACHE_KEY_PREFIX}
    raise ValueError(
        f"KIM_CACHE muss 'filesystem', 'simple', 'null' oder eine redis://-URL sein, "
        f"nicht {value!r}"
    )


def _is_timeout(error: sa_exc.DBAPIError) -> bool:
    # PostgreSQL: statement_timeout (SQLSTATE 57014); SQLite: our progress handler interrupts.
    orig = error.orig
    return getattr(orig, "sqlstate", None) == "57014" or "interrupted" in str(orig).lower()


class Data:
    """Read-only access to one database for one app, with a cache in front."""

    def __init__(
        self,
        database_url: str | None,
        *,
        min_cell: int,
        cache: Cache,
        today: date | None = None,
    ):
        self.database_url = db.database_url(database_url)
        self.min_cell = min_cell
        self.cache = cache
        self._today = today
        self._engine = None

    # -- reference day -------------------------------------------------------------------
    def today(self) -> date:
        """The day the default period ends: fixed in tests, otherwise today at each request (a
        server that runs for weeks must not keep the day it started)."""
        return self._today or date.today()

    # -- connections ---------------------------------------------------------------------
    @property
    def engine(self):
        if self._engine is None:
            self._engine = db.reader_engine(self.database_url)
        return self._engine

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        """The request's read-only connection: one per request, so that a page computing ten
        figures checks one connection out of the pool (PostgreSQL: one liveness check and one
        rollback, about 0.6 ms, instead of ten). Outside an app context, one per call. A
        connection whose statement failed is closed at once; the next call takes a new one."""
        holder = flask.g if flask.has_app_context() else None
        if holder is None:
            with self.engine.connect() as conn:
                conn.info.pop(derived.FRESH_MEMO, None)
                yield conn
            return
        conn = holder.get("kim_connection")
        if conn is None:
            conn = self.engine.connect()
            # The request's freshness of the derived tables, looked up once (queries/derived.py);
            # conn.info outlives the checkout, so each request starts a new memo.
            conn.info[derived.FRESH_MEMO] = {}
            # One Disclosure per filter (queries/disclosure.py), from the cache every worker
            # shares: a figure function asks for it, the first request of a filter computes it.
            conn.info[disclosure.PROVIDER] = self.disclosure
            holder.kim_connection = conn
        try:
            yield conn
        except BaseException:
            holder.pop("kim_connection", None)
            _close(conn)
            raise

    def close_connection(self, _exc: BaseException | None = None) -> None:
        """Return the request's connection to the pool (Flask's teardown_appcontext)."""
        conn = flask.g.pop("kim_connection", None) if flask.has_app_context() else None
        if conn is not None:
            _close(conn)

    def _run(self, fn: Callable[..., Any], *args) -> Any:
        """fn(conn, *args) in a read-only connection; database failures become DataUnavailable."""
        try:
            with self._connection() as conn:
                return fn(conn, *args)
        except sa_exc.DBAPIError as exc:
            if not exc.connection_invalidated and _is_timeout(exc):
                log.warning("query timed out in %s", getattr(fn, "__name__", fn))
                raise DataUnavailable(TIMEOUT_MESSAGE) from exc
            if isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError)):
                log.warning("database unavailable: %s", exc.orig)
                # Drop pooled connections: the next request reconnects once the database is back.
                self.engine.dispose()
                raise DataUnavailable() from exc
            raise
        except (sa_exc.DisconnectionError, sa_exc.TimeoutError) as exc:
            log.warning("database unavailable: %s", exc)
            self.engine.dispose()
            raise DataUnavailable() from exc

    # -- data version --------------------------------------------------------------------
    def version(self) -> str:
        """Id and start of the latest import_run ("0" when there is none; the start tells a
        regenerated database from the old one with the same ids); looked up once per request,
        because it is part of every cache key. (A refused import also moves it on: that only
        costs one recomputation.)"""
        holder = flask.g if flask.has_app_context() else None
        if holder is not None and "kim_data_version" in holder:
            return holder.kim_data_version
        value = self._run(_latest_run_id)
        if holder is not None:
            holder.kim_data_version = value
        return value

    # -- figure functions ----------------------------------------------------------------
    def call(self, fn: Callable[..., Any], f: Filter | None = None, *args) -> Any:
        """fn(conn, f, *args) (or fn(conn, *args) when f is None), cached.

        Raises security.AccessDenied when there is no authenticated role (before the cache is
        asked, so a cached result cannot leak either)."""
        security.require(READ_PERMISSION)
        key = self._key(fn, f, args)
        # Within one request a result is taken once (the router's lookups, a View read by a
        # callback, two sections on one query) without asking the cache again.
        memo = flask.g.setdefault("kim_memo", {}) if flask.has_app_context() else {}
        if key in memo:
            return _redact(fn, memo[key])
        hit = self._cache_get(key)
        if hit is not None:
            memo[key] = hit[0]
            return _redact(fn, hit[0])
        call_args = args if f is None else (f, *args)
        value = self._run(fn, *call_args)
        self._cache_set(key, (value,))
        memo[key] = value
        return _redact(fn, value)

    def _key(self, fn: Callable[..., Any], f: Filter | None, args: tuple) -> str:
        name = f"{fn.__module__}.{fn.__qualname__}"
        parts = [name, repr(f), repr(args), f"v{self.version()}", self.database_url]
        digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]
        return f"{fn.__name__}:{digest}"

    def _cache_get(self, key: str):
        try:
            return self.cache.get(key)
        except Exception:  # noqa: BLE001 - a broken cache must not take the dashboard down
            log.warning("cache read failed; computing without cache", exc_info=True)
            return None

    def _cache_set(self, key: str, value) -> None:
        try:
            self.cache.set(key, value)
        except Exception:  # noqa: BLE001
            log.warning("cache write failed", exc_info=True)

    def disclosure(self, f: Filter) -> disclosure.Disclosure:
        """Which counts of filter f are hidden (primary and secondary suppression), cached like
        a figure: every figure function of the request publishes its counts through it."""
        return self.call(disclosure.compute, f)

    # -- reference data used by the shell ------------------------------------------------
    def districts(self) -> list[dict]:
        return self.call(meta.districts)

    def municipality_districts(self) -> dict[str, str | None]:
        """AGS -> district id of every Gemeinde (to validate the URL's `gemeinde`)."""
        return {m["ags"]: m["district_id"] for m in self.call(meta.municipalities)}

    def kreis_name(self) -> str:
        return self.territory().name

    def territory(self) -> territory_data.Territory:
        """The Kreis or Stadt with its level words, read once per data state (cached)."""
        return self.call(territory_data.read)

    def datenstand(self) -> date | None:
        """The day the header shows as "Datenstand" (exported_on where given, DATA_MODEL.md)."""
        return self.call(meta.datenstand)

    def data_as_of(self) -> date | None:
        return self.call(meta.data_as_of)


def _close(conn: Connection) -> None:
    """Back to the pool without the request's memo (conn.info stays with the pooled connection)."""
    try:
        conn.info.pop(derived.FRESH_MEMO, None)
        conn.info.pop(disclosure.PROVIDER, None)
    except Exception:  # noqa: BLE001 - an invalidated connection: its info goes with it
        pass
    conn.close()


def _redact(fn: Callable[..., Any], value: Any) -> Any:
    """The result as the current role may see it: the pseudonyms named in quality warnings only
    with the "pseudonyms" permission (the cached value keeps them, a copy goes out)."""
    if f"{fn.__module__}.{fn.__qualname__}" != QUALITY_WARNINGS or security.can("pseudonyms"):
        return value
    return [{**w, "examples": []} if w["subject"] in PSEUDONYM_SUBJECTS else w for w in value]


def _latest_run_id(conn: Connection) -> str:
    latest = meta.import_runs(conn, limit=1)
    return f"{latest[0]['id']}@{latest[0]['started_at'].isoformat()}" if latest else "0"
