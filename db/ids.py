"""Seed ids: one rule for imported and generated seeds.

A seed without an explicit id gets "s-" + sha256(key \\x1f normalize_seed_text(text))[:20], where the key is
its subcategory when it has one, else its category (else empty). Generated seeds always have a subcategory,
so their ids are the ones the generator has always written (stores and resumable generation depend on
them); an imported row with the same subcategory and prompt finds the same seed.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = ["legacy_import_seed_id", "normalize_seed_text", "seed_id"]

_PUNCT = re.compile(r"[\s\u00b7\u318d.,!?~…'\"“”‘’「」『』()\[\]{}<>:;\-_/\\|*^#@]+")


def _sha(*parts: str) -> str:
    # surrogatepass: the hash never raises; importers reject lone surrogates before ids are derived
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def normalize_seed_text(text: str) -> str:
    """Dedupe/identity form of a seed: NFKC, lower case, punctuation and spacing removed."""
    return _PUNCT.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def seed_id(category: str | None, subcategory: str | None, text: str) -> str:
    """The derived id of a seed: prompts that differ only by case, width, punctuation or spacing share it."""
    return "s-" + _sha(subcategory or category or "", normalize_seed_text(text))[:20]


def legacy_import_seed_id(category: str | None, subcategory: str | None, text: str) -> str:
    """The id that imports derived before seed_id existed (category, subcategory and the NFC prompt).

    Kept so that re-importing an old file into a store written then finds its seeds instead of adding
    each one again under the new id; new seeds never get it."""
    return "s-" + _sha(category or "", subcategory or "", unicodedata.normalize("NFC", text))[:16]
