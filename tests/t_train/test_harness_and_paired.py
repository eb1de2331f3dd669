"""Re-evaluation a lab can publish: real lm-eval 0.4 offline on local KMMLU / HAE-RAE / KoBEST-format files agrees
with the built-in scorer (acc, acc_norm, per item, 0-shot and 5-shot); paired statistics and the interval gate;
a missing task's data is a one-line error with exit code 5."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from db.models import EvalItem, EvalResult
from kcc_core.exit_codes import ExitCode
from kcc_train.benchmarks import load_benchmark_set, loglikelihoods, score_benchmark
from kcc_train.report import build_report, render_chart, render_markdown
from kcc_train.stats import mcnemar_exact, paired_accuracy, paired_bootstrap, wilson

DATA = Path(__file__).parent / "data"
pytest.importorskip("lm_eval")


def _kmmlu_with_dev(root: Path) -> Path:
    """KMMLU-format test + dev files per subject (the release's layout), written for this test."""
    src = list(csv.DictReader((DATA / "benchmarks" / "kmmlu_sample-test.csv").open(encoding="utf-8")))
    d = root / "kmmlu"
    d.mkdir(parents=True)
    cols = list(src[0])
    dev = [dict(r, question=f"예제 {i}: {r['question']}") for i in range(5) for r in src]  # >= 5 per subject
    for split, rows in (("test", src), ("dev", dev)):
        by_cat: dict[str, list[dict]] = {}
        for r in rows:
            by_cat.setdefault(r["Category"], []).append(r)
        for cat, rs in by_cat.items():
            with (d / f"{cat}-{split}.csv").open("w", encoding="utf-8", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=cols)
                w.writeheader()
                w.writerows(rs)
    return root


@pytest.fixture(scope="module")
def scored(tiny_model, tmp_path_factory):
    """`kcc-train eval --harness` (model and baseline, through the chat template) and the built-in scorer on the
    same items: the 0-shot samples + 5-shot KMMLU."""
    import json

    from click.testing import CliRunner

    from kcc_train.cli import main
    from kcc_train.generation import load_local

    root = _kmmlu_with_dev(tmp_path_factory.mktemp("bench"))
    for p in (DATA / "benchmarks").rglob("*.jsonl"):
        (root / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    items, fewshot = load_benchmark_set(root)
    model, tok = load_local(tiny_model)
    builtin = {b: score_benchmark(model, tok, its, chat=True) for b, its in items.items()}
    builtin_lls = {(b, it.id): ll for b, its in items.items()
                   for it, ll in zip(its, loglikelihoods(model, tok, its, chat=True), strict=True)}
    out = tmp_path_factory.mktemp("lm")
    db = out / "kcc.db"
    r = CliRunner().invoke(main, ["eval", "--model", str(tiny_model), "--baseline", str(tiny_model), "--harness",
                                  "--benchmarks", str(root), "--db", str(db), "--out", str(out / "eval"),
                                  "--batch-size", "4"])
    assert r.exit_code == 0, r.output[-3000:]
    res = json.loads(r.stdout.strip().splitlines()[-1])
    from db.store import Store

    with Store(db) as store:
        stored = store.eval_items(res["run_id"])
        results = store.eval_results(res["run_id"])
    return items, fewshot, builtin, stored, results, out, builtin_lls


def test_fewshot_settings_recorded(scored):
    items, fewshot, *_ = scored
    assert fewshot["kmmlu"].used == 5 and fewshot["kmmlu"].source == "dev"  # KMMLU 5-shot from the dev split
    assert fewshot["haerae"].used == 0 and fewshot["kobest_copa"].used == 0
    km = items["kmmlu"][0]
    assert len(km.shots) == 5 and km.shots[0][0].startswith("예제 ") and km.shots[0][1] in "ABCD"


def test_lm_eval_agrees_with_builtin_scorer_per_item(scored):
    items, _fs, builtin, stored, results, out, builtin_lls = scored
    harness = {(i.benchmark, i.item_id, i.metric): i.value for i in stored if i.role == "after"}
    before = {(i.benchmark, i.item_id, i.metric): i.value for i in stored if i.role == "before"}
    assert before.keys() == harness.keys()  # per-item results of both sides, joinable by item id
    # the log-likelihoods themselves, not only the argmax
    samples = [json.loads(x) for x in (out / "eval" / "lm_eval_after" / "samples.jsonl").read_text().splitlines()]
    assert len(samples) == 56
    for s in samples:
        ours = builtin_lls[(s["benchmark"], s["item_id"])]
        assert len(ours) == len(s["lls"]) and max(abs(a - b) for a, b in zip(ours, s["lls"], strict=True)) < 1e-3
    compared = 0
    for bench, sc in builtin.items():
        for iid, cat, a, an in zip(sc.item_ids, sc.categories, sc.per_item, sc.per_item_norm, strict=True):
            key = f"{cat}/{iid}" if bench in ("kmmlu", "haerae") else iid
            assert harness[(bench, key, "accuracy")] == float(a), (bench, key)
            assert harness[(bench, key, "acc_norm")] == float(an), (bench, key)
            compared += 1
    assert compared == sum(len(v) for v in items.values()) == 56
    # group rows: KMMLU's subjects aggregate to one sample-weighted row; nothing has n = 0
    after = [r for r in results if r.model == str(_model_of(results))]
    rows = {(r.benchmark, r.category, r.metric): r for r in after}
    assert rows[("kmmlu", "all", "accuracy")].n == 8
    assert math.isclose(rows[("kmmlu", "all", "accuracy")].value, builtin["kmmlu"].accuracy)
    assert math.isclose(rows[("kobest_hellaswag", "all", "acc_norm")].value, builtin["kobest_hellaswag"].acc_norm)
    assert all(r.n > 0 for r in results)
    tasks = out / "eval" / "lm_eval_after" / "tasks"
    assert (tasks / "_kcc_kmmlu_group.yaml").is_file() and "first_n" in (tasks / "kcc_kmmlu__math.yaml").read_text()
    md = (out / "eval" / "report.md").read_text(encoding="utf-8")
    assert "lm-evaluation-harness" in md and "| kmmlu | 5 / 5 | dev split | first_n |" in md
    assert "mcnemar-exact, n=8 paired" in md and "Regression gate: passed" in md  # same model: no drop


def _model_of(results):
    return next(r.model for r in results if not r.model.endswith("(baseline)"))


def test_mcnemar_and_paired_intervals():
    assert math.isclose(mcnemar_exact(2, 10), 2 * (1 + 12 + 66) / 4096)  # 2 * P(X <= 2), X ~ Bin(12, 1/2)
    assert mcnemar_exact(0, 0) == 1.0
    pr = paired_accuracy([1, 1, 0, 0, 1] * 20, [1, 0, 1, 1, 1] * 20)
    assert (pr.b, pr.c) == (20, 40) and math.isclose(pr.delta, 0.2) and 0 < pr.low < 0.2 < pr.high
    assert pr.p_value < 0.05  # the interval excludes 0 exactly when the exact test rejects
    bs = paired_bootstrap([1.0, 0.0] * 50, [1.0, 1.0] * 50)
    assert math.isclose(bs.delta, 0.5) and bs.low > 0.35 and bs.high <= 0.65
    assert paired_bootstrap([1.0, 0.0] * 50, [1.0, 1.0] * 50).low == bs.low  # seeded


def _items(role, values, bench="kmmlu", metric="accuracy"):
    return [EvalItem(run_id="r", role=role, model=role, benchmark=bench, item_id=str(i), metric=metric, value=v)
            for i, v in enumerate(values)]


def _res(model, bench, values, metric="accuracy"):
    n, k = len(values), sum(values)
    lo, hi = wilson(k, n)
    return EvalResult(run_id="r", model=model, benchmark=bench, metric=metric, value=k / n, n=n, ci_low=lo,
                      ci_high=hi)


def test_gate_fires_only_when_the_paired_interval_is_beyond_the_threshold(tmp_path):
    # small drop (4 of 100 items flip): point drop 0.04 > 0.02 but the interval reaches above -0.02: inconclusive
    before = [1] * 60 + [0] * 40
    after_small = [0] * 4 + [1] * 56 + [0] * 40
    # large drop (30 flips of 400, none back): the whole interval lies below -0.02: regression
    b_big = [1] * 300 + [0] * 100
    a_big = [0] * 30 + [1] * 270 + [0] * 100
    results = [_res("after", "kmmlu", after_small), _res("before", "kmmlu", before),
               _res("after", "haerae", a_big), _res("before", "haerae", b_big)]
    items = (_items("before", before) + _items("after", after_small) + _items("before", b_big, "haerae")
             + _items("after", a_big, "haerae"))
    rep = build_report(results, after="after", before="before", max_general_drop=0.02, items=items,
                       fewshot={"kmmlu": {"used": 5, "requested": 5, "source": "dev", "sampler": "first_n"}})
    assert [r.split(":")[0] for r in rep.regressions] == ["haerae"]
    assert [r.split(":")[0] for r in rep.inconclusive] == ["kmmlu"]
    km = next(r for r in rep.rows if r.benchmark == "kmmlu")
    assert km.paired.method == "mcnemar-exact" and km.paired.b == 4 and km.paired.c == 0
    md = render_markdown(rep, title="t")
    assert "McNemar" in md and "| kmmlu | 5 / 5 | dev split | first_n |" in md and "FAILED" in md
    png = render_chart(rep, tmp_path / "chart.png")
    assert png.stat().st_size > 5000


def test_missing_task_data_is_one_line_exit_5(tiny_model, tmp_path):
    tasks = tmp_path / "tasks"
    tasks.mkdir()
    (tasks / "my_kmmlu.yaml").write_text(
        "task: my_kmmlu\ndataset_path: json\ndataset_kwargs:\n  data_files:\n"
        f"    test: {tmp_path / 'absent.jsonl'}\ntest_split: test\noutput_type: multiple_choice\n"
        "doc_to_text: context\ndoc_to_choice: choices\ndoc_to_target: gold\n"
        "metric_list:\n  - metric: acc\n", encoding="utf-8")
    from click.testing import CliRunner

    from kcc_train.cli import main

    r = CliRunner().invoke(main, ["eval", "--model", str(tiny_model), "--harness", "--include-path", str(tasks),
                                  "--harness-tasks", "my_kmmlu", "--db", str(tmp_path / "kcc.db"), "--out",
                                  str(tmp_path / "o")])
    assert r.exit_code == ExitCode.DATA_MISSING, r.output[-2000:]
    assert isinstance(r.exception, SystemExit) and "Traceback" not in r.stderr
    line = [x for x in r.stderr.splitlines() if x.startswith("kcc-train:")]
    assert len(line) == 1 and "my_kmmlu" in line[0] and "offline" in line[0]


def test_builtin_eval_stores_items_and_reports_paired_safety(tiny_model, tmp_path):
    """Built-in scorer end to end: per-item safety and MCQ results stored for both sides; the report (and its
    rebuild from the store) uses the paired statistics and shows the unscored share."""
    import json

    from click.testing import CliRunner

    from db.store import Store
    from kcc_train.cli import main

    db, out = tmp_path / "kcc.db", tmp_path / "eval"
    r = CliRunner().invoke(main, ["eval", "--model", str(tiny_model), "--baseline", str(tiny_model), "--seeds",
                                  str(DATA / "eval_seeds.jsonl"), "--benchmarks", str(DATA / "benchmarks"),
                                  "--out", str(out), "--db", str(db), "--max-new-tokens", "8", "--chat", "no"])
    assert r.exit_code == 0, r.output[-3000:]
    run_id = json.loads(r.stdout.strip().splitlines()[-1])["run_id"]
    with Store(db) as store:
        items = store.eval_items(run_id)
    metrics = {(i.benchmark, i.metric) for i in items}
    assert ("unscored_answers", "unscored_rate") in metrics and ("kmmlu", "acc_norm") in metrics
    harm = [i for i in items if i.benchmark == "unscored_answers" and i.role == "after"]
    assert len(harm) == len([s for s in (DATA / "eval_seeds.jsonl").read_text().splitlines()
                             if not json.loads(s)["category"].startswith("B")])
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "unscored share (after)" in md and "paired-bootstrap" in md and "mcnemar-exact" in md
    assert "| kmmlu | 0 / 5 | dev split |" in md  # 5-shot asked, no dev file in the sample: recorded as 0
    rep = CliRunner().invoke(main, ["report", "--run-id", run_id, "--db", str(db), "--out", str(tmp_path / "rep")])
    assert rep.exit_code == 0, rep.output
    assert "mcnemar-exact" in (tmp_path / "rep" / "report.md").read_text(encoding="utf-8")


def test_plain_text_fewshot_agrees(scored, tiny_model, tmp_path):
    """Without the chat template: lm-eval's "{question} {answer}\\n\\n" few-shot blocks and " {choice}"
    continuations give the built-in scorer's log-likelihoods (KMMLU, 5-shot)."""
    from kcc_train.generation import load_local
    from kcc_train.harness import run_harness

    items, fewshot, *_ = scored
    km = {"kmmlu": items["kmmlu"]}
    run = run_harness(str(tiny_model), tmp_path, run_id="r", model_name="m", role="after", items=km,
                      fewshot=fewshot, chat=False, batch_size=4)
    model, tok = load_local(tiny_model)
    ours = dict(zip([it.id for it in km["kmmlu"]], loglikelihoods(model, tok, km["kmmlu"], chat=False), strict=True))
    samples = [json.loads(x) for x in (tmp_path / "samples.jsonl").read_text().splitlines()]
    assert len(samples) == 8 and run.fewshot["kcc_kmmlu"] is not None
    for s in samples:
        assert max(abs(a - b) for a, b in zip(ours[s["item_id"]], s["lls"], strict=True)) < 1e-3
