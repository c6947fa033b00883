"""Where the built-in templates, catalogs and demo clinic live.

In an installed wheel, ``templates/`` and ``locales/`` sit inside the package (see the
``force-include`` table in pyproject.toml). In a source checkout or an editable install they
sit at the top of the repository, two levels above this file.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"handouts is installed without its {name}/ folder")


@cache
def templates_dir() -> Path:
    """The folder of built-in procedure templates."""
    return _find("templates")


@cache
def locales_dir() -> Path:
    """The folder of built-in gettext catalogs."""
    return _find("locales")


def demo_clinic_path() -> Path:
    """The built-in sample clinic's configuration file."""
    return _PACKAGE_DIR / "demo" / "clinic.toml"
