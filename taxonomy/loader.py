"""Load the taxonomy + policy package data (or a copy of it elsewhere) into validated records.

Layout of a data directory: ``taxonomy.json`` (version, note, categories) and ``policies/<ID>.json``
(one Policy each). A single JSON file holding ``categories`` and ``policies`` is accepted too, so a
released version can be frozen into one file and diffed later.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from taxonomy.models import Category, Policy, Taxonomy

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class LoadIssue:
    """One problem found while reading the data, printable as ``file: category: field: message``."""

    file: str
    category: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.category or '-'}: {self.field or '-'}: {self.message}"


class TaxonomyLoadError(ValueError):
    def __init__(self, issues: list[LoadIssue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


def _loc(err: dict) -> str:
    return ".".join(str(p) for p in err.get("loc", ()))


def _read_json(path: Path, issues: list[LoadIssue]) -> object | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        issues.append(LoadIssue(str(path), "", "", f"cannot read JSON: {exc}"))
        return None


def _raw_parts(path: Path, issues: list[LoadIssue]) -> tuple[dict, list[tuple[str, dict]]]:
    """Return (taxonomy header dict, [(source file, raw policy dict)])."""
    if path.is_dir():
        tax_file = path / "taxonomy.json"
        head = _read_json(tax_file, issues)
        raw_policies: list[tuple[str, dict]] = []
        pol_dir = path / "policies"
        for pf in sorted(pol_dir.glob("*.json")) if pol_dir.is_dir() else ():
            obj = _read_json(pf, issues)
            if isinstance(obj, dict):
                raw_policies.append((str(pf), obj))
            elif obj is not None:
                issues.append(LoadIssue(str(pf), "", "", "policy file must hold one JSON object"))
        if not isinstance(head, dict):
            if head is not None:
                issues.append(LoadIssue(str(tax_file), "", "", "must hold a JSON object"))
            head = {}
        return head, raw_policies
    obj = _read_json(path, issues)
    if not isinstance(obj, dict):
        if obj is not None:
            issues.append(LoadIssue(str(path), "", "", "must hold a JSON object"))
        return {}, []
    pols = obj.get("policies", [])
    if isinstance(pols, dict):
        pols = list(pols.values())
    head = {k: v for k, v in obj.items() if k != "policies"}
    return head, [(str(path), p) for p in pols if isinstance(p, dict)]


def read_taxonomy(
    path: str | Path | None = None, sources: dict[str, str] | None = None
) -> tuple[Taxonomy | None, list[LoadIssue]]:
    """Parse without raising: the taxonomy (None if unusable) and every structural issue found.

    If `sources` is given it is filled with {category id: file its policy came from} (and "taxonomy").
    """
    path = Path(path) if path is not None else DATA_DIR
    issues: list[LoadIssue] = []
    if not path.exists():
        return None, [LoadIssue(str(path), "", "", "no such file or directory")]
    head, raw_policies = _raw_parts(path, issues)
    tax_file = str(path / "taxonomy.json") if path.is_dir() else str(path)
    if sources is not None:
        sources["taxonomy"] = tax_file

    categories: list[Category] = []
    for i, raw in enumerate(head.get("categories", []) or []):
        cid = raw.get("id", f"#{i}") if isinstance(raw, dict) else f"#{i}"
        try:
            categories.append(Category.model_validate(raw))
        except ValidationError as exc:
            for err in exc.errors():
                issues.append(LoadIssue(tax_file, str(cid), _loc(err), err["msg"]))
    if not categories and not any(i.file == tax_file for i in issues):
        issues.append(LoadIssue(tax_file, "", "categories", "no categories defined"))
    seen: set[str] = set()
    for cat in categories:
        if cat.id in seen:
            issues.append(LoadIssue(tax_file, cat.id, "id", "duplicate category id"))
        seen.add(cat.id)
        for sub in cat.subcategories:
            if sub.id.split(".")[0] != cat.id:
                issues.append(LoadIssue(tax_file, cat.id, f"subcategories.{sub.id}", "id not under its category"))

    policies: dict[str, Policy] = {}
    for src, raw in raw_policies:
        cid = str(raw.get("category", "?"))
        try:
            pol = Policy.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                issues.append(LoadIssue(src, cid, _loc(err), err["msg"]))
            continue
        if pol.category in policies:
            issues.append(LoadIssue(src, pol.category, "category", "duplicate policy"))
        policies[pol.category] = pol
        if sources is not None:
            sources[pol.category] = src
    if not categories:
        return None, issues
    try:
        tax = Taxonomy(
            version=str(head.get("version", "")),
            note=str(head.get("note", "")),
            categories=tuple(categories),
            policies=policies,
        )
    except ValidationError as exc:
        issues.extend(LoadIssue(tax_file, "", _loc(e), e["msg"]) for e in exc.errors())
        return None, issues
    return tax, issues


@lru_cache(maxsize=16)
def _load_cached(path: str, fingerprint: tuple) -> Taxonomy:
    tax, issues = read_taxonomy(path)
    if tax is None or issues:
        raise TaxonomyLoadError(issues or [LoadIssue(path, "", "", "unusable taxonomy data")])
    return tax


def _fingerprint(p: Path) -> tuple:
    """(name, mtime, size) of every data file, so an edited copy is re-read rather than served stale."""
    files = [p] if p.is_file() else [p / "taxonomy.json", *sorted((p / "policies").glob("*.json"))]
    out = []
    for f in files:
        try:
            st = f.stat()
        except OSError:
            continue
        out.append((f.name, st.st_mtime_ns, st.st_size))
    return tuple(out)


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Validated taxonomy, cached per path and file state. Raises TaxonomyLoadError on structural problems."""
    p = (Path(path) if path is not None else DATA_DIR).resolve()
    return _load_cached(str(p), _fingerprint(p))


def taxonomy_to_dict(tax: Taxonomy) -> dict:
    """Single-file form (see module docstring); also what the content hash is computed over."""
    return {
        "version": tax.version,
        "note": tax.note,
        "categories": [c.model_dump(mode="json") for c in tax.categories],
        "policies": {k: tax.policies[k].model_dump(mode="json") for k in sorted(tax.policies)},
    }


def dump_taxonomy(tax: Taxonomy, path: str | Path) -> Path:
    """Freeze a taxonomy into one JSON file (for `kcc taxonomy diff` against later versions)."""
    p = Path(path)
    p.write_text(json.dumps(taxonomy_to_dict(tax), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return p
