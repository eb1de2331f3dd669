"""lm-evaluation-harness backend for the Korean general benchmarks, offline.

Two ways to give lm-eval its data, never a download:
- `--benchmarks DIR` (the same local files the built-in scorer reads): KCC writes one lm-eval task YAML per
  benchmark subset into `<out>/tasks/`, each pointing at a local JSONL file it wrote beside it (the evaluation
  split, and the few-shot split when there is one), plus group YAMLs (`kcc_kmmlu`, `kcc_haerae`) that aggregate
  the subjects as lm-eval's own kmmlu / haerae groups do: a mean weighted by the number of items. Prompts,
  choices, gold and few-shot examples are the ones kcc_train.benchmarks builds, and the few-shot sampler is
  lm-eval's `first_n`, so the built-in scorer and lm-eval score the same requests.
- `--include-path DIR` with `--harness-tasks`: the lab's own task YAMLs (pointing at local files), or lm-eval's
  built-in tasks when their datasets are already in the Hugging Face cache (`--hf-cache DIR`).
HF_DATASETS_OFFLINE / HF_HUB_OFFLINE stay set: a task whose data is not on disk fails with HarnessDataMissing
(one line naming the task), never a download.

Results come back per group (benchmark, category 'all') and per subtask (category = the subset); the gate looks
at the group rows only. Per-item acc / acc_norm come from lm-eval's logged samples.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from db.models import EvalItem, EvalResult
from kcc_train.benchmarks import FewshotSetting, MCQItem
from kcc_train.stats import wilson

log = logging.getLogger("kcc_train")

DEFAULT_TASKS = ["kmmlu", "haerae", "kobest_boolq", "kobest_copa", "kobest_hellaswag", "kobest_sentineg",
                 "kobest_wic"]
PREFIX = "kcc_"
METRICS = ("acc", "acc_norm")


class HarnessMissing(RuntimeError):
    """lm_eval is not installed."""


class HarnessDataMissing(RuntimeError):
    """A task's data is not available offline (not in the local files, not in the HF cache)."""


class HarnessRun(BaseModel):
    results: list[EvalResult] = Field(default_factory=list)
    items: list[EvalItem] = Field(default_factory=list)
    tasks: list[str] = Field(default_factory=list)
    include_path: list[str] = Field(default_factory=list)
    fewshot: dict[str, int | None] = Field(default_factory=dict)
    lm_eval_version: str = ""


def _slug(s: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "_", s).strip("_").lower() or "x"


def _record(it: MCQItem) -> dict[str, Any]:
    return {"id": it.id, "context": it.context, "choices": it.choices, "gold": it.gold, "category": it.category}


def _task_yaml(task: str, test_file: Path, fewshot_file: Path | None, n_shots: int, bench: str) -> str:
    files = {"test": str(test_file)}
    if fewshot_file is not None:
        files["fewshot"] = str(fewshot_file)
    lines = [
        f"task: {task}",
        f"tag: {PREFIX}{bench}_tasks",
        "dataset_path: json",
        "dataset_kwargs:",
        "  data_files:",
        *[f"    {k}: {json.dumps(v)}" for k, v in files.items()],
        "test_split: test",
        f"fewshot_split: {'fewshot' if fewshot_file is not None else 'test'}",
        f"num_fewshot: {n_shots}",
        "fewshot_config:",
        "  sampler: first_n",
        "output_type: multiple_choice",
        "doc_to_text: context",
        "doc_to_choice: choices",
        "doc_to_target: gold",
        "metric_list:",
        "  - metric: acc",
        "    aggregation: mean",
        "    higher_is_better: true",
        "  - metric: acc_norm",
        "    aggregation: mean",
        "    higher_is_better: true",
        "metadata:",
        "  version: 1.0",
    ]
    return "\n".join(lines) + "\n"


def _group_yaml(group: str, tasks: list[str]) -> str:
    lines = [f"group: {group}", "task:", *[f"  - {t}" for t in tasks], "aggregate_metric_list:"]
    for m in METRICS:
        lines += [f"  - metric: {m}", "    aggregation: mean", "    weight_by_size: true"]
    lines += ["metadata:", "  version: 1.0"]
    return "\n".join(lines) + "\n"


