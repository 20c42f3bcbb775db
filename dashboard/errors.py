"""The one error policy: what the reader gets when the database is away, access is denied, or
anything else fails; used by the router, every section, the print report, downloads and plain
Flask routes alike.

    database unreachable (DataUnavailable)  page: the banner across the page (a section passes
                                            it on to the router); route: 503 + Retry-After
    access denied (security.AccessDenied)   page/section: NO_PERMISSION_TEXT in its place;
                                            route: 403
    anything else                           page/section: ERROR_TEXT in its place, the trace in
                                            the log; route: 500
Every failure on a page marks the request's Outcome incomplete (dashboard/sections.py), so the
response cache never stores it. German words every time, never a traceback.
"""

from __future__ import annotations

import logging

import flask

from . import security
from .components.messages import database_banner, error_message
from .data import DataUnavailable

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = "30"


def _mark_incomplete() -> None:
    from .sections import mark_incomplete  # sections draws with this policy

    mark_incomplete()


def on_page(exc: BaseException, what: str, *, whole_page: bool = False):
    """The component shown in place of the part `what` that raised `exc`. A part of a page
    passes DataUnavailable on (the router shows the banner, `whole_page=True`)."""
    _mark_incomplete()
    if isinstance(exc, DataUnavailable):
        if not whole_page:
            raise exc
        return database_banner(str(exc))
    if isinstance(exc, security.AccessDenied):
        return error_message(security.NO_PERMISSION_TEXT)
    log.error("%s failed", what, exc_info=exc)
    return error_message()


def plain(status: int, text: str, headers: dict | None = None) -> flask.Response:
    """A German plain-text answer that no cache keeps."""
    return flask.Response(text, status=status, mimetype="text/plain",
                          headers={"Cache-Control": "no-store", **(headers or {})})


def as_response(exc: BaseException, what: str, *, unavailable_prefix: str = "",
                unexpected: str = security.INTERNAL_ERROR_TEXT) -> flask.Response:
    """The HTTP answer of a route (a download, a probe) that raised `exc`."""
    if isinstance(exc, DataUnavailable):
        return plain(503, unavailable_prefix + str(exc), {"Retry-After": RETRY_AFTER_SECONDS})
    if isinstance(exc, security.AccessDenied):
        return plain(403, security.NO_PERMISSION_TEXT)
    log.error("%s failed", what, exc_info=exc)
    return plain(500, unexpected)
