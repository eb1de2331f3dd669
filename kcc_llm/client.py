"""LLMClient: one `await client.complete(request)` for every provider, with cache, limits, retries, budget.

complete() never raises for a failed item (only for cancellation): the Completion says what went wrong.
A finished call is recorded in the store (llm_calls, and llm_cache when it succeeded) before complete()
returns, so a killed process loses at most the calls that were in flight.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from db.models import LLMCall
from kcc_llm.budget import Budget
from kcc_llm.cache import cache_entry, cache_key
from kcc_llm.errors import ProviderError, classify
from kcc_llm.estimate import estimate_usage
from kcc_llm.limiter import AdaptiveLimiter, backoff_delay
from kcc_llm.pricing import cost_usd
from kcc_llm.providers import Provider, ProviderResult, make_provider
from kcc_llm.redact import redact
from kcc_llm.settings import LLMSettings
from kcc_llm.spec import ModelSpec, parse_model_spec
from kcc_llm.structured import coerce, parse_structured, repair_messages
from kcc_llm.types import Completion, LLMRequest, Usage

if TYPE_CHECKING:
    from db import Store

log = logging.getLogger("kcc_llm")


class ClientStats(BaseModel):
    calls: int = 0  # logical requests that reached a provider
    cached: int = 0
    http_attempts: int = 0
    retries: int = 0
    rate_limited: int = 0
    repairs: int = 0
    errors: dict[str, int] = Field(default_factory=dict)  # error kind -> count of failed requests
    cost_usd: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    unpriced_models: set[str] = Field(default_factory=set)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


class LLMClient:
    """Use as `async with LLMClient(store, run_id=...) as client:`; one client per event loop."""

    def __init__(
        self,
        store: Store | None = None,
        *,
        run_id: str | None = None,
        settings: LLMSettings | None = None,
        no_cache: bool = False,
        budget: Budget | None = None,
        providers: dict[str, Provider] | None = None,
    ) -> None:
        self.store = store
        self.run_id = run_id
        self.settings = settings or LLMSettings()
        self.no_cache = no_cache
        self.budget = budget or Budget(None)
        self.stats = ClientStats()
        self._providers: dict[str, Provider] = dict(providers or {})
        self._limiters: dict[str, AdaptiveLimiter] = {}

    async def __aenter__(self) -> LLMClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for p in self._providers.values():
            try:
                await p.aclose()
            except Exception:  # closing is best effort
                pass
        self._providers.clear()

    # -- plumbing ----------------------------------------------------------------------------------
    def provider(self, spec: ModelSpec) -> Provider:
        p = self._providers.get(spec.raw)
        if p is None:
            limits = self.settings.limits_for(spec)
            p = make_provider(spec, timeout=limits.timeout_s, anthropic_structured=self.settings.anthropic_structured)
            self._providers[spec.raw] = p
        return p

    def limiter(self, spec: ModelSpec) -> AdaptiveLimiter:
        lim = self._limiters.get(spec.limit_key)
        if lim is None:
            lim = AdaptiveLimiter(self.settings.limits_for(spec).concurrency)
            self._limiters[spec.limit_key] = lim
        return lim

    def key_for(self, request: LLMRequest) -> tuple[ModelSpec, Provider, dict[str, Any], str]:
        spec = parse_model_spec(request.model)
        prov = self.provider(spec)
        params = prov.sent_params(request)
        return spec, prov, params, cache_key(spec, params, request)

    def _record(self, req: LLMRequest, comp: Completion) -> None:
        if self.store is None:
            return
        self.store.record_call(
            LLMCall(
                run_id=self.run_id,
                stage=req.stage,
                provider=comp.provider,
                model=comp.model,
                prompt_tokens=comp.usage.prompt_tokens,
                completion_tokens=comp.usage.completion_tokens,
                cost_usd=comp.cost_usd,
                latency_ms=comp.latency_ms,
                cached=comp.cached,
                status="ok" if comp.ok else "error",
                error=redact(comp.error),
            )
        )

    # -- the one entry point ---------------------------------------------------------------------------
    async def complete(self, request: LLMRequest, *, no_cache: bool | None = None) -> Completion:
        t0 = time.monotonic()
        try:
            spec, prov, params, key = self.key_for(request)
        except Exception as e:  # a bad model string or a provider that cannot be set up fails this item only
            if isinstance(e, ProviderError):
                err = e
            else:
                err = ProviderError("bad_request", str(e) if isinstance(e, ValueError) else f"{type(e).__name__}: {e}")
            self.stats.error(err.kind)
            comp = Completion(error=str(err), error_kind=err.kind, model=request.model, provider="")
            self._record(request, comp)
            return comp
        skip_cache = self.no_cache if no_cache is None else no_cache
        if self.store is not None and not skip_cache:
            hit = self._from_cache(spec, key, request)
            if hit is not None:
                hit.latency_ms = (time.monotonic() - t0) * 1000
                self.stats.cached += 1
                self._record(request, hit)
                return hit

        estimate, _ = cost_usd(spec, estimate_usage(request, worst_case=True), self.settings.prices)
        if not self.budget.try_reserve(estimate):
            self.stats.error("budget")
            return Completion(
                error="budget: the next call would exceed --budget", error_kind="budget",
                model=spec.raw, provider=spec.provider,
            )
        try:
            comp = await self._call(spec, prov, request)
        except BaseException:
            self.budget.release(estimate)
            raise
        comp.latency_ms = (time.monotonic() - t0) * 1000
        self.budget.settle(estimate, comp.cost_usd)
        self.stats.calls += 1
        self.stats.cost_usd += comp.cost_usd
        self.stats.prompt_tokens += comp.usage.prompt_tokens
        self.stats.completion_tokens += comp.usage.completion_tokens
        if not comp.price_known:
            self.stats.unpriced_models.add(spec.raw)
        if comp.ok and self.store is not None:
            self.store.cache_put(key, spec.provider, spec.raw, cache_entry(comp.text, comp.parsed, comp.usage, spec.raw))
        if not comp.ok:
            self.stats.error(comp.error_kind or "other")
        self._record(request, comp)
        return comp

    async def map(
        self,
        requests: Iterable[LLMRequest],
        on_done: Callable[[int, Completion], Awaitable[None] | None] | None = None,
    ) -> list[Completion]:
        """Complete many requests concurrently (the per-provider limiters bound the load), in input order."""
        reqs = list(requests)

        async def one(i: int, r: LLMRequest) -> Completion:
            c = await self.complete(r)
            if on_done is not None:
                res = on_done(i, c)
                if asyncio.iscoroutine(res):
                    await res
            return c

        return list(await asyncio.gather(*(one(i, r) for i, r in enumerate(reqs))))

    # -- internals ---------------------------------------------------------------------------------------
    def _from_cache(self, spec: ModelSpec, key: str, request: LLMRequest) -> Completion | None:
        assert self.store is not None
        entry = self.store.cache_get(key)
        if entry is None:
            return None
        parsed = None
        if request.schema is not None:
            value = entry.get("data")
            parsed, err = coerce(value, request.schema) if value is not None else parse_structured(
                entry.get("text", ""), request.schema
            )
            if err:
                return None  # schema changed shape in a compatible-looking way: treat as a miss
        return Completion(
            text=entry.get("text", ""),
            parsed=parsed,
            usage=Usage(**entry.get("usage", {})),
            cost_usd=0.0,
            cached=True,
            model=spec.raw,
            provider=spec.provider,
        )

    async def _attempts(
        self, spec: ModelSpec, prov: Provider, req: LLMRequest
    ) -> tuple[ProviderResult | None, ProviderError | None, int]:
        """One logical call with bounded retries; honours retry-after and the provider's shared cooldown."""
        limits = self.settings.limits_for(spec)
        limiter = self.limiter(spec)
        attempt = 0
        while True:
            attempt += 1
            err: ProviderError | None = None
            async with limiter.slot():
                self.stats.http_attempts += 1
                try:
                    async with asyncio.timeout(limits.timeout_s + 5):
                        res = await prov.generate(req)
                except asyncio.CancelledError:
                    raise
                except Exception as e:  # every provider failure is classified, never propagated
                    err = classify(e)
                else:
                    limiter.on_success()
                    return res, None, attempt
            assert err is not None
            if not err.retryable or attempt > limits.max_retries:
                return None, err, attempt
            if err.kind == "rate_limit":
                self.stats.rate_limited += 1
                delay = limiter.on_rate_limited(err.retry_after)
            else:
                delay = err.retry_after if err.retry_after is not None else backoff_delay(
                    attempt, self.settings.backoff_base_s, self.settings.backoff_max_s
                )
            self.stats.retries += 1
            log.debug("retry %s attempt %d after %.2fs: %s", spec.raw, attempt, delay, err)
            await asyncio.sleep(delay)

    def _validate(self, req: LLMRequest, res: ProviderResult) -> tuple[Any, str | None]:
        assert req.schema is not None
        if res.data is not None:
            parsed, err = coerce(res.data, req.schema)
            if parsed is not None:
                return parsed, None
        return parse_structured(res.text, req.schema)

    async def _call(self, spec: ModelSpec, prov: Provider, req: LLMRequest) -> Completion:
        res, err, attempts = await self._attempts(spec, prov, req)
        base = {"model": spec.raw, "provider": spec.provider}
        if err is not None:
            return Completion(error=str(err), error_kind=err.kind, attempts=attempts, **base)
        assert res is not None
        usage, text, parsed, repaired = res.usage, res.text, None, False
        if req.schema is not None:
            parsed, perr = self._validate(req, res)
            if perr and self.settings.repair:
                self.stats.repairs += 1
                fix = req.model_copy(update={"messages": repair_messages(req.messages, res.text, perr)})
                res2, err2, n2 = await self._attempts(spec, prov, fix)
                attempts += n2
                if err2 is not None:
                    perr = f"{perr}; repair call failed: {err2}"
                else:
                    assert res2 is not None
                    usage = usage + res2.usage
                    parsed, perr2 = self._validate(req, res2)
                    text, repaired = res2.text, True
                    if perr2:
                        perr = f"{perr}; after repair: {perr2}"
                    else:
                        perr = None
            if perr:
                cost, known = cost_usd(spec, usage, self.settings.prices)
                return Completion(
                    text=text, error=f"parse: {perr}", error_kind="parse", usage=usage, cost_usd=cost,
                    price_known=known, attempts=attempts, raw=res.raw, repaired=repaired, **base,
                )
        cost, known = cost_usd(spec, usage, self.settings.prices)
        return Completion(
            text=text, parsed=parsed, usage=usage, cost_usd=cost, price_known=known, attempts=attempts,
            raw=res.raw, repaired=repaired, **base,
        )
