"""Browser-test fixtures: one demo database, one real server on a free port, Debian's Chromium.

The server runs the app in a thread (werkzeug) over a demo SQLite database generated with a fixed
`until`, and the app gets a fixed `today`, so every number is stable. Without /usr/bin/chromium
the tests skip with a hint (apt-get install chromium); under CI=true they fail instead.
Screenshots go to screenshots/ at the repository root, named page-width-height.png.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from dashboard.app_factory import create_app
from queries import db, demo

CHROMIUM = Path("/usr/bin/chromium")
TODAY = date(2025, 11, 15)
UNTIL = date(2025, 11, 15)
MIN_CELL = 5
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        message = (f"{CHROMIUM} not found: install Debian's Chromium (apt-get install chromium) "
                   "to run the browser tests")
        if IN_CI:
            pytest.fail(f"{message} (CI=true: these tests must run, not skip)")
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--lang=de-DE"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "de-DE", "viewport": {"width": 1280, "height": 720}}


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'kim.sqlite'}"
    engine = db.writer_engine(url)
    db.init_db(engine)
    demo.generate(engine, persons=2000, seed=2020, until=UNTIL)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def base_url(demo_url):
    """The running server's address (also pytest-base-url's fixture name, so page.goto("/")
    works)."""
    app = create_app(database_url=demo_url, min_cell=MIN_CELL, cache_config="simple", today=TODAY)
    with serving(app) as url:
        yield url


@contextmanager
def serving(app):
    """Serve the Dash app on a free port of 127.0.0.1 in a thread; yields its address."""
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def report_for(demo_url):
    """build_report on the demo database for a filter: what `kim report` prints."""
    from queries.report import build_report

    engine = db.reader_engine(demo_url)

    def run(f):
        with engine.connect() as conn:
            return build_report(conn, f)

    yield run
    engine.dispose()


@pytest.fixture
def watched(page, base_url):
    """The page, with every console error and every request to another origin recorded; the test
    fails at the end if there was any."""
    errors: list[str] = []
    foreign: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda r: foreign.append(r.url)
            if not r.url.startswith((base_url, "data:", "blob:")) else None)
    yield page
    assert errors == [], f"console errors: {errors}"
    assert foreign == [], f"requests to other origins: {foreign}"
