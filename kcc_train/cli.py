"""`kcc-train`: DPO training, re-evaluation, reports, the tiny test model, and HF-datasets exports.

stdout carries data (one JSON object per command); diagnostics and the trainer's own log lines go to stderr.
Exit codes are kcc_core.exit_codes' table: 2 a bad config, model folder, data or option; 3 an unexpected
failure; 5 benchmark data missing (an lm-eval task whose data is not available offline); 6 the regression gate
(the 95% interval of a general benchmark's drop lies beyond --max-general-drop); 9 nothing to export;
130 cancelled (SIGTERM / SIGINT / a cancel request), resumable.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import NoReturn

import click

from kcc_core.cli import KccCommandGroup
from kcc_core.cli import fail as _core_fail
from kcc_core.exit_codes import ExitCode, epilog


def _db_default() -> str:
    from kcc_settings import settings

    return settings().db


def _emit(obj: object) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, default=str))


def _fail(msg: str, code: ExitCode = ExitCode.USAGE) -> NoReturn:
    _core_fail(msg, code, prog="kcc-train")


def _code_of(e: Exception) -> ExitCode:
    """The error's own code (db.runs: a run held by a live process is BUSY), else a usage/input error."""
    code = getattr(e, "exit_code", None)
    return ExitCode(code) if isinstance(code, int) and code in ExitCode._value2member_map_ else ExitCode.USAGE


@click.group(cls=KccCommandGroup, context_settings={"help_option_names": ["-h", "--help"]},
             epilog=epilog(ExitCode.DATA_MISSING, ExitCode.GATE, ExitCode.EMPTY))
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


@main.command("dpo", epilog=epilog())
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
@click.option("--cpu", is_flag=True, help="train on CPU (several processes: gloo); with --launch, every process")
@click.option("--num-machines", type=int, default=1, show_default=True,
              help="--launch on several machines (run the same command on each, with its --machine-rank)")
@click.option("--machine-rank", type=int, default=0, show_default=True, help="this machine's rank (0 = main)")
@click.option("--main-process-ip", default=None, help="address of machine rank 0 (several machines)")
@click.option("--main-process-port", type=int, default=None, help="port of the main process (default 29500)")
def dpo_cmd(config_path: str, db_path: str | None, run_id: str | None, resume: bool, dry_run: bool,
            launch: str | None, num_processes: int, strategy: str | None, cpu: bool, num_machines: int,
            machine_rank: int, main_process_ip: str | None, main_process_port: int | None) -> None:
    """Train a local model folder with DPO on the store's pairs.

    Also runs as is under `torchrun --nproc_per_node N -m kcc_train.cli dpo ...` or `accelerate launch`."""
    from kcc_core.cancel import install_signal_handlers
    from kcc_train.config import ConfigError, load_config
    from kcc_train.dpo import ModelPathError

    db_path = db_path or _db_default()
    try:
        cfg = load_config(config_path)
    except ConfigError as e:
        _fail(str(e))
    if launch:
        from pydantic import ValidationError

        from db.store import new_id
        from kcc_train.dpo import resumed_run_id
        from kcc_train.launch import Machines, plan_launch

        rid = run_id or (resumed_run_id(Path(cfg.output_dir)) if resume else None) or new_id("train")
        mp = "no" if cfg.bf16 is False or cpu else "bf16"
        try:
            machines = Machines(num_machines=num_machines, machine_rank=machine_rank,
                                main_process_ip=main_process_ip, main_process_port=main_process_port)
            plan = plan_launch(config=config_path, db=db_path, run_id=rid, output_dir=cfg.output_dir,
                               num_processes=num_processes, strategy=strategy, resume=resume, mixed_precision=mp,
                               cpu=cpu, machines=machines)
        except ValidationError as e:
            _fail("; ".join(err["msg"] for err in e.errors()))
        except ValueError as e:
            _fail(str(e))
        if dry_run:
            _emit({"command": plan.command, "argv": plan.argv, "config_file": plan.config_path,
                   "config": plan.config_yaml, "run_id": rid})
            return
        if plan.config_path:
            Path(plan.config_path).parent.mkdir(parents=True, exist_ok=True)
            Path(plan.config_path).write_text(plan.config_yaml or "", encoding="utf-8")
        click.echo(f"kcc-train: {plan.command}", err=True)
        proc = subprocess.run(plan.argv, stdout=sys.stdout, stderr=sys.stderr)
        sys.exit(proc.returncode)  # the launched processes use the same table

    from kcc_train.dpo import dry_run as do_dry_run
    from kcc_train.dpo import run_dpo

    try:
        if dry_run:
            res = do_dry_run(cfg, db_path)
        else:
            # SIGTERM (the TUI's cancel) / Ctrl-C: checkpoint and stop at the next step
            restore = install_signal_handlers()
            try:
                with contextlib.redirect_stdout(sys.stderr):  # the Trainer prints its logs; stdout is for data
                    res = run_dpo(cfg, db_path, run_id=run_id, resume=resume, cpu=cpu)
            finally:
                restore()
    except (ModelPathError, ValueError, OSError) as e:  # OSError: unreadable model / tokenizer files
        _fail(str(e), _code_of(e))
    from kcc_train.launch import is_main_process

    if is_main_process():
        _emit(res.model_dump())
    if res.status == "cancelled":
        sys.exit(ExitCode.INTERRUPTED)


