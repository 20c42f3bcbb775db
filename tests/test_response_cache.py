"""The callback response cache (dashboard/response_cache.py), by HTTP through Flask's test client,
on SQLite and PostgreSQL: a cached answer is the uncached app's answer, each role has its own
entries, a new import shows on the next request, refusals, outages and broken bodies are never
stored; plus compression and the cache headers of Dash's fingerprinted bundles."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
from datetime import date
from pathlib import Path

import flask
import plotly
import pytest

from dashboard import response_cache
from dashboard.app_factory import create_app
from dashboard.security import AuthSettings, add_user
from queries import db, demo
from tests.conftest import IN_CI, make_demo_db

TODAY = date(2025, 11, 15)
PASSWORD = "richtig-langes-passwort"
USERS = {"lg": "lenkungsgruppe", "ko": "koordination", "vw": "verwaltung"}
UPDATE = "/_dash-update-component"
VIEWS = [("/", ""), ("/fallzahlen", "?bezirk=NORD"), ("/budget", "?jahr=2024"),
         ("/statuswechsel", "?von=2024-01-01&bis=2024-12-31"), ("/daten", "")]


@pytest.fixture
def demo_url(db_url):
    return make_demo_db(db_url, persons=300, seed=7, until=TODAY)


@pytest.fixture
def users_file(tmp_path):
    path = tmp_path / "users.json"
    for name, role in USERS.items():
        add_user(path, name, role, PASSWORD)
    return path


def make_app(url, users_file, cache="simple"):
    return create_app(database_url=url, min_cell=5, cache_config=cache, today=TODAY,
                      auth_settings=AuthSettings(mode="basic", users_file=users_file))


class Client:
    """One user of one app, speaking HTTP through Flask's test client."""

    def __init__(self, app, user: str, gzip_ok: bool = True):
        self.app = app
        self.http = app.server.test_client()
        import base64

        token = base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}"}
        if gzip_ok:
            self.headers["Accept-Encoding"] = "gzip"
        self.deps = body_of(self.get("/_dash-dependencies"))

    def get(self, path):
        return self.http.get(path, headers=self.headers,
                             environ_base={"REMOTE_ADDR": "127.0.0.1"})

    def post_raw(self, body: bytes):
        return self.http.post(UPDATE, data=body, headers={**self.headers,
                                                         "Content-Type": "application/json"},
                              environ_base={"REMOTE_ADDR": "127.0.0.1"})

    def route(self, pathname: str, search: str = ""):
        return self.post_raw(json.dumps(router_payload(self.deps, pathname, search)).encode())


def router_payload(deps, pathname: str, search: str) -> dict:
    router = next(d for d in deps if "kim-page" in d["output"]
                  and any(i["id"] == "url" for i in d["inputs"]))
    outputs = [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
               for part in router["output"].strip(".").split("...")]
    return {"output": router["output"], "outputs": outputs,
            "inputs": [{"id": "url", "property": "pathname", "value": pathname},
                       {"id": "url", "property": "search", "value": search}],
            "changedPropIds": ["url.pathname"], "state": []}


def body_of(response) -> dict:
    raw = response.get_data()
    if response.headers.get("Content-Encoding") == "gzip":
        raw = gzip.decompress(raw)
    return json.loads(raw)


def stored(app) -> int:
    """How many callback answers the app's response cache holds (in-process cache)."""
    cache = app.server.config["KIM_RESPONSE_CACHE"].cache.cache
    return sum(1 for k in cache._cache if k.startswith("cb:"))


def test_cached_answers_equal_the_uncached_app(demo_url, users_file):
    cached_app, plain_app = make_app(demo_url, users_file), make_app(demo_url, users_file, "null")
    for user in USERS:
        cached, plain = Client(cached_app, user), Client(plain_app, user)
        for pathname, search in VIEWS:
            first = cached.route(pathname, search)
            before = stored(cached_app)
            second = cached.route(pathname, search)
            reference = plain.route(pathname, search)
            assert first.status_code == second.status_code == reference.status_code == 200
            assert stored(cached_app) == before  # the second answer came from the cache
            assert body_of(first) == body_of(second) == body_of(reference), (user, pathname)
    # one entry per role and view, except the answers that only say "no permission"
    # (lenkungsgruppe on /daten: an error message, never stored)
    assert stored(cached_app) == len(USERS) * len(VIEWS) - 1


