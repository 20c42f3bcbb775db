"""A small headless stand-in for dash-renderer: loads a page of a running Dash app over HTTP and
fires its callbacks the way the browser does, so every callback can be timed as the browser
makes it without hard-coding a single callback id.

What it does, as dash-renderer 4 does it:
- reads `/_dash-layout` (the component tree) and `/_dash-dependencies` (every callback);
- sets the dcc.Location's pathname/search/href for the page and its filter;
- fires the initial call of every callback whose inputs are in a newly drawn part of the
  layout (unless prevent_initial_call), a callback only after those producing its inputs;
- posts {"output", "outputs", "inputs", "changedPropIds", "parsedChangedPropsIds", "state"} to
  `/_dash-update-component`, applies the response's props to the tree, and fires the callbacks
  whose inputs changed; new children are new layout chunks with initial calls of their own;
- pattern-matching ids (ALL, MATCH, ALLSMALLER) are resolved against the current tree.
Clientside callbacks cannot run without a browser; they are counted and skipped.
`interactions()` then lists what a person can trigger on the drawn page (a click on a chart's
first point, a click on a button) as extra callback calls.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass, field

import requests

WILDCARDS = ("ALL", "MATCH", "ALLSMALLER")
MAX_CALLS_PER_LOAD = 200


def stringify_id(id_) -> str:
    """dash's own id string: dict ids as JSON with sorted keys (dash._utils.stringify_id)."""
    if isinstance(id_, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{json.dumps(id_[k])}" for k in sorted(id_)) + "}"
    return id_


def _parse_id(text: str):
    return json.loads(text) if text.startswith("{") else text


def _split_prop(spec: str) -> tuple[object, str]:
    id_text, prop = spec.rsplit(".", 1)
    return _parse_id(id_text), prop


def parse_outputs(output: str) -> list[tuple[object, str]]:
    """'a.b' or '..a.b...c.d..' into [(id, property)] (property may carry '@hash')."""
    if output.startswith("..") and output.endswith(".."):
        return [_split_prop(part) for part in output[2:-2].split("...")]
    return [_split_prop(output)]


def _is_wild(id_) -> bool:
    return isinstance(id_, dict) and any(
        isinstance(v, list) and len(v) == 1 and v[0] in WILDCARDS for v in id_.values()
    )


def _wild_kind(id_) -> str | None:
    if not isinstance(id_, dict):
        return None
    for v in id_.values():
        if isinstance(v, list) and len(v) == 1 and v[0] in WILDCARDS:
            return v[0]
    return None


def _matches(pattern: dict, concrete, bound: dict | None = None) -> bool:
    if not isinstance(concrete, dict) or set(pattern) != set(concrete):
        return False
    for key, want in pattern.items():
        if isinstance(want, list) and len(want) == 1 and want[0] in WILDCARDS:
            if want[0] == "MATCH" and bound is not None and key in bound:
                if concrete[key] != bound[key]:
                    return False
            continue
        if concrete[key] != want:
            return False
    return True


def is_component(value) -> bool:
    return isinstance(value, dict) and "type" in value and "props" in value


