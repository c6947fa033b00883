"""Fill a procedure's Jinja2 templates and parse the result into the document model.

Templates run in Jinja2's sandbox (a clinic may supply its own), with StrictUndefined
(a typo is an error, not an empty string) and autoescaping (clinic and patient data
cannot inject markup). Patient text is translated through gettext's ``{% trans %}``.
The output is a small XML vocabulary, documented in :func:`parse_document`.
"""

from __future__ import annotations

import datetime as dt
import gettext
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any
from xml.parsers import expat

import jinja2
import markupsafe
from jinja2.sandbox import SecurityError

from . import model as m
from . import sandbox, speed
from .config import Clinic, Provider
from .content import Procedure
from .errors import ContentError, IncompleteTranslation
from .i18n import (
    Language,
    date_range,
    duration,
    long_date,
    number,
    temperature,
    timeline_date,
    translations_for,
)
from .pofiles import Lookup
from .typography import date_text, name_with_credentials


@dataclass(frozen=True)
class Request:
    """What the front desk asked for: everything that varies per handout."""

    procedure: Procedure
    clinic: Clinic
    language: Language
    provider: Provider | None = None
    patient: str | None = None
    visit_date: dt.date | None = None
    draft: bool = False  # translation not yet signed off: print the draft notice
    allow_incomplete: bool = False  # untranslated messages print in English


def environment(roots: tuple[Path, ...]) -> jinja2.Environment:
    """The sandboxed, limited environment (see :mod:`handouts.sandbox`) for a template
    search path, reused while no template file under it changes (the key holds every
    template's bytes). Compiled templates stay in memory; nothing is written to disk.

    ``roots`` is the lookup order (a clinic's folder first). A clinic template can extend
    the built-in one of the same name as ``builtin:<name>``.
    """
    files = tuple((path, speed.digest(path)) for root in roots for path in _template_files(str(root)))
    return _ENVIRONMENTS.get((roots, files), lambda: _environment(roots))


_ENVIRONMENTS: speed.Memo[tuple[Any, ...], jinja2.Environment] = speed.Memo("templates", 8)


def _template_files(root: str) -> list[str]:
    """Every template file under a folder, in a stable order."""
    found = [os.path.join(folder, name) for folder, _, names in os.walk(root) for name in names if name.endswith(".j2")]
    return sorted(found)


