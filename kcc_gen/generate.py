"""Generation pipelines: the LLM seed generator and three-model candidate generation.

Both are resumable and idempotent: ids are deterministic (seed: subcategory + normalised text; candidate:
seed, model, with_policy, params), every finished item is committed on its own (a killed run loses only
in-flight calls), items already stored are skipped, and replies are cached in the store so a re-run makes
no calls. Cost and tokens are recorded per call (llm_calls) and summarised per run.

Each run is a db.runs.RunLease (kind `generate`: pid, heartbeat, done/cancelled/failed); a cancel request
(the lease's token: SIGINT/SIGTERM through kcc_core.aio.run_cancellable, or a request in the store) stops
the workers before their next item, a cancelled task at once; the run then ends `cancelled`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from pydantic import BaseModel, Field
from rapidfuzz import fuzz, process

from db import Candidate, Seed, Store, ids
from db import generation as gen_store
from db.ids import normalize_seed_text
from db.runs import RunBusyError, RunLease, RunStateError
from db.runs import status_for as runs_status_for
from kcc_core.cancel import CancelToken, process_token
from kcc_llm import Budget, Completion, LLMClient, LLMRequest, LLMSettings, RunEstimate, estimate_requests
from kcc_llm.batch import BatchItem, collect_job, open_jobs, poll_job, submit_batches, supports_batch
from kcc_llm.spec import parse_model_spec

ProgressFn = Callable[[int, int], None]
MAX_FAILURES_IN_SUMMARY = 200
SEED_STYLES = ("direct", "roleplay", "hypothetical", "emotional", "slang")


# -- configs and summaries ------------------------------------------------------------------------------
class SeedGenConfig(BaseModel):
    model: str = Field(description="generator model string, e.g. openai:gpt-4o-mini")
    per_subcategory: int = Field(5, ge=1, description="seeds requested per (subcategory, style)")
    styles: list[str] = Field(default_factory=lambda: ["direct"])
    categories: list[str] | None = Field(None, description="category ids (K01, B02); default all")
    subcategories: list[str] | None = Field(None, description="subcategory ids (K05.2); default all")
    temperature: float | None = 1.0
    max_tokens: int = 2048
    dedupe_threshold: float = Field(90.0, description="rapidfuzz ratio at or above which a seed is a duplicate")
    existing_in_prompt: int = Field(30, description="existing seeds of the subcategory shown to the generator")
    no_cache: bool = False
    budget_usd: float | None = None
    concurrency: int | None = None


class CandidateGenConfig(BaseModel):
    models: list[str] = Field(min_length=1, description="model strings; each answers every seed")
    baseline: bool = Field(False, description="also answer without the policy system prompt")
    categories: list[str] | None = None
    limit: int | None = Field(None, ge=1, description="at most this many seeds")
    source: str | None = Field(None, description="only seeds of this source (import, generated, eval)")
    temperature: float | None = 0.7
    max_tokens: int = 1024
    no_cache: bool = False
    budget_usd: float | None = None
    concurrency: int | None = None


class RunSummary(BaseModel):
    run_id: str | None = None
    stage: str
    status: str = "done"  # done | failed | cancelled | submitted (batch) | nothing_to_do
    reason: str | None = None  # budget | interrupted | ...
    total: int = 0  # work items of this run (after skipping finished ones)
    skipped: int = 0  # already present before the run
    generated: int = 0  # rows written (seeds or candidates)
    duplicates: int = 0  # seeds dropped as near-duplicates
    failed: int = 0
    not_started: int = 0  # left over when the budget stopped the run
    calls: int = 0
    cached: int = 0
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    unpriced_models: list[str] = Field(default_factory=list)
    errors: dict[str, int] = Field(default_factory=dict)
    failures: list[dict[str, Any]] = Field(default_factory=list)
    batch_jobs: list[str] = Field(default_factory=list)
    estimate: RunEstimate | None = None
    elapsed_s: float = 0.0


# -- ids and normalisation ----------------------------------------------------------------------------------
def seed_id(subcategory: str | None, text: str) -> str:
    """A generated seed's id: db.ids.seed_id keyed by its subcategory (generated seeds always have one)."""
    return ids.seed_id(None, subcategory, text)