def test_roles_get_their_own_entries(demo_url, users_file):
    app = make_app(demo_url, users_file)
    plain_app = make_app(demo_url, users_file, "null")
    vw, lg, ko = Client(app, "vw"), Client(app, "lg"), Client(app, "ko")
    # verwaltung first, so that its answer is in the cache when the others ask the same
    as_vw = json.dumps(body_of(vw.route("/")))
    as_lg = json.dumps(body_of(lg.route("/")))
    assert "nav-daten" in as_vw and "nav-daten" not in as_lg  # lenkungsgruppe: no Datenstand
    assert stored(app) == 2
    # the drill-down to case managers: koordination sees it, lenkungsgruppe does not
    staff_ko = body_of(ko.route("/fallzahlen", "?bezirk=NORD"))
    staff_lg = body_of(lg.route("/fallzahlen", "?bezirk=NORD"))
    assert staff_ko != staff_lg
    assert staff_lg == body_of(Client(plain_app, "lg").route("/fallzahlen", "?bezirk=NORD"))
    assert staff_ko == body_of(Client(plain_app, "ko").route("/fallzahlen", "?bezirk=NORD"))
    assert stored(app) == 4
    assert "Keine Berechtigung" in json.dumps(body_of(lg.route("/daten")), ensure_ascii=False)


def test_key_order_and_spacing_do_not_matter_but_every_value_does(demo_url, users_file):
    app = make_app(demo_url, users_file)
    c = Client(app, "vw")
    payload = router_payload(c.deps, "/fallzahlen", "?bezirk=NORD")
    c.post_raw(json.dumps(payload).encode())
    n = stored(app)
    reordered = json.dumps(dict(reversed(list(payload.items()))), indent=2).encode()
    assert body_of(c.post_raw(reordered)) == body_of(c.route("/fallzahlen", "?bezirk=NORD"))
    assert stored(app) == n
    # A forged extra field is a different request: its own entry, nobody else's answer changes.
    forged = {**payload, "forged": "<script>"}
    assert body_of(c.post_raw(json.dumps(forged).encode())) == body_of(c.post_raw(reordered))
    assert stored(app) == n + 1
    assert body_of(c.route("/fallzahlen", "?bezirk=SUED")) != body_of(
        c.route("/fallzahlen", "?bezirk=NORD"))


def test_a_new_import_shows_on_the_next_request(demo_url, users_file):
    app = make_app(demo_url, users_file)
    c = Client(app, "vw")
    before = body_of(c.route("/daten"))
    assert body_of(c.route("/daten")) == before  # served from the cache
    engine = db.writer_engine(demo_url)
    demo.generate(engine, persons=200, seed=8, until=TODAY)
    engine.dispose()
    after = body_of(c.route("/daten"))
    fresh = body_of(Client(make_app(demo_url, users_file, "null"), "vw").route("/daten"))
    assert after == fresh
    assert after != before


