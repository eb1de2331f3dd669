"""`kcc-train`: DPO training, re-evaluation, reports, the tiny test model, and HF-datasets exports.

stdout carries data (one JSON object per command); diagnostics and the trainer's own log lines go to stderr.
Exit codes: 0 ok; 1 error; 2 usage; 3 cancelled (SIGTERM/SIGINT); 4 regression gate failed (general
capability dropped by more than --max-general-drop on some benchmark).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import click

EXIT_ERROR, EXIT_CANCELLED, EXIT_REGRESSION = 1, 3, 4


def _db_default() -> str:
    from db.config import settings

    return settings().db


def _emit(obj: object) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, default=str))


def _fail(msg: str, code: int = EXIT_ERROR) -> None:
    click.echo(f"kcc-train: {msg}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="debug logging on stderr")
def main(verbose: bool) -> None:
    """DPO training (TRL) on KCC preference pairs and before/after re-evaluation."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # KCC never downloads from a model hub: set before transformers / huggingface_hub are imported (lazily, by the
    # subcommands), so nothing they do (a config's remote code, an adapter's base model) can reach the network.
    # Inherited by `accelerate launch` and lm_eval subprocesses.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["HF_DATASETS_OFFLINE"] = "1"


@main.command("dpo")
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False),
              help="run.toml (see examples/run.toml and docs/training.md)")
@click.option("--db", "db_path", default=None, help="the store (default: kcc.toml / KCC_DB / kcc.db)")
@click.option("--run-id", default=None, help="adopt this run row (created by a launcher such as the TUI)")
@click.option("--resume", is_flag=True, help="continue from the last checkpoint in output_dir")
@click.option("--dry-run", is_flag=True, help="check model, data, split and lengths (or print the launch) only")
@click.option("--launch", type=click.Choice(["accelerate"]), default=None,
              help="run under `accelerate launch` (several processes / GPUs)")
@click.option("--num-processes", type=int, default=1, show_default=True, help="processes for --launch")
@click.option("--strategy", type=click.Choice(["ddp", "zero2", "zero3", "fsdp"]), default=None,
              help="generate an accelerate config for this strategy (--launch)")
@click.option("--cpu", is_flag=True, help="--launch on CPU (tests, smoke runs)")
def dpo_cmd(config_path: str, db_path: str | None, run_id: str | None, resume: bool, dry_run: bool,
            launch: str | None, num_processes: int, strategy: str | None, cpu: bool) -> None:
    """Train a local model folder with DPO on the store's pairs."""
    from kcc_train import cancel
    from kcc_train.config import ConfigError, load_config
    from kcc_train.dpo import ModelPathError

    db_path = db_path or _db_default()
    try:
        cfg = load_config(config_path)
    except ConfigError as e:
        _fail(str(e))
    if launch:
        from db.store import new_id
        from kcc_train.accelerate_configs import write_config
        from kcc_train.launch import plan_launch

        rid = run_id or new_id("train")
        mp = "no" if cfg.bf16 is False or cpu else "bf16"
        plan = plan_launch(config=config_path, db=db_path, run_id=rid, output_dir=cfg.output_dir,
                           num_processes=num_processes, strategy=strategy, resume=resume, mixed_precision=mp,
                           cpu=cpu)
        if dry_run:
            _emit({"command": plan.command, "argv": plan.argv, "config_file": plan.config_path,
                   "config": plan.config_yaml, "run_id": rid})
            return
        if plan.config_path:
            write_config(plan.config_path, strategy, num_processes, mixed_precision=mp)
        click.echo(f"kcc-train: {plan.command}", err=True)
        proc = subprocess.run(plan.argv, stdout=sys.stdout, stderr=sys.stderr)
        sys.exit(proc.returncode)

    from kcc_train.dpo import dry_run as do_dry_run
    from kcc_train.dpo import run_dpo

    try:
        if dry_run:
            res = do_dry_run(cfg, db_path)
        else:
            cancel.install()
            with contextlib.redirect_stdout(sys.stderr):  # the Trainer prints its logs; stdout is for data
                res = run_dpo(cfg, db_path, run_id=run_id, resume=resume)
    except (ModelPathError, ValueError, OSError) as e:  # OSError: unreadable model / tokenizer files
        _fail(str(e))
    from kcc_train.runs import is_main_process

    if is_main_process():
        _emit(res.model_dump())
    if res.status == "cancelled":
        sys.exit(EXIT_CANCELLED)


