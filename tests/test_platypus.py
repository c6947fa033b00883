"""ReportLab imported without compiling the patterns handouts never uses, and those
patterns still working when something asks for them."""

from __future__ import annotations

import re
import subprocess
import sys

DEFERRED = (
    "paragraph.uri_pat",
    "paragraph._hy_pfx_pat",
    "paragraph._hy_sfx_pat",
    "paragraph._hy_letters_pat",
    "paragraph._hy_shy_letters_pat",
    "paragraph._hy_shy_pat",
    "textsplit.rx",
)


def test_unused_patterns_compile_on_first_use_and_match_as_before():
    code = (
        "import handouts.layout, re\n"
        "import reportlab.platypus.paragraph as paragraph, reportlab.lib.textsplit as textsplit\n"
        f"for name in {DEFERRED!r}:\n"
        "    lazy = eval(name)\n"
        "    assert type(lazy).__name__ == '_LazyPattern', name\n"
        "    assert lazy._compiled is None, name\n"
        "    real = re.compile(*lazy._args)\n"
        "    for text in ('https://clinic.example.org/neck-care', 'Über-all!', '«中文»', \"'quoted'\"):\n"
        "        for method in ('match', 'search', 'split'):\n"
        "            got, want = getattr(lazy, method)(text), getattr(real, method)(text)\n"
        "            assert (got and got.groups() if method != 'split' else got) == (\n"
        "                want and want.groups() if method != 'split' else want), (name, method, text)\n"
        "    assert lazy.match is lazy.match  # looked up once, then kept\n"
        "assert paragraph._uri_split_pairs('https://clinic.example.org/neck-care')\n"
        "assert re.compile is re.compile and re.compile.__module__ == 're'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_other_patterns_compile_as_usual():
    import handouts.platypus  # noqa: F401
    import reportlab.platypus.paragraph as paragraph

    assert re.compile.__module__ == "re"
    assert isinstance(re.compile("a+"), re.Pattern)
    assert isinstance(paragraph._scheme_re, re.Pattern)
