"""DPO training with TRL on a local model folder, recorded in the store.

The same code runs as one process or under `torchrun` / `accelerate launch` (DDP, DeepSpeed ZeRO-2/3, FSDP): the
model is passed to DPOTrainer as its folder path, so TRL/accelerate load the policy and the reference where the
strategy wants them. The process group is joined first (gloo on CPU); then rank 0 alone opens the store, creates
the run row and writes the export, and broadcasts the rows to the other ranks, which wait in that broadcast (a
torch.distributed barrier): no rank reads a file another rank may still be writing, and nodes need not share a
file system for the data. A failure on rank 0 is broadcast too, so the other ranks stop with its message instead
of waiting. Only rank 0 writes the store, the held-out seeds and the final model.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from db.models import ExportRecord
from db.runs import RunLease, status_for
from db.store import Store
from judge.length import LengthStats, pair_length_report
from kcc_core.cancel import process_token
from kcc_train.config import RESERVED_TRL, TrainConfig, check_trl_fields
from kcc_train.pairs import (
    DataError,
    LengthReport,
    LengthSelection,
    SplitInfo,
    export_for_run,
    heldout_seeds,
    length_report,
    read_rows,
    reviewed_below_margin,
    select_rows,
    split_rows,
    to_dataset,
    write_jsonl,
)

log = logging.getLogger("kcc_train")

EXPORT_MARKER = "export.json"
RUN_MARKER = "run.json"
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
    world_size: int = 1
    param_digests: list[str | None] | None = None
    length_selection: LengthSelection | None = None
    pair_lengths: LengthStats | None = None  # chosen vs rejected characters of the pairs trained on
    # reviewer pairs below data.min_margin that data.keep_reviewed kept / left out (as `kcc export` counts them)
    reviewed_below_margin: dict[str, int] = Field(default_factory=dict)
    resumed_from: str | None = None
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


def want_cpu(flag: bool = False) -> bool:
    """Train on CPU: asked for (--cpu, ACCELERATE_USE_CPU), or several processes without CUDA. accelerate only
    forms a CPU process group (gloo) when told it runs on CPU; otherwise each torchrun rank trains alone."""
    import torch

    if flag or os.environ.get("ACCELERATE_USE_CPU", "").lower() in ("1", "true", "yes"):
        return True
    return int(os.environ.get("WORLD_SIZE", "1")) > 1 and not torch.cuda.is_available()


def show_progress(stream=None) -> bool:
    """A tqdm bar (with ETA) only on a terminal: not when stderr is piped (the TUI, logs, CI)."""
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class TRLOptionError(ValueError):
    """A [trl] value that TRL's DPOConfig refuses."""


def build_dpo_config(cfg: TrainConfig, *, has_eval: bool, use_cpu: bool = False, progress: bool = False):
    """TRL DPOConfig from our config; CPU-safe defaults (bf16 / gradient checkpointing off without CUDA); the
    [trl] table is applied last, as given."""
    import torch
    from trl import DPOConfig

    cuda = torch.cuda.is_available() and not use_cpu
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
    kwargs: dict[str, Any] = dict(
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
        disable_tqdm=not progress,
        use_cpu=use_cpu,
    )
    check_trl_fields(cfg, fields)
    extra = {k: v for k, v in cfg.trl.items() if k not in RESERVED_TRL}
    if "gradient_checkpointing" in extra and "activation_checkpointing" in fields:
        extra["activation_checkpointing"] = extra.pop("gradient_checkpointing")
    kwargs.update(extra)
    try:
        return DPOConfig(**kwargs)
    except (TypeError, ValueError) as e:
        named = ", ".join(sorted(extra)) or "none"
        raise TRLOptionError(f"TRL's DPOConfig refused the options ([trl] keys: {named}): {e}") from e


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


def _rows_without_writing(store: Store, cfg: TrainConfig, skipped: dict[str, Any]
                          ) -> tuple[list[dict[str, Any]], LengthSelection | None]:
    """The rows an export would hold, for --dry-run (nothing written); `skipped` gets what the filters counted."""
    if cfg.data.export_id:
        rec = store.get_export(cfg.data.export_id)
        if rec is None:
            raise ValueError(f"no export {cfg.data.export_id!r} in the store")
        skipped.update(rec.filters)
        return read_rows(rec.path), None
    return select_rows(store, cfg.data, skipped=skipped)


