"""Untrusted templates: every attack stops fast with one line naming file and line."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import jinja2
import pytest
from jinja2.sandbox import ImmutableSandboxedEnvironment

from handouts import sandbox
from handouts.errors import ContentError
from handouts.sandbox import Limits, TemplateLimitError

# As handouts.render sets up its environment.
OPTIONS: dict[str, Any] = dict(
    autoescape=True, undefined=jinja2.StrictUndefined, extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True
)


def make_env(templates: dict[str, str], limits: Limits | None = None) -> jinja2.Environment:
    env = sandbox.environment(jinja2.DictLoader(templates), limits=limits or Limits(), **OPTIONS)
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    return env


def run(source: str, context: dict | None = None, limits: Limits | None = None, **others: str) -> str:
    env = make_env({"custom.xml.j2": source, **{f"{k}.xml.j2": v for k, v in others.items()}}, limits)
    return sandbox.render(sandbox.load(env, "custom.xml.j2"), context or {})


def stopped(source: str, line: int, words: str, error: type[ContentError] = TemplateLimitError, **kwargs: object) -> str:
    """The one-line error ``source`` raises, checked for file, line and ``words``."""
    start = time.monotonic()
    with pytest.raises(ContentError) as info:
        run(source, **kwargs)  # type: ignore[arg-type]
    message = str(info.value)
    assert type(info.value) is error, message
    assert message.startswith(f"custom.xml.j2:{line}: "), message
    assert words in message and "\n" not in message, message
    assert time.monotonic() - start < 30  # a sanity bound, not a benchmark: the limits stop in milliseconds
    return message


DOUBLING = "{% set ns = namespace(s='x') %}\n{% for i in range(40) %}{% set ns.s = ns.s OP ns.s %}{% endfor %}"

ATTACKS = [
    # Loops: nested, recursive, in macros, over long strings.
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", 1, "range() asks for more than 10,000"),
    ("\n{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}", 2, "loops more than 50,000 times in total (limit)"),
    ("{% set s = 'x' * 100000 %}\n{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}", 2, "loops more than 50,000"),
    ("{% for i in range(300) recursive %}\n{% if loop.depth < 3 %}{{ loop(range(300)) }}{% endif %}{% endfor %}", 1, "loops more than 50,000"),
    ("{% macro m() %}\n{% for i in range(1000) %}{% endfor %}\n{% endmacro %}\n{% for i in range(1000) %}{{ m() }}{% endfor %}", 2, "loops more than 50,000"),
    # Sizes: operators.
    ("a\n{{ 'x' * 10**9 }}", 2, "'*' operator makes a string, list or number longer than 100,000 (limit)"),
    ("{{ 'x' * 1000000000 }}", 1, "'*' operator"),
    ("{{ 10 ** (10 ** 8) }}", 1, "'**' operator"),
    ("{{ [1] * 10**9 }}", 1, "'*' operator"),
    (DOUBLING.replace("OP", "~"), 2, "'~' operator"),
    (DOUBLING.replace("OP", "+"), 2, "'+' operator"),
    ("{% set ns = namespace(s=[1]) %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}", 1, "'+' operator"),
    ("{% set ns = namespace(n=3) %}{% for i in range(40) %}{% set ns.n = ns.n * ns.n %}{% endfor %}", 1, "'*' operator"),
    ("{{ ('%(a)s' * 20000) % {'a': 'x' * 50000} }}", 1, "'%' operator"),
    ("{{ '%*d' % (999999999, 1) }}", 1, "'*' width"),
    # Sizes: methods (called through the sandbox's call()).
    ("{{ 'x'.center(10**9) }}", 1, "center() is given a number over 100,000 (limit)"),
    ("{{ 'x'.ljust(999999999, '-') }}", 1, "ljust() is given a number over 100,000"),
    ("{{ '7'.zfill(10**9) }}", 1, "zfill() is given a number over 100,000"),
    ("{{ '{:>999999999}'.format(1) }}", 1, "format() asks for a width over 100,000"),
    ("{{ '{:>{}}'.format(1, 999999999) }}", 1, "format() asks for a width over 100,000"),
    ("{{ ('{0}' * 30000).format('x' * 50000) }}", 1, "format() makes"),
    ("{{ ('x' * 50000).replace('x', 'y' * 50000) }}", 1, "replace() makes"),
    ("{{ ('x' * 50000).join(['a'] * 50000) }}", 1, "join() makes"),
    ("{{ ('\t' * 50000).expandtabs(50000) }}", 1, "expandtabs() makes"),
    ("{{ ('x' * 50000).translate({120: 'y' * 50000}) }}", 1, "translate() makes"),
    ("{{ _('%(a)s%(a)s%(a)s', a='x' * 50000) }}", 1, "_() makes"),
    ("{% trans a='x' * 50000 %}{{ a }}{{ a }}{{ a }}{% endtrans %}", 1, "gettext() makes"),
    # Sizes: filters (called directly, each one wrapped).
    ("{{ 'x'|center(10**9) }}", 1, "the center filter makes"),
    ("{{ 'x'|center(1000000000) }}", 1, "the center filter makes"),  # constant: folded while compiling
    ("{{ ('\\n' * 50000)|indent(50000) }}", 1, "the indent filter makes"),
    ("{{ ('a ' * 50000)|wordwrap(1, wrapstring='x' * 50000) }}", 1, "the wordwrap filter makes"),
    ("{{ [1]|batch(10**9, 'x')|list }}", 1, "the batch filter makes"),
    ("{{ '%999999999d'|format(1) }}", 1, "the format filter asks for a width"),
    ("{{ ('x' * 50000)|replace('x', 'y' * 50000) }}", 1, "the replace filter makes"),
    ("{{ (['a'] * 50000)|join('x' * 50000) }}", 1, "the join filter makes"),
    ("{{ ['x']|map('center', 10**9)|list }}", 1, "the center filter makes"),  # map() calls filters by name
    ("{{ ('<' * 100000)|escape }}", 1, "the escape filter makes"),
    ("{{ (['x'] * 10000)|tojson(indent=100) }}", 1, "the tojson filter makes"),
    # Output, captured output, recursion.
    ("{% for i in range(1000) %}\n{{ 'x' * 1000 }}\n{% endfor %}", 2, "template output is longer than 200,000 characters (limit)"),
    ("{% macro m() %}{% for i in range(1000) %}{{ 'x' * 1000 }}{% endfor %}{% endmacro %}\n{{ m()|length }}", 1, "output is longer"),
    ("{% set a = 'x' * 100000 %}{% set b %}{% for i in range(50) %}{{ a }}{% endfor %}{% endset %}{{ b|length }}", 1, "output is longer"),
    ("{% import 'big.xml.j2' as big %}", 1, "output is longer"),
    ("{% macro m() %}\n{% for i in range(10000) %}{% for j in range(5) %}{{ 'x' * 99999 ~ j }}{% endfor %}{% endfor %}{% endmacro %}{{ m() }}", 2, "output is longer"),
    ("{% filter upper %}{% for i in range(1000) %}{{ 'x' * 1000 }}{% endfor %}{% endfilter %}", 1, "output is longer"),
    ("{% macro m(n) %}\n{{ m(n + 1) }}\n{% endmacro %}\n{{ m(0) }}", 2, "call each other more than 100 deep (limit)"),
    ("{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}", 1, "call each other more than 100 deep"),
    ("{% block b %}{{ self.b() }}{% endblock %}", 1, "call each other more than 100 deep"),
]


@pytest.mark.parametrize(("source", "line", "words"), ATTACKS)
def test_attacks_stop_with_one_line(source: str, line: int, words: str) -> None:
    stopped(source, line, words, big="{% for i in range(300) %}{{ 'x' * 1000 }}{% endfor %}")


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("{% macro d(n) %}\n{% if n %}{{ d(n - 1) }}{{ d(n - 1) }}{% endif %}\n{% endmacro %}{{ d(60) }}", "ran longer than 0.3 seconds (limit)"),
        ("{% for i in range(10000) %}\n{% for j in range(10000) %}{% endfor %}{% endfor %}", "ran longer than 0.3 seconds"),
    ],
)
def test_wall_time_is_limited(source: str, words: str) -> None:
    stopped(source, 2, words, limits=Limits(seconds=0.3, loop_iterations=10**9))


@pytest.mark.parametrize(
    ("source", "line", "words"),
    [
        ("a\n{{ ''.__class__ }}", 2, "template tried something unsafe and was stopped: access to attribute '__class__'"),
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", 1, "unsafe"),
        ("{{ [].append(1) }}", 1, "unsafe"),
        ("a\nb\n{{ missing }}", 3, "template uses an undefined value: 'missing' is undefined"),
        ("{{ 1 / 0 }}", 1, "template error: division by zero (ZeroDivisionError)"),
        ("{{ 'a' - 1 }}", 1, "(TypeError)"),
        ("{{ 1.5 ** 10000 }}", 1, "(OverflowError)"),
        ("{% macro m() %}\n{{ 1 // 0 }}\n{% endmacro %}\n{{ m() }}", 2, "ZeroDivisionError"),
        ("x\n{% include 'broken.xml.j2' %}", 2, "template not found: broken.xml.j2"),
        ("{% set x = lipsum(10**6) %}", 1, "'lipsum' is undefined"),  # removed: slow filler text
    ],
)
def test_runtime_errors_name_file_and_line(source: str, line: int, words: str) -> None:
    stopped(source, line, words, ContentError)


def test_errors_in_included_templates_name_that_template() -> None:
    with pytest.raises(ContentError, match=r"^inner.xml.j2:3: template error: division by zero"):
        run("a\n{% include 'inner.xml.j2' %}", inner="1\n2\n{{ 1 / 0 }}")
    with pytest.raises(ContentError, match=r"^inner.xml.j2:2: template syntax error: "):
        run("{% include 'inner.xml.j2' %}", inner="1\n{% if %}")


def test_syntax_errors_and_missing_templates() -> None:
    with pytest.raises(ContentError, match=r"^custom.xml.j2:2: template syntax error: .*'endfor'"):
        run("a\n{% for x in y %}")
    with pytest.raises(ContentError, match=r"^template not found: nope.xml.j2$"):
        sandbox.load(make_env({}), "nope.xml.j2")
    with pytest.raises(ContentError, match=r"^custom.xml.j2: template nests too deep to compile$"):
        run("{{ " + "(" * 300 + "1" + ")" * 300 + " }}")


def test_non_utf8_template(tmp_path: Path) -> None:
    (tmp_path / "latin.xml.j2").write_bytes("<p>Caf\u00e9</p>".encode("latin-1"))
    (tmp_path / "main.xml.j2").write_text("a\n{% include 'latin.xml.j2' %}", encoding="utf-8")
    env = sandbox.environment(jinja2.FileSystemLoader(str(tmp_path)), **OPTIONS)
    with pytest.raises(ContentError, match=r"^latin.xml.j2: not UTF-8 text; save the template as UTF-8$"):
        sandbox.load(env, "latin.xml.j2")
    with pytest.raises(ContentError, match=r"main.xml.j2:2: an included template is not UTF-8 text; save it as UTF-8$"):
        sandbox.render(sandbox.load(env, "main.xml.j2"), {})


NORMAL = """\
{% import 'parts.xml.j2' as parts %}
{% macro item(text, n) -%}
  <li n="{{ n }}">{{ text }}</li>
{%- endmacro %}
{% set ns = namespace(total=0, ids='') %}
<handout lang="{{ lang }}">
{% for section in sections if section['items'] %}
  <section id="{{ section.id }}" title="{% trans %}Before your visit{% endtrans %}">
  {% for text in section['items'] %}
    {% set ns.total = ns.total + 1 %}
    {% set ns.ids = ns.ids ~ loop.index ~ ',' %}
    {{ item(text, loop.index) }}
  {% endfor %}
  <p>{% trans count=section['items']|length %}{{ count }} step{% pluralize %}{{ count }} steps{% endtrans %}</p>
  <p>{% trans name=patient %}Hello {{ name }}{% endtrans %} {{ '{:,}'.format(1500000) }} {{ '%05.1f'|format(3.14159) }}</p>
  </section>
{% endfor %}
{% call parts.box('note') %}{{ ns.total }} / {{ ns.ids }} / {{ (weeks|map('string')|join('-'))|upper }}{% endcall %}
{% for node in tree recursive %}[{{ node.name }}{{ loop(node.kids) if node.kids }}]{% endfor %}
{{ range(3)|list }} {{ 2 ** 10 }} {{ 'ab' * 3 }} {{ [1, 2] + [3] }} {{ 'a b'.split()|join('+') }} {{ 'x'|center(5) }}|
</handout>
"""
PARTS = "{% macro box(kind) %}<box kind=\"{{ kind }}\">{{ caller() }}</box>{% endmacro %}"
CONTEXT = {
    "lang": "en",
    "patient": "<Pat & Co>",
    "sections": [{"id": "before", "items": ["Eat", "Drink <water>"]}, {"id": "none", "items": []}, {"id": "after", "items": ["Rest"]}],
    "weeks": [0, 4, 8],
    "tree": [{"name": "a", "kids": [{"name": "b", "kids": []}]}],
}


def test_a_normal_template_renders_as_without_the_guards() -> None:
    out = run(NORMAL, CONTEXT, parts=PARTS)
    plain = ImmutableSandboxedEnvironment(loader=jinja2.DictLoader({"n": NORMAL, "parts.xml.j2": PARTS}), **OPTIONS)
    plain.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    assert out == plain.get_template("n").render(CONTEXT)
    assert '<li n="2">Drink &lt;water&gt;</li>' in out and "Hello &lt;Pat &amp; Co&gt;" in out
    assert "2 steps" in out and "1 step<" in out and "1,500,000 003.1" in out
    assert '<box kind="note">3 / 1,2,1, / 0-4-8</box>' in out and "[a[b]]" in out
    assert "[0, 1, 2] 1024 ababab [1, 2, 3] a+b   x  |" in out


def test_limits_are_per_render_and_per_thread() -> None:
    env = make_env({"fine.xml.j2": "{% for i in range(30) %}{% for j in range(1000) %}{% endfor %}{% endfor %}ok",
                    "bad.xml.j2": "{% for i in range(60) %}{% for j in range(1000) %}{% endfor %}{% endfor %}"})
    results: dict[str, list[str]] = {"fine": [], "bad": []}
    barrier = threading.Barrier(2)

    def renders(name: str) -> None:
        barrier.wait()
        for _ in range(8):  # 30,000 iterations each: only a shared budget would run out
            try:
                results[name].append(sandbox.render(sandbox.load(env, f"{name}.xml.j2"), {}))
            except TemplateLimitError as exc:
                results[name].append(str(exc))

    threads = [threading.Thread(target=renders, args=(name,)) for name in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results["fine"] == ["ok"] * 8
    assert all(r.startswith("bad.xml.j2:1: template loops more than 50,000") for r in results["bad"]), results["bad"]


def test_every_way_of_rendering_is_limited() -> None:
    env = make_env({"t.xml.j2": "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}"})
    with pytest.raises(TemplateLimitError, match=r"^t\.xml\.j2:1: template loops"):
        env.get_template("t.xml.j2").render()
    with pytest.raises(TypeError):
        sandbox.render(jinja2.Environment().from_string("x"), {})


def test_filters_added_later_are_limited_too() -> None:
    env = make_env({"t.xml.j2": "{{ ('x' * 1000)|many(1000)|length }}"})
    env.filters["many"] = lambda s, n: [s] * n  # a million characters, counted deep
    with pytest.raises(TemplateLimitError, match=r"^t\.xml\.j2:1: the many filter makes"):
        sandbox.render(env.get_template("t.xml.j2"), {})


def test_limits_can_be_set() -> None:
    assert run("{% for i in range(20) %}.{% endfor %}", limits=Limits(loop_iterations=20)) == "." * 20
    stopped("{% for i in range(21) %}.{% endfor %}", 1, "loops more than 20 times", limits=Limits(loop_iterations=21 - 1))
    stopped("{{ 'x' * 11 }}", 1, "longer than 10 (limit)", limits=Limits(sequence_size=10))
    stopped("{{ 'x' * 10 }}{{ 'x' }}", 1, "longer than 10 characters", limits=Limits(output_chars=10))


def test_loop_passed_to_a_filter_is_not_used_up() -> None:
    assert run("{% for x in 'abc' %}{{ loop|attr('index') }}{{ x }}{% endfor %}") == "1a2b3c"
