"""EXPLAIN (ANALYZE, BUFFERS) of every statement that figure functions of queries/ run, on one of
the benchmark's PostgreSQL data sets (benchmarks/datasets.py), for a few views.

    .venv/bin/python benchmarks/explain.py [--scale L] [--out FILE] [module.function ...]

Default functions: the Wirkung page's (queries/outcomes.py) and the territory's
(queries/territory.py, meta.kreis_name, meta.municipalities). Each function runs once on a
read-only connection while its statements are recorded (the derived-tables freshness check
included); each recorded statement is then explained with its parameters. Prints one line per
statement (function, view, execution ms, the plan's top node) and writes the full plans to
FILE (default benchmarks/results/explain-….txt). Statements over 300 ms are marked SLOW.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, text  # noqa: E402

from benchmarks import datasets  # noqa: E402
from queries import db, meta  # noqa: E402
from queries.filters import PROGRAMME_START, Filter  # noqa: E402

DEFAULT_FUNCTIONS = [
    "queries.outcomes.needs", "queries.outcomes.referrals",
    "queries.outcomes.referrals_by_district",
    "queries.outcomes.closures", "queries.outcomes.closures_by_district", "queries.outcomes.trend",
    "queries.territory.read", "queries.meta.kreis_name", "queries.meta.municipalities",
]
SLOW_MS = 300


def resolve(name: str):
    module_name, attr = name.rsplit(".", 1)
    return getattr(__import__(module_name, fromlist=[attr]), attr)


def views(until: date, district: str) -> list[tuple[str, Filter]]:
    year = Filter(date(until.year, 1, 1), until)
    since = Filter(PROGRAMME_START, until)
    quarter = Filter(date(until.year - 1, 10, 1), date(until.year - 1, 12, 31))
    last365 = Filter(until - timedelta(days=364), until)
    return [("this year", year), ("since start", since), ("a quarter", quarter),
            ("last 365 days", last365), (f"this year, {district}", year.with_district(district)),
            (f"since start, {district}", since.with_district(district))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=["S", "L"], default="L")
    parser.add_argument("--out", default=None)
    parser.add_argument("functions", nargs="*", default=DEFAULT_FUNCTIONS)
    args = parser.parse_args(argv)
    ds = datasets.ensure(args.scale, "postgresql")
    out_path = Path(args.out) if args.out else (
        ROOT / "benchmarks" / "results" / f"explain-{datetime.now():%Y%m%d-%H%M%S}.txt")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    engine = db.reader_engine(ds.url, timeout_ms=600_000)
    recorded: list = []

    @event.listens_for(engine, "before_cursor_execute")
    def _record(conn, cursor, statement, parameters, context, executemany):
        recorded.append((statement, parameters))

    lines, slow = [], 0
    with engine.connect() as conn, out_path.open("w") as full:
        district = meta.districts(conn)[0]["id"]
        for name in args.functions:
            fn = resolve(name)
            takes_filter = name.split(".")[1] in ("outcomes",) or name.endswith("caseload")
            cases = views(ds.until, district) if takes_filter else [("", None)]
            if name.endswith("municipalities"):
                cases = [("all", None), (district, district)]
            for label, arg in cases:
                recorded.clear()
                fn(conn) if arg is None else fn(conn, arg)
                statements = list(recorded)
                recorded.clear()
                for statement, parameters in statements:
                    plan = [row[0] for row in conn.exec_driver_sql(
                        "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)]
                    ms = next((float(p.split(":")[1].split()[0]) for p in plan
                               if p.strip().startswith("Execution Time")), None)
                    mark = " SLOW" if ms is not None and ms > SLOW_MS else ""
                    slow += bool(mark)
                    top = plan[0].split("  (")[0].strip()
                    short = " ".join(statement.split())[:90]
                    lines.append(f"{name.removeprefix('queries.')} [{label}] {ms:.1f} ms{mark}"
                                 f" – {top} – {short}")
                    full.write(f"== {name} [{label}] {ms} ms{mark}\n{statement}\n"
                               f"{parameters}\n" + "\n".join(plan) + "\n\n")
        conn.execute(text("SELECT 1"))
    engine.dispose()
    print("\n".join(lines))
    print(f"\n{len(lines)} statements, {slow} over {SLOW_MS} ms; plans in {out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
