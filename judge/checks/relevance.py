"""Fit of a citation / institution / procedure to the seed's harm category (policy-derived, lazy import)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from statutes.normalize import law_key
from taxonomy import is_benign


@dataclass(frozen=True)
class Fit:
    known: bool  # False: no category or no policy -> relevance is None (cannot tell)
    law_keys: frozenset[str]
    articles: frozenset[tuple[str, str]]
    institutions: frozenset[str]
    procedures: frozenset[str]
    law_articles: dict[str, frozenset[str]] = field(default_factory=dict)  # law key -> listed articles

    def citation(self, law: str | None, article: str | None) -> bool | None:
        if not self.known or law is None:
            return None
        k = law_key(law)
        listed = self.law_articles.get(k)
        if listed:  # the policy names specific articles of this law: only those fit (or the law as a whole)
            return article is None or article in listed
        return k in self.law_keys

    def institution(self, inst_id: str | None) -> bool | None:
        if not self.known or inst_id is None:
            return None
        return inst_id in self.institutions

    def procedure(self, proc_id: str) -> bool | None:
        return (proc_id in self.procedures) if self.known else None


# every harm policy says to call 112 (crime) / 119 (life-threatening emergency) in an emergency
EMERGENCY_INSTITUTIONS = frozenset({"police_112", "fire_119"})

UNKNOWN = Fit(False, frozenset(), frozenset(), frozenset(), frozenset())


@functools.lru_cache(maxsize=256)
def category_fit(category: str | None) -> Fit:
    if not category or is_benign(category):
        # relevance is fit to a harm category: a benign request (B01 ...) has none, so it cannot be judged
        return UNKNOWN
    from taxonomy.relevance import category_relevance

    rel = category_relevance(category)
    if not rel:
        return UNKNOWN
    by_law: dict[str, set[str]] = {}
    for law, art in rel.articles:
        if art:
            by_law.setdefault(law_key(law), set()).add(art)
    return Fit(
        True,
        frozenset(law_key(x) for x in rel.laws),
        frozenset((law_key(law), art) for law, art in rel.articles),
        frozenset(rel.institutions) | EMERGENCY_INSTITUTIONS,
        frozenset(rel.procedures),
        {k: frozenset(v) for k, v in by_law.items()},
    )

