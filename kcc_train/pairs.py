"""Training data: the store's pairs, exported once (db.exporter) and split into train / held-out eval.

The export is what links a training run to its data: the run's parent_id is the ExportRecord's id, and the
JSONL file is kept. The held-out split is stratified by category and grouped by seed (no seed on both sides),
and is written next to the checkpoints so `kcc-train eval --heldout RUN` can re-evaluate on exactly those seeds.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from db.exporter import ExportFilters, export_pairs, iter_pair_rows
from db.models import ExportRecord
from db.store import Store
from judge.length import length_ratio, pair_lengths
from kcc_train.config import DataConfig

TRL_COLUMNS = ("prompt", "chosen", "rejected")


class DataError(ValueError):
    """No usable pairs, or an export that cannot be read."""


class SplitInfo(BaseModel):
    train_pairs: int
    eval_pairs: int
    train_seeds: int
    eval_seeds: int
    per_category: dict[str, dict[str, int]]


class LengthReport(BaseModel):
    """How many pairs exceed max_length with the target tokenizer (Korean text tokenises long)."""

    max_length: int
    pairs: int
    over: int
    share: float
    longest: int
    p95: int


class LengthSelection(BaseModel):
    """What the length-balanced selection kept and dropped (chars of chosen vs rejected, judge.length)."""

    max_length_ratio: float | None
    length_balanced: bool
    before: int
    kept: int
    dropped_ratio: int
    dropped_balance: int
    chosen_longer_before: int
    chosen_longer_after: int


def select_by_length(rows: list[dict[str, Any]], *, max_length_ratio: float | None = None,
                     length_balanced: bool = False) -> tuple[list[dict[str, Any]], LengthSelection]:
    """Keep pairs whose longer answer is at most `max_length_ratio` times the shorter one; with `length_balanced`,
    then drop pairs from the majority side (chosen longer vs chosen shorter) until both sides are equal, most
    unequal pairs first, so "longer" alone no longer predicts "chosen". Pairs of equal length are always kept.
    Order is preserved and the result is deterministic."""
    lens = [pair_lengths(r) for r in rows]
    keep = [i for i, (c, r) in enumerate(lens)
            if max_length_ratio is None or length_ratio(c, r) <= max_length_ratio]
    dropped_ratio = len(rows) - len(keep)
    dropped_balance = 0
    if length_balanced:
        longer = [i for i in keep if lens[i][0] > lens[i][1]]
        shorter = [i for i in keep if lens[i][0] < lens[i][1]]
        major, minor = (longer, shorter) if len(longer) >= len(shorter) else (shorter, longer)
        excess = len(major) - len(minor)
        if excess:
            # the most unequal pairs go first; ties broken by position for a stable result
            worst = sorted(major, key=lambda i: (-length_ratio(*lens[i]), i))[:excess]
            gone = set(worst)
            keep = [i for i in keep if i not in gone]
            dropped_balance = excess
    out = [rows[i] for i in keep]
    info = LengthSelection(
        max_length_ratio=max_length_ratio, length_balanced=length_balanced, before=len(rows), kept=len(out),
        dropped_ratio=dropped_ratio, dropped_balance=dropped_balance,
        chosen_longer_before=sum(1 for c, r in lens if c > r),
        chosen_longer_after=sum(1 for i in keep if lens[i][0] > lens[i][1]))
    return out, info


def length_selection_active(cfg: DataConfig) -> bool:
    return cfg.max_length_ratio is not None or cfg.length_balanced


def filters_of(cfg: DataConfig) -> ExportFilters:
    return ExportFilters(categories=cfg.categories, source=cfg.source, min_margin=cfg.min_margin,
                         reviewed_only=cfg.reviewed_only, keep_reviewed=cfg.keep_reviewed)


REVIEWED_KEYS = ("reviewed_below_margin_kept", "reviewed_below_margin_dropped")


def reviewed_below_margin(counts: dict[str, Any]) -> dict[str, int]:
    """The reviewer pairs below min_margin that keep_reviewed kept or left out, from an export record's filters
    (or the counts `select_rows` fills), as `kcc export` reports them; empty when there were none."""
    return {k: int(counts[k]) for k in REVIEWED_KEYS if counts.get(k)}


def select_rows(store: Store, cfg: DataConfig, *, skipped: dict[str, int] | None = None
                ) -> tuple[list[dict[str, Any]], LengthSelection | None]:
    """The rows an export with this data config holds: the store's filters, then the length selection.

    `skipped` (if given) receives what the filters counted: the reviewer pairs below min_margin kept / left out."""
    rows = list(iter_pair_rows(store, filters_of(cfg), skipped=skipped))
    if not length_selection_active(cfg):
        return rows, None
    return select_by_length(rows, max_length_ratio=cfg.max_length_ratio, length_balanced=cfg.length_balanced)


def export_selected(store: Store, cfg: DataConfig, path: Path, *, run_id: str | None = None
                    ) -> tuple[ExportRecord, LengthSelection | None]:
    """Export the filtered pairs to `path`; with a length selection only the selected pairs (one pair per seed,
    so the selection is passed as seed ids), and the selection is recorded in the export's filters."""
    filters = filters_of(cfg)
    if not length_selection_active(cfg):
        return export_pairs(store, path, fmt="jsonl", filters=filters, run_id=run_id), None
    skipped: dict[str, int] = {}
    rows, info = select_rows(store, cfg, skipped=skipped)
    rec = export_pairs(store, path, fmt="jsonl", filters=filters, run_id=run_id,
                       seed_ids={str(r["seed_id"]) for r in rows})
    # the reviewer pairs left out never reach the second pass (their seeds are not selected): count them here
    dropped = {"reviewed_below_margin_dropped": skipped["reviewed_below_margin_dropped"]} if skipped.get(
        "reviewed_below_margin_dropped") else {}
    rec = rec.model_copy(update={"filters": {**rec.filters, **dropped, "max_length_ratio": cfg.max_length_ratio,
                                             "length_balanced": cfg.length_balanced}})
    store.record_export(rec)
    return rec, info


