"""ReportLab imported without compiling its URI pattern up front, and that pattern still
working when something asks for it."""

from __future__ import annotations

import re
import subprocess
import sys


def test_uri_pattern_compiles_on_first_use_and_matches_as_before():
    code = (
        "import handouts.layout, re, reportlab.platypus.paragraph as p\n"
        "assert type(p.uri_pat).__name__ == '_LazyPattern', type(p.uri_pat)\n"
        "assert p.uri_pat._compiled is None\n"
        "m = p.uri_pat.match('https://clinic.example.org/neck-care')\n"
        "real = re.compile(p.uri_pat._args[0], p.uri_pat._args[1])\n"
        "assert m.groups() == real.match('https://clinic.example.org/neck-care').groups()\n"
        "assert p._uri_split_pairs('https://clinic.example.org/neck-care')\n"
        "assert re.compile is re.compile and re.compile.__module__ == 're'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_other_patterns_compile_as_usual():
    import handouts.platypus  # noqa: F401

    assert re.compile.__module__ == "re"
    assert isinstance(re.compile("a+"), re.Pattern)