@main.command("eval")
@click.option("--model", "model", default=None, help="local model folder to evaluate (after training)")
@click.option("--baseline", default=None, help="local model folder before training (for deltas and the gate)")
@click.option("--seeds", default=None, type=click.Path(dir_okay=False), help="held-out seeds JSONL/CSV")
@click.option("--heldout", default=None, help="a training run id: use its held-out seeds")
@click.option("--benchmarks", default=None, type=click.Path(file_okay=False),
              help="folder of KMMLU / HAE-RAE / KoBEST files")
@click.option("--benchmark-limit", type=int, default=None, help="at most N items per benchmark")
@click.option("--out", "out", default="eval-out", show_default=True, help="report folder")
@click.option("--db", "db_path", default=None, help="the store")
@click.option("--run-id", default=None, help="adopt this eval run row")
@click.option("--server", default=None, help="URL#name of an OpenAI-compatible server (vLLM) serving the model")
@click.option("--baseline-server", default=None, help="URL#name of a server serving the baseline")
@click.option("--judge-model", default=None, help="judge model string (LLM rubric); default rules only")
@click.option("--max-new-tokens", type=int, default=256, show_default=True)
@click.option("--batch-size", type=int, default=8, show_default=True)
@click.option("--chat", type=click.Choice(["auto", "yes", "no"]), default="auto", show_default=True,
              help="score multiple choice through the chat template")
@click.option("--harness", is_flag=True, help="score benchmarks with lm-evaluation-harness (kmmlu, haerae, kobest_*)")
@click.option("--harness-tasks", default=None, help="comma-separated lm_eval tasks (default all Korean ones)")
@click.option("--max-general-drop", type=float, default=0.02, show_default=True,
              help="exit 4 when a general benchmark drops by more than this (absolute)")
def eval_cmd(model, baseline, seeds, heldout, benchmarks, benchmark_limit, out, db_path, run_id, server,
             baseline_server, judge_model, max_new_tokens, batch_size, chat, harness, harness_tasks,
             max_general_drop) -> None:
    """Generate, judge and score; write report.md + chart.png; exit 4 on a general-capability regression."""
    from kcc_train import cancel
    from kcc_train.evaluate import EvalOptions, run_eval

    opt = EvalOptions(model=model, baseline=baseline, server=server, baseline_server=baseline_server, seeds=seeds,
                      heldout=heldout, benchmarks=benchmarks, benchmark_limit=benchmark_limit, out=out,
                      db=db_path or _db_default(), run_id=run_id, judge_model=judge_model,
                      max_new_tokens=max_new_tokens, batch_size=batch_size, chat=chat, harness=harness,
                      harness_tasks=harness_tasks.split(",") if harness_tasks else None,
                      max_general_drop=max_general_drop)
    cancel.install()
    try:
        with contextlib.redirect_stdout(sys.stderr):
            res = run_eval(opt)
    except (ValueError, OSError, RuntimeError) as e:  # OSError: unreadable model / tokenizer files
        _fail(str(e))
    _emit({"run_id": res.run_id, "status": res.status, "report": res.report_path, "chart": res.chart_path,
           "regressions": res.regressions,
           "results": [r.model_dump(exclude={"created_at", "run_id"}) for e in res.evals for r in e.results]})
    if res.status == "cancelled":
        sys.exit(EXIT_CANCELLED)
    if res.regressions:
        for r in res.regressions:
            click.echo(f"kcc-train: regression: {r}", err=True)
        sys.exit(EXIT_REGRESSION)