def _environment(roots: tuple[Path, ...]) -> jinja2.Environment:
    builtin = jinja2.FileSystemLoader(str(roots[-1]))
    loader = jinja2.ChoiceLoader(
        [jinja2.FileSystemLoader([str(r) for r in roots]), jinja2.PrefixLoader({"builtin": builtin}, delimiter=":")]
    )
    env = sandbox.environment(
        loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["ext.i18n.trimmed"] = True  # msgids without layout whitespace
    # Compile {% trans %} the new-style way; each render passes its language's gettext
    # functions in its context (:func:`gettext_functions`), so the environment is never
    # changed after it is made and renders in several threads do not meet.
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.filters["display_url"] = display_url
    return env


def display_url(url: str) -> str:
    """A web address as people write it: no scheme, no trailing slash."""
    return re.sub(r"^https?://(www\.)?", "", str(url)).rstrip("/")


def render_xml(request: Request, roots: Sequence[Path], translations: Lookup | None = None) -> str:
    """Run the procedure's template for this request; returns the XML text.

    Templates are rendered afresh for every handout (a few milliseconds): nothing a
    template computes is reused, so what it does with the provider can never leak
    into another handout. Reuse starts below, in layout (see :mod:`handouts.speed`).
    """
    env = environment(tuple(roots))
    translations = translations or translations_for(request.language, request.clinic.locales_dir)
    template = sandbox.load(env, request.procedure.template)
    return sandbox.render(template, {**context(request, translations), **gettext_functions(translations)})


def gettext_functions(translations: gettext.NullTranslations) -> dict[str, Any]:
    """``gettext``, ``ngettext`` and ``_`` for templates, as Jinja2's new-style i18n makes
    them (the message is autoescaped, then always %-formatted with the named values),
    calling the catalog directly rather than back through the sandbox."""

    @jinja2.pass_context
    def gettext(__context: jinja2.runtime.Context, __string: str, **variables: Any) -> str:
        rv = translations.gettext(__string)
        if __context.eval_ctx.autoescape:
            rv = markupsafe.Markup(rv)
        return rv % variables

    @jinja2.pass_context
    def ngettext(__context: jinja2.runtime.Context, __singular: str, __plural: str, __num: int, **variables: Any) -> str:
        variables.setdefault("num", __num)
        rv = translations.ngettext(__singular, __plural, __num)
        if __context.eval_ctx.autoescape:
            rv = markupsafe.Markup(rv)
        return rv % variables

    return {"gettext": gettext, "ngettext": ngettext, "_": gettext}


class Slot:
    """Where personal text (the patient's name, the visit date and the dates derived
    from it) goes in template output.

    A template can place a slot (``{{ patient }}``) and test whether there is one
    (``{% if patient %}``), but cannot read, change or measure it: the value is not
    here at all. Layout fills slots at draw time, in flowables made for one handout
    and never cached, so personal text never passes through a template or a cache.
    """

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __html__(self) -> str:
        return f'<slot name="{markupsafe.escape(self._name)}"/>'

    def __str__(self) -> str:  # |upper, ~, |length, format...: refused with the reason
        raise self._refused()

    def __getattr__(self, name: str) -> Any:  # .upper(), .split()...: refused with the reason
        if name.startswith("_"):  # protocol look-ups (hasattr) see an ordinary missing name
            raise AttributeError(name)
        raise self._refused()

    def _refused(self) -> SecurityError:
        return SecurityError(f"{self._name} can only be placed with {{{{ ... }}}}; a template cannot read or change it")


def slot_names(procedure: Procedure) -> tuple[str, ...]:
    """Every slot a handout of this procedure can hold."""
    return ("patient", "visit_date", *(f"{kind}:{stone.id}" for stone in procedure.timeline for kind in ("when", "date")))


def fills(request: Request, dates: str = "long") -> dict[str, str]:
    """The personal text for each slot of this handout (computed outside templates)."""
    values: dict[str, str] = {}
    if request.patient:
        values["patient"] = name_with_credentials(request.patient)
    visit = request.visit_date
    if visit is None:
        return values
    locale = request.language.locale
    _ = translations_for(request.language, request.clinic.locales_dir).gettext
    lang = request.language.code
    values["visit_date"] = date_text(long_date(visit, locale), lang)
    for stone in request.procedure.timeline:
        if stone.end is None:
            when = _("On or after %(date)s") % {"date": date_text(timeline_date(visit + dt.timedelta(days=stone.start), locale, dates), lang)}
        else:
            when = date_text(date_range(visit + dt.timedelta(days=stone.start), visit + dt.timedelta(days=stone.end), locale, dates), lang)
        values[f"when:{stone.id}"] = when
        values[f"date:{stone.id}"] = date_text(timeline_date(visit + dt.timedelta(days=stone.start), locale, dates), lang)
    return values


def context(request: Request, translations: gettext.NullTranslations) -> dict[str, Any]:
    """Everything a template can use: plain values (strings, numbers, dates, lists and
    dicts of them), the project's formatting helpers, and slots for personal text.
    No object with methods of ours (no paths, no config objects) reaches a template."""
    locale = request.language.locale
    _ = translations.gettext
    visit = request.visit_date
    timeline = []
    for stone in request.procedure.timeline:
        when: Any = Slot(f"when:{stone.id}") if visit is not None else _(stone.when)
        timeline.append({"id": stone.id, "label": _(stone.label), "when": when, "start": stone.start, "end": stone.end})
    last_day = max((s.end or s.start for s in request.procedure.timeline), default=0)
    clinic, provider, procedure = request.clinic, request.provider, request.procedure
    return {
        "clinic": {
            "name": clinic.name,
            "address": list(clinic.address),
            "phone": clinic.phone,
            "after_hours_phone": clinic.after_hours_phone,
            "emergency_number": clinic.emergency_number,
            # The procedure's own page if the clinic gave one ([websites]), else the clinic's.
            "website": clinic.website_for(procedure.id),
            "country": clinic.country,
            "languages": [str(loc) for loc in clinic.languages],
            "is_demo": clinic.is_demo,
        },
        "provider": None if provider is None else {
            "id": provider.id,
            "name": provider.name,
            "phone": provider.phone,
            "procedures": list(provider.procedures),
            "languages": list(provider.languages),
        },
        "patient": Slot("patient") if request.patient else None,
        "procedure": {
            "id": procedure.id,
            "title": _(procedure.title),
            "subtitle": _(procedure.subtitle) if procedure.subtitle else "",
            "review_date": procedure.review_date,
        },
        "lang": request.language.code,
        "visit_date_text": Slot("visit_date") if visit is not None else None,
        "timeline": timeline,
        # With a visit date, the day each milestone starts ("not before {{ milestone_dates.next }}").
        "milestone_dates": {s.id: Slot(f"date:{s.id}") for s in request.procedure.timeline} if visit is not None else None,
        # Axis ticks every 4 weeks, far enough to show the last milestone.
        "timeline_weeks": list(range(0, -(-last_day // 28) * 4 + 1, 4)),
        "fever": temperature(100.4, 38, locale, request.clinic.country),
        # Translators: the emergency instruction, e.g. "call 911" (the number is the clinic's).
        "emergency": request.clinic.emergency or _("call %(number)s") % {"number": request.clinic.emergency_number},
        # Values in running text go through CLDR: "{{ duration(2, 'week') }}".
        "duration": lambda value, unit: duration(value, unit, locale),
        "number": lambda value: number(value, locale),
    }


def N_(message: str) -> str:
    """Mark a string for extraction without translating it here."""
    return message


#: Printed, in the handout's language and in English, on a handout whose catalog no
#: qualified reviewer has signed off.
DRAFT_NOTICE = N_("Draft translation — not yet reviewed by a qualified medical translator")


# --- XML -> model ------------------------------------------------------------------------

# Layout whitespace from templates collapses; no-break spaces are content (French puts
# one before "?" and ":") and stay.
_SPACE = re.compile(r"[ \t\n\r\f\v]+")
_INLINE_STYLES = {"b": "bold", "i": "italic", "phone": "keep", "url": "ltr"}


def parse_document(xml_text: str, request: Request, source: str, translations: Lookup | None = None) -> m.Document:
    """Parse template output into a :class:`~handouts.model.Document`.

    Vocabulary: ``<handout>`` holds ``<fields>``, ``<keypoints>``, ``<columns>``,
    ``<section>`` and ``<companion>`` (sections on pages of their own after the handout,
    outside its page budget). Sections hold ``<p>``, ``<ul>``/``<checklist>`` of ``<li>``,
    ``<timeline>``, ``<tier>``, ``<qa>``, ``<careteam>``, ``<notes>``, ``<note>`` and
    ``<diary>`` (``<column width="...">`` headings and ``<day>`` labels).
    Inline text may use ``<b>``, ``<i>``, ``<br/>``, ``<phone>``, ``<url>`` and
    ``<slot name="..."/>`` (personal text, filled in by layout).
    """
    slots = frozenset(slot_names(request.procedure))
    blocks = tuple(
        _COLUMNS.get((parts, source, slots), partial(_parse_columns, parts, source, slots))
        if isinstance(parts, tuple)
        else _parse_unit(parts, source, slots)
        for parts in _units(xml_text, source)
    )
    _ = (translations or translations_for(request.language, request.clinic.locales_dir)).gettext
    return m.Document(
        lang=request.language.code,
        rtl=request.language.rtl,
        title=_(request.procedure.title),
        subtitle=_(request.procedure.subtitle) if request.procedure.subtitle else "",
        blocks=blocks,
        # Translators: footer of every page, e.g. "Page 1 of 2".
        page_pattern=_("Page %(page)s of %(total)s"),
        # Translators: after a side-effect heading where its list goes on in the next column.
        continued=_("(continued)"),
        # Translators: what a screen reader says for the clinic's logo; %(clinic)s is its name.
        logo_alt=_("%(clinic)s logo"),
        notices=_draft_notice(_) if request.draft else (),
        # Translators: footer; %(date)s is the date the medical content was last reviewed.
        footer=_("Content reviewed %(date)s") % {"date": date_text(long_date(request.procedure.review_date, request.language.locale), request.language.code)},
    )


# Parsed pieces of template output, keyed on their exact text: a batch's handouts share
# every section but the provider's lines. (Rendering the template is not reused.)
_UNITS: speed.Memo[tuple[bytes, str, frozenset[str], bool], m.TopBlock] = speed.Memo("parsed-sections", 256)
_COLUMNS: speed.Memo[tuple[tuple[bytes, ...], str, frozenset[str]], m.Columns] = speed.Memo("parsed-columns", 64)


def _units(xml_text: str, source: str) -> list[bytes | tuple[bytes, ...]]:
    """The text of each top-level element of the document (a ``<columns>`` as the texts
    of its sections), found with one pass of expat; malformed output is an error."""
    data = xml_text.encode("utf-8")
    parser = expat.ParserCreate("utf-8")
    stack: list[str] = []
    units: list[bytes | tuple[bytes, ...]] = []
    columns: list[bytes] = []
    starts: list[int] = []

    def start(tag: str, _attrs: object) -> None:
        stack.append(tag)
        if len(stack) == 2 or (len(stack) == 3 and stack[1] == "columns"):
            starts.append(parser.CurrentByteIndex)

    def end(tag: str) -> None:
        depth = len(stack)
        stack.pop()
        if depth == 2 and tag == "columns":
            starts.pop()
            units.append(tuple(columns))
            columns.clear()
        elif depth == 2 or (depth == 3 and stack[1] == "columns"):
            begin, close = starts.pop(), data.index(b">", parser.CurrentByteIndex) + 1
            (columns if depth == 3 else units).append(data[begin:close])

    parser.StartElementHandler, parser.EndElementHandler = start, end
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise ContentError(f"{source}: template output is not well-formed at line {exc.lineno}: {expat.errors.messages[exc.code]}") from None
    return units


def _parse_columns(parts: tuple[bytes, ...], source: str, slots: frozenset[str]) -> m.Columns:
    return m.Columns(tuple(_parse_unit(part, source, slots, True) for part in parts))


def _parse_unit(text: bytes, source: str, slots: frozenset[str], in_columns: bool = False) -> Any:
    """One top-level element (or a section of ``<columns>``) as a model block."""

    def parse() -> m.TopBlock:
        parser = _Parser(source, slots)
        element = ET.fromstring(text)
        return parser.section(element) if in_columns else parser.top(element)

    return _UNITS.get((text, source, slots, in_columns), parse)


def _draft_notice(gettext_: object) -> tuple[str, ...]:
    """The draft notice in the handout's language, then in English (once if the same)."""
    translated = gettext_(DRAFT_NOTICE)  # type: ignore[operator]
    return (translated,) if translated == DRAFT_NOTICE else (translated, DRAFT_NOTICE)


class _Parser:
    def __init__(self, source: str, slots: frozenset[str]) -> None:
        self.source = source
        self.slots = slots

    def fail(self, el: ET.Element, message: str) -> ContentError:
        return ContentError(f"{self.source}: <{el.tag}>: {message}")

    def attr(self, el: ET.Element, name: str, default: str | None = None) -> str:
        value = el.get(name, default)
        if value is None:
            raise self.fail(el, f"missing attribute \"{name}\"")
        return _SPACE.sub(" ", value).strip()

    def top(self, el: ET.Element) -> m.TopBlock:
        if el.tag == "fields":
            return m.Fields(tuple((self.attr(f, "label"), self.inline(f)) for f in el))
        if el.tag == "keypoints":
            return m.KeyPoints(self.attr(el, "title"), self.blocks(el), self.attr(el, "action_title", ""))
        if el.tag == "columns":
            return m.Columns(tuple(self.section(s) for s in el))
        if el.tag == "companion":
            return m.Companion(tuple(self.section(s) for s in el))
        if el.tag == "section":
            return self.section(el)
        raise self.fail(el, "not allowed at the top level")

    def section(self, el: ET.Element) -> m.Section:
        if el.tag != "section":
            raise self.fail(el, "only <section> is allowed inside <columns>")
        return m.Section(
            id=self.attr(el, "id"),
            title=self.attr(el, "title"),
            blocks=self.blocks(el),
        )

    def blocks(self, parent: ET.Element) -> tuple[m.Block, ...]:
        """Child blocks; consecutive bare ``<li>`` become one bullet list."""
        out: list[m.Block] = []
        loose: list[m.Inline] = []
        for el in parent:
            if el.tag == "li":
                loose.append(self.inline(el))
                continue
            if loose:
                out.append(m.ItemList(tuple(loose)))
                loose = []
            out.append(self.block(el))
        if loose:
            out.append(m.ItemList(tuple(loose)))
        return tuple(out)

    def block(self, el: ET.Element) -> m.Block:
        tag = el.tag
        if tag == "p":
            return m.Para(self.inline(el))
        if tag == "action":
            return m.Para(self.inline(el), style="action")
        if tag in ("ul", "checklist"):
            items = tuple(self.inline(li) for li in el if li.tag == "li")
            return m.ItemList(items, kind="check" if tag == "checklist" else "bullet")
        if tag == "timeline":
            stones = tuple(
                m.Milestone(
                    id=self.attr(s, "id"),
                    label=self.attr(s, "label"),
                    when=self.inline(s),
                    start=int(self.attr(s, "start")),
                    end=int(end) if (end := s.get("end")) else None,
                )
                for s in el.iter("milestone")
            )
            ticks = tuple((int(self.attr(t, "day")), self.attr(t, "label")) for t in el.iter("tick"))
            axis = el.find("axis")
            return m.Timeline(stones, ticks, self.attr(axis, "label") if axis is not None else "")
        if tag == "tier":
            level = self.attr(el, "level")
            if level not in ("mild", "call", "emergency"):
                raise self.fail(el, f"level \"{level}\" is not one of: mild, call, emergency")
            return m.Tier(level, self.attr(el, "title"), self.attr(el, "label", ""), self.blocks(el))
        if tag == "qa":
            q, a = el.find("q"), el.find("a")
            if q is None or a is None:
                raise self.fail(el, "needs a <q> and an <a>")
            return m.QA(self.inline(q), self.inline(a))
        if tag == "careteam":
            rows = tuple((self.attr(r, "label"), self.inline(r)) for r in el.iter("row"))
            return m.CareTeam(
                rows, el.get("qr") or None, self.attr(el, "qr_caption", ""), self.attr(el, "qr_text", ""), self.attr(el, "qr_alt", "")
            )
        if tag == "notes":
            return m.Notes(self.attr(el, "label", ""), int(el.get("lines", "3")))
        if tag == "note":
            return m.Note(self.blocks(el))
        if tag == "diary":
            columns = []
            for col in el.iter("column"):
                try:
                    width = float(self.attr(col, "width", "1"))
                except ValueError:
                    raise self.fail(col, "width must be a number") from None
                if not 0 < width <= 10:
                    raise self.fail(col, "width must be above 0 and at most 10")
                columns.append((_text(col), width))
            days = tuple(_text(d) for d in el.iter("day"))
            if not columns or not days or len(days) > 62:
                raise self.fail(el, "needs <column>s and 1 to 62 <day>s")
            return m.Diary(tuple(columns), days)
        raise self.fail(el, "unknown element")

    def inline(self, el: ET.Element) -> m.Inline:
        """Flatten mixed content into runs, collapsing layout whitespace."""
        runs: list[m.Run] = []

        def walk(node: ET.Element, style: dict[str, Any]) -> None:
            if node.text:
                runs.append(m.Run(node.text, **style))
            for child in node:
                if child.tag == "br":
                    runs.append(m.Run("", newline=True, **style))
                elif child.tag == "slot":
                    name = self.attr(child, "name")
                    if name not in self.slots:
                        raise self.fail(child, f"unknown slot \"{name}\"; expected one of: {', '.join(sorted(self.slots))}")
                    runs.append(m.Run("", slot=name, **style))
                elif child.tag in _INLINE_STYLES:
                    walk(child, {**style, _INLINE_STYLES[child.tag]: True, **({"ltr": True} if child.tag == "phone" else {})})
                else:
                    raise self.fail(child, f"unknown inline element inside <{el.tag}>")
                if child.tail:
                    runs.append(m.Run(child.tail, **style))

        walk(el, {})
        return _tidy(runs)


def _text(el: ET.Element) -> str:
    return _SPACE.sub(" ", "".join(el.itertext())).strip()


def _tidy(runs: list[m.Run]) -> m.Inline:
    """Collapse whitespace across runs and trim the ends, as a browser would."""
    out: list[m.Run] = []
    prev_space = True
    for run in runs:
        text = _SPACE.sub(" ", run.text)
        if run.newline:
            prev_space = True
            if out and out[-1].text.endswith(" "):
                last = out[-1]
                out[-1] = m.Run(last.text.rstrip(), last.bold, last.italic, last.keep, last.ltr, last.newline)
        if prev_space:
            text = text.lstrip()
        if run.slot is not None:
            out.append(run)
            prev_space = False
        elif text or run.newline:
            out.append(m.Run(text, run.bold, run.italic, run.keep, run.ltr, run.newline))
            prev_space = text.endswith(" ") if text else prev_space
    if out and out[-1].text.endswith(" "):
        last = out[-1]
        out[-1] = m.Run(last.text.rstrip(), last.bold, last.italic, last.keep, last.ltr, last.newline)
    return tuple(out)


def render_document(request: Request, roots: Sequence[Path]) -> m.Document:
    """Templates -> XML -> document model."""
    translations = translations_for(request.language, request.clinic.locales_dir)
    xml_text = render_xml(request, roots, translations)
    document = parse_document(xml_text, request, request.procedure.template, translations)
    if not translations.missing:
        return document
    missing = tuple(translations.missing)
    if not request.allow_incomplete:
        from .catalogs import source_ids

        code = request.language.code
        own = [msgid for msgid in missing if msgid not in source_ids()]
        first = (own or missing)[0]
        first = first if len(first) <= 60 else first[:57] + "..."
        if own:  # the clinic's own wording
            where = f"{request.clinic.locales_dir or 'locales'}/{code}/LC_MESSAGES/handouts.po (next to clinic.toml)"
            raise IncompleteTranslation(
                f"the {code} translation lacks {len(own)} of the clinic's own message(s) this handout uses, e.g. {first!r}; "
                f"translate them in {where}, or use --allow-incomplete to print them in English"
            )
        raise IncompleteTranslation(
            f"the {code} catalog is incomplete: {len(missing)} message(s) this handout uses are not translated, e.g. {first!r}; "
            "use --allow-incomplete to print them in English"
        )
    return replace(document, untranslated=missing)

