"""Fitting a handout to its pages (handouts.fitting): attempts are counted without being
drawn, and only the one kept is drawn; what was kept last time never changes a PDF."""

from __future__ import annotations

import datetime as dt

import pytest

from handouts import fitting, render_pdf
from handouts.speed import fits

from .test_languages import SHIPPED

VISIT = dt.date(2026, 12, 28)


@pytest.fixture
def layouts(monkeypatch):
    """Every layout a build makes, as (probe, pages, own pages, overflow), each also made
    the other way (drawn for a probe, probed for a drawing) to compare."""
    seen: list[tuple[bool, tuple, tuple]] = []
    real = fitting.lay_out

    def both(*args, probe=False, **kwargs):
        result = real(*args, probe=probe, **kwargs)
        other = real(*args, probe=not probe, **kwargs)
        if probe:
            assert result[0] == b"" and other[0].startswith(b"%PDF")
        seen.append((probe, tuple(result[1:]), tuple(other[1:])))
        return result

    monkeypatch.setattr(fitting, "lay_out", both)
    return seen


@pytest.mark.parametrize("procedure", ["botox-neck", "botox-migraine"])
@pytest.mark.parametrize("lang", SHIPPED)
def test_a_probe_counts_the_pages_drawing_gives(layouts, procedure, lang):
    # With a visit date the search also tries shorter dates: every attempt is laid out
    # both ways and must take the same pages, and leave the same overflow, either way.
    render_pdf(procedure, lang=lang, provider="dr-rivera", visit_date=VISIT)
    if lang in ("en", "ko") and procedure == "botox-neck":  # both a few lines over: refitted
        assert any(probe for probe, _, _ in layouts), "no attempt was only counted"
    for probe, result, other in layouts:
        assert result == other, (procedure, lang, probe, result, other)


def test_a_probe_counts_large_print_and_a4_alike(layouts):
    render_pdf("botox-migraine", lang="es", provider="dr-rivera", large_print=True)
    render_pdf("botox-neck", lang="ko", provider="dr-rivera", visit_date=VISIT, paper="a4")
    assert layouts
    for probe, result, other in layouts:
        assert result == other, (probe, result, other)


def test_only_the_layout_kept_is_drawn(caches_on, monkeypatch):
    # English botox-neck needs the tightest gaps to keep its two pages: the roomier
    # attempts are counted, and after the first handout of its kind, the one kept is
    # the only one drawn.
    drawn: list[bool] = []
    real = fitting.lay_out

    def spy(*args, probe=False, **kwargs):
        drawn.append(not probe)
        return real(*args, probe=probe, **kwargs)

    monkeypatch.setattr(fitting, "lay_out", spy)
    render_pdf("botox-neck", lang="en", provider="dr-rivera")
    drawn.clear()
    render_pdf("botox-neck", lang="en", provider="dr-okafor")
    assert len(drawn) > 1 and drawn.count(True) == 1, drawn


def test_what_was_kept_last_time_never_changes_the_pdf(caches_on):
    # The remembered fit only decides which attempt is drawn first: planted wrong, or
    # forgotten, the same handout comes out byte for byte.
    fits.FITS.clear()
    first = render_pdf("botox-neck", lang="zh_Hans", provider="dr-rivera")
    again = render_pdf("botox-neck", lang="zh_Hans", provider="dr-rivera")
    kinds = fits.FITS.keys()
    assert kinds
    for wrong in (fitting.Fit(), fitting.Fit(0.5)):
        for kind in kinds:
            fits.kept(kind, wrong)
        assert render_pdf("botox-neck", lang="zh_Hans", provider="dr-rivera") == first
    fits.FITS.clear()
    assert render_pdf("botox-neck", lang="zh_Hans", provider="dr-rivera") == first == again
