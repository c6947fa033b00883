"""Fill a procedure's Jinja2 templates and parse the result into the document model.

Templates run in Jinja2's sandbox (a clinic may supply its own), with StrictUndefined
(a typo is an error, not an empty string) and autoescaping (clinic and patient data
cannot inject markup). Patient text is translated through gettext's ``{% trans %}``.
The output is a small XML vocabulary, documented in :func:`parse_document`.
"""

from __future__ import annotations

import datetime as dt
import gettext
import re
import xml.etree.ElementTree as ET
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from . import model as m
from .config import Clinic, Provider
from .content import Procedure
from .errors import ContentError
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
    dates: str = "long"  # how the timeline writes dates (i18n.DATE_STYLES): shorter saves a page


@lru_cache(maxsize=8)
def environment(roots: tuple[Path, ...]) -> jinja2.Environment:
    """One sandboxed environment per template search path.

    ``roots`` is the lookup order (a clinic's folder first). A clinic template can extend
    the built-in one of the same name as ``builtin:<name>``.
    """
    builtin = jinja2.FileSystemLoader(str(roots[-1]))
    loader = jinja2.ChoiceLoader(
        [jinja2.FileSystemLoader([str(r) for r in roots]), jinja2.PrefixLoader({"builtin": builtin}, delimiter=":")]
    )
    env = ImmutableSandboxedEnvironment(
        loader=loader,
        bytecode_cache=_bytecode_cache(),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["ext.i18n.trimmed"] = True  # msgids without layout whitespace
    env.filters["display_url"] = display_url
    return env


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates on disk, so a cold start skips compiling them (a sixth of a
    cold run). Holds template code only, never a handout's data; Jinja2 checks each
    template's source, so an edited template is compiled again."""
    import os

    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "handouts" / "jinja"
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(root)) if os.access(root, os.W_OK) else None


def display_url(url: str) -> str:
    """A web address as people write it: no scheme, no trailing slash."""
    return re.sub(r"^https?://(www\.)?", "", url).rstrip("/")


def render_xml(request: Request, roots: Sequence[Path]) -> str:
    """Run the procedure's template for this request; returns the XML text.

    A batch renders the same template for provider after provider. For a request with
    a provider and no patient data, the template output with stand-in provider values
    is kept, and the real values are filled into it: the same text, without running
    the template again. This is trusted only after two stand-ins of different length
    and letters, filled in, both gave exactly what the template gave for the real
    provider; a template that does more with the provider than print it (changes its
    case, measures it) fails that check and is always run in full.
    """
    provider = request.provider
    if provider is None or request.patient is not None or request.visit_date is not None:
        return _render_xml(request, roots)
    # Patient data never gets here (nor into this cache): batches are not personalised.
    key = (tuple(roots), replace(request, provider=None, clinic=replace(request.clinic, providers=())), bool(provider.phone))
    if key not in _FILLABLE:  # first time: just render (a single handout never pays for the check)
        if len(_FILLABLE) >= 64:
            _FILLABLE.popitem(last=False)
        _FILLABLE[key] = None
        return _render_xml(request, roots)
    kept = _FILLABLE[key]
    if kept is None:  # second time: a batch, so check whether filling in works
        real = _render_xml(request, roots)
        outputs = [_render_xml(replace(request, provider=_stand_in(i, provider)), roots) for i in range(len(_STAND_INS))]
        fillable = all(_fill(out, i, provider) == real for i, out in enumerate(outputs))
        _FILLABLE[key] = outputs[0] if fillable else ""
        return real
    _FILLABLE.move_to_end(key)
    return _fill(kept, 0, provider) if kept else _render_xml(request, roots)


# Stand-in provider names and phones: private-use characters around letters that change
# under case mapping, of different lengths.
_STAND_INS = (("\ue000a\ue001", "\ue002b\ue003"), ("\ue000Zyx Wv, QP\ue001", "\ue002(999) 999-9999\ue003"))
# Per request kind: None (seen once), template output with stand-in 0, or "" (always render).
_FILLABLE: OrderedDict[tuple, str | None] = OrderedDict()


def _stand_in(index: int, provider: Provider) -> Provider:
    name, phone = _STAND_INS[index]
    return replace(provider, name=name, phone=phone if provider.phone else "")


def _fill(xml_text: str, index: int, provider: Provider) -> str:
    """Template output with a stand-in's values replaced by the provider's, escaped as
    the template's autoescaping escapes them."""
    name, phone = _STAND_INS[index]
    xml_text = xml_text.replace(name, str(markupsafe.escape(provider.name)))
    return xml_text.replace(phone, str(markupsafe.escape(provider.phone))) if provider.phone else xml_text


