"""Writing files: atomically, and never with patient data in the name."""

from __future__ import annotations

import datetime as dt

import pytest

from handouts import pipeline
from handouts.config import load_clinic
from handouts.errors import OutputError
from handouts.pipeline import build, default_output, make_request, write_atomic


def test_default_output_never_names_the_patient():
    clinic = load_clinic(None)
    request = make_request(clinic, "botox-neck", "en", "dr-okafor", "Secret Person", dt.date(2026, 12, 1))
    path = default_output(request)
    assert str(path) == "output/botox-neck.en.dr-okafor.pdf"


def test_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "h.pdf"
    target.write_bytes(b"old complete file")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pipeline.os, "replace", broken_replace)
    with pytest.raises(OutputError, match="No space left on device"):
        write_atomic(b"%PDF-new", target)
    assert target.read_bytes() == b"old complete file"
    assert [p.name for p in tmp_path.iterdir()] == ["h.pdf"]  # temp file cleaned up


def test_failed_build_writes_nothing(cli, tmp_path, monkeypatch):
    import handouts.fitting

    def explode(*args, **kwargs):
        raise OutputError("simulated failure in layout")

    monkeypatch.setattr(handouts.fitting, "build_pdf", explode)
    monkeypatch.setattr(pipeline, "build_pdf", explode)
    result = cli("generate", "botox-neck", "-o", "x.pdf")
    assert result.exit_code == 1
    assert result.stderr == "Error: simulated failure in layout\n"
    assert not (tmp_path / "x.pdf").exists()
    assert not list(tmp_path.glob(".handout-*"))


def test_written_file_is_readable_pdf(tmp_path):
    handout = build(make_request(load_clinic(None), "botox-neck"))
    path = write_atomic(handout.pdf, tmp_path / "sub" / "h.pdf")
    assert path.read_bytes().startswith(b"%PDF-")
    assert oct(path.stat().st_mode & 0o777) == "0o644"


def test_a_long_name_and_a_new_year_visit_still_fit_the_page_budget(tmp_path):
    # Late December puts both years in the first milestones' dates, and a long name
    # takes a line of its own: the timeline's dates get shorter before a third page.
    from .conftest import pdf_text

    clinic = load_clinic(None)
    long_name = "Maximiliana Alexandra Oyelaran-Van der Westhuizen"
    handout = build(make_request(clinic, "botox-neck", "en", "dr-rivera", long_name, dt.date(2026, 12, 28)))
    assert handout.pages == 2
    path = write_atomic(handout.pdf, tmp_path / "h.pdf")
    text = pdf_text(path)
    assert "Visit date: December 28, 2026" in text  # the year is still on the page
    assert "Most side effects start: Dec 28 – Jan 4" in text.replace("\u2009", " ")
    assert "Next treatment: On or after Mar 22" in text
    # A visit that fits keeps its dates in full: the migraine handout, three sides in
    # English. (The neck handout's timeline moves whole to page 2, never split across
    # the page turn, and takes the shorter dates even for an early-December visit.)
    usual = build(make_request(clinic, "botox-migraine", "en", "dr-rivera", "Pat Example", dt.date(2026, 12, 1)))
    usual_text = pdf_text(write_atomic(usual.pdf, tmp_path / "u.pdf"))
    assert usual.own_pages == 3 and "Fewer headaches may start: December 15 – 29, 2026" in usual_text.replace("\u2009", " ")
