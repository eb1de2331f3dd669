"""Korean harm taxonomy and per-category Korean safe-response policy (package data), with renderers,
seed prompt builders and an obfuscation normaliser. Everything downstream reads the policy from here."""

from __future__ import annotations

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


def is_benign(category_id: str | None) -> bool:
    """True for benign control categories (B01...), used to measure over-refusal."""
    if not category_id:
        return False
    tax = load_taxonomy()
    return tax.has(category_id) and tax.category(category_id).benign


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
    "load_taxonomy",
    "policy_version",
]
