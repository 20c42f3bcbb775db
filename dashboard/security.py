"""Access control (KIM_AUTH), roles, security headers and a privacy-preserving access log.

Settings:
  KIM_AUTH            none | basic | header (default none)
  KIM_USERS_FILE      users for `basic` (default instance/users.json; `kim user add` writes it)
  KIM_SECRET_KEY      key that signs the session cookie of `basic` (default: the file
                      secret_key next to the users file, generated when absent)
  KIM_SESSION_HOURS   how long a `basic` sign-in lasts (default 8, a working day)
  KIM_COOKIE_SECURE   1: send the session cookie over HTTPS only (behind a TLS proxy)
  KIM_AUTH_USER_HEADER, KIM_AUTH_GROUPS_HEADER   headers set by the reverse proxy for `header`
                      (default X-Remote-User, X-Remote-Groups; groups comma-separated)
  KIM_TRUSTED_PROXIES comma-separated proxy addresses whose headers are believed (`header`)
  KIM_ROLE_GROUPS     group-to-role mapping for `header`, e.g.
                      "lenkungsgruppe=KIM-LG,koordination=KIM-KO,verwaltung=KIM-VW"

Roles, each including the one before: `lenkungsgruppe` sees aggregates only (no case-manager
level, no Datenstand page); `koordination` also drills down to case managers and sees the
Datenstand page; `verwaltung` sees everything, including the pseudonyms named in data-quality
warnings. Permissions deny by default: each page and each section (dashboard/sections.py) names
the permission it needs, checked where pages are routed and before a section reads its data, so
a page, a callback and a download are refused alike; dashboard/data.py reads nothing without an
authenticated role.

`basic` checks the password (scrypt, deliberately slow) once: the answer carries a signed session
cookie (Flask's session: user, a fingerprint of the stored hash, the time of sign-in), and later
requests with that cookie are let in without scrypt. A session ends after KIM_SESSION_HOURS, at
/abmelden, or when the user is removed or gets a new password (the fingerprint no longer fits).
"""

from __future__ import annotations

import fcntl
import hashlib
import ipaddress
import json
import logging
import os
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Flask, Response, g, has_request_context, request, session
from werkzeug.security import check_password_hash, generate_password_hash

from queries.db import PROJECT_ROOT

ROLES: tuple[str, ...] = ("lenkungsgruppe", "koordination", "verwaltung")
# Permission -> the lowest role that has it.
PERMISSIONS: dict[str, str] = {
    "aggregates": "lenkungsgruppe",
    "staff_level": "koordination",
    "data_status": "koordination",
    "pseudonyms": "verwaltung",
}
AUTH_MODES = ("none", "basic", "header")
SESSION_COOKIE = "kim_session"
LOGOUT_PATH = "/abmelden"

access_log = logging.getLogger("kim.access")


class AccessDenied(Exception):
    """The current user's role does not include a permission; shown as a German message."""

    def __init__(self, permission: str):
        super().__init__(permission)
        self.permission = permission


