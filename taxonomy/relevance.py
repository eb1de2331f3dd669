"""Which laws, articles, institutions and procedures belong to a harm category.

Derived from the safe-response policy (the one source of truth), so the deterministic checks judge a
citation's fit to a category by exactly what the policy tells models to cite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from taxonomy import registry
from taxonomy.loader import load_taxonomy
from taxonomy.models import Taxonomy


@dataclass(frozen=True)
class CategoryRelevance:
    laws: frozenset[str] = field(default_factory=frozenset)  # official law names
    articles: frozenset[tuple[str, str]] = field(default_factory=frozenset)  # (official name, "제14조의2")
    institutions: frozenset[str] = field(default_factory=frozenset)  # institution ids
    procedures: frozenset[str] = field(default_factory=frozenset)  # procedure ids

    def __bool__(self) -> bool:
        return bool(self.laws or self.institutions or self.procedures)


EMPTY = CategoryRelevance()


def relevance_from(tax: Taxonomy, category_id: str | None) -> CategoryRelevance:
    """Relevance sets of one category in a given taxonomy (subcategory ids map to their category)."""
    if not category_id or not tax.has(category_id):
        return EMPTY
    cid = tax.category(category_id).id
    pol = tax.policies.get(cid)
    if pol is None:
        return EMPTY
    # the legal basis of a procedure the policy points to belongs to the category too: the school-violence
    # procedure rests on 학교폭력예방법 제13조의2 (학교장 자체해결) even where the policy's statute list omits it
    basis: list[tuple[str, str]] = []
    for p in pol.procedures:
        info = registry.procedure(p.id)
        if info is not None:
            basis.extend(info.legal_basis)
    return CategoryRelevance(
        laws=frozenset([s.law for s in pol.statutes] + [law for law, _ in basis]),
        articles=frozenset([(s.law, s.article) for s in pol.statutes] + basis),
        institutions=frozenset(i.id for i in pol.institutions),
        procedures=frozenset(p.id for p in pol.procedures),
    )


@lru_cache(maxsize=256)
def _builtin(category_id: str) -> CategoryRelevance:
    return relevance_from(load_taxonomy(), category_id)


def category_relevance(category_id: str | None) -> CategoryRelevance:
    """Relevance sets from the built-in policy; unknown or None category gives empty sets."""
    if not category_id or not isinstance(category_id, str):
        return EMPTY
    return _builtin(category_id.strip().upper())
