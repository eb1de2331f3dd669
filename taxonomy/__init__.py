"""Korean harm taxonomy and per-category Korean safe-response policy (package data), with renderers,
seed prompt builders and an obfuscation normaliser. Everything downstream reads the policy from here."""

from __future__ import annotations

import re
from functools import lru_cache

# `crosswalk` the function (not the submodule of the same name) is the package attribute.
from taxonomy.crosswalk import crosswalk
from taxonomy.loader import DATA_DIR, LoadIssue, TaxonomyLoadError, dump_taxonomy, load_taxonomy
from taxonomy.models import (
    Category,
    InstitutionRef,
    OverRefusalExample,
    Policy,
    ProcedureRef,
    StatuteRef,
    Subcategory,
    Taxonomy,
)
from taxonomy.relevance import CategoryRelevance, category_relevance
from taxonomy.versioning import category_policy_version, policy_version


def known_ids() -> frozenset[str]:
    """Every category and subcategory id of the taxonomy: what an imported seed may name. The one list the
    import commands hand to db's importer (which sits below taxonomy and cannot load it itself)."""
    tax = load_taxonomy()
    return frozenset({c.id for c in tax.categories} | {s.id for c in tax.categories for s in c.subcategories})


_CONTROL_ID = re.compile(r"B\d{1,3}(?:\.\d+)?")


@lru_cache(maxsize=1024)
def is_benign(category_id: str | None) -> bool:
    """True for benign control categories, which must be answered helpfully (refusing one is over-refusal).

    The one rule every package uses: a category the taxonomy defines is benign when its `benign` flag says
    so; an id it does not define is benign when it follows the control naming (`B` + digits, e.g. `B07` from
    a newer taxonomy or an external set mapped onto it). Anything else (K*, unknown names, none) is not."""
    if not category_id or not isinstance(category_id, str):
        return False
    cat = category_id.strip().upper()
    try:
        tax = load_taxonomy()
    except (OSError, ValueError, TaxonomyLoadError):
        tax = None
    if tax is not None and tax.has(cat):
        return tax.category(cat).benign
    return _CONTROL_ID.fullmatch(cat) is not None


__all__ = [
    "DATA_DIR",
    "Category",
    "CategoryRelevance",
    "InstitutionRef",
    "LoadIssue",
    "OverRefusalExample",
    "Policy",
    "ProcedureRef",
    "StatuteRef",
    "Subcategory",
    "Taxonomy",
    "TaxonomyLoadError",
    "category_policy_version",
    "category_relevance",
    "crosswalk",
    "dump_taxonomy",
    "is_benign",
    "known_ids",
    "load_taxonomy",
    "policy_version",
]
