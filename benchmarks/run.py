"""The performance benchmark of issue 6 (`make bench`): every Dash callback timed over real HTTP,
cold and warm, at S and L scale on SQLite and PostgreSQL, against the direct-query floor and a
pandas peer; response sizes, worker memory, page load in Chromium and `kim import` time.

    .venv/bin/python benchmarks/run.py [--scale S|L|both] [--backend sqlite|postgresql|both]
        [--calls 30] [--peer-calls 5] [--out benchmarks/results/bench-….json]
        [--shared-views 10] [--shared-workers 2] [--no-browser] [--no-import]

How each number is taken:
- callbacks: a gunicorn server (1 sync worker, KIM_CACHE=simple) runs benchmarks/server.py;
  benchmarks/dashclient.py loads every page as dash-renderer would (callbacks and payloads
  discovered from /_dash-dependencies and the layouts, never hard-coded) for `--calls` filter
  variants (period presets, years, quarters × every Bezirk), then triggers what a person can
  click (first point of each chart, each button, another choice in each dropdown).
  cold = the first request for its payload on a freshly started server (empty cache; figure
  calls another request of the same run has already computed are cache hits, as in real use,
  and counted in `cold_hit_share`); warm = the identical requests again.
- shared cache: the requests of the first `--shared-views` views replayed on a fresh gunicorn
  with 2 sync workers and the default deployment cache (the file cache, KIM_CACHE unset, in a
  new KIM_CACHE_DIR under instance/bench/), once (cold) and again (warm); per page the warm
  p95, the share of warm requests the server answered from the shared response cache
  (benchmarks/server.py's X-Kim-Bench-Cache header; such an answer calls no figure function)
  and how many of those the other worker had computed.
- floor: the queries/ figure calls the server reports for each cold request (response header
  of benchmarks/server.py), run directly on a read-only connection in this process (each
  distinct call twice, the second run counts: no one-time statement compilation); the
  callback/floor ratio compares p95 over requests that missed the cache in every figure call.
- peer: the same figure calls computed the usual Dash way by benchmarks/peer.py (read the
  tables into pandas, group there), on the first `--peer-calls` cold requests, checked to give
  the same result as queries/.
- bytes: the decoded JSON body of each response (wire bytes, gzip if offered, alongside);
  memory: VmRSS of the worker from /proc after the run.
- page load: Debian's Chromium through Playwright, a new context (cold browser cache) per load,
  timed from navigation until every chart the page has drawn its main SVG and no Dash loading
  indicator is left; once on a fresh server (server cold) and once more (server warm).
- import: `kim export` of the L database and `kim import` of it into a fresh database.
Timings are printed as a table and written as JSON; nothing is asserted.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from benchmarks import datasets, peer  # noqa: E402
from benchmarks.dashclient import DashClient, stringify_id, walk_components  # noqa: E402
from benchmarks.server import decode_arg  # noqa: E402
from queries import db, disclosure, meta  # noqa: E402
from queries.filters import PROGRAMME_START  # noqa: E402

TARGETS = {
    "cold_p95_ms": 300,
    "warm_p95_ms": 30,
    "floor_ratio": 1.5,
    "peer_speedup": 10,
    "response_kb": 150,
    "rss_mb": 400,
    "page_load_s": {"S": 2.0, "L": 3.0},
    "import_s": 300,
}
# The tools of the environment this script runs in (make bench: .venv/bin/python).
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
KIM = str(Path(sys.executable).parent / "kim")
CHROMIUM = "/usr/bin/chromium"
# Actions (clicks, dropdown changes) of the first views also run the callbacks they trigger
# (the router); later views time the action's own callback only, so that the router's samples
# stay the page loads of distinct views.
FOLLOW_VIEWS = 2
FLOOR_TIMEOUT_MS = 900_000
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run",
]


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float | None:
    """The q-quantile (0..1) by linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


# --- filter variants ------------------------------------------------------------------------

def variants(until: date, district_ids: list[str], n: int) -> list[tuple[date, date, str | None]]:
    """n distinct (from, to, district) views: the default first, then presets, whole years and
    quarters, each with every Bezirk and with none, in a fixed pseudo-random order."""
    y = until.year
    periods = [
        (date(y, 1, 1), until),
        (date(y - 1, 1, 1), date(y - 1, 12, 31)),
        (until - timedelta(days=364), until),
        (PROGRAMME_START, until),
    ]
    for year in range(PROGRAMME_START.year + 1, y):
        periods.append((date(year, 1, 1), date(year, 12, 31)))
    for year in (y - 2, y - 1):
        for q in range(4):
            start = date(year, 3 * q + 1, 1)
            end = (date(year, 3 * q + 4, 1) if q < 3 else date(year + 1, 1, 1)) - timedelta(1)
            periods.append((start, end))
    combos = [(a, b, d) for a, b in periods for d in [None, *district_ids]]
    head, rest = combos[0], combos[1:]
    random.Random(6).shuffle(rest)
    return [head, *rest][:n]


