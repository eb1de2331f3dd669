"""Asking judge models for rubric scores (pointwise) or preferences (pairwise), never raising.

A failed or unparseable judge reply leaves the candidate's rubric missing with the reason recorded;
the combination then ranks that seed by rules and marks the candidate unscored (see combine.py).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Protocol

from judge.combine import CandidateScore
from judge.guard import (
    MAX_TOKENS_CLASSIFIER,
    MAX_TOKENS_PROMPT,
    GuardVerdict,
    guard_request,
    parse_guard_output,
)
from judge.rubric import (
    CRITERIA,
    PairwiseChoice,
    RubricScores,
    family_conflict,
    pair_schedule,
    pairwise_prompt,
    pointwise_prompt,
    shuffled,
)

MAX_TOKENS = 1500


class CompletionClient(Protocol):
    async def complete(self, request: Any) -> Any: ...


def _request(model: str, system: str, user: str, schema: type, meta: dict[str, Any]) -> Any:
    from kcc_llm.types import LLMRequest

    return LLMRequest(model=model, messages=[{"role": "user", "content": user}], system=system, temperature=0.0,
                      max_tokens=MAX_TOKENS, schema=schema, stage="judge", metadata=meta)


def _valid_rubric(parsed: Any) -> RubricScores | None:
    if isinstance(parsed, RubricScores):
        return parsed
    if isinstance(parsed, dict):
        try:
            return RubricScores.model_validate(parsed)
        except ValueError:
            return None
    return None


class Transcripts:
    """Raw exchanges per candidate: judge model -> {prompt_hash, user, response, error}."""

    def __init__(self) -> None:
        self.by_candidate: dict[str, list[dict[str, Any]]] = {}
        self.hashes: dict[str, list[str]] = {}

    def add(self, candidate_ids: list[str], entry: dict[str, Any]) -> None:
        for cid in candidate_ids:
            self.by_candidate.setdefault(cid, []).append(entry)
            self.hashes.setdefault(cid, []).append(entry["prompt_hash"])

    def transcript(self, cid: str) -> str | None:
        items = self.by_candidate.get(cid)
        return json.dumps(items, ensure_ascii=False) if items else None

    def prompt_hash(self, cid: str) -> str | None:
        hs = self.hashes.get(cid)
        return ",".join(hs) if hs else None


def judges_for_seed(judges: list[str], candidate_models: list[str], separate_family: bool
                    ) -> tuple[list[str], dict[str, str]]:
    """Judges allowed on this seed (each once) and, for the others, why they were skipped."""
    judges = list(dict.fromkeys(judges))
    if not separate_family:
        return judges, {}
    ok, skipped = [], {}
    for j in judges:
        why = family_conflict(j, candidate_models)
        if why:
            skipped[j] = f"skipped (--separate-family): {why}"
        else:
            ok.append(j)
    return ok, skipped


async def judge_seed(client: CompletionClient, judges: list[str], *, seed_id: str, category: str | None,
                     prompt: str, cands: list[CandidateScore], texts: dict[str, str], pairwise: bool,
                     separate_family: bool, run_id: str | None, transcripts: Transcripts,
                     guard: str | None = None, guard_models: list[str] | None = None) -> list[CandidateScore]:
    """Attach LLM rubric (or pairwise win rates) to the candidates of one seed. A lone candidate has nothing
    to be compared with, so pairwise mode scores it pointwise (otherwise it could only end unscored).

    `guard` ("prompt" or "classifier", judge/guard.py) also asks `guard_models` (default: the judges) for a
    safe/unsafe verdict per candidate; the verdict then comes from the guard. With no judges, only the
    guard is asked."""
    allowed, skipped = judges_for_seed(judges, [c.model for c in cands], separate_family)
    cands = [c.model_copy(update={"llm_used": bool(judges), "rubric_skipped": dict(skipped)}) for c in cands]
    by_id = {c.candidate_id: c for c in cands}
    if guard:
        gmodels = list(dict.fromkeys(guard_models or judges))
        g_allowed, g_skipped = judges_for_seed(gmodels, [c.model for c in cands], separate_family)
        for c in cands:
            c.guard_used = True
            c.guard_errors.update(g_skipped)
        await guard_seed(client, g_allowed, guard, seed_id=seed_id, category=category, prompt=prompt, by_id=by_id,
                         texts=texts, run_id=run_id, transcripts=transcripts)
    if not allowed:
        return [by_id[c.candidate_id] for c in cands]
    if pairwise and len(by_id) >= 2:
        await _pairwise(client, allowed, seed_id, category, prompt, by_id, texts, run_id, transcripts)
    else:
        await _pointwise(client, allowed, seed_id, category, prompt, by_id, texts, run_id, transcripts)
    return [by_id[c.candidate_id] for c in cands]


async def guard_seed(client: CompletionClient, guards: list[str], mode: str, *, seed_id: str, category: str | None,
                     prompt: str, by_id: dict[str, CandidateScore], texts: dict[str, str], run_id: str | None,
                     transcripts: Transcripts) -> None:
    """One guard call per (guard model, candidate); the verdicts go to `CandidateScore.guard`."""
    from kcc_llm.types import LLMRequest

    async def one(model: str, cid: str) -> None:
        gr = guard_request(mode=mode, seed_id=seed_id, category=category, prompt=prompt, answer=texts[cid])
        req = LLMRequest(model=model, messages=gr.messages, system=gr.system, temperature=0.0,
                         max_tokens=MAX_TOKENS_CLASSIFIER if mode == "classifier" else MAX_TOKENS_PROMPT,
                         schema=GuardVerdict if mode == "prompt" else None, stage="judge",
                         metadata={"seed_id": seed_id, "candidate_id": cid, "run_id": run_id, "guard": mode})
        comp = await client.complete(req)
        got = None if comp.error else parse_guard_output(comp.text, getattr(comp, "parsed", None))
        c = by_id[cid]
        if got is None:
            why = comp.error or f"guard output not in the {mode} format: {str(comp.text)[:80]!r}"
            c.guard_errors[model] = f"{getattr(comp, 'error_kind', None) or 'parse'}: {why}"[:500]
        else:
            c.guard[model] = got.model_dump()
        transcripts.add([cid], {"judge": model, "mode": f"guard:{mode}", "prompt_hash": gr.prompt_hash,
                                "user": gr.messages[-1]["content"] if mode == "prompt" else gr.messages,
                                "response": comp.text, "error": comp.error,
                                "cached": bool(getattr(comp, "cached", False))})

    await asyncio.gather(*(one(g, cid) for g in guards for cid in shuffled(seed_id, list(by_id))))


async def _pointwise(client, judges, seed_id, category, prompt, by_id, texts, run_id, transcripts) -> None:
    order = shuffled(seed_id, list(by_id))  # randomised order of the calls; model names never shown

    async def one(judge: str, cid: str) -> None:
        jp = pointwise_prompt(seed_id=seed_id, category=category, prompt=prompt, answer=texts[cid])
        comp = await client.complete(_request(judge, jp.system, jp.user, RubricScores,
                                              {"seed_id": seed_id, "candidate_id": cid, "run_id": run_id}))
        scores = _valid_rubric(getattr(comp, "parsed", None)) if not comp.error else None
        c = by_id[cid]
        if scores is None:
            err = comp.error or "judge output did not match the rubric schema"
            c.rubric_errors[judge] = f"{getattr(comp, 'error_kind', None) or 'parse'}: {err}"[:500]
        else:
            c.rubric[judge] = scores.as_dict()
        transcripts.add([cid], {"judge": judge, "mode": "pointwise", "prompt_hash": jp.prompt_hash,
                                "user": jp.user, "response": comp.text, "error": comp.error,
                                "cached": bool(getattr(comp, "cached", False))})

    await asyncio.gather(*(one(j, cid) for j in judges for cid in order))


async def _pairwise(client, judges, seed_id, category, prompt, by_id, texts, run_id, transcripts) -> None:
    """Every pair once per judge, order randomised per seed; win rate = (wins + ties/2) / comparisons."""
    schedule = pair_schedule(seed_id, list(by_id))
    wins: dict[str, dict[str, float]] = {j: dict.fromkeys(by_id, 0.0) for j in judges}  # per judge
    seen: dict[str, dict[str, int]] = {j: dict.fromkeys(by_id, 0) for j in judges}
    failed: dict[str, list[str]] = {cid: [] for cid in by_id}

    async def one(judge: str, first: str, second: str) -> None:
        jp = pairwise_prompt(seed_id=seed_id, category=category, prompt=prompt, first=texts[first],
                             second=texts[second])
        comp = await client.complete(_request(judge, jp.system, jp.user, PairwiseChoice,
                                              {"seed_id": seed_id, "pair": [first, second], "run_id": run_id}))
        parsed = getattr(comp, "parsed", None)
        if isinstance(parsed, dict):
            try:
                parsed = PairwiseChoice.model_validate(parsed)
            except ValueError:
                parsed = None
        if comp.error or not isinstance(parsed, PairwiseChoice):
            why = f"{getattr(comp, 'error_kind', None) or 'parse'}: {comp.error or 'output did not match schema'}"
            failed[first].append(f"{judge}: {why}"[:300])
            failed[second].append(f"{judge}: {why}"[:300])
        else:
            w, n = wins[judge], seen[judge]
            n[first] += 1
            n[second] += 1
            if parsed.winner == "A":  # A is always `first`, B `second` (see the transcript's "shown")
                w[first] += 1
            elif parsed.winner == "B":
                w[second] += 1
            else:
                w[first] += 0.5
                w[second] += 0.5
        transcripts.add([first, second], {"judge": judge, "mode": "pairwise", "prompt_hash": jp.prompt_hash,
                                          "shown": {"A": first, "B": second}, "user": jp.user,
                                          "response": comp.text, "error": comp.error,
                                          "cached": bool(getattr(comp, "cached", False))})

    await asyncio.gather(*(one(j, a, b) for j in judges for a, b in schedule))
    for cid, c in by_id.items():
        if failed[cid]:
            c.rubric_errors["pairwise"] = "; ".join(failed[cid])[:500]
            continue
        total_seen = sum(seen[j][cid] for j in judges)
        if total_seen:
            c.pairwise = round(sum(wins[j][cid] for j in judges) / total_seen, 4)
            c.pairwise_by_judge = {j: round(wins[j][cid] / seen[j][cid], 4) for j in judges if seen[j][cid]}


def rubric_record(c: CandidateScore) -> dict[str, Any]:
    """The Judgment.rubric dict: criterion -> {score, rationale} (mean over judges); per-judge scores, the
    pairwise win rate, errors and skips go under the single key "_detail"."""
    out: dict[str, Any] = {}
    detail: dict[str, Any] = {}
    if c.rubric:
        for crit in CRITERIA:
            vals = [r[crit] for r in c.rubric.values() if crit in r]
            if vals:
                out[crit] = {"score": round(sum(v["score"] for v in vals) / len(vals), 2),
                             "rationale": " / ".join(str(v.get("rationale", "")) for v in vals)[:600]}
        detail["judges"] = c.rubric
    if c.pairwise is not None:
        detail["pairwise_win_rate"] = c.pairwise
        if len(c.pairwise_by_judge) > 1:
            detail["pairwise_by_judge"] = c.pairwise_by_judge
    if c.rubric_errors:
        detail["errors"] = c.rubric_errors
    if c.rubric_skipped:
        detail["skipped"] = c.rubric_skipped
    if c.guard_used:
        detail["guard"] = {"verdicts": c.guard, "errors": c.guard_errors}
    if detail:
        out["_detail"] = detail
    return out
