"""Branding: colours, the clinic logo and the website QR code, as ReportLab objects.

Parsed logos and recorded QR codes are reused through :mod:`handouts.speed.drawings`:
a batch run draws the same logo and QR code on thousands of pages.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reportlab.lib.colors import Color, HexColor, white

from . import internals
from .errors import HandoutsError

if TYPE_CHECKING:  # reportlab.graphics is slow to import; only drawing needs it
    from reportlab.graphics.shapes import Drawing

INK = HexColor("#1A1A1A")  # body text: near-black reads softer than pure black
MUTED = HexColor("#4A4A4A")  # footer and secondary text; 8.9:1 on white


class LogoError(HandoutsError):
    """The logo file exists but cannot be drawn."""


def relative_luminance(colour: Color) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.red) + 0.7152 * channel(colour.green) + 0.0722 * channel(colour.blue)


def contrast_ratio(a: Color, b: Color) -> float:
    """WCAG contrast ratio between two colours (1.0 to 21.0)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def mix(colour: Color, other: Color, amount: float) -> Color:
    """``amount`` of ``other`` blended into ``colour`` (0 keeps ``colour``)."""
    return Color(
        colour.red + (other.red - colour.red) * amount,
        colour.green + (other.green - colour.green) * amount,
        colour.blue + (other.blue - colour.blue) * amount,
    )


def grey(colour: Color) -> Color:
    """The colour as a grey of the same luminance (for grayscale printing)."""
    y = relative_luminance(colour) ** (1 / 2.2)
    return Color(y, y, y)


@dataclass(frozen=True)
class Palette:
    """The colours a handout uses, derived from the clinic's two brand colours."""

    primary: Color
    accent: Color
    on_primary: Color  # text drawn on the primary band: white or ink, whichever contrasts more
    heading: Color  # primary, darkened until it reads on white
    alert: Color  # accent, darkened until white text on it reads (emergency panels)
    tint: Color  # pale primary behind the Key points box
    accent_tint: Color
    ink: Color = INK
    muted: Color = MUTED

    def grayscale(self) -> Palette:
        """Every colour as the grey of the same luminance (for black-and-white printers).
        Tiers stay apart by their words and icon shapes; text keeps its contrast."""
        g = {name: grey(getattr(self, name)) for name in ("primary", "accent", "heading", "alert", "tint", "accent_tint", "ink", "muted")}
        on_primary = white if contrast_ratio(white, g["primary"]) >= contrast_ratio(INK, g["primary"]) else INK
        return Palette(on_primary=on_primary, **g)

    @classmethod
    def from_hex(cls, primary: str, accent: str) -> Palette:
        p, a = HexColor(primary), HexColor(accent)
        on_primary = white if contrast_ratio(white, p) >= contrast_ratio(INK, p) else INK
        # Headings are large text (>= 3:1) but we hold them to the body-text bar, and
        # white text on the emergency panel likewise; pale brand colours get darkened.
        heading, alert = _readable_on_white(p), _readable_on_white(a)
        return cls(
            primary=p,
            accent=a,
            on_primary=on_primary,
            heading=heading,
            alert=alert,
            tint=mix(p, white, 0.88),
            accent_tint=mix(a, white, 0.9),
        )


def _readable_on_white(colour: Color) -> Color:
    """The colour, darkened towards ink until it has 4.5:1 contrast with white."""
    while contrast_ratio(colour, white) < 4.5:
        colour = mix(colour, INK, 0.15)
    return colour


def read_logo(path: Path, data: bytes | None = None) -> Drawing | object:
    """A drawable for the logo: a Drawing for SVG, an ImageReader for bitmaps; reused
    while the file's bytes (``data``, if already read) are the same."""
    from .speed import drawings

    if data is None:
        data = _logo_bytes(path)
    return drawings.logo(path, data, lambda: _read_logo(path, data))


def _logo_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise LogoError(f"cannot read ({exc.strerror})") from None


def _shipped_font_map() -> object:
    """svglib's font map, made to answer every font an SVG names with Atkinson
    Hyperlegible (bold for bold weights): text in a logo is drawn in a font handouts
    ships, embedded and subset, never in a system font fontconfig happens to find (it
    differs per machine) or a standard PDF font that is not embedded at all."""
    from svglib.fonts import FontMap

    from . import fonts

    class ShippedFonts(FontMap):  # type: ignore[misc]
        def find_font(self, font_name: str, weight: str = "normal", style: str = "normal") -> tuple[str, bool]:
            family = fonts.register(fonts.pypi_family("atkinson"))
            return family.face(bold=str(weight).lower() in ("bold", "bolder", "600", "700", "800", "900")), False

    return ShippedFonts()