@dataclass(frozen=True)
class AuthSettings:
    mode: str = "none"
    users_file: Path = PROJECT_ROOT / "instance" / "users.json"
    user_header: str = "X-Remote-User"
    groups_header: str = "X-Remote-Groups"
    trusted_proxies: tuple[str, ...] = ()
    role_groups: tuple[tuple[str, str], ...] = ()  # (group, role)
    secret_key: str | None = None  # None: the file secret_key next to users_file
    session_hours: float = 8.0
    cookie_secure: bool = False

    @classmethod
    def from_env(cls) -> AuthSettings:
        mode = os.environ.get("KIM_AUTH", "none").strip().lower() or "none"
        if mode not in AUTH_MODES:
            raise ValueError(f"KIM_AUTH muss none, basic oder header sein, nicht {mode!r}")
        users = os.environ.get("KIM_USERS_FILE", "").strip()
        proxies = tuple(
            p.strip() for p in os.environ.get("KIM_TRUSTED_PROXIES", "").split(",") if p.strip()
        )
        for proxy in proxies:
            ipaddress.ip_address(proxy)  # a typo must stop the start, not open the door
        mapping = []
        for item in os.environ.get("KIM_ROLE_GROUPS", "").split(","):
            if not item.strip():
                continue
            role, _, group = item.partition("=")
            role, group = role.strip(), group.strip()
            if role not in ROLES or not group:
                raise ValueError(f"KIM_ROLE_GROUPS: ungültiger Eintrag {item!r}")
            mapping.append((group, role))
        if mode == "header" and not proxies:
            raise ValueError("KIM_AUTH=header braucht KIM_TRUSTED_PROXIES")
        hours = os.environ.get("KIM_SESSION_HOURS", "").strip()
        try:
            session_hours = float(hours) if hours else cls.session_hours
        except ValueError:
            session_hours = -1.0
        if not 0 < session_hours <= 24 * 30:
            raise ValueError(f"KIM_SESSION_HOURS: eine Zahl von Stunden (bis 720), nicht {hours!r}")
        return cls(
            mode=mode,
            users_file=Path(users) if users else cls.users_file,
            user_header=os.environ.get("KIM_AUTH_USER_HEADER", cls.user_header),
            groups_header=os.environ.get("KIM_AUTH_GROUPS_HEADER", cls.groups_header),
            trusted_proxies=proxies,
            role_groups=tuple(mapping),
            secret_key=os.environ.get("KIM_SECRET_KEY", "").strip() or None,
            session_hours=session_hours,
            cookie_secure=os.environ.get("KIM_COOKIE_SECURE", "").strip() in ("1", "true", "ja"),
        )

    @property
    def secret_file(self) -> Path:
        return self.users_file.parent / "secret_key"

    @property
    def logout_file(self) -> Path:
        return self.users_file.parent / "logged_out_sessions.json"


def role_has(role: str | None, permission: str) -> bool:
    if role not in ROLES:
        return False
    return ROLES.index(role) >= ROLES.index(PERMISSIONS[permission])


NO_PERMISSION_TEXT = (
    "Keine Berechtigung: Ihre Rolle erlaubt diese Ansicht nicht. Wenden Sie sich an die "
    "Koordinierungsstelle KIM, wenn Sie sie für Ihre Aufgaben brauchen."
)


def current_role() -> str | None:
    """The role of the request being served; None for a request nobody authenticated and outside
    any request (no implicit role: `kim report` and the command line read queries/ directly and
    need none), so both are refused everywhere."""
    if not has_request_context():
        return None
    return g.get("kim_role")


def require(permission: str) -> None:
    if not role_has(current_role(), permission):
        raise AccessDenied(permission)


def can(permission: str) -> bool:
    return role_has(current_role(), permission)


MAX_INPUT_LENGTH = 4096


def text_input(value: object, max_length: int = MAX_INPUT_LENGTH) -> str | None:
    """A callback input or URL part as sent by the browser, which anyone can forge: a string of
    sane length, else None (treated as "not given", so the default applies)."""
    if isinstance(value, str) and len(value) <= max_length:
        return value
    return None


# --- users file (basic) -------------------------------------------------------------------------


def load_users(path: Path) -> dict[str, dict]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data.get("users", {})


_users_cache: dict[Path, tuple[tuple[int, int, int], dict[str, dict]]] = {}


def _current_users(path: Path) -> dict[str, dict]:
    """load_users, read again only when the file changed (every request asks)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return {}
    stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
    cached = _users_cache.get(path)
    if cached is None or cached[0] != stamp:
        cached = (stamp, load_users(path))
        _users_cache[path] = cached
    return cached[1]


_logout_cache: dict[Path, tuple[tuple[int, int, int], frozenset[str]]] = {}


def _logged_out(path: Path) -> frozenset[str]:
    """The ids of sessions ended at /abmelden (read again only when the file changed)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return frozenset()
    stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
    cached = _logout_cache.get(path)
    if cached is None or cached[0] != stamp:
        cached = (stamp, frozenset(json.loads(path.read_text(encoding="utf-8"))))
        _logout_cache[path] = cached
    return cached[1]


