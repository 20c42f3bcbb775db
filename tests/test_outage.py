"""The database goes away while the app runs and comes back: pages show the German banner instead
of charts (never a traceback, never a 500), and the next request after the return works without
a restart.

PostgreSQL, twice:
- a cluster of the test's own (initdb + pg_ctl in a temporary directory, on a free port, removed
  afterwards), stopped and started: the server really goes down;
- the machine's PostgreSQL reached through a TCP relay of the test's own, which is cut (port
  closed, open connections reset) and restored: what the app sees when the network dies.
The machine's shared cluster is never stopped. SQLite: the file moved away and back."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from dashboard.app_factory import create_app
from dashboard.data import UNAVAILABLE_MESSAGE
from dashboard.security import AuthSettings
from queries import db, demo, schema
from tests.conftest import make_demo_db

TODAY = date(2025, 11, 15)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_BIN = os.environ.get("KIM_TEST_PG_BIN", "/usr/lib/postgresql/15/bin")
BANNER = "Keine Verbindung zur Datenbank."
PAGES = ("/", "/fallzahlen", "/budget", "/statuswechsel", "/wirkung", "/daten")


def _unavailable(message: str):
    if IN_CI:
        pytest.fail(f"{message} (CI=true: this test must run, not skip)")
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnCluster:
    """A throw-away PostgreSQL server: initdb into a temporary directory, pg_ctl start/stop.

    As root, the server runs as the `postgres` user (PostgreSQL refuses to run as root)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="kim-outage-pg-")
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "server.log")
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([*self.as_user, *args], capture_output=True, text=True,
                                timeout=120)
        if check and result.returncode != 0:
            log = ""
            if os.path.exists(self.log):
                with open(self.log, encoding="utf-8", errors="replace") as fh:
                    log = fh.read()[-3000:]
            raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}):\n"
                               f"{result.stdout}{result.stderr}\nserver log:\n{log}")
        return result

    def init(self) -> None:
        self._run(f"{PG_BIN}/initdb", "-D", self.data, "-U", "postgres", "--auth=trust",
                  "--no-sync", "-E", "UTF8", "--locale=C")

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
                   "-c shared_buffers=16MB -c fsync=off -c max_connections=40")
        self._run(f"{PG_BIN}/pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60",
                  "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop")

    def remove(self) -> None:
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self._run(f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop",
                      check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture(scope="module")
def own_cluster():
    """A PostgreSQL server of this test's own with demo data, removed afterwards."""
    if not os.path.exists(f"{PG_BIN}/initdb"):
        _unavailable(f"{PG_BIN}/initdb not found: install PostgreSQL 15's server package "
                     "(or set KIM_TEST_PG_BIN) to run the PostgreSQL outage test")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        _unavailable("runuser is needed to start a PostgreSQL server as root")
    cluster = OwnCluster()
    try:
        cluster.init()
        for attempt in range(3):  # the free port may be taken between lookup and start
            try:
                cluster.start()
                break
            except RuntimeError:
                if attempt == 2:
                    raise
                cluster.port = _free_port()
        engine = db.writer_engine(cluster.url)
        db.init_db(engine)
        demo.generate(engine, persons=200, seed=11, until=TODAY)
        engine.dispose()
        yield cluster
    finally:
        cluster.remove()


class Relay:
    """A TCP relay 127.0.0.1:<port> -> PostgreSQL that can be cut and restored."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = 0
        self._listener: socket.socket | None = None
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed: the relay is down
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        """Refuse new connections and cut the open ones."""
        if self._listener is not None:
            try:  # wakes the thread blocked in accept(); close() alone leaves it listening
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()


@pytest.fixture(scope="module")
def relayed_postgres(postgres_database):
    """A demo database on the real PostgreSQL, and a URL that reaches it through a Relay."""
    engine = db.writer_engine(postgres_database)
    schema.metadata.drop_all(engine)  # the session's database may hold an earlier test's tables
    db.init_db(engine)
    demo.generate(engine, persons=200, seed=11, until=TODAY)
    engine.dispose()
    target = make_url(postgres_database)
    relay = Relay(target.host or "127.0.0.1", target.port or 5432)
    relay.start()
    url = target.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    try:
        yield relay, url
    finally:
        relay.stop()


def _client(url: str):
    app = create_app(database_url=url, min_cell=5, cache_config="simple", today=TODAY,
                     auth_settings=AuthSettings(mode="none"))
    return app, app.server.test_client()


def _route(app, client, pathname: str) -> tuple[int, str, str]:
    """The router callback over HTTP: (status, notes slot, page slot) as text."""
    deps = client.get("/_dash-dependencies", environ_base=LOOPBACK).get_json()
    router = next(d for d in deps if "kim-page.children" in d["output"])
    outputs = [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]}
               for p in router["output"].strip(".").split("...")]
    r = client.post("/_dash-update-component", environ_base=LOOPBACK, json={
        "output": router["output"], "outputs": outputs,
        "inputs": [{"id": "url", "property": "pathname", "value": pathname},
                   {"id": "url", "property": "search", "value": "?von=2025-01-01&bis=2025-06-30"}],
        "changedPropIds": ["url.pathname"], "state": [],
    })
    body = r.get_data(as_text=True)
    if r.status_code != 200:
        return r.status_code, body, body
    response = r.get_json()["response"]
    return 200, str(response["kim-notes"]["children"]), str(response["kim-page"]["children"])


LOOPBACK = {"REMOTE_ADDR": "127.0.0.1"}


def _assert_working(app, client):
    for path in PAGES:
        status, notes, page = _route(app, client, path)
        assert status == 200, (path, notes)
        assert BANNER not in notes, path
        assert "Graph" in page or path == "/daten", path  # charts are drawn again
        assert "Traceback" not in notes + page


def _assert_banner(app, client):
    for path in PAGES:
        status, notes, page = _route(app, client, path)
        assert status == 200, (path, notes)
        assert BANNER in notes and UNAVAILABLE_MESSAGE in notes, path
        assert page == "None", path  # no charts, no stale numbers
        assert "Traceback" not in notes
    # the page itself (static shell) still loads
    assert client.get("/", environ_base=LOOPBACK).status_code == 200


@pytest.mark.postgres
def test_postgresql_stopped_and_started(own_cluster):
    app, client = _client(own_cluster.url)
    _assert_working(app, client)
    own_cluster.stop()
    try:
        _assert_banner(app, client)
    finally:
        own_cluster.start()
    _assert_working(app, client)  # same app, no restart


@pytest.mark.postgres
def test_postgresql_network_cut_and_restored(relayed_postgres):
    relay, url = relayed_postgres
    app, client = _client(url)
    _assert_working(app, client)
    relay.stop()
    try:
        _assert_banner(app, client)
    finally:
        relay.start()
    _assert_working(app, client)  # same app, no restart


def test_sqlite_file_moved_away_and_back(tmp_path):
    path = tmp_path / "kim.sqlite"
    url = f"sqlite:///{path}"
    make_demo_db(url, persons=200, seed=11, until=TODAY)
    app, client = _client(url)
    _assert_working(app, client)
    away = tmp_path / "elsewhere.sqlite"
    Path(path).rename(away)
    try:
        _assert_banner(app, client)
        assert not path.exists()  # the read-only reader never creates an empty file
    finally:
        away.rename(path)
    _assert_working(app, client)
