"""DPO training with TRL on a local model folder, recorded in the store.

The same code runs as one process or under `accelerate launch` (DDP, DeepSpeed ZeRO-2/3, FSDP): the model is
passed to DPOTrainer as its folder path, so TRL/accelerate load the policy and the reference where the strategy
wants them. Only rank 0 touches the store and writes the export; the other ranks wait for it
(`main_process_first`) and then read the same JSONL.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
import traceback
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from db.models import ExportRecord
from db.store import Store
from kcc_train import cancel
from kcc_train.config import TrainConfig
from kcc_train.pairs import (
    LengthReport,
    SplitInfo,
    export_for_run,
    heldout_seeds,
    length_report,
    read_rows,
    split_rows,
    to_dataset,
    write_jsonl,
)
from kcc_train.runs import is_main_process, start_run

log = logging.getLogger("kcc_train")

EXPORT_MARKER = "export.json"
HELDOUT_FILE = "heldout_seeds.jsonl"
FINAL_DIR = "final"


class ModelPathError(ValueError):
    """The model is not an existing local folder (hub ids are never downloaded)."""


class DPOResult(BaseModel):
    run_id: str | None
    status: str
    output_dir: str
    final_model: str | None = None
    export_id: str | None = None
    split: SplitInfo | None = None
    lengths: LengthReport | None = None
    global_step: int = 0
    first_loss: float | None = None
    last_loss: float | None = None
    train_runtime_s: float | None = None
    tokens_per_second: float | None = None
    peak_gpu_memory_bytes: int | None = None
    dry_run: bool = False


def check_model_dir(path: str, *, _depth: int = 0) -> Path:
    """The local model folder, or ModelPathError. A LoRA adapter folder (adapter_config.json) is accepted only
    when its base model is itself a local model folder: peft would otherwise fetch the base from the hub."""
    p = Path(path)
    if not p.is_dir():
        raise ModelPathError(
            f"model {path!r} is not an existing local folder; KCC never downloads from a model hub — "
            "pass the path of a folder holding config.json and the weights")
    if (p / "config.json").is_file():
        return p
    adapter = p / "adapter_config.json"
    if not adapter.is_file():
        raise ModelPathError(f"model folder {p} has no config.json: not a Hugging Face model folder")
    try:
        base = json.loads(adapter.read_text(encoding="utf-8")).get("base_model_name_or_path")
    except (OSError, ValueError, AttributeError) as e:
        raise ModelPathError(f"{adapter}: not a readable adapter config ({e})") from e
    if not base or _depth > 0:
        raise ModelPathError(f"{adapter}: no local base model (base_model_name_or_path is {base!r})")
    base_path = Path(base)  # peft reads it as given (relative to the working directory)
    if not base_path.is_dir():
        raise ModelPathError(
            f"adapter {p}: its base model {base!r} is not an existing local folder; KCC never downloads from a "
            "model hub — point base_model_name_or_path in adapter_config.json at the local base model folder")
    check_model_dir(str(base_path), _depth=_depth + 1)
    return p


def _auto(v: bool | str, cuda: bool) -> bool:
    return cuda if v == "auto" else bool(v)


def _dtype(name: str):
    import torch

    return {"auto": "auto", "float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[name]


def build_dpo_config(cfg: TrainConfig, *, has_eval: bool):
    """TRL DPOConfig from our config; CPU-safe defaults (bf16 / gradient checkpointing off without CUDA)."""
    import torch
    from trl import DPOConfig

    cuda = torch.cuda.is_available()
    bf16 = _auto(cfg.bf16, cuda and torch.cuda.is_bf16_supported())
    gc = _auto(cfg.gradient_checkpointing, cuda)
    init_kwargs: dict[str, Any] = {"dtype": _dtype(cfg.dtype), "local_files_only": True}  # never the hub
    if cfg.attn_implementation:
        init_kwargs["attn_implementation"] = cfg.attn_implementation
    eval_strategy = "steps" if (has_eval and cfg.eval_steps) else "no"
    # Names that moved between transformers releases (TRL 1.16 accepts transformers >= 4.56, and GPU images often
    # ship an older one): recent releases call it activation_checkpointing (gradient_checkpointing is a deprecated
    # alias) and take the warmup ratio as a float warmup_steps (warmup_ratio is gone).
    fields = {f.name for f in dataclasses.fields(DPOConfig)}
    version_kwargs: dict[str, Any] = {
        "activation_checkpointing" if "activation_checkpointing" in fields else "gradient_checkpointing": gc,
        "warmup_ratio" if "warmup_ratio" in fields else "warmup_steps": cfg.warmup_ratio,
    }
    return DPOConfig(
        output_dir=cfg.output_dir,
        model_init_kwargs=init_kwargs,
        per_device_train_batch_size=cfg.per_device_train_batch_size,
        per_device_eval_batch_size=cfg.per_device_eval_batch_size,
        gradient_accumulation_steps=cfg.gradient_accumulation_steps,
        learning_rate=cfg.learning_rate,
        num_train_epochs=cfg.epochs,
        max_steps=cfg.max_steps,
        lr_scheduler_type=cfg.lr_scheduler_type,
        **version_kwargs,
        logging_steps=cfg.logging_steps,
        save_strategy="steps",
        save_steps=cfg.save_steps,
        save_total_limit=cfg.save_total_limit,
        eval_strategy=eval_strategy,
        eval_steps=cfg.eval_steps if eval_strategy == "steps" else None,
        seed=cfg.seed,
        data_seed=cfg.seed,
        bf16=bf16,
        fp16=False,
        beta=cfg.beta,
        loss_type=list(cfg.loss_type),
        loss_weights=cfg.loss_weights,
        max_length=cfg.max_length,
        precompute_ref_log_probs=cfg.precompute_ref_log_probs,
        report_to=list(cfg.report_to) or "none",
        dataloader_num_workers=cfg.dataloader_num_workers,
        dataloader_pin_memory=cuda,
        disable_tqdm=True,
    )


def build_peft_config(cfg: TrainConfig):
    if not cfg.lora.enabled:
        return None
    from peft import LoraConfig

    return LoraConfig(task_type="CAUSAL_LM", r=cfg.lora.r, lora_alpha=cfg.lora.alpha, lora_dropout=cfg.lora.dropout,
                      target_modules=cfg.lora.targets)


def _load_tokenizer(model_dir: Path):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    if not getattr(tok, "chat_template", None):
        raise ModelPathError(f"{model_dir}: the tokenizer has no chat template; conversational DPO needs one")
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


def _rows_without_writing(store: Store, cfg: TrainConfig) -> list[dict[str, Any]]:
    """The rows an export would hold, for --dry-run (nothing written)."""
    from db.exporter import ExportFilters, iter_pair_rows

    if cfg.data.export_id:
        rec = store.get_export(cfg.data.export_id)
        if rec is None:
            raise ValueError(f"no export {cfg.data.export_id!r} in the store")
        return read_rows(rec.path)
    f = ExportFilters(categories=cfg.data.categories, source=cfg.data.source, min_margin=cfg.data.min_margin,
                      reviewed_only=cfg.data.reviewed_only)
    return list(iter_pair_rows(store, f))


def _export_once(store: Store | None, cfg: TrainConfig, out: Path, run_id: str | None,
                 resume: bool) -> ExportRecord:
    """Rank 0 exports (or, on resume, reuses the export the run started with) and leaves a marker file."""
    marker = out / EXPORT_MARKER
    if store is not None:
        rec = None
        if resume and marker.is_file():
            rec = ExportRecord.model_validate_json(marker.read_text(encoding="utf-8"))
            if not Path(rec.path).is_file():
                rec = None
        if rec is None:
            rec = export_for_run(store, cfg.data, out, run_id=run_id)
        out.mkdir(parents=True, exist_ok=True)
        marker.write_text(rec.model_dump_json(indent=2), encoding="utf-8")
        return rec
    return ExportRecord.model_validate_json(marker.read_text(encoding="utf-8"))


def dry_run(cfg: TrainConfig, db_path: str | Path) -> DPOResult:
    """Validate everything a run needs (model folder, tokenizer, pairs, split, lengths) without training."""
    model_dir = check_model_dir(cfg.model)
    tok = _load_tokenizer(model_dir)
    with Store(db_path, create=False) as store:
        rows = _rows_without_writing(store, cfg)
    if not rows:
        raise ValueError("no usable pairs match the filters")
    train, held, split = split_rows(rows, cfg.data.eval_fraction, seed=cfg.seed,
                                    min_eval_per_category=cfg.data.min_eval_per_category)
    lengths = length_report(rows, tok, cfg.max_length)
    return DPOResult(run_id=None, status="dry-run", output_dir=cfg.output_dir, split=split, lengths=lengths,
                     dry_run=True)


def run_dpo(cfg: TrainConfig, db_path: str | Path, *, run_id: str | None = None, resume: bool = False) -> DPOResult:
    """Train; every outcome (done, failed, cancelled) is recorded on the run row by rank 0."""
    from accelerate import PartialState

    model_dir = check_model_dir(cfg.model)
    out = Path(cfg.output_dir)
    main = is_main_process()
    store = Store(db_path, create=False) if main else None
    run = None
    try:
        if store is not None:
            run = start_run(store, "train", run_id=run_id, config={**cfg.model_dump(), "db": str(db_path)})
            run_id = run.id
            store.log(run_id, f"DPO on {model_dir} -> {out}")
        state = PartialState()
        with state.main_process_first():
            export = _export_once(store, cfg, out, run_id, resume)
        if store is not None:
            store.update_run(run_id, parent_id=export.id)
        result = _train(cfg, model_dir, out, export, store, run_id, resume)
        if store is not None:
            summary = result.model_dump(exclude={"dry_run"})
            store.finish_run(run_id, status=result.status, summary=summary,
                             error="cancelled by request" if result.status == "cancelled" else None)
        return result
    except KeyboardInterrupt:
        if store is not None and run_id:
            store.finish_run(run_id, status="cancelled", error="interrupted")
        raise
    except BaseException as e:
        if store is not None and run_id:
            store.log(run_id, traceback.format_exc(limit=8), level="error")
            store.finish_run(run_id, status="failed", error=f"{type(e).__name__}: {e}")
        raise
    finally:
        if store is not None:
            store.close()


def _train(cfg: TrainConfig, model_dir: Path, out: Path, export: ExportRecord, store: Store | None,
           run_id: str | None, resume: bool) -> DPOResult:
    import torch
    from transformers.trainer_utils import get_last_checkpoint
    from trl import DPOTrainer

    from kcc_train.callbacks import StoreCallback

    rows = read_rows(export.path)
    if not rows:
        raise ValueError(f"export {export.id} holds no pairs (check the filters)")
    train_rows, held_rows, split = split_rows(rows, cfg.data.eval_fraction, seed=cfg.seed,
                                              min_eval_per_category=cfg.data.min_eval_per_category)
    tok = _load_tokenizer(model_dir)
    lengths = length_report(rows, tok, cfg.max_length)
    if store is not None:
        write_jsonl(out / HELDOUT_FILE, heldout_seeds(held_rows))
        store.log(run_id, f"export {export.id}: {len(rows)} pairs; train {split.train_pairs} pairs "
                          f"({split.train_seeds} seeds), held out {split.eval_pairs} pairs ({split.eval_seeds} seeds)")
        if lengths.over:
            msg = (f"{lengths.over} of {lengths.pairs} pairs ({lengths.share:.1%}) exceed max_length "
                   f"{cfg.max_length} tokens with this tokenizer (longest {lengths.longest}); they are truncated")
            log.warning(msg)
            store.log(run_id, msg, level="warning")
        store.update_run(run_id, summary={"export_id": export.id, "split": split.model_dump(),
                                          "lengths": lengths.model_dump(),
                                          "heldout": str((out / HELDOUT_FILE).resolve())})

    args = build_dpo_config(cfg, has_eval=bool(held_rows))
    callback = StoreCallback(store, run_id or "")
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    trainer = DPOTrainer(model=str(model_dir), args=args, train_dataset=to_dataset(train_rows),
                         eval_dataset=to_dataset(held_rows) if held_rows else None, processing_class=tok,
                         peft_config=build_peft_config(cfg), callbacks=[callback])
    last = get_last_checkpoint(str(out)) if (resume and out.is_dir()) else None
    if store is not None and resume:
        store.log(run_id, f"resuming from {last}" if last else "no checkpoint to resume from: starting fresh")
    t0 = time.perf_counter()
    trainer.train(resume_from_checkpoint=last)
    runtime = time.perf_counter() - t0
    cancelled = cancel.requested()
    if held_rows and not cancelled and args.eval_strategy == "no":
        trainer.evaluate()

    # approximate throughput: real (unpadded) tokens of the samples consumed per second of training
    ds = trainer.train_dataset
    per_sample = 0.0
    if ds is not None and len(ds):
        lens = [min(len(p) + len(c), cfg.max_length) + min(len(p) + len(r), cfg.max_length)
                for p, c, r in zip(ds["prompt_ids"], ds["chosen_ids"], ds["rejected_ids"], strict=True)]
        per_sample = sum(lens) / len(lens)
    state = trainer.state
    steps_done = state.global_step - (int(Path(last).name.split("-")[-1]) if last else 0)
    samples = steps_done * cfg.per_device_train_batch_size * cfg.gradient_accumulation_steps * args.world_size
    losses = [h["loss"] for h in callback.history if "loss" in h]
    peak = torch.cuda.max_memory_allocated() if torch.cuda.is_available() else None

    final = None
    if not cancelled:
        final = out / FINAL_DIR
        _save_final(trainer, tok, final, lora=cfg.lora.enabled)
    return DPOResult(
        run_id=run_id, status="cancelled" if cancelled else "done", output_dir=str(out),
        final_model=str(final) if final else None, export_id=export.id, split=split, lengths=lengths,
        global_step=state.global_step, first_loss=losses[0] if losses else None,
        last_loss=losses[-1] if losses else None, train_runtime_s=runtime,
        tokens_per_second=(per_sample * samples / runtime) if runtime > 0 else None, peak_gpu_memory_bytes=peak)


def _save_final(trainer, tok, final: Path, *, lora: bool) -> None:
    """Save a loadable model folder: merged weights for LoRA when the model is not sharded, else the adapter."""
    sharded = trainer.is_fsdp_enabled or (trainer.is_deepspeed_enabled and
                                           trainer.accelerator.state.deepspeed_plugin.zero_stage == 3)
    if lora and not sharded:
        trainer.save_model(str(final / "adapter"))
        if trainer.accelerator.is_main_process:
            merged = trainer.accelerator.unwrap_model(trainer.model).merge_and_unload()
            merged.save_pretrained(str(final))
            tok.save_pretrained(str(final))
        trainer.accelerator.wait_for_everyone()
        return
    trainer.save_model(str(final))
    if trainer.accelerator.is_main_process:
        tok.save_pretrained(str(final))
        (final / "kcc_train.json").write_text(json.dumps({"lora_adapter_only": lora}), encoding="utf-8")
