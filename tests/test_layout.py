"""Open the generated PDF and check what a reader (or a print shop) would check."""

from __future__ import annotations

import datetime as dt
import functools
import re
import subprocess
from pathlib import Path

import pdfplumber
import pytest
from pypdf import PdfReader

from .conftest import DEMO_DATE, page_texts, pdf_text

SECTION_HEADINGS = [
    "Key points",
    "How the treatment works",
    "Who it may help",
    "Before each treatment",
    "During the procedure",
    "After: what to expect",
    "Side effects",
    "Common and mild",
    "Call the clinic",
    "Get emergency help now",
    "Your Medication Guide",
    "Your care team",
    "Check your understanding",
]


@pytest.fixture(scope="module")
def demo_pdf(tmp_path_factory) -> Path:
    from click.testing import CliRunner

    from handouts.cli import main

    out = tmp_path_factory.mktemp("demo") / "demo.pdf"
    result = CliRunner().invoke(
        main,
        ["generate", "botox-neck", "--provider", "dr-rivera", "--patient", "Pat Example", "--visit-date", DEMO_DATE, "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize(("paper", "size"), [("letter", (612, 792)), ("a4", (595.28, 841.89))])
def test_two_pages_of_the_right_size(cli, tmp_path, paper, size):
    assert cli("generate", "botox-neck", "--visit-date", DEMO_DATE, "--paper", paper, "-o", "h.pdf").exit_code == 0
    reader = PdfReader(str(tmp_path / "h.pdf"))
    assert len(reader.pages) == 2
    for page in reader.pages:
        assert (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2)) == size


def test_every_section_heading_is_there_in_order(demo_pdf):
    text = pdf_text(demo_pdf)
    positions = [text.find(h) for h in SECTION_HEADINGS]
    assert all(p >= 0 for p in positions), [h for h, p in zip(SECTION_HEADINGS, positions) if p < 0]


def test_clinic_provider_and_patient_details(demo_pdf):
    text = pdf_text(demo_pdf)
    for expected in [
        "Sample Neck & Spine Clinic (demo)",
        "Ana Rivera, MD",
        "(555) 010-0111",  # provider's direct line
        "(555) 010-0100",  # daytime
        "(555) 010-0199",  # after hours
        "100 Example Avenue, Suite 200",
        "clinic.example.org/neck-care",
        "Pat Example",
        "call 911",
    ]:
        assert expected in text, expected


def test_timeline_has_cldr_dates_marked_typical(demo_pdf):
    text = pdf_text(demo_pdf)
    assert "Visit date: December 1, 2026" in text
    # Long dates, or the shorter ones the page budget may call for.
    assert re.search(r"Relief begins: Dec(ember)? 8 – 15, 2026", text.replace("\u2009", " "))
    assert re.search(r"Strongest effect: Dec(ember)? 29(, 2026)? – Jan(uary)? 12, 2027", text.replace("\u2009", " "))
    assert re.search(r"Next treatment: On or after Feb(ruary)? 23, 2027", text)
    assert "usual times, not promises" in text
    # The side-effects bar does not end the danger: the text says so (D18).
    assert re.search(r"Most side effects start: Dec(ember)? 1 – 8, 2026", text.replace("\u2009", " "))
    assert "Serious side effects can start weeks later" in text
    # A line to write the next visit on, with its earliest date (D16).
    assert re.search(r"Your next visit: Not before Feb(ruary)? 23, 2027\.", text)


def test_without_a_visit_date_there_are_lines_to_write_on(cli, tmp_path):
    assert cli("generate", "botox-neck", "-o", "blank.pdf").exit_code == 0
    text = pdf_text(tmp_path / "blank.pdf")
    assert "Relief begins: Week 1 to week 2" in text
    assert "2026" not in text.split("Content reviewed")[0]  # no calendar dates invented
    with pdfplumber.open(tmp_path / "blank.pdf") as pdf:
        page = pdf.pages[0]
        label = page.search("Visit date:")[0]
        # A ruled line to write on, to the right of the label, on the same baseline.
        rules = [ln for ln in page.lines if abs(ln["top"] - label["bottom"]) < 6 and ln["x0"] >= label["x1"]]
        assert rules and rules[0]["x1"] - rules[0]["x0"] > 72


def test_footer_on_every_page(demo_pdf):
    pages = page_texts(demo_pdf)
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert "Content reviewed November 20, 2026" in text
        assert "Sample Neck & Spine Clinic (demo)" in text


def test_fonts_embedded_and_subset(demo_pdf):
    reader = PdfReader(str(demo_pdf))
    fonts = {}
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            fonts[font["/BaseFont"]] = font
    assert fonts
    for name, font in fonts.items():
        assert "+" in name, f"{name} is not subset"
        assert "AtkinsonHyperlegible" in name
        assert "/FontFile2" in font["/FontDescriptor"], f"{name} is not embedded"


def test_pdffonts_and_qpdf_agree(demo_pdf):
    fonts = subprocess.run(["pdffonts", str(demo_pdf)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows), fonts
    check = subprocess.run(["qpdf", "--check", str(demo_pdf)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No syntax or stream encoding errors" in check.stdout


def test_body_text_is_at_least_12_point(demo_pdf):
    with pdfplumber.open(demo_pdf) as pdf:
        sizes = [round(c["size"], 1) for page in pdf.pages for c in page.chars]
        footer_top = pdf.pages[0].height - 0.9 * 72
        # Body text: below the running header of later pages, above the footer.
        body = [round(c["size"], 1) for page in pdf.pages for c in page.chars if c["top"] < footer_top and c["top"] > 0.85 * 72]
    assert min(body) >= 12, sorted(set(sizes))
    assert min(sizes) >= 10  # the running header and footer


def test_metadata(demo_pdf):
    reader = PdfReader(str(demo_pdf))
    meta = reader.metadata
    assert meta.title == "Botox injections for neck pain"
    assert meta.author == "Sample Neck & Spine Clinic (demo)"
    assert "botox-neck" in meta.subject
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert "Pat Example" not in str(dict(meta))


def test_left_aligned_and_within_margins(demo_pdf):
    with pdfplumber.open(demo_pdf) as pdf:
        for page in pdf.pages:
            xs = [c["x0"] for c in page.chars]
            assert min(xs) >= 36 - 0.5 and max(c["x1"] for c in page.chars) <= page.width - 36 + 0.5
            bottoms = [c["bottom"] for c in page.chars]
            assert max(bottoms) <= page.height - 36


def test_no_text_in_all_caps(demo_pdf):
    words = pdf_text(demo_pdf).split()
    shouty = [w for w in words if len(w) > 4 and w.isalpha() and w.isupper()]
    assert not shouty


def test_user_data_is_escaped_not_interpreted(cli, make_clinic, tmp_path):
    path = make_clinic(name="\"O'Brien & Sons <Spine> Clinic\"")
    result = cli("generate", "botox-neck", "--clinic", str(path), "--patient", "<b>Ann</b> & Co", "-o", "esc.pdf")
    assert result.exit_code == 0, result.stderr
    text = pdf_text(tmp_path / "esc.pdf")
    assert "O'Brien & Sons <Spine> Clinic" in text
    assert "<b>Ann</b> & Co" in text
    assert PdfReader(str(tmp_path / "esc.pdf")).metadata.author == "O'Brien & Sons <Spine> Clinic"


def test_same_inputs_give_identical_bytes(cli, tmp_path):
    args = ["generate", "botox-neck", "--provider", "dr-okafor", "--patient", "A B", "--visit-date", DEMO_DATE]
    assert cli(*args, "-o", "one.pdf").exit_code == 0
    assert cli(*args, "-o", "two.pdf").exit_code == 0
    assert (tmp_path / "one.pdf").read_bytes() == (tmp_path / "two.pdf").read_bytes()
    assert cli(*args[:-1], "2026-12-02", "-o", "three.pdf").exit_code == 0
    assert (tmp_path / "one.pdf").read_bytes() != (tmp_path / "three.pdf").read_bytes()


def test_clinic_png_logo_and_paper_setting(cli, make_clinic, tmp_path):
    path = make_clinic(paper="a4")
    assert cli("generate", "botox-neck", "--clinic", str(path), "-o", "c.pdf").exit_code == 0
    reader = PdfReader(str(tmp_path / "c.pdf"))
    assert round(float(reader.pages[0].mediabox.height)) == 842
    assert "/XObject" in reader.pages[0]["/Resources"]  # the PNG logo
    assert "Test Spine Clinic" in pdf_text(tmp_path / "c.pdf")


def test_renders_to_png(demo_pdf, tmp_path):
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(demo_pdf), str(tmp_path / "p")], check=True)
    assert sorted(p.name for p in tmp_path.glob("p-*.png")) == ["p-1.png", "p-2.png"]


def test_qr_code_scans_to_the_clinic_website(demo_pdf, tmp_path):
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "2", "-l", "2", str(demo_pdf), str(tmp_path / "q")], check=True)
    page = next(tmp_path.glob("q-*.png"))
    scan = subprocess.run(["zbarimg", "-q", "--raw", str(page)], capture_output=True, text=True)
    assert scan.stdout.strip() == "https://clinic.example.org/neck-care"