def write_local_tasks(items: dict[str, list[MCQItem]], fewshot: dict[str, FewshotSetting],
                      out_dir: str | Path) -> tuple[Path, list[str], dict[str, tuple[str, str]]]:
    """Task YAMLs + local JSONL data for the loaded benchmark items.

    Returns (include path, task/group names to run, {lm-eval name: (benchmark, category)}). KMMLU and HAE-RAE
    get one subtask per subject / subset and a size-weighted group; KoBEST tasks are single tasks."""
    root = Path(out_dir)
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    names: list[str] = []
    mapping: dict[str, tuple[str, str]] = {}

    def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        return path

    for bench, its in sorted(items.items()):
        if not its:
            continue
        shots = fewshot.get(bench)
        n_shots = shots.used if shots else 0
        grouped = bench in ("kmmlu", "haerae")
        subsets: dict[str, list[MCQItem]] = {}
        for it in its:
            subsets.setdefault(it.category if grouped else "all", []).append(it)
        sub_names = []
        for cat, sub in sorted(subsets.items()):
            task = f"{PREFIX}{bench}" + (f"__{_slug(cat)}" if grouped else "")
            test_file = write_jsonl(data / f"{task}.test.jsonl", [_record(it) for it in sub])
            fs_file = None
            if n_shots and shots and shots.source != "test":
                # the examples each item carries, in order: the first n of this file are what first_n takes
                fs_rows = [{"id": f"shot-{k}", "context": q, "choices": [a], "gold": 0, "category": cat}
                           for k, (q, a) in enumerate(sub[0].shots)]
                fs_file = write_jsonl(data / f"{task}.fewshot.jsonl", fs_rows)
            (root / f"{task}.yaml").write_text(_task_yaml(task, test_file, fs_file, n_shots, bench),
                                               encoding="utf-8")
            mapping[task] = (bench, cat)
            sub_names.append(task)
        if grouped:
            group = f"{PREFIX}{bench}"
            (root / f"_{group}_group.yaml").write_text(_group_yaml(group, sub_names), encoding="utf-8")
            mapping[group] = (bench, "all")
            names.append(group)
        else:
            names.extend(sub_names)
    return root, names, mapping


def _n(n_samples: dict[str, Any], task: str) -> int:
    v = n_samples.get(task) or {}
    return int(v.get("effective", v.get("original", 0)) or 0)


def _subtasks(group_subtasks: dict[str, list[str]], name: str) -> list[str]:
    """Leaf tasks under a group (recursively); [name] for a task."""
    subs = group_subtasks.get(name)
    if not subs:
        return [name]
    out: list[str] = []
    for s in subs:
        out += _subtasks(group_subtasks, s)
    return out


def aggregate(data: dict[str, Any], *, run_id: str, model_name: str, requested: list[str],
              mapping: dict[str, tuple[str, str]] | None = None) -> list[EvalResult]:
    """EvalResults from lm-eval's results dict: one 'all' row per requested task or group (groups: the
    sample-weighted mean over their leaf subtasks, as lm-eval's `weight_by_size` aggregation, with n the sum of
    the subtasks' items), one row per subtask of a group. Rows with n = 0 are never produced."""
    mapping = mapping or {}
    results = {**data.get("results", {}), **data.get("groups", {})}
    n_samples = data.get("n-samples", {})
    group_subtasks = data.get("group_subtasks", {})
    out: list[EvalResult] = []

    def row(bench: str, cat: str, metric: str, value: float, n: int) -> None:
        if n <= 0 or value is None or (isinstance(value, float) and math.isnan(value)):
            return
        lo, hi = wilson(value * n, n)
        out.append(EvalResult(run_id=run_id, model=model_name, benchmark=bench, category=cat,
                              metric="accuracy" if metric == "acc" else metric, value=float(value), n=n,
                              ci_low=lo, ci_high=hi))

    for name in requested:
        bench, _ = mapping.get(name, (name.removeprefix(PREFIX), "all"))
        leaves = [t for t in _subtasks(group_subtasks, name) if t in data.get("results", {})]
        for metric in METRICS:
            vals = [(results[t].get(f"{metric},none"), _n(n_samples, t)) for t in leaves]
            vals = [(v, k) for v, k in vals if v is not None and k > 0]
            if not vals:
                continue
            n = sum(k for _, k in vals)
            mean = sum(v * k for v, k in vals) / n  # sample-weighted, as lm-eval's weight_by_size
            row(bench, "all", metric, mean, n)
            if name in group_subtasks:
                for t in leaves:
                    v, k = results[t].get(f"{metric},none"), _n(n_samples, t)
                    cat = mapping.get(t, (bench, t))[1]
                    if v is not None:
                        row(bench, cat, metric, v, k)
    return out


