"""The cache layer: a handout built in a process that has built many others is the same,
byte for byte, as one built fresh or with every cache off; replay is in use for a
batch's handouts; and every memo is bounded."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from handouts import speed
from handouts.config import Provider, load_clinic
from handouts.fonts import seed
from handouts.pipeline import build, make_request
from handouts.speed.paragraphs import CachedParagraph

from .conftest import pdf_text


def _clear() -> None:
    speed.clear()


def _handout(lang: str, name: str, visit: dt.date | None = None) -> bytes:
    demo = load_clinic(None)
    provider = Provider("p", name, "(555) 010-0111", ("botox-neck",))
    clinic = replace(demo, providers=(provider,))
    return build(make_request(clinic, "botox-neck", lang, "p", None, visit)).pdf


@pytest.mark.parametrize("lang", ["en", "vi", "zh_Hans", "ar", "hi"])
@pytest.mark.usefixtures("caches_on")
def test_a_warm_process_makes_the_same_bytes_as_a_fresh_one(lang):
    _clear()
    fresh = _handout(lang, "Ana Rivera, MD")
    for other in ("Chidi Berg, DO", "José Núñez, NP", "Wei Rao, PA-C"):  # recordings, new letters
        _handout(lang, other)
    assert _handout(lang, "Ana Rivera, MD") == fresh


@pytest.mark.usefixtures("caches_on")
def test_a_handout_is_the_same_after_another_language_with_the_same_sentences():
    # Spanish and Polish share the English draft-translation notice; Polish keeps its
    # one-letter words with the next word ("by a qualified"), Spanish does not. The
    # notice Spanish laid out was served to Polish, which then broke it after "a".
    import handouts

    def polish() -> bytes:
        return handouts.render_pdf("botox-neck", lang="pl", provider="dr-rivera", visit_date=dt.date(2026, 12, 28), large_print=True)

    _clear()
    alone = polish()
    _clear()
    handouts.render_pdf("botox-neck", lang="es", provider="dr-rivera", visit_date=dt.date(2026, 12, 28), large_print=True)
    assert polish() == alone


@pytest.mark.usefixtures("caches_on")
def test_batch_handouts_replay_most_paragraphs(monkeypatch):
    from reportlab.platypus import Paragraph

    _clear()
    _handout("en", "Ana Rivera, MD")
    drawn = []
    original = Paragraph.draw
    monkeypatch.setattr(Paragraph, "draw", lambda self: drawn.append(self) or original(self))
    _handout("en", "Chidi Berg, DO")
    # The provider's own lines are drawn (once per layout pass: a full handout is laid
    # out again with tighter gaps to keep its page budget); the other paragraphs replay.
    plain = [" ".join(p.getPlainText().split()) for p in drawn]  # (the name is kept on one line with no-break spaces)
    assert drawn and all("Chidi Berg, DO" in text for text in plain), plain


@pytest.mark.usefixtures("caches_on")
def test_replay_keeps_text_right_with_a_provider_who_brings_new_letters(tmp_path):
    _clear()
    _handout("es", "Ana Rivera, MD")
    path = tmp_path / "es.pdf"
    path.write_bytes(_handout("es", "Zoë Ølund-Łukasz, MD"))
    text = pdf_text(path)
    assert "Zoë Ølund-Łukasz, MD" in text
    assert "Efectos secundarios" in text


@pytest.mark.usefixtures("caches_on")
def test_replay_renumbers_fonts_when_a_page_met_them_in_another_order():
    from io import BytesIO

    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfgen.canvas import Canvas

    from handouts.fonts import stack_for

    stack = stack_for("en")
    regular = stack.base.face()
    style = ParagraphStyle("t", fontName=regular, fontSize=12, leading=15)
    mixed = CachedParagraph("Plain – then <b>bold “quoted”</b> text", style)
    bold_only = CachedParagraph("<b>Bold first ©</b>", style)
    texts = ["Plain – then bold “quoted” text", "Bold first ©"]

    def page(paragraphs) -> bytes:
        buffer = BytesIO()
        canvas = Canvas(buffer, invariant=1, initialFontName=regular)
        seed(canvas, stack, texts)
        for y, para in zip((700, 600), paragraphs):
            para.wrap(400, 100)
            para.drawOn(canvas, 72, y)
        canvas.showPage()
        canvas.save()
        return buffer.getvalue()

    _clear()
    page([mixed])  # records `mixed` with the regular face numbered first
    assert mixed._recordings
    replayed = page([bold_only, mixed])  # bold numbered first here: the replay renames
    mixed.__dict__.pop("_recordings")
    bold_only.__dict__.pop("_recordings")
    drawn = page([bold_only, mixed])  # the same page drawn without any recording
    assert replayed == drawn


@pytest.mark.usefixtures("caches_on")
def test_a_paragraph_with_characters_the_seed_missed_is_not_recorded():
    from io import BytesIO

    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfgen.canvas import Canvas

    from handouts.fonts import stack_for

    stack = stack_for("en")
    para = CachedParagraph("Caf\u00e9 \u00a9 2026", ParagraphStyle("t", fontName=stack.base.face(), fontSize=12, leading=15))
    canvas = Canvas(BytesIO(), invariant=1)
    seed(canvas, stack, ["Caf\u00e9 2026"])  # no ©: drawing it adds a character
    para.wrap(400, 100)
    para.drawOn(canvas, 72, 700)
    assert not para.__dict__.get("_recordings")


@pytest.mark.usefixtures("caches_on")
def test_every_memo_is_bounded_and_named():
    _clear()
    for lang in ("en", "es", "zh_Hans", "ar", "hi"):
        _handout(lang, "Ana Rivera, MD")
    sizes = speed.sizes()
    assert {"paragraphs", "templates", "catalogs", "font-subsets", "parsed-sections", "marks", "rtl-glyphs"} <= set(sizes)
    assert all(0 <= held <= bound for held, bound in sizes.values())
    assert sizes["paragraphs"][0] > 0


@pytest.mark.usefixtures("caches_on")
def test_scale_lets_every_memo_hold_more_and_shrinks_back():
    """handouts serve's workers hold every procedure × language at once (speed.scale)."""
    paragraphs = speed.Memo.registry["paragraphs"]
    try:
        speed.scale(3)
        assert paragraphs.maxsize == 3 * paragraphs.bound == 3 * 512
        later = speed.Memo("test-scaled-later", 10)  # a memo made afterwards is scaled too
        assert later.maxsize == 30
        for i in range(30):
            later.keep(i, i)
        assert len(later) == 30
        speed.scale(1)
        assert (later.maxsize, len(later), later.find(29), later.find(0)) == (10, 10, 29, None)  # the oldest go
        with pytest.raises(ValueError):
            speed.scale(0)
    finally:
        speed.scale(1)
        speed.Memo.registry.pop("test-scaled-later", None)
    assert all(store.maxsize == store.bound for store in speed.Memo.registry.values())


def test_cache_off_keeps_nothing(monkeypatch):
    _clear()
    monkeypatch.setenv("HANDOUTS_CACHE", "off")
    _handout("en", "Ana Rivera, MD")
    assert all(held == 0 for held, _ in speed.sizes().values()), speed.sizes()


@pytest.mark.usefixtures("caches_on")
def test_a_memo_keeps_its_bound():
    speed.refresh()
    store = speed.Memo("test-bound", 3)
    try:
        for i in range(10):
            assert store.get(i, lambda i=i: i * 2) == i * 2
        assert len(store) == 3
        assert store.get(9, lambda: "made again") == 18  # the most recent stay
        assert store.get(0, lambda: "made again") == "made again"
    finally:
        del speed.Memo.registry["test-bound"]
