"""Reference data shown beside the review: the category's policy card and statute/institution details.

Both come from lower layers (taxonomy, statutes) imported lazily, so the TUI's first paint does not pay
for loading registries, and a missing or broken registry degrades to a clear "(unavailable)" line.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

UNAVAILABLE = "(unavailable)"


@lru_cache(maxsize=256)
def policy_card(category: str | None) -> str:
    """The Korean safe-response policy card (plain text) of a category or subcategory id."""
    if not category:
        return "(no category: no policy card)"
    try:
        from taxonomy.render import policy_card as render
    except Exception as e:  # noqa: BLE001 - any failure of a lower layer degrades to a note
        return f"policy card {UNAVAILABLE}: {type(e).__name__}: {e}"
    try:
        return render(category)
    except Exception as e:  # noqa: BLE001
        return f"no policy card for {category}: {type(e).__name__}: {e}"


def citation_details(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, value) rows for a citation's popup: the check's own result, then the registry entry."""
    rows: list[tuple[str, str]] = [
        ("text", data.get("text") or ""),
        ("verdict", data.get("verdict") or ""),
        ("law", data.get("law") or ""),
        ("article", " ".join(p for p in (data.get("article"), data.get("paragraph"), data.get("item")) if p)
         or "—"),
    ]
    if data.get("article_title"):
        rows.append(("article title (check)", data["article_title"]))
    if data.get("relevant") is not None:
        rows.append(("relevant to category", "yes" if data["relevant"] else "no"))
    if data.get("note"):
        rows.append(("note", data["note"]))
    rows.extend(_statute_registry(data.get("law"), data.get("article")))
    return rows


def institution_details(data: dict[str, Any]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = [
        ("name", data.get("name") or ""),
        ("number", data.get("number") or "—"),
        ("verdict", data.get("verdict") or ""),
    ]
    if data.get("current_number"):
        rows.append(("current number", data["current_number"]))
    if data.get("relevant") is not None:
        rows.append(("relevant to category", "yes" if data["relevant"] else "no"))
    if data.get("note"):
        rows.append(("note", data["note"]))
    rows.extend(_institution_registry(data.get("institution_id"), data.get("name")))
    return rows


def _statute_registry(law: str | None, article: str | None) -> list[tuple[str, str]]:
    """Registry facts for a cited law/article: official name, article title, status, source, as-of."""
    if not law:
        return []
    try:
        from statutes.registry import registry

        reg = registry()
        res = reg.resolve(law)
    except Exception as e:  # noqa: BLE001 - registry missing or broken: say so, keep the popup
        return [("registry", f"{UNAVAILABLE}: {type(e).__name__}: {e}")]
    rows: list[tuple[str, str]] = [("registry match", f"{res.kind}{' (fuzzy)' if res.fuzzy else ''}")]
    if res.note:
        rows.append(("registry note", res.note))
    lw = res.law
    if lw is None:
        if res.act is not None:
            rows.append(("official name", res.act.name))
            rows.append(("promulgated / effective", f"{res.act.promulgated} / {res.act.effective}"))
        if res.change is not None:
            rows.append(("change", res.change.model_dump_json(exclude_none=True)))
        return rows
    rows.append(("official name", lw.name + (f" {res.decree}" if res.decree else "")))
    if article:
        art = reg.article(lw, article)
        if art is None:
            rows.append(("article status", f"{article}: not in the registry's text of this law"))
        else:
            rows.append(("article title", art.in_force_title or art.title or "(no title in source: unverified)"))
            if art.deleted:
                status = f"deleted{' on ' + art.deleted_on if art.deleted_on else ''}"
            elif art.deleted is None:
                status = "unverified (heading without text in the source)"
            elif art.not_yet_in_force:
                status = "not yet in force"
            else:
                status = "in force"
            rows.append(("article status", status))
            if art.note:
                rows.append(("article note", art.note))
    rows.append(("law status", lw.as_of.status))
    rows.append(("as of", f"snapshot {lw.as_of.snapshot}; effective {lw.as_of.effective}; "
                          f"promulgated {lw.as_of.promulgated} (No. {lw.as_of.promulgation_no})"))
    src = lw.source
    rows.append(("source", f"{src.repo}/{src.path}" + (f" @ {src.data_commit[:12]}" if src.data_commit else "")))
    if src.law_go_kr:
        rows.append(("law.go.kr", src.law_go_kr))
    return rows


def _institution_registry(institution_id: str | None, name: str | None) -> list[tuple[str, str]]:
    """Registry facts for an institution/hotline: official name, numbers, status, verification, sources."""
    if not institution_id:
        return []
    try:
        from statutes.institutions import institution_registry

        reg = institution_registry()
        inst = reg.by_id.get(institution_id)
    except Exception as e:  # noqa: BLE001
        return [("registry", f"{UNAVAILABLE}: {type(e).__name__}: {e}")]
    if inst is None:
        return [("registry", f"{institution_id}: not in the registry")]
    rows = [("official name", inst.name), ("numbers", ", ".join(inst.numbers or inst.urls) or inst.number_text),
            ("purpose", inst.purpose), ("status", inst.status_text or inst.status)]
    if inst.replaced_by:
        current = reg.current_number(inst.id)
        rows.append(("replaced by", f"{inst.replaced_by}{' (' + current + ')' if current else ''}"
                                    f"{' since ' + inst.replaced_since if inst.replaced_since else ''}"))
    rows.append(("verification", inst.verification + (" · number unverified" if inst.number_unverified else "")))
    if inst.sources:
        rows.append(("source", "; ".join(inst.sources[:3])))
    return rows
