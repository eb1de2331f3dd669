"""`kcc-train dpo --launch accelerate --dry-run`: the exact command lines for 8 GPUs and for 2 machines, the
generated accelerate configs, and several CPU processes going through the torchrun-based launcher."""

from __future__ import annotations

import json

import yaml
from click.testing import CliRunner

from kcc_train.cli import main
from kcc_train.launch import Machines, accelerate_bin, plan_launch


def _dry(cfg, db, *extra):
    res = CliRunner().invoke(main, ["dpo", "--config", str(cfg), "--db", str(db), "--launch", "accelerate",
                                    "--run-id", "train-x", "--dry-run", *extra])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_dry_run_eight_gpus_zero2(tmp_path, write_config):
    cfg = write_config(tmp_path, tmp_path / "model", max_steps=5)
    db = tmp_path / "kcc.db"
    out = _dry(cfg, db, "--num-processes", "8", "--strategy", "zero2")
    conf = str(tmp_path / "dpo" / "accelerate_zero2_8.yaml")
    assert out["argv"] == [accelerate_bin(), "launch", "--config_file", conf, "--num_processes", "8",
                           "-m", "kcc_train.cli", "dpo", "--config", str(cfg.resolve()), "--db", str(db.resolve()),
                           "--run-id", "train-x"]
    assert out["command"].startswith(f"{accelerate_bin()} launch --config_file {conf} --num_processes 8 -m ")
    y = yaml.safe_load(out["config"])
    assert y["distributed_type"] == "DEEPSPEED" and y["deepspeed_config"]["zero_stage"] == 2
    assert y["num_processes"] == 8 and y["num_machines"] == 1 and y["machine_rank"] == 0
    assert not (tmp_path / "dpo").exists()  # a dry run writes nothing


def test_dry_run_eight_gpus_plain_ddp(tmp_path, write_config):
    cfg = write_config(tmp_path, tmp_path / "model", max_steps=5)
    out = _dry(cfg, tmp_path / "kcc.db", "--num-processes", "8")
    assert out["argv"][:8] == [accelerate_bin(), "launch", "--multi_gpu", "--mixed_precision", "bf16",
                               "--num_processes", "8", "-m"]
    assert out["config_file"] is None


def test_dry_run_two_nodes(tmp_path, write_config):
    cfg = write_config(tmp_path, tmp_path / "model", max_steps=5)
    db = tmp_path / "kcc.db"
    out = _dry(cfg, db, "--num-processes", "16", "--strategy", "ddp", "--num-machines", "2", "--machine-rank", "1",
               "--main-process-ip", "10.0.0.1", "--main-process-port", "29500")
    conf = str(tmp_path / "dpo" / "accelerate_ddp_16_2nodes_rank1.yaml")
    assert out["argv"] == [accelerate_bin(), "launch", "--config_file", conf, "--num_processes", "16",
                           "--num_machines", "2", "--machine_rank", "1", "--main_process_ip", "10.0.0.1",
                           "--main_process_port", "29500", "-m", "kcc_train.cli", "dpo", "--config",
                           str(cfg.resolve()), "--db", str(db.resolve()), "--run-id", "train-x"]
    y = yaml.safe_load(out["config"])
    assert (y["distributed_type"], y["num_processes"], y["num_machines"], y["machine_rank"]) == (
        "MULTI_GPU", 16, 2, 1)
    assert y["main_process_ip"] == "10.0.0.1" and y["main_process_port"] == 29500


def test_bad_multi_node_flags_are_usage_errors(tmp_path, write_config):
    cfg = write_config(tmp_path, tmp_path / "model", max_steps=5)
    base = ["dpo", "--config", str(cfg), "--db", str(tmp_path / "kcc.db"), "--launch", "accelerate", "--dry-run"]
    res = CliRunner().invoke(main, [*base, "--num-processes", "16", "--num-machines", "2"])
    assert res.exit_code == 2 and "main_process_ip" in res.output
    res = CliRunner().invoke(main, [*base, "--num-processes", "15", "--num-machines", "2",
                                    "--main-process-ip", "10.0.0.1"])
    assert res.exit_code == 2 and "multiple of num_machines" in res.output
    res = CliRunner().invoke(main, [*base, "--num-processes", "2", "--cpu", "--strategy", "zero3"])
    assert res.exit_code == 2 and "needs GPUs" in res.output


def test_cpu_processes_use_the_torchrun_launcher():
    # accelerate's own CPU launcher starts ONE process without MPI; --multi_gpu + --cpu on the training command
    # gives N gloo ranks (the 2-process test in test_multiprocess.py runs this plan)
    plan = plan_launch(config="r.toml", db="k.db", run_id="t", output_dir="o", num_processes=2, strategy=None,
                       cpu=True, accelerate="accelerate")
    assert plan.argv[:7] == ["accelerate", "launch", "--multi_gpu", "--mixed_precision", "no", "--num_processes",
                             "2"]
    assert plan.argv[-1] == "--cpu" and plan.argv.count("--cpu") == 1
    one = plan_launch(config="r.toml", db="k.db", run_id="t", output_dir="o", num_processes=1, strategy=None,
                      cpu=True, accelerate="accelerate")
    assert "--multi_gpu" not in one.argv and one.argv.count("--cpu") == 2  # accelerate's and the trainer's
    m = Machines(num_machines=2, machine_rank=0, main_process_ip="h0")
    two = plan_launch(config="r.toml", db="k.db", run_id="t", output_dir="o", num_processes=4, strategy="fsdp",
                      machines=m, accelerate="accelerate")
    assert "--num_machines" in two.argv and yaml.safe_load(two.config_yaml)["distributed_type"] == "FSDP"
