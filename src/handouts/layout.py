"""Lay out a document model as a branded PDF with ReportLab platypus: its blocks as
flowables (:class:`Builder`), on the page templates of :mod:`handouts.pages`, in the
styles of :mod:`handouts.styles` (:func:`lay_out`); :mod:`handouts.fitting` fits it to
the page budget.

Sizes follow shared/print-guidelines.md: body 12 pt on 16 pt leading, headings 16 pt
bold, left-aligned ragged text, margins of at least half an inch, no running text wider
than six inches.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from functools import partial

from reportlab.lib.colors import Color, white
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas

from . import internals, tagging
from . import model as m
from .brand import (
    Palette,
    mix,
    recorded_qr,
)
from .config import Clinic
from .flowables import (
    Cell,
    Diary,
    InLanguage,
    LastPage,
    Marked,
    Row,
    Rules,
    Stack,
    TierBox,
    TierHeader,
    TimelineChart,
    TwoColumns,
)
from .fonts import FontStack, seed
from .pages import Pages
from .platypus import ActionFlowable, BaseDocTemplate, Flowable, PageBreak, Paragraph, Spacer
from .styles import (
    CALL_COLOUR,
    GRAY_TIER_RULES,
    GRAY_TIERS,
    MAX_LINE,
    LayoutOptions,
    Styles,
    bold_then,
    colon,
    fill,
    natural_width,
    one_line,
    styles_for,
)
from .typography import sentences

# A last page holds at least this much of its frame's height (a third, with room for
# what the PDF measures: the layout counts a line's full leading, the page its glyphs).
LAST_PAGE_FILL = 0.36


class Builder:
    """Turns model blocks into flowables."""

    def __init__(self, styles: Styles, clinic: Clinic, fills: Mapping[str, str], own_stack: FontStack | None = None) -> None:
        self.s = styles
        self.p = styles.palette
        self.clinic = clinic
        self.fills = fills  # personal text for the document's slots
        self.own_stack = own_stack or styles.stack  # the fonts personal text is drawn in
        self.colon = colon(styles.lang)
        self.single_column = False
        self.grayscale = False
        self.split_tiers = False  # a last-resort refit: tiers split rather than move whole
        self.continued = "(continued)"  # translated, from the document
        self.companion_from: list[int] = []  # the page companion pages start on, once drawn
        self.later_height = 0.0  # the frame height of pages after the first
        self.first_height = 0.0  # page 1's
        self.overflow: list[float] = []  # what the last page holds, measured as it is laid out
        self.gutter = styles.body.fontSize * 1.5
        self.bullet_gutter = 0.0  # a bullet list's, if not the gutter (a dot needs less room than a box)
        self.label_inline = False  # a tier's label after its title, on its line if it fits

    # -- inline and lists
    def para(self, runs: m.Inline, style: ParagraphStyle | None = None) -> Flowable:
        """A paragraph of runs: shared if it is template text, made for this handout
        alone if it holds a slot (personal text)."""
        if m.has_slot(runs):
            return self.s.own_para(runs, style or self.s.body, self.fills, self.own_stack)
        return self.s.para(runs, style or self.s.body)

    def items(self, block: m.ItemList) -> list[Flowable]:
        out: list[Flowable] = []
        group = object()  # the items are one list in the structure tree
        for item in block.items:
            gutter = self.bullet_gutter if block.kind == "bullet" and self.bullet_gutter else self.gutter
            out.append(Marked(self.para(item, self.s.item), block.kind, gutter, self.p.heading, self.s.rtl, group))
        return out

    def blocks(self, blocks: tuple[m.Block, ...], width: float) -> list[Flowable]:
        out: list[Flowable] = []
        for block in blocks:
            out.extend(self.block(block, width))
        return out

    def block(self, block: m.Block, width: float) -> list[Flowable]:
        if isinstance(block, m.Para):
            style = self.s.bold if block.style == "action" else self.s.body
            para = self.para(block.runs, style)
            # A column's measure is already short; a full-width block (and large print's
            # single column, which is given the whole frame) needs the cap.
            short = width <= MAX_LINE and not self.single_column
            return [para if short else Narrow(para, MAX_LINE, self.s.rtl)]
        if isinstance(block, m.ItemList):
            return self.items(block)
        if isinstance(block, m.Timeline):
            return [self.timeline(block)]
        if isinstance(block, m.Tier):
            return [self.tier(block, width)]
        if isinstance(block, m.QA):
            return [Stack([self.para(block.question, self.s.question), self.para(block.answer)])]
        if isinstance(block, m.CareTeam):
            return [self.care_team(block, width)]
        if isinstance(block, m.Notes):
            label = self.s.para(block.label + self.colon.rstrip(), self.s.notes_label) if block.label else None
            return [Rules(label, block.lines, self.s.body.leading * 1.5, self.p.muted, self.s.rtl)]
        if isinstance(block, m.Note):
            return [self.boxed(self.blocks(block.blocks, width - 20), self.p.tint, self.p.primary, width)]
        if isinstance(block, m.Diary):
            headings = [self.s.para(label, self.s.diary_head) for label, _ in block.columns]
            days = [self.s.para(day, self.s.timeline_row) for day in block.days]
            lead = self.s.body.leading
            return [Diary(headings, [w for _, w in block.columns], days, self.p.muted, lead * 1.15, lead * 2.2, self.s.rtl)]
        raise TypeError(f"no layout for {type(block).__name__}")

    # -- composite blocks
    def section(self, section: m.Section, width: float) -> list[Flowable]:
        heading = self.s.para(section.title, self.s.heading)
        # A later block that introduces the next (a paragraph ending in a colon, a
        # labelled line to write on: "Your next visit: ____" over "Not before March
        # 22.") stays with the next block's first flowable too: the rule below saw only
        # a section's first block, and "Your next visit:" was left at a column's foot.
        body: list[Flowable] = []
        carry: Flowable | None = None
        for i, block in enumerate(section.blocks):
            flowables = self.blocks((block,), width)
            if carry is not None:
                flowables = [Stack([carry, flowables[0]]), *flowables[1:]] if flowables else [carry]
                carry = None
            if 0 < i < len(section.blocks) - 1 and flowables and _introduces(block):
                carry = flowables.pop()
            body.extend(flowables)
        if carry is not None:
            body.append(carry)
        if not body:
            return [heading]
        # Keep the heading with its first block (no orphaned headings); a short lead-in
        # paragraph ("Tell your provider if you:") also stays with what it introduces.
        # A paragraph ending in a colon introduces what follows, however long it is.
        first = m.plain(section.blocks[0].runs).rstrip() if isinstance(section.blocks[0], m.Para) else None
        lead_in = first is not None and (len(first) < 60 or first.endswith((":", "：")))
        keep = 2 if len(body) > 1 and lead_in else 1
        return [Stack([heading, *body[:keep]]), *body[keep:]]

    def boxed(self, flowables: list[Flowable], fill: Color, edge: Color, width: float, pad: float = 10) -> Flowable:
        """A tinted box with a bar down its leading edge (notes, the draft notice)."""
        bar = ("right" if self.s.rtl else "left", 4.0, edge)
        return Row([Cell(tuple(flowables), width, (pad, pad, pad * 0.6, pad * 0.3), fill=fill, bar=bar)])

    def key_points(self, block: m.KeyPoints, width: float) -> list[Flowable]:
        main = [b for b in block.blocks if not (isinstance(b, m.Para) and b.style == "action")]
        actions = [b for b in block.blocks if isinstance(b, m.Para) and b.style == "action"]
        if self.single_column:
            # Large print: the points as a section of their own (a page may turn inside
            # it), then the action panel, each at the full measure: side by side, each
            # would hold a few words a line at 18 pt.
            section = self.section(m.Section("key-points", block.title, tuple(main)), width)
            return [*section, *(self._action_panel(block, actions, width) if actions else [])]
        left_w = width * 0.6 if actions else width
        pad = (10.0, 10.0, 5 + 3 * self.s.density, 2 + 2 * self.s.density)
        left = (self.s.para(block.title, self.s.key_title), *self.blocks(tuple(main), left_w - 20))
        row = [Cell(left, left_w, pad, fill=self.p.tint)]
        if actions:
            row.append(self._action_cell(block, actions, width - left_w))
        return [Row(row[::-1] if self.s.rtl else row, role="Sect", rtl=self.s.rtl)]

    def _action_cell(self, block: m.KeyPoints, actions: list[m.Para], width: float) -> Cell:
        """The key points' "get emergency help now" panel."""
        pad = (10.0, 10.0, 5 + 3 * self.s.density, 2 + 2 * self.s.density)
        alert = self.tier_colour("emergency")
        icon = TierHeader("emergency", self.s.para(block.action_title, self.s.tier_title), None, alert, self.s.rtl)
        right = (icon, Spacer(1, 6), *(self.para(a.runs, self.s.bold) for a in actions))
        return Cell(right, width, pad, fill=self.p.accent_tint, frame=(GRAY_TIER_RULES["emergency"] if self.grayscale else 2.0, alert))

    def _action_panel(self, block: m.KeyPoints, actions: list[m.Para], width: float) -> list[Flowable]:
        """The action panel on its own, under the key points (large print)."""
        return [Spacer(1, 8), Row([self._action_cell(block, actions, width)])]

    def timeline(self, block: m.Timeline) -> Flowable:
        style = self.s.timeline_row
        lines = [bold_then(s.label, (m.Run(self.colon), *s.when)) for s in block.milestones]
        rows = [(self.para(line, style), s.start, s.end) for line, s in zip(lines, block.milestones)]
        # Read as its milestones in words (the bars add nothing the words do not say).
        alt = sentences([m.plain(fill(line, self.fills)) for line in lines], self.s.lang)
        ticks = [(day, self.s.para(label, self.s.small)) for day, label in block.ticks]
        axis = self.s.para(block.axis_label, self.s.timeline_axis) if block.axis_label else None
        colours = (self.p.primary, mix(self.p.primary, white, 0.85), mix(self.p.muted, white, 0.4))
        # Without a visit date the weeks are relative: each milestone gets a line to write
        # its date on.
        write_in = 0.0 if "visit_date" in self.fills else self.s.body.fontSize * 6
        return TimelineChart(rows, ticks, axis, colours, self.s.rtl, write_in=write_in, rule=self.p.muted, alt=alt)

    def tier(self, tier: m.Tier, width: float) -> Flowable:
        """A side-effect tier: coloured header with icon and words, items in a box."""
        fill = self.tier_colour(tier.level)
        pad = 7
        def heading(title: m.Inline, label: str | None) -> Flowable:
            label_para = self.s.para(label, self.s.tier_label) if label else None
            title_para = self.s.para(title, self.s.tier_title)
            return TierHeader(tier.level, title_para, label_para, fill, self.s.rtl, pad=3 + 2 * self.s.density, inline=self.label_inline)

        header = heading((m.Run(tier.title),), tier.label)
        # "(continued)" after a space; Chinese and Japanese brackets take none.
        gap = "" if self.continued.startswith("（") else " "
        continued = heading((m.Run(tier.title), m.Run(gap + self.continued)), "")
        inner = self.blocks(tier.blocks, width - 2 * pad)
        # The frame gets heavier with urgency (the emergency one most), which reads in grey too.
        weights = GRAY_TIER_RULES if self.grayscale else {"mild": 1.2, "call": 1.2, "emergency": 2.5}
        space_after = self.s.body.fontSize * (0.3 + 0.3 * self.s.density)
        # The emergency tier never splits: it moves whole to the next column or page.
        whole = tier.level == "emergency"
        return TierBox(header, inner, width, pad, (weights[tier.level], fill), space_after, whole=whole, continued=continued)

    def tier_colour(self, level: str) -> Color:
        """Mild in the brand colour, "call" in amber-brown, emergency in the accent. In
        grey, fixed greys in order of urgency, the emergency tier darkest: the greys of
        the brand colours could come out in any order (a red accent is a light grey)."""
        if self.grayscale:
            return GRAY_TIERS[level]
        return {"mild": self.p.heading, "call": CALL_COLOUR, "emergency": self.p.alert}[level]

    def care_team(self, block: m.CareTeam, width: float) -> Flowable:
        qr_size = 0.85 * inch if block.qr_url else 0
        rows: list[Flowable] = []
        row_style = self.s.care_row
        for label, value in block.rows:
            rows.append(self.para(bold_then(label + self.colon.rstrip(), (m.Run(" "), *one_line(value))), row_style))
        if not qr_size:
            return Stack(rows, role="L")
        # The QR code sits beside the rows; its caption, with the address in words, runs
        # under both at full width (a web address must never break mid-word in a cell).
        qr_w = qr_size + 8
        pad = (0.0, 0.0, 0.0, 3.0)
        assert block.qr_url is not None  # qr_size is 0 without one
        qr = QR(block.qr_url, qr_size, self.s.family.face(), block.qr_alt)
        cells = [Cell((Stack(rows, role="L"),), width - qr_w, pad), Cell((qr,), qr_w, pad, align="LEFT" if self.s.rtl else "RIGHT")]
        table = Row(cells[::-1] if self.s.rtl else cells, rtl=self.s.rtl)
        # The address on a line of its own: Chinese and Japanese lines break between
        # any two characters, and an address broken in two cannot be typed.
        caption = self.s.para((m.Run(block.qr_caption), m.Run(block.qr_text, ltr=True, newline=True)), self.s.body)
        return Stack([table, caption])

    def fields(self, block: m.Fields, width: float) -> Flowable:
        """"For: ___  Visit date: ___  Provider: ___" on one line where it fits.

        Each field gets its natural width (label plus value, or room to write by hand);
        what is left over is shared out, so a long name does not push a date to two lines.
        """
        style = self.s.body
        blank = 1.3 * inch  # room to write a date or a name by hand
        cells, natural = [], []
        for label, value in block.fields:
            label_p = self.s.para(label + self.colon.rstrip(), self.s.bold)
            value_p = self.para(one_line(value), style) if value else None
            cells.append(FieldLine(label_p, value_p, self.p.muted, self.s.rtl))
            label_w = natural_width(label_p)
            value_w = natural_width(value_p) if value_p else blank
            natural.append(label_w + 6 + value_w + 14)
        spare = width - sum(natural)
        if self.single_column and spare < 0:  # large print: a field a line
            return Stack([self._field_row([c], [width]) for c in cells])
        if spare >= 0 or len(cells) < 3:
            widths = [w + spare / len(natural) for w in natural] if spare >= 0 else [width / len(cells)] * len(cells)
            return self._field_row(cells, widths)
        # Too long for one line (long labels in some languages, a long name): the patient's
        # line on its own, then the others, rather than labels broken across lines.
        rest = natural[1:]
        extra = max(width - sum(rest), 0) / len(rest)
        rest_widths = [w + extra for w in rest] if sum(rest) <= width else [width / len(rest)] * len(rest)
        key = object()  # both lines are one list of labelled values
        return Stack([self._field_row(cells[:1], [width], key), self._field_row(cells[1:], rest_widths, key)])

    def _field_row(self, cells: list[Flowable], widths: list[float], key: object = None) -> Flowable:
        row = [Cell((c,), w, (0.0, 14.0, 3.0, 3.0)) for c, w in zip(cells, widths)]
        return Row(row[::-1] if self.s.rtl else row, valign="BOTTOM", role="L", key=key or object(), rtl=self.s.rtl)


