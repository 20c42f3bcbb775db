"""Malformed Dash callback bodies are refused at the door: 400 with a short German sentence.

Dash's /_dash-update-component trusts its body: a JSON array, null, a string, an empty object,
inputs without ids or an output no callback has raise KeyError/TypeError/AttributeError deep in
Dash and answer 500. The renderer in a browser never sends such a body, so whoever does is a
broken or hostile client; it gets a 400 before Dash reads the body. The check compares the body
with what the app declared for that output (the number of inputs and states, their ids and
properties), so the values alone reach the callbacks, which treat them as untrusted anyway
(security.text_input, urlstate.parse).
"""

from __future__ import annotations

import json

import dash
from flask import Flask, Response, request

CALLBACK_PATH = "_dash-update-component"
BAD_REQUEST_TEXT = "Ungültige Anfrage: {reason}."


class Malformed(ValueError):
    """The body is not what the Dash renderer sends; the message says why, in German."""


def _is_pattern_id(declared_id: str) -> bool:
    return declared_id.startswith("{")


def _check_entry(entry: object, declared: dict, what: str) -> None:
    """One input or state as the renderer sends it: {"id", "property", "value"}; for a
    pattern-matching id (ALL, ALLSMALLER) a list of such dicts."""
    pattern = _is_pattern_id(declared["id"])
    items = entry if pattern and isinstance(entry, list) else [entry]
    for item in items:
        if not isinstance(item, dict) or "id" not in item or "property" not in item:
            raise Malformed(f"{what} ohne id oder property")
        if pattern:
            if not isinstance(item["id"], dict) or item["property"] != declared["property"]:
                raise Malformed(f"{what} passt nicht zum Callback")
        elif item["id"] != declared["id"] or item["property"] != declared["property"]:
            raise Malformed(f"{what} passt nicht zum Callback")


def _check_list(body: dict, key: str, declared: list[dict], what: str) -> None:
    entries = body.get(key, [])
    if not isinstance(entries, list) or len(entries) != len(declared):
        raise Malformed(f"falsche Zahl von {what}")
    for entry, spec in zip(entries, declared, strict=True):
        _check_entry(entry, spec, what)


def _check_outputs(body: dict, output: str, callback: dict) -> None:
    outputs = body.get("outputs")
    if callback.get("no_output"):
        return
    if output.startswith(".."):  # several outputs: a list, one entry each
        expected = len(output[2:-2].split("..."))
        if not isinstance(outputs, list) or len(outputs) != expected:
            raise Malformed("falsche Zahl von Ausgaben")
        entries = outputs
    else:
        entries = [outputs]
    for entry in entries:
        items = entry if isinstance(entry, list) else [entry]  # pattern-matching outputs: lists
        for item in items:
            if not (isinstance(item, dict) and isinstance(item.get("id"), str | dict)
                    and isinstance(item.get("property"), str)):
                raise Malformed("Ausgabe ohne id oder property")


def check_body(app: dash.Dash, raw: bytes) -> None:
    """Raise Malformed unless `raw` is a callback body this app could answer."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Malformed("kein gültiges JSON") from exc
    if not isinstance(body, dict):
        raise Malformed("ein JSON-Objekt wird erwartet")
    output = body.get("output")
    if not isinstance(output, str):
        raise Malformed("„output“ fehlt")
    callback = app.callback_map.get(output)
    if callback is None or "callback" not in callback:  # unknown, or a clientside callback
        raise Malformed("unbekannter Callback")
    _check_outputs(body, output, callback)
    _check_list(body, "inputs", callback["inputs"], "Eingaben")
    _check_list(body, "state", callback.get("state", []), "Zuständen")
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        raise Malformed("„changedPropIds“ ist keine Liste von Texten")


def install(app: dash.Dash, server: Flask) -> None:
    """Check every callback POST before Dash sees it. Register after authentication, so an
    anonymous client gets 401, not a description of what a valid body looks like."""
    path = app.config.routes_pathname_prefix + CALLBACK_PATH

    @server.before_request
    def _guard_callback_body():
        if request.method != "POST" or request.path != path:
            return None
        try:
            check_body(app, request.get_data(cache=True))
        except Malformed as exc:
            return Response(BAD_REQUEST_TEXT.format(reason=exc), status=400,
                            mimetype="text/plain")
        return None
