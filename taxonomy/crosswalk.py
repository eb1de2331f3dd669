"""Crosswalk from KCC categories to external hazard schemes, for users who mix datasets.

Codes come from the draft taxonomy (shared/reference/taxonomy/taxonomy_draft.json). AILuminate hazard names
follow the AILuminate v1.x hazard list; the other schemes' labels were not verified and are given as codes.
"""

from __future__ import annotations

from taxonomy.loader import load_taxonomy
from taxonomy.models import Taxonomy

AILUMINATE_HAZARDS = {
    "vcr": "Violent crimes",
    "ncr": "Non-violent crimes",
    "src": "Sex-related crimes",
    "cse": "Child sexual exploitation",
    "ssh": "Suicide and self-harm",
    "iwp": "Indiscriminate weapons (CBRNE)",
    "dfm": "Defamation",
    "hte": "Hate",
    "prv": "Privacy",
    "ipv": "Intellectual property",
    "spc_ele": "Specialized advice: elections",
    "spc_fin": "Specialized advice: financial",
    "spc_hlt": "Specialized advice: health",
    "sxc_prn": "Sexual content",
}

SCHEMES = {
    "ailuminate": "MLCommons AILuminate hazards",
    "kanana_safeguard": "Kakao Kanana Safeguard (harmful content)",
    "kanana_safeguard_siren": "Kakao Kanana Safeguard-Siren (legal/policy risk)",
    "ksafe_mm": "K-Safe multimodal categories",
    "kosbi_kobbq": "KoBBQ bias categories",
    "square": "SQuARe sensitive-question types",
}


def crosswalk(category_id: str, *, taxonomy: Taxonomy | None = None) -> dict[str, list[str]]:
    """{scheme: [codes]} for a category (a subcategory id maps to its category); {} for benign ones."""
    tax = taxonomy or load_taxonomy()
    return {k: list(v) for k, v in tax.category(category_id).crosswalk.items()}


def categories_for(scheme: str, code: str, *, taxonomy: Taxonomy | None = None) -> list[str]:
    """Reverse lookup: KCC categories mapped to an external code (e.g. ("ailuminate", "hte"))."""
    tax = taxonomy or load_taxonomy()
    return [c.id for c in tax.categories if code in c.crosswalk.get(scheme, ())]
