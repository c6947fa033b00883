"""Logos and QR codes: parsed or recorded once, in memory and on disk.

Parsing an SVG logo or encoding a QR code costs more than laying out a page, and a
batch draws the same ones on every handout. Parsed logos are kept in memory, keyed on
the file's bytes. Recorded drawings (the PDF operators that draw a QR code or an SVG
logo, see :func:`handouts.brand.record`) are also kept on disk, so a cold start reuses
what an earlier run recorded; a file's name is the hash of the code version and the
input bytes, so a new release or an edited logo never reads an old recording.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import Memo, code_version, enabled

if TYPE_CHECKING:
    from ..brand import Recorded

LOGOS: Memo[tuple[str, str], Any] = Memo("logos", 16)
RECORDINGS: Memo[str, Any] = Memo("drawings", 64)


def logo(path: Path, data: bytes, make: Callable[[], Any]) -> Any:
    """The parsed logo for a file with these bytes."""
    return LOGOS.get((path.suffix.lower(), hashlib.sha256(data).hexdigest()), make)


def cache_dir() -> Path | None:
    """``$XDG_CACHE_HOME/handouts/drawings`` (or ``~/.cache``), if it can be written."""
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "handouts" / "drawings"
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return root if os.access(root, os.W_OK) else None


def recorded(source: bytes, make: Callable[[], Recorded | None]) -> Recorded | None:
    """The recording of the drawing made from ``source`` (the input bytes): from memory,
    from disk, or made and stored."""
    key = hashlib.sha256(code_version().encode() + b"\0" + source).hexdigest()[:40]
    return RECORDINGS.get(key, lambda: _from_disk(key, make))


def _from_disk(key: str, make: Callable[[], Recorded | None]) -> Recorded | None:
    from ..brand import Recorded

    folder = cache_dir() if enabled() else None
    path = folder / f"{key}.json" if folder else None
    if path is not None and path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return Recorded(float(data["width"]), float(data["height"]), tuple(str(op) for op in data["ops"]))
        except (OSError, ValueError, KeyError, TypeError):
            pass  # unreadable: record it again
    made = make()
    if made is not None and path is not None:
        try:
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"width": made.width, "height": made.height, "ops": list(made.ops)}, fh)
            os.replace(tmp, path)
        except OSError:
            pass
    return made
