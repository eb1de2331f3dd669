"""Scores the checks on real text nobody wrote for them: the 참조조문 of Supreme Court decisions
(tests/t_checks/data/precedent_refs.jsonl, from legalize-kr's precedent-kr, every case type).

Figures (bench/eval_precedents.py): per case type, the article-level coverage of article citations (share that
got a verdict from the article, not only from the law) and the real citations judged fabricated per 1,000.

A decision cites the law as it stood when it was decided, so each citation of a registry law is put in a
class before its verdict is judged:
  current            cited as the law then in force (no "구", no annotation): should be valid today, unless the
                     article was deleted or the law wholly revised since (then deleted / not found)
  old_law            "구 ○○법(... 개정되기 전의 것)": the former text, cited on purpose
  deleted_article    the court's own "(현행 삭제)" after an article: deleted since; must come out deleted or
                     repealed (or, for a "구" citation, valid where the number was reused), never fabricated
  deleted_part       "(현행 삭제)" after a paragraph or item (제2조 제1항 제3호(현행 삭제)): the article lives
                     on; the registry is article-level, so valid is right; never fabricated
  renumbered_marked  "(현행 제N조 참조)" / "(현행 ○○법 ...)": moved since
  outside_registry   laws outside the registry (reported only)
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field

from judge.checks.runner import run_checks
from statutes.citations import extract_citations

FABRICATED = ("unknown_law", "article_not_found")
# verdicts that looked the article up (the others stop at the law: not covered, ambiguous, unknown); a
# renamed citation counts only when its article was looked up too (`article_verdict`, docs/checks.md)
ARTICLE_LEVEL = ("valid", "article_not_found", "article_deleted", "repealed_or_lapsed", "not_yet_in_force",
                 "outdated", "title_mismatch")


def article_level(c) -> bool:
    """The citation's verdict came from its article (for a renamed citation: the article was looked up)."""
    return c.verdict in ARTICLE_LEVEL or (c.verdict == "renamed" and c.article_verdict in ARTICLE_LEVEL)


def fabricated(c) -> bool:
    return c.verdict in FABRICATED or (c.verdict == "renamed" and c.article_verdict in FABRICATED)
DELETED = ("article_deleted", "repealed_or_lapsed", "outdated")
CLASSES = ("current", "old_law", "deleted_article", "deleted_part", "renumbered_marked", "outside_registry")


class PrecedentScores(BaseModel):
    decisions: int = 0
    citations: int = 0
    counts: dict[str, dict[str, int]] = Field(default_factory=dict)  # class -> verdict -> citations
    examples: dict[str, list[str]] = Field(default_factory=dict)  # "class/verdict" -> a few cases
    # case type (민사, 형사, …) -> citations / article (with an article number) / article_level / fabricated
    by_type: dict[str, dict[str, int]] = Field(default_factory=dict)

    def coverage(self, case_type: str | None = None) -> float:
        """Share of article citations that got an article-level verdict."""
        rows = [self.by_type[case_type]] if case_type else list(self.by_type.values())
        art = sum(r.get("article", 0) for r in rows)
        return sum(r.get("article_level", 0) for r in rows) / art if art else 1.0

    def fabricated_per_1000(self, case_type: str | None = None) -> float:
        rows = [self.by_type[case_type]] if case_type else list(self.by_type.values())
        n = sum(r.get("citations", 0) for r in rows)
        return 1000.0 * sum(r.get("fabricated", 0) for r in rows) / n if n else 0.0

    def unverifiable_per_1000(self, case_type: str | None = None) -> float:
        rows = [self.by_type[case_type]] if case_type else list(self.by_type.values())
        n = sum(r.get("citations", 0) for r in rows)
        return 1000.0 * sum(r.get("unverifiable", 0) for r in rows) / n if n else 0.0

    def type_table(self) -> str:
        lines = [f"  {'case type':10s} {'decisions':>9s} {'citations':>9s} {'article':>8s} {'coverage':>9s} "
                 f"{'fabricated/1000':>15s} {'unverifiable/1000':>17s}"]
        for t in sorted(self.by_type, key=lambda k: -self.by_type[k].get("citations", 0)):
            r = self.by_type[t]
            lines.append(f"  {t:10s} {r.get('decisions', 0):9d} {r.get('citations', 0):9d} {r.get('article', 0):8d} "
                         f"{self.coverage(t):9.3f} {self.fabricated_per_1000(t):15.1f} "
                         f"{self.unverifiable_per_1000(t):17.1f}")
        lines.append(f"  {'all':10s} {self.decisions:9d} {self.citations:9d} "
                     f"{sum(r.get('article', 0) for r in self.by_type.values()):8d} {self.coverage():9.3f} "
                     f"{self.fabricated_per_1000():15.1f} {self.unverifiable_per_1000():17.1f}")
        return "\n".join(lines)

    def n(self, cls: str, verdicts: tuple[str, ...] | None = None) -> int:
        by = self.counts.get(cls, {})
        return sum(v for k, v in by.items() if verdicts is None or k in verdicts)

    def rate(self, cls: str, verdicts: tuple[str, ...]) -> float:
        total = self.n(cls)
        return self.n(cls, verdicts) / total if total else 1.0

    def summary(self) -> str:
        lines = [f"decisions={self.decisions} citations={self.citations}"]
        for cls in CLASSES:
            by = self.counts.get(cls, {})
            total = sum(by.values())
            if not total:
                continue
            parts = ", ".join(f"{v} {n} ({n / total:.1%})" for v, n in sorted(by.items(), key=lambda x: -x[1]))
            lines.append(f"  {cls:18s} {total:5d}: {parts}")
        lines.append(f"  current valid rate {self.rate('current', ('valid',)):.3f}; current fabricated-looking "
                     f"(article renumbered by a later revision, or misattributed) "
                     f"{self.rate('current', FABRICATED):.3f}")
        return "\n".join(lines)


