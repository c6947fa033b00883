"""handouts batch: every provider × procedure × language, incremental and fault-isolated."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from handouts import batch
from handouts.batch import safe_segment

from .conftest import pdf_text

CSV_HEAD = "id,name,credentials,phone,procedures,languages\n"


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def test_demo_batch_writes_files_and_manifest(cli, tmp_path):
    result = cli("batch", "--jobs", "2", "--lang", "en")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("5 written, 0 up to date, 0 failed")
    data = _manifest(tmp_path / "output")
    paths = [e["path"] for e in data["items"]]
    assert paths == [
        "dr-okafor/botox-neck/botox-neck.en.pdf",
        "dr-rivera/botox-migraine/botox-migraine.en.pdf",
        "dr-rivera/botox-neck/botox-neck.en.pdf",
        "np-lindqvist/botox-migraine/botox-migraine.en.pdf",
        "np-lindqvist/botox-neck/botox-neck.en.pdf",
    ]
    entry = data["items"][0]
    assert set(entry) >= {"provider", "procedure", "language", "pages", "bytes", "sha256", "catalog_review_state", "content_review_date"}
    pdf = tmp_path / "output" / entry["path"]
    assert entry["bytes"] == pdf.stat().st_size and entry["pages"] == len(PdfReader(str(pdf)).pages) == 2
    assert entry["content_review_date"] == "2026-11-20" and entry["catalog_review_state"] == "source"


def test_csv_providers_languages_and_isolated_failures(cli, tmp_path):
    csv = tmp_path / "providers.csv"
    csv.write_text(
        CSV_HEAD
        + "kim,Hana Kim,MD,(555) 010-2000,botox-neck,en;es\n"
        + "bad,No Phone,MD,,botox-neck,en\n"
        + "lee,Min Lee,NP,(555) 010-2001,botox-neck,ko;xx\n"
    )
    result = cli("batch", "--providers", str(csv), "--provider", "kim", "--provider", "lee", "--out", "b", "--jobs", "2")
    assert result.exit_code == 1
    written = sorted(str(p.relative_to(tmp_path / "b")) for p in (tmp_path / "b").rglob("*.pdf"))
    assert written == ["kim/botox-neck/botox-neck.en.pdf", "kim/botox-neck/botox-neck.es.pdf", "lee/botox-neck/botox-neck.ko.pdf"]
    assert "Failed: provider at providers.csv line 3:" in result.stderr
    assert 'Failed: lee/botox-neck/xx: unknown language "xx"' in result.stderr
    assert "Hana Kim, MD" in "".join(p.extract_text() for p in PdfReader(str(tmp_path / "b/kim/botox-neck/botox-neck.en.pdf")).pages)
    failures = _manifest(tmp_path / "b")["failures"]
    assert len(failures) == 2


def test_rerun_is_incremental_and_notices_changes(cli, tmp_path, make_clinic):
    path = make_clinic()
    assert cli("batch", "--clinic", str(path), "--out", "o", "--jobs", "1").stdout.startswith("1 written, 0 up to date")
    assert cli("batch", "--clinic", str(path), "--out", "o", "--jobs", "1").stdout.startswith("0 written, 1 up to date")
    path.write_text(path.read_text().replace("(555) 010-4000", "(555) 010-4444"))
    assert cli("batch", "--clinic", str(path), "--out", "o", "--jobs", "1").stdout.startswith("1 written, 0 up to date")
    assert cli("batch", "--clinic", str(path), "--out", "o", "--jobs", "1", "--force").stdout.startswith("1 written")
    # A file changed behind our back is rebuilt too.
    pdf = next((tmp_path / "o").rglob("*.pdf"))
    pdf.write_bytes(b"%PDF-damaged")
    assert cli("batch", "--clinic", str(path), "--out", "o", "--jobs", "1").stdout.startswith("1 written")


def test_broken_catalog_fails_only_its_items(cli, tmp_path, monkeypatch):
    import handouts.catalogs
    import handouts.i18n

    root = tmp_path / "locales"
    shutil.copytree(Path(handouts.i18n.locales_dir()), root)
    (root / "es" / "LC_MESSAGES" / "handouts.po").write_text('msgid "x"\nmsgstr "unterminated\n', encoding="utf-8")
    monkeypatch.setattr(handouts.i18n, "locales_dir", lambda: root)
    monkeypatch.setattr(handouts.catalogs, "locales_dir", lambda: root)
    csv = tmp_path / "p.csv"
    csv.write_text(CSV_HEAD + "kim,Hana Kim,MD,(555) 010-2000,botox-neck,en;es;fr\n")
    result = cli("batch", "--providers", str(csv), "--provider", "kim", "--out", "o", "--jobs", "1")
    assert result.exit_code == 1
    assert sorted(p.name for p in (tmp_path / "o").rglob("*.pdf")) == ["botox-neck.en.pdf", "botox-neck.fr.pdf"]
    assert "Failed: kim/botox-neck/es:" in result.stderr and "es/LC_MESSAGES/handouts.po:2: expected" in result.stderr


def test_ids_that_share_a_folder_are_refused_before_writing(cli, tmp_path):
    csv = tmp_path / "p.csv"
    csv.write_text(CSV_HEAD + "Dr-A,A,MD,555 0100,botox-neck,en\ndr-a,B,MD,555 0101,botox-neck,en\n")
    result = cli("batch", "--providers", str(csv), "--out", "o")
    assert result.exit_code == 1
    assert 'providers "Dr-A" and "dr-a" would share the folder' in result.stderr
    assert not list((tmp_path / "o").rglob("*.pdf")) if (tmp_path / "o").exists() else True


@pytest.mark.parametrize(("raw", "safe"), [("dr-chen", "dr-chen"), ("CON", "_CON"), ("nul.x", "_nul.x"), ("a/b", "a-b"), ("..", "provider"), ("x y", "x-y")])
def test_safe_segments(raw, safe):
    assert safe_segment(raw) == safe


def test_merge_makes_duplex_safe_bookmarked_bundles(cli, tmp_path):
    csv = tmp_path / "p.csv"
    csv.write_text(CSV_HEAD + "kim,Hana Kim,MD,(555) 010-2000,botox-neck,en;es\n")
    result = cli("batch", "--providers", str(csv), "--provider", "kim", "--out", "o", "--merge")
    assert result.exit_code == 0, result.stderr
    bundle = tmp_path / "o" / "kim" / "kim.all.pdf"
    reader = PdfReader(str(bundle))
    en = len(PdfReader(str(tmp_path / "o/kim/botox-neck/botox-neck.en.pdf")).pages)
    es = len(PdfReader(str(tmp_path / "o/kim/botox-neck/botox-neck.es.pdf")).pages)
    assert len(reader.pages) == en + en % 2 + es + es % 2
    assert [item.title for item in reader.outline] == ["botox-neck (en)", "botox-neck (es)"]
    starts = [reader.get_destination_page_number(item) for item in reader.outline]
    assert all(start % 2 == 0 for start in starts)  # every handout starts on a front side
    by_lang = cli("batch", "--providers", str(csv), "--provider", "kim", "--out", "o", "--merge", "--merge-by", "language")
    assert "kim.es.pdf" in by_lang.stdout


def test_interrupted_batch_leaves_no_partial_file_and_resumes(cli, tmp_path, monkeypatch):
    csv = tmp_path / "p.csv"
    csv.write_text(CSV_HEAD + "kim,Hana Kim,MD,(555) 010-2000,botox-neck,en;es;fr;pl\n")
    import handouts.pipeline

    real = handouts.pipeline.os.replace
    calls = {"n": 0}

    def dies_on_fourth(src, dst):  # PDF 1, the manifest (from the first item on), PDF 2, ...
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt  # the batch is killed while writing
        return real(src, dst)

    monkeypatch.setattr(handouts.pipeline.os, "replace", dies_on_fourth)
    killed = cli("batch", "--providers", str(csv), "--provider", "kim", "--out", "o", "--jobs", "1")
    assert killed.exit_code == 1 and "Aborted" in killed.output  # click's answer to Ctrl-C
    monkeypatch.setattr(handouts.pipeline.os, "replace", real)
    assert len(list((tmp_path / "o").rglob("*.pdf"))) == 2
    assert not [p for p in (tmp_path / "o").rglob("*") if p.name.startswith(".handout-")]
    result = cli("batch", "--providers", str(csv), "--provider", "kim", "--out", "o", "--jobs", "1")
    assert result.exit_code == 0
    # PDF 2 was finished after the manifest was last written: the journal knows it.
    assert result.stdout.startswith("2 written, 2 up to date"), result.stdout
    assert len(list((tmp_path / "o").rglob("*.pdf"))) == 4
    assert not (tmp_path / "o" / ".manifest.journal").exists()


def test_a_filtered_run_keeps_the_other_entries(cli, tmp_path):
    import json

    assert cli("batch", "--provider", "dr-rivera", "--procedure", "botox-neck", "--lang", "en", "--out", "o").exit_code == 0
    assert cli("batch", "--provider", "dr-rivera", "--procedure", "botox-neck", "--lang", "es", "--out", "o").exit_code == 0
    listed = {e["language"] for e in json.loads((tmp_path / "o" / "manifest.json").read_text())["items"]}
    assert listed == {"en", "es"}


def test_a_second_batch_into_the_same_folder_stops(cli, tmp_path):
    import fcntl

    (tmp_path / "o").mkdir()
    with (tmp_path / "o" / ".batch.lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a batch running elsewhere
        result = cli("batch", "--provider", "dr-rivera", "--lang", "en", "--out", "o")
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("another batch is writing into this folder; wait for it to finish")
    assert not list((tmp_path / "o").rglob("*.pdf"))


def test_plan_counts(tmp_path):
    from handouts.config import Provider, load_clinic

    clinic = load_clinic(None)
    people = [Provider(f"p{i}", f"P {i}", "555 0100", ("botox-neck",), ("en", "es", "vi")) for i in range(4)]
    items, failures = batch.plan(clinic, people, languages=["es", "vi"])
    assert len(items) == 8 and not failures
    assert {i.language for i in items} == {"es", "vi"}


def test_bundle_is_made_again_only_when_its_handouts_change(cli, tmp_path):
    csv = tmp_path / "p.csv"
    csv.write_text(CSV_HEAD + "kim,Hana Kim,MD,(555) 010-2000,botox-neck,en;es\n")
    args = ("batch", "--providers", str(csv), "--out", "o", "--merge")
    assert cli(*args).exit_code == 0
    bundle = tmp_path / "o" / "kim" / "kim.all.pdf"
    first = bundle.stat().st_mtime_ns
    assert cli(*args).exit_code == 0
    assert bundle.stat().st_mtime_ns == first  # nothing changed: the bundle was kept
    csv.write_text(CSV_HEAD + "kim,Hana Kim,DO,(555) 010-2000,botox-neck,en;es\n")
    assert cli(*args).exit_code == 0
    assert bundle.stat().st_mtime_ns != first  # a handout changed: the bundle follows
    assert "Hana Kim, DO" in pdf_text(bundle)
    bundle.write_bytes(b"not a pdf")  # damaged: made again
    assert cli(*args).exit_code == 0
    assert PdfReader(str(bundle)).pages


def test_languages_with_large_fonts_are_made_apart():
    """A batch keeps languages that need different large (CJK) fonts in different
    worker processes, so no worker holds every font."""
    from handouts.batch import _font_group

    groups = {lang: _font_group(lang) for lang in ("en", "es", "ar", "hi", "vi", "ru", "zh_Hans", "zh_Hant", "ja", "ko")}
    assert groups["zh_Hans"] == groups["zh_Hant"] == groups["ja"]  # they share WenQuanYi
    assert groups["ko"] and groups["ko"] != groups["ja"]
    assert all(not groups[lang] for lang in ("en", "es", "ar", "hi", "vi", "ru"))


def _write_csv(path, text):
    path.write_text(text, encoding="utf-8", newline="")
    return path


def test_csv_fields_may_hold_line_breaks_and_semicolons_are_sniffed(tmp_path):
    from handouts.batch import read_provider_csv

    quoted = _write_csv(tmp_path / "q.csv", (
        'id,name,credentials,phone,procedures,languages\r\n'
        'kim,"Kim\nLee",MD,(555) 010-1000,botox-neck,en\r\n'
        'ana,"Ana\u2028Rivera",MD,(555) 010-1001,botox-neck,es\r\n'
        'bo,"Bo ""Sky"" Ng",DO,(555) 010-1002,botox-neck,en\r\n'
    ))
    providers, failures = read_provider_csv(quoted, ["botox-neck"])
    # One row each: the line break in Kim's name is that row's one problem (not two bogus
    # rows); U+2028 in Ana's is a space.
    assert [p.id for p in providers] == ["ana", "bo"]
    assert [(f.what, f.reason) for f in failures] == [("provider at q.csv line 2", "expected a single line of text (no control characters)")]
    assert providers[0].name == "Ana Rivera, MD" and providers[1].name == 'Bo "Sky" Ng, DO'
    excel = _write_csv(tmp_path / "e.csv", (
        "id;name;credentials;phone;procedures;languages\n"
        "kim;Kim Lee;MD;(555) 010-1000;botox-neck;en es\n"
    ))
    providers, failures = read_provider_csv(excel, ["botox-neck"])
    assert [(p.id, p.name, p.languages) for p in providers] == [("kim", "Kim Lee, MD", ("en", "es"))]


def test_csv_errors_name_their_line(tmp_path):
    import pytest

    from handouts.batch import read_provider_csv
    from handouts.errors import HandoutsError

    huge = _write_csv(tmp_path / "h.csv", CSV_HEAD + "kim,Kim,MD,1,botox-neck,en\n" + "lee," + "x" * 200_000 + ",MD,1,botox-neck,en\n")
    with pytest.raises(HandoutsError, match=r"h.csv: line 3: not a readable CSV row \(field larger than field limit"):
        read_provider_csv(huge, ["botox-neck"])
    extra = _write_csv(tmp_path / "x.csv", (
        CSV_HEAD +
        '"kim","Kim\nLee",MD,(555) 010-1000,botox-neck,en,EXTRA\n'
        'ok,Ok,MD,(555) 010-1001,botox-neck,en\n'
        'bad,Bad,MD,1,botox-neck,en\n'
    ))
    providers, failures = read_provider_csv(extra, ["botox-neck"])
    assert [p.id for p in providers] == ["ok"]
    assert [(f.what, f.reason.split(";")[0]) for f in failures] == [
        ("provider at x.csv line 2", "7 fields"), ("provider at x.csv line 5", "'1' is not a phone number"),
    ]
