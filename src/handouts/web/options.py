"""What the form offers: the clinic's procedures, providers and languages.

Worked out once when the server starts, from the same functions ``handouts list``
uses; the clinic's files are read then, as the workers read them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..config import Clinic


@dataclass(frozen=True)
class ProcedureOption:
    id: str
    title: str


@dataclass(frozen=True)
class ProviderOption:
    id: str
    name: str
    procedures: tuple[str, ...]


@dataclass(frozen=True)
class LanguageOption:
    code: str  # as --lang takes it
    name: str  # in the language itself and its own script: "Español", "العربية"
    english: str  # for staff who do not read that script
    tag: str  # BCP 47, for the HTML lang attribute: "zh-Hans", "pt-BR"
    dir: str  # "ltr" or "rtl"


@dataclass(frozen=True)
class Options:
    clinic: str
    demo: bool
    procedures: tuple[ProcedureOption, ...]
    providers: tuple[ProviderOption, ...]
    languages: tuple[LanguageOption, ...]
    paper: str  # the clinic's paper, the form's default

    def as_dict(self) -> dict:
        return asdict(self)


def _capitalised(name: str) -> str:
    """A language name as it starts a menu item: "español" becomes "Español" (a no-op
    for scripts without capitals)."""
    return name[:1].upper() + name[1:]


def language_options(clinic: Clinic) -> tuple[LanguageOption, ...]:
    """The clinic's languages that handouts can render (all of them if it names
    none), each named in itself; English first, then by English name."""
    from ..i18n import available_languages

    available = available_languages()
    offered = [str(loc) for loc in clinic.languages if str(loc) in available] or list(available)
    found = []
    for code in dict.fromkeys(offered):
        locale = available[code].locale
        found.append(
            LanguageOption(
                code=code,
                name=_capitalised(locale.display_name or code),
                english=locale.get_display_name("en") or code,
                tag=code.replace("_", "-"),
                dir=locale.text_direction,
            )
        )
    return tuple(sorted(found, key=lambda o: (o.code != "en", o.english)))


def options_for(clinic: Clinic) -> Options:
    """Everything the form lists for this clinic."""
    from ..content import read_metadata
    from ..i18n import default_paper
    from ..pipeline import procedures

    procs = tuple(ProcedureOption(pid, read_metadata(folder).title) for pid, folder in sorted(procedures(clinic).items()))
    providers = tuple(ProviderOption(p.id, p.name, tuple(p.procedures)) for p in clinic.providers)
    return Options(
        clinic=clinic.name,
        demo=clinic.is_demo,
        procedures=procs,
        providers=providers,
        languages=language_options(clinic),
        paper=(clinic.paper or default_paper(clinic.country)).lower(),
    )