def _export_once(store: Store, cfg: TrainConfig, out: Path, run_id: str | None,
                 resume: bool) -> tuple[ExportRecord, LengthSelection | None]:
    """Rank 0 exports (or, on resume, reuses the export the run started with) and leaves a marker file."""
    marker = out / EXPORT_MARKER
    rec = None
    selection = None
    if resume and marker.is_file():
        rec = ExportRecord.model_validate_json(marker.read_text(encoding="utf-8"))
        if not Path(rec.path).is_file():
            rec = None
    if rec is None:
        rec, selection = export_for_run(store, cfg.data, out, run_id=run_id)
    out.mkdir(parents=True, exist_ok=True)
    marker.write_text(rec.model_dump_json(indent=2), encoding="utf-8")
    return rec, selection


def dry_run(cfg: TrainConfig, db_path: str | Path) -> DPOResult:
    """Validate everything a run needs (model folder, tokenizer, pairs, split, lengths) without training."""
    model_dir = check_model_dir(cfg.model)
    tok = _load_tokenizer(model_dir)
    skipped: dict[str, Any] = {}
    with Store(db_path, create=False) as store:
        rows, selection = _rows_without_writing(store, cfg, skipped)
    if not rows:
        raise ValueError("no usable pairs match the filters")
    train, held, split = split_rows(rows, cfg.data.eval_fraction, seed=cfg.seed,
                                    min_eval_per_category=cfg.data.min_eval_per_category)
    lengths = length_report(rows, tok, cfg.max_length)
    build_dpo_config(cfg, has_eval=bool(held), use_cpu=want_cpu())  # [trl] values are checked by TRL itself
    return DPOResult(run_id=None, status="dry-run", output_dir=cfg.output_dir, split=split, lengths=lengths,
                     length_selection=selection, pair_lengths=_char_lengths(rows),
                     reviewed_below_margin=reviewed_below_margin(skipped), dry_run=True)


def _char_lengths(rows: list[dict[str, Any]]) -> LengthStats:
    return LengthStats(**pair_length_report(rows).model_dump(exclude={"per_category"}))


def resumed_run_id(out: Path) -> str | None:
    """The run row a previous start in this output_dir recorded (so --resume continues the same row)."""
    marker = out / RUN_MARKER
    if not marker.is_file():
        return None
    try:
        return json.loads(marker.read_text(encoding="utf-8")).get("run_id") or None
    except (OSError, ValueError, AttributeError):
        return None


