"""Handouts built in worker processes, each request with a deadline.

A build is CPU-bound and, inside one process, builds take turns (see
:mod:`handouts.api`). Building in separate processes keeps the page and the other
requests answering while one handout is laid out, and lets a build that runs past its
deadline be stopped for real: its process is ended and replaced. Choices, the patient's
name included, travel to a worker over a pipe and the PDF comes back the same way;
nothing is written to disk.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ..errors import HandoutsError, UsageError

log = logging.getLogger("handouts.web")


class BuildTimeout(HandoutsError):
    """The handout was not ready within the build-time limit (or no worker was free)."""


class BuildCrashed(HandoutsError):
    """A worker stopped or failed in an unexpected way (a bug, not bad input)."""


@dataclass(frozen=True)
class Choice:
    """What the front desk chose: the options of ``handouts generate``."""

    procedure: str
    lang: str = "en"
    provider: str | None = None
    patient: str | None = None
    visit_date: dt.date | None = None
    paper: str | None = None
    large_print: bool = False
    grayscale: bool = False


@dataclass(frozen=True)
class Built:
    """A built handout, as it comes back from a worker."""

    pdf: bytes
    pages: int
    paper: str
    procedure: str
    lang: str  # the resolved language code ("zh" -> "zh_Hans")


# --- inside a worker process --------------------------------------------------------


def _build(clinic: Any, choice: Choice, for_print: bool) -> Built:
    from ..api import build_handout

    handout = build_handout(
        choice.procedure, clinic=clinic, lang=choice.lang, provider=choice.provider, patient=choice.patient,
        visit_date=choice.visit_date, paper=choice.paper, large_print=choice.large_print,
        grayscale=choice.grayscale, for_print=for_print,
    )
    return Built(handout.pdf, handout.pages, handout.paper, handout.procedure.id, handout.language.code)


def _worker(conn: Connection, clinic_path: Path | None, warm: Sequence[Choice],
            initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    """A worker's life: load the clinic, warm the caches, then build what it is sent.

    Library errors go back as (kind, message); anything else as the exception's class
    name only, since a message may quote the patient's name and the parent logs it."""
    if initializer is not None:
        initializer(*initargs)
    from ..api import load

    clinic = load(clinic_path)
    for choice in warm:
        try:
            _build(clinic, choice, False)
        except HandoutsError:
            pass  # a warm-up that fails fails again, with its message, when asked for
    conn.send(("ready",))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        choice, for_print = job
        try:
            conn.send(("ok", _build(clinic, choice, for_print)))
        except UsageError as exc:
            conn.send(("usage", str(exc)))
        except HandoutsError as exc:
            conn.send(("error", str(exc)))
        except Exception as exc:  # noqa: BLE001 (a bug: reported without its message)
            conn.send(("bug", type(exc).__name__))


# --- in the server ------------------------------------------------------------------


class _Process:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, pool: Builder) -> None:
        ctx = multiprocessing.get_context("spawn")  # never fork a threaded server
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker, args=(child, pool.clinic_path, pool.warm, pool.initializer, pool.initargs),
            name="handouts-build", daemon=True,
        )
        self.process.start()
        child.close()
        self.ready = False

    def stop(self) -> None:
        """End the process now (a build past its deadline, or shutting down)."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


class Builder:
    """A pool of worker processes; :meth:`build` waits at most ``timeout`` seconds."""

    def __init__(
        self,
        clinic_path: Path | None,
        workers: int = 1,
        timeout: float = 60.0,
        warm: Sequence[Choice] = (),
        initializer: Callable[..., None] | None = None,
        initargs: tuple[Any, ...] = (),
    ) -> None:
        if workers < 1:
            raise UsageError("workers must be 1 or more")
        self.clinic_path = clinic_path
        self.timeout = timeout
        self.warm = tuple(warm)
        self.initializer = initializer
        self.initargs = initargs
        self._idle: queue.Queue[_Process] = queue.Queue()
        self._all: set[_Process] = set()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(workers):
            self._start()

    def _start(self) -> None:
        with self._lock:
            if self._closed:
                return
            worker = _Process(self)
            self._all.add(worker)
        self._idle.put(worker)

    def _replace(self, worker: _Process) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.stop()
        self._start()

    @property
    def size(self) -> int:
        """How many worker processes are running."""
        with self._lock:
            return sum(w.process.is_alive() for w in self._all)

    def wait_ready(self, timeout: float) -> bool:
        """Wait until every idle worker has loaded the clinic (and warmed its caches)."""
        deadline = time.monotonic() + timeout
        waiting = []
        try:
            while True:
                try:
                    waiting.append(self._idle.get_nowait())
                except queue.Empty:
                    break
            for worker in waiting:
                if not worker.ready:
                    if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                        return False
                    try:
                        worker.conn.recv()
                    except (EOFError, OSError):
                        return False  # it stopped while starting; build() replaces it
                    worker.ready = True
            return True
        finally:
            for worker in waiting:
                self._idle.put(worker)

    def build(self, choice: Choice, for_print: bool = False) -> Built:
        """Build one handout in a worker. Raises the library's errors (UsageError for a
        bad choice), BuildTimeout past the deadline, BuildCrashed for a worker's bug."""
        deadline = time.monotonic() + self.timeout
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise BuildTimeout(f"every worker stayed busy for {self.timeout:g} seconds; try again in a moment") from None
        try:
            if not worker.ready:  # the first answer of a new worker says it has loaded
                if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                    raise BuildTimeout(f"the handout was not ready within {self.timeout:g} seconds (the worker was still starting)")
                worker.conn.recv()
                worker.ready = True
            worker.conn.send((choice, for_print))
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                raise BuildTimeout(f"the handout was not ready within {self.timeout:g} seconds; the build was stopped")
            answer = worker.conn.recv()
        except BuildTimeout:
            log.warning("a build ran past its %g s limit; its worker was replaced", self.timeout)
            self._replace(worker)
            raise
        except (EOFError, OSError, BrokenPipeError):
            log.error("a build worker stopped unexpectedly; it was replaced")
            self._replace(worker)
            raise BuildCrashed("the build worker stopped unexpectedly; please try again, and report it if it happens again") from None
        self._idle.put(worker)
        kind = answer[0]
        if kind == "ok":
            return answer[1]
        if kind == "usage":
            raise UsageError(answer[1])
        if kind == "error":
            raise HandoutsError(answer[1])
        log.error("a build failed with an internal error (%s)", answer[1])
        raise BuildCrashed(f"internal error ({answer[1]}); please report it")

    def close(self) -> None:
        """Stop every worker."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            try:
                worker.conn.send(None)
            except OSError:
                pass
            worker.stop()
