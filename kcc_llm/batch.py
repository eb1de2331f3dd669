"""Batch APIs (OpenAI Batch: files + batches; Anthropic Message Batches): submit, poll, collect, resume.

Job ids live in the store (BatchJob) the moment the provider accepts a batch, with each custom_id's cache
key and caller metadata, so `collect` works from a fresh process after a restart. Collected results are
cached and recorded (at the batch discount) exactly like online calls; items already done are skipped.
Job status in the store: submitted -> in_progress -> ended -> collected (or failed / expired / cancelled).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from db.models import BatchJob, LLMCall
from kcc_llm.cache import cache_entry
from kcc_llm.client import LLMClient
from kcc_llm.errors import classify
from kcc_llm.pricing import cost_usd
from kcc_llm.redact import redact
from kcc_llm.spec import parse_model_spec
from kcc_llm.structured import coerce, parse_structured
from kcc_llm.types import Completion, LLMRequest

BATCH_KINDS = ("openai", "openai-responses", "anthropic")
MAX_BATCH_REQUESTS = 10_000
OPEN_STATUSES = ("submitted", "in_progress", "ended")


class BatchItem(BaseModel):
    custom_id: str  # 1-64 chars of [A-Za-z0-9_-] (Anthropic's rule; OpenAI accepts it too)
    request: LLMRequest
    meta: dict[str, Any] = {}


def supports_batch(model: str) -> bool:
    return parse_model_spec(model).kind in BATCH_KINDS


async def submit_batches(
    client: LLMClient, items: Iterable[BatchItem], *, stage: str, run_id: str | None = None,
    chunk: int = MAX_BATCH_REQUESTS,
) -> list[BatchJob]:
    """Submit items grouped by model (one provider batch per model and chunk); returns the stored jobs."""
    assert client.store is not None, "batch jobs are kept in the store"
    groups: dict[str, list[BatchItem]] = {}
    for it in items:
        groups.setdefault(it.request.model, []).append(it)
    jobs: list[BatchJob] = []
    for model, group in groups.items():
        for i in range(0, len(group), chunk):
            jobs.append(await _submit_one(client, model, group[i : i + chunk], stage=stage, run_id=run_id))
    return jobs


async def _submit_one(
    client: LLMClient, model: str, items: list[BatchItem], *, stage: str, run_id: str | None
) -> BatchJob:
    spec = parse_model_spec(model)
    if spec.kind not in BATCH_KINDS:
        raise ValueError(f"{model}: no batch API for {spec.kind} models (run them online)")
    prov = client.provider(spec)
    meta_items: dict[str, Any] = {}
    for it in items:
        _, _, _, key = client.key_for(it.request)
        meta_items[it.custom_id] = {"key": key, "params": prov.sent_params(it.request), **it.meta}
    meta: dict[str, Any] = {"model": spec.raw, "items": meta_items}
    if spec.kind == "anthropic":
        reqs = [{"custom_id": it.custom_id, "params": prov.batch_body(it.request)} for it in items]  # type: ignore[attr-defined]
        batch = await prov.client.messages.batches.create(requests=reqs)  # type: ignore[attr-defined]
        job_id, status = batch.id, "in_progress"
    else:
        endpoint = prov.batch_endpoint  # type: ignore[attr-defined]
        lines = [
            json.dumps(
                {"custom_id": it.custom_id, "method": "POST", "url": endpoint, "body": prov.batch_body(it.request)},  # type: ignore[attr-defined]
                ensure_ascii=False,
            )
            for it in items
        ]
        data = ("\n".join(lines) + "\n").encode()
        f = await prov.client.files.create(file=("kcc-batch.jsonl", data), purpose="batch")  # type: ignore[attr-defined]
        batch = await prov.client.batches.create(  # type: ignore[attr-defined]
            input_file_id=f.id, endpoint=endpoint, completion_window="24h",
            metadata={"kcc_run": run_id or "", "kcc_stage": stage},
        )
        job_id, status = batch.id, "submitted"
        meta.update(endpoint=endpoint, input_file_id=f.id)
    job = BatchJob(id=job_id, provider=spec.kind, run_id=run_id, stage=stage, status=status,
                   request_count=len(items), meta=meta)
    client.store.save_batch_job(job)  # type: ignore[union-attr]
    return job


async def poll_job(client: LLMClient, job: BatchJob) -> str:
    """Ask the provider for the job's state; stores and returns in_progress | ended | failed | expired | cancelled.

    OpenAI: validating / in_progress / finalizing / cancelling are still running; completed is ended, and so
    are expired and cancelled when they left output or error files (their finished requests are in the
    output file, the ones never run are error lines), so what was paid for is collected. A failed batch
    (input rejected) keeps the service's reasons in `meta["error"]`. Anthropic: processing_status `ended`
    (items that were canceled or expired come back as such in the results)."""
    spec = parse_model_spec(job.meta["model"])
    prov = client.provider(spec)
    if spec.kind == "anthropic":
        b = await prov.client.messages.batches.retrieve(job.id)  # type: ignore[attr-defined]
        status = "ended" if b.processing_status == "ended" else "in_progress"
    else:
        b = await prov.client.batches.retrieve(job.id)  # type: ignore[attr-defined]
        has_files = bool(b.output_file_id or b.error_file_id)
        status = {
            "completed": "ended", "failed": "failed",
            "expired": "ended" if has_files else "expired",
            "cancelled": "ended" if has_files else "cancelled",
        }.get(b.status, "in_progress")
        if has_files:
            job.meta.update(output_file_id=b.output_file_id, error_file_id=b.error_file_id)
        if b.status in ("failed", "expired", "cancelled"):
            job.meta["provider_status"] = b.status
            reasons = _batch_errors(b)
            if reasons or b.status == "failed":
                job.meta["error"] = redact(reasons or "the provider reported the batch as failed (no reason given)")
    if status != job.status:
        job.status = status
        client.store.update_batch_job(job.id, status=status, meta=job.meta)  # type: ignore[union-attr]
    return status


def _batch_errors(b: Any) -> str:
    """OpenAI `batch.errors.data[]` (code, message, line) as one line."""
    data = getattr(getattr(b, "errors", None), "data", None) or []
    parts = []
    for e in data[:5]:
        where = f" (line {e.line})" if getattr(e, "line", None) else ""
        parts.append(f"{e.code or 'error'}: {e.message or ''}{where}")
    if len(data) > 5:
        parts.append(f"... {len(data) - 5} more")
    return "; ".join(parts)


def _describe(err: Any) -> str:
    """`code/type: message` from an API error object or body ({"error": {...}} nested or flat)."""
    if hasattr(err, "model_dump"):
        err = err.model_dump(mode="json")
    if isinstance(err, dict):
        inner = err.get("error")
        if isinstance(inner, dict):
            return _describe(inner)
        kind = err.get("code") or err.get("type")
        msg = err.get("message")
        if msg:
            return f"{kind}: {msg}" if kind else str(msg)
    return json.dumps(err, ensure_ascii=False, default=str) if err is not None else "no detail"


_UNRUN = {
    "expired": "the batch's 24 h window ended before this request ran",
    "canceled": "the batch was cancelled before this request ran",
}


async def _results(client: LLMClient, job: BatchJob) -> list[tuple[str, dict[str, Any] | None, str | None]]:
    """(custom_id, response body or None, error or None) for every request of an ended job."""
    spec = parse_model_spec(job.meta["model"])
    prov = client.provider(spec)
    out: list[tuple[str, dict[str, Any] | None, str | None]] = []
    if spec.kind == "anthropic":
        async for r in await prov.client.messages.batches.results(job.id):  # type: ignore[attr-defined]
            res = r.result
            if res.type == "succeeded":
                out.append((r.custom_id, res.message.model_dump(mode="json"), None))
            elif res.type == "errored":
                out.append((r.custom_id, None, f"batch item errored: {_describe(getattr(res, 'error', None))}"))
            else:
                out.append((r.custom_id, None, f"batch item {res.type}: {_UNRUN.get(res.type, 'not processed')}"))
        return out
    for fid in (job.meta.get("output_file_id"), job.meta.get("error_file_id")):
        if not fid:
            continue
        content = await prov.client.files.content(fid)  # type: ignore[attr-defined]
        for line in content.text.splitlines():
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                cid = row["custom_id"]
            except (ValueError, KeyError, TypeError):
                continue  # a line we cannot attribute; its item is reported as missing by collect_job
            resp = row.get("response") or {}
            status = resp.get("status_code")
            if isinstance(status, int) and 200 <= status < 300 and not row.get("error"):
                out.append((cid, resp.get("body") or {}, None))
            elif row.get("error"):  # never run (expired, cancelled) or failed before reaching the model
                out.append((cid, None, f"batch item failed: {_describe(row['error'])}"))
            else:
                out.append((cid, None, f"batch item failed (HTTP {status}): {_describe(resp.get('body'))}"))
    return out


async def collect_job(
    client: LLMClient, job: BatchJob, *, skip: set[str] | None = None, schema: type[BaseModel] | None = None,
) -> list[tuple[str, Completion]]:
    """Results of an ended job as (custom_id, Completion); caches and records each new one (batch price).
    Items in `skip` (already stored by the caller) are neither recorded nor returned again."""
    assert client.store is not None
    spec = parse_model_spec(job.meta["model"])
    prov = client.provider(spec)
    items: dict[str, Any] = job.meta.get("items", {})
    skip = set(skip or ())
    out: list[tuple[str, Completion]] = []
    results = await _results(client, job)
    seen = {cid for cid, _, _ in results}
    status = job.meta.get("provider_status") or "ended"
    results += [(cid, None, f"batch item missing: the provider returned no result for it (batch {status})")
                for cid in items if cid not in seen]
    for cid, body, err in results:
        if cid in skip or cid not in items:
            continue
        skip.add(cid)  # a custom_id answered twice (output and error file) counts once
        stage = job.stage
        if err is not None:
            comp = Completion(error=redact(err), error_kind="batch", model=spec.raw, provider=spec.provider)
        else:
            try:
                res = prov.parse_body(body or {})  # type: ignore[attr-defined]
            except Exception as e:  # a malformed line fails that item only
                pe = classify(e)
                comp = Completion(error=str(pe), error_kind=pe.kind, model=spec.raw, provider=spec.provider)
            else:
                parsed, perr = None, None
                if schema is not None:
                    parsed, perr = coerce(res.data, schema) if res.data is not None else parse_structured(res.text, schema)
                cost, known = cost_usd(spec, res.usage, client.settings.prices, batch=True)
                comp = Completion(
                    text=res.text, parsed=parsed, usage=res.usage, cost_usd=cost, price_known=known,
                    model=spec.raw, provider=spec.provider, attempts=1,
                    error=f"parse: {perr}" if perr else None, error_kind="parse" if perr else None,
                )
                if comp.ok:
                    client.store.cache_put(items[cid]["key"], spec.provider, spec.raw,
                                           cache_entry(comp.text, comp.parsed, comp.usage, spec.raw))
        client.store.record_call(LLMCall(
            run_id=job.run_id, stage=stage, provider=spec.provider, model=spec.raw,
            prompt_tokens=comp.usage.prompt_tokens, completion_tokens=comp.usage.completion_tokens,
            cost_usd=comp.cost_usd, status="ok" if comp.ok else "error", error=comp.error,
        ))
        out.append((cid, comp))
    return out


def open_jobs(client: LLMClient, *, run_id: str | None = None, stage: str | None = None) -> list[BatchJob]:
    """Jobs not yet collected (any run, or one run/stage)."""
    assert client.store is not None
    jobs = [j for j in client.store.batch_jobs(run_id=run_id) if j.status in OPEN_STATUSES]
    return [j for j in jobs if stage is None or j.stage == stage]
