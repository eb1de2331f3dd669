"""One cancellation for every job: a `CancelToken` that SIGINT/SIGTERM (the TUI's cancel), a cancel request
in the store (seen by db.runs.RunLease) or the code itself sets, and that long loops poll between units of work.

Nothing is killed mid-write: a loop checks the token between items (a chunk of seeds, a batch of answers, a
training step) and stops there; the run is then finished `cancelled` and the command exits 130. A second
Ctrl-C stops at once (KeyboardInterrupt).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable


class Cancelled(Exception):
    """Raised by `CancelToken.check()`: a loop stops because cancellation was requested."""


class CancelToken(threading.Event):
    """A thread-safe "please stop" flag with the reason it was set (an Event, so `wait`/`is_set` work too)."""

    def __init__(self) -> None:
        super().__init__()
        self.reason: str | None = None

    def request(self, reason: str = "cancel requested") -> None:
        if not self.is_set():
            self.reason = reason
        self.set()

    @property
    def requested(self) -> bool:
        return self.is_set()

    def check(self) -> None:
        """Raise `Cancelled` once cancellation was requested (call it between units of work)."""
        if self.is_set():
            raise Cancelled(self.reason or "cancelled")

    def reset(self) -> None:
        self.reason = None
        self.clear()


_PROCESS = CancelToken()


def process_token() -> CancelToken:
    """This process's token: the one `install_signal_handlers()` routes SIGINT/SIGTERM to by default."""
    return _PROCESS


def install_signal_handlers(token: CancelToken | None = None, *,
                            on_signal: Callable[[], None] | None = None) -> Callable[[], None]:
    """Route SIGINT and SIGTERM to `token` (default: the process token), then call `on_signal` (e.g. to cancel
    an asyncio task); a second SIGINT raises KeyboardInterrupt. Returns a function restoring the old handlers.
    Only the main thread can install handlers: elsewhere this is a no-op."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    tok = token if token is not None else _PROCESS
    old = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def handler(signum: int, frame: object) -> None:  # noqa: ARG001
        if tok.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C stops at once
        tok.request(f"{signal.Signals(signum).name} received")
        if on_signal is not None:
            on_signal()

    for sig in old:
        signal.signal(sig, handler)

    def restore() -> None:
        for sig, h in old.items():
            signal.signal(sig, h)

    return restore