@main.command("report")
@click.option("--run-id", required=True, help="an eval run")
@click.option("--db", "db_path", default=None, help="the store")
@click.option("--out", "out", default=None, help="folder for report.md + chart.png (default: the run's out)")
@click.option("--max-general-drop", type=float, default=None, help="gate threshold (default: the run's)")
def report_cmd(run_id: str, db_path: str | None, out: str | None, max_general_drop: float | None) -> None:
    """Rebuild the report of an eval run from the store; exit 4 on a general-capability regression."""
    from db.store import Store
    from kcc_train.report import build_report, write_report

    with Store(db_path or _db_default(), create=False) as store:
        run = store.get_run(run_id)
        if run is None or run.kind != "eval":
            _fail(f"no eval run {run_id!r}")
        results = store.eval_results(run_id)
    models = run.summary.get("models") or {}
    after = models.get("after") or (results[0].model if results else "")
    drop = max_general_drop if max_general_drop is not None else float(run.config.get("max_general_drop", 0.02))
    rep = build_report(results, after=after, before=models.get("before"), max_general_drop=drop)
    md, png = write_report(rep, out or run.config.get("out") or "eval-out", title=f"KCC re-evaluation {run_id}")
    _emit({"run_id": run_id, "report": str(md), "chart": str(png), "regressions": rep.regressions})
    if rep.regressions:
        sys.exit(EXIT_REGRESSION)


@main.command("make-tiny-model")
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--hidden-size", type=int, default=64, show_default=True)
@click.option("--layers", type=int, default=2, show_default=True)
@click.option("--vocab-size", type=int, default=2000, show_default=True, help="BPE vocabulary target")
@click.option("--seed", type=int, default=0, show_default=True)
def make_tiny_model_cmd(out_dir: str, hidden_size: int, layers: int, vocab_size: int, seed: int) -> None:
    """Build a random Llama + Korean byte-level BPE tokenizer (offline) for tests and GPU smoke runs."""
    from kcc_train.tiny_model import make_tiny_model

    with contextlib.redirect_stdout(sys.stderr):
        info = make_tiny_model(out_dir, hidden_size=hidden_size, layers=layers, vocab_size=vocab_size, seed=seed)
    _emit(info.model_dump())


@main.command("export")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="folder to write")
@click.option("--db", "db_path", default=None, help="the store")
@click.option("--category", "categories", multiple=True, help="only these categories (repeatable)")
@click.option("--min-margin", type=float, default=None)
@click.option("--reviewed-only", is_flag=True)
@click.option("--source", type=click.Choice(["judge", "human"]), default=None)
def export_cmd(out: str, db_path: str | None, categories: tuple[str, ...], min_margin: float | None,
               reviewed_only: bool, source: str | None) -> None:
    """Export pairs as JSONL plus a Hugging Face `datasets` folder (load_from_disk) in TRL's format."""
    from datasets import Dataset

    from db.exporter import EmptyExportError, ExportFilters, export_pairs
    from db.store import Store
    from kcc_train.pairs import read_rows

    f = ExportFilters(categories=list(categories) or None, min_margin=min_margin, reviewed_only=reviewed_only,
                      source=source)
    with Store(db_path or _db_default(), create=False) as store:
        try:
            rec = export_pairs(store, Path(out) / "pairs.jsonl", fmt="jsonl", filters=f)
        except EmptyExportError as e:  # no empty file or folder that `datasets` cannot load
            _fail(str(e))
    rows = read_rows(rec.path)
    hf_dir = Path(out) / "hf"
    if rows:
        Dataset.from_list(rows).save_to_disk(str(hf_dir))
    else:
        hf_dir.mkdir(parents=True, exist_ok=True)
    _emit({"export_id": rec.id, "jsonl": rec.path, "hf": str(hf_dir), "n_pairs": rec.n_pairs})


if __name__ == "__main__":
    main()