def search_of(view: tuple[date, date, str | None]) -> str:
    frm, to, district = view
    s = f"?von={frm.isoformat()}&bis={to.isoformat()}"
    return s + (f"&bezirk={district}" if district else "")


# --- the server -----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving benchmarks/server.py, started fresh (empty cache): one sync worker with
    an in-process cache (KIM_CACHE=simple) by default; `workers` sync workers with the default
    deployment cache (the file cache, KIM_CACHE unset) in a new folder under `cache_dir`."""

    def __init__(self, database_url: str, workers: int = 1, cache_dir: Path | None = None):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "KIM_DATABASE_URL": database_url, "KIM_CACHE": "simple",
               "KIM_AUTH": "none", "PYTHONPATH": str(ROOT)}
        self.cache_dir = cache_dir
        if cache_dir is not None:
            shutil.rmtree(cache_dir, ignore_errors=True)
            cache_dir.mkdir(parents=True)
            env.pop("KIM_CACHE")  # the default: files shared by every worker of the machine
            env["KIM_CACHE_DIR"] = str(cache_dir)
        self.log = open(ROOT / "instance" / "bench" / "gunicorn.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [GUNICORN, "--no-control-socket", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
             "--timeout", "600", "--chdir", str(ROOT), "benchmarks.server:app"],
            env=env, stdout=self.log, stderr=self.log,
        )
        deadline = time.monotonic() + 120
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("gunicorn ended at start; see instance/bench/gunicorn.log")
            try:
                if requests.get(self.base_url + "/_dash-layout", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("gunicorn did not answer within 120 s")
            time.sleep(0.3)
        # every worker up (each imports the app on its own) before anything is timed
        while len(self.worker_pids()) < workers and time.monotonic() < deadline:
            time.sleep(0.3)

    def worker_pids(self) -> list[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def worker_rss_mb(self) -> float | None:
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        if self.cache_dir is not None:
            shutil.rmtree(self.cache_dir, ignore_errors=True)


# --- callbacks over HTTP --------------------------------------------------------------------

def callback_label(output: str, inputs: list) -> str:
    """A short readable name: first output (without @hash), +N more, and the first input."""
    from benchmarks.dashclient import parse_outputs

    outs = parse_outputs(output) if "." in output else []
    if not outs:
        return f"(no output) ← {inputs[0] if inputs else ''}"
    first = f"{stringify_id(outs[0][0])}.{outs[0][1].split('@')[0]}"
    more = f" +{len(outs) - 1}" if len(outs) > 1 else ""
    return f"{first}{more} ← {inputs[0] if inputs else ''}"


def interact(client: DashClient, state, item, post, follow: bool = True) -> list:
    """Fire one simulated user action and, when `follow`, what follows from it (the router)."""
    cb, inst, changed, node, prop, value = item
    node["props"][prop] = value
    record = client.fire(state, cb, inst, changed, post)
    record.initial = False
    records = [record]
    if follow and record.status == 200:
        new_ids, changed_props = state.apply(json.loads(record.payload_response))
        pending = client._initial_calls(state, new_ids)
        for cb2 in client.dependencies():
            for inst2 in state.instances(cb2):
                hit = [f"{stringify_id(i)}.{p}" for i, p in inst2["inputs_flat"]
                       if (stringify_id(i), p) in changed_props]
                if hit:
                    pending.append((cb2, inst2, tuple(hit)))
        client._run(state, pending, records, post)
    return records


def dropdown_changes(client: DashClient, state) -> list:
    """Choosing another entry in each dropdown/radio that feeds a callback (the filter bar)."""
    out = []
    for cb in client.dependencies():
        if cb.clientside:
            continue
        for inst in state.instances(cb):
            for i_id, prop in inst["inputs_flat"][: len(cb.inputs)]:
                node = state.index.get(stringify_id(i_id))
                if node is None or prop != "value" or not node["props"].get("options"):
                    continue
                current = node["props"].get("value")
                values = [o.get("value") if isinstance(o, dict) else o
                          for o in node["props"]["options"]]
                other = next((v for v in values if v != current), None)
                if other is None:
                    continue
                out.append((cb, inst, (f"{stringify_id(i_id)}.{prop}",), node, prop, other))
    return out


def run_callbacks(url: str, views: list, label: str, follow_views: int = FOLLOW_VIEWS) -> dict:
    """Cold and warm timings of every callback of every page, with the server's figure trace."""
    say(f"[bench] {label}: discovering pages and callbacks")
    server = Server(url)
    try:
        client = DashClient(server.base_url)
        pages = client.page_paths()
        n_callbacks = len(client.dependencies())
        clientside = sum(1 for cb in client.dependencies() if cb.clientside)
    finally:
        server.stop()

    server = Server(url)  # fresh: empty cache
    records = []
    try:
        client = DashClient(server.base_url)
        client.layout()
        client.dependencies()
        for i, view in enumerate(views):
            search = search_of(view)
            for page in pages:
                calls, state = client.load(page, search)
                for r in calls:
                    r.page, r.view, r.kind = page, i, "load"
                records.extend(calls)
                actions = client.interactions(state) + dropdown_changes(client, state)
                for n, _item in enumerate(actions):
                    # each action on its own copy of the freshly loaded page
                    fresh = copy.deepcopy(state)
                    item = (client.interactions(fresh) + dropdown_changes(client, fresh))[n]
                    follow = i < follow_views
                    for r in interact(client, fresh, item, None, follow):
                        r.page, r.view, r.kind = page, i, "action"
                        records.append(r)
            say(f"[bench] {label}: view {i + 1}/{len(views)} {search}: {len(records)} requests")
        say(f"[bench] {label}: warm repeat of {len(records)} requests")
        for r in records:
            again = type(r)(output=r.output, payload=r.payload)
            client.post(again)
            r.warm_seconds = again.seconds
            r.warm_status = again.status
            r.warm_trace = again.trace
        rss = server.worker_rss_mb()
    finally:
        server.stop()
    return {"pages": pages, "records": records, "rss_mb": rss, "callbacks": n_callbacks,
            "clientside": clientside}