def export_for_run(store: Store, cfg: DataConfig, out_dir: Path, *, run_id: str | None = None
                   ) -> tuple[ExportRecord, LengthSelection | None]:
    """Export the selected pairs to out_dir/pairs.jsonl (or reuse cfg.export_id); the record and the length
    selection (None without one)."""
    if cfg.export_id:
        rec = store.get_export(cfg.export_id)
        if rec is None:
            raise DataError(f"no export {cfg.export_id!r} in the store")
        if rec.format != "jsonl":
            raise DataError(f"export {rec.id} is {rec.format}; training reads JSONL exports")
        if not Path(rec.path).is_file():
            raise DataError(f"export {rec.id}: file {rec.path} is gone")
        return rec, None
    out_dir.mkdir(parents=True, exist_ok=True)
    return export_selected(store, cfg, out_dir / "pairs.jsonl", run_id=run_id)


def read_rows(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a JSONL export; each must carry the TRL columns."""
    rows: list[dict[str, Any]] = []
    with Path(path).open(encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            missing = [c for c in TRL_COLUMNS if c not in row]
            if missing:
                raise DataError(f"{path}:{i}: missing {', '.join(missing)}")
            rows.append(row)
    return rows


def split_rows(rows: list[dict[str, Any]], eval_fraction: float, *, seed: int = 42,
               min_eval_per_category: int = 1) -> tuple[list[dict[str, Any]], list[dict[str, Any]], SplitInfo]:
    """Hold out seeds (not rows) per category: every seed's rows land on one side only.

    Per category with n seeds, round(n * eval_fraction) seeds go to eval, at least `min_eval_per_category`
    when n >= 2 and eval_fraction > 0, and never all of them (training keeps one seed per category).
    """
    by_cat: dict[str, list[str]] = defaultdict(list)
    seen: set[str] = set()
    for r in rows:
        sid = str(r.get("seed_id") or json.dumps(r["prompt"], ensure_ascii=False))
        r["seed_id"] = sid  # also when present but empty / null: the sides below are chosen by this key
        if sid not in seen:
            seen.add(sid)
            by_cat[str(r.get("category") or "none")].append(sid)
    rng = random.Random(seed)
    eval_seeds: set[str] = set()
    per_cat: dict[str, dict[str, int]] = {}
    for cat in sorted(by_cat):
        seeds = sorted(by_cat[cat])
        rng.shuffle(seeds)
        n = len(seeds)
        k = round(n * eval_fraction) if eval_fraction > 0 else 0
        if eval_fraction > 0 and n >= 2:
            k = max(k, min_eval_per_category)
        k = min(k, n - 1) if n > 1 else 0
        eval_seeds.update(seeds[:k])
        per_cat[cat] = {"train_seeds": n - k, "eval_seeds": k}
    train = [r for r in rows if r["seed_id"] not in eval_seeds]
    held = [r for r in rows if r["seed_id"] in eval_seeds]
    info = SplitInfo(train_pairs=len(train), eval_pairs=len(held), train_seeds=len(seen) - len(eval_seeds),
                     eval_seeds=len(eval_seeds), per_category=per_cat)
    return train, held, info


def to_dataset(rows: list[dict[str, Any]]):
    """A datasets.Dataset in TRL's conversational explicit-prompt format (+ seed_id, category kept)."""
    from datasets import Dataset

    keep = [{"prompt": r["prompt"], "chosen": r["chosen"], "rejected": r["rejected"],
             "seed_id": str(r.get("seed_id") or ""), "category": str(r.get("category") or "")} for r in rows]
    return Dataset.from_list(keep)


def length_report(rows: list[dict[str, Any]], tokenizer, max_length: int) -> LengthReport:
    """Token length of prompt+longer completion, rendered with the model's chat template."""
    lengths: list[int] = []
    for r in rows:
        n = 0
        for side in ("chosen", "rejected"):
            ids = tokenizer.apply_chat_template(r["prompt"] + r[side], tokenize=True)
            if isinstance(ids, dict) or hasattr(ids, "keys"):
                ids = ids["input_ids"]
            n = max(n, len(ids))
        lengths.append(n)
    lengths.sort()
    over = sum(1 for n in lengths if n > max_length)
    p95 = lengths[min(len(lengths) - 1, int(0.95 * len(lengths)))] if lengths else 0
    return LengthReport(max_length=max_length, pairs=len(lengths), over=over,
                        share=over / len(lengths) if lengths else 0.0, longest=lengths[-1] if lengths else 0, p95=p95)


def heldout_seeds(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One eval-seed record per held-out seed, in the import format (id, category, prompt)."""
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        sid = r["seed_id"]
        if sid in out:
            continue
        user = [m for m in r["prompt"] if m.get("role") == "user"]
        out[sid] = {"id": sid, "category": r.get("category"), "subcategory": r.get("subcategory"),
                    "prompt": user[-1]["content"] if user else r["prompt"][-1]["content"]}
    return list(out.values())


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    tmp.replace(path)
