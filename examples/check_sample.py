"""Re-verify the bundled Korean sample data against the shared reference snapshot (stdlib only).

Why: every statute, article and hotline in a "coherent" answer must be real, in force and current, and every
weak answer must really carry the defect its label claims. This script re-checks that so the sample can be
regenerated or edited without silently teaching a model a wrong article or a retired number.

Usage:
    python examples/check_sample.py [--reference ../shared/reference] [FILE.jsonl ...]
    python examples/check_sample.py examples/sample_seeds.jsonl examples/eval_seeds.jsonl

Defaults: the reference folder is ../shared/reference relative to the repository root and the file is
examples/sample_seeds.jsonl. Exit status 0 when every check passes, 1 otherwise. The summary goes to stdout,
each problem to stderr as `file:line: id: message`.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REFERENCE = REPO_ROOT.parent / "shared" / "reference"
DEFAULT_FILE = REPO_ROOT / "examples" / "sample_seeds.jsonl"

LABELS = {"coherent", "bare_refusal", "fabricated", "outdated_hotline", "over_refusal", "harmful", "foreign"}
WEAK_MIN = 6  # each weak label must appear at least this often across the dataset
BENIGN = {"B01", "B02", "B03"}
MODELS = {"model-a", "model-b", "model-c"}
MIN_LEN, MAX_LEN = 150, 600
RETIRED = {"1393"}
FOREIGN_NUMBERS = {"911"}

ARTICLE_RE = re.compile(r"제(\d+)조(?:의(\d+))?")
BRACKET_RE = re.compile(r"「([^」]{2,80})」")
# phone-like numbers: 02-735-8994, 1577-0199, 109, 1366, #0117 ...
PHONE_RE = re.compile(r"(?<![\d\-.])(0\d{1,2}-\d{3,4}-\d{4}|1\d{3}-\d{4}|\d{3,4})(?![\d\-])")
# a number followed by one of these is a quantity/date/article, not a phone number
NOT_PHONE_AFTER = tuple("조항호년월일세원만명개시분차대급회번주초%")


def norm(text: str) -> str:
    """Normalise the two middle dots legalize-kr mixes (U+318D vs U+00B7) and the full-width variant."""
    return text.replace("\u318d", "\u00b7").replace("\u30fb", "\u00b7").replace("\uff65", "\u00b7")


class Registry:
    """Law names, aliases and article headings from laws.jsonl + laws_extra.jsonl, plus the Acts index."""

    checked_benign_subcategories = False

    def __init__(self, ref: Path, project_taxonomy: Path | None = None) -> None:
        self.laws: dict[str, dict] = {}  # normalised name/alias -> law record
        for fname in ("laws.jsonl", "laws_extra.jsonl"):
            with open(ref / "statutes" / fname, encoding="utf-8") as fh:
                for line in fh:
                    if not line.strip():
                        continue
                    rec = json.loads(line)
                    rec["_articles"] = {a["no"]: a for a in rec["articles"]}
                    names = {rec["name"], rec["name"].replace(" ", "")}
                    names.update(rec.get("aliases") or [])
                    for n in names:
                        self.laws.setdefault(norm(n), rec)
        self.acts: set[str] = set()
        with open(ref / "statutes" / "acts_index.tsv", encoding="utf-8") as fh:
            next(fh)
            for line in fh:
                name = line.split("\t", 1)[0]
                self.acts.add(norm(name))
                self.acts.add(norm(name).replace(" ", ""))
        alternation = "|".join(re.escape(n) for n in sorted(self.laws, key=len, reverse=True))
        # 헌법재판소 is a court, not the constitution
        self.name_re = re.compile(f"(?:{alternation})(?!재판소)")
        with open(ref / "taxonomy" / "institutions.json", encoding="utf-8") as fh:
            insts = json.load(fh)
        self.allowed_numbers: set[str] = set()
        self.known_numbers: set[str] = set()
        for inst in insts:
            nums = set(re.findall(r"\d[\d\-]*\d", inst["number"]))
            self.known_numbers |= nums
            status = inst["status"].lower()
            if status.startswith("active") and str(inst["verified"]).startswith("verified"):
                self.allowed_numbers |= nums
        with open(ref / "taxonomy" / "taxonomy_draft.json", encoding="utf-8") as fh:
            tax = json.load(fh)
        self.categories = {c["id"] for c in tax["categories"]} | BENIGN
        self.subcategories = {s["id"] for c in tax["categories"] for s in c["subcategories"]}
        if project_taxonomy is not None and project_taxonomy.exists():
            # the project's own taxonomy (taxonomy/data/taxonomy.json) also defines the benign B categories
            with open(project_taxonomy, encoding="utf-8") as fh:
                proj = json.load(fh)
            cats = proj.get("categories", []) if isinstance(proj, dict) else proj
            self.categories |= {c["id"] for c in cats}
            self.subcategories |= {s["id"] for c in cats for s in c.get("subcategories", [])}
            self.checked_benign_subcategories = True

    def mentions(self, text: str) -> list[tuple[int, str, dict | None, str]]:
        """Law mentions in order: (position, shown name, law record or None, kind registry|act|unknown)."""
        found: list[tuple[int, str, dict | None, str]] = []
        spans: list[tuple[int, int]] = []
        for m in BRACKET_RE.finditer(text):
            name = m.group(1).strip()
            rec = self.laws.get(name) or self.laws.get(name.replace(" ", ""))
            if rec is not None:
                kind = "registry"
            elif name in self.acts or name.replace(" ", "") in self.acts:
                kind = "act"
            else:
                kind = "unknown"
            found.append((m.start(), name, rec, kind))
            spans.append((m.start(), m.end()))
        for m in self.name_re.finditer(text):
            if any(a <= m.start() < b for a, b in spans):
                continue
            found.append((m.start(), m.group(0), self.laws[m.group(0)], "registry"))
        found.sort(key=lambda t: t[0])
        return found


def citations(reg: Registry, text: str) -> list[dict]:
    """Every 제N조(의M) with the law it belongs to (nearest law named before it; covers 같은 법/동법)."""
    text = norm(text)
    mentions = reg.mentions(text)
    out = []
    for m in ARTICLE_RE.finditer(text):
        article = f"제{m.group(1)}조" + (f"의{m.group(2)}" if m.group(2) else "")
        before = [x for x in mentions if x[0] < m.start()]
        if not before:
            out.append({"article": article, "law": None, "status": "no_law"})
            continue
        _, shown, rec, kind = before[-1]
        if rec is None:
            out.append({"article": article, "law": shown, "status": f"law_{kind}"})
            continue
        art = rec["_articles"].get(article)
        if art is None:
            status = "missing"
        elif art.get("deleted") is True:
            status = "deleted"
        elif art.get("deleted") is None:
            status = "deleted_unknown"
        elif art.get("not_yet_in_force"):
            status = "not_yet_in_force"
        else:
            status = "ok"
        out.append({"article": article, "law": rec["name"], "status": status,
                    "title": (art or {}).get("in_force_title") or (art or {}).get("title")})
    return out


def phone_numbers(text: str) -> list[str]:
    nums = []
    for m in PHONE_RE.finditer(text):
        before = text[max(0, m.start() - 1):m.start()]
        after = text[m.end():m.end() + 1]
        if before == "제" or after.startswith(NOT_PHONE_AFTER):
            continue
        nums.append(m.group(1))
    return nums


def check_file(path: Path, reg: Registry, errors: list[str]) -> dict:
    stats: dict = {"seeds": 0, "with_candidates": 0, "labels": collections.Counter(), "categories": collections.Counter(),
                   "coherent_models": collections.Counter(), "coherent_citations": 0,
                   "coherent_with_citation": 0, "cited": collections.Counter()}
    seed_ids: set[str] = set()
    cand_ids: set[str] = set()

    def err(lineno: int, sid: str, msg: str) -> None:
        errors.append(f"{path}:{lineno}: {sid}: {msg}")

    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                err(lineno, "-", f"broken JSON: {exc}")
                continue
            sid = str(rec.get("id", "-"))
            stats["seeds"] += 1
            for key in ("id", "category", "subcategory", "prompt", "style"):
                if key not in rec:
                    err(lineno, sid, f"missing field {key!r}")
            if sid in seed_ids:
                err(lineno, sid, "duplicate seed id")
            seed_ids.add(sid)
            cat = rec.get("category")
            stats["categories"][cat] += 1
            if cat not in reg.categories:
                err(lineno, sid, f"unknown category {cat!r}")
            sub = rec.get("subcategory") or ""
            if not sub.startswith(f"{cat}."):
                err(lineno, sid, f"subcategory {sub!r} does not belong to {cat}")
            if (cat not in BENIGN or reg.checked_benign_subcategories) and sub not in reg.subcategories:
                err(lineno, sid, f"subcategory {sub!r} not in the taxonomy")
            if "candidates" not in rec:
                continue  # a held-out seed (eval set): structure only
            stats["with_candidates"] += 1
            cands = rec.get("candidates") or []
            if len(cands) != 3:
                err(lineno, sid, f"expected exactly 3 candidates, got {len(cands)}")
            labels = [c.get("label") for c in cands]
            if labels.count("coherent") != 1:
                err(lineno, sid, f"expected exactly one coherent candidate, got {labels}")
            if len({c.get("model") for c in cands}) != len(cands):
                err(lineno, sid, "candidate models repeat within the seed")
            for c in cands:
                cid, label, text = c.get("id"), c.get("label"), c.get("response") or ""
                where = f"{sid}/{cid}"
                if cid in cand_ids:
                    err(lineno, where, "duplicate candidate id")
                cand_ids.add(cid)
                if label not in LABELS:
                    err(lineno, where, f"unknown label {label!r}")
                stats["labels"][label] += 1
                if c.get("model") not in MODELS:
                    err(lineno, where, f"unexpected model {c.get('model')!r}")
                if not MIN_LEN <= len(text) <= MAX_LEN:
                    err(lineno, where, f"response length {len(text)} outside {MIN_LEN}-{MAX_LEN}")
                cites = citations(reg, text)
                nums = phone_numbers(text)
                if label == "coherent":
                    stats["coherent_models"][c.get("model")] += 1
                    stats["coherent_citations"] += len(cites)
                    stats["coherent_with_citation"] += bool(cites)
                    for ct in cites:
                        stats["cited"][(ct["law"], ct["article"])] += 1
                        if ct["status"] != "ok":
                            err(lineno, where, f"coherent answer cites {ct['law']} {ct['article']}: {ct['status']}")
                    for n in nums:
                        if n in RETIRED or n in FOREIGN_NUMBERS:
                            err(lineno, where, f"coherent answer gives retired/foreign number {n}")
                        elif n not in reg.allowed_numbers:
                            err(lineno, where, f"coherent answer gives number {n} that is not active+verified")
                    for bad in ("911", "1393"):
                        if bad in text and bad not in nums:
                            err(lineno, where, f"coherent answer contains {bad}")
                elif label == "fabricated":
                    bad = [ct for ct in cites if ct["status"] in ("missing", "law_unknown")]
                    if not bad:
                        err(lineno, where, "fabricated answer has no non-existent article or made-up law name")
                elif label == "outdated_hotline":
                    if "1393" not in nums:
                        err(lineno, where, "outdated_hotline answer does not give 1393")
                elif label == "foreign":
                    if "911" not in nums:
                        err(lineno, where, "foreign answer does not point to 911")
                elif label in ("bare_refusal", "over_refusal"):
                    if nums or cites:
                        err(lineno, where, f"{label} answer should give no help, but names {nums or cites}")
                    if label == "over_refusal" and cat in reg.categories and cat not in BENIGN \
                            and not sub.endswith((".5", ".3")):
                        err(lineno, where, "over_refusal used on a harmful request")
                elif label == "harmful":
                    if "…" not in text:
                        err(lineno, where, "harmful answer must stay sanitised with … placeholders")
    return stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", type=Path, default=[DEFAULT_FILE])
    ap.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE,
                    help="folder holding statutes/ and taxonomy/ (default: ../shared/reference from repo root)")
    ap.add_argument("--taxonomy", type=Path, default=REPO_ROOT / "taxonomy" / "data" / "taxonomy.json",
                    help="project taxonomy used for category/subcategory ids when present")
    args = ap.parse_args(argv)
    reg = Registry(args.reference, args.taxonomy)
    errors: list[str] = []
    for path in args.files:
        stats = check_file(path, reg, errors)
        print(f"{path}: {stats['seeds']} seeds, {stats['with_candidates']} with candidates")
        print("  categories: " + ", ".join(f"{k}={v}" for k, v in sorted(stats["categories"].items())))
        print("  labels: " + ", ".join(f"{k}={v}" for k, v in stats["labels"].most_common()))
        print("  coherent by model: " + ", ".join(f"{k}={v}" for k, v in sorted(stats["coherent_models"].items())))
        print(f"  coherent answers citing an article: {stats['coherent_with_citation']}, "
              f"articles checked: {stats['coherent_citations']} ({len(stats['cited'])} distinct)")
        for label in sorted(LABELS - {"coherent"}):
            if stats["with_candidates"] and stats["labels"][label] < WEAK_MIN:
                errors.append(f"{path}: label {label!r} appears {stats['labels'][label]} times (< {WEAK_MIN})")
    for e in errors:
        print(e, file=sys.stderr)
    print("OK" if not errors else f"{len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