def _record_logout(settings: AuthSettings, sid: str, expires: float) -> None:
    """Add one ended session (until it would have expired anyway; older entries are dropped).
    A lock keeps two workers' logouts from overwriting each other."""
    path = settings.logout_file
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        ended = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        now = time.time()
        ended = {k: v for k, v in ended.items() if v > now}
        ended[sid] = expires
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(ended), encoding="utf-8")
        tmp.replace(path)


def _hash_fingerprint(user: dict) -> str:
    """Changes when the stored hash changes (new password, user re-added); reveals nothing."""
    return hashlib.sha256(user["hash"].encode()).hexdigest()[:16]


def secret_key(settings: AuthSettings) -> str:
    """KIM_SECRET_KEY, else the key in instance/secret_key, created (0600) on first start. Every
    gunicorn worker reads the same file, so a session signed by one is good in all of them."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.secret_file
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another worker may be writing it this very moment
            key = path.read_text(encoding="ascii").strip()
            if key:
                return key
            time.sleep(0.02)
        raise RuntimeError(f"{path} ist leer; löschen Sie die Datei für einen neuen Schlüssel") \
            from None
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key + "\n")
    return key


def add_user(path: Path, name: str, role: str, password: str) -> None:
    """Add or replace one user; the password is stored only as a scrypt hash."""
    if role not in ROLES:
        raise ValueError(f"unbekannte Rolle {role!r} (erlaubt: {', '.join(ROLES)})")
    if not name or len(name) > 64 or ":" in name:
        raise ValueError("Benutzername: 1–64 Zeichen, kein Doppelpunkt")
    if len(password) < 12:
        raise ValueError("Das Passwort muss mindestens 12 Zeichen haben")
    users = load_users(path)
    users[name] = {"role": role, "hash": generate_password_hash(password, method="scrypt")}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"users": users}, indent=2, sort_keys=True), encoding="utf-8")
    os.chmod(tmp, 0o600)
    tmp.replace(path)


# --- request handling ---------------------------------------------------------------------------


def _is_loopback(addr: str | None) -> bool:
    try:
        return addr is not None and ipaddress.ip_address(addr).is_loopback
    except ValueError:
        return False


INTERNAL_ERROR_TEXT = (
    "Diese Anfrage konnte nicht beantwortet werden (interner Fehler). Bitte laden Sie die Seite "
    "neu; bleibt der Fehler, melden Sie ihn mit Uhrzeit an die Fachadministration."
)


def _deny(status: int, text: str, headers: dict | None = None) -> Response:
    return Response(text, status=status, mimetype="text/plain", headers=headers or {})


def _authenticate(settings: AuthSettings) -> Response | None:
    """Set g.kim_role, or return the response that refuses the request."""
    if settings.mode == "none":
        if not _is_loopback(request.remote_addr):
            return _deny(403, "Ohne Anmeldung ist KIM-Cockpit nur auf diesem Rechner erreichbar.")
        g.kim_role = "verwaltung"
        return None
    if settings.mode == "basic":
        return _authenticate_basic(settings)
    # header: only a configured proxy may vouch for the user
    if request.remote_addr not in settings.trusted_proxies:
        return _deny(403, "Zugriff nur über den Anmelde-Proxy des Kreises.")
    user = request.headers.get(settings.user_header, "").strip()
    groups = {x.strip() for x in request.headers.get(settings.groups_header, "").split(",")}
    roles = [role for group, role in settings.role_groups if group in groups]
    if not user or not roles:
        return _deny(403, "Keine Berechtigung für KIM-Cockpit.")
    g.kim_role = max(roles, key=ROLES.index)
    return None


def _session_role(settings: AuthSettings, users: dict[str, dict],
                  claimed: str | None) -> str | None:
    """The role of a valid session cookie, else None. A browser keeps sending its Basic header
    beside the cookie; a header for another user than the session's means a new sign-in."""
    name = session.get("user")
    signed_in = session.get("at")
    if not isinstance(name, str) or not isinstance(signed_in, int | float):
        return None
    if claimed is not None and claimed != name:
        return None
    if not 0 <= time.time() - signed_in < settings.session_hours * 3600:
        return None
    if session.get("sid") in _logged_out(settings.logout_file):
        return None
    user = users.get(name)
    if user is None or session.get("fp") != _hash_fingerprint(user):
        return None
    return user["role"]


