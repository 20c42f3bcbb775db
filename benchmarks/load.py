"""Load test (issue 7): gunicorn with 4 workers and the Redis cache, 50 concurrent users for 60 s
of mixed page loads and filter changes on loopback; passes only with zero errors.

    .venv/bin/python benchmarks/load.py [--users 50] [--seconds 60] [--workers 4]
        [--redis redis://127.0.0.1:6379/0] [--database sqlite:///…]

Without --database it generates the demo data set (`kim demo`, 2,000 persons) in a temporary
folder. The server runs as in production (README "Running in production"): `gunicorn -w 4
app:server` with KIM_AUTH=header behind a "proxy" at 127.0.0.1 (every request carries the
single-sign-on headers), KIM_CACHE on Redis. Each user (a thread with its own HTTP session)
loops until the time is up, choosing at random:
  - a page load (30 %): the HTML page, /_dash-layout, /_dash-dependencies and the router
    callback for a random page and view (year × Bezirk), as dash-renderer does;
  - a filter change (70 %): the filter-bar callback (another Bezirk) and the router callback for
    the new view, on the page the user is on;
then waits `--think` seconds on average (default 0: back-to-back, the worst case).
Loops are bounded by time and by a cap on requests per user; traffic goes to 127.0.0.1 only.
Prints requests per second, p50/p95/max latency per kind and the error count (exit 1 on errors).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
HOST = "127.0.0.1"  # never anything but loopback
PAGES = ("/", "/fallzahlen", "/budget", "/statuswechsel", "/wirkung", "/daten")
DISTRICTS = (None, "NORD", "MITTE", "SUED")
YEARS = (2022, 2023, 2024, 2025)
MAX_REQUESTS_PER_USER = 20_000
SSO = {"X-Remote-User": "last", "X-Remote-Groups": "KIM-VW"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def demo_database(folder: Path) -> str:
    from queries import db, demo

    url = f"sqlite:///{folder / 'kim.sqlite'}"
    engine = db.writer_engine(url)
    db.init_db(engine)
    demo.generate(engine, persons=2000, seed=2020)
    engine.dispose()
    return url


class Gunicorn:
    def __init__(self, database_url: str, redis_url: str, workers: int, log: Path):
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        env = {**os.environ, "KIM_DATABASE_URL": database_url, "KIM_CACHE": redis_url,
               "KIM_AUTH": "header", "KIM_TRUSTED_PROXIES": HOST,
               "KIM_ROLE_GROUPS": "verwaltung=KIM-VW", "PYTHONPATH": str(ROOT)}
        self.log = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [GUNICORN, "--no-control-socket", "-w", str(workers), "-b", f"{HOST}:{self.port}",
             "--chdir", str(ROOT), "app:server"],
            env=env, stdout=self.log, stderr=self.log,
        )
        deadline = time.monotonic() + 120
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn ended at start; see {log}")
            try:
                if requests.get(self.base + "/", headers=SSO, timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("gunicorn did not answer within 120 s")
            time.sleep(0.3)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


def _props(spec: str):
    parts = spec[2:-2].split("...") if spec.startswith("..") else [spec]
    props = [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in parts]
    return props if spec.startswith("..") else props[0]


def search_for(year: int, district: str | None) -> str:
    query = f"?von={year}-01-01&bis={year}-12-31"
    return query + (f"&bezirk={district}" if district else "")


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.times[kind].append(seconds)
            if error:
                self.errors.append(f"{kind}: {error}")


class User(threading.Thread):
    def __init__(self, base: str, deps: list[dict], stats: Stats, until: float, seed: int,
                 think: float):
        super().__init__(daemon=True)
        self.base, self.stats, self.until, self.think = base, stats, until, think
        self.rng = random.Random(seed)
        self.session = requests.Session()
        self.session.headers.update(SSO)
        self.router = next(d for d in deps if "kim-page.children" in d["output"])
        self.filterbar = next(d for d in deps if any(i["id"] == "filter-district"
                                                     for i in d["inputs"]))
        self.page, self.year, self.district = "/", 2025, None

    def request(self, kind: str, method: str, path: str, **kw) -> requests.Response | None:
        started = time.perf_counter()
        error = None
        response = None
        try:
            response = self.session.request(method, self.base + path, timeout=60, **kw)
            if response.status_code not in (200, 204):
                error = f"{path} {response.status_code}"
            elif "Traceback" in response.text:
                error = f"{path} traceback"
        except requests.RequestException as exc:
            error = f"{path} {type(exc).__name__}"
        self.stats.add(kind, time.perf_counter() - started, error)
        return response

    def route(self, kind: str) -> None:
        search = search_for(self.year, self.district)
        self.request(kind, "POST", "/_dash-update-component", json={
            "output": self.router["output"], "outputs": _props(self.router["output"]),
            "inputs": [{"id": "url", "property": "pathname", "value": self.page},
                       {"id": "url", "property": "search", "value": search}],
            "changedPropIds": ["url.pathname"], "state": [],
        })

    def page_load(self) -> None:
        self.page = self.rng.choice(PAGES)
        self.year, self.district = self.rng.choice(YEARS), self.rng.choice(DISTRICTS)
        self.request("page:html", "GET", self.page + search_for(self.year, self.district))
        self.request("page:layout", "GET", "/_dash-layout")
        self.request("page:dependencies", "GET", "/_dash-dependencies")
        self.route("page:router")

    def filter_change(self) -> None:
        old_search = search_for(self.year, self.district)
        self.district = self.rng.choice([d for d in DISTRICTS if d != self.district])
        values = {"filter-preset": "eigener", "filter-from": f"{self.year}-01-01",
                  "filter-to": f"{self.year}-12-31", "filter-district": self.district or ""}
        cb = self.filterbar
        self.request("filter:filterbar", "POST", "/_dash-update-component", json={
            "output": cb["output"], "outputs": _props(cb["output"]),
            "inputs": [{**i, "value": values.get(i["id"])} for i in cb["inputs"]],
            "state": [{**s, "value": old_search} for s in cb["state"]],
            "changedPropIds": ["filter-district.value"],
        })
        self.route("filter:router")

    def run(self) -> None:
        count = 0
        while time.monotonic() < self.until and count < MAX_REQUESTS_PER_USER:
            if self.rng.random() < 0.3:
                self.page_load()
                count += 4
            else:
                self.filter_change()
                count += 2
            if self.think:  # a person reads the page before the next click
                time.sleep(min(self.rng.uniform(0.5, 1.5) * self.think,
                               max(0.0, self.until - time.monotonic())))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--database", default=None)
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds a user waits between actions (0: none, worst case)")
    args = parser.parse_args(argv)
    if not (1 <= args.users <= 200 and 1 <= args.seconds <= 600):
        parser.error("--users 1–200 and --seconds 1–600 (a bounded test)")

    with tempfile.TemporaryDirectory(prefix="kim-load-") as tmp:
        folder = Path(tmp)
        url = args.database or demo_database(folder)
        server = Gunicorn(url, args.redis, args.workers, folder / "gunicorn.log")
        try:
            deps = requests.get(server.base + "/_dash-dependencies", headers=SSO,
                                timeout=30).json()
            stats = Stats()
            started = time.monotonic()
            until = started + args.seconds
            users = [User(server.base, deps, stats, until, seed, args.think)
                     for seed in range(args.users)]
            for user in users:
                user.start()
            for user in users:
                user.join(timeout=args.seconds + 120)
            elapsed = time.monotonic() - started
            log_tail = (folder / "gunicorn.log").read_text(errors="replace")[-2000:]
        finally:
            server.stop()

    all_times = [t for ts in stats.times.values() for t in ts]
    print(f"## Load test: {args.users} users, {args.seconds:.0f} s, gunicorn -w {args.workers}, "
          f"KIM_CACHE={args.redis}, think time {args.think:g} s")
    print()
    print(f"requests: {len(all_times)}, errors: {len(stats.errors)}, "
          f"requests/s: {len(all_times) / elapsed:.1f}, "
          f"p50: {statistics.median(all_times) * 1000:.0f} ms, "
          f"p95: {percentile(all_times, 95) * 1000:.0f} ms")
    print()
    print("| request | count | p50 ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    for kind in sorted(stats.times):
        ts = stats.times[kind]
        print(f"| {kind} | {len(ts)} | {statistics.median(ts) * 1000:.0f} | "
              f"{percentile(ts, 95) * 1000:.0f} | {max(ts) * 1000:.0f} |")
    if stats.errors:
        print("\nerrors (first 20):")
        for e in stats.errors[:20]:
            print("  " + e)
        if "Traceback" in log_tail:
            print("\ngunicorn log (end):\n" + log_tail)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
