"""The document model that sits between templates and layout.

Templates render to a small XML vocabulary; :mod:`handouts.render` parses it into these
frozen dataclasses; :mod:`handouts.layout` turns them into ReportLab flowables. Text is
held as plain strings (never ReportLab markup), so escaping happens in one place: layout.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Run:
    """A stretch of text with one style. ``keep`` marks text that must not break
    (phone numbers); ``ltr`` marks text that stays left-to-right in RTL languages."""

    text: str
    bold: bool = False
    italic: bool = False
    keep: bool = False
    ltr: bool = False
    newline: bool = False  # a forced line break before this run's text
    slot: str | None = None  # personal text, filled in by layout (see render.Slot)
    isolate: bool = False  # set apart from the text around it in bidi ordering (a name)


Inline = tuple[Run, ...]


def plain(inline: Inline) -> str:
    """The text of an inline sequence without styling (for checks and metadata);
    slots (personal text) are left out."""
    return "".join(("\n" if r.newline else "") + r.text for r in inline)


def has_slot(inline: Inline) -> bool:
    """Whether inline runs hold personal text (a slot to fill)."""
    return any(run.slot is not None for run in inline)


@dataclass(frozen=True)
class Para:
    runs: Inline
    style: str = "body"  # body | action


@dataclass(frozen=True)
class ItemList:
    items: tuple[Inline, ...]
    kind: str = "bullet"  # bullet | check


@dataclass(frozen=True)
class Milestone:
    """One bar of the "what to expect" timeline, in days after the visit.

    ``end`` is None for an open-ended milestone ("no sooner than day 84"). ``when`` is
    the text beside the bar: calendar dates, or words when no visit date is known.
    """

    id: str
    label: str
    when: Inline
    start: int
    end: int | None


@dataclass(frozen=True)
class Timeline:
    milestones: tuple[Milestone, ...]
    ticks: tuple[tuple[int, str], ...]
    axis_label: str = ""


@dataclass(frozen=True)
class Tier:
    level: str  # mild | call | emergency
    title: str
    label: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class QA:
    question: Inline
    answer: Inline


@dataclass(frozen=True)
class CareTeam:
    rows: tuple[tuple[str, Inline], ...]
    qr_url: str | None = None
    qr_caption: str = ""
    qr_text: str = ""  # the address in words, under the code
    qr_alt: str = ""  # what a screen reader reads for the code


@dataclass(frozen=True)
class Notes:
    label: str
    lines: int


@dataclass(frozen=True)
class Note:
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Diary:
    """A grid to fill in by hand, one row a day (the headache diary): a first column of
    day labels, then the columns to write in, as (heading, relative width)."""

    columns: tuple[tuple[str, float], ...]
    days: tuple[str, ...]


Block = Para | ItemList | Timeline | Tier | QA | CareTeam | Notes | Note | Diary


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class KeyPoints:
    title: str
    blocks: tuple[Block, ...]
    action_title: str = ""  # heading of the call-to-action panel beside the points


@dataclass(frozen=True)
class Columns:
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class Fields:
    fields: tuple[tuple[str, Inline], ...]  # (label, value); empty value = blank line to write on


@dataclass(frozen=True)
class Companion:
    """Pages that follow the handout in the same PDF (the headache diary), starting on a
    page of their own; they do not count against the handout's page budget."""

    sections: tuple[Section, ...]


TopBlock = Fields | KeyPoints | Columns | Section | Companion


@dataclass(frozen=True)
class Document:
    """A rendered handout, ready for layout."""

    lang: str
    rtl: bool
    title: str
    subtitle: str
    blocks: tuple[TopBlock, ...]
    footer: str = ""
    page_pattern: str = "Page %(page)s of %(total)s"
    continued: str = "(continued)"  # after a heading whose list goes on in the next column
    logo_alt: str = "%(clinic)s logo"  # the logo's alternative text
    notices: tuple[str, ...] = field(default=())
    # Messages the templates used that no catalog translates (printed in English, as
    # --allow-incomplete allows): a clinic's own wording counts too.
    untranslated: tuple[str, ...] = field(default=())

    def sections(self) -> Iterator[Section]:
        """Every section in reading order, wherever it sits."""
        return sections(self.blocks)

    def texts(self) -> Iterator[str]:
        """Every piece of text the layout will draw (for glyph checks)."""
        yield self.title
        yield self.subtitle
        yield self.footer
        yield from self.notices
        for block in self.blocks:
            yield from _texts(block)


def sections(blocks: Iterable[TopBlock]) -> Iterator[Section]:
    """The sections among top-level blocks, in reading order, wherever they sit."""
    for block in blocks:
        if isinstance(block, (Columns, Companion)):
            yield from block.sections
        elif isinstance(block, Section):
            yield block


def _texts(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, Run):
        yield node.text
    elif isinstance(node, tuple):
        for item in node:
            yield from _texts(item)
    elif hasattr(node, "__dataclass_fields__"):
        for name in node.__dataclass_fields__:  # type: ignore[attr-defined]
            value = getattr(node, name)
            if isinstance(value, (str, tuple, Run)) or hasattr(value, "__dataclass_fields__"):
                if name in ("id", "level", "kind", "style", "qr_url"):
                    continue
                yield from _texts(value)
