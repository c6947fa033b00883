"""Which fit (:class:`handouts.fitting.Fit`) a handout of a kind was kept at last time.

A batch makes the same handout for provider after provider; a translation that needs
tighter gaps to keep its page count needs them for each. Knowing that, the fitting search
draws the attempt expected to be kept and only counts the pages of the others, instead of
drawing the first attempt and throwing it away.

Unlike every other memo this one holds a guess, and it may be wrong (a long provider
name can move a page break): it only decides which attempt is drawn straight away. The
search itself, and so the PDF, is the same whatever it holds; a wrong guess costs one
more drawing. The kind is the document's title and language, its layout options and page
budget: never personal text.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from . import Memo

FITS: Memo[Hashable, Any] = Memo("layout-fits", 64)


def expected(kind: Hashable, default: Any) -> Any:
    """The fit a handout of ``kind`` was kept at last time, else ``default``."""
    found = FITS.find(kind)
    return default if found is None else found


def kept(kind: Hashable, fit: Any) -> None:
    """Remember the fit a handout of ``kind`` was kept at."""
    FITS.keep(kind, fit)
