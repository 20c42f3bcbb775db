"""The production server as the README starts it: gunicorn with gunicorn.conf.py, several workers.

Checks over real HTTP what a browser (or an attacker) sees: no `Server` banner, the security
headers on pages, assets and callbacks, a working callback, and that the default cache (files
under KIM_CACHE_DIR) is shared: a warm request is a hit whichever of the two workers answers."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
import requests

from tests.conftest import make_demo_db

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gunicorn")
    url = f"sqlite:///{folder / 'kim.sqlite'}"
    make_demo_db(url, persons=300, seed=5, until=date(2025, 11, 15))
    port = _free_port()
    # KIM_CACHE unset: the default, a file cache, here in the test's folder
    env = {k: v for k, v in os.environ.items() if k != "KIM_CACHE"}
    env.update(KIM_DATABASE_URL=url, KIM_CACHE_DIR=str(folder / "cache"), KIM_AUTH="none",
               PYTHONPATH=str(ROOT))
    log = open(folder / "gunicorn.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [str(GUNICORN), "-c", str(ROOT / "gunicorn.conf.py"), "-w", "2",
         "-b", f"127.0.0.1:{port}",
         # gunicorn's own access log, only here: which worker (pid) answered which request
         "--access-logfile", str(folder / "access.log"), "--access-logformat", "%(p)s %(m)s %(U)s",
         "app:server"],
        cwd=ROOT, env=env, stdout=log, stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail("gunicorn ended at start:\n"
                            + (folder / "gunicorn.log").read_text(errors="replace")[-3000:])
            try:
                if requests.get(base + "/", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail("gunicorn did not answer within 90 s")
            time.sleep(0.3)
        yield base, folder
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _assert_hardened(response: requests.Response) -> None:
    headers = {k.lower(): v for k, v in response.headers.items()}
    assert "server" not in headers, headers.get("server")
    assert "x-powered-by" not in headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]


def test_no_server_banner_and_security_headers(gunicorn_server):
    gunicorn_server, _folder = gunicorn_server
    page = requests.get(gunicorn_server + "/fallzahlen", timeout=10)
    assert page.status_code == 200
    _assert_hardened(page)
    asset = requests.get(gunicorn_server + "/assets/app.css", timeout=10)
    assert asset.status_code == 200
    _assert_hardened(asset)
    missing = requests.get(gunicorn_server + "/gibt-es-nicht.php", timeout=10)
    _assert_hardened(missing)
    assert "Traceback" not in missing.text


def _router_body(base: str, pathname: str, search: str) -> dict:
    deps = requests.get(base + "/_dash-dependencies", timeout=10).json()
    router = next(d for d in deps if "kim-page.children" in d["output"])
    outputs = [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]}
               for p in router["output"].strip(".").split("...")]
    return {
        "output": router["output"], "outputs": outputs,
        "inputs": [{"id": "url", "property": "pathname", "value": pathname},
                   {"id": "url", "property": "search", "value": search}],
        "changedPropIds": ["url.pathname"], "state": [],
    }


def test_callback_through_gunicorn(gunicorn_server):
    gunicorn_server, _folder = gunicorn_server
    body = _router_body(gunicorn_server, "/", "?von=2025-01-01&bis=2025-06-30")
    r = requests.post(gunicorn_server + "/_dash-update-component", timeout=30, json=body)
    assert r.status_code == 200
    _assert_hardened(r)
    assert "Überblick" in str(r.json()["response"]["kim-page"]["children"])


def test_warm_callbacks_hit_the_cache_both_workers_share(gunicorn_server):
    base, folder = gunicorn_server
    responses = folder / "cache" / "responses"
    count_file = hashlib.sha256(b"__wz_cache_count").hexdigest()  # cachelib's bookkeeping

    def entries() -> dict[str, int]:
        return {p.name: p.stat().st_mtime_ns for p in responses.iterdir() if p.name != count_file}

    body = _router_body(base, "/fallzahlen", "?von=2025-01-01&bis=2025-10-31&bezirk=NORD")
    before = entries() if responses.exists() else {}
    first = requests.post(base + "/_dash-update-component", json=body, timeout=60)
    assert first.status_code == 200
    stored = entries()
    (new,) = set(stored) - set(before)  # the cold request stored its answer once
    log = folder / "access.log"
    seen = len(log.read_text().splitlines())

    def warm(_):
        r = requests.post(base + "/_dash-update-component", json=body, timeout=60)
        return r.status_code, r.content

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(warm, range(24)))
    assert all(a == (200, first.content) for a in answers)
    # both workers answered warm requests ...
    time.sleep(0.5)
    lines = log.read_text().splitlines()[seen:]
    pids = {line.split()[0] for line in lines if "/_dash-update-component" in line}
    assert len(pids) == 2, lines
    # ... and neither computed the answer again: a miss would have written the entry anew
    assert entries() == stored and entries()[new] == stored[new]