def test_refusals_and_broken_bodies_are_not_stored(demo_url, users_file):
    app = make_app(demo_url, users_file)
    lg = Client(app, "lg")
    lg.route("/")
    n = stored(app)
    assert n == 1
    # a page the role may not see: answered with the German refusal, which is not stored
    refused = lg.route("/daten")
    assert "Keine Berechtigung" in json.dumps(body_of(refused), ensure_ascii=False)
    assert stored(app) == n
    assert lg.post_raw(b"{not json").status_code >= 400
    assert lg.post_raw(b'{"output": 1}').status_code >= 400
    assert stored(app) == n
    anonymous = app.server.test_client().post(UPDATE, json=router_payload(lg.deps, "/", ""),
                                              environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert anonymous.status_code == 401
    assert stored(app) == n


def test_incomplete_answers_are_not_stored(demo_url, users_file):
    """The database banner and a figure replaced by an error message never enter the cache: the
    request's Outcome says so (dashboard/errors.py marks it), whatever the bytes hold."""
    from dashboard import errors, sections
    from dashboard.data import DataUnavailable

    app = make_app(demo_url, users_file)
    responses = app.server.config["KIM_RESPONSE_CACHE"]
    for failure, marker in ((DataUnavailable(), '{"id": "kim-db-banner"}'),
                            (ZeroDivisionError("boom"), '{"className": "kim-error"}'),
                            (None, '{"ok": 1}'), (None, '{"text": "kim-error kim-db-banner"}')):
        with app.server.test_request_context(UPDATE, method="POST", data=b"{}"):
            flask.g.kim_role = "verwaltung"
            flask.g.kim_response_key = key = f"cb:test-{marker}"
            if failure is not None:
                errors.on_page(failure, "probe", whole_page=True)
                assert sections.outcome().incomplete
            responses.after_request(flask.Response(marker, mimetype="application/json"))
            assert (responses.get(key) is not None) == (failure is None), marker


def test_outage_answer_is_not_served_after_recovery(tmp_path, users_file):
    url = f"sqlite:///{tmp_path / 'kim.sqlite'}"
    engine = db.writer_engine(url)
    db.init_db(engine)
    demo.generate(engine, persons=300, seed=7, until=TODAY)
    engine.dispose()
    app = make_app(url, users_file)
    c = Client(app, "vw")
    path = tmp_path / "kim.sqlite"
    shutil.move(path, tmp_path / "away.sqlite")
    try:
        app.server.config["KIM_DATA"].engine.dispose()
        away = json.dumps(body_of(c.route("/fallzahlen")))
        assert "kim-db-banner" in away
    finally:
        shutil.move(tmp_path / "away.sqlite", path)
    back = json.dumps(body_of(c.route("/fallzahlen")))
    assert "kim-db-banner" not in back and "caseload" in back


def test_gzip_only_when_offered(demo_url, users_file):
    app = make_app(demo_url, users_file)
    zipped, plain = Client(app, "vw"), Client(app, "vw", gzip_ok=False)
    a = zipped.route("/budget")  # miss: computed and stored
    b = plain.route("/budget")  # hit, served to a client without gzip
    c = zipped.route("/budget")  # hit, gzip
    assert a.headers["Content-Encoding"] == c.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in b.headers
    assert "Accept-Encoding" in b.headers["Vary"]
    assert body_of(a) == body_of(b) == body_of(c)
    assert b.headers["Cache-Control"] == "no-store"  # security headers on cached answers too
    assert "Content-Security-Policy" in c.headers


def test_bundles_compressed_and_cached_for_a_year(demo_url, users_file):
    app = make_app(demo_url, users_file)
    c = Client(app, "vw")
    index = c.get("/")
    assert index.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(index.get_data()).decode()
    c.headers["Accept-Encoding"] = "gzip, br"
    suites = re.findall(r'src="(/_dash-component-suites/[^"]+)"', html)
    fingerprinted = [s for s in suites if re.search(r"\.v[\w-]+m\d+\.", s)]
    assert fingerprinted
    r = c.get(fingerprinted[0])
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == response_cache.BUNDLE_CACHE_CONTROL
    assert r.headers["Content-Encoding"] in ("br", "gzip")
    assert c.get(UPDATE).headers.get("Cache-Control") != response_cache.BUNDLE_CACHE_CONTROL
    layout = c.get("/_dash-layout")
    assert layout.headers["Cache-Control"] == "no-store"


# -- the partial plotly.js bundle (assets/vendor/plotly-kim.min.js) ---------------------------

BUNDLE = Path(__file__).resolve().parent.parent / "assets" / "vendor" / "plotly-kim.min.js"


def trace_types(node, found: set) -> set:
    """Every trace type in the figures of a callback answer (plotly's default is scatter)."""
    if isinstance(node, dict):
        figure = node.get("figure")
        if isinstance(figure, dict):
            found.update(t.get("type", "scatter") for t in figure.get("data", []))
        for value in node.values():
            trace_types(value, found)
    elif isinstance(node, list):
        for value in node:
            trace_types(value, found)
    return found


def test_partial_plotly_bundle_draws_every_trace_of_every_page(demo_url, users_file):
    text = BUNDLE.read_text(encoding="utf-8")
    registered = set(re.findall(r'moduleType:"trace",name:"(\w+)"', text))
    c = Client(make_app(demo_url, users_file), "vw")
    used: set = set()
    for pathname, search in [*VIEWS, ("/statuswechsel", ""), ("/fallzahlen", "")]:
        trace_types(body_of(c.route(pathname, search)), used)
    assert {"bar", "scatter", "sankey", "heatmap"} <= used  # the pages as they are today
    assert used <= registered, f"rebuild: benchmarks/plotly_bundle/build.sh ({used - registered})"
    # the same plotly.js as the Python package's, so the figures' attributes are understood
    shipped = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text()[:200]
    version = re.search(r"plotly\.js v([\d.]+)", shipped).group(1)
    assert text.startswith(f"/*! plotly.js {version} "), "rebuild with PLOTLYJS=" + version
    # loaded by the page itself (window.Plotly), so dcc.Graph never fetches the full bundle
    index = gzip.decompress(c.get("/").get_data()).decode()
    assert "vendor/plotly-kim.min.js" in index and "plotly.min.js" not in index


# -- several workers sharing Redis (KIM_CACHE=redis://…) ----------------------------------------

REDIS_URL = os.environ.get("KIM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        message = f"Redis not reachable at {REDIS_URL} ({type(exc).__name__}); start redis-server"
        if IN_CI:
            pytest.fail(message + " (CI=true: this test must run)")
        pytest.skip(message)
    yield client
    for key in client.scan_iter(f"{response_cache.KEY_PREFIX}*"):
        client.delete(key)
    client.close()


def test_workers_share_answers_through_redis(demo_url, users_file, redis_client):
    def entries() -> int:
        return sum(1 for _ in redis_client.scan_iter(f"{response_cache.KEY_PREFIX}cb:*"))

    worker_a = Client(make_app(demo_url, users_file, REDIS_URL), "ko")
    worker_b = Client(make_app(demo_url, users_file, REDIS_URL), "ko")
    n = entries()
    first = body_of(worker_a.route("/budget"))
    assert entries() == n + 1
    assert body_of(worker_b.route("/budget")) == first  # answered from worker a's entry
    assert entries() == n + 1
    engine = db.writer_engine(demo_url)
    demo.generate(engine, persons=200, seed=8, until=TODAY)
    engine.dispose()
    after = body_of(worker_b.route("/budget"))
    assert entries() == n + 2
    assert after == body_of(Client(make_app(demo_url, users_file, "null"), "ko").route("/budget"))
    assert after != first


# -- the default: a file cache that the workers of one machine share ---------------------------


def test_default_cache_is_files_under_instance(monkeypatch, tmp_path):
    from dashboard import data as dashboard_data

    monkeypatch.delenv("KIM_CACHE", raising=False)
    monkeypatch.delenv("KIM_CACHE_DIR", raising=False)
    config = dashboard_data.cache_config()
    assert config["CACHE_TYPE"] == "FileSystemCache"
    assert Path(config["CACHE_DIR"]) == db.PROJECT_ROOT / "instance" / "cache" / "queries"
    responses = response_cache.response_cache_config(config)
    assert Path(responses["CACHE_DIR"]) == db.PROJECT_ROOT / "instance" / "cache" / "responses"
    monkeypatch.setenv("KIM_CACHE_DIR", str(tmp_path))
    assert dashboard_data.cache_config("filesystem")["CACHE_DIR"] == str(tmp_path / "queries")
    # the others stay selectable
    assert dashboard_data.cache_config("simple")["CACHE_TYPE"] == "SimpleCache"
    assert dashboard_data.cache_config("null")["CACHE_TYPE"] == "NullCache"
    assert dashboard_data.cache_config(REDIS_URL)["CACHE_TYPE"] == "RedisCache"
    with pytest.raises(ValueError, match="filesystem"):
        dashboard_data.cache_config("memcached")


def test_workers_share_answers_through_the_file_cache(demo_url, users_file, tmp_path,
                                                      monkeypatch):
    monkeypatch.setenv("KIM_CACHE_DIR", str(tmp_path / "cache"))
    responses = tmp_path / "cache" / "responses"

    count_file = hashlib.sha256(b"__wz_cache_count").hexdigest()  # cachelib's own bookkeeping

    def entries() -> set[str]:
        return {p.name for p in responses.iterdir() if p.name != count_file}

    # two apps in one process stand for two gunicorn workers: nothing but the folder is shared
    worker_a = Client(make_app(demo_url, users_file, "filesystem"), "ko")
    worker_b = Client(make_app(demo_url, users_file, "filesystem"), "ko")
    first = body_of(worker_a.route("/budget"))
    assert len(entries()) == 1
    (entry,) = entries()
    written = (responses / entry).stat().st_mtime_ns
    assert body_of(worker_b.route("/budget")) == first  # answered from worker a's entry
    assert entries() == {entry} and (responses / entry).stat().st_mtime_ns == written
    assert any((tmp_path / "cache" / "queries").iterdir())  # the query results are shared too
    # a regenerated database (same run ids, new start) never gets the old answers
    engine = db.writer_engine(demo_url)
    demo.generate(engine, persons=200, seed=8, until=TODAY)
    engine.dispose()
    after = body_of(worker_b.route("/budget"))
    assert len(entries()) == 2
    assert after == body_of(Client(make_app(demo_url, users_file, "null"), "ko").route("/budget"))
