"""The cache layer: the one place where handouts reuse work across builds.

Everything a build reuses from an earlier build, in memory or on disk, goes through
this package, and nothing else in handouts keeps results between builds. Each reuse is
a named :class:`Memo`, bounded, keyed on *everything* that determines its value
(content-addressed: text, style values, file bytes, code version), never on a guess
about what a template or a document does.

What is reused, and why it is correct:

==========================  ====================================  ========================
memo                        key                                   value
==========================  ====================================  ========================
``templates``               template search path + bytes of       compiled Jinja2
                            every template file under it          environment (memory only)
``parsed-sections``,        the exact text of each section of     document model of it
``parsed-columns``          template output (rendered afresh
                            for every handout)
``catalogs``                ``.po`` bytes + locale                compiled gettext catalog
``catalog-health``          ``.po`` and ``.pot`` bytes            counts of a catalog
``procedures``              ``procedure.toml`` bytes + folder     parsed metadata
``languages``               which catalogs exist                  the languages
``cldr-*``                  value, unit, locale                   CLDR-formatted text
``font-*``                  family, language, font folders        registered fonts
``styles``                  font stack, palette, sizes, language  paragraph styles
``paragraphs``              text runs + every style value +       laid-out paragraph
                            font stack                            (:mod:`.paragraphs`)
``rtl-glyphs``, ``rtl-runs``  runs + font stack + style; a run's  shaped glyphs of bidi
                            face, text and direction              paragraphs
``shaped-words``            font, size and text of a word of a    its HarfBuzz glyphs and
                            shared paragraph                      width
``font-runs``, ``characters``,  text (+ font stack)               font runs, characters
``shaped-characters``
``font-subsets``            font file + characters (or glyphs)    compressed subset
                                                                  (:mod:`.subsets`)
``font-widths``             a subset's glyph widths               its /Widths array as
                                                                  written (:mod:`.subsets`)
``marks``                   every value a bullet or tick box      its operators
                            is drawn with                         (:mod:`.shapes`)
``logos`` / ``drawings``    logo bytes / address + size           drawings; recorded
                            (disk: + code version)                operators (disk too)
``layout-fits``             a document's title, language, layout  the fit kept last time:
                            options and page budget               a guess, see :mod:`.fits`
==========================  ====================================  ========================

Recorded paragraph drawing (:mod:`.replay`) keeps its recordings on the paragraphs
above, so it lives and dies with them.

Personal text (the patient's name, the visit date and dates derived from it) never
reaches any of these: templates see it only as slots, and layout fills slots in
flowables made for one handout (``layout.Builder.para``), which bypass every memo.

``HANDOUTS_CACHE=off`` turns every memo off (memory and disk): each build then works
everything out afresh. The setting is read when a request starts (:func:`new_request`,
called by ``config.load_clinic`` and ``pipeline.make_request``; ``pipeline.build`` reads
it again), not on every look-up: there are hundreds of look-ups in a build. Tests build with and without and compare the
bytes.

Builds run one at a time per process (``api.render_pdf`` holds a lock), since the
paragraphs shared here are ReportLab objects that drawing mutates.
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import wraps
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
F = TypeVar("F", bound=Callable[..., Any])

_OFF = {"off", "0", "no", "false"}


def _read() -> bool:
    return os.environ.get("HANDOUTS_CACHE", "on").strip().lower() not in _OFF


_ENABLED = [_read()]
_SCALE = [1]  # see scale()


def refresh() -> None:
    """Read ``HANDOUTS_CACHE`` again (a test or a long-running server may change it)."""
    _ENABLED[0] = _read()


def enabled() -> bool:
    """Whether reuse is on, as ``HANDOUTS_CACHE`` said when the current request started."""
    return _ENABLED[0]


class Memo(Generic[K, V]):
    """A named, bounded, thread-safe least-recently-used map from a content key to a
    value that depends on nothing but that key."""

    registry: ClassVar[dict[str, Memo[Any, Any]]] = {}

    def __init__(self, name: str, maxsize: int) -> None:
        if name in Memo.registry:
            raise ValueError(f"a memo named {name!r} exists already")
        self.name = name
        self.bound = maxsize  # as sized for one procedure and language at a time
        self.maxsize = maxsize * _SCALE[0]
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        Memo.registry[name] = self

    def get(self, key: K, make: Callable[[], V]) -> V:
        """The value for ``key``: remembered, or made now (and remembered)."""
        if not _ENABLED[0]:
            return make()
        try:
            value = self._data[key]  # one C call: safe without the lock under the GIL
        except KeyError:
            value = make()  # outside the lock: making may use other memos
            self.keep(key, value)
            return value
        self._touch(key)
        return value

    def find(self, key: K) -> V | None:
        """The value kept for ``key``, or None (for values that are never None)."""
        value = self._data.get(key) if _ENABLED[0] else None
        if value is not None:
            self._touch(key)
        return value

    def keep(self, key: K, value: V) -> None:
        """Remember ``value`` for ``key`` (when reuse is on)."""
        if not _ENABLED[0]:
            return
        with self._lock:
            self._data[key] = value
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def _touch(self, key: K) -> None:
        """Mark ``key`` as just used."""
        try:
            self._data.move_to_end(key)
        except KeyError:  # another thread evicted it just now: the value was still good
            pass

    def __len__(self) -> int:
        return len(self._data)

    def keys(self) -> list[K]:
        """The keys held now, least recently used first."""
        return list(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


def scale(factor: int) -> None:
    """Let every memo, made already or later, hold ``factor`` times its bound.

    The bounds are sized for a batch, which works through one procedure and language
    at a time. A process that serves every procedure × language a clinic offers in any
    order (a ``handouts serve`` worker) needs room for all of them at once, or the
    memos evict one language's paragraphs to make room for the next. What a memo holds
    never changes what a handout looks like: only how often it is worked out afresh."""
    if factor < 1:
        raise ValueError("the scale of the memos is 1 or more")
    _SCALE[0] = factor
    for store in Memo.registry.values():
        with store._lock:
            store.maxsize = store.bound * factor
            while len(store._data) > store.maxsize:
                store._data.popitem(last=False)


def memo(name: str, maxsize: int) -> Callable[[F], F]:
    """A function whose results are kept in a :class:`Memo`, keyed on its arguments
    (which must be hashable and must be all that determines the result)."""

    def decorate(func: F) -> F:
        store: Memo[tuple[Any, ...], Any] = Memo(name, maxsize)

        @wraps(func)
        def call(*args: Any) -> Any:
            return store.get(args, lambda: func(*args))

        call.memo = store  # type: ignore[attr-defined]
        return call  # type: ignore[return-value]

    return decorate


def clear() -> None:
    """Forget everything every memo holds."""
    for store in Memo.registry.values():
        store.clear()


def sizes() -> dict[str, tuple[int, int]]:
    """Entries held and the bound, per memo (for tests and benchmarks)."""
    return {name: (len(store), store.maxsize) for name, store in Memo.registry.items()}


_CODE_VERSION: list[str] = []


def code_version() -> str:
    """The package version and a hash of its source and of ReportLab's version: part
    of every key that outlives the process (disk caches, batch fingerprints)."""
    if not _CODE_VERSION:
        import hashlib
        from pathlib import Path

        import reportlab

        from .. import __version__

        package = Path(__file__).resolve().parent.parent
        digest = hashlib.sha256(reportlab.Version.encode())
        for path in sorted(package.rglob("*.py")):
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
        _CODE_VERSION.append(f"{__version__}:{digest.hexdigest()[:16]}")
    return _CODE_VERSION[0]


def digest(path: Path | str | None) -> str:
    """The SHA-256 of a file's bytes ("" when there is no file): what keys a memo of
    something read from that file, so an edited file is read again, whatever its
    modification time says. A file is read once per request (:func:`new_request`):
    a handout asks about its catalog several times."""
    import hashlib

    if path is None:
        return ""
    key = str(path)
    seen = _REQUEST_DIGESTS.get()  # None outside a request: read every time
    found = seen.get(key) if seen is not None else None
    if found is None:
        try:
            with open(key, "rb") as fh:
                found = hashlib.sha256(fh.read()).hexdigest()
        except OSError:
            found = ""
        if seen is not None:
            seen[key] = found
    return found


_REQUEST_DIGESTS: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("digests", default=None)


def new_request() -> None:
    """A request starts (``config.load_clinic``, ``pipeline.make_request``): read
    ``HANDOUTS_CACHE`` again, and read every input file afresh from here on."""
    refresh()
    _REQUEST_DIGESTS.set({})
