"""``handouts init``: the files a new clinic starts from."""

from __future__ import annotations

import shutil
from pathlib import Path

from ..errors import OutputError

_HERE = Path(__file__).parent
FILES = (
    "clinic.toml",
    "logo.svg",
    "README.md",
    "babel.cfg",
    "templates/botox-neck/handout.xml.j2",
    "locales/es/LC_MESSAGES/handouts.po",
)


def create(folder: Path) -> list[Path]:
    """Copy the starter files into ``folder``; never overwrite anything."""
    if folder.exists() and any(folder.iterdir()):
        raise OutputError(f"{folder}: not empty; choose a new folder (nothing was written)")
    written = []
    try:
        for name in FILES:
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(_HERE / name, target)
            written.append(target)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot write ({exc.strerror})") from None
    return written