def _introduces(block: m.Block) -> bool:
    """Whether a block leads in to the one after it: a paragraph ending in a colon, or a
    labelled line to write on (its label is set with a colon)."""
    if isinstance(block, m.Para):
        return m.plain(block.runs).rstrip().endswith((":", "："))
    return isinstance(block, m.Notes) and bool(block.label)


class Narrow(Flowable):
    """Caps a paragraph's line length (long lines are hard to track back along)."""

    def __init__(self, para: Paragraph, max_width: float, rtl: bool) -> None:
        super().__init__()
        self.para, self.max_width, self.rtl = para, max_width, rtl

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = aw
        self._w, self.height = self.para.wrap(min(aw, self.max_width), ah)
        return aw, self.height

    def split(self, aw: float, ah: float) -> list[Flowable]:
        return [Narrow(p, self.max_width, self.rtl) for p in self.para.split(min(aw, self.max_width), ah)]

    def getSpaceAfter(self) -> float:
        return self.para.getSpaceAfter()

    def getSpaceBefore(self) -> float:
        return self.para.getSpaceBefore()

    def draw(self) -> None:
        self.para.drawOn(self.canv, self.width - self._w if self.rtl else 0, 0)


class FieldLine(Flowable):
    """"Label: value" or "Label: ________" (a line to write on)."""

    def __init__(self, label: Paragraph, value: Paragraph | None, colour: Color, rtl: bool) -> None:
        super().__init__()
        self.label, self.value, self.colour, self.rtl = label, value, colour, rtl

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = aw
        self._lw = min(natural_width(self.label) + 2, aw * 0.6)
        self.label.wrap(self._lw, ah)
        self.height = self.label.height
        if self.value:
            self.value.wrap(aw - self._lw - 4, ah)
            self.height = max(self.height, self.value.height)
        return aw, self.height + 2

    def draw(self) -> None:
        canv = self.canv
        top = self.height + 2
        lx = self.width - self._lw if self.rtl else 0
        with tagging.group(canv, "LI"):  # a list item: the label, then the value
            with tagging.marked(canv, "Lbl"):
                self.label.drawOn(canv, lx, top - self.label.height)
            vx0 = 0 if self.rtl else self._lw + 4
            vx1 = self.width - self._lw - 4 if self.rtl else self.width
            if self.value:
                with tagging.marked(canv, "LBody"):
                    self.value.drawOn(canv, vx0 if not self.rtl else vx1 - self.value.width, top - self.value.height)
            else:
                with tagging.artifact(canv):  # a line to write on
                    canv.saveState()
                    canv.setStrokeColor(self.colour)
                    canv.setLineWidth(0.8)
                    canv.line(vx0, 3, vx1, 3)
                    canv.restoreState()


