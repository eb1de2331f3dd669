"""Differences between two taxonomy/policy versions (directories or frozen single files)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from taxonomy.loader import DATA_DIR, load_taxonomy
from taxonomy.models import Taxonomy
from taxonomy.versioning import category_hash, version_of


class CategoryChange(BaseModel):
    category: str
    fields: list[str] = Field(default_factory=list)  # top-level fields whose content changed
    statutes_added: list[str] = Field(default_factory=list)
    statutes_removed: list[str] = Field(default_factory=list)
    institutions_added: list[str] = Field(default_factory=list)
    institutions_removed: list[str] = Field(default_factory=list)
    procedures_added: list[str] = Field(default_factory=list)
    procedures_removed: list[str] = Field(default_factory=list)
    subcategories_added: list[str] = Field(default_factory=list)
    subcategories_removed: list[str] = Field(default_factory=list)


class TaxonomyDiff(BaseModel):
    a_version: str
    b_version: str
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    changed: list[CategoryChange] = Field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def resolve_source(spec: str | Path) -> Path:
    """"builtin" means the package data; anything else is a path."""
    return DATA_DIR if str(spec) == "builtin" else Path(spec)


def _parts(tax: Taxonomy, cid: str) -> dict[str, set[str]]:
    cat = tax.category(cid)
    pol = tax.policies.get(cat.id)
    return {
        "statutes": {f"{s.law} {s.article}" for s in pol.statutes} if pol else set(),
        "institutions": {i.id for i in pol.institutions} if pol else set(),
        "procedures": {p.id for p in pol.procedures} if pol else set(),
        "subcategories": {s.id for s in cat.subcategories},
    }


def _changed_fields(a: Taxonomy, b: Taxonomy, cid: str) -> list[str]:
    ca, cb = a.category(cid).model_dump(), b.category(cid).model_dump()
    out = [f"category.{k}" for k in sorted(set(ca) | set(cb)) if ca.get(k) != cb.get(k)]
    pa, pb = a.policies.get(cid), b.policies.get(cid)
    da = pa.model_dump() if pa else {}
    db = pb.model_dump() if pb else {}
    out += [f"policy.{k}" for k in sorted(set(da) | set(db)) if da.get(k) != db.get(k)]
    return out


def diff_taxonomies(a: Taxonomy, b: Taxonomy) -> TaxonomyDiff:
    ids_a = {c.id for c in a.categories}
    ids_b = {c.id for c in b.categories}
    out = TaxonomyDiff(
        a_version=version_of(a),
        b_version=version_of(b),
        added=sorted(ids_b - ids_a),
        removed=sorted(ids_a - ids_b),
    )
    for cid in sorted(ids_a & ids_b):
        if category_hash(a, cid) == category_hash(b, cid):
            continue
        pa, pb = _parts(a, cid), _parts(b, cid)
        out.changed.append(
            CategoryChange(
                category=cid,
                fields=_changed_fields(a, b, cid),
                **{
                    f"{k}_added": sorted(pb[k] - pa[k])
                    for k in ("statutes", "institutions", "procedures", "subcategories")
                },
                **{
                    f"{k}_removed": sorted(pa[k] - pb[k])
                    for k in ("statutes", "institutions", "procedures", "subcategories")
                },
            )
        )
    return out


def diff_paths(a: str | Path, b: str | Path) -> TaxonomyDiff:
    return diff_taxonomies(load_taxonomy(resolve_source(a)), load_taxonomy(resolve_source(b)))


_LABELS = {"statutes": "statute", "institutions": "institution", "procedures": "procedure", "subcategories": "subcategory"}


def format_diff(d: TaxonomyDiff) -> str:
    lines = [f"--- {d.a_version}", f"+++ {d.b_version}"]
    if d.empty:
        lines.append("(no differences)")
        return "\n".join(lines)
    lines += [f"+ category {c}" for c in d.added]
    lines += [f"- category {c}" for c in d.removed]
    for ch in d.changed:
        lines.append(f"~ category {ch.category}: {', '.join(ch.fields) or 'content'}")
        for kind, label in _LABELS.items():
            lines += [f"    + {label} {x}" for x in getattr(ch, f"{kind}_added")]
            lines += [f"    - {label} {x}" for x in getattr(ch, f"{kind}_removed")]
    return "\n".join(lines)
