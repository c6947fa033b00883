"""The one exception family that library code raises.

The CLI turns every :class:`HandoutsError` into a single ``Error: ...`` line on stderr
and exits with :attr:`HandoutsError.exit_code`; nothing else should escape to the user.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


class HandoutsError(Exception):
    """Base class: bad data (exit code 1)."""

    exit_code = 1


class UsageError(HandoutsError):
    """The user asked for something that does not exist (exit code 2)."""

    exit_code = 2


class ConfigError(HandoutsError):
    """A clinic configuration has one or more problems.

    All problems are collected before raising so the admin can fix them in one pass.
    """

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = tuple(problems)
        if len(self.problems) == 1:
            message = f"{source}: {self.problems[0]}"
        else:
            lines = "\n".join(f"  {p}" for p in self.problems)
            message = f"{source}: {len(self.problems)} problems\n{lines}"
        super().__init__(message)


class ContentError(HandoutsError):
    """A procedure's metadata or template is broken."""


class GlyphError(HandoutsError):
    """The text needs a character that no configured font can draw."""


class OutputError(HandoutsError):
    """The PDF cannot be written where the user asked."""


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice a mistyped ``word`` most likely meant, if any ("did you mean" hints)."""
    import difflib  # error paths only: kept out of every start-up

    match = difflib.get_close_matches(word, list(choices), n=1)
    return match[0] if match else None


class IncompleteTranslation(HandoutsError):
    """A handout would print in English messages its language should translate."""
