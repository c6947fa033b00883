"""Page templates: page 1's branded band (logo, clinic name, balanced title), the
lighter header of later pages, and the footer with "Page X of Y" on every page. All of
it but the title, the clinic's name and the logo is page furniture (tagged artifacts).
"""

from __future__ import annotations

from contextlib import nullcontext

from reportlab.lib.colors import white
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas

from . import internals, tagging
from . import model as m
from .brand import (
    LOGO_BOX_INCHES,
    draw_drawing,
    logo_size,
    mix,
    read_logo,
    recorded_svg,
)
from .config import Clinic
from .errors import ContentError
from .fonts import FontFamily
from .platypus import Flowable, Frame, PageTemplate, Paragraph
from .styles import MAX_LINE, MAX_PAGES, PAGE_SIZES, SAMPLE_MARK, LayoutOptions, Styles


class Pages:
    """Page templates: branded first page, lighter later pages, footer on each."""

    def __init__(self, doc: m.Document, clinic: Clinic, styles: Styles, options: LayoutOptions) -> None:
        self.doc, self.clinic, self.s, self.options = doc, clinic, styles, options
        self.size = PAGE_SIZES[options.paper]
        self.margin = options.margin
        self.light_h = 0.3 * inch * styles.footer_size / 10
        self._title_w: float | None = None  # the title's balanced width, once found
        self.footer_h = self._footer_height()

    def frames(self) -> tuple[Frame, Frame]:
        w, h = self.size
        content_w = w - 2 * self.margin
        x = self.margin
        if self.options.large_print:
            # One column at one measure for everything (paragraphs, lists, panels): the
            # longest line allowed, centred on the paper, so the margins are even.
            content_w = min(content_w, MAX_LINE)
            x = (w - content_w) / 2
        band_h = self._band_layout()[0]
        bottom = self.margin + self.footer_h
        unpadded = {"leftPadding": 0, "rightPadding": 0, "topPadding": 0, "bottomPadding": 0}
        first = Frame(x, bottom, content_w, h - self.margin - self.footer_h - band_h - 0.1 * inch, id="first", **unpadded)
        later = Frame(x, bottom, content_w, h - 2 * self.margin - self.footer_h - self.light_h, id="later", **unpadded)
        return first, later

    def templates(self, probe: bool = False) -> list[PageTemplate]:
        """The first page's and the later pages' templates; a probe layout (which only
        counts pages) draws no headers, but still stops a handout that runs too long."""
        first, later = self.frames()
        return [
            PageTemplate(id="first", frames=[first], onPage=self.check_length if probe else self.first_header, autoNextPageTemplate="later"),
            PageTemplate(id="later", frames=[later], onPage=self.check_length if probe else self.later_header),
        ]

    def _band_paragraphs(self, text_w: float) -> list[Paragraph]:
        """Clinic name and handout title, in the on-primary colour. (The subtitle goes
        into the PDF metadata; the page has no room to spare for it.)"""
        s = self.s
        paras = [s.para(self.clinic.name, s.band_clinic), s.para(self.doc.title, s.band_title)]
        paras[0].wrap(text_w, self.size[1])
        paras[1].wrap(self._title_width(paras[1], text_w), self.size[1])
        return paras

    def _title_width(self, title: Flowable, text_w: float) -> float:
        """The narrowest width that sets the title in as many lines as ``text_w`` does:
        its lines come out even, and the last is never one short word under a long one.
        (A binary search: a few wraps, each remembered per width.)"""
        if self._title_w is not None:
            return self._title_w
        lines = lambda w: round(title.wrap(w, self.size[1])[1] / title.style.leading)  # noqa: E731
        count = lines(text_w)
        low, high = text_w / 2 if count > 1 else text_w, text_w
        while high - low > 2:
            mid = (low + high) / 2
            low, high = (low, mid) if lines(mid) <= count else (mid, high)
        self._title_w = high
        return high

    def _band_layout(self) -> tuple[float, float, float]:
        """(band height, logo box size, text width) for page 1's header band."""
        w, _ = self.size
        logo_box = LOGO_BOX_INCHES * inch if self.clinic.brand.logo is not None else 0.0
        text_w = w - 2 * self.margin - (logo_box + 0.2 * inch if logo_box else 0)
        text_h = sum(p.height for p in self._band_paragraphs(text_w))
        # The colour runs to the paper's edge; the text starts at the top margin, where
        # every printer can print.
        return self.margin + max(text_h, logo_box) + 0.14 * inch, logo_box, text_w

    def sample_mark(self, canv: Canvas) -> None:
        """The demo clinic's mark: large, light, diagonal, under the page's content."""
        if not self.options.sample:
            return
        w, h = self.size
        family = self.s.stack.family_for("S") or self.s.stack.base
        with tagging.artifact(canv, "Pagination", "Watermark"):
            self._draw_sample_mark(canv, family, w, h)

    def _draw_sample_mark(self, canv: Canvas, family: FontFamily, w: float, h: float) -> None:
        canv.saveState()
        canv.setFillColor(mix(self.s.palette.alert, white, 0.72))
        canv.translate(w / 2, h / 2)
        canv.rotate(35)
        canv.setFont(family.face(bold=True), 40)
        canv.drawCentredString(0, -14, SAMPLE_MARK)
        canv.restoreState()

    def first_header(self, canv: Canvas, _doc) -> None:
        self.sample_mark(canv)
        w, h = self.size
        band_h, logo_box, text_w = self._band_layout()
        canv.saveState()
        with tagging.artifact(canv):
            canv.setFillColor(self.s.palette.primary)
            canv.rect(0, h - band_h, w, band_h, stroke=0, fill=1)
        if logo_box:
            with tagging.figure(canv, self.doc.logo_alt % {"clinic": self.clinic.name}):
                self._draw_logo(canv, logo_box, band_h)
        x = self.margin if self.s.rtl or not logo_box else self.margin + logo_box + 0.2 * inch
        paras = self._band_paragraphs(text_w)
        text_h = sum(p.height for p in paras)
        y = h - self.margin - (max(text_h, logo_box) - text_h) / 2
        # The clinic's name is in the clinic's language (its first), the title in the handout's.
        clinic_lang = str(self.clinic.languages[0]).replace("_", "-") if self.clinic.languages else ""
        for para, lang in zip(paras, (clinic_lang, "")):
            y -= para.height
            # A balanced title is narrower than the band's text: right-to-left, it keeps
            # to the right edge.
            with tagging.language(canv, lang) if lang else nullcontext():
                para.drawOn(canv, x + text_w - para.width if self.s.rtl else x, y)
        canv.restoreState()

    def _draw_logo(self, canv: Canvas, box: float, band_h: float) -> None:
        """The logo, scaled into its box in the band; SVGs replay recorded operators."""
        w, h = self.size
        path = self.clinic.brand.logo
        assert path is not None  # the band has a logo box only with a logo
        recorded = recorded_svg(path) if path.suffix.lower() == ".svg" else None
        if recorded is not None:
            lw, lh = recorded.width, recorded.height
        else:
            logo = read_logo(path)
            lw, lh = logo_size(logo)
        scale = min(box / lw, box / lh)
        ly = h - self.margin - box / 2 - lh * scale / 2
        lx = w - self.margin - lw * scale if self.s.rtl else self.margin
        if recorded is not None:
            recorded.draw(canv, lx, ly, scale, grayscale=self.options.grayscale)
        elif not hasattr(logo, "getSize"):  # a Drawing that could not be recorded
            canv.saveState()
            canv.translate(lx, ly)
            canv.scale(scale, scale)
            draw_drawing(logo, canv, 0, 0, self.s.family.face())
            canv.restoreState()
        else:
            if self.options.grayscale:
                from reportlab.lib.utils import ImageReader

                logo = ImageReader(internals.pil_image(logo).convert("LA"))
            canv.drawImage(logo, lx, ly, lw * scale, lh * scale, mask="auto")

    def check_length(self, canv: Canvas, _doc) -> None:
        """Stop a handout that runs past :data:`MAX_PAGES` (a template gone wrong)."""
        if canv.getPageNumber() > MAX_PAGES:
            raise ContentError(
                f"{self.doc.title}: the handout runs past {MAX_PAGES} pages (a handout is 2, 7 in large print); "
                "shorten the template's text"
            )

    def later_header(self, canv: Canvas, _doc) -> None:
        self.sample_mark(canv)
        self.check_length(canv, _doc)
        with tagging.artifact(canv, "Pagination", "Header"):
            self._draw_later_header(canv)

    def _draw_later_header(self, canv: Canvas) -> None:
        w, h = self.size
        p = self.s.palette
        canv.saveState()
        canv.setFillColor(p.primary)
        canv.rect(0, h - 0.12 * inch, w, 0.12 * inch, stroke=0, fill=1)
        style = self.s.running_head
        para = self.s.para((m.Run(self.doc.title), m.Run("  ·  "), m.Run(self.clinic.name)), style)
        _, ph = para.wrap(w - 2 * self.margin, self.light_h)
        if self.options.large_print and ph > style.leading * 1.5:
            # One line, as the footer: a second would run into the rule under it. The
            # clinic's name is in page 1's band.
            para = self.s.para(self.doc.title, style)
            _, ph = para.wrap(w - 2 * self.margin, self.light_h)
        para.drawOn(canv, self.margin, h - self.margin - ph)
        canv.setStrokeColor(mix(p.primary, white, 0.6))
        canv.setLineWidth(0.8)
        canv.line(self.margin, h - self.margin - self.light_h + 0.12 * inch, w - self.margin, h - self.margin - self.light_h + 0.12 * inch)
        canv.restoreState()

    def _footer_paragraphs(self, page_text: str) -> tuple[Flowable, Flowable, float]:
        """The footer's two parts and the width left for the clinic part."""
        size = self.s.footer_size
        style = self.s.footer
        width = self.size[0] - 2 * self.margin - 1.4 * inch * size / 10
        left = self.s.para((m.Run(self.clinic.name), m.Run("  ·  "), m.Run(self.doc.footer)), style)
        if self.options.large_print and left.wrap(width, 1e6)[1] > style.leading * 1.5:
            # The footer stays one line: the clinic's name is in the band of page 1 and
            # the running head of every later page already.
            left = self.s.para(self.doc.footer, style)
        right = self.s.para(page_text, self.s.footer_page)
        return left, right, width

    def _footer_height(self) -> float:
        """Room for the footer, measured: a long clinic name or large print wraps it."""
        left, _, width = self._footer_paragraphs(self.doc.page_pattern % {"page": 99, "total": 99})
        return max(0.32 * inch, left.wrap(width, 1e6)[1] + 0.18 * inch)

    def footer(self, canv: Canvas, page_text: str) -> None:
        with tagging.artifact(canv, "Pagination", "Footer"):
            self._draw_footer(canv, page_text)

    def _draw_footer(self, canv: Canvas, page_text: str) -> None:
        w, _ = self.size
        p = self.s.palette
        canv.saveState()
        canv.setStrokeColor(mix(p.primary, white, 0.6))
        canv.setLineWidth(0.8)
        y = self.margin + self.footer_h - 0.12 * inch
        canv.line(self.margin, y, w - self.margin, y)
        left, right, left_w = self._footer_paragraphs(page_text)
        rw = w - 2 * self.margin - left_w
        left.wrap(left_w, self.footer_h)
        right.wrap(rw, self.footer_h)
        base = self.margin + 0.06 * inch
        if self.s.rtl:  # style.alignment is already right-aligned for RTL
            left.drawOn(canv, self.margin + rw, base)
            right.drawOn(canv, self.margin, base)
        else:
            left.drawOn(canv, self.margin, base)
            right.drawOn(canv, w - self.margin - rw, base)
        canv.restoreState()
