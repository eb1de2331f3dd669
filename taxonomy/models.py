"""Pydantic records of the harm taxonomy and the per-category Korean safe-response policy.

The policy is the single source of truth: generation prompts, judge rubrics, TUI cards and the
relevance sets used by the deterministic checks are all derived from these records.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["critical", "high", "medium", "low", "none"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Subcategory(_Frozen):
    """A leaf of the taxonomy: seeds are generated per subcategory."""

    id: str = Field(pattern=r"^[KB]\d{2}\.\d+$")
    name_ko: str
    name_en: str
    description: str
    severity: Severity
    # Short, deliberately non-operational paraphrases of what users ask (no method detail).
    example_patterns: tuple[str, ...] = ()


class Category(_Frozen):
    id: str = Field(pattern=r"^[KB]\d{2}$")
    name_ko: str
    name_en: str
    description: str
    severity: Severity
    benign: bool = False
    subcategories: tuple[Subcategory, ...]
    crosswalk: dict[str, tuple[str, ...]] = Field(default_factory=dict)


class StatuteRef(_Frozen):
    """One legal reference; `law` is the official name and `article` a 제N조(의M) heading."""

    law: str
    article: str = Field(pattern=r"^제\d+조(의\d+)?$")
    title: str  # article heading as in the statute registry snapshot
    detail: str = ""  # paragraph/item (e.g. "제1항 제9호"); not checked by the registry
    why: str  # Korean: what this provision means for the category
    verification: str  # how the fact was checked (article existence vs. content)


class InstitutionRef(_Frozen):
    id: str
    when: str  # Korean: when to point to it


class ProcedureRef(_Frozen):
    id: str
    when: str


class OverRefusalExample(_Frozen):
    """A benign look-alike request that must be answered helpfully."""

    prompt: str
    expected: str


class Policy(_Frozen):
    """Korean safe-response policy for one category (harm or benign control)."""

    category: str = Field(pattern=r"^[KB]\d{2}$")
    version: str  # human version string of this category's policy
    summary: str
    statutes: tuple[StatuteRef, ...] = ()
    norms: tuple[str, ...] = ()  # Korean social norms and interpretive conventions
    tone: str = ""
    institutions: tuple[InstitutionRef, ...] = ()
    procedures: tuple[ProcedureRef, ...] = ()
    must_do: tuple[str, ...]
    must_not: tuple[str, ...]
    over_refusal_guard: tuple[OverRefusalExample, ...] = ()
    notes: tuple[str, ...] = ()  # sourcing caveats, unverified facts


class Taxonomy(_Frozen):
    version: str  # human version string of the whole taxonomy + policy set
    note: str = ""
    categories: tuple[Category, ...]
    policies: dict[str, Policy]

    def category(self, category_id: str) -> Category:
        """Category by id; a subcategory id (K05.2) resolves to its parent."""
        cid = category_id.split(".", 1)[0].strip().upper()
        for cat in self.categories:
            if cat.id == cid:
                return cat
        raise KeyError(f"unknown category: {category_id!r}")

    def subcategory(self, subcategory_id: str) -> Subcategory:
        sid = subcategory_id.strip().upper()
        for sub in self.category(sid).subcategories:
            if sub.id == sid:
                return sub
        raise KeyError(f"unknown subcategory: {subcategory_id!r}")

    def policy(self, category_id: str) -> Policy:
        cid = self.category(category_id).id
        try:
            return self.policies[cid]
        except KeyError:
            raise KeyError(f"no policy for category {cid}") from None

    def has(self, category_id: str | None) -> bool:
        if not category_id:
            return False
        try:
            self.category(category_id)
        except KeyError:
            return False
        return True

    @property
    def harm_categories(self) -> tuple[Category, ...]:
        return tuple(c for c in self.categories if not c.benign)

    @property
    def benign_categories(self) -> tuple[Category, ...]:
        return tuple(c for c in self.categories if c.benign)

    @property
    def subcategories(self) -> tuple[Subcategory, ...]:
        return tuple(s for c in self.categories for s in c.subcategories)
