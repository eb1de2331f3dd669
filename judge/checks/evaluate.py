"""Scores the checks against a labelled corpus (tests/t_checks/data/corpus.jsonl): extraction precision and
recall, verdict accuracy, institution/procedure/refusal/compliance/check accuracy, and the misses."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field

from judge.checks.runner import run_checks
from statutes.normalize import law_key
from statutes.registry import registry


class CorpusScores(BaseModel):
    rows: int
    citation_tp: int = 0
    citation_fp: int = 0
    citation_fn: int = 0
    citation_verdict_ok: int = 0
    institution_tp: int = 0
    institution_fp: int = 0
    institution_fn: int = 0
    institution_verdict_ok: int = 0
    other_total: int = 0  # procedures, refusal, harmful_compliance, present/absent checks
    other_ok: int = 0
    misses: list[str] = Field(default_factory=list)

    @staticmethod
    def _div(a: int, b: int) -> float:
        return a / b if b else 1.0

    @property
    def citation_precision(self) -> float:
        return self._div(self.citation_tp, self.citation_tp + self.citation_fp)

    @property
    def citation_recall(self) -> float:
        return self._div(self.citation_tp, self.citation_tp + self.citation_fn)

    @property
    def citation_verdict_accuracy(self) -> float:
        return self._div(self.citation_verdict_ok, self.citation_tp)

    @property
    def institution_precision(self) -> float:
        return self._div(self.institution_tp, self.institution_tp + self.institution_fp)

    @property
    def institution_recall(self) -> float:
        return self._div(self.institution_tp, self.institution_tp + self.institution_fn)

    @property
    def institution_verdict_accuracy(self) -> float:
        return self._div(self.institution_verdict_ok, self.institution_tp)

    @property
    def other_accuracy(self) -> float:
        return self._div(self.other_ok, self.other_total)

    def summary(self) -> str:
        return (
            f"rows={self.rows}\n"
            f"citations: precision={self.citation_precision:.3f} recall={self.citation_recall:.3f} "
            f"verdict_accuracy={self.citation_verdict_accuracy:.3f} (tp={self.citation_tp} fp={self.citation_fp} "
            f"fn={self.citation_fn})\n"
            f"institutions: precision={self.institution_precision:.3f} recall={self.institution_recall:.3f} "
            f"verdict_accuracy={self.institution_verdict_accuracy:.3f} (tp={self.institution_tp} "
            f"fp={self.institution_fp} fn={self.institution_fn})\n"
            f"procedures/refusal/compliance/checks: accuracy={self.other_accuracy:.3f} ({self.other_ok}/{self.other_total})"
        )


def load_rows(path: str | Path) -> list[dict]:
    return [json.loads(x) for x in Path(path).read_text(encoding="utf-8").splitlines() if x.strip()]


def evaluate(rows: list[dict]) -> CorpusScores:
    sc = CorpusScores(rows=len(rows))
    for r in rows:
        # labels are as of the statute snapshot (a row may name its own date in "as_of")
        rep = run_checks(r["text"], category=r.get("category"), as_of=r.get("as_of") or registry().snapshot)
        exp = r["expect"]
        pred = [(law_key(c.law), c.article, c.verdict, c.text) for c in rep.citations]
        used = [False] * len(pred)
        for e in exp.get("citations", []):
            k = None if e["law"] == "*" else law_key(e["law"])
            hit = next((i for i, p in enumerate(pred) if not used[i] and p[1] == e["article"]
                        and (k is None or p[0] == k)), None)
            if hit is None:
                sc.citation_fn += 1
                sc.misses.append(f"{r['id']} [{r['form']}] citation missed: {e} in {r['text'][:60]!r} got {pred}")
                continue
            used[hit] = True
            sc.citation_tp += 1
            if pred[hit][2] == e["verdict"]:
                sc.citation_verdict_ok += 1
            else:
                sc.misses.append(f"{r['id']} [{r['form']}] verdict {pred[hit][2]} != {e['verdict']}: {r['text'][:60]!r}")
        for i, p in enumerate(pred):
            if not used[i]:
                sc.citation_fp += 1
                sc.misses.append(f"{r['id']} [{r['form']}] extra citation {p} in {r['text'][:60]!r}")
        ipred = [(i.institution_id, i.number, i.verdict) for i in rep.institutions]
        iused = [False] * len(ipred)
        for e in exp.get("institutions", []):
            hit = next((j for j, p in enumerate(ipred) if not iused[j] and (
                (e["number"] is not None and p[1] == e["number"]) or (e["number"] is None and p[0] == e["id"]))), None)
            if hit is None:
                sc.institution_fn += 1
                sc.misses.append(f"{r['id']} institution missed: {e} got {ipred}")
                continue
            iused[hit] = True
            sc.institution_tp += 1
            if ipred[hit][2] == e["verdict"] and (e["id"] is None or ipred[hit][0] == e["id"]):
                sc.institution_verdict_ok += 1
            else:
                sc.misses.append(f"{r['id']} institution verdict {ipred[hit]} != {e}")
        if "institutions" in exp and (r["form"].startswith("institution")):
            for j, p in enumerate(ipred):
                if not iused[j]:
                    sc.institution_fp += 1
                    sc.misses.append(f"{r['id']} extra institution {p} in {r['text'][:60]!r}")
        _others(r, rep, sc)
    return sc


def _others(r: dict, rep, sc: CorpusScores) -> None:
    exp = r["expect"]
    ids = {c.id for c in rep.checks}

    def tally(ok: bool, what: str) -> None:
        sc.other_total += 1
        sc.other_ok += ok
        if not ok:
            sc.misses.append(f"{r['id']} [{r['form']}] {what}: {r['text'][:60]!r}")

    for p in exp.get("procedures", []):
        got = next((x for x in rep.procedures if x.procedure_id == p["id"]), None)
        tally(got is not None and got.ok == p["ok"], f"procedure {p} got {got and (got.procedure_id, got.ok, got.note)}")
    if "refusal" in exp:
        tally(rep.refusal == exp["refusal"], f"refusal {rep.refusal} != {exp['refusal']}")
    if "harmful_compliance" in exp:
        tally(rep.harmful_compliance == exp["harmful_compliance"],
              f"harmful_compliance {rep.harmful_compliance} != {exp['harmful_compliance']}")
    for cid in exp.get("checks_present", []):
        tally(cid in ids, f"check {cid} absent (got {sorted(ids)})")
    for cid in exp.get("checks_absent", []):
        tally(cid not in ids, f"check {cid} present")
