"""A narrow view of the statute / institution / procedure registry, as the taxonomy needs it.

The statutes package is the source of truth (laws, articles, institutions, procedures). This module only
adapts it to the few questions the taxonomy asks: does this article exist and is it in force, is this
institution active, which procedure is this. statutes ships with kcc, so there is no second source: a broken
statute registry is an error here, not a quiet switch to other data.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

ArticleStatus = Literal[
    "ok", "unknown_law", "not_official_name", "article_not_found", "article_deleted", "not_yet_in_force"
]


@dataclass(frozen=True)
class ArticleCheck:
    status: ArticleStatus
    official_name: str | None = None
    title: str | None = None  # heading in force on the snapshot date

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class InstitutionInfo:
    id: str
    name: str
    numbers: tuple[str, ...]
    number_text: str
    status: str  # "active" | "replaced" | "unverified"
    status_text: str
    verification: str
    replaced_by: str | None = None

    @property
    def active(self) -> bool:
        return self.status == "active"

    @property
    def display(self) -> str:
        """Name with its number(s), as it should appear in prompts and cards."""
        if self.number_text and self.number_text not in self.name:
            return f"{self.name} ({self.number_text})"
        missing = [n for n in self.numbers if n not in self.name]
        return f"{self.name} ({', '.join(missing)})" if missing else self.name


@dataclass(frozen=True)
class ProcedureInfo:
    id: str
    name: str
    institutions: tuple[str, ...]
    legal_basis: tuple[tuple[str, str], ...]  # (official law name, article)


def _dot(s: str) -> str:
    return s.replace("·", "ㆍ").replace("・", "ㆍ")


def _key(s: str) -> str:
    return "".join(_dot(s).split())


def _article_check(name: str, art: object | None, law_is_official: bool) -> ArticleCheck:
    if art is None:
        return ArticleCheck("article_not_found", name)
    def field(k: str) -> object:
        return getattr(art, k, None)

    title = field("in_force_title") or field("title")
    if field("deleted") is not False:  # True, or None: a heading with no body in the source
        return ArticleCheck("article_deleted", name, title)
    if field("not_yet_in_force"):
        return ArticleCheck("not_yet_in_force", name, title)
    if not law_is_official:
        return ArticleCheck("not_official_name", name, title)
    return ArticleCheck("ok", name, title)


class _StatutesBackend:
    """Backed by the statutes package: `registry()` for laws, `institution_registry()` for the rest."""

    source = "statutes"

    def __init__(self) -> None:
        from statutes.institutions import institution_registry
        from statutes.registry import registry

        self._reg = registry()
        self._inst = institution_registry()

    def _institutions(self) -> dict:
        return self._inst.by_id

    def _procedures(self) -> dict:
        return self._inst.procedures

    def check_article(self, law: str, article: str) -> ArticleCheck:
        by_name = self._reg.by_name
        official = by_name.get(law) or next((v for k, v in by_name.items() if _key(k) == _key(law)), None)
        if official is None:
            res = self._reg.resolve(law, fuzzy=False)  # an alias (성폭력처벌법) resolves, but is not official
            official = res.law if res.kind == "registry" else None
            if official is None:
                return ArticleCheck("unknown_law")
        return _article_check(official.name, self._reg.article(official, article), official.name == law)

    def institution(self, inst_id: str) -> InstitutionInfo | None:
        inst = self._institutions().get(inst_id)
        if inst is None:
            return None
        return InstitutionInfo(
            id=inst.id,
            name=inst.name,
            numbers=tuple(inst.numbers),
            number_text=inst.number_text,
            status=inst.status,
            status_text=inst.status_text,
            verification=inst.verification,
            replaced_by=inst.replaced_by,
        )

    def procedure(self, proc_id: str) -> ProcedureInfo | None:
        p = self._procedures().get(proc_id)
        if p is None:
            return None
        return ProcedureInfo(
            id=p.id,
            name=p.name,
            institutions=tuple(p.institutions),
            legal_basis=tuple((b.law, b.article) for b in p.legal_basis),
        )


@cache
def backend() -> _StatutesBackend:
    """The statute and institution registries, loaded once."""
    return _StatutesBackend()


def check_article(law: str, article: str) -> ArticleCheck:
    return backend().check_article(law, article)


def institution(inst_id: str) -> InstitutionInfo | None:
    return backend().institution(inst_id)


def procedure(proc_id: str) -> ProcedureInfo | None:
    return backend().procedure(proc_id)
