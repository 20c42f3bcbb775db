"""gunicorn settings for KIM-Cockpit, read automatically when gunicorn starts in this folder
(or with `-c gunicorn.conf.py`). Command-line flags override what is set here.

    KIM_DATABASE_URL=… KIM_CACHE=redis://127.0.0.1:6379/0 KIM_AUTH=header … \
      .venv/bin/gunicorn -w 4 -b 0.0.0.0:8050 app:server
"""

from gunicorn.http import wsgi as _wsgi

# No runtime control socket: nobody manages workers through it here, and it is one more way in.
control_socket_disable = True

# Debugging aids stay off; errors go to the log, never to the browser.
reload = False
accesslog = None  # the app writes its own access log without personal data (logger kim.access)
errorlog = "-"
loglevel = "info"
# A worker busy longer than this is replaced (the database has its own, shorter query limit).
timeout = 60
graceful_timeout = 30
# Requests are small (callbacks, downloads): refuse overlong request lines and headers.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190


def _default_headers_without_server(self, _original=_wsgi.Response.default_headers):
    """gunicorn always adds "Server: gunicorn" and has no setting to stop it; a server banner
    tells an attacker what to try, so it is dropped from every response."""
    return [h for h in _original(self) if not h.lower().startswith("server:")]


_wsgi.Response.default_headers = _default_headers_without_server
