"""Pages of a PDF as PNG images, for the preview, without touching the disk.

Poppler's ``pdftoppm`` reads the PDF on its standard input and writes every page, one
PNG after the other, to its standard output; the PNGs are split apart here by their
chunk structure. The PDF holds the patient's name, so it never goes to a file.
"""

from __future__ import annotations

import shutil
import struct
import subprocess

from ..errors import HandoutsError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class PreviewError(HandoutsError):
    """The pages could not be drawn (pdftoppm missing, failing or too slow)."""


def split_pngs(data: bytes) -> list[bytes]:
    """PNG files written one after the other, as separate files. Each runs from its
    signature through its IEND chunk."""
    images = []
    pos = 0
    while pos < len(data):
        if data[pos : pos + 8] != PNG_SIGNATURE:
            raise PreviewError("pdftoppm wrote something that is not a PNG image")
        start, pos = pos, pos + 8
        while True:
            if pos + 8 > len(data):
                raise PreviewError("pdftoppm's output ended in the middle of an image")
            length, kind = struct.unpack(">I4s", data[pos : pos + 8])
            pos += 12 + length  # length, type, data, CRC
            if kind == b"IEND":
                break
        if pos > len(data):
            raise PreviewError("pdftoppm's output ended in the middle of an image")
        images.append(data[start:pos])
    return images


def page_images(pdf: bytes, dpi: int = 96, timeout: float = 30.0) -> list[bytes]:
    """Every page of ``pdf`` as a PNG at ``dpi``."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise PreviewError("the preview needs pdftoppm, which is not installed; on Debian or Ubuntu: apt-get install poppler-utils")
    try:
        result = subprocess.run([tool, "-png", "-r", str(dpi), "-"], input=pdf, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise PreviewError(f"drawing the preview took more than {timeout:g} seconds") from None
    if result.returncode != 0 or not result.stdout:
        # pdftoppm's messages are about the file's structure, never its text.
        reason = result.stderr.decode(errors="replace").strip().splitlines()
        raise PreviewError(f"pdftoppm could not draw the pages ({reason[-1] if reason else 'exit code ' + str(result.returncode)})")
    return split_pngs(result.stdout)
