"""Starting the web app under waitress: the address rules, the workers, the limits."""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import math
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Clinic
from ..errors import UsageError
from .app import Settings, create_app
from .builder import Builder, Choice
from .options import Options, options_for

MIN_TOKEN = 16  # characters: a token someone could guess protects nothing
THREADS = 8  # requests served at once; builds queue for the worker processes
MAX_DEFAULT_WORKERS = 4  # each holds every language's fonts and caches: about 200 MB
# The caches are sized for a batch's one procedure and language at a time; a worker
# that serves them all needs room for about this many pairs per multiple of that size
# (the paragraphs run out first), up to MAX_MEMO_SCALE times (then the least recently
# used pairs are worked out afresh, as before).
PAIRS_PER_SCALE = 6
MAX_MEMO_SCALE = 8
WARM_PATIENT = "Sample Patient"  # a stand-in, so the warm-up lays out a name line too


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


def default_workers() -> int:
    """One build process per CPU, at least 2 (a slow build then never holds up the next
    one) and at most MAX_DEFAULT_WORKERS (a front desk is a few people; each worker
    costs memory)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(2, min(MAX_DEFAULT_WORKERS, cpus))


def warm_choices(clinic: Clinic, options: Options) -> list[Choice]:
    """What each worker builds when it starts: every procedure in every language the
    clinic offers, first as the front desk makes them (its first provider for the
    procedure, a patient's name, today's date), then plain (lines to write on); the
    clinic's languages in its own order, so the likeliest come first."""
    offered = [lang.code for lang in options.languages]
    order = [str(loc) for loc in clinic.languages if str(loc) in offered]
    langs = list(dict.fromkeys(order + offered))
    if "en" in langs:  # the language of the first warm-up, built before a worker answers
        langs.insert(0, langs.pop(langs.index("en")))
    today = dt.date.today()
    full, plain = [], []
    for lang in langs:
        for procedure in options.procedures:
            provider = next((p.id for p in options.providers if procedure.id in p.procedures), None)
            full.append(Choice(procedure.id, lang, provider, WARM_PATIENT, today))
            plain.append(Choice(procedure.id, lang))
    return full + plain


def memo_scale(options: Options) -> int:
    """How much more the workers' caches may hold than a batch's (speed.scale)."""
    pairs = len(options.procedures) * len(options.languages)
    return max(1, min(MAX_MEMO_SCALE, math.ceil(pairs / PAIRS_PER_SCALE)))


def _no_graphical_session() -> str | None:
    """Why no graphical browser can start here, or None. Without a desktop, Python's
    webbrowser would run a text-mode browser (lynx, w3m) in the terminal the server
    logs to; that is not what --open is for."""
    if os.environ.get("BROWSER"):
        return None  # the user's own choice of browser
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")) and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return "there is no graphical session here (DISPLAY and WAYLAND_DISPLAY are not set)"
    return None


def open_page(url: str, warn: Callable[[str], None]) -> threading.Thread | None:
    """``serve --open``: start the default browser on ``url`` (Python's webbrowser:
    $BROWSER, else the desktop's default browser) in a thread of its own, so the server
    answers meanwhile. ``warn`` is told when no browser could be started, and why.
    A server on every address (0.0.0.0, ::) is opened on loopback: the browser is on
    this machine."""
    url = url.replace("://0.0.0.0:", "://127.0.0.1:").replace("://[::]:", "://[::1]:")
    why = _no_graphical_session()
    if why is not None:
        warn(f"Not opening a browser: {why}; open {url} in one")
        return None

    def start() -> None:
        import webbrowser

        try:
            opened = webbrowser.open(url, new=2)
        except Exception:  # noqa: BLE001 (webbrowser.Error, or a browser that failed to run)
            opened = False
        if not opened:
            warn(f"Could not start a browser; open {url} in one")

    thread = threading.Thread(target=start, name="open-browser", daemon=True)
    thread.start()
    return thread


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
        """Stop listening and stop the workers (requests under way get a few seconds)."""
        self._waitress.task_dispatcher.shutdown()  # its threads first: they wake the loop when done
        self._waitress.close()
        self.builder.close()


def create_server(
    clinic_path: Path | None,
    host: str = "127.0.0.1",
    port: int = 8080,
    printer: str | None = None,
    token: str | None = None,
    workers: int | None = None,
    build_timeout: float = 60.0,
    warm: bool = True,
) -> Server:
    """Load the clinic, start the workers (default: :func:`default_workers`) and bind
    the address (port 0: a free one). With ``warm``, each worker builds every
    procedure × language of the clinic (:func:`warm_choices`): the first before it
    takes a request, the rest while no request waits.

    Raises UsageError for an address that needs a token, ConfigError for a broken
    clinic file: the server refuses to start rather than fail at the first request."""
    from waitress import create_server as waitress_server

    from ..api import load

    check_address(host, token)
    clinic = load(clinic_path)
    options = options_for(clinic)
    settings = Settings(clinic_path=clinic_path, printer=printer, token=token or None)
    builder = Builder(
        clinic_path, workers=workers or default_workers(), timeout=build_timeout,
        warm=warm_choices(clinic, options) if warm else (), memo_scale=memo_scale(options),
    )
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
