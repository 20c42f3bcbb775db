"""Access control (KIM_AUTH), roles, security headers and a privacy-preserving access log.

Settings:
  KIM_AUTH            none | basic | header (default none)
  KIM_USERS_FILE      users for `basic` (default instance/users.json; `kim user add` writes it)
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
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, g, has_request_context, request
from werkzeug.security import check_password_hash, generate_password_hash

from queries.db import PROJECT_ROOT

ROLES: tuple[str, ...] = ("lenkungsgruppe", "koordination", "verwaltung")
ROLE_LABELS = {
    "lenkungsgruppe": "Lenkungsgruppe",
    "koordination": "Koordination",
    "verwaltung": "Verwaltung",
}
# Permission -> the lowest role that has it.
PERMISSIONS: dict[str, str] = {
    "aggregates": "lenkungsgruppe",
    "staff_level": "koordination",
    "data_status": "koordination",
    "pseudonyms": "verwaltung",
}
AUTH_MODES = ("none", "basic", "header")

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
        return cls(
            mode=mode,
            users_file=Path(users) if users else cls.users_file,
            user_header=os.environ.get("KIM_AUTH_USER_HEADER", cls.user_header),
            groups_header=os.environ.get("KIM_AUTH_GROUPS_HEADER", cls.groups_header),
            trusted_proxies=proxies,
            role_groups=tuple(mapping),
        )


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
        auth = request.authorization
        if auth is not None and auth.type == "basic":
            user = load_users(settings.users_file).get(auth.username or "")
            if user and check_password_hash(user["hash"], auth.password or ""):
                g.kim_role = user["role"]
                return None
        return _deny(
            401,
            "Anmeldung erforderlich.",
            {"WWW-Authenticate": 'Basic realm="KIM-Cockpit", charset="UTF-8"'},
        )
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
