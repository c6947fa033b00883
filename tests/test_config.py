"""clinic.toml validation: every problem at once, with its key path."""

from __future__ import annotations

import pytest
from babel import Locale

from handouts.config import load_clinic
from handouts.errors import ConfigError


def test_demo_clinic_loads_and_is_marked_demo():
    clinic = load_clinic(None)
    assert clinic.is_demo
    assert "(demo)" in clinic.name
    assert [p.id for p in clinic.providers] == ["dr-rivera", "dr-okafor", "np-lindqvist"]
    assert clinic.languages[0] == Locale.parse("en") and len(clinic.languages) == 15
    assert clinic.brand.logo is not None and clinic.brand.logo.suffix == ".svg"


def test_defaults(make_clinic):
    path = make_clinic()
    path.write_text(path.read_text().replace('website = "https://clinic.example.org/"\n', ""))
    clinic = load_clinic(path)
    assert clinic.emergency is None and clinic.emergency_number == "911"
    assert clinic.website is None
    assert clinic.country == "US"
    assert not clinic.is_demo


def test_all_problems_reported_together(make_clinic):
    path = make_clinic()
    broken = (
        path.read_text()
        .replace('phone = "(555) 010-4000"\n', "")
        .replace('accent = "#A1262B"', 'accent = "#ZZZZZZ"')
        .replace('phone = "(555) 010-4111"\n', "")
        + '\n[[providers]]\nid = "dr-test"\nname = "Dup"\nphone = "555 0100"\nprocedures = ["botox-neck"]\n'
    )
    path.write_text(broken)
    with pytest.raises(ConfigError) as err:
        load_clinic(path, known_procedures=["botox-neck"])
    assert err.value.problems == (
        "clinic.phone: missing",
        "brand.accent: '#ZZZZZZ' is not a colour; expected \"#RRGGBB\" (e.g. \"#1F4E79\")",
        "providers[1].phone: missing",
        'providers[2].id: "dr-test" is already used by providers[1]; ids must be unique',
    )
    assert str(path) in str(err.value)


def test_unknown_top_level_table(make_clinic):
    path = make_clinic(extra="\n[branding]\nprimary = \"#000000\"\n")
    with pytest.raises(ConfigError, match=r'branding: unknown key \(did you mean "brand"\?\)'):
        load_clinic(path)


def test_colours_normalised(make_clinic):
    path = make_clinic()
    path.write_text(path.read_text().replace('"#2E5E4E"', '"#abc"'))
    assert load_clinic(path).brand.primary == "#AABBCC"


def test_svg_logo_that_is_not_svg(make_clinic):
    path = make_clinic()
    (path.parent / "logo.svg").write_text("<not really svg")
    path.write_text(path.read_text().replace('logo = "logo.png"', 'logo = "logo.svg"'))
    with pytest.raises(ConfigError, match="clinic.logo: cannot read image .*logo.svg: not a valid SVG"):
        load_clinic(path)


def test_unknown_language_code(make_clinic):
    path = make_clinic()
    path.write_text(path.read_text().replace('paper = "letter"', 'paper = "letter"\nlanguages = ["en", "klingon"]'))
    with pytest.raises(ConfigError, match="clinic.languages: 'klingon' is not a known language code"):
        load_clinic(path)


def test_not_utf8(make_clinic):
    path = make_clinic()
    path.write_bytes("[clinic]\nname = \"Cl\xednica\"\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_clinic(path)


def test_outside_the_us_and_canada_the_emergency_number_is_required(make_clinic):
    from handouts.config import load_clinic
    from handouts.errors import ConfigError

    path = make_clinic()
    path.write_text(path.read_text().replace('paper = "letter"', 'country = "GB"'))
    with pytest.raises(ConfigError, match=r"clinic.emergency_number: missing: 911 is the default only in the US and Canada"):
        load_clinic(path)
    path.write_text(path.read_text().replace('country = "GB"', 'country = "GB"\nemergency_number = "999"'))
    assert load_clinic(path).emergency_number == "999"
    path.write_text(path.read_text().replace('country = "GB"\nemergency_number = "999"', 'country = "CA"'))
    assert load_clinic(path).emergency_number == "911"


def test_each_procedure_can_have_its_own_web_page(make_clinic):
    path = make_clinic(extra='\n[websites]\nbotox-migraine = "https://clinic.example.org/migraine"\n')
    clinic = load_clinic(path, known_procedures=["botox-neck", "botox-migraine"])
    assert clinic.website_for("botox-migraine") == "https://clinic.example.org/migraine"
    assert clinic.website_for("botox-neck") == "https://clinic.example.org/"  # the clinic's website


def test_web_pages_are_checked_like_other_keys(make_clinic):
    path = make_clinic(extra='\n[websites]\nbotox-nek = "https://clinic.example.org/neck"\nbotox-migraine = "clinic.example.org"\n')
    with pytest.raises(ConfigError) as err:
        load_clinic(path, known_procedures=["botox-neck", "botox-migraine"])
    assert err.value.problems == (
        'websites.botox-nek: unknown procedure (did you mean "botox-neck"?)',
        "websites.botox-migraine: 'clinic.example.org' is not a web address; expected one starting with https://",
    )