class QR(Flowable):
    """The clinic website as a QR code (cached drawing)."""

    def __init__(self, url: str, size: float, font: str, alt: str = "") -> None:
        super().__init__()
        self.url, self.size, self.font, self.alt = url, size, font, alt

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = self.height = self.size
        return self.size, self.size

    def draw(self) -> None:
        with tagging.figure(self.canv, self.alt or self.url):
            recorded_qr(self.url, self.size).draw(self.canv, 0, 0)


# --- pages ----------------------------------------------------------------------------------


def build_story(doc: m.Document, builder: Builder, width: float) -> list[Flowable]:
    """The flowables of the whole handout, in reading order."""
    s = builder.s
    story: list[Flowable] = []  # title and subtitle are drawn in page 1's header band
    if doc.notices:  # the draft-translation notice, in the handout's language and English
        lines: list[Flowable] = [s.para(notice, s.notice) for notice in doc.notices]
        if len(lines) > 1:  # the notice again in English, tagged as English
            lines[1:] = [InLanguage(line, "en") for line in lines[1:]]
        story += [builder.boxed(lines, builder.p.accent_tint, builder.p.alert, width), Spacer(1, 6)]
    col_gap = 0.28 * inch
    col_w = min(width, MAX_LINE) if builder.single_column else (width - col_gap) / 2
    for block in doc.blocks:
        if isinstance(block, m.Fields):
            story += [builder.fields(block, width), Spacer(1, 6 + 4 * s.density)]
        elif isinstance(block, m.KeyPoints):
            story += [*builder.key_points(block, width), Spacer(1, 2)]
        elif isinstance(block, m.Columns):
            flow: list[Flowable] = []
            breaks: list[int] = []  # where each section starts: a page may end there
            for section in block.sections:
                breaks.append(len(flow))
                flow += builder.section(section, col_w)
            last = LastPage(builder.later_height, LAST_PAGE_FILL, tuple(breaks[1:]), builder.overflow, builder.first_height)
            # Large print: one column at the frame's measure (<= 6 in), with the same
            # care for its last page.
            story.append(TwoColumns(flow, col_gap, doc.rtl, last, count=1 if builder.single_column else 2, split_tiers=builder.split_tiers))
        elif isinstance(block, m.Section):
            story += builder.section(block, width)
        elif isinstance(block, m.Companion):  # on pages of its own, outside the page budget
            story += [PageBreak(), CompanionStart(builder.companion_from)]
            for section in block.sections:
                story += builder.section(section, width)
    return story


