"""The Flask application: settings, the checks every request passes, errors as one
sentence, and an access log that records the path and status only.

Routes live in :mod:`handouts.web.routes`; they parse the form and call the library.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, redirect, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from ..errors import ConfigError, HandoutsError, UsageError
from ..printing import PrintError
from .builder import BuildCrashed, Builder, BuildTimeout
from .options import Options
from .preview import PreviewError

log = logging.getLogger("handouts.web")
access_log = logging.getLogger("handouts.web.access")

TOKEN_COOKIE = "handouts_token"
MAX_BODY = 16 * 1024  # bytes: the form is a few short fields


@dataclass
class Settings:
    """How this server was started."""

    clinic_path: Path | None = None
    printer: str | None = None  # `serve --printer`: the form's default
    token: str | None = None  # HANDOUTS_TOKEN: required on every request when set
    # Host headers answered (DNS rebinding: a page elsewhere must not reach a loopback
    # server under its own name); None answers any, which only a token-guarded server does.
    allowed_hosts: frozenset[str] | None = None
    max_body: int = MAX_BODY
    preview_dpi: int = 96
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))


@dataclass
class State:
    """What the routes share: settings, the form's options and the build workers."""

    settings: Settings
    options: Options
    builder: Builder


def state() -> State:
    return current_app.extensions["handouts"]


def same(a: str | None, b: str) -> bool:
    """Constant-time comparison of a secret (timing must not reveal how much matched)."""
    return a is not None and hmac.compare_digest(a.encode("utf-8", "surrogateescape"), b.encode("utf-8"))


def sentence(message: str) -> str:
    """A library message as one readable sentence: capitalised, one line, full stop."""
    text = " ".join(message.split())
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def status_for(exc: HandoutsError) -> int:
    """The HTTP status of a library error: the request was wrong (400), could not be
    made into a handout (422), or the machine could not do it just now (503)."""
    if isinstance(exc, UsageError):
        return 400
    if isinstance(exc, (BuildTimeout, PrintError, PreviewError)):
        return 503
    if isinstance(exc, BuildCrashed):
        return 500
    return 422


def error_response(message: str, status: int) -> Response:
    """Every error: one sentence, plain text."""
    return Response(sentence(message) + "\n", status=status, mimetype="text/plain")


_HTTP_MESSAGES = {
    404: "There is no such page here; the form is at /",
    405: "That method is not allowed here",
    413: "The request is too large",
}


def _check_host() -> Response | None:
    allowed = state().settings.allowed_hosts
    if allowed is not None and request.host not in allowed:
        return error_response(f"this server answers only at {sorted(allowed)[0]}; open http://{sorted(allowed)[0]}/", 400)
    return None


def _check_token() -> BaseResponse | None:
    """HANDOUTS_TOKEN on every request: a bearer header, the cookie, or once as
    ``?token=`` in the address (then kept in a cookie and taken out of the address)."""
    token = state().settings.token
    if token is None:
        return None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer ") and same(header[7:].strip(), token):
        return None
    if same(request.cookies.get(TOKEN_COOKIE), token):
        return None
    given = request.args.get("token")
    if given is not None and request.method == "GET" and same(given, token):
        response = redirect(request.path, code=303)
        response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="Strict", path="/")
        return response
    response = error_response("this server needs its access token: open the address given with ?token=… once, or send Authorization: Bearer …", 401)
    response.headers["WWW-Authenticate"] = "Bearer"
    return response


def _check_csrf() -> Response | None:
    """POSTs from this page only: browsers say where a request comes from
    (Sec-Fetch-Site, Origin), and the form carries a token no other site can read."""
    if request.method != "POST":
        return None
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        return error_response("a request from another site was refused", 403)
    origin = request.headers.get("Origin")
    if origin is not None and origin != f"{request.scheme}://{request.host}":
        return error_response("a request from another site was refused", 403)
    if not same(request.form.get("csrf"), state().settings.csrf):
        return error_response("the form is out of date (or came from elsewhere); reload the page and try again", 403)
    return None


def _headers(response: Response) -> Response:
    """Nothing from this server is kept by the browser or a proxy (the forms, PDFs and
    previews carry patient data); assets (fonts, style) may be."""
    if request.path.startswith("/assets/") and response.status_code == 200:
        response.headers["Cache-Control"] = "public, max-age=86400"
    else:
        response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )
    return response


def _handouts_error(exc: HandoutsError) -> Response:
    if isinstance(exc, ConfigError):  # several problems, one per line: one sentence
        return error_response("; ".join(str(exc).splitlines()), status_for(exc))
    return error_response(str(exc), status_for(exc))


def _http_error(exc: HTTPException) -> Response:
    code = exc.code or 500
    if code == 413:
        return error_response(f"the request is too large: at most {state().settings.max_body} bytes", 413)
    message = _HTTP_MESSAGES.get(code) or (exc.description or exc.name or "bad request").split("\n")[0]
    response = error_response(message, code)
    if code == 405 and exc.response is None:
        allowed = getattr(exc, "valid_methods", None)
        if allowed:
            response.headers["Allow"] = ", ".join(allowed)
    return response


def _internal_error(exc: Exception) -> Response:
    # The class name only: a message or traceback may quote the patient's name.
    log.error("internal error: %s", type(exc).__name__)
    return error_response(f"internal error ({type(exc).__name__}); please report it", 500)


class AccessLog:
    """WSGI middleware: one line per request, method, path and status. The path is one
    of the app's own (anything else is logged as "(other)"): a path, like a query
    string, could carry what someone typed."""

    def __init__(self, app: Callable[..., Iterable[bytes]], paths: Iterable[str]) -> None:
        self.app = app
        self.paths = frozenset(paths)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        status = ["-"]

        def start(code: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status[0] = code.split(" ", 1)[0]
            return start_response(code, headers, exc_info)

        try:
            return self.app(environ, start)
        finally:
            method = environ.get("REQUEST_METHOD", "")
            path = environ.get("PATH_INFO", "")
            access_log.info(
                "%s %s %s",
                method if method in ("GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH") else "(other)",
                path if path in self.paths else "(other)",
                status[0],
            )


def create_app(settings: Settings, options: Options, builder: Builder) -> Flask:
    """The web app for one clinic, building with ``builder``."""
    from . import routes

    app = Flask(__name__, static_folder=None, template_folder="templates")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body
    app.config["MAX_FORM_MEMORY_SIZE"] = settings.max_body
    app.config["MAX_FORM_PARTS"] = 50
    app.extensions["handouts"] = State(settings, options, builder)
    app.before_request(_check_host)
    app.before_request(_check_token)
    app.before_request(_check_csrf)
    app.after_request(_headers)
    app.register_error_handler(HandoutsError, _handouts_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _internal_error)
    app.register_blueprint(routes.blueprint)
    app.wsgi_app = AccessLog(app.wsgi_app, routes.paths())  # type: ignore[method-assign]
    return app