def per_item(data: dict[str, Any], *, run_id: str, role: str, model_name: str,
             mapping: dict[str, tuple[str, str]] | None = None) -> list[EvalItem]:
    """acc / acc_norm of every logged sample, keyed by the doc's `id` (KCC's item id) or lm-eval's doc_id."""
    mapping = mapping or {}
    group_of: dict[str, str] = {}
    for g, subs in data.get("group_subtasks", {}).items():
        for s in subs:
            group_of.setdefault(s, g)
    out: list[EvalItem] = []
    for task, samples in (data.get("samples") or {}).items():
        top = task
        while top in group_of:
            top = group_of[top]
        bench, cat = mapping.get(task, (mapping.get(top, (top.removeprefix(PREFIX), "all"))[0], task))
        for s in samples:
            doc = s.get("doc") or {}
            iid = str(doc.get("id", s.get("doc_id")))
            for metric in METRICS:
                if metric in s:
                    out.append(EvalItem(run_id=run_id, role=role, model=model_name, benchmark=bench,
                                        item_id=f"{cat}/{iid}" if cat != "all" else iid,
                                        metric="accuracy" if metric == "acc" else metric,
                                        value=float(s[metric]), category=cat))
    return out


def write_samples(data: dict[str, Any], path: Path, mapping: dict[str, tuple[str, str]]) -> Path:
    """One line per scored item: task, benchmark, item id, the log-likelihood of each choice, acc, acc_norm — the
    evidence behind every figure, for audit and for comparing scorers."""
    with path.open("w", encoding="utf-8") as fh:
        for task, samples in (data.get("samples") or {}).items():
            bench, cat = mapping.get(task, (task.removeprefix(PREFIX), "all"))
            for s in samples:
                doc = s.get("doc") or {}
                iid = str(doc.get("id", s.get("doc_id")))
                lls = [float(r[0]) for r in s.get("filtered_resps") or []]
                fh.write(json.dumps({"task": task, "benchmark": bench, "category": cat, "item_id": iid, "lls": lls,
                                     "acc": s.get("acc"), "acc_norm": s.get("acc_norm")}, ensure_ascii=False) + "\n")
    return path


def _import_lm_eval():
    try:
        import lm_eval  # noqa: F401
        from lm_eval import simple_evaluate
        from lm_eval.tasks import TaskManager
    except ImportError as e:
        raise HarnessMissing("lm-eval is not installed: pip install 'kcc-toolkit[harness]' (lm-eval 0.4), or drop "
                             "--harness to use the built-in log-likelihood scorer over local benchmark files") from e
    return simple_evaluate, TaskManager


def _version() -> str:
    from importlib.metadata import version

    try:
        return version("lm_eval")
    except Exception:  # noqa: BLE001 - a version string is informational
        return "unknown"


