"""`kcc-train dpo --launch accelerate`: the exact `accelerate launch` command (and its config file) that runs
the same `kcc-train dpo` on several processes, GPUs or machines.

`num_processes` is the total over all machines (accelerate's meaning); every machine runs the same command with
its own `machine_rank`. Several processes on CPU go through accelerate's torchrun-based launcher (`--multi_gpu`)
with `--cpu` handed to the training command: accelerate's own CPU launcher starts a single process unless MPI is
set up, so `--cpu --num_processes 2` alone would silently train one copy.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from pydantic import BaseModel, model_validator

from kcc_train.accelerate_configs import Strategy, config_yaml


def is_main_process() -> bool:
    """Rank 0 under accelerate/torchrun (RANK env), or a plain single process."""
    return int(os.environ.get("RANK", "0")) == 0


class Machines(BaseModel):
    """Multi-node settings (accelerate's names); one machine needs none of them."""

    num_machines: int = 1
    machine_rank: int = 0
    main_process_ip: str | None = None
    main_process_port: int | None = None

    @model_validator(mode="after")
    def _check(self) -> Machines:
        if self.num_machines < 1:
            raise ValueError("num_machines must be >= 1")
        if not 0 <= self.machine_rank < self.num_machines:
            raise ValueError(f"machine_rank must be in 0..{self.num_machines - 1}")
        if self.num_machines > 1 and not self.main_process_ip:
            raise ValueError("several machines need main_process_ip (the address of machine_rank 0)")
        return self


class LaunchPlan(BaseModel):
    argv: list[str]
    config_path: str | None
    config_yaml: str | None

    @property
    def command(self) -> str:
        return shlex.join(self.argv)


def accelerate_bin() -> str:
    """The venv's accelerate next to this interpreter, else whatever is on PATH."""
    cand = Path(sys.executable).parent / "accelerate"
    return str(cand) if cand.exists() else "accelerate"


def plan_launch(*, config: str | Path, db: str | Path, run_id: str, output_dir: str | Path, num_processes: int,
                strategy: Strategy | None, resume: bool = False, mixed_precision: str = "bf16",
                cpu: bool = False, machines: Machines | None = None, accelerate: str | None = None) -> LaunchPlan:
    """Build the launch; the config file goes to <output_dir>/accelerate_<strategy>_<N>.yaml, or with several
    machines ..._<M>nodes_rank<R>.yaml (one per machine: output_dir is shared), not yet written."""
    m = machines or Machines()
    if num_processes < 1:
        raise ValueError("num_processes must be >= 1")
    if num_processes % m.num_machines:
        raise ValueError(f"num_processes ({num_processes}, the total over all machines) must be a multiple of "
                         f"num_machines ({m.num_machines})")
    if cpu and strategy not in (None, "ddp"):
        raise ValueError(f"strategy {strategy} needs GPUs; on CPU use ddp or no strategy")
    argv = [accelerate or accelerate_bin(), "launch"]
    cfg_path = cfg_text = None
    if strategy and not cpu:
        suffix = f"_{m.num_machines}nodes_rank{m.machine_rank}" if m.num_machines > 1 else ""
        cfg_path = str(Path(output_dir) / f"accelerate_{strategy}_{num_processes}{suffix}.yaml")
        cfg_text = config_yaml(strategy, num_processes, mixed_precision=mixed_precision,
                               num_machines=m.num_machines, machine_rank=m.machine_rank,
                               main_process_ip=m.main_process_ip, main_process_port=m.main_process_port)
        argv += ["--config_file", cfg_path]
    elif num_processes > 1:
        argv += ["--multi_gpu"]  # torchrun-based launcher; on CPU the training command gets --cpu
    if not cfg_path:
        argv += ["--mixed_precision", "no" if cpu else mixed_precision]
    argv += ["--num_processes", str(num_processes)]
    if m.num_machines > 1:
        argv += ["--num_machines", str(m.num_machines), "--machine_rank", str(m.machine_rank),
                 "--main_process_ip", str(m.main_process_ip)]
        if m.main_process_port is not None:
            argv += ["--main_process_port", str(m.main_process_port)]
    elif m.main_process_port is not None:
        argv += ["--main_process_port", str(m.main_process_port)]
    if cpu and num_processes == 1:
        argv.append("--cpu")
    argv += ["-m", "kcc_train.cli", "dpo", "--config", str(Path(config).resolve()), "--db", str(Path(db).resolve()),
             "--run-id", run_id]
    if resume:
        argv.append("--resume")
    if cpu:
        argv.append("--cpu")
    return LaunchPlan(argv=argv, config_path=cfg_path, config_yaml=cfg_text)
