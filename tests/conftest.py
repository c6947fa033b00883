"""Shared fixtures: a CLI runner, a clinic folder to customise, and PDF readers."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pypdf import PdfReader

from handouts.cli import main

DEMO_DATE = "2026-12-01"

CLINIC_TOML = """\
[clinic]
name = {name}
address = ["12 Test Road", "Testville, TS 00001"]
phone = "(555) 010-4000"
after_hours_phone = "(555) 010-4999"
website = "https://clinic.example.org/"
logo = "logo.png"
paper = "{paper}"

[brand]
primary = "#2E5E4E"
accent = "#A1262B"

[[providers]]
id = "dr-test"
name = "Theo Test, MD"
phone = "(555) 010-4111"
procedures = ["botox-neck"]
"""


@pytest.fixture
def caches_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """For tests of the cache layer itself: caches on, even in a run made with
    HANDOUTS_CACHE=off (every other test passes either way)."""
    from handouts import speed

    monkeypatch.delenv("HANDOUTS_CACHE", raising=False)
    speed.refresh()


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run ``handouts ARGS`` in a fresh working folder; stderr kept apart from stdout."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(main, list(args), prog_name="handouts", catch_exceptions=False)

    return run


@pytest.fixture
def make_clinic(tmp_path: Path) -> Callable[..., Path]:
    """Write a clinic folder (clinic.toml + PNG logo); keyword args fill the template."""
    from PIL import Image

    def make(name: str = '"Test Spine Clinic"', paper: str = "letter", extra: str = "", text: str | None = None) -> Path:
        folder = tmp_path / "clinic"
        folder.mkdir(exist_ok=True)
        Image.new("RGB", (64, 32), (46, 94, 78)).save(folder / "logo.png")
        body = text if text is not None else CLINIC_TOML.format(name=name, paper=paper) + extra
        path = folder / "clinic.toml"
        path.write_text(body, encoding="utf-8")
        return path

    return make


def clinic_template(clinic_toml: Path, body: str, procedure: str = "botox-neck") -> Path:
    """Give a clinic folder its own handout template for ``procedure`` (it may extend
    the built-in one as ``builtin:<procedure>/handout.xml.j2``); returns the file."""
    folder = clinic_toml.parent / "templates" / procedure
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "handout.xml.j2"
    path.write_text(body)
    return path


def pdf_text(path: Path) -> str:
    """All text of a PDF, pages joined, whitespace collapsed to single spaces."""
    reader = PdfReader(str(path))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


def page_texts(path: Path) -> list[str]:
    reader = PdfReader(str(path))
    return [re.sub(r"\s+", " ", page.extract_text() or "") for page in reader.pages]
