"""The one async entry: sync code (CLIs, the TUI's worker threads, library calls) runs a coroutine with
`run_sync`, which works whether or not the calling thread already runs an event loop; `run_cancellable` adds
the shared signal handling (kcc_core.cancel) for a CLI whose coroutine should stop at once on Ctrl-C/SIGTERM."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from kcc_core.cancel import Cancelled, CancelToken, install_signal_handlers, process_token

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, also from code that already runs an event loop (then in a helper thread, so the caller's
    loop is never re-entered). Exceptions, KeyboardInterrupt included, reach the caller."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as e:  # re-raised in the caller's thread
            box["error"] = e

    t = threading.Thread(target=target, name="kcc-run-sync")
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def run_cancellable(make: Callable[[], Coroutine[Any, Any, T]], token: CancelToken | None = None) -> T:
    """`run_sync(make())` where SIGINT/SIGTERM set `token` (default: the process token) and cancel the
    coroutine at its next await, so its `except CancelledError` / `finally` blocks record what finished.
    Raises `kcc_core.cancel.Cancelled` when it was cancelled that way (KeyboardInterrupt on a second Ctrl-C)."""
    tok = token if token is not None else process_token()

    async def main() -> T:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        assert task is not None
        restore = install_signal_handlers(tok, on_signal=lambda: loop.call_soon_threadsafe(task.cancel))
        try:
            return await make()
        finally:
            restore()

    try:
        return run_sync(main())
    except asyncio.CancelledError:
        raise Cancelled(tok.reason or "cancelled") from None
