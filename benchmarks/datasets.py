"""The benchmark's data sets: S (the default demo) and L (`kim demo --persons 500000`), on SQLite
and PostgreSQL, generated once and reused until queries/demo.py changes.

SQLite files live in instance/bench/, PostgreSQL databases are `kim_bench_s` / `kim_bench_l` on
the machine's server (KIM_BENCH_POSTGRES_URL, else KIM_TEST_POSTGRES_URL, else
postgresql+psycopg://postgres@127.0.0.1:5432/test as the admin connection). Beside each data set
a small JSON file records what it was built from (hash of demo.py, persons, seed, until): a
different hash, or a missing file, means "generate again".
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "instance" / "bench"
KIM = str(Path(sys.executable).parent / "kim")  # the environment this runs in (make bench: .venv)
PERSONS = {"S": 2000, "L": 500_000}
SEED = 2020
DEFAULT_PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class Dataset:
    scale: str
    backend: str
    url: str
    until: date
    persons: int
    generated_seconds: float | None  # None: reused from an earlier run


def demo_hash() -> str:
    return hashlib.sha256((ROOT / "queries" / "demo.py").read_bytes()).hexdigest()[:16]


def pg_admin_url() -> str:
    return (
        os.environ.get("KIM_BENCH_POSTGRES_URL", "").strip()
        or os.environ.get("KIM_TEST_POSTGRES_URL", "").strip()
        or DEFAULT_PG_ADMIN
    )


def pg_url(database: str) -> str:
    return make_url(pg_admin_url()).set(database=database).render_as_string(hide_password=False)


def recreate_pg_database(name: str) -> str:
    """Drop and create an empty PostgreSQL database `name` (a fixed bench name, never input)."""
    admin = create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                 "WHERE datname = :n AND pid <> pg_backend_pid()"),
            {"n": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return pg_url(name)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure(scale: str, backend: str, until: date | None = None) -> Dataset:
    """The data set, generated with `kim demo` (under nice) when missing or out of date."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    persons = PERSONS[scale]
    name = f"kim_bench_{scale.lower()}"
    marker = BENCH_DIR / f"{name}-{backend}.json"
    url = (f"sqlite:///{BENCH_DIR / (name + '.sqlite')}" if backend == "sqlite" else pg_url(name))
    wanted = {"demo": demo_hash(), "persons": persons, "seed": SEED}
    if marker.exists():
        info = json.loads(marker.read_text())
        if all(info.get(k) == v for k, v in wanted.items()):
            return Dataset(scale, backend, url, date.fromisoformat(info["until"]), persons, None)
    until = until or date.today()
    _say(f"[bench] generating {scale} on {backend}: kim demo --persons {persons} (once) …")
    if backend == "sqlite":
        path = BENCH_DIR / (name + ".sqlite")
        path.unlink(missing_ok=True)
    else:
        recreate_pg_database(name)
    marker.unlink(missing_ok=True)
    started = time.perf_counter()
    subprocess.run(
        ["nice", "-n", "10", KIM, "demo", "--database", url, "--persons", str(persons),
         "--seed", str(SEED), "--until", until.isoformat()],
        check=True, stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    if backend == "postgresql":
        # Fresh bulk-loaded tables: planner statistics as a running server would have them.
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
        engine.dispose()
    marker.write_text(json.dumps({**wanted, "until": until.isoformat(),
                                  "generated_seconds": round(seconds, 1)}))
    _say(f"[bench] {scale} on {backend} generated in {seconds:.0f} s")
    return Dataset(scale, backend, url, until, persons, seconds)


if __name__ == "__main__":  # pragma: no cover - `python benchmarks/datasets.py L sqlite`
    sys.path.insert(0, str(ROOT))
    ds = ensure(sys.argv[1], sys.argv[2])
    print(ds)
