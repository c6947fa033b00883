"""handouts check: the measurements, and the gate's exit codes."""

from __future__ import annotations

import json

import pytest

from handouts.quality import colour_findings, readability, syllables, text_findings


def test_flesch_kincaid_on_a_known_text():
    # 2 sentences, 14 words, 30 counted syllables (31 by ear: "relaxes" counts 2)
    text = "Botulinum toxin relaxes muscles quickly. Your provider injects the medicine into several tight muscles."
    name, grade, limit = readability(text, "en")
    assert name == "Flesch-Kincaid grade" and limit == 8
    assert grade == pytest.approx(0.39 * 14 / 2 + 11.8 * 30 / 14 - 15.59, abs=0.01)
    assert readability("The cat sat on the mat. It ran to bed.", "en")[1] < 2


def test_languages_without_a_formula_are_not_measured():
    assert readability("这是一个句子。", "zh_Hans") is None
    assert readability("Ito ay isang pangungusap.", "fil") is None
    assert readability("Esto es una frase corta.", "es")[0] == "Szigriszt-Pazos (INFLESZ)"


def test_syllables_come_from_hyphenation_dictionaries():
    assert [syllables(w, "en_US") for w in ("medicine", "botulinum", "the", "muscles")] == [3, 4, 1, 2]
    assert syllables("medicamento", "es") == 5


def test_contrast_findings_for_a_pale_brand():
    findings = {f.check: f for f in colour_findings("#C8D8E8", "#B3261E")}
    bars = findings["contrast: timeline bars and the note rule on white (brand primary)"]
    assert bars.level == "error" and float(bars.value.split(":")[0]) < 3
    assert findings["brand primary colour"].level == "warning"  # darkened for headings
    good = {f.check: f for f in colour_findings("#1F4E79", "#B3261E")}
    assert all(f.level == "ok" for k, f in good.items() if k.startswith("contrast"))


def test_demo_clinic_check_passes_with_numbers_for_every_language(cli):
    result = cli("check", "--procedure", "botox-neck", "--json")
    assert result.exit_code == 0, result.stdout[-2000:]
    data = json.loads(result.stdout)
    assert data["errors"] == 0
    by_lang = {}
    for f in data["findings"]:
        if f["check"] == "reading level":
            by_lang[f["language"]] = f
    assert len(by_lang) == 15
    english = by_lang["en"]
    assert english["level"] in ("ok", "warning") and float(english["value"].split()[1]) <= 8
    for code in ("es", "fr", "ru", "pt_BR"):
        assert by_lang[code]["value"].startswith("ease ")
    for code in ("zh_Hans", "ja", "ar", "hi", "ko", "vi", "fil", "ht", "pl", "zh_Hant"):
        assert by_lang[code]["level"] == "not measured"
    pdf_checks = {(f["language"], f["check"]): f for f in data["findings"]}
    for code in ("en", "ar", "zh_Hans", "hi"):
        assert pdf_checks[(code, "smallest body text")]["level"] == "ok"
        assert pdf_checks[(code, "line spacing")]["value"] == "1.25x"
        assert pdf_checks[(code, "margins")]["level"] == "ok"
        assert pdf_checks[(code, "glyph coverage")]["level"] == "ok"
    assert all(pdf_checks[(code, "tagged PDF")]["level"] == "ok" for code in by_lang)


def test_strict_turns_warnings_into_errors(cli):
    # Machine-drafted catalogs are not reviewed: a warning, so --strict fails.
    assert cli("check", "--procedure", "botox-neck", "--lang", "es").exit_code == 0
    assert cli("check", "--procedure", "botox-neck", "--lang", "es", "--strict").exit_code == 1


def test_low_contrast_clinic_fails_the_gate(cli, make_clinic):
    path = make_clinic()
    path.write_text(path.read_text().replace('primary = "#2E5E4E"', 'primary = "#B8D4F0"'))
    result = cli("check", "--clinic", str(path), "--procedure", "botox-neck")
    assert result.exit_code == 1
    line = next(x for x in result.stdout.splitlines() if "contrast: timeline bars" in x)
    assert " error " in line


def test_long_sentences_and_lists_are_reported():
    from handouts import model as m

    long = " ".join(["word"] * 30) + "."
    doc = m.Document("en", False, "T", "", (m.Columns((m.Section("s", "Section", (m.Para((m.Run(long),)), m.ItemList(tuple((m.Run(f"item {i}"),) for i in range(8))))),)),))
    findings = {f.check: f for f in text_findings(doc, "p", "en")}
    assert findings["long sentence"].value == "30 words"
    assert findings["items per list"].level == "error"


def test_smog_on_a_known_text():
    from handouts.quality import smog

    # 2 sentences; 4 words of 3+ syllables: botulinum, provider, medicine, several
    text = "Botulinum toxin relaxes muscles quickly. Your provider injects the medicine into several tight muscles."
    assert smog(text, "en") == pytest.approx(1.043 * (4 * 30 / 2) ** 0.5 + 3.1291, abs=0.01)
    assert smog("The cat sat on the mat. It ran to bed.", "en") == pytest.approx(3.1291, abs=0.01)
    assert smog("Esto es una frase.", "es") is None


def test_a_section_over_the_smog_target_is_flagged_even_when_its_grade_is_low():
    from handouts import model as m

    # Short words and sentences (Flesch-Kincaid grade 2.7), but one long word in each.
    hard = "You may need medicine for the pain. Tell us if swallowing is hard for you. Get emergency help if you are weak. Do not plan surgery this week."
    easy = "You get the shots. They help. Call us if you are sick. We are here."
    doc = m.Document("en", False, "T", "", (m.Columns((
        m.Section("a", "Hard part", (m.Para((m.Run(hard),)),)),
        m.Section("b", "Easy part", (m.Para((m.Run(easy),)),)),
    )),))
    findings = text_findings(doc, "p", "en")
    flagged = [f for f in findings if f.check == "reading level by section"]
    assert [f.detail.split('"')[1] for f in flagged] == ["Hard part"]
    fk, grade = (float(part.split()[1]) for part in flagged[0].value.split(", "))
    assert fk < 6 < 7.5 < grade
    whole = {f.check: f for f in findings}["reading level (SMOG)"]
    assert whole.value.startswith("grade ") and whole.detail == "SMOG; target <= 7.5"