# --- two workers, one shared cache ---------------------------------------------------------

SHARED_WORKERS = 2
SHARED_VIEWS = 10


def run_shared_cache(url: str, records: list, views: int, label: str,
                     workers: int = SHARED_WORKERS) -> dict:
    """The requests of the first `views` views of the one-worker run, replayed on a fresh
    gunicorn with `workers` sync workers and the default deployment cache (the file cache under
    a new KIM_CACHE_DIR): once to fill it (cold), once again (warm). A warm request is answered
    from the shared cache when the server says so (X-Kim-Bench-Cache: hit, no figure call)."""
    chosen = [r for r in records if r.view < views and r.status in (200, 204)]
    say(f"[bench] {label}: {workers} workers, shared file cache: {len(chosen)} requests twice")
    server = Server(url, workers=workers,
                    cache_dir=datasets.BENCH_DIR / f"cache-{workers}w-{os.getpid()}")
    rows = []
    try:
        client = DashClient(server.base_url)
        pids = server.worker_pids()
        for r in chosen:
            cold = type(r)(output=r.output, payload=r.payload)
            client.post(cold)
            rows.append({"page": r.page, "output": r.output, "cold": cold})
        for row in rows:
            warm = type(row["cold"])(output=row["output"], payload=row["cold"].payload)
            client.post(warm)
            row["warm"] = warm
        rss = [_rss_of(pid) for pid in server.worker_pids()]
    finally:
        server.stop()
    return {"workers": workers, "worker_pids": pids, "views": views, "rows": rows,
            "rss_mb": rss}