def test_large_print(cli, tmp_path):
    import re as _re

    from handouts.quality import _leading_ratios

    assert cli("generate", "botox-neck", "--large-print", "--visit-date", DEMO_DATE, "-o", "lp.pdf").exit_code == 0
    pdf = tmp_path / "lp.pdf"
    assert len(PdfReader(str(pdf)).pages) > 2  # pages grow; nothing shrinks
    with pdfplumber.open(pdf) as doc:
        body = [c for p in doc.pages for c in p.chars if 0.9 * 72 < c["top"] < p.height - 1.2 * 72 and c["text"].strip()]
        assert min(c["size"] for c in body) >= 16
        # One column: body lines start at the left margin all down the page, none in a
        # second column.
        assert not [c for c in body if c["x0"] > doc.pages[0].width / 2 and c["size"] == 18 and c["text"] == "•"]
    ratios = _leading_ratios(pdf.read_bytes())
    assert min(r for r in ratios) >= 1.49 or all(r >= 1.25 for r in ratios)
    assert _re.search(rb"18 Tf 27 TL", b"".join(p.get_contents().get_data() for p in PdfReader(str(pdf)).pages))


def test_grayscale_has_no_colour(cli, tmp_path):
    import re as _re

    assert cli("generate", "botox-neck", "--grayscale", "-o", "g.pdf").exit_code == 0
    data = b"".join(p.get_contents().get_data() for p in PdfReader(str(tmp_path / "g.pdf")).pages)
    colours = _re.findall(rb"([\d.]+) ([\d.]+) ([\d.]+) (?:rg|RG)", data)
    assert colours
    assert all(abs(float(r) - float(g)) < 0.01 and abs(float(g) - float(b)) < 0.01 for r, g, b in colours)
    text = pdf_text(tmp_path / "g.pdf")
    for tier in ("Common and mild", "Call the clinic", "Get emergency help now"):
        assert tier in text  # the tiers still differ by their words


