"""Fit a handout to its page budget: lay it out, and when it misses its target by a few
lines, lay it out again tighter (:func:`build_pdf`).

A refit only needs to know how many pages an attempt takes, so attempts are laid out
without drawing (:func:`handouts.layout.lay_out` with ``probe``): pages counted, nothing
drawn, tagged or written. Only the attempt kept is drawn. Which attempt a handout of the
same kind kept last time (``speed.fits``) decides which one is drawn straight away
rather than probed first: a guess about speed only, since the attempt kept is always
the one the search below chooses, drawn in full.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from . import model as m
from .brand import Palette
from .config import Clinic
from .fonts import FontStack, covering
from .layout import lay_out
from .speed import fits
from .styles import SAMPLE_MARK, LayoutOptions, colon

# A handout that takes a page more than it aims for is laid out again, tighter, when its
# last page holds at most this much (both columns' content, in frame heights): what
# tighter gaps and shorter dates can win back. Beyond it a tighter layout costs time and
# cannot save the page.
REFIT_OVERFLOW = 0.5
# Large print's 1.5 line spacing already sets its lines apart: the gaps between blocks
# are those of the tightest layout.
LARGE_PRINT_DENSITY = 0.0


@dataclass(frozen=True)
class Fit:
    """How tightly a handout is laid out: the gaps between blocks (``density``, 1 the
    roomiest), and whether a side-effect tier that fits the next column whole may
    still split to fill this one (``split_tiers``, a last resort). Type size, leading
    and the panels' rules never change: the emergency tier moves whole to the next
    column or page, at any fit."""

    density: float = 1.0
    split_tiers: bool = False


# Tighter gaps, then the tightest; then, as a last resort before a page more, tiers split
# across columns (each part two items at least) rather than move whole.
REFITS = (Fit(0.5), Fit(0.0), Fit(0.5, split_tiers=True), Fit(0.0, split_tiers=True))


class Built(NamedTuple):
    """A laid-out handout: the PDF (empty for a probe), its pages, the handout's own
    pages (its companion pages, such as a diary, are outside the budget), how much its
    last page holds beyond the page before (both columns' content in frame heights; 0
    if it fills no page of its own), and the fit it was laid out at."""

    pdf: bytes
    pages: int
    own: int
    overflow: float = 0.0
    fit: Fit = Fit()

    def near(self, target: int) -> bool:
        """Whether a tighter layout may bring it within ``target`` pages: it misses by
        no more than a few lines."""
        return self.own <= target or (self.own == target + 1 and self.overflow <= REFIT_OVERFLOW)


def build_pdf(
    doc: m.Document,
    clinic: Clinic,
    stack: FontStack,
    palette: Palette,
    options: LayoutOptions,
    page_budget: int | None = None,
    fills: Mapping[str, str] | None = None,
    target: int | None = None,
    draw: bool = True,
    fit: Fit | None = None,
) -> Built:
    """Lay out the document, its slots filled from ``fills`` (personal text).

    ``page_budget`` is the most pages the handout may take, ``target`` the pages it aims
    for (a translation may take a page more than English, but not for a few lines).
    When the handout runs past its target by a few lines, or past its budget at all, it
    is laid out again with tighter gaps between blocks, then with tiers split rather
    than moved whole (:data:`REFITS`); type size and leading stay as they are. If that
    saves no page, the roomy layout is kept, its last page at least a third full.

    ``draw=False`` only counts pages (the result has no PDF; its ``fit`` can be drawn
    later with ``fit=``). ``fit`` lays out at that fit, with no search.
    """
    fills = dict(fills or {})
    texts = drawn_texts(doc, clinic, options)
    # The language's fonts, and any shipped face a clinic or provider name needs; personal
    # text may need more, which only its own paragraphs use (never a shared one).
    stack = covering(stack, texts)
    stacks = (stack, covering(stack, fills.values(), remember=False))

    def attempt(at: Fit, full: bool) -> Built:
        pdf, pages, own, overflow = lay_out(
            doc, clinic, stacks, palette, options, texts, fills, at.density, probe=not full, split_tiers=at.split_tiers,
        )
        return Built(pdf, pages, own, overflow, at)

    if fit is not None:
        return attempt(fit, draw)
    first = Fit(LARGE_PRINT_DENSITY) if options.large_print else Fit()
    if page_budget is None:
        return attempt(first, draw)
    target = page_budget if target is None else min(target, page_budget)
    # Only what a handout is (never its personal text) says which attempt to draw first.
    kind = (doc.title, doc.lang, options, page_budget, target)
    expected = fits.expected(kind, first) if draw else None
    result = attempt(first, expected == first)
    if result.own > page_budget or result.near(target):  # else a page more is needed anyway
        for refit in REFITS:
            if result.own <= target:
                break
            tighter = attempt(refit, expected == refit)
            if tighter.own < result.own:
                result = tighter
    if draw:
        fits.kept(kind, result.fit)
        if not result.pdf:  # the attempt kept was only counted: draw it
            result = attempt(result.fit, True)
    return result


def drawn_texts(doc: m.Document, clinic: Clinic, options: LayoutOptions | None = None) -> list[str]:
    """Everything the pages will show: the document's text, the clinic's lines drawn by
    the page templates, and the page furniture (page numbers, separators, colons)."""
    furniture = [clinic.name, clinic.phone, clinic.website or "", doc.page_pattern, "0123456789 · ", colon(doc.lang)]
    if options is not None and options.sample:
        furniture.append(SAMPLE_MARK)
    return [*doc.texts(), *furniture]