def load_precedents(path: str | Path) -> list[dict]:
    return [json.loads(x) for x in Path(path).read_text(encoding="utf-8").splitlines() if x.strip()]


def classify(refs: str, start: int, end: int, old_law: bool, in_registry: bool, part: bool = False) -> str:
    """`part`: the citation names a paragraph or item (the annotation then applies to that part)."""
    if not in_registry:
        return "outside_registry"
    after = refs[end : end + 12].lstrip()
    if after.startswith("(현행 삭제)"):
        return "deleted_part" if part else "deleted_article"
    if after.startswith("(현행 "):
        return "renumbered_marked"
    return "old_law" if old_law else "current"


def score_precedents(rows: list[dict], examples: int = 4, *, dated: bool = True) -> PrecedentScores:
    """`dated`: each decision is checked as of its decision date (a decision cites the law then in force);
    otherwise as of today, as a model answer is."""
    sc = PrecedentScores(decisions=len(rows))
    for r in rows:
        refs = r["refs"]
        ctype = r.get("type") or r["path"].split("/")[1]
        bt = sc.by_type.setdefault(ctype, {})
        bt["decisions"] = bt.get("decisions", 0) + 1
        old = {(c.start, c.end): c.old_law for c in extract_citations(refs)}
        for c in run_checks(refs, as_of=r["decided"] if dated else None).citations:
            sc.citations += 1
            bt["citations"] = bt.get("citations", 0) + 1
            if c.article:
                bt["article"] = bt.get("article", 0) + 1
                if article_level(c):
                    bt["article_level"] = bt.get("article_level", 0) + 1
            if fabricated(c):
                bt["fabricated"] = bt.get("fabricated", 0) + 1
            if c.verdict == "unverifiable" or (c.verdict == "renamed" and c.article_verdict == "unverifiable"):
                bt["unverifiable"] = bt.get("unverifiable", 0) + 1
            in_registry = bool(c.law_id) and c.verdict != "law_not_covered"
            cls = classify(refs, c.start, c.end, old.get((c.start, c.end), False), in_registry,
                           part=bool(c.paragraph or c.item))
            by = sc.counts.setdefault(cls, {})
            by[c.verdict] = by.get(c.verdict, 0) + 1
            ex = sc.examples.setdefault(f"{cls}/{c.verdict}", [])
            if len(ex) < examples:
                ex.append(f"{r['case']} ({r['decided']}): {c.law} {c.article or ''} <- {refs[max(0, c.start - 20):c.end + 14]}")
    return sc
