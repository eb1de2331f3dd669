"""`kcc-train dpo --launch accelerate`: the exact `accelerate launch` command (and its config file) that runs
the same `kcc-train dpo` on several processes / GPUs."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from pydantic import BaseModel

from kcc_train.accelerate_configs import Strategy, config_yaml


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
                cpu: bool = False) -> LaunchPlan:
    """Build the launch; the config file goes to <output_dir>/accelerate_<strategy>_<N>.yaml (not yet written)."""
    argv = [accelerate_bin(), "launch"]
    cfg_path = cfg_text = None
    if strategy:
        cfg_path = str(Path(output_dir) / f"accelerate_{strategy}_{num_processes}.yaml")
        cfg_text = config_yaml(strategy, num_processes, mixed_precision=mixed_precision)
        argv += ["--config_file", cfg_path]
    argv += ["--num_processes", str(num_processes)]
    if cpu:
        argv.append("--cpu")
    argv += ["-m", "kcc_train.cli", "dpo", "--config", str(Path(config).resolve()), "--db", str(Path(db).resolve()),
             "--run-id", run_id]
    if resume:
        argv.append("--resume")
    return LaunchPlan(argv=argv, config_path=cfg_path, config_yaml=cfg_text)
