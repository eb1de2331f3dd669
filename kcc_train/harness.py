"""Optional lm-evaluation-harness backend for the Korean general benchmarks (kmmlu, haerae, kobest_*).

The command always carries `--apply_chat_template` for chat models: without it a chat model is scored on raw
text it never saw in training, which understates it. lm_eval runs only when installed; otherwise a clear error.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from db.models import EvalResult
from kcc_train.stats import wilson

DEFAULT_TASKS = ["kmmlu", "haerae", "kobest_boolq", "kobest_copa", "kobest_hellaswag", "kobest_sentineg",
                 "kobest_wic"]


class HarnessMissing(RuntimeError):
    """lm_eval is not installed."""


def harness_command(model_path: str, out_dir: str | Path, *, tasks: list[str] | None = None, chat: bool = True,
                    batch_size: str = "auto", dtype: str = "auto", device: str | None = None,
                    limit: int | None = None) -> list[str]:
    """The exact lm_eval argv (hf backend on the local folder)."""
    cmd = ["lm_eval", "--model", "hf", "--model_args", f"pretrained={model_path},dtype={dtype}",
           "--tasks", ",".join(tasks or DEFAULT_TASKS), "--batch_size", batch_size,
           "--output_path", str(out_dir)]
    if device:
        cmd += ["--device", device]
    if limit:
        cmd += ["--limit", str(limit)]
    if chat:
        cmd.append("--apply_chat_template")
    return cmd


def parse_results(out_dir: str | Path, *, run_id: str, model_name: str) -> list[EvalResult]:
    """EvalResults from the newest results_*.json lm_eval wrote under out_dir (acc, n from n-samples)."""
    files = sorted(Path(out_dir).rglob("results_*.json"), key=lambda p: p.stat().st_mtime)
    if not files:
        raise RuntimeError(f"lm_eval wrote no results_*.json under {out_dir}")
    data = json.loads(files[-1].read_text(encoding="utf-8"))
    n_samples = data.get("n-samples", {})
    out = []
    for task, metrics in data.get("results", {}).items():
        acc = metrics.get("acc,none", metrics.get("exact_match,none"))
        if acc is None:
            continue
        n = int(n_samples.get(task, {}).get("effective", 0) or 0)
        lo, hi = wilson(acc * n, n) if n else (None, None)
        out.append(EvalResult(run_id=run_id, model=model_name, benchmark=task, metric="accuracy", value=float(acc),
                              n=n, ci_low=lo, ci_high=hi))
    return out


def run_harness(model_path: str, out_dir: str | Path, *, tasks: list[str] | None, run_id: str, model_name: str,
                chat: bool = True) -> list[EvalResult]:
    if shutil.which("lm_eval") is None:
        raise HarnessMissing("lm_eval is not installed: pip install 'lm-eval[hf]' (or drop --harness to use the "
                             "built-in log-likelihood scorer over local benchmark files)")
    cmd = harness_command(model_path, out_dir, tasks=tasks, chat=chat)
    subprocess.run(cmd, check=True)
    return parse_results(out_dir, run_id=run_id, model_name=model_name)