def walk_components(value):
    """Every component dict inside a layout value (children and any other component prop)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if is_component(item):
            yield item
            stack.extend(item["props"].values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())


@dataclass
class Callback:
    output: str
    outputs: list
    inputs: list
    state: list
    prevent_initial_call: bool
    clientside: bool
    spec: dict


@dataclass
class CallRecord:
    """One POST to /_dash-update-component as the browser made it."""

    output: str
    payload: dict
    status: int = 0
    seconds: float = 0.0
    bytes: int = 0
    wire_bytes: int = 0
    trace: list = field(default_factory=list)
    initial: bool = True
    payload_response: str = "{}"
    worker: int | None = None  # process id of the gunicorn worker that answered
    cache: str | None = None  # "hit": answered from the response cache, "miss": computed


class DashClient:
    def __init__(self, base_url: str, session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers.update({"Accept-Encoding": "gzip, deflate"})
        self._deps = None
        self._layout = None
        self.skipped_clientside = set()

    # -- server descriptions ----------------------------------------------------------------
    def _get_json(self, path: str):
        r = self.session.get(self.base_url + path, timeout=60)
        r.raise_for_status()
        return r.json()

    def dependencies(self) -> list[Callback]:
        if self._deps is None:
            raw = self._get_json("/_dash-dependencies")
            self._deps = [
                Callback(
                    output=d["output"],
                    outputs=[] if d.get("no_output") else parse_outputs(d["output"]),
                    inputs=[(i["id"] if not isinstance(i["id"], str) else _parse_id(i["id"]),
                             i["property"]) for i in d.get("inputs", [])],
                    state=[(s["id"] if not isinstance(s["id"], str) else _parse_id(s["id"]),
                            s["property"]) for s in d.get("state", [])],
                    prevent_initial_call=bool(d.get("prevent_initial_call")),
                    clientside=bool(d.get("clientside_function")),
                    spec=d,
                )
                for d in raw
            ]
        return self._deps

    def layout(self) -> dict:
        if self._layout is None:
            self._layout = self._get_json("/_dash-layout")
        return copy.deepcopy(self._layout)

    def page_paths(self, nav_id: str = "kim-nav") -> list[str]:
        """Internal links of the start page's navigation (the element `nav_id`, else the whole
        page) once drawn: the pages to load. Downloads and the print view are no pages."""
        _calls, state = self.load("/", "")
        paths = ["/"]
        nav = next((c for c in walk_components(state.root) if c["props"].get("id") == nav_id),
                   state.root)
        for comp in walk_components(nav):
            href = comp["props"].get("href")
            if isinstance(href, str) and href.startswith("/") and not href.startswith("//"):
                path = href.split("?")[0].split("#")[0]
                if path not in paths and not path.startswith(("/_", "/assets")):
                    paths.append(path)
        return paths

    # -- page load --------------------------------------------------------------------------
    def load(self, path: str, search: str, post=None) -> tuple[list[CallRecord], PageState]:
        """Load `path?search` as the browser does; returns every callback call it made."""
        state = PageState(self.layout())
        for loc in state.components_of_type("Location"):
            loc["props"].update(
                pathname=path, search=search, hash="",
                href=f"{self.base_url}{path}{search}",
            )
        state.reindex()
        calls: list[CallRecord] = []
        pending = self._initial_calls(state, set(state.index))
        self._run(state, pending, calls, post)
        return calls, state

    def _initial_calls(self, state: PageState, new_ids: set[str]) -> list[tuple]:
        out = []
        for cb in self.dependencies():
            if cb.prevent_initial_call:
                continue
            touched = any(
                (stringify_id(i) in new_ids) if not _is_wild(i)
                else any(_matches(i, state.index[k]["props"]["id"]) for k in new_ids
                         if k in state.index)
                for i, _ in cb.inputs + cb.outputs
            )
            if not touched:
                continue
            out.extend((cb, inst, ()) for inst in state.instances(cb))
        return out

    def _run(self, state, pending: list[tuple], calls: list[CallRecord], post) -> None:
        while pending and len(calls) < MAX_CALLS_PER_LOAD:
            # Fire first what no other pending call feeds (dash-renderer's ordering).
            produced = {
                (stringify_id(o_id), o_prop.split("@")[0])
                for _cb, inst, _ch in pending for o_id, o_prop in inst["outputs"]
            }
            ready = [
                p for p in pending
                if not any((stringify_id(i_id), prop) in produced
                           and (stringify_id(i_id), prop) not in
                           {(stringify_id(o), q.split("@")[0]) for o, q in p[1]["outputs"]}
                           for i_id, prop in p[1]["inputs_flat"])
            ] or pending[:1]
            item = ready[0]
            pending.remove(item)
            cb, inst, changed = item
            if cb.clientside:
                self.skipped_clientside.add(cb.output)
                continue
            record = self.fire(state, cb, inst, changed, post)
            record.initial = not changed
            calls.append(record)
            if record.status != 200:
                continue
            new_ids, changed_props = state.apply(json.loads(record.payload_response))
            pending.extend(self._initial_calls(state, new_ids))
            for cb2 in self.dependencies():
                for inst2 in state.instances(cb2):
                    hit = [f"{stringify_id(i)}.{p}" for i, p in inst2["inputs_flat"]
                           if (stringify_id(i), p) in changed_props]
                    if hit and not any(x[0] is cb2 and x[1]["key"] == inst2["key"]
                                       for x in pending):
                        pending.append((cb2, inst2, tuple(hit)))

    def fire(self, state, cb: Callback, inst: dict, changed: tuple, post=None) -> CallRecord:
        payload = state.payload(cb, inst, list(changed))
        record = CallRecord(output=cb.output, payload=payload)
        (post or self.post)(record)
        return record

    def post(self, record: CallRecord) -> None:
        """POST the record's payload; fills status, time, sizes and the server's trace."""
        body = json.dumps(record.payload)
        started = time.perf_counter()
        r = self.session.post(
            self.base_url + "/_dash-update-component", data=body,
            headers={"Content-Type": "application/json"}, timeout=120, stream=True,
        )
        raw = r.raw.read(decode_content=False)
        record.seconds = time.perf_counter() - started
        record.status = r.status_code
        record.wire_bytes = len(raw)
        content = raw
        if r.headers.get("Content-Encoding") == "gzip":
            import gzip

            content = gzip.decompress(raw)
        record.bytes = len(content)
        record.payload_response = content.decode("utf-8") if r.status_code == 200 else "{}"
        trace = r.headers.get("X-Kim-Bench-Trace")
        record.trace = json.loads(trace) if trace else []
        worker = r.headers.get("X-Kim-Bench-Worker")
        record.worker = int(worker) if worker else None
        record.cache = r.headers.get("X-Kim-Bench-Cache")

    # -- what a person can trigger ----------------------------------------------------------
    def interactions(self, state: PageState) -> list[tuple]:
        """(callback, instance, changed) for a click on each chart and button on the page,
        for callbacks that the page load did not fire (clickData, n_clicks inputs)."""
        out = []
        for cb in self.dependencies():
            if cb.clientside:
                continue
            for inst in state.instances(cb):
                for i_id, prop in inst["inputs_flat"]:
                    node = state.index.get(stringify_id(i_id))
                    if node is None:
                        continue
                    value = _simulated_event(node, prop)
                    if value is None:
                        continue
                    out.append((cb, inst, (f"{stringify_id(i_id)}.{prop}",), node, prop, value))
                    break
        return out


def _simulated_event(node: dict, prop: str):
    """The value a click gives `prop` of this component, or None when it is no click input."""
    props = node["props"]
    if prop == "n_clicks":
        return int(props.get("n_clicks") or 0) + 1
    if prop == "clickData":
        figure = props.get("figure") or {}
        for curve, trace in enumerate(figure.get("data") or []):
            xs = trace.get("x") or trace.get("labels") or []
            ys = trace.get("y") or trace.get("values") or []
            if not len(xs) and not len(ys):
                continue
            point = {"curveNumber": curve, "pointNumber": 0, "pointIndex": 0}
            if len(xs):
                point["x"] = _first(xs)
            if len(ys):
                point["y"] = _first(ys)
            if trace.get("customdata") is not None:
                point["customdata"] = _first(trace["customdata"])
            if trace.get("labels") is not None:
                point["label"] = _first(trace["labels"])
            if trace.get("text") is not None and isinstance(trace["text"], list):
                point["text"] = trace["text"][0]
            return {"points": [point]}
    return None


def _first(values):
    if isinstance(values, dict) and "bdata" in values:
        return None  # typed arrays: plotly sends decoded values; not needed for an id click
    return values[0] if isinstance(values, list) and values else values


class PageState:
    """The component tree of one browser tab and an index id -> component."""

    def __init__(self, layout: dict):
        self.root = {"type": "Root", "namespace": "bench", "props": {"children": layout}}
        self.index: dict[str, dict] = {}
        self.reindex()

    def reindex(self) -> None:
        self.index = {}
        for comp in walk_components(self.root):
            cid = comp["props"].get("id")
            if cid is not None:
                self.index[stringify_id(cid)] = comp

    def components_of_type(self, type_name: str):
        return [c for c in walk_components(self.root) if c.get("type") == type_name]

    def _resolve(self, id_, bound: dict | None = None) -> list:
        if not _is_wild(id_):
            return [id_] if stringify_id(id_) in self.index else []
        return [c["props"]["id"] for c in self.index.values()
                if _matches(id_, c["props"]["id"], bound)]

    def instances(self, cb: Callback) -> list[dict]:
        """Concrete calls of a callback on this tree: one, or one per MATCH value."""
        match_keys = None
        for id_, _p in cb.outputs + cb.inputs:
            if _wild_kind(id_) == "MATCH" or (
                isinstance(id_, dict) and any(v == ["MATCH"] for v in id_.values())
            ):
                match_keys = [k for k, v in id_.items() if v == ["MATCH"]]
                anchor = id_
                break
        bindings = [None]
        if match_keys:
            bindings = []
            for concrete in self._resolve(anchor):
                b = {k: concrete[k] for k in match_keys}
                if b not in bindings:
                    bindings.append(b)
        out = []
        for bound in bindings:
            outputs = []
            for id_, prop in cb.outputs:
                outputs.extend((c, prop) for c in self._resolve(id_, bound))
            if not outputs and cb.outputs:
                continue
            inputs_flat, missing = [], False
            for id_, prop in cb.inputs + cb.state:
                found = self._resolve(id_, bound)
                if not found and not _is_wild(id_):
                    missing = True
                inputs_flat.extend((c, prop) for c in found)
            if missing:
                continue
            key = (cb.output, json.dumps(bound, sort_keys=True))
            out.append({"key": key, "bound": bound, "outputs": outputs,
                        "inputs_flat": inputs_flat})
        return out

    def _value_entry(self, id_, prop) -> dict:
        entry = {"id": id_, "property": prop}
        props = self.index[stringify_id(id_)]["props"]
        if prop in props:
            entry["value"] = props[prop]
        return entry

    def _group(self, specs, bound) -> list:
        values = []
        for id_, prop in specs:
            if _is_wild(id_) and _wild_kind(id_) != "MATCH":
                values.append([self._value_entry(c, prop) for c in self._resolve(id_, bound)])
            else:
                found = self._resolve(id_, bound)
                values.append(self._value_entry(found[0], prop))
        return values

    def payload(self, cb: Callback, inst: dict, changed: list[str]) -> dict:
        bound = inst["bound"]
        outputs = []
        for id_, prop in cb.outputs:
            resolved = [{"id": c, "property": prop} for c in self._resolve(id_, bound)]
            outputs.append(resolved if _is_wild(id_) and _wild_kind(id_) != "MATCH"
                           else resolved[0])
        body = {
            "output": cb.output,
            "outputs": outputs if len(cb.outputs) > 1 or cb.output.startswith("..")
            else outputs[0],
            "inputs": self._group(cb.inputs, bound),
            "changedPropIds": changed,
            "parsedChangedPropsIds": [
                c.rsplit(".", 1)[0] if not c.startswith("{") else c for c in changed
            ],
        }
        if cb.state:
            body["state"] = self._group(cb.state, bound)
        return body

    def apply(self, response: dict) -> tuple[set[str], set[tuple[str, str]]]:
        """Set the response's props; returns (ids drawn anew, (id, prop) that changed)."""
        new_ids: set[str] = set()
        changed: set[tuple[str, str]] = set()
        for id_str, props in (response.get("response") or {}).items():
            node = self.index.get(id_str)
            if node is None:
                continue
            for prop, value in props.items():
                if node["props"].get(prop) != value:
                    changed.add((id_str, prop))
                node["props"][prop] = value
                for comp in walk_components(value):
                    cid = comp["props"].get("id")
                    if cid is not None:
                        new_ids.add(stringify_id(cid))
        self.reindex()
        return new_ids, changed
