"""Where a line may not break: no-break spaces that keep units of meaning together.

ReportLab breaks at any space. A handout must not leave "December 28," at the end of one
line and "2026" at the start of the next, "Suite" without its "200", "Ana Rivera," apart
from her "MD", or a number apart from its unit. The rules here turn the spaces inside
such units into no-break spaces (U+00A0, which every font has), before layout:

- a number and the word next to it ("30 minutes", "Week 4", "Suite 200", "100.4°F");
- a short parenthesis holding a number ("(약 5명 중 1명)");
- each half of a date or date range, with the break allowed after the dash;
- a name and its credentials;
- French: the space before ``: ; ? !`` (a no-break space, as French typesetting asks),
  and "1er" for the first day of a month;
- Polish and Czech: a one-letter word stays with the word after it.
"""

from __future__ import annotations

import re

NBSP = "\u00a0"
#: A name or value this short is kept on one line; a longer one may break.
SHORT = 32

# A space between a number and a word (either order). Not in Chinese or Japanese, which
# break between characters anyway, nor between a number and a dash or bracket.
_NUMBER_WORD = re.compile(r"(?<=\d)[ \u2009\u202f](?=[^\W\d_]|°|%)|(?<=[^\W\d_])[ \u2009\u202f](?=\d)")
_FRENCH_PUNCTUATION = re.compile(r"[ \u2009\u202f]+(?=[:;?!»])|(?<=«)[ \u2009\u202f]+")
_ONE_LETTER = {
    "pl": re.compile(r"(?<![^\s(„\"])([aiouwzAIOUWZ]) "),
    "cs": re.compile(r"(?<![^\s(„\"])([aiouvkszAIOUVKSZ]) "),
}
_CJK = ("zh", "ja")
#: A parenthesis holding a number and at most this many letters ("(약 5명 중 1명)") is
#: kept on one line (Chinese and Japanese: see internals._kept_together).
SHORT_ASIDE = 6
_ASIDE = re.compile(r"\([^()\n]{1,40}\)")
_LETTER = re.compile(r"[^\W_]")


def short_aside(aside: str) -> bool:
    """Whether a parenthesis holds a number and at most :data:`SHORT_ASIDE` letters: a
    unit of meaning ("(about 1 in 5)") a line does not break inside."""
    return any(c.isdigit() for c in aside) and len(_LETTER.findall(aside)) <= SHORT_ASIDE


def _short_aside(match: re.Match[str]) -> str:
    aside = match.group(0)
    return re.sub(r"[ \u2009\u202f]", NBSP, aside) if short_aside(aside) else aside


def keep_together(text: str, lang: str) -> str:
    """Text with no-break spaces where a line must not break, by the language's rules."""
    base = lang.split("_")[0]
    if base in _CJK or " " not in text:
        return text
    text = _NUMBER_WORD.sub(NBSP, text)
    text = _ASIDE.sub(_short_aside, text)
    if base == "fr":
        text = _FRENCH_PUNCTUATION.sub(NBSP, text)
    one_letter = _ONE_LETTER.get(base)
    if one_letter is not None:
        text = one_letter.sub(r"\1" + NBSP, text)
    return text


#: A range's second half this short (characters, not counting spaces) stays on its line.
_LONE_DAY = 3
_DASH = re.compile(r"[ \u00a0\u2009\u202f]*([–—~-])[ \u00a0\u2009\u202f]*")
_FRENCH_FIRST = re.compile(
    r"(?<!\d)1(?=[ \u00a0](janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre))"
)


def date_text(text: str, lang: str) -> str:
    """A formatted date or date range as it goes on the page: each half unbreakable, a
    break allowed only after the range's dash ("December 28, 2026 – / January 1, 2027");
    French writes the first of the month "1er"."""
    if lang.split("_")[0] == "fr":
        text = _FRENCH_FIRST.sub("1er", text)
    halves = _DASH.split(text)
    if len(halves) != 3:  # not a range (or an unusual one): the whole date stays together
        return re.sub(r"[ \u2009\u202f]", NBSP, text)
    first, dash, second = (re.sub(r"[ \u2009\u202f]", NBSP, part) for part in halves)
    # A half that is only a day ("25일", "14日") is too short to begin a line alone: the
    # range stays whole ("2027년 1월 11일 ~ 25일").
    after = NBSP if len(second.replace(NBSP, "")) <= _LONE_DAY else " "
    return f"{first}{NBSP}{dash}{after}{second}"


def name_with_credentials(name: str) -> str:
    """A person's name and credentials kept on one line ("Ana Rivera, MD"); a long name
    may break, but its last word stays with the credentials."""
    words = name.split()
    if len(name) <= SHORT:
        return NBSP.join(words)
    head = next((i for i, w in enumerate(words) if w.endswith(",")), len(words) - 1)
    keep = max(head, 0)
    return " ".join(words[:keep]) + (" " if keep else "") + NBSP.join(words[keep:])


# How a sentence ends, where it is not ". " (full stops of Chinese and Japanese, the
# Devanagari danda).
_FULL_STOP = {"zh": "。", "ja": "。", "hi": "। "}


def sentences(lines: list[str], lang: str) -> str:
    """Lines read as one text of sentences (a chart's milestones for a screen reader):
    each ends with the language's full stop unless it has one."""
    stop = _FULL_STOP.get(lang.split("_")[0], ". ")
    gap = " " if stop.endswith(" ") else ""
    ends = (".", "。", "।", "!", "?", "؟")
    out = [line.strip() + ("" if line.strip().endswith(ends) else stop.strip()) for line in lines if line.strip()]
    return gap.join(out)
