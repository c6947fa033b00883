"""Custom ReportLab flowables: list items with drawn markers, the timeline graphic,
side-effect tiers, ruled note lines, and the boxes and rows that panels are made of.

Markers and icons are drawn with vector graphics, not font glyphs: a tick box never
depends on a font having U+2610, and every drawing mirrors for right-to-left pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from reportlab.lib.colors import Color, white

from . import internals, tagging
from .platypus import Flowable, Paragraph
from .speed import shapes


class TextParagraph(Paragraph):
    """ReportLab's Paragraph, tagged (a structure element of its style's role, see
    :mod:`handouts.tagging`), with Chinese and Japanese closing marks kept inside the
    measure: kinsoku keeps a closing mark ("、", "。") on the line it ends, hanging
    past the measure, so such text is broken one character narrower."""

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        if self.style.wordWrap != "CJK" or availWidth < 1e-8:
            return super().wrap(availWidth, availHeight)
        super().wrap(availWidth - self.style.fontSize, availHeight)
        self.width = availWidth
        return self.width, self.height

    def breakLinesCJK(self, maxWidths):  # noqa: ANN001, ANN201, N802, N803 (ReportLab's method)
        # Kinsoku, no break inside a Latin word or number, kerned Latin (internals).
        return internals.cjk_lines(self, maxWidths)

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        parts = super().split(availWidth, availHeight)
        for part in parts[1:]:  # the rest of the paragraph continues its element
            part.__dict__["_continues"] = True
        return parts

    def draw(self) -> None:
        role = tagging.ROLES.get(self.style.name, "P")
        with tagging.text(self.canv, role, continues=self.__dict__.get("_continues", False)):
            self.draw_text()

    def draw_text(self) -> None:
        """Draw the lines (inside the paragraph's marked content)."""
        super().draw()


class InLanguage(Flowable):
    """A flowable in another language than the handout's (the English line of a draft
    notice): its structure elements say so (/Lang)."""

    def __init__(self, content: Flowable, lang: str) -> None:
        super().__init__()
        self.content, self.lang = content, lang

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width, self.height = self.content.wrap(aw, ah)
        return self.width, self.height

    def getSpaceBefore(self) -> float:
        return self.content.getSpaceBefore()

    def getSpaceAfter(self) -> float:
        return self.content.getSpaceAfter()

    def draw(self) -> None:
        with tagging.language(self.canv, self.lang):
            self.content.drawOn(self.canv, 0, 0)


class Marked(Flowable):
    """A paragraph with a marker (bullet, tick box) drawn in its gutter."""

    def __init__(
        self, para: Paragraph, marker: str | None, gutter: float, colour: Color, rtl: bool = False,
        group: object = None, item: object = None, kind: str | None = None,
    ) -> None:
        super().__init__()
        self.para = para
        self.marker = marker
        self.gutter = gutter
        self.colour = colour
        self.rtl = rtl
        # Tagging: the list this item belongs to and the item itself (a split item's
        # parts name the same ones, so they are one list item).
        self.group = group if group is not None else object()
        self.item = item if item is not None else object()
        self.kind = kind or marker  # the list's kind, also on a continuation (no marker)

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        _, h = self.para.wrap(aw - self.gutter, ah)
        self.width, self.height = aw, h
        return aw, h

    def split(self, aw: float, ah: float) -> list[Flowable]:
        if self.kind == "check":  # a tick-box item is read whole: it moves to the next column
            return []
        parts = self.para.split(aw - self.gutter, ah)
        return [
            Marked(p, self.marker if i == 0 else None, self.gutter, self.colour, self.rtl, self.group, self.item, self.kind)
            for i, p in enumerate(parts)
        ]

    def getSpaceBefore(self) -> float:
        return self.para.getSpaceBefore()

    def getSpaceAfter(self) -> float:
        return self.para.getSpaceAfter()

    def draw(self) -> None:
        canv = self.canv
        style = self.para.style
        numbering = "/Disc" if self.kind == "bullet" else "/None"
        with tagging.group(canv, "L", self.group, attributes=tagging.list_attributes(numbering)):
            with tagging.group(canv, "LI", self.item):
                if self.marker:
                    # The label is the drawn mark: a figure (drawing is tagged as a
                    # figure) that reads as "•" or "☐".
                    key = ("marker", self.marker, style.fontSize, self.colour.hexval(), self.gutter, self.rtl, self.width if self.rtl else 0, self.height)
                    with tagging.group(canv, "Lbl"), tagging.figure(canv, tagging.MARKER_TEXT.get(self.marker, "")):
                        shapes.draw(canv, key, self._draw_marker)
                # The item's text is the body's content (a P inside would add nothing).
                with tagging.marked(canv, "LBody", (self.item, "body")):
                    self.para.drawOn(canv, 0 if self.rtl else self.gutter, 0)

    def _draw_marker(self) -> None:
        canv = self.canv
        size = self.para.style.fontSize
        # Centre the marker on the first line's x-height.
        cy = self.height - size + size * 0.36
        box = size * 0.78
        cx = self.width - self.gutter / 2 + 1 if self.rtl else self.gutter / 2 - 1
        canv.saveState()
        canv.setStrokeColor(self.colour)
        canv.setFillColor(self.colour)
        if self.marker == "check":
            canv.setLineWidth(1.3)
            canv.rect(cx - box / 2, cy - box / 2, box, box, stroke=1, fill=0)
        else:
            canv.circle(cx + (self.gutter * 0.1 if self.rtl else -self.gutter * 0.1), cy, size * 0.16, stroke=0, fill=1)
        canv.restoreState()


class Rules(Flowable):
    """Ruled lines to write on; the label, if any, starts the first line ("Notes: ____")."""

    def __init__(self, label: Paragraph | None, lines: int, spacing: float, colour: Color, rtl: bool = False) -> None:
        super().__init__()
        self.label = label
        self.lines = lines
        self.spacing = spacing
        self.colour = colour
        self.rtl = rtl

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self._extra = 0.0
        if self.label:
            self._lw = min(_text_width(self.label) + 4, aw * 0.6)
            _, label_h = self.label.wrap(self._lw + 2, ah)
            # A label that wraps ("Votre prochain / rendez-vous") needs room above the
            # first line; it must not reach into the block before.
            self._extra = max(0.0, label_h + 3 - self.spacing)
        self.width, self.height = aw, self.lines * self.spacing + 2 + self._extra
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        canv.saveState()
        canv.setStrokeColor(self.colour)
        canv.setLineWidth(0.8)
        for n in range(self.lines):
            y = self.height - self._extra - (n + 1) * self.spacing
            x0, x1 = 0.0, self.width
            if n == 0 and self.label:
                if self.rtl:  # the label is wrapped 2 pt wider than _lw: keep it inside the frame
                    self.label.drawOn(canv, self.width - self._lw - 2, y + 3)
                    x1 -= self._lw + 4
                else:
                    self.label.drawOn(canv, 0, y + 3)
                    x0 += self._lw + 4
            with tagging.artifact(canv):  # lines to write on
                canv.line(x0, y, x1, y)
        canv.restoreState()


class TierHeader(Flowable):
    """A side-effect tier's heading: coloured bar, drawn icon, title, and a text label.

    The three tiers differ by icon shape and words as well as colour, so the page still
    reads when printed in grey.
    """

    def __init__(
        self, level: str, title: Paragraph, label: Paragraph | None, fill: Color, rtl: bool = False, pad: float = 5.0,
        inline: bool = False,
    ) -> None:
        super().__init__()
        self.level = level
        self.title = title
        self.label = label
        self.fill = fill
        self.rtl = rtl
        self.pad = pad
        self.inline = inline  # the label after the title, on its line, where both fit
        self._beside: tuple[float, float] | None = None  # (title width, gap) when it is

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        size = self.title.style.fontSize
        self.icon = size * 1.5
        inner = aw - 3 * self.pad - self.icon
        self._beside = None
        if self.inline and self.label:
            title_w, label_w, gap = _line_width(self.title), _line_width(self.label), size * 0.75
            if title_w + gap + label_w <= inner:
                # Both wrapped to their own width (one line each), side by side.
                self._beside = (title_w, gap)
                self._th, self._lh = self.title.height, self.label.height
                self.width = aw
                self.height = max(self._th, self._lh, self.icon) + 2 * self.pad
                return self.width, self.height
        self._th = self.title.wrap(inner, ah)[1]
        self._lh = self.label.wrap(inner, ah)[1] if self.label else 0
        self.width = aw
        self.height = max(self._th + self._lh, self.icon) + 2 * self.pad
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        canv.saveState()
        with tagging.artifact(canv):  # the colour bar; the heading's words carry its meaning
            canv.setFillColor(self.fill)
            canv.roundRect(0, 0, self.width, self.height, 4, stroke=0, fill=1)
        icon_x = self.width - self.pad - self.icon if self.rtl else self.pad
        text_x = self.pad if self.rtl else 2 * self.pad + self.icon
        top = self.height - self.pad
        if self._beside is not None and self.label:
            title_w, gap = self._beside
            inner = self.width - 3 * self.pad - self.icon
            title_x = text_x + inner - title_w if self.rtl else text_x
            label_x = title_x - gap - self.label.width if self.rtl else title_x + title_w + gap
            self.title.drawOn(canv, title_x, top - self._th)
            self.label.drawOn(canv, label_x, top - self._lh)
        else:
            self.title.drawOn(canv, text_x, top - self._th)
            if self.label:
                self.label.drawOn(canv, text_x, top - self._th - self._lh)
        with tagging.artifact(canv):  # the icon repeats what the heading says
            _icon(canv, self.level, icon_x, self.height / 2 - self.icon / 2, self.icon, self.fill)
        canv.restoreState()


def _icon(canv, level: str, x: float, y: float, s: float, fill: Color) -> None:
    """White icon on the tier colour: circled tick (mild), circled "!" (call),
    warning triangle with "!" (emergency)."""
    canv.setFillColor(white)
    canv.setStrokeColor(white)
    cx, cy = x + s / 2, y + s / 2
    if level == "emergency":
        p = canv.beginPath()
        p.moveTo(cx, y + s * 0.98)
        p.lineTo(x + s * 0.02, y + s * 0.08)
        p.lineTo(x + s * 0.98, y + s * 0.08)
        p.close()
        canv.drawPath(p, stroke=0, fill=1)
        canv.setFillColor(fill)
        canv.rect(cx - s * 0.055, y + s * 0.38, s * 0.11, s * 0.36, stroke=0, fill=1)
        canv.circle(cx, y + s * 0.25, s * 0.065, stroke=0, fill=1)
        return
    canv.circle(cx, cy, s * 0.48, stroke=0, fill=1)
    canv.setStrokeColor(fill)
    canv.setFillColor(fill)
    if level == "mild":
        canv.setLineWidth(s * 0.11)
        canv.setLineCap(1)
        canv.setLineJoin(1)
        p = canv.beginPath()
        p.moveTo(x + s * 0.27, cy)
        p.lineTo(x + s * 0.44, y + s * 0.30)
        p.lineTo(x + s * 0.74, y + s * 0.68)
        canv.drawPath(p, stroke=1, fill=0)
    else:  # call the clinic: a handset shape is fiddly at this size; "!" in a circle reads
        canv.roundRect(cx - s * 0.06, cy - s * 0.08, s * 0.12, s * 0.36, s * 0.05, stroke=0, fill=1)
        canv.circle(cx, cy - s * 0.22, s * 0.07, stroke=0, fill=1)


class TimelineChart(Flowable):
    """The "what to expect" timeline, sized for one column.

    Each milestone is a line of text ("Relief begins: December 8 – 15, 2026") over a bar
    on a shared axis of weeks; open-ended milestones end in an arrow. Dotted grid lines
    and the week axis tie the bars together. Mirrors for right-to-left pages.
    """

    def __init__(
        self,
        rows: Sequence[tuple[Paragraph, int, int | None]],
        ticks: Sequence[tuple[int, Paragraph]],
        axis: Paragraph | None,
        colours: tuple[Color, Color, Color],
        rtl: bool = False,
        write_in: float = 0.0,
        rule: Color | None = None,
        alt: str = "",
    ) -> None:
        super().__init__()
        self.alt = alt  # what a screen reader reads for the chart: its milestones in words
        self.write_in = write_in  # width of a line to write each milestone's date on (no visit date)
        self.rule = rule
        self.rows = list(rows)
        self.ticks = list(ticks)
        self.axis = axis
        self.bar, self.track, self.grid = colours
        self.rtl = rtl
        self.bar_h = 7.0
        self.bar_gap = 2.0  # text to bar
        self.row_gap = 4.0  # bar to next row's text
        self.inset = 6.0  # room for the tick labels at both ends
        self.last_day = max((d for d, _ in self.ticks), default=1) or 1

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = aw
        self._row_h = [para.wrap(aw, ah)[1] for para, _, _ in self.rows]
        self._tick_h = max((p.wrap(aw, ah)[1] for _, p in self.ticks), default=0)
        self._axis_h = self.axis.wrap(aw, ah)[1] if self.axis else 0
        per_row = self.bar_gap + self.bar_h + self.row_gap
        self.height = sum(self._row_h) + per_row * len(self.rows) + self._tick_h + self._axis_h
        return self.width, self.height

    def split(self, aw: float, ah: float) -> list[Flowable]:
        """Never: the chart moves whole to the next column or page (a timeline read
        across a page turn loses its axis)."""
        self.wrap(aw, ah)
        return [self] if self.height <= ah else []

    def _x(self, day: float) -> float:
        """Where a day falls on the bars (which leave room beside them for a write-in line)."""
        frac = min(day / self.last_day, 1.0)
        room = self.write_in + 8 if self.write_in else 0
        span = self.width - 2 * self.inset - room
        return (room if self.rtl else 0) + self.inset + span * ((1 - frac) if self.rtl else frac)

    def draw(self) -> None:
        with tagging.figure(self.canv, self.alt):
            self._draw()

    def _draw(self) -> None:
        canv = self.canv
        canv.saveState()
        axis_y = self._tick_h + self._axis_h
        top = self.height
        y = top
        left, right = self._x(0), self._x(self.last_day)
        lo_edge, hi_edge = min(left, right), max(left, right)
        for (para, start, end), h in zip(self.rows, self._row_h):
            para.drawOn(canv, 0, y - h)
            bar_y = y - h - self.bar_gap - self.bar_h
            if self.write_in:  # beside the bar, level with its foot
                x = 0 if self.rtl else self.width - self.write_in
                canv.setStrokeColor(self.rule or self.grid)
                canv.setLineWidth(0.6)
                canv.line(x, bar_y, x + self.write_in, bar_y)
            canv.setFillColor(self.track)
            canv.roundRect(lo_edge, bar_y, hi_edge - lo_edge, self.bar_h, self.bar_h / 2, stroke=0, fill=1)
            # Tick marks on each track (not through the text) tie the bars to the axis.
            canv.setStrokeColor(self.grid)
            canv.setLineWidth(0.8)
            for day, _ in self.ticks:
                canv.line(self._x(day), bar_y - 2, self._x(day), bar_y + self.bar_h + 2)
            x0 = self._x(start)
            x1 = self._x(self.last_day if end is None else max(end, start + 1.5))
            lo, hi = min(x0, x1), max(x0, x1)
            canv.setFillColor(self.bar)
            canv.roundRect(lo, bar_y, hi - lo, self.bar_h, self.bar_h / 2, stroke=0, fill=1)
            if end is None:  # open-ended ("no sooner than"): an arrow onwards
                d = -1 if self.rtl else 1
                tip = x1 + d * 3
                mid = bar_y + self.bar_h / 2
                p = canv.beginPath()
                p.moveTo(tip, mid)
                p.lineTo(tip - d * 8, mid + 7)
                p.lineTo(tip - d * 8, mid - 7)
                p.close()
                canv.drawPath(p, stroke=0, fill=1)
            y = bar_y - self.row_gap
        canv.setStrokeColor(self.grid)
        canv.setLineWidth(1)
        canv.line(lo_edge, axis_y, hi_edge, axis_y)
        for day, para in self.ticks:
            w = _text_width(para)
            x = self._x(day)
            para.drawOn(canv, min(max(x - w / 2, 0), self.width - w), self._axis_h)
        if self.axis:
            self.axis.drawOn(canv, 0, 0)
        canv.restoreState()


def _line_width(para: Flowable) -> float:
    """The width a paragraph takes on one line, left wrapped to it (on one line, even
    where Chinese and Japanese keep a character's room for a closing mark)."""
    width = _text_width(para)
    if para.style.wordWrap == "CJK":
        para.wrap(width + para.style.fontSize + 0.01, 1e6)
    return width


def _text_width(para: Flowable) -> float:
    """Width of a one-line paragraph's text (for centring tick labels). The paragraph
    is left wrapped to exactly that width, so right-aligned text draws where measured."""
    para.wrap(1e6, 1e6)
    width = max(para.getActualLineWidths0() or [0.0])
    para.wrap(width + 0.01, 1e6)
    return width


class Stack(Flowable):
    """Flowables kept together in one frame or column: a heading with its first block,
    a question with its answer. Works inside BalancedColumns, where platypus'
    KeepTogether does not.

    When the stack does not fit, its last member may split (a long list, a timeline):
    the leading members then travel with the first part. If the last member cannot
    split usefully, the whole stack moves on.
    """

    def __init__(self, content: Sequence[Flowable], role: str | None = None) -> None:
        super().__init__()
        self.content = list(content)
        self.role = role  # "L": a list whose members are its items (the care team)

    def _measure(self, aw: float, ah: float) -> list[tuple[float, float]]:
        sizes = []
        for i, f in enumerate(self.content):
            h = f.wrap(aw, ah)[1]
            gap = 0.0 if i == 0 else max(self.content[i - 1].getSpaceAfter(), f.getSpaceBefore())
            sizes.append((h, gap))
        return sizes

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = aw
        self._heights = self._measure(aw, ah)
        self.height = sum(h + gap for h, gap in self._heights)
        return aw, self.height

    def getSpaceBefore(self) -> float:
        return self.content[0].getSpaceBefore() if self.content else 0

    def getSpaceAfter(self) -> float:
        return self.content[-1].getSpaceAfter() if self.content else 0

    def split(self, aw: float, ah: float) -> list[Flowable]:
        if self.wrap(aw, ah)[1] <= ah:
            return [self]
        if len(self.content) < 2:
            return self.content[0].split(aw, ah) if self.content else []
        *lead, last = self.content
        lead_h = sum(h + gap for h, gap in self._heights[:-1]) + self._heights[-1][1]
        if lead_h >= ah:
            return []
        parts = last.split(aw, ah - lead_h)
        if len(parts) < 2:
            return []
        return [Stack([*lead, parts[0]]), *parts[1:]]

    def draw(self) -> None:
        if self.role is None:
            self._draw()
            return
        with tagging.group(self.canv, self.role, attributes=tagging.list_attributes() if self.role == "L" else None):
            self._draw()

    def _draw(self) -> None:
        y = self.height
        for f, (h, gap) in zip(self.content, self._heights):
            y -= gap + h
            if self.role == "L":
                with tagging.group(self.canv, "LI"), tagging.marked(self.canv, "LBody"):
                    f.drawOn(self.canv, 0, y)
            else:
                f.drawOn(self.canv, 0, y)


HALF_PAGE = 0.52  # a page before the last holds at least half its frame (with room for what the PDF measures)
_GAP_SLACK = 24.0  # points: more than the space between two blocks at a column's top
_SPLIT_SLACK = 60.0  # points: more than a split tier's "(continued)" heading and padding


def _least(h1: float, h2: float, count: int) -> float:
    """The least height content filled into columns of ``h1`` and ``h2`` (at a page's
    full height) takes when balanced: half of both in the taller column, less a gap
    dropped at a column's top and, if the fill split a block across columns, what the
    split added (a continuation's heading)."""
    return (h1 + h2) / max(count, 1) - _GAP_SLACK - (_SPLIT_SLACK if h2 else 0.0)


@dataclass(frozen=True)
class LastPage:
    """What a :class:`TwoColumns` needs to know about the page after this one, to leave
    it more than a stub: its frame's ``height``, the least part of it the last page
    must fill (``fill``), and where the content's sections start (``breaks``, indices
    into the content: the places a page may end early). ``overflow`` collects, for each
    page break where the rest fits on one more page, the height of that rest in one
    column (the sum of both columns): how far the handout is from one page fewer."""

    height: float
    fill: float
    breaks: tuple[int, ...] = ()
    overflow: list[float] | None = None
    first: float = 0.0  # the first page's frame height (one column: page 1 starts part-way down)


class TwoColumns(Flowable):
    """Content flowing down one column, then the next, splitting across pages.

    Replaces ReportLab's BalancedColumns, which balances the last page by laying the
    content out dozens of times (and deep-copies flowables to do it): half the build
    time of a handout. The last page's columns are balanced (:meth:`_balanced`); with
    ``last`` (:class:`LastPage`), a page that would leave the next, last page a stub
    ends at a section break instead, so a whole section goes over. One column (large
    print) plans its pages instead (:meth:`_planned_break`).
    Right-to-left pages fill the right column first.
    """

    def __init__(
        self, content: Sequence[Flowable], gap: float, rtl: bool = False, last: LastPage | None = None, count: int = 2,
        counting: bool = False, split_tiers: bool = False,
    ) -> None:
        super().__init__()
        self.content = list(content)
        self.gap = gap
        self.rtl = rtl
        self.last = last
        self.count = count  # 1: one column (large print), with the same page decisions
        # Only pages are counted (a probe layout), and nothing follows on the last page:
        # balancing the last page and ending a page early to fill it change where
        # content sits, never how many pages it takes, so neither is done.
        self.counting = counting
        # A last-resort refit (fitting.Fit.split_tiers): tiers split where they fit in part
        # rather than move whole, to win back a page.
        self.split_tiers = split_tiers
        self._columns: list[list[tuple[Flowable, float, float]]] = []
        self._rest: list[Flowable] = []

    @staticmethod
    def _fill(
        width: float, height: float, content: list[Flowable], column: float = 0.0,
    ) -> tuple[list[tuple[Flowable, float, float]], list[Flowable], float]:
        """Place flowables top-down in one column: (placed as (flowable, top, h), rest, used).

        ``column`` is the height of the column the rest goes on in: a side-effect tier
        that does not fit the space left but fits that column whole ends this one, and
        moves there whole (a hole at this column's foot rather than a tier in two parts).
        Only a tier taller than that column, or at the top of this one, splits.
        ``column`` 0: any tier splits where two items fit on each side (a last-resort
        refit, and large print, see :class:`handouts.fitting.Fit`)."""
        placed: list[tuple[Flowable, float, float]] = []
        rest = list(content)
        y = 0.0
        after = 0.0
        while rest:
            f = rest[0]
            gap = max(after, f.getSpaceBefore()) if placed else 0.0
            avail = height - y - gap
            h = f.wrap(width, max(avail, 0))[1] if avail > 0 else float("inf")
            if h <= avail + 1e-6:
                placed.append((f, y + gap, h))
                y += gap + h
                after = f.getSpaceAfter()
                rest.pop(0)
                continue
            if placed and h <= column + 1e-6 and _is_tier(f):
                break  # moves whole to the next column (a tier's height is its width's)
            parts = f.split(width, avail) if avail > 0 else []
            if len(parts) > 1:
                first = parts[0]
                fh = first.wrap(width, avail)[1]
                if fh <= avail + 1e-6:
                    placed.append((first, y + gap, fh))
                    y += gap + fh
                    rest = list(parts[1:]) + rest[1:]
            break
        return placed, rest, y

    def _next_page(self, height: float) -> float:
        """The height of a column on the page after this one (``height`` when unknown)."""
        return self.last.height if self.last is not None else height

    def _whole_within(self, height: float) -> float:
        """:meth:`_fill`'s ``column`` for a column of ``height``: a tier that fits it
        moves whole, but in a last-resort refit (``split_tiers``) none does."""
        return 0.0 if self.split_tiers else height

    def _pair(self, colw: float, height: float, content: list[Flowable], page: float | None = None, split: bool = False) -> tuple:
        """Both columns filled at ``height``: (first, second, h1, h2, rest).

        ``page`` is the columns' full height on this page (``height`` unless balancing
        tries shorter columns): a tier moves whole to the second column if it fits a
        column of that height, and on to the next page if it fits a column there;
        ``split``: tiers split where they fit in part (the planner's choice for a page)."""
        page = height if page is None else page
        page, after = (0.0, 0.0) if split else (self._whole_within(page), self._whole_within(self._next_page(page)))
        first, rest, h1 = self._fill(colw, height, content, page if self.count == 2 else after)
        if self.count == 1:
            return first, [], h1, 0.0, rest
        second, rest, h2 = self._fill(colw, height, rest, after)
        return first, second, h1, h2, rest

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = aw
        colw = (aw - self.gap) / 2 if self.count == 2 else aw
        first, second, h1, h2, rest = self._pair(colw, ah, self.content)
        if not rest and len(self.content) > 1 and self.count == 2 and not self.counting:
            first, second, h1, h2 = self._balanced(colw, self.content, (first, second, h1, h2), ah)
        self._columns, self._rest, self._colw = [first, second][: self.count], rest, colw
        # Content left over means "does not fit": the frame then asks us to split.
        self.height = max(h1, h2) if not rest else ah + 1
        return aw, self.height

    def _balanced(self, colw: float, content: list[Flowable], filled: tuple, page: float) -> tuple:  # noqa: ANN001 (column tuples as _fill gives them)
        """The last of the content in two columns of (nearly) even height, so the last
        page is not one full column beside a stub. A binary search on the column height:
        a handful of fills, each at a height the paragraphs remember. A tier that fits a
        column of the page's height (``page``) stays whole: the columns grow instead."""
        full = max(filled[2], filled[3])
        low, high = full / 2, full
        for _ in range(7):
            mid = (low + high) / 2
            first, _, _, _, rest = self._pair(colw, mid, content, page)
            if rest or not first:
                low = mid
            else:
                high = mid
        # Fill once more at the height chosen: what is drawn is wrapped for it.
        first, second, h1, h2, rest = self._pair(colw, high, content, page)
        return (first, second, h1, h2) if not rest else filled

    def _last_page_height(self, colw: float, content: list[Flowable], enough: float | None = None, above: float | None = None) -> float | None:
        """The height ``content`` takes as a last page of its own (balanced), or None if
        it needs more than one page.

        Balancing fills the columns a dozen times, so it is skipped when its answer is
        known without it: when the content is tall enough that, balanced, it must reach
        ``enough`` (a height at least ``enough`` is returned), or too short to exceed
        ``above`` (a height at most ``above`` is returned)."""
        assert self.last is not None
        filled = self._pair(colw, self.last.height, content)
        if filled[4]:
            return None
        unbalanced = max(filled[2], filled[3])
        if len(content) < 2 or self.count == 1:
            return unbalanced
        # Balanced, the taller column holds at least half of both (_least), and never more
        # than the taller column unbalanced.
        least = _least(filled[2], filled[3], self.count)
        if enough is not None and least >= enough:
            return least
        if above is not None and unbalanced <= above and (enough is None or unbalanced < enough):
            return unbalanced
        _, _, h1, h2 = self._balanced(colw, content, filled[:4], self.last.height)
        return max(h1, h2)

    def _early_break(self, colw: float, ah: float) -> int | None:
        """Where this page should end, as an index into the content, so the next page
        (the last) is at least ``last.fill`` full while this one stays at least half
        full: the latest section break that does it, else the latest break between
        blocks; None when the next page is not the last, is full enough already, or no
        break helps."""
        last = self.last
        if last is None or not self._rest:
            return None
        first, second, h1, h2, rest = self._pair(colw, last.height, self._rest)
        if rest:  # more than one page to go: decide on the page before the last
            return None
        if last.overflow is not None:
            last.overflow.append(h1 + h2)
        # A last page that full, balanced, needs no search (which fills columns a few
        # dozen times at other heights).
        if self.counting or _least(h1, h2, self.count) >= last.fill * last.height:
            return None
        self._searched = True
        height = self._last_page_height(colw, self._rest)
        if height is None or height >= last.fill * last.height:
            return None
        # The content placed whole on this page (a block split across its columns is
        # placed too): a page may end before any of it.
        index = {id(f): i for i, f in enumerate(self.content)}
        later = [index[id(f)] for f in self._rest if id(f) in index]
        whole = later[0] if later else len(self.content)
        if id(self._rest[0]) not in index:  # the rest starts with the end of a split block
            whole -= 1
        sections = sorted((k for k in last.breaks if 0 < k <= whole), reverse=True)
        blocks = [k for k in range(whole, 0, -1) if k not in sections]
        best: tuple[float, int] | None = None  # the fullest last page a section break gives
        for group in (sections, blocks):  # a whole section over, else the fewest blocks
            for k in group:
                _, _, h1, h2, _ = self._pair(colw, ah, self.content[:k])
                if h1 + h2 < ah * self.count / 2:
                    break  # this page would be left less than half full
                moved = self._last_page_height(colw, self.content[k:], enough=last.fill * last.height, above=height if group is sections else None)
                if moved is None:
                    break  # moving more would need a page more
                if moved >= last.fill * last.height:
                    return k
                if group is sections and moved > height and (best is None or moved > best[0]):
                    best = (moved, k)
        # Not a third, but a whole section rather than a few lines of one.
        return best[1] if best is not None else None

    def _planned_break(self, colw: float, ah: float) -> int | None:
        """One column (large print): where this page should end, as an index into the
        content, or None to fill it. Every way to lay out the pages still to come is
        weighed, each page ending either where it fills or earlier, between two blocks,
        or, where a tier moves whole to the next page, with the tier split instead
        (``_split_page`` then says so): the fewest pages first, then the fewest faults (a
        page other than the last under half full, a last page under ``last.fill``), then
        the fewest split tiers, then the least shortfall, then the fullest early pages.
        Moving blocks on can fill a page left short before a block that never splits (the
        emergency tier), or the last page, without a page more; a tier moved whole to the
        next page can leave most of this one empty, and then splits."""
        last = self.last
        if last is None or not self._rest:
            return None
        full = last.height
        column = self._whole_within(full)
        # pages, faults, split tiers, shortfall, emptiest page before the last (negated fill)
        Score = tuple[int, int, int, float, float]
        memo: dict[tuple[int, int], tuple[Score, list[Flowable]]] = {}

        def options(rest: list[Flowable], avail: float, frame: float) -> list[tuple[list[Flowable], float, int]]:
            """The page's endings: (what goes on, fill of the page, tiers split), filled
            first, then filled with the tier that moved on split, then each earlier break
            between whole blocks, latest first."""
            placed, after, used = self._fill(colw, avail, rest, column)
            if not placed:
                return []
            # The blocks placed whole (the last may be the first part of a split one);
            # ending after all of them is filling the page.
            whole = len(placed) if placed[-1][0] is rest[len(placed) - 1] else len(placed) - 1
            ends = [(after, used, 0)]
            if after and column and _is_tier(after[0]):
                split_placed, split_after, split_used = self._fill(colw, avail, rest, 0.0)
                if len(split_placed) > len(placed):
                    ends.append((split_after, split_used, 1))
            for k in range(min(whole, len(placed) - 1), 0, -1):
                _, top, h = placed[k - 1]
                ends.append((rest[k:], top + h, 0))
            return [(nxt, (frame - avail + used) / frame, split) for nxt, used, split in ends]

        def best(rest: list[Flowable]) -> Score:
            """The best layout of ``rest`` from a page's top."""
            head = rest[0]
            # A tier's continuation is made afresh at each split: one going on from the same
            # item lays out alike, whichever page split it.
            key = (id(head.items[0] if isinstance(head, TierBox) and head.repeated else head), len(rest))
            if key not in memo:
                memo[key] = (score(options(rest, full, full)), rest)  # rest kept alive: ids stay unique
            return memo[key][0]

        def score(ends: list[tuple[list[Flowable], float, int]]) -> Score:
            if not ends:
                return (10**6, 0, 0, 0.0, 0.0)  # a block taller than a page: no plan
            return min(one(*end) for end in ends)

        def one(nxt: list[Flowable], fill: float, split: int) -> Score:
            if not nxt:
                short = max(0.0, last.fill - fill)
                return (1, int(short > 0), split, short, -1.0)
            pages, faults, splits, short, emptiest = best(nxt)
            gap = max(0.0, HALF_PAGE - fill)
            return (pages + 1, faults + int(gap > 0), splits + split, round(short + gap, 3), max(emptiest, -round(fill, 3)))

        frame = last.first if self._columns_start_part_way(ah) else full
        if not self._faults(colw, ah, frame):
            return None  # filling every page leaves none short and no tier moved: nothing to weigh
        ends = options(self.content, ah, frame)
        if len(ends) < 2:
            return None
        scores = [one(*end) for end in ends]
        choice = min(range(len(ends)), key=lambda i: (scores[i], i))
        self._searched = True  # the search wrapped flowables at other heights
        if ends[choice][2]:
            self._split_page = True
            return None
        if choice == 0:
            return None
        return len(self.content) - len(ends[choice][0])

    def _faults(self, colw: float, ah: float, frame: float) -> bool:
        """Whether filling this page and every one after leaves a page short (one before
        the last under half full, or the last under ``last.fill``), or moves a tier whole
        to the next page (splitting it might save a page)."""
        assert self.last is not None
        fills, rest = [], self.content
        avail, height = ah, frame
        column = self._whole_within(self.last.height)
        while rest:
            placed, rest, used = self._fill(colw, avail, rest, column)
            if not placed:
                return False  # a block taller than a page: no plan helps
            if rest and column and _is_tier(rest[0]):
                return True
            fills.append((height - avail + used) / height)
            avail = height = self.last.height
        return any(f < HALF_PAGE for f in fills[:-1]) or fills[-1] < self.last.fill

    def _columns_start_part_way(self, ah: float) -> bool:
        """Whether this page's column starts below the frame's top (page 1, under the
        fields and key points)."""
        assert self.last is not None
        return bool(self.last.first) and ah < self.last.height - 1e-6 and ah <= self.last.first + 1e-6

    def _carry(self, rest: list[Flowable]) -> LastPage | None:
        """``last`` for the columns that go on with ``rest``: its breaks renumbered."""
        if self.last is None:
            return None
        where = {id(f): i for i, f in enumerate(rest)}
        breaks = tuple(where[id(self.content[k])] for k in self.last.breaks if id(self.content[k]) in where)
        return replace(self.last, breaks=breaks)

    def split(self, aw: float, ah: float) -> list[Flowable]:
        self.wrap(aw, ah)
        if not self._rest:
            return [self]
        if not any(self._columns):
            return []
        self._searched = False
        self._split_page = False  # the planner chose to split a tier at this page's foot
        k = self._planned_break(self._colw, ah) if self.count == 1 else self._early_break(self._colw, ah)
        columns, rest = self._columns, self._rest  # this page as wrap laid it out
        if k is not None or self._searched:
            # Fill this page again (the search wrapped flowables at other heights): what
            # is drawn is wrapped for this page.
            content = self.content[:k] if k is not None else self.content
            first, second, _, _, rest = self._pair(self._colw, ah, content, split=self._split_page)
            columns = [first, second][: self.count]
            if k is not None:
                rest = self.content[k:]
        placed = _PlacedColumns(columns, self._colw, self.gap, ah, self.rtl)
        return [placed, TwoColumns(rest, self.gap, self.rtl, self._carry(rest), self.count, self.counting, self.split_tiers)]

    def draw(self) -> None:
        _draw_columns(self.canv, self._columns, self._colw, self.gap, self.height, self.rtl)


def _is_tier(f: Flowable) -> bool:
    """Whether ``f`` is a side-effect tier, or ends with one (a section's heading kept
    with its first tier): what moves whole to the next column when it fits there."""
    if isinstance(f, Stack) and f.content:
        f = f.content[-1]
    return isinstance(f, TierBox) and not f.whole


class _PlacedColumns(Flowable):
    """The part of a TwoColumns that fitted on this page, already laid out."""

    def __init__(self, columns, colw: float, gap: float, height: float, rtl: bool) -> None:  # noqa: ANN001
        super().__init__()
        self.columns, self.colw, self.gap, self.rtl = columns, colw, gap, rtl
        self.height = height

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = aw
        return aw, self.height

    def draw(self) -> None:
        _draw_columns(self.canv, self.columns, self.colw, self.gap, self.height, self.rtl)


def _draw_columns(canv, columns, colw: float, gap: float, height: float, rtl: bool) -> None:  # noqa: ANN001
    for index, column in enumerate(columns):
        x = (colw + gap) * (1 - index if rtl and len(columns) == 2 else index)
        for flowable, top, h in column:
            flowable.drawOn(canv, x, height - top - h)


# --- boxes and rows (lighter than platypus' Table) --------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One cell of a :class:`Row`: flowables stacked top-down inside padding, on an
    optional fill, with an optional frame and an optional bar down one side."""

    content: tuple[Flowable, ...]
    width: float
    pad: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # left, right, top, bottom
    fill: Color | None = None
    frame: tuple[float, Color] | None = None  # line width, colour
    bar: tuple[str, float, Color] | None = None  # "left" or "right", line width, colour
    align: str = "LEFT"  # where content narrower than the cell sits

    def measure(self, avail_h: float) -> tuple[list[tuple[Flowable, float, float, float]], float]:
        """Each flowable with its width, height and the gap above it, and the height of
        the whole content. A gap adds the space after one flowable to the space before
        the next, as a platypus Table cell does (the first's space before and the last's
        space after do not count)."""
        left, right, top, bottom = self.pad
        inner_w = self.width - left - right
        placed, total = [], 0.0
        for index, flowable in enumerate(self.content):
            w, h = flowable.wrap(inner_w, avail_h - top - bottom)
            gap = self.content[index - 1].getSpaceAfter() + flowable.getSpaceBefore() if index else 0.0
            placed.append((flowable, w, h, gap))
            total += gap + h
        return placed, total


class Row(Flowable):
    """Cells side by side (one row of a table, without a Table's cost): every cell's
    fill, frame and bar run the row's full height. Does not split, like a one-row
    Table."""

    def __init__(self, cells: Sequence[Cell], valign: str = "TOP", role: str | None = None, key: object = None, rtl: bool = False) -> None:
        super().__init__()
        self.cells = list(cells)
        self.valign = valign
        self.role = role  # a structure element around the row's content ("Sect", "L")
        self.key = key  # two rows with one key are one element (the fields' two lines)
        self.rtl = rtl  # cells are read right to left

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self._measured = [cell.measure(ah) for cell in self.cells]
        self.width = sum(cell.width for cell in self.cells)
        self.height = max((total + cell.pad[2] + cell.pad[3] for cell, (_, total) in zip(self.cells, self._measured)), default=0.0)
        return self.width, self.height

    def draw(self) -> None:
        if self.role is None:
            self._draw()
            return
        attributes = tagging.list_attributes() if self.role == "L" else None
        with tagging.group(self.canv, self.role, self.key, attributes=attributes):
            self._draw()

    def _draw(self) -> None:
        canv = self.canv
        # Fills first, then content, then lines, as a Table draws: a frame on a cell
        # boundary is never half covered by the next cell's fill.
        xs = [sum(cell.width for cell in self.cells[:i]) for i in range(len(self.cells))]
        with tagging.artifact(canv):
            for x, cell in zip(xs, self.cells):
                if cell.fill is not None:
                    canv.setFillColor(cell.fill)
                    canv.rect(x, 0, cell.width, self.height, stroke=0, fill=1)
        cells = list(zip(xs, self.cells, self._measured))
        for x, cell, (placed, total) in cells[::-1] if self.rtl else cells:  # in reading order
            left, right, top, bottom = cell.pad
            y = self.height - top if self.valign == "TOP" else bottom + total
            for flowable, w, h, gap in placed:
                y -= gap + h
                flowable.drawOn(canv, x + cell.width - right - w if cell.align == "RIGHT" else x + left, y)
        with tagging.artifact(canv):
            for x, cell in zip(xs, self.cells):
                if cell.frame is not None:
                    _stroke(canv, *cell.frame, lambda x=x, cell=cell: canv.rect(x, 0, cell.width, self.height, stroke=1, fill=0))
                if cell.bar is not None:
                    side, weight, colour = cell.bar
                    bx = x if side == "left" else x + cell.width
                    _stroke(canv, weight, colour, lambda bx=bx: canv.line(bx, 0, bx, self.height))


def _stroke(canv, weight: float, colour: Color, draw) -> None:  # noqa: ANN001
    """Draw lines in a width and colour, with round caps and joins (as a Table does)."""
    canv.saveState()
    canv.setLineCap(1)
    canv.setLineJoin(1)
    canv.setLineWidth(weight)
    canv.setStrokeColor(colour)
    draw()
    canv.restoreState()


class TierBox(Flowable):
    """A side-effect tier: its header, then its items in a frame. Splits between items
    (never inside one), two at least on each side, so a long tier continues in the next
    column under a "(continued)" header; the emergency tier (``whole``) never splits."""

    def __init__(
        self,
        header: Flowable,
        items: Sequence[Flowable],
        width: float,
        pad: float,
        frame: tuple[float, Color],
        space_after: float,
        whole: bool = False,
        continued: Flowable | None = None,
        key: object = None,
        repeated: bool = False,
    ) -> None:
        super().__init__()
        self.key = key if key is not None else object()  # the tier's parts are one section
        self.repeated = repeated  # a continuation: its "(continued)" header is page furniture
        self.header = header
        self.whole = whole  # never split (the emergency tier)
        self.continued = continued or header  # the header a continuation carries
        self.items = list(items)
        self.width = width
        self.pad = pad
        self.frame = frame
        self.spaceAfter = space_after

    def _item_pads(self, count: int) -> list[tuple[float, float]]:
        """(top, bottom) padding of each item: room under the header and at the end."""
        return [(self.pad if i == 0 else 0.0, 3.0 if i == count - 1 else 2.0) for i in range(count)]

    def _heights(self, ah: float) -> tuple[float, list[float]]:
        header_h = self.header.wrap(self.width, ah)[1]
        inner = self.width - 2 * self.pad
        return header_h, [item.wrap(inner, ah)[1] for item in self.items]

    def _height_of(self, item_heights: list[float]) -> float:
        """The box's height with these items (the header and every padding included)."""
        pads = self._item_pads(len(item_heights))
        return self._header_h + sum(h + t + b for h, (t, b) in zip(item_heights, pads))

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self._header_h, self._item_h = self._heights(ah)
        self.height = self._height_of(self._item_h)
        return self.width, self.height

    def split(self, aw: float, ah: float) -> list[Flowable]:
        self.wrap(aw, ah)
        if self.height <= ah:
            return [self]
        if self.whole:  # the emergency tier is read in one piece
            return []
        fit = 0
        while fit < len(self.items) and self._height_of(self._item_h[: fit + 1]) <= ah:
            fit += 1
        fit = min(fit, len(self.items) - 2)  # at least two items on each side
        # A lead-in paragraph ("Call us if you have:") is not an item: two follow it.
        lead = int(not isinstance(self.items[0], Marked) and any(isinstance(item, Marked) for item in self.items[1:]))
        if fit < lead + 2:
            return []
        shared = {"continued": self.continued, "key": self.key}
        first = TierBox(self.header, self.items[:fit], self.width, self.pad, self.frame, self.spaceAfter, repeated=self.repeated, **shared)
        rest = TierBox(self.continued, self.items[fit:], self.width, self.pad, self.frame, self.spaceAfter, repeated=True, **shared)
        return [first, rest]

    def draw(self) -> None:
        canv = self.canv
        with tagging.group(canv, "Sect", self.key):
            y = self.height - self._header_h
            if self.repeated:
                with tagging.artifact(canv, "Pagination"):
                    self.header.drawOn(canv, 0, y)
            else:
                self.header.drawOn(canv, 0, y)
            for item, h, (top, bottom) in zip(self.items, self._item_h, self._item_pads(len(self.items))):
                y -= top + h
                item.drawOn(canv, self.pad, y)
                y -= bottom
            with tagging.artifact(canv):
                _stroke(canv, *self.frame, lambda: canv.rect(0, 0, self.width, self.height, stroke=1, fill=0))


class Diary(Flowable):
    """A grid to fill in by hand, one row a day: day labels down the first column,
    headings over the columns to write in. Rows share the height the frame offers,
    between a handwriting minimum and a maximum; a grid that does not fit at the minimum
    splits between days (large print), each part with its headings. Mirrors for
    right-to-left pages."""

    def __init__(
        self, headings: Sequence[Paragraph], widths: Sequence[float], days: Sequence[Paragraph], colour: Color,
        min_row: float, max_row: float, rtl: bool = False,
    ) -> None:
        super().__init__()
        self.headings, self.widths, self.days = list(headings), list(widths), list(days)
        self.colour, self.min_row, self.max_row, self.rtl = colour, min_row, max_row, rtl
        self.key: object = object()  # a split grid's parts are one table
        self.repeated = False  # a continuation: its headings are page furniture

    def _columns(self, aw: float) -> list[float]:
        """Column widths: the day labels' natural width, then the rest shared by weight."""
        first = max(_text_width(d) for d in self.days) + 8
        rest = aw - first
        total = sum(self.widths)
        widths = [rest * w / total for w in self.widths]
        # A heading's longest word is never broken ("Headac-he?" at 18 pt): a column too
        # narrow for it gets that width, the others share what is left by weight.
        least = [h.minWidth() + 7 for h in self.headings]
        narrow = [i for i, (w, m) in enumerate(zip(widths, least)) if w < m]
        if narrow and sum(least[i] for i in narrow) < rest:
            spare = rest - sum(least[i] for i in narrow)
            others = sum(w for i, w in enumerate(self.widths) if i not in narrow)
            widths = [least[i] if i in narrow else spare * w / others for i, w in enumerate(self.widths)]
        return [first, *widths]

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = aw
        self._cols = self._columns(aw)
        self._head_h = max(h.wrap(w - 6, ah)[1] for h, w in zip(self.headings, self._cols[1:])) + 6
        room = (ah - self._head_h - 4) / len(self.days) if ah > self._head_h else 0
        self._row_h = max(self.min_row, min(self.max_row, room))
        self.height = self._head_h + self._row_h * len(self.days)
        return aw, self.height

    def split(self, aw: float, ah: float) -> list[Flowable]:
        self.wrap(aw, ah)
        if self.height <= ah + 1e-6:
            return [self]
        fit = int((ah - self._head_h) // self.min_row)
        if fit < 3:
            return []
        make = lambda days: Diary(self.headings, self.widths, days, self.colour, self.min_row, self.max_row, self.rtl)  # noqa: E731
        parts = [make(self.days[:fit]), make(self.days[fit:])]
        for part, repeated in zip(parts, (self.repeated, True)):
            part.key, part.repeated = self.key, repeated
        return parts

    def draw(self) -> None:
        canv = self.canv
        canv.saveState()
        edges = [0.0]
        for w in self._cols:
            edges.append(edges[-1] + w)
        if self.rtl:  # the day column on the right
            edges = [self.width - x for x in edges]
        lo, hi = min(edges), max(edges)
        top = self.height
        with tagging.group(canv, "Table", self.key):
            # A table of days to fill in: a header row of column headings (repeated on a
            # continuation as page furniture), then a row per day headed by its label.
            if self.repeated:
                with tagging.artifact(canv, "Pagination"):
                    self._draw_headings(edges, top)
            else:
                with tagging.group(canv, "TR"):
                    tagging.empty(canv, "TD")  # the corner over the day labels
                    self._draw_headings(edges, top)
            canv.setStrokeColor(self.colour)
            with tagging.artifact(canv):
                canv.setLineWidth(1.2)
                canv.line(lo, top - self._head_h, hi, top - self._head_h)
            canv.setLineWidth(0.6)
            for n, day in enumerate(self.days):
                row_top = top - self._head_h - n * self._row_h
                w = _text_width(day)
                x = (edges[0] - 4 - w) if self.rtl else (edges[1] - 4 - w)
                with tagging.group(canv, "TR"):
                    with tagging.marked(canv, "TH", attributes={"O": "/Table", "Scope": "/Row"}):
                        day.drawOn(canv, x, row_top - (self._row_h + day.height) / 2)
                    for _ in self.headings:
                        tagging.empty(canv, "TD")  # left blank, to write in
                with tagging.artifact(canv):
                    canv.line(lo, row_top - self._row_h, hi, row_top - self._row_h)
            with tagging.artifact(canv):
                for x in edges[1:-1]:
                    canv.line(x, 0, x, top)
        canv.restoreState()

    def _draw_headings(self, edges: list[float], top: float) -> None:
        for heading, a, b in zip(self.headings, edges[1:], edges[2:]):
            with tagging.marked(self.canv, "TH", attributes={"O": "/Table", "Scope": "/Column"}):
                heading.drawOn(self.canv, min(a, b) + 3, top - 3 - heading.height)
