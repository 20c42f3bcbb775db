"""Property-based fuzz (hypothesis) of hostile input: every Dash callback posted with arbitrary
values (wrong types, impossible dates, SQL fragments, 1 MB strings) and `kim import` fed broken
CSV folders. Properties: no 500, no traceback, and a refused import leaves the database as it
was (only a REFUSED import_run is added)."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from datetime import date
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import cli
from dashboard.app_factory import create_app
from dashboard.security import AuthSettings
from queries import db
from tests.conftest import make_demo_db
from tests.test_importer import BASE, _folder, _runs, _snapshot

TODAY = date(2025, 11, 15)
LOOPBACK = {"REMOTE_ADDR": "127.0.0.1"}
SQL_FRAGMENTS = ["' OR 1=1 --", "NORD'; DROP TABLE case_file; --", "1; SELECT pg_sleep(10)",
                 "%' UNION SELECT * FROM person --", "\x00", "../../etc/passwd"]
HUGE = "A" * (1 << 20)

# Values a hostile or broken client may put into any callback input.
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
    st.text(max_size=40), st.sampled_from(SQL_FRAGMENTS), st.just(HUGE),
    st.sampled_from(["9" * 5000, "99999", "0", "2024", "Mitte", "NORD", "jahr", "eigener"]),
    st.sampled_from(["?von=2025-02-30&bis=1900-13-01", "?bezirk=NIRGENDWO", "?jahr=-1",
                     "?von=9999-12-31&bis=0001-01-01&bezirk[]=x", "?" + "&".join(["a=b"] * 500),
                     "/daten/../../x", "//evil.example/", "?bezirk=" + HUGE]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=10), inner, max_size=3)),
    max_leaves=6,
)


@pytest.fixture(scope="module")
def app_and_client(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'kim.sqlite'}"
    make_demo_db(url, persons=150, seed=3, until=TODAY)
    app = create_app(database_url=url, min_cell=5, cache_config="simple", today=TODAY,
                     auth_settings=AuthSettings(mode="none"))
    client = app.server.test_client()
    deps = client.get("/_dash-dependencies", environ_base=LOOPBACK).get_json()
    callbacks = [d for d in deps if not d.get("clientside_function")]
    assert len(callbacks) >= 3  # router, filter bar, drill-down at least
    return app, client, callbacks


def _props(spec: str) -> list[dict]:
    parts = spec[2:-2].split("...") if spec.startswith("..") else [spec]
    return [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in parts]


@settings(max_examples=150, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_callbacks_never_fail_on_hostile_values(app_and_client, data):
    _app, client, callbacks = app_and_client
    cb = data.draw(st.sampled_from(callbacks), label="callback")
    inputs = [{**i, "value": data.draw(values, label=i["property"])} for i in cb["inputs"]]
    state = [{**s, "value": data.draw(values, label=s["property"])} for s in cb["state"]]
    outputs = _props(cb["output"])
    payload = {
        "output": cb["output"],
        "outputs": outputs if cb["output"].startswith("..") else outputs[0],
        "inputs": inputs,
        "state": state,
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"] if inputs else [],
    }
    r = client.post("/_dash-update-component", json=payload, environ_base=LOOPBACK)
    body = r.get_data(as_text=True)
    # 204: Dash's "no update" (PreventUpdate); everything else must be an answer, not a crash.
    assert r.status_code in (200, 204), (cb["output"], r.status_code, body[:500])
    assert "Traceback" not in body and 'File "' not in body
    if r.status_code == 200:
        assert "DROP TABLE" not in body.upper() or "DROP TABLE" in repr(payload).upper()


HOSTILE = [None, True, 0, -1, 2024, 10**30, 1.5, float("nan"), "", "2024", "9" * 5000, HUGE,
           *SQL_FRAGMENTS, ["2024"], {"points": [{"customdata": [HUGE]}]},
           {"points": [{"customdata": [{"x": 1}]}]}, {"points": [{"customdata": ["NORD"]}]},
           "?jahr=2024&bezirk=NORD", "?bezirk=" + HUGE]


def test_every_callback_input_with_each_hostile_value(app_and_client):
    """Deterministic companion of the fuzz: every input of every callback gets every value of
    HOSTILE (the others a plausible value), so no combination is left to chance."""
    _app, client, callbacks = app_and_client
    for cb in callbacks:
        outputs = _props(cb["output"])
        fields = [("inputs", i) for i in range(len(cb["inputs"]))]
        fields += [("state", i) for i in range(len(cb["state"]))]
        for kind, index in fields:
            for value in HOSTILE:
                inputs = [{**i, "value": "?von=2025-01-01"} for i in cb["inputs"]]
                state = [{**s, "value": "?von=2025-01-01"} for s in cb["state"]]
                (inputs if kind == "inputs" else state)[index]["value"] = value
                payload = {
                    "output": cb["output"],
                    "outputs": outputs if cb["output"].startswith("..") else outputs[0],
                    "inputs": inputs, "state": state,
                    "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
                }
                r = client.post("/_dash-update-component", json=payload, environ_base=LOOPBACK)
                body = r.get_data(as_text=True)
                where = (cb["output"], kind, index, repr(value)[:40])
                assert r.status_code in (200, 204), (where, r.status_code, body[:300])
                assert "Traceback" not in body and 'File "' not in body, where


# -- kim import with broken CSV folders ---------------------------------------------------------

FILES = sorted(BASE)
mutations = st.one_of(
    # replace one field of one line with anything
    st.tuples(st.just("field"), st.integers(0, 20), st.integers(0, 10),
              st.one_of(st.text(max_size=30), st.sampled_from(SQL_FRAGMENTS),
                        st.sampled_from(["2025-02-30", "31.12.1899", "-1", "1e400", "NaN",
                                         "99999999999999999999", '"', '"";"', "\r\n"]))),
    # cut the file anywhere
    st.tuples(st.just("truncate"), st.integers(0, 400)),
    # insert raw bytes anywhere (broken encodings, NUL, stray quotes and separators)
    st.tuples(st.just("bytes"), st.integers(0, 400), st.binary(min_size=1, max_size=40)),
    # the header line replaced
    st.tuples(st.just("header"), st.text(max_size=60)),
    # a very long line
    st.tuples(st.just("long"), st.integers(0, 20)),
)


def _mutate(content: str, mutation: tuple) -> bytes:
    kind = mutation[0]
    raw = content.encode("utf-8")
    lines = content.split("\n")
    if kind == "field":
        _, line_no, col, value = mutation
        line_no %= len(lines)
        fields = lines[line_no].split(",")
        fields[col % len(fields)] = value
        lines[line_no] = ",".join(fields)
        return "\n".join(lines).encode("utf-8", "surrogatepass")
    if kind == "truncate":
        return raw[: mutation[1] % (len(raw) + 1)]
    if kind == "bytes":
        at = mutation[1] % (len(raw) + 1)
        return raw[:at] + mutation[2] + raw[at:]
    if kind == "header":
        lines[0] = mutation[1]
        return "\n".join(lines).encode("utf-8", "surrogatepass")
    line_no = mutation[1] % len(lines)
    lines[line_no] = lines[line_no] + "," + "x" * (1 << 20)
    return "\n".join(lines).encode("utf-8")


@pytest.fixture(scope="module")
def import_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("importdb")
    url = f"sqlite:///{folder / 'kim.sqlite'}"
    engine = db.writer_engine(url)
    db.init_db(engine)
    base = _folder(folder / "base", BASE)
    assert cli.main(["import", str(base), "--database", url]) == 0
    yield url, engine, base
    engine.dispose()


counter = itertools.count()


@settings(max_examples=120, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(name=st.sampled_from(FILES), mutation=mutations)
def test_broken_csv_is_refused_cleanly(import_db, capsys, name, mutation):
    url, engine, base = import_db
    before, runs_before = _snapshot(engine), _runs(engine)
    work = Path(tempfile.mkdtemp(prefix=f"fuzz{next(counter)}-"))
    try:
        files = dict(BASE)
        files[name] = _mutate(BASE[name], mutation)
        rc = cli.main(["import", str(_folder(work, files)), "--database", url])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    err = capsys.readouterr().err
    assert rc in (0, 1)
    assert "Traceback" not in err
    runs_after = _runs(engine)
    assert runs_after[:-1] == runs_before and len(runs_after) == len(runs_before) + 1
    if rc == 1:
        assert "Import abgelehnt" in err
        assert runs_after[-1]["outcome"] == "REFUSED"
        assert _snapshot(engine) == before  # nothing of the refused folder got in
    else:
        # the mutation happened to be valid data: put the base back for the next example
        assert runs_after[-1]["outcome"] == "OK"
        assert cli.main(["import", str(base), "--database", url]) == 0
        capsys.readouterr()


# -- malformed callback bodies at the framework's door ------------------------------------------


@pytest.fixture(scope="module")
def http_base(app_and_client):
    from tests.test_security import serve  # a real HTTP server on 127.0.0.1

    app, _client, _callbacks = app_and_client
    server, thread, base = serve(app)
    yield base
    server.shutdown()
    thread.join(timeout=10)


def _router_body(callbacks) -> dict:
    cb = next(c for c in callbacks if "kim-page" in c["output"])
    return {"output": cb["output"], "outputs": _props(cb["output"]),
            "inputs": [{**i, "value": "/"} for i in cb["inputs"]],
            "state": [], "changedPropIds": ["url.pathname"]}


def _malformed(good: dict) -> dict[str, object]:
    inputs = good["inputs"]
    return {
        "a JSON array": [good],
        "null": None,
        "a string": "output",
        "a number": 42,
        "an empty object": {},
        "output a number": {**good, "output": 5},
        "an unknown output": {**good, "output": "nirgends.children"},
        "a clientside callback's output": None,  # filled in below
        "outputs a string": {**good, "outputs": "kim-page.children"},
        "outputs one short": {**good, "outputs": good["outputs"][:-1]},
        "an output without id": {**good, "outputs": [{"property": "children"}] * 7},
        "inputs an object": {**good, "inputs": {"id": "url"}},
        "inputs missing": {k: v for k, v in good.items() if k != "inputs"},
        "an input without id": {**good, "inputs": [{"property": "pathname", "value": "/"},
                                                   inputs[1]]},
        "an input with a number for id": {**good, "inputs": [{**inputs[0], "id": 7}, inputs[1]]},
        "an input of another component": {**good, "inputs": [{**inputs[0], "id": "kim-nav"},
                                                             inputs[1]]},
        "an input that is a string": {**good, "inputs": ["url.pathname", inputs[1]]},
        "one input too many": {**good, "inputs": [*inputs, inputs[0]]},
        "state a string": {**good, "state": "x"},
        "changedPropIds a number": {**good, "changedPropIds": 5},
    }


def test_malformed_callback_bodies_are_400_in_german(app_and_client, http_base):
    app, _client, callbacks = app_and_client
    good = _router_body(callbacks)
    ok = requests.post(http_base + "/_dash-update-component", json=good, timeout=60)
    assert ok.status_code == 200 and "kim-page" in ok.json()["response"]

    bodies = _malformed(good)
    clientside = next(k for k, v in app.callback_map.items() if "callback" not in v)
    bodies["a clientside callback's output"] = {**good, "output": clientside}
    for what, body in bodies.items():
        r = requests.post(http_base + "/_dash-update-component", json=body, timeout=60)
        assert r.status_code == 400, (what, r.status_code, r.text[:200])
        assert r.headers["Content-Type"].startswith("text/plain"), what
        assert r.text.startswith("Ungültige Anfrage: ") and len(r.text) < 120, (what, r.text)
        assert "Traceback" not in r.text and "KeyError" not in r.text, what
        # the door is the same for every request: the security headers are there
        assert r.headers["X-Content-Type-Options"] == "nosniff", what


@pytest.mark.parametrize("raw", [b"{kaputt", b"", b"[", b"\xff\xfe", b'{"output": "x"'])
def test_invalid_json_is_400_in_german(http_base, raw):
    r = requests.post(http_base + "/_dash-update-component", data=raw, timeout=30,
                      headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.text == "Ungültige Anfrage: kein gültiges JSON."
