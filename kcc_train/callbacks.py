"""A TrainerCallback that streams per-step metrics and progress into the store (the TUI charts them).

Only the main process (accelerate rank 0) writes; the other ranks carry the callback but do nothing. The
callback also turns a cancellation request into "save a checkpoint and stop" at the next step boundary; with
several processes the request is shared (an all-reduce of one flag per step), so every rank stops at the same
step even when the signal reached them between different steps (a rank that stopped alone would leave the
others waiting in the next gradient all-reduce).
"""

from __future__ import annotations

import math
import time

from transformers import TrainerCallback

from db.models import Metric
from db.store import Store
from kcc_core.cancel import CancelToken, process_token


def _any_rank(flag: bool, args) -> bool:
    """True when `flag` is set on any rank (one tiny all-reduce when several processes train)."""
    if getattr(args, "world_size", 1) <= 1:
        return flag
    import torch
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        return flag
    t = torch.tensor([1 if flag else 0], device=args.device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item())


class StoreCallback(TrainerCallback):
    def __init__(self, store: Store | None, run_id: str, *, progress_every_s: float = 1.0,
                 token: CancelToken | None = None) -> None:
        self.store = store
        self.token = token if token is not None else process_token()  # SIGTERM / a cancel request set it
        self.run_id = run_id
        self.progress_every_s = progress_every_s
        self._last_progress = 0.0
        self.history: list[dict[str, float]] = []

    def _main(self, state) -> bool:
        return self.store is not None and state.is_world_process_zero

    def on_train_begin(self, args, state, control, **kwargs):
        if self._main(state):
            self.store.progress(self.run_id, state.global_step, state.max_steps)
            self.store.log(self.run_id, f"training: {state.max_steps} steps from step {state.global_step}")

    def on_step_end(self, args, state, control, **kwargs):
        if self._main(state) and time.monotonic() - self._last_progress >= self.progress_every_s:
            self._last_progress = time.monotonic()
            self.store.progress(self.run_id, state.global_step, state.max_steps)
        if _any_rank(self.token.requested, args):
            control.should_save = True
            control.should_training_stop = True
        return control

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not logs:
            return
        values = {k: float(v) for k, v in logs.items()
                  if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(float(v))}
        self.history.append({"step": float(state.global_step), **values})
        if self._main(state) and values:
            self.store.add_metrics(Metric(run_id=self.run_id, step=state.global_step, name=k, value=v)
                                   for k, v in values.items())
            self.store.progress(self.run_id, state.global_step, state.max_steps)

    def on_save(self, args, state, control, **kwargs):
        if self._main(state):
            self.store.log(self.run_id, f"checkpoint saved at step {state.global_step}")

    def on_train_end(self, args, state, control, **kwargs):
        if self._main(state):
            self.store.progress(self.run_id, state.global_step, state.max_steps)
