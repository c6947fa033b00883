"""Starting the web app under waitress: the address rules, the workers, the limits."""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Clinic
from ..errors import UsageError
from .app import Settings, create_app
from .builder import Builder, Choice
from .options import options_for

MIN_TOKEN = 16  # characters: a token someone could guess protects nothing
THREADS = 8  # requests served at once; builds queue for the worker processes


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine only (127.0.0.0/8, ::1 or localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_address(host: str, token: str | None) -> None:
    """Loopback needs nothing; any other address needs a long enough access token."""
    if is_loopback(host):
        return
    if not token:
        raise UsageError(
            f"listening on {host} lets other machines reach the form, so it needs an access token: set HANDOUTS_TOKEN "
            f"(at least {MIN_TOKEN} characters, e.g. from: python3 -c 'import secrets; print(secrets.token_urlsafe())'), "
            "or keep the default --host 127.0.0.1"
        )
    if len(token) < MIN_TOKEN:
        raise UsageError(f"HANDOUTS_TOKEN is too short: at least {MIN_TOKEN} characters")


def _host_names(host: str, port: int) -> frozenset[str]:
    """The Host headers a loopback server answers to."""
    names = {"127.0.0.1", "localhost", "[::1]", host if ":" not in host else f"[{host.strip('[]')}]"}
    return frozenset(f"{name}:{port}" for name in names)


@dataclass
class Server:
    """A running (or ready to run) web app: :meth:`run` serves until stopped."""

    url: str
    clinic: Clinic
    settings: Settings
    builder: Builder
    _waitress: Any

    def run(self) -> None:
        """Serve requests until interrupted."""
        self._waitress.run()

    def close(self) -> None:
        """Stop listening and stop the workers."""
        self._waitress.close()
        self.builder.close()


def create_server(
    clinic_path: Path | None,
    host: str = "127.0.0.1",
    port: int = 8080,
    printer: str | None = None,
    token: str | None = None,
    workers: int = 1,
    build_timeout: float = 60.0,
    warm: bool = True,
) -> Server:
    """Load the clinic, start the workers and bind the address (port 0: a free one).

    Raises UsageError for an address that needs a token, ConfigError for a broken
    clinic file: the server refuses to start rather than fail at the first request."""
    from waitress import create_server as waitress_server

    from ..api import load

    check_address(host, token)
    clinic = load(clinic_path)
    options = options_for(clinic)
    settings = Settings(clinic_path=clinic_path, printer=printer, token=token or None)
    # Each worker builds one handout before its first request: imports, fonts, caches.
    first = [Choice(options.procedures[0].id)] if warm and options.procedures else []
    builder = Builder(clinic_path, workers=workers, timeout=build_timeout, warm=first)
    try:
        app = create_app(settings, options, builder)
        served = waitress_server(
            app, host="127.0.0.1" if host == "localhost" else host, port=port, threads=THREADS, ident="handouts",
            max_request_body_size=settings.max_body, max_request_header_size=16 * 1024,
            clear_untrusted_proxy_headers=True,
        )
    except OSError as exc:  # the port is taken, or the address is not this machine's
        builder.close()
        raise UsageError(f"cannot listen on {host} port {port}: {exc.strerror or exc}; choose another --port or --host") from None
    except BaseException:
        builder.close()
        raise
    bound = served.effective_port
    if is_loopback(host):
        settings.allowed_hosts = _host_names(host, bound)
    shown = f"[{host}]" if ":" in host else host
    logging.getLogger("handouts.web").debug("listening on %s:%s", shown, bound)
    return Server(url=f"http://{shown}:{bound}/", clinic=clinic, settings=settings, builder=builder, _waitress=served)
