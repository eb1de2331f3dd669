"""Accelerate config files for multi-GPU DPO: ddp, DeepSpeed ZeRO-2 / ZeRO-3, FSDP.

Shaped like TRL's own examples (trl/accelerate_configs), with the process count filled in. The training code is
the same for all of them: DPOTrainer receives the model folder and lets accelerate place / shard it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml

Strategy = Literal["ddp", "zero2", "zero3", "fsdp"]
STRATEGIES: tuple[str, ...] = ("ddp", "zero2", "zero3", "fsdp")


def accelerate_config(strategy: Strategy, num_processes: int, *, mixed_precision: str = "bf16",
                      num_machines: int = 1, machine_rank: int = 0, main_process_ip: str | None = None,
                      main_process_port: int | None = None) -> dict[str, Any]:
    """`num_processes` is the total over all machines (accelerate's meaning)."""
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}")
    if num_processes < 1:
        raise ValueError("num_processes must be >= 1")
    base: dict[str, Any] = {
        "compute_environment": "LOCAL_MACHINE", "debug": False, "machine_rank": machine_rank,
        "main_training_function": "main",
        "mixed_precision": mixed_precision, "num_machines": num_machines, "num_processes": num_processes,
        "rdzv_backend": "static", "same_network": True, "tpu_env": [], "tpu_use_cluster": False,
        "tpu_use_sudo": False, "use_cpu": False, "downcast_bf16": "no",
    }
    if main_process_ip:
        base["main_process_ip"] = main_process_ip
    if main_process_port is not None:
        base["main_process_port"] = main_process_port
    if strategy == "ddp":
        base.update({"distributed_type": "MULTI_GPU" if num_processes > 1 or num_machines > 1 else "NO",
                     "gpu_ids": "all"})
    elif strategy in ("zero2", "zero3"):
        stage = 2 if strategy == "zero2" else 3
        ds: dict[str, Any] = {"deepspeed_multinode_launcher": "standard", "offload_optimizer_device": "none",
                              "offload_param_device": "none", "zero_stage": stage}
        if stage == 3:
            ds["zero3_init_flag"] = True
            ds["zero3_save_16bit_model"] = True
        base.update({"distributed_type": "DEEPSPEED", "deepspeed_config": ds})
    else:
        base.update({"distributed_type": "FSDP", "fsdp_config": {
            "fsdp_activation_checkpointing": False, "fsdp_auto_wrap_policy": "TRANSFORMER_BASED_WRAP",
            "fsdp_cpu_ram_efficient_loading": True, "fsdp_offload_params": False,
            "fsdp_reshard_after_forward": True, "fsdp_state_dict_type": "FULL_STATE_DICT", "fsdp_version": 2}})
    return base


def config_yaml(strategy: Strategy, num_processes: int, **kw: Any) -> str:
    return yaml.safe_dump(accelerate_config(strategy, num_processes, **kw), sort_keys=True)


def write_config(path: str | Path, strategy: Strategy, num_processes: int, **kw: Any) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(config_yaml(strategy, num_processes, **kw), encoding="utf-8")
    return p