@pytest.mark.usefixtures("caches_on")
def test_paragraph_line_breaks_are_remembered_per_width(monkeypatch):
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    from handouts.speed.paragraphs import CachedParagraph

    calls = []
    original = Paragraph.breakLines
    monkeypatch.setattr(Paragraph, "breakLines", lambda self, widths: calls.append(widths) or original(self, widths))
    para = CachedParagraph("A sentence long enough to wrap onto a second line at this width.", ParagraphStyle("t", fontName="Helvetica", fontSize=12, leading=15))
    narrow = para.wrap(150, 1000)
    assert para.wrap(1e6, 1000)[1] == 15  # one line when there is room
    assert para.wrap(150, 1000) == narrow and narrow[1] > 15
    assert len(calls) == 2  # the third wrap reused the first one's line breaks
    first, rest = para.split(150, 31)
    assert para.split(150, 31) == [first, rest]  # the same parts, not a second split
    assert len(first.blPara.lines) == 2




FORMAT_CHARACTERS = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u00ad"


@pytest.mark.parametrize("lang", ["en", "ar", "zh_Hans", "hi", "vi"])
def test_invisible_format_characters_in_a_name_are_not_drawn(lang, tmp_path):
    """Zero-width spaces, bidi marks and isolates pasted into a name: the handout is
    made (Arabic used to crash), and no character outside a font's glyphs is drawn."""
    import handouts
    from handouts import internals
    from handouts.fonts import stack_for

    name = "Ana" + FORMAT_CHARACTERS + " Rivera\u2068\u2069"
    pdf = tmp_path / "h.pdf"
    pdf.write_bytes(handouts.render_pdf("botox-neck", lang=lang, patient=name))
    text = pdf_text(pdf)
    if lang != "ar":  # Arabic's text layer is the subject of the accessibility issue
        # (a font that has the joiners draws them, with no width: Fira, Hind)
        assert "Ana Rivera" in "".join(c for c in text if c not in FORMAT_CHARACTERS)
    covered = set()
    for family in stack_for(lang).families:
        covered |= set(internals.cmap(family.face())) | set(internals.cmap(family.face(bold=True)))
    drawn = {ord(c) for c in text if not c.isspace()}
    assert not {c for c in drawn if c in {ord(x) for x in FORMAT_CHARACTERS} and c not in covered}