def run_dpo(cfg: TrainConfig, db_path: str | Path, *, run_id: str | None = None, resume: bool = False,
            cpu: bool = False, progress: bool | None = None) -> DPOResult:
    """Train; every outcome (done, failed, cancelled) is recorded on the run row by rank 0, which holds it as a
    db.runs.RunLease (pid, heartbeat; a cancel request in the store reaches the process token, as SIGTERM does).

    `--resume` without a run id continues the run row recorded in output_dir (run.json): one row per run; a
    `done` run is continued too (training to more steps)."""
    from accelerate import PartialState
    from accelerate.utils import broadcast_object_list

    model_dir = check_model_dir(cfg.model)
    out = Path(cfg.output_dir)
    use_cpu = want_cpu(cpu)
    state = PartialState(cpu=use_cpu)  # joins the process group under torchrun / accelerate (gloo on CPU)
    main = state.is_main_process
    many = state.num_processes > 1
    if resume and run_id is None:
        run_id = resumed_run_id(out)
    store: Store | None = None
    lease: RunLease | None = None
    payload: list[Any] = [None]
    try:
        if main:
            try:
                store = Store(db_path, create=False)
                lease = RunLease.open(store, "train", run_id=run_id, resume=resume, continue_done=True,
                                      token=process_token(), config={**cfg.model_dump(), "db": str(db_path),
                                                                     "world_size": state.num_processes})
                lease.start_heartbeat()
                run_id = lease.id
                out.mkdir(parents=True, exist_ok=True)
                (out / RUN_MARKER).write_text(json.dumps({"run_id": run_id}), encoding="utf-8")
                store.log(run_id, f"DPO on {model_dir} -> {out} ({state.num_processes} process"
                                  f"{'es' if many else ''}, {state.distributed_type.value})")
                export, selection = _export_once(store, cfg, out, run_id, resume)
                store.update_run(run_id, parent_id=export.id)
                rows = read_rows(export.path)
                payload = [{"run_id": run_id, "export": export.model_dump_json(), "rows": rows,
                            "selection": selection.model_dump() if selection else None}]
            except BaseException as e:
                payload = [{"error": f"{type(e).__name__}: {e}"}]
                raise
            finally:
                if many:
                    broadcast_object_list(payload)  # rank 0's rows, or its failure, reach every rank
        else:
            broadcast_object_list(payload)  # the barrier: wait until rank 0 has the export
        got = payload[0] or {"error": "no data from rank 0"}
        if "error" in got:
            raise DataError(f"rank 0 could not prepare the training data: {got['error']}")
        export = ExportRecord.model_validate_json(got["export"])
        selection = LengthSelection.model_validate(got["selection"]) if got.get("selection") else None
        show = show_progress() if progress is None else progress
        result = _train(cfg, model_dir, out, export, got["rows"], store, run_id, resume, use_cpu=use_cpu,
                        progress=show and main)
        result.length_selection = selection
        result.reviewed_below_margin = reviewed_below_margin(export.filters)
        if lease is not None:
            summary = result.model_dump(exclude={"dry_run"})
            lease.finish(result.status, summary=summary,
                         error="cancelled by request" if result.status == "cancelled" else None)
        return result
    except BaseException as e:
        if lease is not None and not lease.finished:
            status, error = status_for(e)
            if status == "failed":
                lease.log(traceback.format_exc(limit=8), level="error")
            lease.finish(status, error=error)
        raise
    finally:
        if store is not None:
            store.close()
        if many:
            # leave the process group before the interpreter exits: a gloo group torn down at exit aborts the
            # process ("terminate called without an active exception") after a good run
            state.destroy_process_group()


def param_digest(model) -> str:
    """sha256 over every tensor of the state dict (names sorted): equal on ranks that hold the same weights."""
    import torch

    h = hashlib.sha256()
    for name, t in sorted(model.state_dict().items()):
        h.update(name.encode("utf-8"))
        h.update(t.detach().to("cpu").contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def _sharded(trainer) -> bool:
    return bool(trainer.is_fsdp_enabled or (trainer.is_deepspeed_enabled and
                                            trainer.accelerator.state.deepspeed_plugin.zero_stage == 3))


def _train(cfg: TrainConfig, model_dir: Path, out: Path, export: ExportRecord, rows: list[dict[str, Any]],
           store: Store | None, run_id: str | None, resume: bool, *, use_cpu: bool = False,
           progress: bool = False) -> DPOResult:
    import torch
    from transformers.trainer_utils import get_last_checkpoint
    from trl import DPOTrainer

    from kcc_train.callbacks import StoreCallback

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

    args = build_dpo_config(cfg, has_eval=bool(held_rows), use_cpu=use_cpu, progress=progress)
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
    cancelled = process_token().requested
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

    digests = None
    if cfg.param_digest:
        from accelerate.utils import gather_object

        mine = None if _sharded(trainer) else param_digest(trainer.accelerator.unwrap_model(trainer.model))
        digests = gather_object([mine]) if args.world_size > 1 else [mine]
        if store is not None:
            store.log(run_id, f"parameter digests per rank: {', '.join(str(d)[:16] for d in digests)}")
    final = None
    if not cancelled:
        final = out / FINAL_DIR
        _save_final(trainer, tok, final, lora=cfg.lora.enabled)
    return DPOResult(
        world_size=args.world_size, param_digests=digests, resumed_from=last, pair_lengths=_char_lengths(rows),
        run_id=run_id, status="cancelled" if cancelled else "done", output_dir=str(out),
        final_model=str(final) if final else None, export_id=export.id, split=split, lengths=lengths,
        global_step=state.global_step, first_loss=losses[0] if losses else None,
        last_loss=losses[-1] if losses else None, train_runtime_s=runtime,
        tokens_per_second=(per_sample * samples / runtime) if runtime > 0 else None, peak_gpu_memory_bytes=peak)


def _save_final(trainer, tok, final: Path, *, lora: bool) -> None:
    """Save a loadable model folder: merged weights for LoRA when the model is not sharded, else the adapter."""
    sharded = _sharded(trainer)
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