def load_tasks(task_manager, tasks: list[str]) -> None:
    """Build every task once, one by one, so data missing offline is reported naming its task."""
    from lm_eval.tasks import get_task_dict

    for t in tasks:
        try:
            get_task_dict([t], task_manager)
        except HarnessDataMissing:
            raise
        except Exception as e:  # noqa: BLE001 - datasets / lm-eval raise many types; all mean "not usable here"
            msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            if isinstance(e, KeyError | ValueError) and ("not found" in msg.lower() or "task" in msg.lower()):
                raise HarnessDataMissing(f"lm-eval task {t!r} is not known (give --include-path with its YAML): "
                                         f"{type(e).__name__}: {msg[:200]}") from None
            raise HarnessDataMissing(f"lm-eval task {t!r}: its data is not available offline ({type(e).__name__}: "
                                     f"{msg[:200]}); put the files on disk and point a task YAML at them "
                                     "(--include-path), pass --benchmarks DIR, or --hf-cache DIR holding the "
                                     "dataset") from None


def run_harness(model_path: str, out_dir: str | Path, *, run_id: str, model_name: str, role: str,
                items: dict[str, list[MCQItem]] | None = None, fewshot: dict[str, FewshotSetting] | None = None,
                tasks: list[str] | None = None, include_path: list[str] | None = None,
                hf_cache: str | None = None, chat: bool = False, batch_size: int | str = 8,
                device: str | None = None, limit: int | None = None, num_fewshot: int | None = None) -> HarnessRun:
    """Score with lm-eval's Python API (simple_evaluate) on local data; see the module docstring."""
    # before lm_eval (and through it datasets / huggingface_hub) is imported: both read these at import time
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    os.environ["HF_HUB_OFFLINE"] = "1"
    if hf_cache:
        os.environ["HF_DATASETS_CACHE"] = str(Path(hf_cache) / "datasets") if (Path(hf_cache) / "datasets").is_dir() \
            else str(hf_cache)
        os.environ.setdefault("HF_HOME", str(hf_cache))
    simple_evaluate, TaskManager = _import_lm_eval()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [str(Path(p).resolve()) for p in include_path or []]
    mapping: dict[str, tuple[str, str]] = {}
    names = list(tasks or [])
    if items:
        root, local_names, mapping = write_local_tasks(items, fewshot or {}, out / "tasks")
        paths.insert(0, str(root.resolve()))
        if not tasks:
            names = local_names
        else:  # `kmmlu` names the local kcc_kmmlu group when the files were given
            names = [f"{PREFIX}{t}" if f"{PREFIX}{t}" in mapping else t for t in tasks]
    if not names:
        names = list(DEFAULT_TASKS)
    for p in paths:
        if not Path(p).exists():
            raise HarnessDataMissing(f"--include-path {p}: no such folder")
    # lm-eval's own task index (thousands of YAMLs) only when a name is not in the given folders
    tm = TaskManager(include_path=paths, include_defaults=False) if paths else None
    if tm is None or any(n not in tm.all_tasks for n in names):
        tm = TaskManager(include_path=paths or None, include_defaults=True)
    load_tasks(tm, names)
    if device is None:
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
    model_args: dict[str, Any] = {"pretrained": str(model_path), "dtype": "auto", "local_files_only": True}
    try:
        data = simple_evaluate(model="hf", model_args=model_args, tasks=names, task_manager=tm,
                               num_fewshot=num_fewshot, batch_size=batch_size, device=device, limit=limit,
                               log_samples=True, apply_chat_template=chat, fewshot_as_multiturn=chat,
                               bootstrap_iters=0)
    except (FileNotFoundError, ConnectionError) as e:
        raise HarnessDataMissing(f"lm-eval: data not available offline: {type(e).__name__}: "
                                 f"{str(e).splitlines()[0][:200]}") from None
    if not data:
        raise RuntimeError("lm-eval returned no results")
    slim = {k: v for k, v in data.items() if k not in ("samples", "config")}
    (out / "results.json").write_text(json.dumps(slim, ensure_ascii=False, indent=1, default=str),
                                      encoding="utf-8")
    res = aggregate(data, run_id=run_id, model_name=model_name, requested=names, mapping=mapping)
    its = per_item(data, run_id=run_id, role=role, model_name=model_name, mapping=mapping)
    write_samples(data, out / "samples.jsonl", mapping)
    fs = {n: (data.get("n-shot") or {}).get(n) for n in names}
    return HarnessRun(results=res, items=its, tasks=names, include_path=paths, fewshot=fs, lm_eval_version=_version())