def candidate_id(seed_id: str, model: str, with_policy: bool, params: dict[str, Any]) -> str:
    blob = json.dumps([seed_id, model, with_policy, params], sort_keys=True, ensure_ascii=False)
    return f"c-{hashlib.sha256(blob.encode()).hexdigest()[:24]}"


# -- the shared driver -----------------------------------------------------------------------------------------
class _Run:
    """Bookkeeping of one pipeline run on its lease: counters, throttled progress, failure log, final status."""

    def __init__(self, lease: RunLease, summary: RunSummary, on_progress: ProgressFn | None) -> None:
        self.lease, self.s, self.on_progress = lease, summary, on_progress
        self.done = 0
        self._last = 0.0
        self.t0 = time.monotonic()

    def tick(self, force: bool = False) -> None:
        self.done += 1
        if self.on_progress:
            self.on_progress(self.done, self.s.total)
        now = time.monotonic()
        if force or now - self._last > 0.5 or self.done == self.s.total:
            self._last = now
            self.lease.progress(self.done)

    def fail(self, what: dict[str, Any], comp: Completion) -> None:
        self.s.failed += 1
        kind = comp.error_kind or "other"
        self.s.errors[kind] = self.s.errors.get(kind, 0) + 1
        if len(self.s.failures) < MAX_FAILURES_IN_SUMMARY:
            self.s.failures.append({**what, "kind": kind, "error": comp.error})
        desc = " ".join(f"{k}={v}" for k, v in what.items())
        self.lease.log(f"failed {desc}: {comp.error}", level="error")

    def finish(self, client: LLMClient | None, status: str, reason: str | None = None) -> RunSummary:
        s = self.s
        if client is not None:
            st = client.stats
            s.calls, s.cached, s.retries = st.calls, st.cached, st.retries
            s.prompt_tokens, s.completion_tokens = st.prompt_tokens, st.completion_tokens
            s.cost_usd = round(st.cost_usd, 6)
            s.unpriced_models = sorted(st.unpriced_models)
        s.status, s.reason = status, reason
        s.elapsed_s = round(time.monotonic() - self.t0, 3)
        self.lease.progress(self.done)
        self.lease.finish(status, error=reason, summary=s.model_dump(mode="json", exclude={"failures"}))
        return s


def _width(settings: LLMSettings, models: list[str], n_items: int) -> int:
    keys: dict[str, int] = {}
    for m in models:
        spec = parse_model_spec(m)
        keys[spec.limit_key] = settings.limits_for(spec).concurrency
    return max(1, min(n_items, sum(keys.values()) or 1, 1024))


async def _drive(items: list[Any], work: Callable[[Any], Any], width: int, stop: asyncio.Event,
                 token: CancelToken | None = None) -> int:
    """Run `work(item)` over items with `width` workers until `stop` or `token` is set; returns how many
    items were never started."""
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for it in items:
        queue.put_nowait(it)

    async def worker() -> None:
        while not stop.is_set() and not (token is not None and token.requested):
            try:
                it = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            await work(it)

    async with asyncio.TaskGroup() as tg:
        for _ in range(width):
            tg.create_task(worker())
    return queue.qsize()


def _settings(concurrency: int | None, settings: LLMSettings | None) -> LLMSettings:
    s = settings or LLMSettings.from_config()
    return s.model_copy(update={"concurrency": concurrency}) if concurrency else s


async def _execute(
    lease: RunLease, summary: RunSummary, client: LLMClient, items: list[Any], work: Callable[[_Run, Any], Any],
    width: int, on_progress: ProgressFn | None,
) -> RunSummary:
    run = _Run(lease, summary, on_progress)
    stop = asyncio.Event()

    budget_hits = 0

    async def one(it: Any) -> None:
        nonlocal budget_hits
        if await work(run, it) == "budget":
            budget_hits += 1
            stop.set()

    try:
        left = await _drive(items, one, width, stop, lease.token)
    except asyncio.CancelledError:
        run.finish(client, "cancelled", "interrupted")
        raise
    except BaseException as e:
        status, error = runs_status_for(e)
        run.finish(client, status, error)
        raise
    if budget_hits:
        summary.not_started = left + budget_hits
        lease.log(f"budget reached: {summary.not_started} item(s) not started", level="warning")
        return run.finish(client, "cancelled", "budget")
    if lease.cancel_requested and left:
        summary.not_started = left
        lease.log(f"cancelled: {left} item(s) not started; run the same command again to resume", level="warning")
        return run.finish(client, "cancelled", "cancelled by request")
    status = "failed" if summary.failed and not summary.generated and summary.total else "done"
    return run.finish(client, status)


