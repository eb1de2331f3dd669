"""Content-addressed policy versions, recorded with every seed, candidate and judgment.

A version string is ``<human version>+<12 hex of sha256 over canonical JSON>``: the human part says what
an editor intended, the hash says exactly which text was used, so any edit changes it.
"""

from __future__ import annotations

import hashlib
import json

from taxonomy.loader import load_taxonomy, taxonomy_to_dict
from taxonomy.models import Taxonomy


def canonical_json(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(obj: object) -> str:
    """Short (12 hex) sha256 of the canonical JSON form of `obj`."""
    return hashlib.sha256(canonical_json(obj).encode("utf-8")).hexdigest()[:12]


def taxonomy_hash(tax: Taxonomy) -> str:
    return content_hash(taxonomy_to_dict(tax))


def version_of(tax: Taxonomy) -> str:
    return f"{tax.version}+{taxonomy_hash(tax)}"


def category_hash(tax: Taxonomy, category_id: str) -> str:
    cat = tax.category(category_id)
    pol = tax.policies.get(cat.id)
    return content_hash(
        {"category": cat.model_dump(mode="json"), "policy": pol.model_dump(mode="json") if pol else None}
    )


def category_version_of(tax: Taxonomy, category_id: str) -> str:
    cat = tax.category(category_id)
    pol = tax.policies.get(cat.id)
    human = pol.version if pol else "none"
    return f"{cat.id}@{human}+{category_hash(tax, cat.id)}"


def policy_version(path: str | None = None) -> str:
    """Version of the whole taxonomy + policy set, e.g. ``1.0.0+3f2a9c0d1b7e``."""
    return version_of(load_taxonomy(path))


def category_policy_version(category_id: str, path: str | None = None) -> str:
    """Version of one category's taxonomy node + policy, e.g. ``K05@1.0+a1b2c3d4e5f6``."""
    return category_version_of(load_taxonomy(path), category_id)
