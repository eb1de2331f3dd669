"""The one cancellation (kcc_core.cancel) and the async entry on top of it: SIGTERM sets the token and
cancels the coroutine at its next await, a second Ctrl-C stops at once, old handlers come back."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from kcc_core.aio import run_cancellable
from kcc_core.cancel import Cancelled, CancelToken, install_signal_handlers


def test_sigterm_sets_the_token_and_a_second_sigint_interrupts():
    token = CancelToken()
    before = signal.getsignal(signal.SIGTERM)
    restore = install_signal_handlers(token)
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        assert token.requested and token.reason == "SIGTERM received"
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
    finally:
        restore()
    assert signal.getsignal(signal.SIGTERM) is before
    token.reset()
    token.check()  # no longer set: nothing raised


def test_run_cancellable_cancels_the_coroutine_and_lets_it_record():
    token = CancelToken()
    recorded = []

    async def work() -> str:
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            await asyncio.sleep(30)
            return "finished"
        except asyncio.CancelledError:
            recorded.append("cancelled")
            raise

    with pytest.raises(Cancelled, match="SIGTERM"):
        run_cancellable(work, token)
    assert recorded == ["cancelled"] and token.requested


def test_run_cancellable_returns_the_value():
    async def work() -> int:
        await asyncio.sleep(0)
        return 7

    assert run_cancellable(work, CancelToken()) == 7
