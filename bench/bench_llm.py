"""kcc_llm throughput against the local fake server (real SDKs over HTTP on 127.0.0.1).

Prints: 600 calls, 200 ms server latency, concurrency 32 -> wall time vs the ideal 600 x 0.2 / 32 = 3.75 s
(target: within 1.3x), for the OpenAI chat and Anthropic providers (after a warm-up burst that pays the
SDKs' lazy imports), plus the cost of the store writes (cache + llm_calls) and a 20%-fault run.
Run: .venv/bin/python bench/bench_llm.py [--calls 600] [--latency 0.2] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout, for kcc_testkit

from db import Store  # noqa: E402
from kcc_llm import LLMClient, LLMRequest, LLMSettings  # noqa: E402
from kcc_testkit.fake_server import FakeServer, Faults  # noqa: E402


async def _burst(model: str, n: int, concurrency: int, store: Store | None, tag: str) -> tuple[float, LLMClient]:
    settings = LLMSettings(concurrency=concurrency, backoff_base_s=0.05, max_retries=6, timeout_s=1.0)
    client = LLMClient(store, settings=settings, no_cache=True)
    reqs = [
        LLMRequest(model=model, messages=[{"role": "user", "content": f"{tag} 질문 {i}"}], max_tokens=64)
        for i in range(n)
    ]
    t0 = time.perf_counter()
    comps = await client.map(reqs)
    wall = time.perf_counter() - t0
    await client.aclose()
    bad = [c for c in comps if not c.ok]
    if bad and tag != "faults":
        raise SystemExit(f"{len(bad)} failed: {bad[0].error}")
    return wall, client


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=600)
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--concurrency", type=int, default=32)
    a = ap.parse_args()
    ideal = a.calls * a.latency / a.concurrency
    print(f"kcc_llm bench: {a.calls} calls, {a.latency * 1000:.0f} ms latency, concurrency {a.concurrency}; "
          f"ideal {ideal:.2f} s")
    with FakeServer(latency_s=a.latency) as srv, tempfile.TemporaryDirectory() as tmp:
        os.environ.update(srv.env())
        for model in ("openai:gpt-4o-mini", "anthropic:claude-haiku-4-5"):
            asyncio.run(_burst(model, 2 * a.concurrency, a.concurrency, None, "warm-up"))  # SDK imports, sockets
            wall, _ = asyncio.run(_burst(model, a.calls, a.concurrency, None, model))
            print(f"  {model:<28} no store   {wall:6.2f} s  = {wall / ideal:4.2f}x ideal  "
                  f"({a.calls / wall:6.1f} calls/s)")
        with Store(Path(tmp) / "bench.db") as store:
            wall, _ = asyncio.run(_burst("openai:gpt-4o-mini", a.calls, a.concurrency, store, "store"))
            print(f"  {'openai:gpt-4o-mini':<28} + store    {wall:6.2f} s  = {wall / ideal:4.2f}x ideal  "
                  f"(cache + llm_calls rows: {store.cost_summary()['misc']['calls']:.0f})")
    faults = Faults(rate_429=0.05, rate_500=0.05, rate_malformed_body=0.05, rate_timeout=0.05,
                    retry_after_ms=100, timeout_sleep_s=1.5, seed=7)
    with FakeServer(latency_s=a.latency, faults=faults) as srv:
        os.environ.update(srv.env())
        wall, client = asyncio.run(_burst("openai:gpt-4o-mini", a.calls, a.concurrency, None, "faults"))
        st = client.stats
        print(f"  20% faults (429/500/malformed/timeout): {wall:6.2f} s, {st.http_attempts} HTTP attempts, "
              f"{st.retries} retries, {st.rate_limited} rate-limited, failed {sum(st.errors.values())}")


if __name__ == "__main__":
    main()
