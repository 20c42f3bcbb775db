"""The dashboard as gunicorn serves it, plus a trace the benchmark reads: which queries/ figure
functions each callback request asked for (with its arguments), which ones missed the cache and
how long the database took for those.

    KIM_DATABASE_URL=… gunicorn --no-control-socket -w 1 benchmarks.server:app

The trace is one response header, `X-Kim-Bench-Trace` (JSON list); two more say which worker
answered (`X-Kim-Bench-Worker`, its process id) and whether the answer came from the response
cache (`X-Kim-Bench-Cache: hit`) or was computed (`miss`; absent for requests the response
cache does not handle). It lets the benchmark time
the very same figure calls directly against the database (the floor) and in pandas (the peer)
without knowing the pages' code. Nothing in dashboard/ is changed: the wrapping happens here,
around dashboard.data.Data, before the app is built. The overhead is a perf_counter pair and a
list append per figure call.
"""

from __future__ import annotations

import json
import os
import time
from datetime import date

import flask

from dashboard import data as dashboard_data
from dashboard import response_cache
from dashboard.app_factory import create_app
from queries.filters import Filter

TRACE_HEADER = "X-Kim-Bench-Trace"
WORKER_HEADER = "X-Kim-Bench-Worker"
CACHE_HEADER = "X-Kim-Bench-Cache"


def encode_arg(value):
    """A figure argument as JSON the benchmark can turn back into the same Python value."""
    if isinstance(value, Filter):
        return {
            "filter": {
                "period_from": value.period_from.isoformat(),
                "period_to": value.period_to.isoformat(),
                "district": value.district,
                "min_cell": value.min_cell,
                "year": value.year,
            }
        }
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return value


def decode_arg(value):
    if isinstance(value, dict) and "filter" in value:
        f = value["filter"]
        return Filter(
            date.fromisoformat(f["period_from"]), date.fromisoformat(f["period_to"]),
            district=f["district"], min_cell=f["min_cell"], year=f["year"],
        )
    if isinstance(value, dict) and "date" in value:
        return date.fromisoformat(value["date"])
    return value


def _install_trace() -> None:
    original_call = dashboard_data.Data.call
    original_run = dashboard_data.Data._run

    def call(self, fn, f=None, *args):
        entry = {
            "fn": f"{fn.__module__}.{fn.__qualname__}",
            "args": [encode_arg(a) for a in ((f, *args) if f is not None else args)],
            "miss": False,
            "db_ms": 0.0,
        }
        trace = flask.g.setdefault("kim_bench_trace", []) if flask.has_app_context() else None
        if trace is not None:
            trace.append(entry)
        flask.g.kim_bench_current = entry if trace is not None else None
        try:
            return original_call(self, fn, f, *args)
        finally:
            if trace is not None:
                flask.g.kim_bench_current = None

    def run(self, fn, *args):
        started = time.perf_counter()
        try:
            return original_run(self, fn, *args)
        finally:
            entry = flask.g.get("kim_bench_current") if flask.has_app_context() else None
            if entry is not None and fn.__qualname__ == entry["fn"].rsplit(".", 1)[-1]:
                entry["miss"] = True
                entry["db_ms"] += (time.perf_counter() - started) * 1000

    dashboard_data.Data.call = call
    dashboard_data.Data._run = run


def _install_cache_marker() -> None:
    """Marks in flask.g whether the response cache answered the request (hit) or not (miss)."""
    original = response_cache.ResponseCache.before_request

    def before_request(self):
        answer = original(self)
        if answer is not None:
            flask.g.kim_bench_cache = "hit"
        elif flask.g.get("kim_response_key") is not None:
            flask.g.kim_bench_cache = "miss"
        return answer

    response_cache.ResponseCache.before_request = before_request


def build():
    _install_trace()
    _install_cache_marker()
    dash_app = create_app(database_url=os.environ.get("KIM_DATABASE_URL") or None)
    server = dash_app.server

    @server.after_request
    def _add_trace(response):
        trace = flask.g.get("kim_bench_trace")
        if trace:
            response.headers[TRACE_HEADER] = json.dumps(trace, separators=(",", ":"))
        response.headers[WORKER_HEADER] = str(os.getpid())
        cached = flask.g.get("kim_bench_cache")
        if cached:
            response.headers[CACHE_HEADER] = cached
        return response

    return server


app = build()
