"""Clean cancellation: SIGTERM (the TUI's cancel) or SIGINT sets a flag that training and eval loops poll.

Nothing is killed mid-write: the training callback asks the Trainer to save a checkpoint and stop at the
next step boundary; evaluation stops between batches; the run is then marked "cancelled".
"""

from __future__ import annotations

import signal
import threading

_cancel = threading.Event()


def requested() -> bool:
    return _cancel.is_set()


def request() -> None:
    _cancel.set()


def reset() -> None:
    _cancel.clear()


def install() -> None:
    """Route SIGTERM and SIGINT to the cancel flag (main thread only; elsewhere it is a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        return

    def handler(signum, frame):  # noqa: ARG001
        if _cancel.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C stops at once
        _cancel.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


class Cancelled(Exception):
    """Raised by loops that stop because cancellation was requested."""


def check() -> None:
    if _cancel.is_set():
        raise Cancelled("cancelled")
