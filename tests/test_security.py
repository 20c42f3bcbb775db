"""Access control and security headers, tried by direct HTTP against a real server: every role
against every page, callback and download it must not reach, each authentication mode's refusals,
the response headers and the CSP hashes, and the access log without personal data."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import threading
import time
from datetime import date

import pytest
import requests
from werkzeug.serving import make_server

from dashboard import data as dashboard_data
from dashboard import security
from dashboard.app_factory import create_app
from dashboard.security import NO_PERMISSION_TEXT, AuthSettings, add_user
from tests.conftest import make_demo_db

TODAY = date(2025, 11, 15)
PASSWORD = "richtig-langes-passwort"
USERS = {"lg": "lenkungsgruppe", "ko": "koordination", "vw": "verwaltung"}
ROUTER_INPUT = "url.pathname"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('sec') / 'kim.sqlite'}"
    make_demo_db(url, persons=300, seed=7, until=TODAY)
    return url


def serve(app):
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread, f"http://127.0.0.1:{server.server_port}"


@pytest.fixture(scope="module")
def basic_server(demo_db, tmp_path_factory):
    users_file = tmp_path_factory.mktemp("users") / "users.json"
    for name, role in USERS.items():
        add_user(users_file, name, role, PASSWORD)
    settings = AuthSettings(mode="basic", users_file=users_file)
    app = create_app(database_url=demo_db, min_cell=5, cache_config="simple", today=TODAY,
                     auth_settings=settings)
    server, thread, base = serve(app)
    yield base
    server.shutdown()
    thread.join(timeout=10)


def session_for(user: str | None) -> requests.Session:
    s = requests.Session()
    if user is not None:
        s.auth = (user, PASSWORD)
    return s


def router_payload(deps: list[dict], pathname: str, search: str) -> dict:
    """The POST the browser makes for the router callback (Input url.pathname and url.search)."""
    router = next(d for d in deps if any(f"{i['id']}.{i['property']}" == ROUTER_INPUT
                                         for i in d["inputs"]) and "kim-page" in d["output"])
    outputs = [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
               for part in router["output"].strip(".").split("...")]
    return {
        "output": router["output"],
        "outputs": outputs,
        "inputs": [{"id": "url", "property": "pathname", "value": pathname},
                   {"id": "url", "property": "search", "value": search}],
        "changedPropIds": [ROUTER_INPUT],
        "state": [],
    }


def route(s: requests.Session, base: str, pathname: str, search: str = "") -> requests.Response:
    deps = s.get(base + "/_dash-dependencies", timeout=30).json()
    return s.post(base + "/_dash-update-component", json=router_payload(deps, pathname, search),
                  timeout=60)


def page_of(response: requests.Response) -> str:
    """The router's page slot and navigation as JSON text (what the browser would draw)."""
    body = response.json()["response"]
    return str(body["kim-page"]["children"]) + str(body["kim-nav"]["children"])


# -- authentication ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/daten", "/_dash-layout", "/_dash-dependencies",
                                  "/assets/app.css"])
def test_basic_refuses_without_or_with_wrong_credentials(basic_server, path):
    anonymous = requests.get(basic_server + path, timeout=30)
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Basic ")
    wrong = requests.get(basic_server + path, auth=("vw", PASSWORD + "x"), timeout=30)
    assert wrong.status_code == 401
    unknown = requests.get(basic_server + path, auth=("mallory", PASSWORD), timeout=30)
    assert unknown.status_code == 401


def test_basic_refuses_callbacks_without_credentials(basic_server):
    deps = session_for("vw").get(basic_server + "/_dash-dependencies", timeout=30).json()
    r = requests.post(basic_server + "/_dash-update-component",
                      json=router_payload(deps, "/fallzahlen", "?bezirk=NORD"), timeout=30)
    assert r.status_code == 401
    assert "Fall" not in r.text