@main.command("eval", epilog=epilog(ExitCode.DATA_MISSING, ExitCode.GATE))
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
@click.option("--harness-tasks", default=None,
              help="comma-separated lm_eval tasks or groups (default: the local --benchmarks files, else all "
                   "Korean ones)")
@click.option("--include-path", "include_path", multiple=True, type=click.Path(file_okay=False),
              help="folder of lm-eval task YAMLs pointing at local data (repeatable; --harness)")
@click.option("--hf-cache", default=None, type=click.Path(file_okay=False),
              help="Hugging Face cache folder holding lm-eval's datasets (read offline; --harness)")
@click.option("--fewshot", default=None,
              help="few-shot per benchmark, e.g. kmmlu=5,haerae=0 (defaults: KMMLU 5, HAE-RAE 0, KoBEST 0)")
@click.option("--max-general-drop", type=float, default=0.02, show_default=True,
              help="exit 4 when the 95 percent interval of a general benchmark's drop lies beyond this (absolute)")
def eval_cmd(model, baseline, seeds, heldout, benchmarks, benchmark_limit, out, db_path, run_id, server,
             baseline_server, judge_model, max_new_tokens, batch_size, chat, harness, harness_tasks, include_path,
             hf_cache, fewshot, max_general_drop) -> None:
    """Generate, judge and score; write report.md + chart.png; exit 4 on a general-capability regression."""
    from kcc_core.cancel import install_signal_handlers
    from kcc_train.evaluate import EvalOptions, run_eval
    from kcc_train.harness import HarnessDataMissing

    try:
        shots = _parse_fewshot(fewshot)
    except ValueError as e:
        _fail(str(e))
    opt = EvalOptions(model=model, baseline=baseline, server=server, baseline_server=baseline_server, seeds=seeds,
                      heldout=heldout, benchmarks=benchmarks, benchmark_limit=benchmark_limit, out=out,
                      db=db_path or _db_default(), run_id=run_id, judge_model=judge_model,
                      max_new_tokens=max_new_tokens, batch_size=batch_size, chat=chat, harness=harness,
                      harness_tasks=harness_tasks.split(",") if harness_tasks else None,
                      include_path=list(include_path), hf_cache=hf_cache, fewshot=shots,
                      max_general_drop=max_general_drop)
    restore = install_signal_handlers()
    try:
        with contextlib.redirect_stdout(sys.stderr):
            res = run_eval(opt)
    except HarnessDataMissing as e:
        _fail(str(e), ExitCode.DATA_MISSING)
    except (ValueError, OSError) as e:  # OSError: unreadable model / tokenizer files
        _fail(str(e), _code_of(e))
    except RuntimeError as e:  # the model server's calls failed: the run row says so
        _fail(str(e), ExitCode.FAILED)
    finally:
        restore()
    _emit({"run_id": res.run_id, "status": res.status, "report": res.report_path, "chart": res.chart_path,
           "regressions": res.regressions, "inconclusive": res.inconclusive,
           "results": [r.model_dump(exclude={"created_at", "run_id"}) for e in res.evals for r in e.results]})
    if res.status == "cancelled":
        sys.exit(ExitCode.INTERRUPTED)
    if res.regressions:
        for r in res.regressions:
            click.echo(f"kcc-train: regression: {r}", err=True)
        sys.exit(ExitCode.GATE)


def _parse_fewshot(spec: str | None) -> dict[str, int]:
    """`kmmlu=5,haerae=0` -> {"kmmlu": 5, "haerae": 0}."""
    out: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in (spec or "").split(","))):
        name, sep, n = part.partition("=")
        if not sep or not n.strip().isdigit():
            raise ValueError(f"--fewshot: {part!r} is not BENCHMARK=N (e.g. kmmlu=5)")
        out[name.strip()] = int(n)
    return out


@main.command("report", epilog=epilog(ExitCode.GATE))
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
        items = store.eval_items(run_id)
    models = run.summary.get("models") or {}
    after = models.get("after") or (results[0].model if results else "")
    drop = max_general_drop if max_general_drop is not None else float(run.config.get("max_general_drop", 0.02))
    rep = build_report(results, after=after, before=models.get("before"), max_general_drop=drop, items=items,
                       fewshot=run.summary.get("fewshot") or {}, backend=run.summary.get("backend") or "built-in")
    md, png = write_report(rep, out or run.config.get("out") or "eval-out", title=f"KCC re-evaluation {run_id}")
    _emit({"run_id": run_id, "report": str(md), "chart": str(png), "regressions": rep.regressions})
    if rep.regressions:
        sys.exit(ExitCode.GATE)


@main.command("import-safety-set", epilog=epilog())
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="seeds JSONL for eval --seeds")
@click.option("--format", "fmt", type=click.Choice(["auto", "square", "kobbq", "generic"]), default="auto",
              show_default=True)