def _rss_of(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def summarise_shared(shared: dict, pages: list[str]) -> dict:
    """Per page: warm p50/p95, the share of warm requests answered from the shared cache, and
    how many of them a different worker answered than the one that computed them."""
    out = []
    for page in pages:
        rows = [r for r in shared["rows"] if r["page"] == page]
        if not rows:
            continue
        ok = [r for r in rows if r["warm"].status in (200, 204) and r["cold"].status in (200, 204)]
        # Requests the response cache handles (every 200 answer that is complete); the rest are
        # answered afresh by design (e.g. a 204 "nothing to update").
        cacheable = [r for r in ok if r["cold"].cache is not None]
        hits = [r for r in cacheable if r["warm"].cache == "hit"]
        other = [r for r in cacheable if r["warm"].worker != r["cold"].worker]
        other_hits = [r for r in other if r["warm"].cache == "hit"]
        warm = [r["warm"].seconds * 1000 for r in ok]
        cold = [r["cold"].seconds * 1000 for r in ok]
        out.append({
            "page": page, "n": len(rows), "errors": len(rows) - len(ok),
            "cacheable": len(cacheable),
            "cold_p50_ms": pct(cold, 0.5), "cold_p95_ms": pct(cold, 0.95),
            "warm_p50_ms": pct(warm, 0.5), "warm_p95_ms": pct(warm, 0.95),
            "warm_hits": len(hits),
            "warm_hit_share": len(hits) / len(cacheable) if cacheable else None,
            "warm_figure_calls": sum(len(r["warm"].trace) for r in hits),
            "warm_other_worker": len(other),
            "warm_other_worker_hits": len(other_hits),
            "warm_by_worker": {str(pid): sum(1 for r in ok if r["warm"].worker == pid)
                               for pid in shared["worker_pids"]},
        })
    return {"workers": shared["workers"], "views": shared["views"], "cache": "filesystem",
            "requests": len(shared["rows"]), "rss_mb": shared["rss_mb"], "pages": out}


# --- floor and peer -------------------------------------------------------------------------

def resolve_fn(name: str):
    module_name, qualname = name.rsplit(".", 1)
    module = __import__(module_name, fromlist=[qualname])
    return getattr(module, qualname)


def unique_calls(trace: list) -> list[tuple]:
    seen, out = set(), []
    for entry in trace:
        key = json.dumps([entry["fn"], entry["args"]], sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append((resolve_fn(entry["fn"]), tuple(decode_arg(a) for a in entry["args"])))
    return out


def measure_floor_and_peer(url: str, records: list, peer_calls: int) -> None:
    """Sets r.floor_seconds on every record and r.peer_* on the first `peer_calls` per callback."""
    # The floor wants the true duration: a statement limit far above the server's 10 s.
    engine = db.reader_engine(url, timeout_ms=FLOOR_TIMEOUT_MS)
    peer_done: dict[tuple, int] = {}
    with engine.connect() as conn:
        floor_cache: dict[str, float] = {}
        for r in records:
            calls = unique_calls(r.trace)
            total = 0.0
            # The filter's Disclosure (queries/disclosure.py) is counted in the floor (the server
            # computes it once per filter) but it is no figure: the peer computes the figures.
            for fn, args in calls:
                key = repr((fn.__module__, fn.__qualname__, args))
                if key not in floor_cache:
                    # Twice, the second run counts: the first of each statement shape also pays
                    # SQLAlchemy's one-time compilation, which the server paid long before.
                    fn(conn, *args)
                    started = time.perf_counter()
                    fn(conn, *args)
                    floor_cache[key] = time.perf_counter() - started
                total += floor_cache[key]
            r.floor_seconds = total
            missed = {json.dumps([t["fn"], t["args"]], sort_keys=True)
                      for t in _first_of_each(r.trace) if t["miss"]}
            r.floor_miss_seconds = sum(
                floor_cache[repr((fn.__module__, fn.__qualname__, args))]
                for (fn, args), t in zip(calls, _first_of_each(r.trace), strict=True)
                if json.dumps([t["fn"], t["args"]], sort_keys=True) in missed
            )
            r.peer_seconds = r.peer_read_seconds = None
            r.peer_equal = None
            group = (r.page, r.output)
            calls = [(fn, args) for fn, args in calls if fn is not disclosure.compute]
            if not calls or peer_done.get(group, 0) >= peer_calls:
                continue
            if any(peer.peer_for(fn) is None for fn, _ in calls):
                r.peer_missing = sorted({f"{fn.__module__}.{fn.__qualname__}"
                                         for fn, _ in calls if peer.peer_for(fn) is None})
                continue
            needed = []
            for fn, _ in calls:
                needed += [t for t in peer.PEERS[fn][1] if t not in needed]
            started = time.perf_counter()
            frames = peer.read_tables(conn, needed)
            read = time.perf_counter() - started
            results = [peer.PEERS[fn][0](frames, *args) for fn, args in calls]
            r.peer_seconds = time.perf_counter() - started
            r.peer_read_seconds = read
            r.peer_equal = all(peer.agrees(fn(conn, *args), res)
                               for res, (fn, args) in zip(results, calls, strict=True))
            peer_done[group] = peer_done.get(group, 0) + 1
    engine.dispose()


def _peer_gap(c: dict) -> str:
    """' – peer lacks …' in the table where the pandas peer has no equivalent of a call."""
    note = c.get("peer_note") or ""
    if not note.startswith("peer lacks"):
        return ""
    return " – " + note.replace("queries.", "")


def summarise_callbacks(run: dict) -> list[dict]:
    groups: dict[tuple, list] = {}
    for r in run["records"]:
        groups.setdefault((r.page, r.output), []).append(r)
    rows = []
    for (page, output), rs in groups.items():
        ok = [r for r in rs if r.status in (200, 204)]
        # Cold samples: requests that had to compute at least one figure (a cache miss); a
        # callback that never misses (it only reads cached reference data) keeps all requests.
        computing = [r for r in ok if any(t["miss"] for t in r.trace)]
        cold_set = computing or ok
        cold = [r.seconds * 1000 for r in cold_set]
        warm = [r.warm_seconds * 1000 for r in ok if r.warm_status in (200, 204)]
        floor = [r.floor_seconds * 1000 for r in ok]
        peers = [r for r in ok if getattr(r, "peer_seconds", None) is not None]
        inputs = [f"{stringify_id(i['id'])}.{i['property']}" if isinstance(i, dict) else "[ALL]"
                  for i in rs[0].payload.get("inputs", [])]
        figure_calls = sum(len(r.trace) for r in cold_set)
        hits = sum(1 for r in cold_set for t in r.trace if not t["miss"])
        row = {
            "page": page,
            "callback": callback_label(output, inputs),
            "output": output,
            "trigger": sorted({r.kind for r in rs}),
            "n": len(rs),
            "n_cold": len(cold_set),
            "errors": len(rs) - len(ok),
            "figure_functions": sorted({t["fn"].split("queries.")[-1] for r in ok
                                        for t in r.trace}),
            "cold_p50_ms": pct(cold, 0.5), "cold_p95_ms": pct(cold, 0.95),
            "cold_max_ms": max(cold, default=None),
            "warm_p50_ms": pct(warm, 0.5), "warm_p95_ms": pct(warm, 0.95),
            "warm_misses": sum(1 for r in ok for t in (r.warm_trace or []) if t["miss"]),
            "cold_hit_share": (hits / figure_calls) if figure_calls else None,
            "cold_db_p50_ms": pct([sum(t["db_ms"] for t in r.trace) for r in cold_set], 0.5),
            "floor_p50_ms": pct(floor, 0.5), "floor_p95_ms": pct(floor, 0.95),
            "bytes_max": max((r.bytes for r in ok), default=0),
            "bytes_p50": pct([r.bytes for r in ok], 0.5),
            "wire_bytes_max": max((r.wire_bytes for r in ok), default=0),
        }
        # callback/floor: the same requests, the floor being the figure calls they computed.
        fc = [r.seconds * 1000 for r in computing]
        ff = [r.floor_miss_seconds * 1000 for r in computing]
        row["floor_miss_p95_ms"] = pct(ff, 0.95)
        row["floor_ratio_p95"] = (pct(fc, 0.95) / pct(ff, 0.95)) if fc and pct(ff, 0.95) else None
        row["floor_ratio_p50"] = (pct(fc, 0.5) / pct(ff, 0.5)) if fc and pct(ff, 0.5) else None
        # What the dashboard adds to the queries it had to run (HTTP, Dash, page, JSON): the
        # absolute view of the ratio, which for a 1 ms query can only be large.
        added = [c - f for c, f in zip(fc, ff, strict=True)]
        row["added_p50_ms"] = pct(added, 0.5)
        row["added_p95_ms"] = pct(added, 0.95)
        if peers:
            ps = [r.peer_seconds * 1000 for r in peers]
            floors = [r.floor_seconds * 1000 for r in peers]
            # End to end: the callback with its database time replaced by the peer's time.
            e2e_peer = [r.seconds * 1000 - sum(t["db_ms"] for t in r.trace)
                        + r.peer_seconds * 1000 for r in peers]
            mine = [r.seconds * 1000 for r in peers]
            row["peer_n"] = len(peers)
            row["peer_p50_ms"] = pct(ps, 0.5)
            row["peer_read_share"] = statistics.mean(r.peer_read_seconds / r.peer_seconds
                                                     for r in peers)
            row["peer_speedup"] = pct(ps, 0.5) / pct(floors, 0.5) if pct(floors, 0.5) else None
            row["peer_speedup_callback"] = (pct(e2e_peer, 0.5) / pct(mine, 0.5)
                                            if pct(mine, 0.5) else None)
            row["peer_equal"] = all(r.peer_equal for r in peers)
        else:
            missing = sorted({m for r in ok for m in getattr(r, "peer_missing", [])})
            row["peer_n"] = 0
            row["peer_note"] = ("no figure call" if not missing
                                else "peer lacks " + ", ".join(missing))
        rows.append(row)
    rows.sort(key=lambda r: (run["pages"].index(r["page"]) if r["page"] in run["pages"] else 99,
                             r["callback"]))
    return rows


def _first_of_each(trace: list) -> list:
    seen, out = set(), []
    for t in trace:
        key = json.dumps([t["fn"], t["args"]], sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append(t)
    return out


# --- page load in Chromium ------------------------------------------------------------------

WAIT_DRAWN = """(expected) => {
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  if (plots.length < expected) return false;
  if (!plots.every(p => p.querySelector('.main-svg'))) return false;
  const busy = '[data-dash-is-loading="true"], ._dash-loading-callback';
  if (document.querySelector(busy)) return false;
  return document.querySelector('#react-entry-point') !== null;
}"""


def page_loads(url: str, pages: list[str], views: list, label: str) -> list[dict]:
    """Seconds until every chart is drawn, per page: server cold, then server warm."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return [{"error": "playwright is not installed"}]
    if not Path(CHROMIUM).exists():
        return [{"error": f"{CHROMIUM} not found"}]
    say(f"[bench] {label}: page loads in Chromium")
    out = []
    server = Server(url)
    try:
        client = DashClient(server.base_url)
        expected = {}
        for page in pages:
            _calls, state = client.load(page, search_of(views[-1]))
            expected[page] = sum(1 for c in walk_components(state.root) if c["type"] == "Graph")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for page_path in pages:
                    row = {"page": page_path, "charts": expected[page_path]}
                    # views[0] is the default view: the first thing a person opens.
                    for kind, view in (("server_cold", views[0]), ("server_warm", views[0])):
                        context = browser.new_context(viewport={"width": 1280, "height": 720})
                        tab = context.new_page()
                        errors = []
                        tab.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                        started = time.perf_counter()
                        tab.goto(server.base_url + page_path + search_of(view))
                        tab.wait_for_function(WAIT_DRAWN, arg=expected[page_path],
                                              timeout=120_000, polling=20)
                        row[f"{kind}_s"] = time.perf_counter() - started
                        # Where the time went: HTML parsed, all scripts loaded, bytes fetched.
                        nav = tab.evaluate(
                            "() => { const n = performance.getEntriesByType('navigation')[0];"
                            " const r = performance.getEntriesByType('resource');"
                            " return {dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd,"
                            " kb: r.reduce((a, e) => a + (e.decodedBodySize || 0), 0) / 1024,"
                            " callbacks: r.filter(e => e.name.includes('_dash-update'))"
                            ".map(e => [e.startTime, e.responseEnd])}; }"
                        )
                        row[f"{kind}_dom_ready_s"] = nav["dcl"] / 1000
                        row[f"{kind}_load_event_s"] = nav["load"] / 1000
                        row[f"{kind}_resources_kb"] = nav["kb"]
                        row[f"{kind}_callback_spans_s"] = [
                            [a / 1000, b / 1000] for a, b in nav["callbacks"]]
                        row[f"{kind}_errors"] = errors
                        context.close()
                    out.append(row)
            finally:
                browser.close()
    finally:
        server.stop()
    return out


# --- import ---------------------------------------------------------------------------------

def import_timing(source_url: str, backend: str) -> dict:
    """`kim export` of the data set, then `kim import` of it into a fresh database, timed."""
    folder = datasets.BENCH_DIR / f"export-{backend}"
    if folder.exists():
        for f in folder.iterdir():
            f.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    say(f"[bench] kim export ({backend}) …")
    started = time.perf_counter()
    subprocess.run([KIM, "export", "--database", source_url, str(folder)], check=True,
                   stderr=subprocess.DEVNULL)
    exported = time.perf_counter() - started
    if backend == "sqlite":
        target_path = datasets.BENCH_DIR / "import-target.sqlite"
        target_path.unlink(missing_ok=True)
        target = f"sqlite:///{target_path}"
    else:
        target = datasets.recreate_pg_database("kim_bench_import")
    say(f"[bench] kim import ({backend}) …")
    started = time.perf_counter()
    done = subprocess.run([KIM, "import", "--database", target, str(folder)],
                          capture_output=True, text=True)
    seconds = time.perf_counter() - started
    size = sum(f.stat().st_size for f in folder.iterdir())
    return {"backend": backend, "export_s": exported, "import_s": seconds,
            "ok": done.returncode == 0, "csv_mb": size / 1e6,
            "message": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""}


# --- report ---------------------------------------------------------------------------------

def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())
    mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal"))
    try:
        import sqlalchemy
        from sqlalchemy import create_engine, text

        engine = create_engine(datasets.pg_admin_url())
        with engine.connect() as conn:
            pg = conn.execute(text("SHOW server_version")).scalar()
        engine.dispose()
    except Exception:  # noqa: BLE001 - only for the description
        pg = None
    import sqlite3

    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem / 1024 / 1024, 1),
            "disk": disk(), "load_average": os.getloadavg(),
            "kernel": platform.release(), "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "postgresql": pg,
            "sqlalchemy": sqlalchemy.__version__,
            "note": "shared with colleagues running tests during the run"}


def disk() -> str:
    """The block device under instance/bench: name, size, and what the kernel says it is."""
    try:
        dev = os.stat(datasets.BENCH_DIR if datasets.BENCH_DIR.exists() else ROOT).st_dev
        sys_dev = Path(f"/sys/dev/block/{os.major(dev)}:{os.minor(dev)}").resolve()
        block = sys_dev if (sys_dev / "queue").exists() else sys_dev.parent
        size_gb = int((block / "size").read_text()) * 512 / 1e9
        rotational = (block / "queue" / "rotational").read_text().strip() == "1"
        kind = "rotational" if rotational else "non-rotational"
        return f"{block.name}, {size_gb:.0f} GB, {kind} (as the kernel reports it)"
    except (OSError, ValueError):
        return "unknown"


def fmt(value, spec=".0f", none="–") -> str:
    return none if value is None else format(value, spec)


def print_table(result: dict) -> None:
    out = sys.stdout
    m = result["machine"]
    out.write(f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM, "
              f"disk {m['disk']}; "
              f"Python {m['python']}, SQLite {m['sqlite']}, PostgreSQL {m['postgresql']}; "
              f"load average {m['load_average'][0]:.1f} at the start, "
              f"{m.get('load_average_end', [0])[0]:.1f} at the end\n")
    for run in result["runs"]:
        out.write(f"\n## {run['scale']} on {run['backend']} ({run['persons']} persons, "
                  f"data until {run['until']}; {run['requests']} requests, "
                  f"worker RSS {fmt(run['rss_mb'])} MB)\n\n")
        out.write("| page | callback | n | cold p50/p95 ms | warm p50/p95 ms | floor p95 ms "
                  "| ratio p95 | added p50/p95 ms | peer p50 ms | speed-up (end to end) | max KB "
                  "| figure calls |\n")
        out.write("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
        for c in run["callbacks"]:
            out.write(
                f"| {c['page']} | {c['callback']} | {c['n_cold']}/{c['n']} "
                f"| {fmt(c['cold_p50_ms'])}/{fmt(c['cold_p95_ms'])} "
                f"| {fmt(c['warm_p50_ms'], '.1f')}/{fmt(c['warm_p95_ms'], '.1f')} "
                f"| {fmt(c['floor_p95_ms'])} | {fmt(c.get('floor_ratio_p95'), '.2f')} "
                f"| {fmt(c.get('added_p50_ms'), '.1f')}/{fmt(c.get('added_p95_ms'), '.1f')} "
                f"| {fmt(c.get('peer_p50_ms'))} | {fmt(c.get('peer_speedup'), '.1f')}"
                f" ({fmt(c.get('peer_speedup_callback'), '.1f')})"
                f"{_peer_gap(c)} "
                f"| {fmt(c['bytes_max'] / 1024, '.1f')} "
                f"| {', '.join(c['figure_functions']) or '–'} |\n"
            )
        sc = run.get("shared_cache")
        if sc:
            out.write(f"\n{sc['workers']} gunicorn workers, shared file cache (KIM_CACHE default):"
                      f" the requests of the first {sc['views']} views ({sc['requests']}),"
                      " on a fresh server, then once more (warm)\n\n"
                      "| page | n | cold p50/p95 ms | warm p50/p95 ms | warm from shared cache "
                      "| of them answered by the other worker | figure calls (warm hits) "
                      "| warm requests per worker |\n|---|---|---|---|---|---|---|---|\n")
            for p in sc["pages"]:
                share = p["warm_hit_share"]
                out.write(
                    f"| {p['page']} | {p['n']} "
                    f"| {fmt(p['cold_p50_ms'])}/{fmt(p['cold_p95_ms'])} "
                    f"| {fmt(p['warm_p50_ms'], '.1f')}/{fmt(p['warm_p95_ms'], '.1f')} "
                    f"| {p['warm_hits']}/{p['cacheable']}"
                    f" ({fmt(None if share is None else share * 100, '.0f')} %) "
                    f"| {p['warm_other_worker_hits']}/{p['warm_other_worker']} "
                    f"| {p['warm_figure_calls']} "
                    f"| {' / '.join(str(v) for v in p['warm_by_worker'].values())} |\n")
        if run.get("page_loads"):
            out.write("\n| page | charts | drawn s (server cold) | drawn s (server warm) "
                      "| DOM ready s | load event s | KB fetched |\n"
                      "|---|---|---|---|---|---|---|\n")
            for p in run["page_loads"]:
                if "error" in p:
                    out.write(f"| – | – | {p['error']} | |\n")
                    continue
                out.write(f"| {p['page']} | {p['charts']} | {fmt(p.get('server_cold_s'), '.2f')}"
                          f" | {fmt(p.get('server_warm_s'), '.2f')}"
                          f" | {fmt(p.get('server_cold_dom_ready_s'), '.2f')}"
                          f" | {fmt(p.get('server_cold_load_event_s'), '.2f')}"
                          f" | {fmt(p.get('server_cold_resources_kb'), '.0f')} |\n")
    for imp in result.get("imports", []):
        out.write(f"\nkim import of the L export ({imp['csv_mb']:.0f} MB CSV) into a fresh "
                  f"{imp['backend']} database: {imp['import_s']:.0f} s "
                  f"({'ok' if imp['ok'] else 'FAILED: ' + imp['message']}); "
                  f"export {imp['export_s']:.0f} s\n")
    out.write("\nTargets missed:\n")
    for miss in result["missed"] or ["none"]:
        out.write(f"- {miss}\n")
    out.flush()


def missed_targets(result: dict) -> list[str]:
    t, out = TARGETS, []
    for run in result["runs"]:
        where = f"{run['scale']}/{run['backend']}"
        if run["rss_mb"] is not None and run["rss_mb"] > t["rss_mb"]:
            out.append(f"{where}: worker RSS {run['rss_mb']:.0f} MB > {t['rss_mb']} MB")
        for c in run["callbacks"]:
            name = f"{where} {c['page']} {c['callback']}"
            checks = [
                ("cold p95", c["cold_p95_ms"], t["cold_p95_ms"], "ms"),
                ("warm p95", c["warm_p95_ms"], t["warm_p95_ms"], "ms"),
                ("floor ratio p95", c.get("floor_ratio_p95"), t["floor_ratio"], "×"),
                ("max response", c["bytes_max"] / 1024, t["response_kb"], "KB"),
            ]
            if run["scale"] != "L":
                checks = checks[3:]  # the time targets are set for L
            for what, value, limit, unit in checks:
                if value is not None and value > limit:
                    out.append(f"{name}: {what} {value:.1f} {unit} > {limit} {unit}")
            sp = c.get("peer_speedup")
            # Reference data alone (districts, Kreis name) is no figure to compare with pandas.
            figures = [f for f in c["figure_functions"]
                       if not f.startswith(("meta.", "runs.", "territory."))]
            if run["scale"] == "L" and figures and sp is not None and sp < t["peer_speedup"]:
                out.append(f"{name}: only {sp:.1f}× faster than the pandas peer (target 10×)")
            if c.get("peer_equal") is False:
                out.append(f"{name}: pandas peer disagrees with queries/ (peer defect)")
            if c["errors"]:
                out.append(f"{name}: {c['errors']} failed requests")
            if c.get("warm_misses"):
                out.append(f"{name}: {c['warm_misses']} figure calls not cached after the cold "
                           "run (a failed or timed-out query is not cached)")
        sc = run.get("shared_cache")
        for p in (sc or {}).get("pages", []):
            name = f"{where} {sc['workers']} workers {p['page']}"
            if (run["scale"] == "L" and p["warm_p95_ms"] is not None
                    and p["warm_p95_ms"] > t["warm_p95_ms"]):
                out.append(f"{name}: warm p95 {p['warm_p95_ms']:.1f} ms > {t['warm_p95_ms']} ms")
            if p["cacheable"] and p["warm_hits"] < p["cacheable"]:
                out.append(f"{name}: {p['cacheable'] - p['warm_hits']} of {p['cacheable']} warm "
                           "requests not answered from the shared cache")
            if p["errors"]:
                out.append(f"{name}: {p['errors']} failed requests")
        for p in run.get("page_loads", []):
            limit = t["page_load_s"][run["scale"]]
            value = p.get("server_cold_s")
            if value is not None and value > limit:
                out.append(f"{where} page load {p['page']}: {value:.2f} s > {limit} s")
    for imp in result.get("imports", []):
        if not imp["ok"] or imp["import_s"] > t["import_s"]:
            out.append(f"kim import L ({imp['backend']}): {imp['import_s']:.0f} s "
                       f"(target < {t['import_s']} s){'' if imp['ok'] else ', failed'}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=["S", "L", "both"], default="both")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--calls", type=int, default=30, help="filter variants per callback")
    parser.add_argument("--peer-calls", type=int, default=5,
                        help="requests per callback recomputed by the pandas peer")
    parser.add_argument("--follow-views", type=int, default=FOLLOW_VIEWS,
                        help="views whose clicks also run the callbacks they trigger")
    parser.add_argument("--out", default=None, help="JSON file (default benchmarks/results/…)")
    parser.add_argument("--shared-views", type=int, default=SHARED_VIEWS,
                        help="views whose requests are replayed on 2 workers with the shared "
                             "file cache (0: skip)")
    parser.add_argument("--shared-workers", type=int, default=SHARED_WORKERS)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--no-import", action="store_true")
    args = parser.parse_args(argv)
    scales = ["S", "L"] if args.scale == "both" else [args.scale]
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    out_path = Path(args.out) if args.out else (
        ROOT / "benchmarks" / "results" / f"bench-{datetime.now():%Y%m%d-%H%M%S}.json")

    result = {"started": datetime.now().isoformat(timespec="seconds"), "machine": machine(),
              "targets": TARGETS, "calls": args.calls, "runs": [], "imports": []}
    for scale in scales:
        for backend in backends:
            ds = datasets.ensure(scale, backend)
            engine = db.reader_engine(ds.url)
            with engine.connect() as conn:
                district_ids = [d["id"] for d in meta.districts(conn)]
                rows = meta.table_counts(conn)
            engine.dispose()
            views = variants(ds.until, district_ids, args.calls)
            label = f"{scale}/{backend}"
            run = run_callbacks(ds.url, views, label, args.follow_views)
            say(f"[bench] {label}: floor and pandas peer")
            measure_floor_and_peer(ds.url, run["records"], args.peer_calls)
            summary = {
                "scale": scale, "backend": backend, "persons": ds.persons,
                "until": ds.until.isoformat(), "rows": rows, "pages": run["pages"],
                "callbacks_registered": run["callbacks"],
                "clientside_callbacks_skipped": run["clientside"],
                "requests": len(run["records"]), "rss_mb": run["rss_mb"],
                "callbacks": summarise_callbacks(run),
            }
            if args.shared_views > 0:
                shared = run_shared_cache(ds.url, run["records"], args.shared_views, label,
                                          args.shared_workers)
                summary["shared_cache"] = summarise_shared(shared, run["pages"])
            if not args.no_browser:
                summary["page_loads"] = page_loads(ds.url, run["pages"], views, label)
            result["runs"].append(summary)
            if scale == "L" and not args.no_import:
                result["imports"].append(import_timing(ds.url, backend))
    result["machine"]["load_average_end"] = os.getloadavg()
    result["missed"] = missed_targets(result)
    result["finished"] = datetime.now().isoformat(timespec="seconds")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(result, indent=2, default=str, ensure_ascii=False))
    print_table(result)
    say(f"[bench] written {out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