class CompanionStart(Flowable):
    """Notes the page the companion pages start on, in ``pages`` (the pages before it
    are the handout's own, measured against its budget)."""

    def __init__(self, pages: list[int]) -> None:
        super().__init__()
        self.pages = pages

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.pages.append(self.canv.getPageNumber())


def lay_out(
    doc: m.Document,
    clinic: Clinic,
    stacks: tuple[FontStack, FontStack],
    palette: Palette,
    options: LayoutOptions,
    texts: list[str],
    fills: Mapping[str, str],
    density: float,
    probe: bool = False,
    split_tiers: bool = False,
) -> tuple[bytes, int, int, float]:
    """Lay the document out once: (the PDF, its pages, the handout's own pages, how
    much its last page holds beyond the page before, in frame heights; see
    :class:`handouts.fitting.Built`).

    A ``probe`` only counts: the same flowables are laid out on the same frames, but
    nothing is drawn, tagged or written (the PDF is empty). Fitting lays a handout out
    at several densities to keep the one that makes its page count; drawing is over
    half the cost of a layout, and only the one kept needs it.

    ``split_tiers``: a side-effect tier that fits the next column whole may split to
    fill this one (:class:`handouts.fitting.Fit`), as a last resort for a page."""
    if options.grayscale:
        palette = palette.grayscale()
    body = 18.0 if options.large_print and options.body_size < 16 else options.body_size
    stack, own_stack = stacks
    styles = styles_for(stack, palette, body, doc.lang, doc.rtl, density, 1.5 if options.large_print else 1.25)
    builder = Builder(styles, clinic, fills, own_stack)
    builder.single_column = options.large_print
    if options.large_print:
        # At 18 pt on a 6-inch measure every point of width is words: narrower gutters
        # (a tick box or a dot still clears the text), and the emergency tier's "call 911"
        # after its title rather than on a line of its own.
        builder.gutter = styles.body.fontSize * 1.25
        builder.bullet_gutter = styles.body.fontSize * 0.9
        builder.label_inline = True
    builder.grayscale = options.grayscale
    builder.split_tiers = split_tiers
    builder.continued = doc.continued
    pages = Pages(doc, clinic, styles, options)
    buffer = io.BytesIO()
    template = BaseDocTemplate(
        buffer,
        pagesize=pages.size,
        leftMargin=options.margin, rightMargin=options.margin, topMargin=options.margin, bottomMargin=options.margin,
        title=doc.title,
        author=options.author,
        subject=options.subject,
        keywords=options.keywords,
        creator="handouts",
        lang=doc.lang.replace("_", "-"),
        invariant=1,  # byte-identical output for identical input
        pageCompression=1,
    )
    template.addPageTemplates(pages.templates(probe))
    width = pages.frames()[0].width
    builder.first_height, builder.later_height = (frame.height for frame in pages.frames())
    story = build_story(doc, builder, width)
    lang = doc.lang.replace("_", "-")
    if probe:
        for index, flowable in enumerate(story):  # see TwoColumns.counting
            if isinstance(flowable, TwoColumns) and (index + 1 == len(story) or isinstance(story[index + 1], PageBreak)):
                flowable.counting = True
        template.build([f if isinstance(f, (ActionFlowable, PageBreak, CompanionStart)) else Probe(f) for f in story],
                       canvasmaker=internals.counting_canvas(lang, stack.base.face()))
        return b"", template.page, *_pages_of(builder, template.page)
    shape: Callable[[str], str] | None = None
    if doc.rtl:
        from .rtl import shape as shape_arabic

        shape = partial(shape_arabic, stack=stack)  # the characters HarfBuzz draws

    def start(canv: Canvas) -> None:  # personal text is not seeded: its characters are numbered when drawn
        seed(canv, stack, texts, shape, personal=bool(fills))
        tagging.start(canv, lang)

    def shown(canv: Canvas, page: int) -> None:
        internals.set_last_page_entries(canv, tagging.page_entries(page - 1))

    def save(canv: Canvas, total: int) -> None:
        tree = tagging.tree_of(canv)
        assert tree is not None  # start gave it one
        tagging.finish(canv, tree, total, doc.title, lang)

    canvasmaker = internals.numbered_canvas(
        lambda canv, page, total: pages.footer(canv, doc.page_pattern % {"page": page, "total": total}),
        lang,
        stack.base.face(),
        on_start=start,
        on_shown=shown,
        on_save=save,
    )
    template.build(story, canvasmaker=canvasmaker)
    return buffer.getvalue(), template.page, *_pages_of(builder, template.page)


def _pages_of(builder: Builder, pages: int) -> tuple[int, float]:
    """The handout's own pages (before its companion pages) and its last page's overflow."""
    own = builder.companion_from[0] - 1 if builder.companion_from else pages
    overflow = builder.overflow[-1] / builder.later_height if builder.overflow else 0.0
    return own, overflow


class Probe(Flowable):
    """A flowable laid out as it would be, and not drawn (a probe layout, which only
    counts pages). Its parts, when it splits, are probes too."""

    def __init__(self, content: Flowable) -> None:
        super().__init__()
        self.content = content

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width, self.height = self.content.wrap(aw, ah)
        return self.width, self.height

    def split(self, aw: float, ah: float) -> list[Flowable]:
        return [f if isinstance(f, (ActionFlowable, PageBreak)) else Probe(f) for f in self.content.split(aw, ah)]

    def getSpaceBefore(self) -> float:  # noqa: N802 (platypus' name)
        return self.content.getSpaceBefore()

    def getSpaceAfter(self) -> float:  # noqa: N802
        return self.content.getSpaceAfter()

    def getKeepWithNext(self) -> bool:  # noqa: N802
        return bool(self.content.getKeepWithNext())

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:  # noqa: N802, N803
        pass
