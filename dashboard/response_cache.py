"""Whole-response caching of Dash callbacks, compression, and long cache headers for bundles.

Installed by create_app (after dashboard/security.py, so that every request is authenticated
before this module sees it). Three things:

1. Callback responses. A POST to `/_dash-update-component` is answered from a cache when the very
   same request was answered before. The key is the SHA-256 of
       the request body (JSON, canonicalised: key order and spacing do not matter),
       the role of the user (dashboard/security.py: pages, navigation and redaction follow it),
       Data.version() (the latest import_run: a new import shows on the next request),
       Data.today() (the default period ends today), K (min_cell), the database URL,
       and the code (a digest of dashboard/ and queries/ and the Dash version, so a deployment
       with changed pages never gets answers built by the old code from a shared Redis).
   The value is the response body, gzip-compressed (it is sent as it is to a browser that accepts
   gzip, which they all do). Only complete answers are stored: status 200 and an Outcome
   (dashboard/sections.py) that no failure marked incomplete (the database banner, a figure
   that failed, a refusal; dashboard/errors.py), so a passing outage or a broken figure is
   never served again from the cache. The whole body is the key: a forged body can only
   ever produce the entry for that exact body, never the answer to another request, and an
   entry holds exactly what the uncached app returned for those inputs and that role.
   The cache is Flask-Caching's, configured like the query cache in dashboard/data.py (KIM_CACHE:
   files under instance/cache shared by the workers of one machine by default, Redis for several
   machines, in-process for one worker), with its own key prefix, folder and size limit.

2. Compression (flask-compress): zstd, br or gzip for HTML, JSON, JS and CSS as the browser
   offers. Static bundles (Dash's component suites, assets/) are compressed once and kept in a
   small in-process LRU (they are a few MB; plotly.js is 4.6 MB and compresses to about 1.4 MB).

3. Cache headers. Dash's fingerprinted component bundles (`…/dash_core_components.v4_4_1m1700….js`)
   change their address whenever their content changes, so the browser may keep them for a
   year. dashboard/security.py marks every `/_dash-` response `no-store` (right for callbacks
   and layouts); a thin WSGI wrapper restores `public, max-age=31536000, immutable` for the
   fingerprinted bundles only.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import threading
from collections import OrderedDict
from pathlib import Path

import dash
import flask
from dash.fingerprint import check_fingerprint
from flask_caching import Cache
from flask_compress import Compress

from . import sections, security
from .data import CACHE_TIMEOUT, Data, DataUnavailable

log = logging.getLogger(__name__)

KEY_PREFIX = "kim-resp:"
# In-process or file cache: at most this many responses (gzip: typically 3–20 KB each).
SIMPLE_THRESHOLD = 1000
FILE_THRESHOLD = 2000
# Bodies larger than this are not cached (a callback answer is well below 1 MB).
MAX_CACHED_BYTES = 2 * 1024 * 1024
# Request bodies larger than this are passed through uncached.
MAX_KEY_BODY = 256 * 1024
GZIP_LEVEL = 6
BUNDLE_CACHE_CONTROL = "public, max-age=31536000, immutable"
STATIC_LRU_SIZE = 48

CODE_ROOTS = (Path(__file__).resolve().parent, Path(__file__).resolve().parent.parent / "queries")


def code_version() -> str:
    """A digest of the code that builds the answers (dashboard/, queries/) and Dash's version."""
    h = hashlib.sha256(dash.__version__.encode())
    for root in CODE_ROOTS:
        for path in sorted(root.rglob("*.py")):
            h.update(str(path.relative_to(root.parent)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def response_cache_config(config: dict) -> dict:
    """The query cache's Flask-Caching config, adapted: own prefix, own size limit."""
    out = dict(config)
    kind = str(out.get("CACHE_TYPE", ""))
    if kind.endswith("SimpleCache") or kind == "simple":
        out["CACHE_THRESHOLD"] = SIMPLE_THRESHOLD
    if kind.endswith("FileSystemCache") or kind == "filesystem":
        # a folder of its own: a file cache prunes whatever lies in its folder
        out["CACHE_DIR"] = str(Path(out["CACHE_DIR"]).with_name("responses"))
        out["CACHE_THRESHOLD"] = FILE_THRESHOLD
    out["CACHE_KEY_PREFIX"] = KEY_PREFIX
    out.setdefault("CACHE_DEFAULT_TIMEOUT", CACHE_TIMEOUT)
    return out


def canonical_body(raw: bytes) -> str | None:
    """The JSON request body with sorted keys and no spacing; None when it is not JSON."""
    if not raw or len(raw) > MAX_KEY_BODY:
        return None
    try:
        parsed = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    return json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class ResponseCache:
    """The callback response cache of one app (see the module docstring)."""

    def __init__(self, data: Data, cache: Cache, path: str, code: str | None = None):
        self.data = data
        self.cache = cache
        self.path = path
        self.code = code if code is not None else code_version()

    def key(self, body: bytes) -> str | None:
        """The cache key of the current request, or None when it must not be cached."""
        role = security.current_role()
        if role is None:
            return None
        canonical = canonical_body(body)
        if canonical is None:
            return None
        try:
            version = self.data.version()
        except DataUnavailable:
            return None  # the database is away: compute (and show the banner), store nothing
        parts = [self.code, self.path, role, str(version), self.data.today().isoformat(),
                 str(self.data.min_cell), self.data.database_url, canonical]
        digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
        return f"cb:{digest}"

    def get(self, key: str) -> bytes | None:
        try:
            value = self.cache.get(key)
        except Exception:  # noqa: BLE001 - a broken cache (Redis down) must not break a request
            log.warning("response cache read failed", exc_info=True)
            return None
        return value if isinstance(value, bytes) else None

    def set(self, key: str, value: bytes) -> None:
        try:
            self.cache.set(key, value)
        except Exception:  # noqa: BLE001
            log.warning("response cache write failed", exc_info=True)

    # -- request hooks -------------------------------------------------------------------
    def before_request(self):
        request = flask.request
        if request.method != "POST" or request.path != self.path:
            return None
        key = self.key(request.get_data(cache=True))
        if key is None:
            return None
        stored = self.get(key)
        if stored is None:
            flask.g.kim_response_key = key
            return None
        return _from_gzip(stored)

    def after_request(self, response: flask.Response) -> flask.Response:
        key = flask.g.pop("kim_response_key", None)
        if key is None or response.status_code != 200 or response.direct_passthrough:
            return response
        if response.mimetype != "application/json" or "Content-Encoding" in response.headers:
            return response
        body = response.get_data()
        # The outcome decides, not the bytes: a request whose drawing failed anywhere (a section,
        # the banner, a refusal) marked its Outcome incomplete (dashboard/errors.py).
        if len(body) > MAX_CACHED_BYTES or sections.outcome().incomplete:
            return response
        packed = gzip.compress(body, GZIP_LEVEL, mtime=0)
        self.set(key, packed)
        if _accepts_gzip():
            response.set_data(packed)
            response.headers["Content-Encoding"] = "gzip"
            _vary_accept_encoding(response)
        return response


def _accepts_gzip() -> bool:
    accepted = flask.request.accept_encodings
    return accepted["gzip"] > 0 or accepted["x-gzip"] > 0


def _vary_accept_encoding(response: flask.Response) -> None:
    vary = response.headers.get("Vary")
    if not vary:
        response.headers["Vary"] = "Accept-Encoding"
    elif "accept-encoding" not in vary.lower():
        response.headers["Vary"] = f"{vary}, Accept-Encoding"


def _from_gzip(packed: bytes) -> flask.Response:
    if _accepts_gzip():
        response = flask.Response(packed, status=200, mimetype="application/json")
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = flask.Response(gzip.decompress(packed), status=200,
                                  mimetype="application/json")
    _vary_accept_encoding(response)
    return response


# --- compression of everything else ---------------------------------------------------------


class _StaticLRU:
    """flask-compress's cache backend: compressed static files only, at most STATIC_LRU_SIZE
    (forged addresses can only push entries out, never grow it)."""

    def __init__(self) -> None:
        self._data: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        if key.endswith(";"):
            return None  # not a static file: compressed afresh, never stored
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def set(self, key: str, value: bytes) -> None:
        if key.endswith(";"):
            return
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > STATIC_LRU_SIZE:
                self._data.popitem(last=False)


def _static_key_for(app: dash.Dash):
    suites = app.config.routes_pathname_prefix + "_dash-component-suites/"
    assets = app.config.routes_pathname_prefix + "assets/"

    def key(request) -> str:
        if request.method != "GET":
            return ""
        if request.path.startswith(suites):
            return request.path
        if request.path.startswith(assets):
            return f"{request.path}?m={request.args.get('m', '')}"
        return ""

    return key


def install_compression(app: dash.Dash) -> None:
    server = app.server
    server.config.setdefault("COMPRESS_ALGORITHM", ["zstd", "br", "gzip"])
    server.config.setdefault("COMPRESS_CACHE_BACKEND", _StaticLRU)
    server.config.setdefault("COMPRESS_CACHE_KEY", _static_key_for(app))
    Compress(server)


class _BundleCacheHeaders:
    """WSGI wrapper: fingerprinted component bundles may be cached for a year (see docstring)."""

    def __init__(self, wsgi_app, prefix: str):
        self.wsgi_app = wsgi_app
        self.prefix = prefix

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") != "GET" or not path.startswith(self.prefix):
            return self.wsgi_app(environ, start_response)
        if not check_fingerprint(path[len(self.prefix):])[1]:
            return self.wsgi_app(environ, start_response)

        def start(status, headers, exc_info=None):
            if status.startswith("200"):
                headers = [(k, v) for k, v in headers if k.lower() != "cache-control"]
                headers.append(("Cache-Control", BUNDLE_CACHE_CONTROL))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


# --- installation ---------------------------------------------------------------------------


def install(app: dash.Dash, data: Data, cache_config: dict) -> ResponseCache:
    """Response cache, compression and bundle cache headers for `app` (call after
    security.install, so that authentication runs first)."""
    server = app.server
    install_compression(app)  # before the cache hooks: its after_request then runs after them
    cache = Cache(config=response_cache_config(cache_config))
    cache.init_app(server)
    path = app.config.routes_pathname_prefix + "_dash-update-component"
    responses = ResponseCache(data, cache, path)
    server.before_request(responses.before_request)
    server.after_request(responses.after_request)
    server.config["KIM_RESPONSE_CACHE"] = responses
    prefix = app.config.routes_pathname_prefix + "_dash-component-suites/"
    server.wsgi_app = _BundleCacheHeaders(server.wsgi_app, prefix)
    return responses