def _open_lease(store: Store, config: dict[str, Any], total: int) -> RunLease:
    """The run of one generation: created with this process as holder, beating its heart, cancelled by the
    process token (SIGINT/SIGTERM) or a cancel request in the store."""
    lease = RunLease.open(store, "generate", config=config, total=total, token=process_token())
    lease.start_heartbeat()
    return lease


@contextlib.asynccontextmanager
async def _finished_on_error(lease: RunLease) -> AsyncIterator[None]:
    """Finish the run by the exception when one escapes before the driver's own finish (e.g. opening the
    client); a lease already finished is left alone."""
    try:
        yield
    except BaseException as e:
        if not lease.finished:
            lease.finish(*runs_status_for(e))
        raise


# -- seeds ---------------------------------------------------------------------------------------------------------
class _SeedJob(BaseModel):
    model_config = {"arbitrary_types_allowed": True}
    subcategory: str
    category: str
    style: str
    gen_key: str
    prompt_hash: str
    request: LLMRequest


def _subcategories(cfg: SeedGenConfig) -> list[tuple[str, str]]:
    from taxonomy import load_taxonomy

    tax = load_taxonomy()
    cats = {c.upper() for c in cfg.categories} if cfg.categories else None
    subs = {s.upper() for s in cfg.subcategories} if cfg.subcategories else None
    for c in cats or ():
        tax.category(c)  # KeyError for an unknown id
    for s in subs or ():
        tax.subcategory(s)
    out = []
    for cat in tax.categories:
        if cats and cat.id not in cats:
            continue
        for sub in cat.subcategories:
            if subs and sub.id not in subs:
                continue
            out.append((cat.id, sub.id))
    return out


def plan_seeds(store: Store, cfg: SeedGenConfig) -> tuple[list[_SeedJob], int, dict[str, list[str]]]:
    """(jobs still to do, jobs already done, existing texts per subcategory)."""
    from taxonomy.seeds import SeedBatch, build_seed_prompt

    pairs = _subcategories(cfg)
    pools, done = gen_store.seed_pools(store, sorted({c for c, _ in pairs}))
    jobs, skipped = [], 0
    for cat, sub in pairs:
        for style in cfg.styles:
            gen_key = hashlib.sha256(
                f"{sub}|{style}|{cfg.per_subcategory}|{cfg.model}|{cfg.temperature}".encode()
            ).hexdigest()[:16]
            if gen_key in done:
                skipped += 1
                continue
            existing = pools.get(sub, [])[-cfg.existing_in_prompt:] if cfg.existing_in_prompt else []
            sp = build_seed_prompt(sub, style, cfg.per_subcategory, existing=list(existing))
            msgs = [dict(m) for m in sp.messages]
            system = "\n\n".join(m["content"] for m in msgs if m.get("role") == "system") or None
            req = LLMRequest(
                model=cfg.model, messages=[m for m in msgs if m.get("role") != "system"], system=system,
                temperature=cfg.temperature, max_tokens=cfg.max_tokens, schema=SeedBatch, stage="seeds",
                metadata={"subcategory": sub, "style": style},
            )
            jobs.append(_SeedJob(subcategory=sub, category=cat, style=style, gen_key=gen_key,
                                 prompt_hash=sp.prompt_hash, request=req))
    return jobs, skipped, pools


def estimate_seeds(store: Store, cfg: SeedGenConfig, settings: LLMSettings | None = None) -> RunEstimate:
    jobs, _, _ = plan_seeds(store, cfg)
    return estimate_requests([j.request for j in jobs], _settings(None, settings).prices)