def test_users_file_holds_no_password(tmp_path):
    path = tmp_path / "users.json"
    add_user(path, "anna", "koordination", PASSWORD)
    text = path.read_text()
    assert PASSWORD not in text and "scrypt" in text
    with pytest.raises(ValueError):
        add_user(path, "bert", "chef", PASSWORD)
    with pytest.raises(ValueError):
        add_user(path, "bert", "verwaltung", "kurz")


# -- basic: one password check, then a signed session ------------------------------------------


@pytest.fixture
def scrypt_calls(monkeypatch):
    """How often the server checked a password (the real check, counted)."""
    calls = []
    real = security.check_password_hash

    def counted(stored, password):
        calls.append(1)
        return real(stored, password)

    monkeypatch.setattr(security, "check_password_hash", counted)
    return calls


@pytest.fixture
def session_server(demo_db, tmp_path):
    """A basic server of its own (the tests change users and wait for expiry); sessions last
    two seconds."""
    users_file = tmp_path / "users.json"
    add_user(users_file, "ko", "koordination", PASSWORD)
    settings = AuthSettings(mode="basic", users_file=users_file, session_hours=2 / 3600)
    app = create_app(database_url=demo_db, min_cell=5, cache_config="simple", today=TODAY,
                     auth_settings=settings)
    server, thread, base = serve(app)
    yield base, users_file
    server.shutdown()
    thread.join(timeout=10)


def cookie_only(s: requests.Session) -> requests.Session:
    """The same browser without its Basic credentials: only the session cookie is sent."""
    bare = requests.Session()
    bare.cookies.update(s.cookies)
    return bare


