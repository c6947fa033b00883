"""Deferred loading for libraries that ReportLab imports but a handout rarely uses.

ReportLab imports Pillow (bitmap logos), uharfbuzz (Devanagari shaping) and Pyphen
(hyphenation, which handouts never asks ReportLab for; ``handouts check`` counts
syllables with it) whenever it is imported. Together they were 40–50 ms of a cold
``handouts generate`` that used none of them. Here each is put into ``sys.modules`` as a
module whose code runs on first use, so a PNG logo or a Hindi handout loads what it
needs and nothing else pays for it.

The standard library's ``importlib.util.LazyLoader`` cannot do this on Python 3.11: an
``import uharfbuzz`` statement reads the module's ``__spec__``, and any attribute read
loads a LazyLoader module. Here only a *missing* attribute does; ``__spec__``,
``__path__`` and the other import metadata are present from the start.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import types
from typing import Any

#: Imported by ReportLab at start-up, used only on some paths.
DEFERRED = ("PIL.Image", "uharfbuzz", "pyphen")


_LOCK = threading.RLock()  # one module runs at a time; another thread waits for it
_RUNNING: set[str] = set()


class _Deferred(types.ModuleType):
    """A module whose code has not run yet; it runs, in place, on first use."""

    def __getattr__(self, attr: str) -> Any:  # only called for attributes not yet set
        spec = self.__spec__
        with _LOCK:
            if type(self) is _Deferred and spec.name not in _RUNNING:
                _RUNNING.add(spec.name)
                spec._initializing = True  # what the import system marks while a module runs
                try:
                    spec.loader.exec_module(self)
                except BaseException:
                    # As after a failed import: the next import tries again and raises again.
                    sys.modules.pop(spec.name, None)
                    raise
                finally:
                    spec._initializing = False
                    _RUNNING.discard(spec.name)
                self.__class__ = types.ModuleType  # from here on an ordinary module
        if type(self) is _Deferred:  # asked from inside its own code, before it set the name
            raise AttributeError(f"partially initialized module {spec.name!r} has no attribute {attr!r}")
        return getattr(self, attr)


def defer(name: str) -> None:
    """Put a not-yet-run ``name`` into ``sys.modules``, unless it is imported or absent."""
    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)
    except ImportError:  # its parent package is missing
        return
    if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
        return
    module = importlib.util.module_from_spec(spec)
    if type(module) is not types.ModuleType:  # an extension module: cannot run in place
        return
    module.__class__ = _Deferred
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:  # as the import system does for a submodule: bind it on its package
        setattr(sys.modules[parent], child, module)


def defer_optional_imports() -> None:
    """Defer :data:`DEFERRED`; called before anything imports ReportLab."""
    for name in DEFERRED:
        defer(name)