async def generate_seeds(
    store: Store, cfg: SeedGenConfig, *, settings: LLMSettings | None = None,
    on_progress: ProgressFn | None = None, on_estimate: Callable[[RunEstimate], None] | None = None,
) -> RunSummary:
    """Expand (subcategory, style) pairs into Korean seeds, dropping near-duplicates (rapidfuzz ratio)."""
    from taxonomy import policy_version

    parse_model_spec(cfg.model)
    settings = _settings(cfg.concurrency, settings)
    jobs, skipped, pools = plan_seeds(store, cfg)
    est = estimate_requests([j.request for j in jobs], settings.prices)
    if on_estimate:
        on_estimate(est)
    summary = RunSummary(stage="seeds", total=len(jobs), skipped=skipped, estimate=est)
    if not jobs:
        summary.status = "nothing_to_do"
        return summary
    lease = _open_lease(store, {"stage": "seeds", **cfg.model_dump(mode="json")}, len(jobs))
    summary.run_id = run_id = lease.id
    lease.log(est.line())
    pv = policy_version()
    norm_pools = {sub: [normalize_seed_text(t) for t in texts] for sub, texts in pools.items()}

    async def work(r: _Run, job: _SeedJob) -> str | None:
        comp = await client.complete(job.request)
        if comp.error_kind == "budget":
            return "budget"
        what = {"subcategory": job.subcategory, "style": job.style}
        if not comp.ok:
            r.fail(what, comp)
            r.tick()
            return None
        pool = norm_pools.setdefault(job.subcategory, [])
        fresh: list[Seed] = []
        for text in comp.parsed.prompts:
            text = text.strip()
            norm = normalize_seed_text(text)
            if not norm:
                continue
            if pool and process.extractOne(norm, pool, scorer=fuzz.ratio, score_cutoff=cfg.dedupe_threshold):
                r.s.duplicates += 1
                continue
            pool.append(norm)
            fresh.append(Seed(
                id=seed_id(job.subcategory, text), text=text, category=job.category, subcategory=job.subcategory,
                style=job.style, source="generated", generator_model=cfg.model, prompt_hash=job.prompt_hash,
                policy_version=pv, meta={"run_id": run_id, "gen_key": job.gen_key},
            ))
        if fresh:
            r.s.generated += store.upsert_seeds(fresh)
        r.tick()
        return None

    async with _finished_on_error(lease), LLMClient(store, run_id=run_id, settings=settings,
                                                    no_cache=cfg.no_cache, budget=Budget(cfg.budget_usd)) as client:
        width = _width(settings, [cfg.model], len(jobs))
        return await _execute(lease, summary, client, jobs, work, width, on_progress)


# -- candidates -------------------------------------------------------------------------------------------------------
class _CandJob(BaseModel):
    model_config = {"arbitrary_types_allowed": True}
    id: str
    seed_id: str
    with_policy: bool
    request: LLMRequest


def plan_candidates(store: Store, cfg: CandidateGenConfig) -> tuple[list[_CandJob], int, int]:
    """(jobs still to do, already stored or pending in a batch, seeds without a known category)."""
    from taxonomy import load_taxonomy
    from taxonomy.render import system_prompt

    for m in cfg.models:
        parse_model_spec(m)
    tax = load_taxonomy()
    cats = [c.upper() for c in cfg.categories] if cfg.categories else [None]
    seeds: list[Seed] = []
    for cat in cats:
        for s in store.iter_seeds(cat, source=cfg.source):
            seeds.append(s)
            if cfg.limit and len(seeds) >= cfg.limit:
                break
        if cfg.limit and len(seeds) >= cfg.limit:
            break
    prompts: dict[str, str] = {}
    params = {"temperature": cfg.temperature, "max_tokens": cfg.max_tokens}
    jobs: list[_CandJob] = []
    no_category = 0
    for s in seeds:
        variants = [True, False] if cfg.baseline else [True]
        for with_policy in variants:
            system = None
            if with_policy:
                if not tax.has(s.category):
                    no_category += 1
                    continue
                cat = tax.category(s.category).id
                if cat not in prompts:
                    prompts[cat] = system_prompt(cat)
                system = prompts[cat]
            for model in cfg.models:
                cid = candidate_id(s.id, model, with_policy, params)
                req = LLMRequest(
                    model=model, messages=[{"role": "user", "content": s.text}], system=system,
                    temperature=cfg.temperature, max_tokens=cfg.max_tokens, stage="candidates",
                    metadata={"seed_id": s.id, "with_policy": with_policy, "candidate_id": cid},
                )
                jobs.append(_CandJob(id=cid, seed_id=s.id, with_policy=with_policy, request=req))
    present = gen_store.stored_candidate_ids(store, [j.id for j in jobs])
    pending_batch = gen_store.candidates_in_open_batches(store)
    todo = [j for j in jobs if j.id not in present and j.id not in pending_batch]
    return todo, len(jobs) - len(todo), no_category


