"""Branding: colours, the clinic logo and the website QR code, as ReportLab objects.

Expensive objects (parsed logos, QR drawings) are cached per process: a batch run draws
the same logo and QR code on thousands of pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import Color, HexColor, white

from .errors import HandoutsError

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


@lru_cache(maxsize=16)
def read_logo(path: Path) -> Drawing | object:
    """A drawable for the logo: a Drawing for SVG, an ImageReader for bitmaps."""
    if path.suffix.lower() == ".svg":
        from svglib.svglib import svg2rlg

        try:
            drawing = svg2rlg(str(path))
        except Exception as exc:  # svglib raises lxml and parser errors of many kinds
            raise LogoError(f"not a valid SVG ({exc.__class__.__name__})") from None
        if drawing is None or not drawing.width or not drawing.height:
            raise LogoError("not a valid SVG (no size or nothing to draw)")
        return drawing
    from reportlab.lib.utils import ImageReader

    try:
        reader = ImageReader(str(path))
        width, height = reader.getSize()
    except Exception as exc:  # PIL raises UnidentifiedImageError, OSError, ...
        raise LogoError(f"not a readable image ({exc.__class__.__name__})") from None
    if not width or not height:
        raise LogoError("the image is empty")
    return reader


def logo_size(logo: object) -> tuple[float, float]:
    """Natural width and height of a logo returned by :func:`read_logo`."""
    if isinstance(logo, Drawing):
        return float(logo.width), float(logo.height)
    width, height = logo.getSize()  # type: ignore[attr-defined]
    return float(width), float(height)


@lru_cache(maxsize=64)
def qr_drawing(url: str, size: float) -> Drawing:
    """A QR code for ``url``, ``size`` points square.

    Encoding is the slowest step of a whole handout build, hence the cache.
    """
    from reportlab.graphics.barcode.qr import QrCodeWidget

    widget = QrCodeWidget(url, barLevel="M", barWidth=size, barHeight=size)
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


_RECORDED: dict[tuple, list[str] | None] = {}


def draw_drawing(drawing: Drawing, canv, x: float, y: float, font: str, key: tuple | None = None) -> None:  # noqa: ANN001
    """Draw a ReportLab Drawing (QR code, SVG logo) without pulling in Helvetica.

    With a ``key``, the drawing's PDF operators are recorded once per process and
    replayed: rendering a QR code's hundreds of modules through renderPDF costs more
    than the rest of page 2. Only drawings that use no page resources (fonts, images,
    transparency) are recorded; the others are drawn every time.
    """
    from reportlab.graphics import renderPDF

    if key is not None:
        ops = _RECORDED.get(key)
        if key not in _RECORDED:
            ops = _record(drawing, font)
            _RECORDED[key] = ops
        if ops is not None:
            canv.saveState()
            canv.translate(x, y)
            canv._code.extend(ops)  # noqa: SLF001 (ReportLab has no public way to replay ops)
            canv.restoreState()
            return
    with _drawing_font(font):
        renderPDF.draw(drawing, canv, x, y)


def _record(drawing: Drawing, font: str) -> list[str] | None:
    """The operators renderPDF writes for a drawing, or None if they use resources."""
    import io

    from reportlab.graphics import renderPDF
    from reportlab.pdfgen.canvas import Canvas

    scratch = Canvas(io.BytesIO(), initialFontName=font)
    start = len(scratch._code)  # noqa: SLF001
    with _drawing_font(font):
        renderPDF.draw(drawing, scratch, 0, 0)
    ops = list(scratch._code[start:])  # noqa: SLF001
    text = "\n".join(ops)
    if any(marker in text for marker in (" Tf", " Do", " gs", "/Pattern", " sh")):
        return None
    return ops
