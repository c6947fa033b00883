"""handouts.tagcheck: reading a PDF back for what PDF/UA-1 asks of its tagging."""

from __future__ import annotations

import datetime as dt
import io
import json

from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen.canvas import Canvas

from handouts import api, tagcheck

VISIT = dt.date(2026, 12, 1)


def handout() -> bytes:
    return api.render_pdf("botox-neck", lang="es", provider="dr-rivera", visit_date=VISIT)


def rewritten(pdf: bytes, change) -> bytes:  # noqa: ANN001
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_handout_has_no_problems():
    assert tagcheck.problems(handout()) == []


def test_an_untagged_pdf_is_one_line():
    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.drawString(72, 72, "Hello")
    canvas.save()
    assert tagcheck.problems(out.getvalue()) == ["not tagged: no structure tree (/StructTreeRoot)"]


def test_content_outside_marked_content_is_found():
    def unmark_footer(writer: PdfWriter) -> None:
        page = writer.pages[0]
        contents = page.get_contents()
        data = contents.get_data()
        footer = b"/Artifact <</Type /Pagination /Subtype /Footer>> BDC"
        assert footer in data
        contents.set_data(data.replace(footer, b"/Span <<>> BDC"))
        page.replace_contents(contents)

    found = tagcheck.problems(rewritten(handout(), unmark_footer))
    assert len(found) == 1 and found[0].startswith("page 1: ") and "outside marked content" in found[0]


def test_a_figure_without_alternative_text_and_missing_flags_are_found():
    stripped = []

    def strip(writer: PdfWriter) -> None:
        root = writer.root_object
        del root["/MarkInfo"]
        del root["/ViewerPreferences"]
        for page in writer.pages:
            del page["/Tabs"]
        stack = [root["/StructTreeRoot"]["/K"]]
        while stack:
            node = stack.pop().get_object()
            if isinstance(node, list):
                stack += node
            elif hasattr(node, "get"):
                if node.get("/S") == "/Figure":
                    del node["/Alt"]
                    stripped.append(node)
                kids = node.get("/K")
                if kids is not None:
                    stack.append(kids)

    found = tagcheck.problems(rewritten(handout(), strip))
    assert "/MarkInfo /Marked is not true" in found
    assert "/ViewerPreferences /DisplayDocTitle is not true" in found
    assert "page 1: tab order (/Tabs) does not follow the structure" in found
    # the logo, the timeline, the QR code, and the drawn bullets and tick boxes
    assert len(stripped) > 3
    assert found.count("a figure has no alternative text (/Alt)") == len(stripped)


def test_check_reports_a_handout_whose_tagging_fails(cli, monkeypatch):
    ok = json.loads(cli("check", "--procedure", "botox-neck", "--lang", "en", "--json").stdout)
    row = next(f for f in ok["findings"] if f["check"] == "tagged PDF")
    assert row["level"] == "ok"
    # A build that writes no structure tree (the tree's last step skipped):
    monkeypatch.setattr("handouts.tagging.finish", lambda *args, **kwargs: None)
    result = cli("check", "--procedure", "botox-neck", "--lang", "en", "--json")
    assert result.exit_code == 1
    row = next(f for f in json.loads(result.stdout)["findings"] if f["check"] == "tagged PDF")
    assert row["level"] == "error" and row["detail"].startswith("not tagged")