def _set_text_fonts(drawing: Drawing) -> None:
    """Give each text of an SVG logo the first shipped face that has all its letters (a
    clinic name in Greek or Chinese). Text that needs shaping or right-to-left ordering
    (Arabic, Hebrew, Devanagari), or letters from two faces, cannot be drawn right by
    svglib: the clinic is asked to convert it to outlines."""
    import unicodedata

    from reportlab.graphics.shapes import Group, String

    from . import fonts

    def strings(node: object) -> Iterator[String]:
        if isinstance(node, String):
            yield node
        elif isinstance(node, Group):
            for child in node.contents:
                yield from strings(child)

    latin = fonts.stack_for("en")
    for node in strings(drawing):
        text = fonts.typeset(node.text)
        letters = [c for c in text if not c.isspace()]
        if not letters:
            continue
        outlines = "convert the logo's text to outlines (in Inkscape: Path > Object to Path)"
        if any(unicodedata.bidirectional(c) in ("R", "AL") or "DEVANAGARI" in unicodedata.name(c, "") for c in letters):
            raise LogoError(f"the text {text[:40]!r} needs shaping or right-to-left ordering that SVG text cannot get here; {outlines}")
        try:
            stack = fonts.covering(latin, [text])
        except HandoutsError as exc:
            raise LogoError(f"the text {text[:40]!r}: {exc}; {outlines}") from None
        bold = node.fontName.endswith("-Bold")
        family = next((f for f in stack.families if all(ord(c) in internals.cmap(f.face(bold=bold)) for c in letters)), None)
        if family is None:
            raise LogoError(f"the text {text[:40]!r} needs letters from more than one font; {outlines}")
        node.text = text
        node.fontName = family.face(bold=bold)


def _read_logo(path: Path, data: bytes) -> Drawing | object:
    if path.suffix.lower() == ".svg":
        from svglib.svglib import svg2rlg

        try:
            drawing = svg2rlg(str(path), font_map=_shipped_font_map())
        except Exception as exc:  # svglib raises lxml and parser errors of many kinds
            raise LogoError(f"not a valid SVG ({exc.__class__.__name__})") from None
        if drawing is None or not drawing.width or not drawing.height:
            raise LogoError("not a valid SVG (no size or nothing to draw)")
        _set_text_fonts(drawing)
        return drawing
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    try:
        with warnings.catch_warnings():
            # Pillow warns on opening a huge image; the size check below says it in one line.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))  # the bytes the memo is keyed on
        with opened as image:
            width, height = image.size
            if width * height > MAX_LOGO_PIXELS:  # checked before decoding a byte of it
                raise LogoError(f"{width:,} × {height:,} pixels is too large; save it at most 2,000 pixels wide")
            image.load()  # decode it all now: a truncated file fails here, not in the middle of a PDF
            printed = logo_pixels()
            if max(width, height) > printed:
                # 300 dpi at the size it prints: a 50 MB photo would otherwise go into every handout.
                image.thumbnail((printed, printed), Image.Resampling.LANCZOS)
            if image.mode not in ("RGB", "RGBA", "L", "LA"):
                image = image.convert("RGBA" if "transparency" in image.info or image.mode in ("P", "PA") else "RGB")
            else:
                image = image.copy()
    except LogoError:
        raise
    except Exception as exc:  # PIL raises UnidentifiedImageError, OSError, ...
        raise LogoError(f"not a readable image ({exc.__class__.__name__}: {exc})") from None
    if not width or not height:
        raise LogoError("the image is empty")
    return ImageReader(image)


#: The logo's box in the header band, in inches; bitmaps are kept at 300 dpi for it.
LOGO_BOX_INCHES = 0.62
MAX_LOGO_PIXELS = 40_000_000


def logo_pixels() -> int:
    """The longest side a bitmap logo needs: 300 dpi across its box."""
    return round(LOGO_BOX_INCHES * 300)


def logo_size(logo: object) -> tuple[float, float]:
    """Natural width and height of a logo returned by :func:`read_logo`."""
    if hasattr(logo, "width") and hasattr(logo, "height") and not hasattr(logo, "getSize"):
        return float(logo.width), float(logo.height)
    width, height = logo.getSize()  # type: ignore[attr-defined]
    return float(width), float(height)