@click.option("--map", "mapping", multiple=True, help="SOURCE_CATEGORY=KCC_ID (repeatable)")
@click.option("--prompt-field", default="prompt", show_default=True, help="generic sets: the prompt column")
@click.option("--category-field", default="category", show_default=True, help="generic sets: the category column")
def import_safety_set_cmd(path: str, out: str, fmt: str, mapping: tuple[str, ...], prompt_field: str,
                          category_field: str) -> None:
    """Import an external Korean safety prompt set (SQuARe, KoBBQ, or any with categories) as eval seeds."""
    from kcc_train.safety_sets import import_safety_set, write_seeds

    cmap: dict[str, str] = {}
    for m in mapping:
        src, sep, dst = m.partition("=")
        if not sep or not dst.strip():
            _fail(f"--map {m!r}: expected SOURCE=KCC_ID")
        cmap[src.strip()] = dst.strip()
    try:
        res = import_safety_set(path, fmt=fmt, category_map=cmap, prompt_field=prompt_field,
                                category_field=category_field)
    except (ValueError, OSError) as e:
        _fail(str(e))
    for e in res.errors:
        click.echo(f"kcc-train: {e}", err=True)
    if not res.seeds:
        _fail(f"{path}: no usable rows ({len(res.errors)} errors)")
    dest = write_seeds(res, out)
    counts: dict[str, int] = {}
    for s in res.seeds:
        counts[s.category] = counts.get(s.category, 0) + 1
    _emit({"format": res.format, "seeds": len(res.seeds), "errors": len(res.errors), "per_category": counts,
           "out": str(dest)})


@main.command("make-tiny-model", epilog=epilog())
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


@main.command("export", epilog=epilog(ExitCode.EMPTY))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="folder to write")
@click.option("--db", "db_path", default=None, help="the store")
@click.option("--category", "categories", multiple=True, help="only these categories (repeatable)")
@click.option("--min-margin", type=float, default=None,
              help="skip pairs with a smaller margin (a reviewer's pair: the margin of the reviewer's pair)")
@click.option("--keep-reviewed/--no-keep-reviewed", default=True, show_default=True,
              help="keep every reviewer-decided pair whatever --min-margin says; the JSON counts them")
@click.option("--reviewed-only", is_flag=True)
@click.option("--source", type=click.Choice(["judge", "human"]), default=None)
@click.option("--max-length-ratio", type=float, default=None,
              help="drop pairs whose longer answer has more than R times the characters of the shorter")
@click.option("--length-balanced", is_flag=True,
              help="as many pairs with the chosen answer shorter as with it longer (length-bias control)")
def export_cmd(out: str, db_path: str | None, categories: tuple[str, ...], min_margin: float | None,
               keep_reviewed: bool, reviewed_only: bool, source: str | None, max_length_ratio: float | None,
               length_balanced: bool) -> None:
    """Export pairs as JSONL plus a Hugging Face `datasets` folder (load_from_disk) in TRL's format."""
    from datasets import Dataset
    from pydantic import ValidationError

    from db.exporter import EmptyExportError
    from db.store import Store
    from judge.length import pair_length_report
    from kcc_train.config import DataConfig
    from kcc_train.pairs import export_selected, read_rows, reviewed_below_margin

    try:
        data = DataConfig(categories=list(categories) or None, min_margin=min_margin, reviewed_only=reviewed_only,
                          keep_reviewed=keep_reviewed, source=source, max_length_ratio=max_length_ratio,
                          length_balanced=length_balanced)
    except ValidationError as e:
        _fail("; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors()))
    with Store(db_path or _db_default(), create=False) as store:
        try:
            rec, selection = export_selected(store, data, Path(out) / "pairs.jsonl")
        except EmptyExportError as e:  # no empty file or folder that `datasets` cannot load
            _fail(str(e), ExitCode.EMPTY)
    rows = read_rows(rec.path)
    hf_dir = Path(out) / "hf"
    Dataset.from_list(rows).save_to_disk(str(hf_dir))  # never empty: an empty export stopped above
    lengths = pair_length_report(rows)
    reviewed = reviewed_below_margin(rec.filters)
    if kept := reviewed.get("reviewed_below_margin_kept"):
        click.echo(f"kcc-train: {kept} reviewer pair(s) below --min-margin {min_margin} kept "
                   "(--no-keep-reviewed leaves them out)", err=True)
    if dropped := reviewed.get("reviewed_below_margin_dropped"):
        click.echo(f"kcc-train: {dropped} reviewer pair(s) below --min-margin {min_margin} left out "
                   "(--no-keep-reviewed; --keep-reviewed keeps them)", err=True)
    _emit({"export_id": rec.id, "jsonl": rec.path, "hf": str(hf_dir), "n_pairs": rec.n_pairs,
           "length_selection": selection.model_dump() if selection else None,
           "keep_reviewed": keep_reviewed, "reviewed_below_margin": reviewed,
           "lengths": lengths.model_dump(exclude={"per_category"})})


if __name__ == "__main__":
    main()
