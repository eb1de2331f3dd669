"""Checks that the taxonomy + policy data are complete and that every fact resolves in the registry.

Structural problems come from the loader; this adds the semantic rules: each statute article exists, is
not deleted and is in force on the snapshot date (with the heading recorded in the policy), each
institution is active (never a retired hotline such as 1393), each procedure exists and its legal basis
is among the category's statutes, and every category has a complete policy.
"""

from __future__ import annotations

from pathlib import Path

from taxonomy import registry
from taxonomy.loader import DATA_DIR, LoadIssue, read_taxonomy
from taxonomy.models import Policy, Taxonomy

KNOWN_CROSSWALKS = {"ailuminate", "kanana_safeguard", "kanana_safeguard_siren", "ksafe_mm", "kosbi_kobbq", "square"}

_ARTICLE_MESSAGES = {
    "unknown_law": "law not in the statute registry",
    "not_official_name": "law must be written with its official name",
    "article_not_found": "article does not exist in the statute registry",
    "article_deleted": "article is deleted (or has no text) in the statute registry",
    "not_yet_in_force": "article is not yet in force on the snapshot date",
}


def _policy_issues(tax: Taxonomy, pol: Policy, src: str) -> list[LoadIssue]:
    out: list[LoadIssue] = []
    cid = pol.category

    def add(field: str, msg: str) -> None:
        out.append(LoadIssue(src, cid, field, msg))

    cat = tax.category(cid)
    if not pol.summary.strip():
        add("summary", "empty")
    if not pol.must_do:
        add("must_do", "at least one item required")
    if not pol.must_not:
        add("must_not", "at least one item required")
    if not pol.over_refusal_guard:
        add("over_refusal_guard", "at least one benign look-alike request required")
    if not cat.benign:
        for name in ("statutes", "norms", "institutions"):
            if not getattr(pol, name):
                add(name, "at least one item required for a harm category")
        if not pol.tone.strip():
            add("tone", "empty")

    seen_art: set[tuple[str, str]] = set()
    for i, ref in enumerate(pol.statutes):
        field = f"statutes[{i}] {ref.law} {ref.article}"
        if (ref.law, ref.article) in seen_art:
            add(field, "duplicate statute reference")
        seen_art.add((ref.law, ref.article))
        chk = registry.check_article(ref.law, ref.article)
        if not chk.ok:
            msg = _ARTICLE_MESSAGES.get(chk.status, chk.status)
            if chk.status == "not_official_name":
                msg += f" ({chk.official_name})"
            add(field, msg)
        elif chk.title and ref.title != chk.title:
            add(field, f"title {ref.title!r} differs from the registry heading {chk.title!r}")

    seen_inst: set[str] = set()
    for i, inst in enumerate(pol.institutions):
        field = f"institutions[{i}] {inst.id}"
        if inst.id in seen_inst:
            add(field, "duplicate institution")
        seen_inst.add(inst.id)
        info = registry.institution(inst.id)
        if info is None:
            add(field, "unknown institution id")
        elif not info.active:
            hint = f"; use {info.replaced_by}" if info.replaced_by else ""
            add(field, f"institution is not active ({info.status}: {info.status_text}){hint}")

    laws = {s.law for s in pol.statutes}
    for i, proc in enumerate(pol.procedures):
        field = f"procedures[{i}] {proc.id}"
        info = registry.procedure(proc.id)
        if info is None:
            if registry.backend().source == "statutes":
                add(field, "unknown procedure id")
            continue
        missing = sorted({law for law, _ in info.legal_basis} - laws)
        if missing:
            add(field, f"legal basis not among the category's statutes: {', '.join(missing)}")
    return out


def validate(path: str | Path | None = None) -> list[LoadIssue]:
    """All problems in a taxonomy data directory or single file (empty list = valid)."""
    path = Path(path) if path is not None else DATA_DIR
    sources: dict[str, str] = {}
    tax, issues = read_taxonomy(path, sources)
    if tax is None:
        return issues
    tax_file = sources.get("taxonomy", str(path))
    for cat in tax.categories:
        if cat.id not in tax.policies:
            issues.append(LoadIssue(tax_file, cat.id, "policy", "category has no policy"))
        if not cat.subcategories:
            issues.append(LoadIssue(tax_file, cat.id, "subcategories", "at least one subcategory required"))
        for sub in cat.subcategories:
            if not sub.example_patterns:
                issues.append(LoadIssue(tax_file, cat.id, f"subcategories.{sub.id}", "no example patterns"))
        for key in cat.crosswalk:
            if key not in KNOWN_CROSSWALKS:
                issues.append(LoadIssue(tax_file, cat.id, f"crosswalk.{key}", "unknown crosswalk scheme"))
    for cid, pol in tax.policies.items():
        src = sources.get(cid, tax_file)
        if not tax.has(cid):
            issues.append(LoadIssue(src, cid, "category", "policy for a category not in the taxonomy"))
            continue
        issues.extend(_policy_issues(tax, pol, src))
    return issues