def _authenticate_basic(settings: AuthSettings) -> Response | None:
    users = _current_users(settings.users_file)
    auth = request.authorization
    basic = auth if auth is not None and auth.type == "basic" else None
    role = _session_role(settings, users, basic.username if basic else None)
    if role is not None:
        g.kim_role = role
        return None
    if session:
        session.clear()  # expired, forged away or for a removed user: the cookie is dropped
    if basic is not None:
        user = users.get(basic.username or "")
        if user and check_password_hash(user["hash"], basic.password or ""):
            session.permanent = True
            session.update(user=basic.username, fp=_hash_fingerprint(user), at=time.time(),
                           sid=secrets.token_hex(16))
            g.kim_role = user["role"]
            return None
    return _ask_for_password("Anmeldung erforderlich.")


def _ask_for_password(text: str) -> Response:
    return _deny(401, text, {"WWW-Authenticate": 'Basic realm="KIM-Cockpit", charset="UTF-8"'})


LOGGED_OUT_TEXT = ("Sie sind abgemeldet. Zum erneuten Anmelden laden Sie die Seite neu und geben "
                   "Benutzername und Passwort ein.")


def _install_session(server: Flask, settings: AuthSettings) -> None:
    server.secret_key = secret_key(settings)
    server.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
        SESSION_REFRESH_EACH_REQUEST=False,  # the lifetime counts from the sign-in
    )

    @server.route(LOGOUT_PATH)
    def _logout():
        # The cookie is signed, not stored: a copy of it would stay good until it expires, so
        # the session's id is recorded as ended (in a file every worker reads). The 401 makes
        # the browser forget the Basic credentials it would otherwise send again.
        sid, signed_in = session.get("sid"), session.get("at")
        if isinstance(sid, str) and isinstance(signed_in, int | float):
            _record_logout(settings, sid, signed_in + settings.session_hours * 3600)
        session.clear()
        return _ask_for_password(LOGGED_OUT_TEXT)


def content_security_policy(script_hashes: list[str]) -> str:
    scripts = " ".join(["'self'", *script_hashes])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            # plotly.js and Dash components set inline styles; styles cannot run code
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def install(server: Flask, settings: AuthSettings, script_hashes: list[str]) -> None:
    """Authenticate every request, add the security headers, log without personal data."""
    csp = content_security_policy(script_hashes)
    server.config["KIM_AUTH_SETTINGS"] = settings
    if settings.mode == "basic":
        _install_session(server, settings)

    # Refusals and failures of any route are answered by the one error policy
    # (dashboard/errors.py, installed by the app factory).
    @server.before_request
    def _before():
        g.kim_started = time.monotonic()
        return _authenticate(settings)

    @server.after_request
    def _after(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = csp
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if request.path.startswith("/_dash-") or response.mimetype == "text/html":
            response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Server", None)
        started = g.get("kim_started")
        elapsed = (time.monotonic() - started) * 1000 if started else 0.0
        # No address, no user, no query string: the query may carry a pseudonym.
        access_log.info(
            "%s %s %s %.0fms", request.method, request.path, response.status_code, elapsed
        )
        return response