def _candidate(job_id: str, seed: str, with_policy: bool, comp: Completion, params: dict[str, Any],
               pv: str | None, run_id: str | None) -> Candidate:
    return Candidate(
        id=job_id, seed_id=seed, text=comp.text, model=comp.model, provider=comp.provider, params=params,
        with_policy=with_policy, policy_version=pv if with_policy else None,
        prompt_tokens=comp.usage.prompt_tokens, completion_tokens=comp.usage.completion_tokens,
        cost_usd=comp.cost_usd, latency_ms=round(comp.latency_ms, 1), run_id=run_id,
    )


def estimate_candidates(store: Store, cfg: CandidateGenConfig, settings: LLMSettings | None = None) -> RunEstimate:
    jobs, _, _ = plan_candidates(store, cfg)
    return estimate_requests([j.request for j in jobs], _settings(None, settings).prices)


async def generate_candidates(
    store: Store, cfg: CandidateGenConfig, *, settings: LLMSettings | None = None,
    on_progress: ProgressFn | None = None, on_estimate: Callable[[RunEstimate], None] | None = None,
) -> RunSummary:
    """Each model answers each seed with the category policy as system prompt (and, with `baseline`, without)."""
    from taxonomy import policy_version

    settings = _settings(cfg.concurrency, settings)
    jobs, skipped, no_cat = plan_candidates(store, cfg)
    est = estimate_requests([j.request for j in jobs], settings.prices)
    if on_estimate:
        on_estimate(est)
    summary = RunSummary(stage="candidates", total=len(jobs), skipped=skipped, estimate=est)
    if no_cat:
        summary.errors["no_category"] = no_cat
    if not jobs:
        summary.status = "nothing_to_do"
        return summary
    lease = _open_lease(store, {"stage": "candidates", **cfg.model_dump(mode="json")}, len(jobs))
    summary.run_id = run_id = lease.id
    lease.log(est.line())
    if no_cat:
        lease.log(f"{no_cat} seed(s) have no known category: answered only as baseline", level="warning")
    pv = policy_version()

    async def work(r: _Run, job: _CandJob) -> str | None:
        comp = await client.complete(job.request)
        if comp.error_kind == "budget":
            return "budget"
        if comp.ok:
            params = client.provider(parse_model_spec(job.request.model)).sent_params(job.request)
            r.s.generated += store.add_candidates(
                [_candidate(job.id, job.seed_id, job.with_policy, comp, params, pv, run_id)]
            )
        else:
            r.fail({"seed": job.seed_id, "model": job.request.model, "with_policy": job.with_policy}, comp)
        r.tick()
        return None

    async with _finished_on_error(lease), LLMClient(store, run_id=run_id, settings=settings,
                                                    no_cache=cfg.no_cache, budget=Budget(cfg.budget_usd)) as client:
        width = _width(settings, cfg.models, len(jobs))
        return await _execute(lease, summary, client, jobs, work, width, on_progress)


# -- batch APIs --------------------------------------------------------------------------------------------------------
async def submit_candidates_batch(
    store: Store, cfg: CandidateGenConfig, *, settings: LLMSettings | None = None,
    on_estimate: Callable[[RunEstimate], None] | None = None,
) -> RunSummary:
    """Submit the pending candidate items as provider batches (OpenAI Batch / Anthropic Message Batches).
    Job ids are stored at once; `collect_batches` (any later process) polls and stores the answers."""
    from taxonomy import policy_version

    unsupported = [m for m in cfg.models if not supports_batch(m)]
    if unsupported:
        raise ValueError(f"no batch API for {', '.join(unsupported)}: run those models without --batch")
    settings = _settings(cfg.concurrency, settings)
    jobs, skipped, _ = plan_candidates(store, cfg)
    est = estimate_requests([j.request for j in jobs], settings.prices)
    est.cost_usd, est.cost_usd_max = est.cost_usd * 0.5, est.cost_usd_max * 0.5  # batch price
    if on_estimate:
        on_estimate(est)
    summary = RunSummary(stage="candidates", total=len(jobs), skipped=skipped, estimate=est)
    if not jobs:
        summary.status = "nothing_to_do"
        return summary
    if cfg.budget_usd is not None and est.cost_usd_max > cfg.budget_usd:
        summary.status, summary.reason, summary.not_started = "cancelled", "budget", len(jobs)
        return summary
    lease = _open_lease(store, {"stage": "candidates", "batch": True, **cfg.model_dump(mode="json")}, len(jobs))
    summary.run_id = run_id = lease.id
    pv = policy_version()
    items = [
        BatchItem(custom_id=j.id, request=j.request,
                  meta={"seed_id": j.seed_id, "with_policy": j.with_policy, "policy_version": pv})
        for j in jobs
    ]
    async with LLMClient(store, run_id=run_id, settings=settings) as client:
        try:
            submitted = await submit_batches(client, items, stage="candidates", run_id=run_id)
        except Exception as e:
            lease.finish("failed", error=f"batch submit failed: {e}")
            raise
        except BaseException as e:
            lease.finish(*runs_status_for(e))
            raise
    summary.batch_jobs = [j.id for j in submitted]
    summary.status = "submitted"
    lease.log(f"submitted {len(items)} requests in {len(submitted)} batch job(s): {', '.join(summary.batch_jobs)}")
    lease.detach(summary=summary.model_dump(mode="json"))  # `collect` finishes the run when every job is in
    return summary