def _render_xml(request: Request, roots: Sequence[Path]) -> str:
    env = environment(tuple(roots))
    translations = translations_for(request.language, request.clinic.locales_dir)
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    try:
        template = env.get_template(request.procedure.template)
        return template.render(_context(request, translations))
    except jinja2.TemplateSyntaxError as exc:
        raise ContentError(f"{exc.filename or exc.name}:{exc.lineno}: template syntax error: {exc.message}") from None
    except SecurityError as exc:
        raise ContentError(f"{_where(exc)}template tried something unsafe and was stopped: {exc}") from None
    except jinja2.UndefinedError as exc:
        raise ContentError(f"{_where(exc)}template uses an undefined value: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise ContentError(f"template not found: {exc.name}") from None


def _where(exc: BaseException) -> str:
    """``file:line: `` of the innermost template frame of a runtime error, if known."""
    tb = exc.__traceback__
    where = ""
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename.endswith(".j2"):
            template = tb.tb_frame.f_globals.get("__jinja_template__")
            lineno = template.get_corresponding_lineno(tb.tb_lineno) if template else tb.tb_lineno
            where = f"{code.co_filename}:{lineno}: "
        tb = tb.tb_next
    return where


def _context(request: Request, translations: gettext.NullTranslations) -> dict[str, Any]:
    """Everything a template can use. Values are plain data, never markup."""
    locale = request.language.locale
    _ = translations.gettext
    visit = request.visit_date
    timeline = []
    for stone in request.procedure.timeline:
        if visit is None:
            when = _(stone.when)
        elif stone.end is None:
            when = _("On or after %(date)s") % {"date": timeline_date(visit + dt.timedelta(days=stone.start), locale, request.dates)}
        else:
            when = date_range(visit + dt.timedelta(days=stone.start), visit + dt.timedelta(days=stone.end), locale, request.dates)
        timeline.append(
            {"id": stone.id, "label": _(stone.label), "when": when, "start": stone.start, "end": stone.end}
        )
    last_day = max((s.end or s.start for s in request.procedure.timeline), default=0)
    return {
        "clinic": request.clinic,
        "provider": request.provider,
        "patient": request.patient,
        "procedure": request.procedure,
        "lang": request.language.code,
        "visit_date_text": long_date(visit, locale) if visit else None,
        "timeline": timeline,
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


def parse_document(xml_text: str, request: Request, source: str) -> m.Document:
    """Parse template output into a :class:`~handouts.model.Document`.

    Vocabulary: ``<handout>`` holds ``<fields>``, ``<keypoints>``, ``<columns>`` and
    ``<section>``. Sections hold ``<p>``, ``<ul>``/``<checklist>`` of ``<li>``,
    ``<timeline>``, ``<tier>``, ``<qa>``, ``<careteam>``, ``<notes>`` and ``<note>``.
    Inline text may use ``<b>``, ``<i>``, ``<br/>``, ``<phone>`` and ``<url>``.
    """
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else "?"
        raise ContentError(f"{source}: template output is not well-formed at line {line}: {exc}") from None
    parser = _Parser(source)
    blocks = tuple(parser.top(child) for child in root)
    _ = translations_for(request.language, request.clinic.locales_dir).gettext
    personal = [request.patient or ""]
    if request.provider is not None:
        personal += [request.provider.name, request.provider.phone]
    if request.visit_date is not None:
        personal.append(long_date(request.visit_date, request.language.locale))
        stones = (b for s in m.sections(blocks) for b in s.blocks if isinstance(b, m.Timeline))
        personal += [stone.when for timeline in stones for stone in timeline.milestones]
    return m.Document(
        lang=request.language.code,
        rtl=request.language.rtl,
        title=_(request.procedure.title),
        subtitle=_(request.procedure.subtitle) if request.procedure.subtitle else "",
        blocks=blocks,
        # Translators: footer of every page, e.g. "Page 1 of 2".
        page_pattern=_("Page %(page)s of %(total)s"),
        notices=_draft_notice(_) if request.draft else (),
        # Translators: footer; %(date)s is the date the medical content was last reviewed.
        footer=_("Content reviewed %(date)s") % {"date": long_date(request.procedure.review_date, request.language.locale)},
        personal=tuple(p for p in dict.fromkeys(personal) if p),
    )


def _draft_notice(gettext_: object) -> tuple[str, ...]:
    """The draft notice in the handout's language, then in English (once if the same)."""
    translated = gettext_(DRAFT_NOTICE)  # type: ignore[operator]
    return (translated,) if translated == DRAFT_NOTICE else (translated, DRAFT_NOTICE)


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, el: ET.Element, message: str) -> ContentError:
        return ContentError(f"{self.source}: <{el.tag}>: {message}")

    def attr(self, el: ET.Element, name: str, default: str | None = None) -> str:
        value = el.get(name, default)
        if value is None:
            raise self.fail(el, f"missing attribute \"{name}\"")
        return _SPACE.sub(" ", value).strip()

    def top(self, el: ET.Element) -> m.TopBlock:
        if el.tag == "fields":
            return m.Fields(tuple((self.attr(f, "label"), _text(f)) for f in el))
        if el.tag == "keypoints":
            return m.KeyPoints(self.attr(el, "title"), self.blocks(el), self.attr(el, "action_title", ""))
        if el.tag == "columns":
            return m.Columns(tuple(self.section(s) for s in el))
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
                    when=_text(s),
                    start=int(self.attr(s, "start")),
                    end=int(s.get("end")) if s.get("end") else None,
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
            return m.CareTeam(rows, el.get("qr") or None, self.attr(el, "qr_caption", ""), self.attr(el, "qr_text", ""))
        if tag == "notes":
            return m.Notes(self.attr(el, "label", ""), int(el.get("lines", "3")))
        if tag == "note":
            return m.Note(self.blocks(el))
        raise self.fail(el, "unknown element")

    def inline(self, el: ET.Element) -> m.Inline:
        """Flatten mixed content into runs, collapsing layout whitespace."""
        runs: list[m.Run] = []

        def walk(node: ET.Element, style: dict[str, bool]) -> None:
            if node.text:
                runs.append(m.Run(node.text, **style))
            for child in node:
                if child.tag == "br":
                    runs.append(m.Run("", newline=True, **style))
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
        if text or run.newline:
            out.append(m.Run(text, run.bold, run.italic, run.keep, run.ltr, run.newline))
            prev_space = text.endswith(" ") if text else prev_space
    if out and out[-1].text.endswith(" "):
        last = out[-1]
        out[-1] = m.Run(last.text.rstrip(), last.bold, last.italic, last.keep, last.ltr, last.newline)
    return tuple(out)


def render_document(request: Request, roots: Sequence[Path]) -> m.Document:
    """Templates -> XML -> document model."""
    xml_text = render_xml(request, roots)
    return parse_document(xml_text, request, request.procedure.template)
