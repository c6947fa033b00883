"""ReportLab's platypus, imported without its slowest start-up steps.

Importing ``reportlab.platypus.paragraph`` compiles ``uri_pat``, a case-insensitive
regular expression over most of Unicode that only URI hyphenation uses (a paragraph
style with ``uriWasteReduce``, which handouts never sets). Compiling it took 60–70 ms, an
eighth of a cold ``handouts generate``. The same goes, on a smaller scale, for the
patterns of word hyphenation (never asked for either) and for ``textsplit.rx`` (8 ms),
which only ReportLab's unused ``cjkwrap`` recipe reads. These are compiled on first use
instead; every other pattern compiles as usual.

The package's ``__init__`` also imports tables, preformatted text and multi-column
frames, which handouts does not use (10–15 ms). The submodules we need are imported
directly; the package's own code runs only when something asks it for a name
(``reportlab.graphics`` does, when a QR code or SVG logo is drawn afresh).
Modules import platypus names from this module.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from ._imports import defer

# How the deferred patterns begin (ReportLab 4.x and 5.x); a pattern that changes in a
# later ReportLab is simply compiled at import again.
_LAZY_STARTS = (
    "(^(?:[a-z0-9\\.\\-\\+]*)://)",  # paragraph.uri_pat
    "([\u2e80-\uffff])",  # textsplit.rx
    "^['\"([{\xbf",  # paragraph._hy_pfx_pat
    "[]'\")}?!.,;:",  # paragraph._hy_sfx_pat
    "^[A-Za-z\xc0-",  # paragraph._hy_letters_pat
    "^[-\xadA-Za-z",  # paragraph._hy_shy_letters_pat
    "([-\xad])",  # paragraph._hy_shy_pat
)


class _LazyPattern:
    """A compiled pattern, compiled when first used. ReportLab only calls methods of
    these (``match``, ``search``, ``split``, ``sub``); each is looked up once and then
    kept on the instance, so later calls cost what a compiled pattern's do."""

    def __init__(self, pattern: str, flags: int) -> None:
        self._args = (pattern, flags)
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:  # called only for names not yet kept
        if self._compiled is None:
            self._compiled = re.compile(*self._args)
        value = getattr(self._compiled, name)
        setattr(self, name, value)
        return value


def _import_paragraph() -> None:
    if "reportlab.platypus.paragraph" in sys.modules:
        return
    compile_now = re.compile

    def compile_later(pattern, flags=0):  # noqa: ANN001, ANN202 (re.compile's signature)
        if isinstance(pattern, str) and pattern.startswith(_LAZY_STARTS):
            return _LazyPattern(pattern, flags)
        return compile_now(pattern, flags)

    defer("reportlab.platypus")
    re.compile = compile_later  # only while platypus imports (start-up is single-threaded)
    try:
        import reportlab.platypus.paragraph  # noqa: F401
    finally:
        re.compile = compile_now


_import_paragraph()

# From the submodules: a name asked of the package would run its whole __init__.
from reportlab.platypus.doctemplate import BaseDocTemplate, PageTemplate  # noqa: E402
from reportlab.platypus.flowables import Flowable, Spacer  # noqa: E402
from reportlab.platypus.frames import Frame  # noqa: E402
from reportlab.platypus.paragraph import Paragraph  # noqa: E402

__all__ = ["BaseDocTemplate", "Flowable", "Frame", "PageTemplate", "Paragraph", "Spacer"]