def qr_drawing(url: str, size: float) -> Drawing:
    """A QR code for ``url``, ``size`` points square (encoding it is the slowest step
    of a whole handout build: :func:`recorded_qr` keeps its operators)."""
    from reportlab.graphics.barcode.qr import QrCodeWidget

    widget = QrCodeWidget(url, barLevel="M", barWidth=size, barHeight=size)
    from reportlab.graphics.shapes import Drawing

    drawing = Drawing(size, size)
    drawing.add(widget)
    return drawing


@contextmanager
def _drawing_font(font: str) -> Iterator[None]:
    """Make ``font`` the default of ReportLab graphics while drawing.

    renderPDF opens every drawing by selecting its default font, Helvetica, which then
    sits in the PDF unembedded even though no text uses it.
    """
    from reportlab.graphics import shapes

    defaults = shapes.STATE_DEFAULTS
    old = dict.__getitem__(defaults, "fontName")
    defaults["fontName"] = font
    try:
        yield
    finally:
        defaults["fontName"] = old


@dataclass(frozen=True)
class Recorded:
    """A vector drawing as the PDF operators that draw it, recorded once."""

    width: float
    height: float
    ops: tuple[str, ...]

    def draw(self, canv, x: float, y: float, scale: float = 1.0, grayscale: bool = False) -> None:  # noqa: ANN001
        canv.saveState()
        canv.translate(x, y)
        if scale != 1.0:
            canv.scale(scale, scale)
        ops = [_RGB.sub(_grey_op, op) for op in self.ops] if grayscale else self.ops
        internals.replay(canv, ops)
        canv.restoreState()


_RGB = re.compile(r"([\d.]+) ([\d.]+) ([\d.]+) (rg|RG)\b")


def _grey_op(match: re.Match) -> str:
    """An RGB colour operator as the grey of the same luminance."""
    r, g, b = (float(match.group(i)) for i in (1, 2, 3))
    y = grey(Color(r, g, b)).red
    return f"{y:.4f} {y:.4f} {y:.4f} {match.group(4)}"


_EMPTY_TEXT = re.compile(r"BT /F\d+(\+\d+)? [\d.]+ Tf [\d.]+ TL ET")


def recorded_qr(url: str, size: float) -> Recorded:
    """The website QR code, recorded (vector rectangles only, so always replayable)."""
    from .speed import drawings

    recorded = drawings.recorded(f"qr|{url}|{size}|M".encode(), lambda: record(qr_drawing(url, size)))
    assert recorded is not None
    return recorded


def recorded_svg(path: Path) -> Recorded | None:
    """An SVG logo, recorded (None when it cannot be replayed; see :func:`record`).
    Raises LogoError for a file svglib cannot read."""
    from .speed import drawings

    data = _logo_bytes(path)
    return drawings.recorded(b"svg|" + data, lambda: record(read_logo(path, data)))  # type: ignore[arg-type]


def draw_drawing(drawing: Drawing, canv, x: float, y: float, font: str) -> None:  # noqa: ANN001
    """Draw a ReportLab Drawing directly (one that cannot be recorded)."""
    from reportlab.graphics import renderPDF

    with _drawing_font(font):
        renderPDF.draw(drawing, canv, x, y)


def record(drawing: Drawing) -> Recorded | None:
    """The operators renderPDF writes for a drawing, or None if they use page
    resources (fonts, images, transparency) or draw text, and so cannot be replayed."""
    import io

    from reportlab.graphics import renderPDF
    from reportlab.pdfgen.canvas import Canvas

    scratch = Canvas(io.BytesIO())
    start = len(internals.operators(scratch))
    renderPDF.draw(drawing, scratch, 0, 0)
    # renderPDF selects a default font in an empty text block ("BT /F1 10 Tf 12 TL ET"):
    # it draws nothing, but would drag an unembedded Helvetica into the page.
    ops = [op for op in internals.operators(scratch)[start:] if not _EMPTY_TEXT.fullmatch(op.strip())]
    # Text (a text block without its font selection is a broken page), and anything that
    # refers to the page's resources (fonts, images, transparency, shadings).
    from .speed.shapes import replayable

    if not replayable(ops) or any(marker in op for op in ops for marker in (" Tj", " TJ", "BT")):
        return None
    return Recorded(float(drawing.width), float(drawing.height), tuple(ops))