@pytest.mark.parametrize("accent", ["#B3261E", "#E4002B"])  # a red accent is a light grey
def test_grayscale_tiers_darken_and_weigh_more_with_urgency(tmp_path, accent):
    import io

    from handouts.config import load_clinic
    from handouts.model import Tier
    from handouts.pipeline import build, make_request

    clinic = load_clinic(None)
    clinic = clinic.__class__(**{**clinic.__dict__, "brand": clinic.brand.__class__(**{**clinic.brand.__dict__, "accent": accent})})
    handout = build(make_request(clinic, "botox-neck", "en", "dr-rivera"), grayscale=True)
    tiers = {b.level: b.title for s in handout.document.sections() for b in s.blocks if isinstance(b, Tier)}
    assert set(tiers) == {"mild", "call", "emergency"}
    grey, rule = {}, {}
    with pdfplumber.open(io.BytesIO(handout.pdf)) as pdf:
        for page in pdf.pages:
            for level, title in tiers.items():
                found = page.search(title.split()[0] + " " + title.split()[1])
                if not found or level in grey:
                    continue
                x, y = found[0]["x0"], found[0]["top"]
                around = [r for r in (*page.rects, *page.curves) if r["x0"] <= x <= r["x1"] and r["top"] <= y <= r["bottom"]]
                header = min((r for r in around if r["fill"]), key=lambda r: r["width"] * r["height"])
                grey[level] = sum(header["non_stroking_color"]) / len(header["non_stroking_color"])
                frames = [r["linewidth"] for r in around if r["stroke"] and not r["fill"]]
                rule[level] = max(frames) if frames else 0
    assert grey["emergency"] < grey["call"] < grey["mild"]
    assert rule["emergency"] > rule["call"] > rule["mild"]


def test_each_procedure_prints_its_own_web_page_and_qr_code(cli, tmp_path):
    # The demo clinic gives botox-migraine a page of its own ([websites]).
    assert cli("generate", "botox-migraine", "-o", "m.pdf").exit_code == 0
    assert "clinic.example.org/migraine-care" in pdf_text(tmp_path / "m.pdf")
    assert "neck-care" not in pdf_text(tmp_path / "m.pdf")
    # The QR code is with the care team, on the last page of the handout (before the diary).
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "3", "-l", "3", str(tmp_path / "m.pdf"), str(tmp_path / "q")], check=True)
    scan = subprocess.run(["zbarimg", "-q", "--raw", str(next(tmp_path.glob("q-*.png")))], capture_output=True, text=True)
    assert scan.stdout.strip() == "https://clinic.example.org/migraine-care"


