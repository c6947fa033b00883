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


def _warm_up(clinic: Any, choice: Choice) -> None:
    try:
        _build(clinic, choice, False)
    except Exception:  # noqa: BLE001 (a warm-up that fails fails again, with its message, when asked for)
        pass


def _settle() -> None:
    """After the warm-up: what it built (fonts, caches) stays for the worker's life, so
    the garbage collector stops going through it (gc.freeze). A full collection then
    looks at what later builds made only: a few thousand objects, not 300,000, and
    the build it interrupts waits tens of milliseconds, not a third of a second."""
    import gc

    gc.collect()
    gc.freeze()


def _worker(conn: Connection, clinic_path: Path | None, warm: Sequence[Choice], memo_scale: int,
            initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    """A worker's life: load the clinic, build the first warm-up handout and say it is
    ready, then build what it is sent, and the rest of the warm-up while nothing is.

    A request that comes during the warm-up waits for one warm-up build at most. The
    worker says ("ready",) once, and ("warm",) once every warm-up handout is built.
    Library errors go back as (kind, message); anything else as the exception's class
    name only, since a message may quote the patient's name and the parent logs it."""
    if initializer is not None:
        initializer(*initargs)
    from .. import speed
    from ..api import load

    speed.scale(memo_scale)  # room in the caches for every handout warmed
    clinic = load(clinic_path)
    todo = list(warm)
    if todo:
        _warm_up(clinic, todo.pop(0))  # the imports, fonts and caches every handout needs
    conn.send(("ready",))
    if not todo:
        _settle()
        conn.send(("warm",))
    while True:
        while todo and not conn.poll():
            _warm_up(clinic, todo.pop(0))
            if not todo:
                _settle()
                conn.send(("warm",))
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
            target=_worker, args=(child, pool.clinic_path, pool.warm, pool.memo_scale, pool.initializer, pool.initargs),
            name="handouts-build", daemon=True,
        )
        self.process.start()
        child.close()
        self.ready = False  # it has loaded the clinic and built its first warm-up handout
        self.warm = False  # it has built every warm-up handout

    def _status(self, message: tuple[Any, ...]) -> bool:
        """Note a ("ready",) or ("warm",); False for an answer to a job."""
        if message[0] == "ready":
            self.ready = True
        elif message[0] == "warm":
            self.warm = True
        else:
            return False
        return True

    def answer(self, deadline: float) -> tuple[Any, ...] | None:
        """The answer to the job sent (noting what the worker says on the way), or None
        if there is none by ``deadline``. Raises EOFError or OSError if the worker stopped."""
        while self.conn.poll(max(0.0, deadline - time.monotonic())):
            message = self.conn.recv()
            if not self._status(message):
                return message
        return None

    def until(self, what: str, deadline: float) -> bool:
        """Wait until the worker is "ready" or "warm"; False if it is not by ``deadline``."""
        while not getattr(self, what):
            if not self.conn.poll(max(0.0, deadline - time.monotonic())):
                return False
            self._status(self.conn.recv())
        return True

    def notice(self) -> None:
        """Note what an idle worker has said since, without waiting."""
        try:
            while self.conn.poll():
                self._status(self.conn.recv())
        except (EOFError, OSError):
            pass  # it stopped; the next build finds out and replaces it

    def stop(self) -> None:
        """End the process now (a build past its deadline, or shutting down)."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


class Builder:
    """A pool of worker processes; :meth:`build` waits at most ``timeout`` seconds.

    Each worker builds the ``warm`` handouts before (the first) and between (the rest)
    the requests it is sent, so its caches hold what the clinic offers; ``memo_scale``
    lets its caches hold that much (:func:`handouts.speed.scale`). A worker that
    replaces one past its deadline warms up again."""

    def __init__(
        self,
        clinic_path: Path | None,
        workers: int = 1,
        timeout: float = 60.0,
        warm: Sequence[Choice] = (),
        initializer: Callable[..., None] | None = None,
        initargs: tuple[Any, ...] = (),
        memo_scale: int = 1,
    ) -> None:
        if workers < 1:
            raise UsageError("workers must be 1 or more")
        self.clinic_path = clinic_path
        self.timeout = timeout
        self.warm = tuple(warm)
        self.memo_scale = memo_scale
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

    def _hold_idle(self) -> list[_Process]:
        """Take every idle worker (give them back with :meth:`_release`)."""
        held = []
        while True:
            try:
                held.append(self._idle.get_nowait())
            except queue.Empty:
                return held

    def _release(self, held: list[_Process]) -> None:
        for worker in held:
            self._idle.put(worker)

    def wait_ready(self, timeout: float, warm: bool = False) -> bool:
        """Wait until every idle worker has loaded the clinic and built its first warm-up
        handout (with ``warm``: every warm-up handout)."""
        deadline = time.monotonic() + timeout
        held = self._hold_idle()
        try:
            for worker in held:
                try:
                    if not worker.until("warm" if warm else "ready", deadline):
                        return False
                except (EOFError, OSError):
                    return False  # it stopped while starting; build() replaces it
            return True
        finally:
            self._release(held)

    def warmed(self) -> int:
        """How many running workers have built every warm-up handout."""
        held = self._hold_idle()
        try:
            for worker in held:
                worker.notice()
        finally:
            self._release(held)
        with self._lock:
            return sum(w.warm and w.process.is_alive() for w in self._all)

    def build(self, choice: Choice, for_print: bool = False) -> Built:
        """Build one handout in a worker. Raises the library's errors (UsageError for a
        bad choice), BuildTimeout past the deadline, BuildCrashed for a worker's bug."""
        deadline = time.monotonic() + self.timeout
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise BuildTimeout(f"every worker stayed busy for {self.timeout:g} seconds; try again in a moment") from None
        try:
            if not worker.until("ready", deadline):  # a new worker's first words: it has loaded
                raise BuildTimeout(f"the handout was not ready within {self.timeout:g} seconds (the worker was still starting)")
            worker.conn.send((choice, for_print))
            answer = worker.answer(deadline)
            if answer is None:
                raise BuildTimeout(f"the handout was not ready within {self.timeout:g} seconds; the build was stopped")
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
