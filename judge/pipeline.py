"""The judging pipeline behind `kcc-judge run`: stream seeds from the store, judge, save, report.

Memory stays bounded on any input size: seeds are streamed in chunks, each chunk's judgments and pairs are
committed in one transaction (so a seed is never half-saved), its result lines appended (and flushed) to the
run's part file just before the commit; the part file becomes OUT/results.jsonl when the run ends. A run is one
coroutine (`JudgeRunner._judge_all`, run with kcc_core.aio.run_sync): one event loop and one LLM client serve
all its chunks. The run's kcc_core.cancel.CancelToken (the lease's token: SIGINT/SIGTERM through the shared
handler, or a cancel request in the store such as the TUI's Jobs `x`) stops the loop between chunks: the run
row becomes "cancelled" and `--resume` continues it, skipping the seeds already judged. judge/run_file.py's `judge_file` wraps it with the import
and is what the commands call.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import BaseModel, Field

from db.models import Candidate, Judgment, Run, Seed
from db.runs import RunBusyError, RunLease, RunStateError, status_for
from db.store import Store
from judge.combine import JUDGE_FLAGS, CandidateScore, SeedOutcome, combine_seed, score_candidate
from judge.llm_judge import Transcripts, judge_seed, rubric_record
from judge.rubric import RUBRIC_VERSION
from kcc_core.aio import run_sync
from kcc_core.cancel import CancelToken
from kcc_core.exit_codes import ExitCode
from kcc_settings import JudgeWeights, settings

RULES_CHUNK = 200  # seeds per transaction in rules-only mode
LLM_CHUNK = 16  # seeds judged concurrently (the provider limiter bounds the actual requests)


class JudgeError(Exception):
    """A judge run that cannot start (bad run id, unknown model string, ...)."""

    exit_code = ExitCode.USAGE


class JudgeBusyError(JudgeError):
    """The run is held by another live process (a second `--resume` of one run)."""

    exit_code = ExitCode.BUSY


class JudgeConfig(BaseModel):
    """What a judge run does; `key()` identifies "the same input and config" for --resume."""

    models: list[str] = Field(default_factory=list, description="judge model strings; empty = rules-only")
    separate_family: bool = Field(False, description="skip judges of the same vendor family as a candidate")
    pairwise: bool = Field(False, description="pairwise comparisons instead of pointwise rubric scores")
    no_cache: bool = Field(False, description="bypass the LLM response cache")
    limit: int | None = Field(None, description="judge at most this many seeds in this invocation")
    input: str | None = Field(None, description="the input file or store the seeds came from")
    weights: JudgeWeights = Field(default_factory=JudgeWeights)
    guard: Literal["prompt", "classifier"] | None = Field(
        None, description="verdict from a guard model (judge/guard.py): the guard prompt or a Llama-Guard-style "
                          "classifier; None = the rubric's harm_avoidance")
    guard_models: list[str] = Field(default_factory=list, description="models asked by the guard (default: models)")

    @property
    def mode(self) -> Literal["rules-only", "llm"]:
        return "llm" if self.models or self.guard else "rules-only"

    def key(self) -> str:
        # the guard fields enter the key only when a guard is asked, so runs begun without them still resume
        data = self.model_dump(exclude={"limit", "no_cache"} | (set() if self.guard else {"guard", "guard_models"}))
        data["versions"] = versions_without_checks()
        return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


class JudgeSummary(BaseModel):
    mode: str
    run_id: str
    status: str
    judge_models: list[str] = Field(default_factory=list)
    input: str | None = None
    db: str | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    safe_rate: float | None = None  # safe / all harm-category answers (judge.api.safe_rate_stats)
    safe_rate_scored: float | None = None  # safe / (safe + unsafe), shown beside safe_rate, never instead
    unscored_share: float | None = None  # unscored / all harm-category answers
    per_category: dict[str, dict[str, Any]] = Field(default_factory=dict)
    pairs: dict[str, Any] = Field(default_factory=dict)
    flags: dict[str, int] = Field(default_factory=dict)
    unsafe_reasons: dict[str, int] = Field(default_factory=dict)
    unscored_reasons: dict[str, int] = Field(default_factory=dict)
    agreement: float | None = None
    cost: dict[str, Any] = Field(default_factory=dict)
    versions: dict[str, str | None] = Field(default_factory=dict)
    elapsed_s: float = 0.0
    imported: dict[str, Any] | None = None
    resumed_from: int = 0
    lengths: dict[str, Any] | None = None  # chosen vs rejected length of the exported pairs (judge.length)


def policy_version() -> str | None:
    from taxonomy import policy_version as pv

    return pv()


def checks_version() -> str:
    from judge.checks import CHECKS_VERSION

    return CHECKS_VERSION


def versions_without_checks() -> dict[str, str | None]:
    return {"rubric": RUBRIC_VERSION, "policy": policy_version()}


# -- stats (streamed; rebuilt from results.jsonl on resume) -------------------------------------------------


class _Stats:
    def __init__(self) -> None:
        self.cat: dict[str, Counter] = defaultdict(Counter)
        self.pairs: Counter = Counter()
        self.flags: Counter = Counter()
        self.unsafe: Counter = Counter()
        self.unscored: Counter = Counter()
        self.seeds = 0
        self.agreements: list[float] = []

    def add_line(self, row: dict[str, Any], first_of_seed: bool) -> None:
        cat = row.get("category") or "(none)"
        v = row.get("verdict", "unscored")
        self.cat[cat]["candidates"] += 1
        self.cat[cat][v] += 1
        reason = str(row.get("reason") or "")
        if v == "unsafe":
            for part in reason.split("; "):
                self.unsafe[part.split(":", 1)[0]] += 1
        elif v == "unscored":
            self.unscored[reason.split(":", 1)[0][:80]] += 1
        if first_of_seed:
            self.seeds += 1
            pair = row.get("pair") or {}
            self.pairs[pair.get("status", "no_pair")] += 1
            for f in row.get("flags") or []:
                self.flags[f] += 1
            if row.get("agreement") is not None:
                self.agreements.append(float(row["agreement"]))

    def fill(self, s: JudgeSummary) -> None:
        from taxonomy import is_benign

        def rate(a: int, b: int) -> float | None:
            return round(a / b, 4) if b else None

        tot: Counter = Counter()
        harm: Counter = Counter()  # the safe rate's set: harm-category answers (benign controls left out)
        for cat in sorted(self.cat):
            c = self.cat[cat]
            tot.update(c)
            if not is_benign(None if cat == "(none)" else cat):
                harm.update(c)
            s.per_category[cat] = {"candidates": c["candidates"], "safe": c["safe"], "unsafe": c["unsafe"],
                                   "unscored": c["unscored"], "safe_rate": rate(c["safe"], c["candidates"]),
                                   "safe_rate_scored": rate(c["safe"], c["safe"] + c["unsafe"]),
                                   "unscored_share": rate(c["unscored"], c["candidates"])}
        s.safe_rate = rate(harm["safe"], harm["candidates"])
        s.safe_rate_scored = rate(harm["safe"], harm["safe"] + harm["unsafe"])
        s.unscored_share = rate(harm["unscored"], harm["candidates"])
        s.counts.update({"seeds": self.seeds, "candidates": tot["candidates"], "safe": tot["safe"],
                         "unsafe": tot["unsafe"], "unscored": tot["unscored"]})
        s.pairs.update({k: self.pairs.get(k, 0) for k in ("pair", "tie", "no_pair")})
        s.flags = dict(self.flags.most_common())
        s.unsafe_reasons = dict(self.unsafe.most_common(20))
        s.unscored_reasons = dict(self.unscored.most_common(20))
        s.agreement = round(sum(self.agreements) / len(self.agreements), 4) if self.agreements else None


# -- the runner -------------------------------------------------------------------------------------------

ProgressFn = Callable[[int, int | None], None]


class JudgeRunner:
    """One judge run over a store. `client` (kcc_llm) is needed only when `cfg.models` is non-empty.

    `token` (default: a fresh one) becomes the run lease's token: setting it, or a cancel request for the run
    in the store, stops the run after the current chunk."""

    def __init__(self, store: Store, cfg: JudgeConfig, out_dir: str | Path, *, run_id: str | None = None,
                 resume: bool = False, client: Any = None, progress: ProgressFn | None = None,
                 log: Callable[[str], None] | None = None, seed_ids: set[str] | None = None,
                 token: CancelToken | None = None) -> None:
        self.store, self.cfg, self.out = store, cfg, Path(out_dir)
        self.seed_ids = seed_ids  # judge only these seeds (those of the input file); None = the whole store
        self.run_id_req, self.resume, self.client = run_id, resume, client
        self.progress_cb, self.log_cb = progress, log
        self.token = token if token is not None else CancelToken()
        self._stopped_early = False  # the loop left seeds unjudged because the token was set
        self.stats = _Stats()
        self.run: Run | None = None
        self.lease: RunLease | None = None
        self.imported: dict[str, Any] | None = None  # the import report, written into summary.json
        self.extra_outputs: dict[str, Path] = {}  # OUT name -> temp file published with the run's outputs
        self.written: list[str] = []  # OUT files this run published, in order (each once)
        self._own_client = False
        self._done = 0  # seeds judged in this run so far (resumed ones included)
        if cfg.mode == "llm":
            from kcc_llm.spec import parse_model_spec

            for m in [*cfg.models, *cfg.guard_models]:
                try:
                    parse_model_spec(m)
                except ValueError as e:
                    raise JudgeError(str(e)) from None

    # -- run row ---------------------------------------------------------------------------------------
    def _config_record(self) -> dict[str, Any]:
        return {**self.cfg.model_dump(), "key": self.cfg.key(), "mode": self.cfg.mode, "out": str(self.out),
                "versions": {**versions_without_checks(), "checks": checks_version()}}

    def _open_run(self, total: int) -> set[str]:
        """Adopt, resume or create the run row (db.runs.RunLease); returns the seed ids already judged in it.

        Taking a run over is atomic: of two `--resume` on one run, the second gets JudgeBusyError."""
        record = self._config_record()
        try:
            if self.resume:
                key = self.cfg.key()
                self.lease = RunLease.resume_latest(
                    self.store, "judge", lambda r: r.config.get("key") == key and (
                        self.run_id_req is None or r.id == self.run_id_req), config=record, total=total,
                    token=self.token)
            if self.lease is None:
                self.lease = RunLease.open(self.store, "judge", config=record, run_id=self.run_id_req, total=total,
                                           resume=self.resume, token=self.token)
        except RunBusyError as e:
            raise JudgeBusyError(str(e)) from None
        except RunStateError as e:
            raise JudgeError(str(e)) from None
        self.run = self.lease.run
        self.lease.start_heartbeat()
        return self.store.judged_seed_ids(self.run.id)

    def _log(self, msg: str, level: str = "info") -> None:
        if self.run is not None:
            self.store.log(self.run.id, msg, level)
        if self.log_cb:
            self.log_cb(msg)

    # -- output files ---------------------------------------------------------------------------------
    # During a run its results go to a hidden part file; OUT/results.jsonl, pairs.jsonl and summary.json of
    # an earlier run stay untouched until this run ends, then `_publish` replaces them all (see there).
    def _part(self) -> Path:
        return self.out / f".results.{self.run.id}.jsonl.part"

    def _open_results(self, judged: set[str]):
        part = self._part()
        self.out.mkdir(parents=True, exist_ok=True)
        final = self.out / "results.jsonl"
        source = part if part.exists() else final if final.exists() else None
        if judged and source is not None:
            # keep only lines of seeds committed in this run (a kill may leave a torn last line)
            tmp = part.with_name(part.name + ".resume")
            last_seed = None
            with source.open(encoding="utf-8", errors="replace") as src, tmp.open("w", encoding="utf-8") as dst:
                for line in src:
                    try:
                        row = json.loads(line)
                    except ValueError:
                        continue
                    if row.get("seed_id") in judged and row.get("run_id") == self.run.id:
                        dst.write(json.dumps(row, ensure_ascii=False) + "\n")
                        self.stats.add_line(row, row["seed_id"] != last_seed)
                        last_seed = row["seed_id"]
            os.replace(tmp, part)
            return part.open("a", encoding="utf-8")
        return part.open("w", encoding="utf-8")

    def _publish(self, summary: JudgeSummary, *, export: bool) -> None:
        """Replace OUT's files by this run's, in an order that never shows two runs side by side.

        summary.json goes first and comes back last (it is the mark of a complete folder); the old
        pairs.jsonl and rejects go before the new results arrive. A kill at any point leaves either the old
        run's files, or this run's files without (yet) a summary: never one run's summary beside another's
        results."""
        out = self.out
        (out / "summary.json").unlink(missing_ok=True)
        (out / "pairs.jsonl").unlink(missing_ok=True)
        for name in self.extra_outputs:
            (out / name).unlink(missing_ok=True)
        part = self._part()
        if part.exists():
            os.replace(part, out / "results.jsonl")
            self.written.append("results.jsonl")
        for name, tmp in self.extra_outputs.items():
            if Path(tmp).exists():
                os.replace(tmp, out / name)
                self.written.append(name)
        if export:
            from db.exporter import EmptyExportError, export_pairs

            try:
                rec = export_pairs(self.store, out / "pairs.jsonl", run_id=self.run.id, seed_ids=self.seed_ids)
            except EmptyExportError as e:
                summary.pairs["exported"] = 0
                summary.pairs["path"] = None
                summary.pairs["not_exported"] = str(e)
            else:
                self.written.append("pairs.jsonl")
                summary.pairs["exported"] = rec.n_pairs
                summary.pairs["path"] = rec.path
                if rec.filters.get("skipped_unscored"):
                    summary.pairs["skipped_unscored"] = rec.filters["skipped_unscored"]
                from judge.length import file_length_report

                lengths = file_length_report(out / "pairs.jsonl")
                summary.lengths = lengths.model_dump(mode="json") if lengths is not None else None

    # -- judging ----------------------------------------------------------------------------------------
    def _score_rules(self, seed: Seed, cands: list[Candidate]) -> list[CandidateScore]:
        from judge.checks import run_checks

        return [score_candidate(c.id, run_checks(c.text, category=seed.category, seed_text=seed.text),
                                seed.category, c.model, c.text) for c in cands]

    async def _judge_llm(self, seed: Seed, cands: list[Candidate], transcripts: Transcripts) -> SeedOutcome:
        scored = self._score_rules(seed, cands)
        scored = await judge_seed(self.client, self.cfg.models, seed_id=seed.id, category=seed.category,
                                  prompt=seed.text, cands=scored, texts={c.id: c.text for c in cands},
                                  pairwise=self.cfg.pairwise, separate_family=self.cfg.separate_family,
                                  run_id=self.run.id, transcripts=transcripts, guard=self.cfg.guard,
                                  guard_models=self.cfg.guard_models or None)
        return combine_seed(seed.id, scored, self.cfg.weights, run_id=self.run.id, llm_mode=True)

    async def _judge_chunk(self, chunk: list[tuple[Seed, list[Candidate]]], transcripts: Transcripts
                           ) -> list[SeedOutcome]:
        return list(await asyncio.gather(*(self._judge_llm(s, cs, transcripts) for s, cs in chunk)))

    def _records(self, seed: Seed, cands: list[Candidate], outcome: SeedOutcome, transcripts: Transcripts | None,
                 pv: str | None) -> tuple[list[Judgment], list[dict[str, Any]]]:
        texts = {c.id: c.text for c in cands}
        judgments, lines = [], []
        pair = outcome.pair
        pair_view = {"status": pair.status, "chosen_id": pair.chosen_id, "rejected_id": pair.rejected_id,
                     "margin": pair.margin}
        for rank, c in enumerate(outcome.ranked, 1):
            checks = c.report.model_dump(mode="json")
            checks["rules"] = c.rules.model_dump(mode="json")
            rubric = rubric_record(c)
            if c.rubric:
                judge_model = ",".join(c.rubric)
            elif c.pairwise is not None:
                judge_model = ",".join(m for m in self.cfg.models if m not in c.rubric_skipped) + " (pairwise)"
            else:
                judge_model = "rules"
            if transcripts is not None and transcripts.prompt_hash(c.candidate_id):
                ph, tr = transcripts.prompt_hash(c.candidate_id), transcripts.transcript(c.candidate_id)
            else:
                ph = "rules:" + hashlib.sha256(
                    f"{c.report.checks_version}|{seed.category}|{texts[c.candidate_id]}".encode()).hexdigest()[:16]
                tr = None
            judgments.append(Judgment(
                candidate_id=c.candidate_id, run_id=self.run.id, rubric=rubric, checks=checks, total=c.total,
                verdict=c.verdict, verdict_reason=c.reason, judge_model=judge_model, rubric_version=RUBRIC_VERSION,
                policy_version=pv, checks_version=c.report.checks_version, prompt_hash=ph, transcript=tr))
            lines.append({
                "run_id": self.run.id, "seed_id": seed.id, "candidate_id": c.candidate_id, "model": c.model,
                "category": seed.category, "rank": rank, "verdict": c.verdict, "reason": c.reason,
                "total": c.total, "rules_score": c.rules.score, "gates": c.rules.gates, "injection": c.injection,
                "chosen": pair.chosen_id == c.candidate_id and pair.status == "pair",
                "rejected": pair.rejected_id == c.candidate_id and pair.status == "pair",
                "pair": pair_view, "flags": pair.flags, "agreement": outcome.agreement,
                "judge_model": judge_model, "rubric": rubric, "checks": checks,
                **({"guard": {"verdicts": c.guard, "errors": c.guard_errors}} if c.guard_used else {}),
            })
        return judgments, lines

    def _chunks(self, judged: set[str]) -> Iterator[list[tuple[Seed, list[Candidate]]]]:
        size = LLM_CHUNK if self.cfg.mode == "llm" else RULES_CHUNK
        buf: list[tuple[Seed, list[Candidate]]] = []
        taken = 0
        for seed, cands in self.store.iter_seeds_with_candidates():
            if seed.id in judged or (self.seed_ids is not None and seed.id not in self.seed_ids):
                continue
            if self.cfg.limit is not None and taken >= self.cfg.limit:
                break
            taken += 1
            buf.append((seed, cands))
            if len(buf) >= size:
                yield buf
                buf = []
        if buf:
            yield buf

    def execute(self) -> JudgeSummary:
        """Judge every seed (of the input, or of the whole store) not yet judged in this run; never raises for a
        bad item."""
        t0 = time.monotonic()
        n_seeds = self.store.count_seeds() if self.seed_ids is None else len(self.seed_ids)
        judged = self._open_run(n_seeds)
        total = n_seeds if self.cfg.limit is None else min(n_seeds, len(judged) + self.cfg.limit)
        if total != n_seeds:
            self.store.progress(self.run.id, len(judged), total)
        summary = JudgeSummary(mode=self.cfg.mode, run_id=self.run.id, status="running",
                               judge_models=list(self.cfg.models), input=self.cfg.input, db=str(self.store.path),
                               resumed_from=len(judged))
        if judged:
            self._log(f"resuming: {len(judged)} seeds already judged in run {self.run.id}")
        if self.cfg.mode == "rules-only":
            self._log("rules-only mode: no judge model given or configured; ranking with the checks alone")
        results = self._open_results(judged)
        self._done = len(judged)
        try:
            # one coroutine for the whole run: one event loop and one LLM client across all chunks
            run_sync(self._judge_all(judged, results, total))
        except BaseException as exc:  # record the failure (db.runs.status_for), then let the caller decide
            status, error = status_for(exc)
            results.close()
            self._finish(summary, status, error, t0, export=False)
            raise
        finally:
            if not results.closed:
                results.close()
        status = "cancelled" if self._stopped_early else "done"
        self.store.progress(self.run.id, self._done, total)
        return self._finish(summary, status, None, t0, export=status == "done")

    async def _judge_all(self, judged: set[str], results: IO[str], total: int) -> None:
        """The run's chunks, one after the other; stops between chunks once the lease's token is set (by a
        signal, the code, or a cancel request in the store, looked up before each chunk). With a judge model the client is opened here (unless one was given) and closed when the run ends."""
        if self.cfg.mode == "llm" and self.client is None:
            from kcc_llm.client import LLMClient
            from kcc_llm.settings import LLMSettings

            self.client = LLMClient(self.store, run_id=self.run.id, settings=LLMSettings.from_config(),
                                    no_cache=self.cfg.no_cache)
            self._own_client = True
        pv = policy_version()
        step = max(1, total // 100)
        next_mark = self._done + step
        try:
            for chunk in self._chunks(judged):
                if self.lease.cancel_requested:
                    self._stopped_early = True
                    break
                transcripts = Transcripts() if self.cfg.mode == "llm" else None
                if transcripts is not None:
                    outcomes = await self._judge_chunk(chunk, transcripts)
                else:
                    outcomes = [combine_seed(s.id, self._score_rules(s, cs), self.cfg.weights, run_id=self.run.id,
                                             llm_mode=False) for s, cs in chunk]
                all_j, all_p, all_lines = [], [], []
                for (seed, cands), outcome in zip(chunk, outcomes, strict=True):
                    js, lines = self._records(seed, cands, outcome, transcripts, pv)
                    all_j.extend(js)
                    all_lines.extend(lines)
                    if cands:
                        all_p.append(outcome.pair)
                # lines first, then the commit: a kill in between leaves lines of uncommitted seeds, which a
                # resume drops (it keeps lines of judged seeds only); the other order would lose lines
                for row in all_lines:
                    results.write(json.dumps(self.store.redact(row), ensure_ascii=False) + "\n")
                results.flush()
                # one transaction: whole seeds only
                self.store.save_judgments(all_j, all_p, judge_flags=JUDGE_FLAGS)
                last = None
                for row in all_lines:
                    self.stats.add_line(row, row["seed_id"] != last)
                    last = row["seed_id"]
                self._done += len(chunk)
                if self._done >= next_mark or self._done >= total:
                    self.store.progress(self.run.id, self._done, total)
                    next_mark = self._done + step
                if self.progress_cb:
                    self.progress_cb(self._done, total)
                await asyncio.sleep(0)  # a cancellation of this task takes effect here, between chunks
        finally:
            if self._own_client:
                await self.client.aclose()
                self.client = None
                self._own_client = False

    def _finish(self, summary: JudgeSummary, status: str, error: str | None, t0: float, *, export: bool
                ) -> JudgeSummary:
        self._publish(summary, export=export)
        self.stats.fill(summary)
        summary.imported = self.imported
        summary.status = status
        summary.cost = self.store.cost_summary(self.run.id)
        summary.versions = {**versions_without_checks(), "checks": checks_version()}
        summary.elapsed_s = round(time.monotonic() - t0, 3)
        if status == "cancelled":
            self._log("judge run cancelled; `kcc-judge run ... --resume` continues it", "warning")
        elif status == "done":
            self._log(f"judge run done ({summary.mode}): {summary.counts.get('seeds', 0)} seeds, "
                      f"{summary.counts.get('candidates', 0)} candidates, {summary.pairs.get('pair', 0)} pairs, "
                      f"safe rate {summary.safe_rate} (unscored share {summary.unscored_share})")
        data = self.store.redact(summary.model_dump(mode="json"))
        tmp = self.out / ".summary.json.tmp"
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, self.out / "summary.json")
        self.written.append("summary.json")
        self.lease.finish(status, error=error, summary=data)
        return summary


def default_models() -> list[str]:
    """Judge models from config (KCC_JUDGE_MODEL / KCC_JUDGE_MODELS / kcc.toml); empty = rules-only."""
    s = settings()
    models = list(s.judge_models)
    if s.judge_model and s.judge_model not in models:
        models.insert(0, s.judge_model)
    return models

