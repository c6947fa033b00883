"""ReportLab's platypus names that handouts uses, imported without the start-up work
it does not need (see :func:`handouts.internals.import_platypus`). Modules import
platypus names from here; a name asked of the ``reportlab.platypus`` package itself
would run its whole ``__init__``."""

from __future__ import annotations

from .internals import import_platypus

import_platypus()

from reportlab.platypus.doctemplate import ActionFlowable, BaseDocTemplate, PageTemplate  # noqa: E402
from reportlab.platypus.flowables import Flowable, PageBreak, Spacer  # noqa: E402
from reportlab.platypus.frames import Frame  # noqa: E402
from reportlab.platypus.paragraph import Paragraph  # noqa: E402

__all__ = ["ActionFlowable", "BaseDocTemplate", "Flowable", "Frame", "PageBreak", "PageTemplate", "Paragraph", "Spacer"]