def test_basic_checks_the_password_once_then_the_session(basic_server, scrypt_calls):
    s = session_for("ko")
    first = s.get(basic_server + "/", timeout=30)
    assert first.status_code == 200 and len(scrypt_calls) == 1
    cookie = first.headers["Set-Cookie"]
    assert cookie.startswith(security.SESSION_COOKIE + "=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    # the page's CSS, scripts and callbacks: no password check any more
    for path in ("/assets/app.css", "/_dash-layout", "/_dash-dependencies", "/assets/app.css"):
        assert s.get(basic_server + path, timeout=30).status_code == 200
    assert route(s, basic_server, "/daten").status_code == 200
    assert len(scrypt_calls) == 1
    # the cookie alone is enough, and it carries the role (Datenstand is koordination's)
    bare = cookie_only(s)
    assert "kim-no-permission" not in page_of(route(bare, basic_server, "/daten"))
    assert len(scrypt_calls) == 1
    # a Basic header for another user than the session's is a new sign-in with its own check
    other = cookie_only(s)
    other.auth = ("lg", PASSWORD)
    assert "kim-no-permission" in page_of(route(other, basic_server, "/daten"))
    assert len(scrypt_calls) == 2


def test_a_forged_or_foreign_session_cookie_is_refused(basic_server, tmp_path):
    s = session_for("vw")
    assert s.get(basic_server + "/", timeout=30).status_code == 200
    value = s.cookies[security.SESSION_COOKIE]
    forged = requests.Session()
    forged.cookies.set(security.SESSION_COOKIE, value[:-3] + ("AAA" if value[-3:] != "AAA"
                                                               else "BBB"))
    assert forged.get(basic_server + "/", timeout=30).status_code == 401
    # a cookie signed with another key (another installation) is worth nothing here
    app = create_app(database_url=None, min_cell=5, cache_config="null", today=TODAY,
                     auth_settings=AuthSettings(mode="basic", users_file=tmp_path / "u.json"))
    with app.server.test_request_context():
        foreign = app.server.session_interface.get_signing_serializer(app.server).dumps(
            {"user": "vw", "fp": "x", "at": 0})
    stranger = requests.Session()
    stranger.cookies.set(security.SESSION_COOKIE, foreign)
    assert stranger.get(basic_server + "/", timeout=30).status_code == 401


def _logout_links(layout: dict) -> list[dict]:
    """The "Abmelden" links of the header in the page layout as Dash sends it (/_dash-layout)."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            props = node.get("props") or {}
            if props.get("id") == "kim-logout":
                found.append(props)
            for value in props.values():
                walk(value)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(layout)
    return found


def test_logout_link_in_the_header_with_basic_auth_only(session_server, demo_db, tmp_path):
    base, _users = session_server
    s = session_for("ko")
    (link,) = _logout_links(s.get(base + "/_dash-layout", timeout=30).json())
    assert link["children"] == "Abmelden" and link["href"] == security.LOGOUT_PATH
    out = s.get(base + link["href"], timeout=30)  # following it ends the session
    assert out.status_code == 401 and out.text == security.LOGGED_OUT_TEXT
    assert security.SESSION_COOKIE not in s.cookies
    # without basic auth nobody signs in, so there is nothing to sign out of
    for settings in (AuthSettings(mode="none"),
                     AuthSettings(mode="header", trusted_proxies=("127.0.0.1",),
                                  role_groups=(("KIM-VW", "verwaltung"),))):
        app = create_app(database_url=demo_db, min_cell=5, cache_config="null", today=TODAY,
                         auth_settings=settings)
        layout = app.server.test_client().get(
            "/_dash-layout", headers={"X-Remote-User": "a", "X-Remote-Groups": "KIM-VW"})
        assert layout.status_code == 200, settings.mode
        assert _logout_links(layout.get_json()) == [], settings.mode
        assert "Abmelden" not in layout.get_data(as_text=True)


def test_session_ends_with_logout_expiry_and_a_new_password(session_server, scrypt_calls):
    base, users_file = session_server
    s = session_for("ko")
    assert s.get(base + "/", timeout=30).status_code == 200
    bare = cookie_only(s)
    assert bare.get(base + "/assets/app.css", timeout=30).status_code == 200

    out = s.get(base + security.LOGOUT_PATH, timeout=30)
    assert out.status_code == 401 and out.text == security.LOGGED_OUT_TEXT
    assert out.headers["WWW-Authenticate"].startswith("Basic ")
    # the browser's cookie is deleted, and a copy kept from before is refused too
    assert security.SESSION_COOKIE not in s.cookies
    assert bare.get(base + "/assets/app.css", timeout=30).status_code == 401

    # expiry: two seconds in this server (KIM_SESSION_HOURS in production)
    assert s.get(base + "/", timeout=30).status_code == 200
    bare = cookie_only(s)
    assert bare.get(base + "/assets/app.css", timeout=30).status_code == 200
    time.sleep(2.2)
    assert bare.get(base + "/assets/app.css", timeout=30).status_code == 401
    calls = len(scrypt_calls)
    assert s.get(base + "/", timeout=30).status_code == 200  # signs in again
    assert len(scrypt_calls) == calls + 1

    # a new password (or a removed user) ends the session at once
    bare = cookie_only(s)
    assert bare.get(base + "/assets/app.css", timeout=30).status_code == 200
    add_user(users_file, "ko", "koordination", PASSWORD + "-neu")
    assert bare.get(base + "/assets/app.css", timeout=30).status_code == 401


def test_secret_key_generated_once_into_instance(tmp_path, monkeypatch):
    users_file = tmp_path / "instance" / "users.json"
    settings = AuthSettings(mode="basic", users_file=users_file)
    key = security.secret_key(settings)
    path = tmp_path / "instance" / "secret_key"
    assert path.read_text().strip() == key and len(key) == 64
    assert path.stat().st_mode & 0o777 == 0o600
    assert security.secret_key(settings) == key  # every worker and every restart: the same key
    assert security.secret_key(AuthSettings(secret_key="aus-der-umgebung")) == "aus-der-umgebung"
    monkeypatch.setenv("KIM_SECRET_KEY", "gesetzt")
    monkeypatch.setenv("KIM_SESSION_HOURS", "1,5")
    with pytest.raises(ValueError, match="KIM_SESSION_HOURS"):
        AuthSettings.from_env()
    monkeypatch.setenv("KIM_SESSION_HOURS", "1.5")
    settings = AuthSettings.from_env()
    assert settings.secret_key == "gesetzt" and settings.session_hours == 1.5


def test_none_mode_only_from_loopback(demo_db):
    app = create_app(database_url=demo_db, min_cell=5, cache_config="null", today=TODAY,
                     auth_settings=AuthSettings(mode="none"))
    client = app.server.test_client()
    assert client.get("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
    assert client.get("/", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403


def test_header_mode_believes_only_trusted_proxy(demo_db):
    settings = AuthSettings(mode="header", trusted_proxies=("127.0.0.2",),
                            role_groups=(("KIM-LG", "lenkungsgruppe"), ("KIM-VW", "verwaltung")))
    app = create_app(database_url=demo_db, min_cell=5, cache_config="null", today=TODAY,
                     auth_settings=settings)
    client = app.server.test_client()
    sso = {"X-Remote-User": "anna", "X-Remote-Groups": "Alle, KIM-VW"}
    # the same headers from anyone but the proxy are a forgery
    assert client.get("/", headers=sso, environ_base={"REMOTE_ADDR": "127.0.0.1"}
                      ).status_code == 403
    assert client.get("/", headers=sso, environ_base={"REMOTE_ADDR": "127.0.0.2"}
                      ).status_code == 200
    no_group = {"X-Remote-User": "anna", "X-Remote-Groups": "Alle"}
    assert client.get("/", headers=no_group, environ_base={"REMOTE_ADDR": "127.0.0.2"}
                      ).status_code == 403
    no_user = {"X-Remote-Groups": "KIM-VW"}
    assert client.get("/", headers=no_user, environ_base={"REMOTE_ADDR": "127.0.0.2"}
                      ).status_code == 403


def test_header_mode_needs_proxies(monkeypatch):
    monkeypatch.setenv("KIM_AUTH", "header")
    monkeypatch.delenv("KIM_TRUSTED_PROXIES", raising=False)
    with pytest.raises(ValueError):
        AuthSettings.from_env()
    monkeypatch.setenv("KIM_AUTH", "offen")
    with pytest.raises(ValueError):
        AuthSettings.from_env()


# -- roles, by direct HTTP --------------------------------------------------------------------


def test_lenkungsgruppe_cannot_reach_datenstand(basic_server):
    s = session_for("lg")
    r = route(s, basic_server, "/daten")
    assert r.status_code == 200
    text = page_of(r)
    assert NO_PERMISSION_TEXT in text
    # nothing of the page's data: no import history, no table counts, no quality checks
    for marker in ("data-runs-table", "data-counts-table", "data-quality", "Importläufe"):
        assert marker not in text
    assert "/daten" not in str(r.json()["response"]["kim-nav"]["children"])


def test_lenkungsgruppe_gets_no_case_manager_level(basic_server):
    r = route(session_for("lg"), basic_server, "/fallzahlen", "?bezirk=NORD")
    assert r.status_code == 200
    text = page_of(r)
    assert "caseload-staff" not in text
    assert "Case Manager (Pseudonym)" not in text
    assert "caseload-municipalities" in text  # the aggregates are still there
    start = page_of(route(session_for("lg"), basic_server, "/fallzahlen"))
    assert "Gemeinden zu sehen" in start and "Case Manager zu sehen" not in start


def test_koordination_drills_down_and_sees_datenstand(basic_server):
    s = session_for("ko")
    text = page_of(route(s, basic_server, "/fallzahlen", "?bezirk=NORD"))
    assert "caseload-staff" in text
    daten = page_of(route(s, basic_server, "/daten"))
    assert NO_PERMISSION_TEXT not in daten and "data-counts-table" in daten


@pytest.mark.parametrize("user", list(USERS))
def test_every_role_sees_the_aggregate_pages(basic_server, user):
    s = session_for(user)
    for path in ("/", "/fallzahlen", "/budget", "/statuswechsel", "/wirkung"):
        r = route(s, basic_server, path)
        assert r.status_code == 200
        assert NO_PERMISSION_TEXT not in page_of(r)
    assert s.get(basic_server + "/", timeout=30).status_code == 200


def test_data_layer_refuses_by_role(demo_db):
    """The check lives on the section whose rows are read (dashboard/sections.py), so any route
    asking the registry (a download too) inherits it: a Flask route reading staff-level rows
    answers 403 with German words and no data for the Lenkungsgruppe, and the data for the
    Koordination."""
    from dashboard import sections, urlstate
    from dashboard.pages import caseload as caseload_page
    from dashboard.pages import data_status

    app = create_app(database_url=demo_db, min_cell=5, cache_config="simple", today=TODAY,
                     auth_settings=AuthSettings(mode="header", trusted_proxies=("127.0.0.2",),
                                                role_groups=(("LG", "lenkungsgruppe"),
                                                             ("KO", "koordination"))))
    data = app.server.config["KIM_DATA"]

    def view():
        return urlstate.read(data, "/fallzahlen", "?von=2025-01-01&bis=2025-06-30&bezirk=NORD")

    @app.server.route("/probe/staff")
    def probe_staff():
        return {"rows": list(sections.table(caseload_page.STAFF, view()).rows)}

    @app.server.route("/probe/runs")
    def probe_runs():
        return {"rows": len(sections.table(data_status.RUNS, view()).rows)}

    client = app.server.test_client()
    env = {"REMOTE_ADDR": "127.0.0.2"}
    for group, status in (("LG", 403), ("KO", 200)):
        headers = {"X-Remote-User": "x", "X-Remote-Groups": group}
        for path in ("/probe/staff", "/probe/runs"):
            r = client.get(path, headers=headers, environ_base=env)
            assert r.status_code == status, (group, path)
            if status == 403:
                assert r.get_data(as_text=True) == NO_PERMISSION_TEXT
    # a result cached for the Koordination is not handed to the Lenkungsgruppe either
    r = client.get("/probe/staff", headers={"X-Remote-User": "x", "X-Remote-Groups": "LG"},
                   environ_base=env)
    assert r.status_code == 403


def test_pseudonyms_in_quality_warnings_only_for_verwaltung():
    """_redact strips the examples of personal subjects unless the role has "pseudonyms"."""
    import flask

    from queries import quality

    warnings = [
        {"key": "a", "subject": "case", "count": 2, "examples": ["C1", "C2"]},
        {"key": "b", "subject": "booking", "count": 1, "examples": ["B1"]},
    ]
    app = flask.Flask("probe")
    for role, case_examples in (("koordination", []), ("verwaltung", ["C1", "C2"])):
        with app.test_request_context("/"):
            flask.g.kim_role = role
            out = dashboard_data._redact(quality.quality_warnings, warnings)
        assert out[0]["examples"] == case_examples
        assert out[1]["examples"] == ["B1"]
    assert warnings[0]["examples"] == ["C1", "C2"]  # the cached value is not changed


# -- headers, CSP, access log -----------------------------------------------------------------


def test_security_headers(basic_server):
    s = session_for("vw")
    for path in ("/", "/_dash-layout", "/assets/app.css"):
        r = s.get(basic_server + path, timeout=30)
        assert r.status_code == 200, path
        h = r.headers
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] == "no-referrer"
        assert h["X-Frame-Options"] == "DENY"
        csp = h["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "default-src 'self'" in csp
        script_src = re.search(r"script-src ([^;]*)", csp).group(1)
        assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    page = s.get(basic_server + "/", timeout=30)
    assert page.headers["Cache-Control"] == "no-store"
    refused = requests.get(basic_server + "/", timeout=30)
    assert "Content-Security-Policy" in refused.headers  # also on refusals


def test_app_sends_no_version_banner(demo_db):
    """The app itself adds no Server header (the WSGI server's is set by `kim serve`/gunicorn)."""
    app = create_app(database_url=demo_db, min_cell=5, cache_config="null", today=TODAY,
                     auth_settings=AuthSettings(mode="none"))
    r = app.server.test_client().get("/", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert "Server" not in r.headers
    assert app.server.debug is False


def test_csp_hashes_cover_every_inline_script(basic_server):
    """Every inline <script> in the page (the renderer, clientside callbacks) has its hash in
    script-src; JSON data blocks are not executed and need none."""
    r = session_for("vw").get(basic_server + "/", timeout=30)
    csp = r.headers["Content-Security-Policy"]
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", r.text, re.S)
    executed = [body for attrs, body in inline if "application/json" not in attrs]
    assert executed, "expected at least the renderer's inline script"
    for body in executed:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp


def test_debug_off_and_no_traceback(basic_server):
    s = session_for("vw")
    r = s.post(basic_server + "/_dash-update-component", data="{kaputt", timeout=30,
               headers={"Content-Type": "application/json"})
    assert r.status_code == 400  # dashboard/callback_guard.py
    assert "Traceback" not in r.text and "werkzeug" not in r.text.lower()


def test_access_log_has_no_personal_data(basic_server, caplog):
    caplog.set_level(logging.INFO, logger="kim.access")
    s = session_for("vw")
    s.get(basic_server + "/?bezirk=NORD&fall=C0001", timeout=30)
    lines = [rec.getMessage() for rec in caplog.records if rec.name == "kim.access"]
    assert any(line.startswith("GET / 200") for line in lines)
    joined = "\n".join(lines)
    for secret in ("C0001", "NORD", "vw", "127.0.0.1", PASSWORD):
        assert secret not in joined


# -- failures outside the Dash callbacks ------------------------------------------------------


def test_unexpected_error_and_database_outage_on_plain_routes(demo_db):
    """A Flask route that fails gets a German 500 sentence (no trace), one that finds the
    database away a 503 with the banner text; both keep the security headers."""
    app = create_app(database_url=demo_db, min_cell=5, cache_config="null", today=TODAY,
                     auth_settings=AuthSettings(mode="none"))

    @app.server.route("/test-kaputt")
    def _broken():
        raise RuntimeError("secret detail /etc/kim/users.json")

    @app.server.route("/test-ohne-db")
    def _no_database():
        raise dashboard_data.DataUnavailable()

    client = app.server.test_client()
    loopback = {"REMOTE_ADDR": "127.0.0.1"}
    broken = client.get("/test-kaputt", environ_base=loopback)
    assert broken.status_code == 500
    text = broken.get_data(as_text=True)
    assert "interner Fehler" in text
    assert "secret detail" not in text and "Traceback" not in text
    assert broken.headers["X-Content-Type-Options"] == "nosniff"
    away = client.get("/test-ohne-db", environ_base=loopback)
    assert away.status_code == 503
    assert away.get_data(as_text=True) == dashboard_data.UNAVAILABLE_MESSAGE
    assert away.headers["Retry-After"] == "30"
    assert "Content-Security-Policy" in away.headers


def test_datenstand_lists_pseudonyms_only_for_verwaltung(demo_db, basic_server):
    """The demo has data-quality warnings about cases or persons (e.g. open cases without a case
    manager); their pseudonyms appear on /daten for verwaltung, not for koordination
    (lenkungsgruppe does not get the page at all)."""
    from queries import db as queries_db
    from queries import quality

    engine = queries_db.reader_engine(demo_db)
    with engine.connect() as conn:  # the page's Stichtag: the default period's end, TODAY
        warnings = quality.quality_warnings(conn, TODAY)
    engine.dispose()
    case_warning = next(w for w in warnings
                        if w["subject"] in ("case", "person") and w["count"] and w["examples"])
    example = case_warning["examples"][0]
    vw = page_of(route(session_for("vw"), basic_server, "/daten"))
    ko = page_of(route(session_for("ko"), basic_server, "/daten"))
    assert example in vw and "Pseudonyme" in vw
    assert example not in ko and "nicht aufgelistet" in ko


# -- permissions deny by default: the registry of sections ---------------------------------------


def _probe_app(demo_db):
    """An app with one page that registers two sections: one for every role, one staff-level."""
    from types import SimpleNamespace

    from dash import html

    from dashboard import sections
    from queries import caseload

    def monthly(view):
        return view.data.call(caseload.caseload, view.filter)["monthly_active"]

    def section(section_id, permission):
        return sections.Section(
            id=section_id, page="/probe", permission=permission, title=f"Titel {section_id}",
            caption="Aktive Fälle", query=monthly,
            columns=(sections.Column("month", "Monat", "month"),
                     sections.Column("active", "aktive Fälle", "count")),
            figure=lambda rows, view: {"data": [], "layout": {}})

    public, staff = section("probe-public", "aggregates"), section("probe-staff", "staff_level")
    page = SimpleNamespace(
        PATH="/probe", TITLE="Probe", NAV_LABEL="Probe", SECTIONS=(public, staff),
        layout=lambda view: html.Div([sections.draw(public, view), sections.draw(staff, view)]),
        register_callbacks=lambda app, data: None)
    app = create_app(database_url=demo_db, min_cell=5, cache_config="simple", today=TODAY,
                     pages=[page], auth_settings=AuthSettings(
                         mode="header", trusted_proxies=("127.0.0.2",),
                         role_groups=(("LG", "lenkungsgruppe"), ("KO", "koordination"))))
    return app, page


def test_a_section_without_permission_is_refused_on_the_page_and_as_download(demo_db):
    from dashboard.app_factory import render

    app, probe = _probe_app(demo_db)
    client = app.server.test_client()
    env = {"REMOTE_ADDR": "127.0.0.2"}
    for group, staff_status in (("LG", 403), ("KO", 200)):
        headers = {"X-Remote-User": "x", "X-Remote-Groups": group}
        assert client.get("/download/probe/probe-public.csv", headers=headers,
                          environ_base=env).status_code == 200
        r = client.get("/download/probe/probe-staff.csv", headers=headers, environ_base=env)
        assert r.status_code == staff_status, group
        if staff_status == 403:
            assert r.get_data(as_text=True) == NO_PERMISSION_TEXT
        # the page: the German refusal in place of that section only
        with app.server.test_request_context("/", headers=headers, environ_base=env):
            assert app.server.preprocess_request() is None
            page = render(app, app.server.config["KIM_DATA"], [probe], "/probe", "")[5]
        text = str(page)
        assert "Titel probe-public" in text and "probe-public-download-csv" in text
        assert (NO_PERMISSION_TEXT in text) == (group == "LG")
        assert ("probe-staff-download-csv" in text) == (group == "KO")


def test_an_unknown_or_unregistered_section_is_404_and_a_section_must_name_its_permission(
        demo_db):
    from dashboard import sections

    app, _probe = _probe_app(demo_db)
    client = app.server.test_client()
    headers = {"X-Remote-User": "x", "X-Remote-Groups": "KO"}
    env = {"REMOTE_ADDR": "127.0.0.2"}
    for address in ("/download/probe/nirgends.csv", "/download/probe/caseload-staff.csv",
                    "/download/fallzahlen/caseload-staff.csv"):
        r = client.get(address, headers=headers, environ_base=env)
        assert r.status_code == 404, address
        assert "gibt es" in r.get_data(as_text=True) or "keiner Seite" in r.get_data(
            as_text=True), address
    with pytest.raises(TypeError):  # no default permission: deny by default
        sections.Section(id="x", page="/probe", title="x", caption="x", query=lambda v: [],
                         columns=())


def test_outside_a_request_there_is_no_role():
    from dashboard import security

    assert security.current_role() is None
    assert not security.can("aggregates")
    with pytest.raises(security.AccessDenied):
        security.require("aggregates")