def test_triage_tiers_say_where_trouble_swallowing_belongs(demo_pdf):
    text = pdf_text(demo_pdf)
    mild = text.split("Common and mild")[1].split("Call the clinic")[0]
    call = text.split("Call the clinic")[1].split("Get emergency help now")[0]
    emergency = text.split("Get emergency help now")[-1].split("Your Medication Guide")[0]
    assert "swallow" not in mild  # never "common and mild"
    assert "New trouble swallowing, even if mild" in call and "Eat soft foods" in call and "months" in call
    assert "Only itching, a rash or welts" in call and "rash" not in emergency
    assert "Choking" in emergency and "life-threatening" in emergency
    assert "Weakness in your arms, legs or whole body" in emergency
    assert "1-800-FDA-1088" in text and "www.fda.gov/medwatch" in text


def test_migraine_diary_is_a_page_of_its_own_after_the_handout(cli, tmp_path):
    from handouts.config import load_clinic
    from handouts.pipeline import build, make_request

    handout = build(make_request(load_clinic(None), "botox-migraine", "en", visit_date=dt.date(2026, 12, 1)))
    assert (handout.own_pages, handout.pages) == (3, 4)  # three sides and the diary: two sheets
    assert cli("generate", "botox-migraine", "--visit-date", DEMO_DATE, "--paper", "a4", "-o", "m.pdf").exit_code == 0
    pages = page_texts(tmp_path / "m.pdf")
    assert len(pages) == 4 and "Headache diary" in pages[3] and "Headache diary" not in pages[2]
    assert "Page 4 of 4" in pages[3] and all(f" {n} " in pages[3] for n in (1, 15, 31))
    assert "A drooping eyelid or eyebrow (about 1 in 25 people)" in "".join(pages[:3])


def test_without_a_visit_date_each_milestone_has_a_line_to_write_its_date(tmp_path):
    import io

    from handouts import render_pdf

    def write_in_lines(pdf: bytes) -> int:
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            return sum(
                1 for page in doc.pages for line in page.lines
                if abs(line["top"] - line["bottom"]) < 0.5 and abs((line["x1"] - line["x0"]) - 72) < 0.5
            )

    for proc, milestones in (("botox-neck", 5), ("botox-migraine", 4)):
        blank = render_pdf(proc, provider="dr-rivera")
        dated = render_pdf(proc, provider="dr-rivera", visit_date=dt.date(2026, 12, 1))
        assert write_in_lines(blank) == milestones
        assert write_in_lines(dated) == 0


@pytest.mark.parametrize("lang", ["en", "es", "ja", "vi", "ar"])
@pytest.mark.parametrize("large_print", [False, True])
def test_the_timeline_and_the_emergency_tier_never_split_and_a_continued_tier_says_so(lang, large_print):
    import unicodedata

    from handouts.config import load_clinic
    from handouts.model import Tier, Timeline
    from handouts.pipeline import build, make_request

    request = make_request(load_clinic(None), "botox-neck", lang, "dr-rivera", None, dt.date(2026, 12, 28))
    handout = build(request, large_print=large_print)
    doc = handout.document
    blocks = [b for s in doc.sections() for b in s.blocks]
    timeline = next(b for b in blocks if isinstance(b, Timeline))
    emergency = next(b for b in blocks if isinstance(b, Tier) and b.level == "emergency")
    pages = [" ".join(t.split()) for t in _page_texts_of(handout.pdf)]

    def on(text: str) -> list[int]:
        needle = "".join(unicodedata.normalize("NFKC", text).split())[:20]
        return [i for i, page in enumerate(pages) if needle in "".join(page.split())]

    # The chart's first and last milestones and its axis are on one page.
    first, last = timeline.milestones[0].label, timeline.milestones[-1].label
    assert on(first) and on(first) == on(last) == on(timeline.axis_label)
    # The emergency tier's first and last items are on one page, and no heading on any
    # page says the emergency tier goes on.
    from handouts.model import plain

    items = [plain(b.runs) if hasattr(b, "runs") else plain(b.items[0]) for b in emergency.blocks]
    assert on(items[0]) and on(items[0]) == on(items[-1] if not hasattr(emergency.blocks[-1], "items") else plain(emergency.blocks[-1].items[-1]))
    assert f"{emergency.title} {doc.continued}" not in " ".join(pages)