class CollectSummary(BaseModel):
    jobs: int = 0
    ended: int = 0
    still_running: list[str] = Field(default_factory=list)
    generated: int = 0
    failed: int = 0
    cost_usd: float = 0.0
    finished_runs: list[str] = Field(default_factory=list)


async def collect_batches(
    store: Store, *, run_id: str | None = None, wait: bool = False, poll_interval_s: float = 30.0,
    timeout_s: float | None = None, settings: LLMSettings | None = None,
) -> CollectSummary:
    """Poll every open batch job (of one run, or all) and store the answers of the ended ones.
    Safe to repeat and to run after a restart: stored candidates are skipped, jobs are marked collected."""
    out = CollectSummary()
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    settings = settings or LLMSettings.from_config()
    async with LLMClient(store, settings=settings) as client:
        jobs = [j for j in open_jobs(client, run_id=run_id) if j.stage == "candidates"]
        out.jobs = len(jobs)
        pending = list(jobs)
        while pending:
            still = []
            for job in pending:
                status = job.status if job.status == "ended" else await poll_job(client, job)
                if status == "in_progress" or status == "submitted":
                    still.append(job)
                    continue
                if status == "ended":
                    await _collect_one(store, client, job, out)
                    out.ended += 1
                else:
                    store.update_batch_job(job.id, status=status)
                    if job.run_id:
                        store.log(job.run_id, f"batch {job.id} {status}", level="error")
            pending = still
            if not pending or not wait or (deadline is not None and time.monotonic() >= deadline):
                break
            await asyncio.sleep(poll_interval_s)
        out.still_running = [j.id for j in pending]
    for rid in sorted({j.run_id for j in jobs if j.run_id}):
        run = store.get_run(rid)
        if run is None or run.status != "running" or not gen_store.fully_collected(store, rid):
            continue
        try:
            lease = RunLease.open(store, "generate", run_id=rid)
        except (RunBusyError, RunStateError):  # another collect holds it, or it ended meanwhile
            continue
        lease.finish("done", summary={**run.summary, "collected_jobs": gen_store.batch_job_count(store, rid)})
        out.finished_runs.append(rid)
    return out


async def _collect_one(store: Store, client: LLMClient, job: Any, out: CollectSummary) -> None:
    items: dict[str, Any] = job.meta.get("items", {})
    have = gen_store.stored_candidate_ids(store, list(items))
    done = 0
    for cid, comp in await collect_job(client, job, skip=have):
        meta = items[cid]
        if comp.ok:
            out.generated += store.add_candidates([
                _candidate(cid, meta["seed_id"], meta["with_policy"], comp, meta.get("params", {}),
                           meta.get("policy_version"), job.run_id)
            ])
            out.cost_usd += comp.cost_usd
        else:
            out.failed += 1
            if job.run_id:
                store.log(job.run_id, f"failed seed={meta['seed_id']} model={job.meta['model']}: {comp.error}",
                          level="error")
        done += 1
    if job.run_id and done:
        gen_store.add_progress(store, job.run_id, done)
    store.update_batch_job(job.id, status="collected")
