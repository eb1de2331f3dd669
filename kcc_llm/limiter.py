"""Per-provider concurrency with adaptive backoff.

Each provider account/server gets one limiter: at most `limit` requests in flight. A 429 pauses *every*
caller of that provider until the server's retry-after has passed and cuts the window by a quarter (never
below 1; at most one cut per CUT_WINDOW_S, since one overload answers many in-flight calls with 429 at
once). Every `limit // 4` successes raise the window by one again, up to the configured maximum.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

CUT_WINDOW_S = 2.0


class AdaptiveLimiter:
    def __init__(self, max_concurrency: int) -> None:
        self.max = max(1, int(max_concurrency))
        self.limit = self.max
        self.active = 0
        self.cooldown_until = 0.0
        self.rate_limited = 0
        self._streak = 0
        self._last_cut = float("-inf")
        self._cond: asyncio.Condition | None = None

    def _condition(self) -> asyncio.Condition:
        if self._cond is None:
            self._cond = asyncio.Condition()
        return self._cond

    async def acquire(self) -> None:
        cond = self._condition()
        async with cond:
            while self.active >= self.limit:
                await cond.wait()
            self.active += 1
        loop = asyncio.get_running_loop()
        while (delay := self.cooldown_until - loop.time()) > 0:
            await asyncio.sleep(delay)

    async def release(self) -> None:
        cond = self._condition()
        async with cond:
            self.active -= 1
            cond.notify(1)  # one freed slot wakes one waiter (notify_all would wake the whole herd)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self.acquire()
        try:
            yield
        finally:
            await asyncio.shield(self.release())

    def on_success(self) -> None:
        self._streak += 1
        if self.limit < self.max and self._streak >= max(1, self.limit // 4):
            self.limit += 1
            self._streak = 0
            if self._cond is not None:
                asyncio.get_running_loop().create_task(self._wake())

    async def _wake(self) -> None:
        cond = self._condition()
        async with cond:
            cond.notify(1)

    def on_rate_limited(self, retry_after: float | None) -> float:
        """Shrink the window and set a shared cooldown; returns the delay this caller should wait."""
        self.rate_limited += 1
        self._streak = 0
        loop = asyncio.get_running_loop()
        delay = retry_after if retry_after is not None else 1.0
        if loop.time() - self._last_cut >= max(CUT_WINDOW_S, delay):
            self.limit = max(1, (self.limit * 3) // 4)
            self._last_cut = loop.time()
        delay *= 1 + random.random() * 0.1  # a little jitter so the herd does not return at once
        self.cooldown_until = max(self.cooldown_until, loop.time() + delay)
        return delay


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with full jitter: attempt 1 -> up to base, 2 -> up to 2*base, ..."""
    return min(cap, base * (2 ** (attempt - 1))) * (0.5 + random.random() * 0.5)