def _page_texts_of(pdf: bytes) -> list[str]:
    """Each page's text as poppler reads it (right-to-left lines in logical order), NFKC
    and without format characters."""
    import unicodedata

    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    text = "".join(c for c in unicodedata.normalize("NFKC", text) if unicodedata.category(c) != "Cf")
    return text.split("\f")[:-1]


def test_a_tier_that_goes_on_in_the_next_column_says_continued():
    # Somewhere among the translated handouts a tier runs on into the next column; its
    # continuation is headed "<title> (continued)" in the handout's language. A tier moves
    # whole where it fits the next column: these split to keep a page (Hindi's neck
    # handout keeps its two pages; in large print, whole, they would take a page more or
    # leave one short).
    from handouts.config import load_clinic
    from handouts.model import Tier
    from handouts.pipeline import build, make_request

    found = []
    for lang, large_print in (("hi", False), ("en", True), ("ja", True)):
        handout = build(make_request(load_clinic(None), "botox-neck", lang, "dr-rivera", None, dt.date(2026, 12, 28)), large_print=large_print)
        text = "".join("".join(_page_texts_of(handout.pdf)).split())
        for tier in (b for s in handout.document.sections() for b in s.blocks if isinstance(b, Tier)):
            if "".join(f"{tier.title} {handout.document.continued}".split()) in text:
                found.append((lang, tier.level))
    assert found and all(level != "emergency" for _, level in found)


