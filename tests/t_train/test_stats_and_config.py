"""Pure parts: confidence intervals, config validation, accelerate configs, launch plans, lm_eval command."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from db.models import EvalResult
from kcc_core.exit_codes import ExitCode
from kcc_train.accelerate_configs import STRATEGIES, accelerate_config
from kcc_train.cli import main
from kcc_train.config import ConfigError, load_config
from kcc_train.harness import aggregate
from kcc_train.report import build_report, render_markdown
from kcc_train.stats import newcombe_diff, wilson


def test_wilson_known_values():
    lo, hi = wilson(0, 10)
    assert lo == 0.0 and math.isclose(hi, 0.2775, abs_tol=5e-4)
    lo, hi = wilson(81, 263)  # Newcombe (1998) example: 0.2553 to 0.3662
    assert math.isclose(lo, 0.2553, abs_tol=5e-4) and math.isclose(hi, 0.3662, abs_tol=5e-4)
    assert all(math.isnan(x) for x in wilson(0, 0))


def test_newcombe_matches_published_example():
    # Newcombe (1998), Statistics in Medicine 17:873, method 10 on 56/70 vs 48/80: 0.0524 to 0.3339
    d, lo, hi = newcombe_diff(48, 80, 56, 70)
    assert math.isclose(d, 0.2, abs_tol=1e-9)
    assert math.isclose(lo, 0.0524, abs_tol=5e-4) and math.isclose(hi, 0.3339, abs_tol=5e-4)


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "run.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_config_defaults_and_relative_paths(tmp_path):
    cfg = load_config(_write(tmp_path, '[train]\nmodel = "m"\noutput_dir = "out"\n[train.data]\nmin_margin = 0.2\n'))
    assert cfg.model == str((tmp_path / "m").resolve()) and cfg.output_dir == str((tmp_path / "out").resolve())
    assert cfg.loss_type == ["sigmoid", "sft"] and cfg.bf16 == "auto" and cfg.data.min_margin == 0.2


@pytest.mark.parametrize("text, needle", [
    ('model = "m"\nbogus = 1\n', "bogus"),
    ('model = "m"\nloss_type = ["sigmoid"]\nloss_weights = [1.0, 2.0]\n', "loss_weights"),
    ('model = "m"\n[data]\neval_fraction = 1.5\n', "eval_fraction"),
    ('model = \n', "TOML"),
])
def test_config_errors_are_clear(tmp_path, text, needle):
    with pytest.raises(ConfigError, match=needle):
        load_config(_write(tmp_path, text))


def test_example_config_validates():
    cfg = load_config(Path(__file__).parents[2] / "examples" / "run.toml")
    assert cfg.lora.enabled in (True, False)


def test_hub_id_is_refused(tmp_path, shared_store):
    cfg = _write(tmp_path, '[train]\nmodel = "/nonexistent/Qwen/Qwen2.5-0.5B-Instruct"\n')
    res = CliRunner().invoke(main, ["dpo", "--config", str(cfg), "--db", str(shared_store), "--dry-run"])
    assert res.exit_code == ExitCode.USAGE
    assert "never downloads" in res.output


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_accelerate_configs(strategy):
    c = accelerate_config(strategy, 8)
    assert c["num_processes"] == 8
    kind = {"ddp": "MULTI_GPU", "zero2": "DEEPSPEED", "zero3": "DEEPSPEED", "fsdp": "FSDP"}[strategy]
    assert c["distributed_type"] == kind
    if strategy.startswith("zero"):
        assert c["deepspeed_config"]["zero_stage"] == int(strategy[-1])


def test_launch_dry_run_prints_command_and_config(tmp_path, shared_store):
    cfg = _write(tmp_path, '[train]\nmodel = "m"\noutput_dir = "out"\n')
    res = CliRunner().invoke(main, ["dpo", "--config", str(cfg), "--db", str(shared_store), "--launch", "accelerate",
                                    "--num-processes", "4", "--strategy", "zero2", "--dry-run", "--run-id", "train-x"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    argv = out["argv"]
    assert argv[1] == "launch" and argv[argv.index("--num_processes") + 1] == "4"
    assert argv[argv.index("--config_file") + 1] == out["config_file"] == str(tmp_path / "out" / "accelerate_zero2_4.yaml")
    assert argv[argv.index("-m") + 1:argv.index("-m") + 3] == ["kcc_train.cli", "dpo"]
    assert argv[argv.index("--run-id") + 1] == "train-x"
    parsed = yaml.safe_load(out["config"])
    assert parsed["distributed_type"] == "DEEPSPEED" and parsed["deepspeed_config"]["zero_stage"] == 2
    assert parsed["num_processes"] == 4
    assert out["command"].startswith(argv[0]) and "--config_file" in out["command"]
    assert not (tmp_path / "out").exists()  # a dry run writes nothing


def test_harness_groups_are_sample_weighted_and_never_n0():
    data = {"results": {"kmmlu_a": {"acc,none": 1.0}, "kmmlu_b": {"acc,none": 0.25}, "kobest_boolq": {"acc,none": 0.75},
                        "kmmlu": {"acc,none": 0.9}},  # lm-eval's own group row, recomputed from the leaves
            "group_subtasks": {"kmmlu": ["kmmlu_a", "kmmlu_b"], "kobest_boolq": []},
            "n-samples": {"kmmlu_a": {"effective": 2}, "kmmlu_b": {"effective": 8}, "kobest_boolq": {"effective": 8}}}
    rs = {(r.benchmark, r.category): r for r in aggregate(data, run_id="r", model_name="m",
                                                          requested=["kmmlu", "kobest_boolq"])}
    assert rs[("kmmlu", "all")].n == 10 and math.isclose(rs[("kmmlu", "all")].value, (2 * 1.0 + 8 * 0.25) / 10)
    assert rs[("kmmlu", "kmmlu_a")].n == 2 and rs[("kobest_boolq", "all")].n == 8
    assert all(r.n > 0 for r in rs.values())


def _res(model, bench, value, n=100, cat="all", metric="accuracy"):
    lo, hi = wilson(value * n, n)
    return EvalResult(run_id="r", model=model, benchmark=bench, category=cat, metric=metric, value=value, n=n,
                      ci_low=lo, ci_high=hi)


def test_regression_gate_uses_the_interval_not_the_point():
    # without per-item results: Newcombe interval; a 0.03 point drop at n=100 is inconclusive, not a failure
    results = [_res("a", "kmmlu", 0.47), _res("b", "kmmlu", 0.50), _res("a", "kobest_boolq", 0.20, n=2000),
               _res("b", "kobest_boolq", 0.71, n=2000), _res("a", "cultural_safe_rate", 0.9, metric="safe_rate"),
               _res("b", "cultural_safe_rate", 0.5, metric="safe_rate")]
    rep = build_report(results, after="a", before="b", max_general_drop=0.02)
    assert [r.split(":")[0] for r in rep.regressions] == ["kobest_boolq"]
    assert [r.split(":")[0] for r in rep.inconclusive] == ["kmmlu"]
    md = render_markdown(rep, title="t")
    assert "FAILED" in md and "+0.400" in md and "newcombe" in md