def whole_tier_pages(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The own pages of every layout a build tries with its tiers kept whole (each
    attempt of the page-budget search, probed or drawn), in the order tried."""
    from handouts import fitting

    seen: list[int] = []
    real = fitting.lay_out

    def spy(*args, split_tiers=False, **kwargs):  # noqa: ANN002, ANN003, ANN202
        result = real(*args, split_tiers=split_tiers, **kwargs) if split_tiers else real(*args, **kwargs)
        if not split_tiers:
            seen.append(result[2])
        return result

    monkeypatch.setattr(fitting, "lay_out", spy)
    return seen


def needless_splits(pdf: bytes, own: int, rtl: bool) -> list[dict]:
    """The tiers that go on in another column although they fit that column whole (read
    from the boxes' heights, with 2 points for what reading them back may be off by)."""
    import io

    from .pdfpages import tier_splits

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [s for s in tier_splits(doc.pages[:own], rtl) if s["whole"] <= s["column"] - 2]


@pytest.mark.parametrize("paper", ["letter", "a4"])
@pytest.mark.parametrize("procedure", ["botox-neck", "botox-migraine"])
@pytest.mark.parametrize("lang", ["en", "es", "vi", "ru", "fil", "ht", "pt_BR", "fr", "pl", "ko", "ar", "hi", "ja", "zh_Hans", "zh_Hant"])
def test_a_tier_that_fits_the_next_column_moves_there_whole(procedure, lang, paper, monkeypatch):
    # Issue 14, item 2: a side-effect tier that does not fit the space left in a column
    # but fits the next one moves there whole; it goes on under "(continued)" only when
    # it is taller than the column it goes on in, or as the last resort that keeps a page
    # (every layout tried with whole tiers took a page more). Vietnamese and Japanese neck,
    # Hindi and Vietnamese migraine split a tier that fitted the next column.
    from handouts.config import load_clinic
    from handouts.pipeline import build, make_request

    whole = whole_tier_pages(monkeypatch)
    handout = build(make_request(load_clinic(None), procedure, lang, "dr-rivera", None, dt.date(2026, 12, 28)), paper=paper)
    needless = needless_splits(handout.pdf, handout.own_pages, lang == "ar")
    if needless:
        assert whole and min(whole) > handout.own_pages, (needless, handout.own_pages, whole)


def test_the_last_page_balances_its_columns():
    # Haitian Creole's neck handout ends with the care team and the teach-back: they share
    # the last page's two columns instead of one column beside an empty one.
    import io

    from handouts import render_pdf

    pdf = render_pdf("botox-neck", lang="ht", provider="dr-rivera", visit_date=dt.date(2026, 12, 28))
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[-1]
        middle = page.width / 2
        body = [c for c in page.chars if 60 < c["top"] < page.height - 60]
        left = [c for c in body if c["x1"] < middle]
        right = [c for c in body if c["x0"] > middle]
        assert left and right
        depth = lambda chars: max(c["bottom"] for c in chars)  # noqa: E731
        assert abs(depth(left) - depth(right)) < page.height / 4


@functools.cache
def _handout(procedure: str, lang: str, paper: str = "letter") -> bytes:
    """One handout (visit date December 28), made once for the tests that read it."""
    from handouts import render_pdf

    return render_pdf(procedure, lang=lang, provider="dr-rivera", visit_date=dt.date(2026, 12, 28), paper=paper)


def _column_tops(pdf: bytes) -> list[tuple[int, int, dict, list[dict], list[dict]]]:
    """(page number, column, first line, that page's markers, the column's lines) for
    every column of the two-column flow: on page 1 the columns start under the key
    points (and the draft notice), on later pages at the frame's top."""
    import io

    from .pdfpages import columns, markers

    out = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            panels = [r["bottom"] for r in page.rects if r["fill"] and r["width"] > page.width / 2 and r["top"] < page.height / 2]
            start = max(panels, default=0)
            for index, lines in enumerate(columns(page)):
                lines = [line for line in lines if line["top"] >= start]
                if lines:
                    out.append((page.page_number, index, lines[0], markers(page), lines))
    return out


@pytest.mark.parametrize("paper", ["letter", "a4"])
@pytest.mark.parametrize("procedure", ["botox-neck", "botox-migraine"])
@pytest.mark.parametrize("lang", ["en", "es", "vi", "ru", "fil", "ht", "pt_BR", "fr", "pl", "ko", "ar", "hi", "ja", "zh_Hans", "zh_Hant"])
def test_a_list_item_never_goes_on_at_the_top_of_a_column(procedure, lang, paper):
    # A tick-box item runs whole in one column: a column (or page) never starts with the
    # rest of an item, its lines indented past a tick box left behind at the foot of the
    # column before (Russian and Polish did, "Принесите список всего… / Скажите нам…").
    import io

    pdf = _handout(procedure, lang, paper)
    rtl = lang == "ar"
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page_rects = {page.page_number: [*page.rects, *page.curves] for page in doc.pages}
    for page, column, first, drawn, lines in _column_tops(pdf):
        if rtl:
            indent = max(line["x1"] for line in lines) - first["x1"]
            beside = [m for m in drawn if m["x0"] >= first["x1"] - 1]
        else:
            indent = first["x0"] - min(line["x0"] for line in lines)
            beside = [m for m in drawn if m["x1"] <= first["x0"] + 1]
        marked = [m for m in beside if m["top"] < first["bottom"] and m["bottom"] > first["top"] - 4]
        # A tier's "(continued)" heading is set on its colour band, beside its icon.
        banded = [r for r in page_rects[page] if r["fill"] and r["top"] <= first["top"] and r["bottom"] >= first["bottom"]]
        assert indent < 6 or marked or banded, f"page {page}, column {column + 1} starts inside a list item: {first['text']!r}"


# Known today (the audit of issue 14): Builder.section keeps only a lead-in under 60
# characters with its first item; "Some health problems … Tell us if you:" is longer.
_PARTED_LEAD_INS: set[tuple[str, str]] = set()  # none since a paragraph ending in a colon is a lead-in


@pytest.mark.parametrize("procedure", ["botox-neck", "botox-migraine"])
@pytest.mark.parametrize("lang", ["en", "es", "vi", "ru", "fil", "ht", "pt_BR", "fr", "pl", "ko", "ar", "hi", "ja", "zh_Hans", "zh_Hant"])
def test_a_lead_in_never_ends_a_column(procedure, lang, request):
    # "Tell us if you:" stays with the first item it introduces: no column ends in a
    # line ending with a colon (a write-in label, "My questions: ____", has its rule).
    import io

    from .pdfpages import columns

    if (lang, procedure) in _PARTED_LEAD_INS:
        request.applymarker(pytest.mark.xfail(strict=True, reason="a long lead-in paragraph ends page 1's first column (audit of issue 14)"))
    pdf = _handout(procedure, lang)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for index, lines in enumerate(columns(page)):
                if not lines:
                    continue
                last = lines[-1]
                text = last["text"].strip()
                ends = (text[:1] + text[-1:]) if lang == "ar" else text[-1:]  # Arabic reads from the right
                ruled = [r for r in page.lines if abs(r["top"] - last["bottom"]) < 8 and r["x1"] - r["x0"] > 30]
                assert not (set(ends) & {":", "："} and not ruled), f"page {page.page_number}, column {index + 1} ends with {text!r}"


@pytest.mark.parametrize("day", [None, dt.date(2026, 12, 28)])
@pytest.mark.parametrize("paper", ["letter", "a4"])
@pytest.mark.parametrize("lang", ["en", "es", "zh_Hans", "ja", "ko"])
@pytest.mark.parametrize("procedure", ["botox-neck", "botox-migraine"])
def test_a_write_in_label_ends_a_column_only_where_its_section_ends(procedure, lang, paper, day):
    # "Your next visit: ____" introduces "Not before 12 weeks after this visit.": the
    # lead-in rule saw only a section's first block, and the English migraine handout
    # on A4 (no visit date) ended page 1 with the label, its sentence on page 2, as did
    # Spanish neck on A4 for December 28 ("Su próxima cita:"). The test above excuses a
    # ruled label ("My questions: ____" ends the handout); this one lets a ruled label
    # end a column only before a heading or nothing.
    import io

    from handouts import render_pdf

    from .pdfpages import columns

    pdf = render_pdf(procedure, lang=lang, provider="dr-rivera", visit_date=day, paper=paper, allow_incomplete=True)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        flow = [(page.page_number, index, lines) for page in doc.pages for index, lines in enumerate(columns(page)) if lines]
        rules = {page.page_number: page.lines for page in doc.pages}
    labels = 0
    for (number, index, lines), after in zip(flow, [*flow[1:], None]):
        last = lines[-1]
        text = last["text"].strip()
        ruled = [r for r in rules[number] if abs(r["top"] - last["bottom"]) < 8 and r["x1"] - r["x0"] > 30]
        if not (text.endswith((":", "：")) and ruled):
            continue
        labels += 1
        size = last["chars"][0]["size"]
        heading = after is not None and after[2][0]["chars"][0]["size"] > size + 1
        assert after is None or heading, f"page {number}, column {index + 1} ends with {text!r}; {after[2][0]['text']!r} follows"
    assert labels <= 1  # "My questions:", at the end


# Known today (the audit of issue 14): build_pdf's last refit lets the emergency tier
# split to save a page, and these take it.
_SPLIT_EMERGENCY: set[tuple[str, str]] = set()  # none since the emergency tier never splits


@pytest.mark.parametrize("procedure", ["botox-neck", "botox-migraine"])
@pytest.mark.parametrize("lang", ["en", "es", "zh_Hans", "zh_Hant", "vi", "ko", "fil", "ru", "ar", "ht", "pt_BR", "fr", "pl", "ja", "hi"])
def test_the_emergency_tier_never_goes_on_under_a_continued_heading(procedure, lang, request):
    import unicodedata

    from handouts.config import load_clinic
    from handouts.model import Tier
    from handouts.pipeline import build, make_request

    if (lang, procedure) in _SPLIT_EMERGENCY:
        request.applymarker(pytest.mark.xfail(strict=True, reason="the emergency tier splits (audit of issue 14)"))
    handout = build(make_request(load_clinic(None), procedure, lang, "dr-rivera", None, dt.date(2026, 12, 28)))
    title = next(b.title for s in handout.document.sections() for b in s.blocks if isinstance(b, Tier) and b.level == "emergency")
    text = "".join("".join(_page_texts_of(handout.pdf)).split())
    # The title heads the key points' panel and the tier; a third time, it heads the
    # tier's continuation (counted, not matched with "(continued)": right to left, the
    # brackets of "(تابع)" come back from the text layer in visual order).
    needle = "".join(unicodedata.normalize("NFKC", title).split())  # as the text is read
    assert text.count(needle) == 2, f"{title!r} heads {text.count(needle)} boxes"
