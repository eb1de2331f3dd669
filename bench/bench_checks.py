"""Throughput of the whole rules pass (judge.checks.run_checks) on one core, on realistic and on dense answers.

Run: taskset -c 0 .venv/bin/python bench/bench_checks.py [--n 3000] [--repeat 3]
Side by side with another tree (e.g. an older commit exported to /tmp/base), same corpus:
     taskset -c 0 .venv/bin/python bench/bench_checks.py --against /tmp/base [--rounds 40] [--respawn 4] [--n 1500]
  two long-lived worker processes (one per tree, same core(s)) time one pass of each set in turn, order
  alternating; the median of the per-pair new/base ratios and its quartiles are printed. A pair is seconds
  apart, so a machine whose speed drifts over minutes still compares like with like; the quartiles show how
  far one pair can be off. The workers are replaced every --respawn rounds: a process's string-hash seed and
  memory layout can hold its speed a few percent off for its whole life. bench/bench_instructions.py counts
  instructions instead (repeatable, but not time).

Answer sets (the target is >= 5,000 answers/s on ~1.5 KB Korean answers):
  sample answers     the 174 real candidate answers of examples/sample_seeds.jsonl as written (150-600 chars)
  realistic ~1.5 KB  2-4 of those answers joined, ~1.5 KB UTF-8 (~550 Korean chars): what a long model answer
                     looks like (a few citations / hotlines / procedures, mostly prose)
  dense ~1.5 KB      synthetic: every sentence carries a citation, hotline or procedure (a worst case)
  dense ~1,500 chars the same, ~1,500 characters (~3.5 KB)
Each set is timed `--repeat` times; the best pass is reported, as wall-clock answers/s and as CPU-time
answers/s (process_time: what this process got on its core, so the figure is comparable when other processes
compete for the CPU). The load average is printed: compare figures only across runs in the same conditions.
Also prints the time to check 1 MB of adversarial text (the linear-time guarantee).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from judge.checks import run_checks  # noqa: E402
from statutes.institutions import institution_registry  # noqa: E402
from statutes.registry import registry  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "examples" / "sample_seeds.jsonl"

PARTS = [
    "말씀하신 상황이 많이 힘드셨을 것 같습니다. 요청하신 구체적인 방법은 안내해 드릴 수 없지만, 도움을 받을 수 있는 곳을 알려드릴게요. ",
    "「성폭력범죄의 처벌 등에 관한 특례법」 제14조의2에 따라 허위영상물을 편집·반포하는 행위는 처벌됩니다. ",
    "정보통신망법 제44조의2에 따라 플랫폼에 삭제 요청을 할 수 있고, 판단이 어려우면 임시조치가 이뤄집니다. ",
    "보이스피싱 피해를 입으셨다면 즉시 송금한 은행에 지급정지를 요청하고 112 또는 금융감독원 1332에 신고하세요. ",
    "직장 내 괴롭힘은 근로기준법 제76조의2에서 금지하며, 회사에 신고한 뒤 조치가 없으면 노동청에 진정할 수 있습니다. ",
    "마음이 힘드시면 자살예방상담전화 109에 24시간 언제든 전화하실 수 있습니다. 청소년이라면 1388도 있습니다. ",
    "학교폭력은 117에 신고할 수 있고, 학교폭력대책심의위원회에서 피해학생 보호 조치를 심의합니다. ",
    "스토킹처벌법 제4조의 긴급응급조치와 제9조의 잠정조치로 접근금지를 받을 수 있습니다. ",
    "형법 제307조 제1항은 공연히 사실을 적시하여 사람의 명예를 훼손한 경우를 처벌합니다. ",
    "혼자 감당하지 마시고 믿을 수 있는 주변 사람이나 전문가와 이야기해 보시기를 권합니다. ",
    "피해 증거(화면 캡처, 링크, 날짜)를 보관해 두시면 신고와 삭제지원에 도움이 됩니다. ",
    "디지털성범죄피해자지원센터(02-735-8994)나 여성긴급전화 1366에 삭제지원을 요청하실 수 있습니다. ",
]
DENSE_CATS = ["K05", "K08", "K07", "K01", None]


def make_answer(rng: random.Random, target_bytes: int | None = None, target_chars: int | None = None) -> str:
    """A dense synthetic answer: random PARTS up to the target size."""
    out = ""
    while True:
        nxt = out + rng.choice(PARTS)
        if target_bytes and len(nxt.encode()) > target_bytes:
            return out
        if target_chars and len(nxt) > target_chars:
            return out
        out = nxt


def sample_answers() -> list[tuple[str, str | None]]:
    """The real candidate answers of the sample data, with their seed's category."""
    out = []
    for line in SAMPLES.read_text(encoding="utf-8").splitlines():
        if line.strip():
            seed = json.loads(line)
            out += [(c["response"], seed.get("category")) for c in seed.get("candidates", [])]
    return out


def realistic_answers(rng: random.Random, n: int, samples: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """~1.5 KB answers: sample answers joined (paragraph breaks) until at least 1,200 UTF-8 bytes."""
    out = []
    for _ in range(n):
        text, cat = rng.choice(samples)
        parts = [text]
        while len("\n\n".join(parts).encode()) < 1200:
            parts.append(rng.choice(samples)[0])
        out.append(("\n\n".join(parts), cat))
    return out


def bench(items: list[tuple[str, str | None]], label: str, repeat: int) -> dict:
    for text, cat in items[:50]:
        run_checks(text, category=cat)
    best_wall = best_cpu = float("inf")
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        for text, cat in items:
            run_checks(text, category=cat)
        best_wall = min(best_wall, time.perf_counter() - w)
        best_cpu = min(best_cpu, time.process_time() - c)
    n = len(items)
    avg_b = sum(len(t.encode()) for t, _ in items) / n
    avg_c = sum(len(t) for t, _ in items) / n
    print(f"{label:20s} {n / best_wall:8,.0f} answers/s wall  {n / best_cpu:8,.0f} answers/s cpu  "
          f"({best_cpu * 1e6 / n:5,.0f} µs cpu each; {n} answers, mean {avg_b:,.0f} bytes / {avg_c:,.0f} chars)")
    return {"wall_per_s": n / best_wall, "cpu_per_s": n / best_cpu, "cpu_us": best_cpu * 1e6 / n}


SETS = ("sample", "realistic", "dense", "dense-chars")


def answer_sets(n: int) -> dict[str, tuple[list, str]]:
    """{set name: (answers with their categories, label)}: every set built from one seed in one order, so every
    bench and every tree times the same answers."""
    rng = random.Random(7)
    samples = sample_answers()
    return {
        "sample": (samples * max(1, n // len(samples)), "sample answers"),
        "realistic": (realistic_answers(rng, n, samples), "realistic ~1.5 KB"),
        "dense": ([(make_answer(rng, target_bytes=1500), DENSE_CATS[i % 5]) for i in range(n)], "dense ~1.5 KB"),
        "dense-chars": ([(make_answer(rng, target_chars=1500), DENSE_CATS[i % 5]) for i in range(n // 3)],
                        "dense ~1,500 chars"),
    }


def run_sets(sets: list[str], n: int, repeat: int) -> dict[str, dict]:
    built = answer_sets(n)
    return {k: bench(built[k][0], built[k][1], repeat) for k in SETS if k in sets}


def _worker(n: int) -> None:
    """Serve timing requests on stdin (one set name per line, one JSON line back): the answer sets are built and
    warmed once, so the two trees of a side-by-side run alternate pass by pass, seconds apart."""
    registry()
    institution_registry()
    built = answer_sets(n)
    for items in built.values():
        for text, cat in items[0][:50]:
            run_checks(text, category=cat)
    print("ready", flush=True)
    for line in sys.stdin:
        items = built[line.strip()][0]
        w, c = time.perf_counter(), time.process_time()
        for text, cat in items:
            run_checks(text, category=cat)
        print(json.dumps({"wall": time.perf_counter() - w, "cpu": time.process_time() - c, "n": len(items)}),
              flush=True)


def _start_workers(other: Path, n: int) -> dict[str, subprocess.Popen]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--n", str(n)]
    workers = {}
    for side, path in (("base", str(other)), ("new", str(ROOT))):
        env = {**os.environ, "PYTHONPATH": path}
        workers[side] = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    for side, proc in workers.items():
        if proc.stdout.readline().strip() != "ready":
            sys.exit(f"bench worker for {side} failed to start (exit {proc.wait()})")
    return workers


def _stop_workers(workers: dict[str, subprocess.Popen]) -> None:
    for proc in workers.values():
        proc.stdin.close()
        proc.wait()


def _one_pass(proc: subprocess.Popen, side: str, name: str) -> dict:
    proc.stdin.write(name + "\n")
    proc.stdin.flush()
    line = proc.stdout.readline()
    if not line:
        sys.exit(f"bench worker for {side} died (exit {proc.wait()})")
    return json.loads(line)


def side_by_side(other: Path, args: argparse.Namespace) -> None:
    """Two workers, one on `other`'s code and one on this tree's, same answers, same cores; each round times one
    pass of each set on both, in alternating order. The machine's speed drifts over minutes (other tenants,
    clocks): a pair of passes seconds apart sees the same machine, so the median of the per-pair ratios is the
    figure to read, not a ratio of throughputs measured minutes apart. Fresh workers every `--respawn` rounds:
    one process's string-hash seed and memory layout can hold it a few percent off all along."""
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    cpu: dict[str, dict[str, list[float]]] = {s: {"base": [], "new": []} for s in sets}
    ratios: dict[str, list[float]] = {s: [] for s in sets}
    workers = None
    for r in range(args.rounds):
        if r % max(1, args.respawn) == 0:
            if workers is not None:
                _stop_workers(workers)
            workers = _start_workers(other, args.n)
        for name in sets:
            order = ("base", "new") if r % 2 == 0 else ("new", "base")
            got = {side: _one_pass(workers[side], side, name) for side in order}
            for side, fig in got.items():
                cpu[name][side].append(fig["n"] / fig["cpu"])
            ratios[name].append(got["base"]["cpu"] / got["new"]["cpu"])
        print(f"round {r + 1}: " + "  ".join(f"{k} {ratios[k][-1]:.3f}" for k in sets), flush=True)
    _stop_workers(workers)
    print(f"over {args.rounds} rounds of alternating passes, workers renewed every {args.respawn} "
          f"(cpu time; base = {other}, new = {ROOT}):")
    for k in sets:
        q = statistics.quantiles(ratios[k], n=4) if len(ratios[k]) > 1 else [ratios[k][0]] * 3
        print(f"  {k:12s} base {statistics.median(cpu[k]['base']):8,.0f}/s  new {statistics.median(cpu[k]['new']):8,.0f}/s"
              f"  new/base per pair: median {statistics.median(ratios[k]):.3f} (quartiles {q[0]:.3f}-{q[2]:.3f})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sets", default=",".join(SETS), help=f"comma-separated, of {', '.join(SETS)}")
    ap.add_argument("--against", type=Path, help="another source tree: run side by side with it")
    ap.add_argument("--rounds", type=int, default=40, help="with --against: alternating passes of each tree")
    ap.add_argument("--respawn", type=int, default=4, help="with --against: fresh worker processes every N rounds")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    if unknown := set(sets) - set(SETS):
        ap.error(f"--sets: unknown {', '.join(sorted(unknown))}")
    if args.worker:
        _worker(args.n)
        return
    if args.against is not None:
        if not (args.against / "judge" / "checks").is_dir():
            ap.error(f"--against {args.against}: no judge/checks there")
        side_by_side(args.against, args)
        return
    load = os.getloadavg()
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; cores {os.cpu_count()}; this process on cpus {cpus}")
    t = time.perf_counter()
    registry()
    institution_registry()
    print(f"registry load (once): {time.perf_counter() - t:.3f} s")
    run_sets(sets, args.n, args.repeat)
    adversarial = {
        "제제제조조조의의": "제제제조조조의의" * 131072,
        "digits+조": ("제1조 " * 200_000)[:1_000_000],
        "law words": ("방법법률법 " * 170_000)[:1_000_000],
        "hotline numbers": ("112 1393 1366 " * 80_000)[:1_000_000],
        "brackets": ("「형법」「" * 200_000)[:1_000_000],
        "zero-width/bidi in citations": ("형\u200b법 제２５０조\u202e 13\u200b93 " * 70_000)[:1_000_000],
        "NFD Hangul": unicodedata.normalize("NFD", "형법 제250조와 같은 법 제251조부터 제253조까지 " * 40_000)[:1_000_000],
        "random Unicode": "".join(chr(c) for c in random.Random(3).choices(
            [*range(0x20, 0xD7FF), *range(0xE000, 0x10FFFF)], k=1_000_000)),
        "5 MB mixed (per MB)": None,
    }
    big = "".join(v for v in adversarial.values() if v)[:5_000_000]
    for name, text in adversarial.items():
        t = time.perf_counter()
        run_checks(big if text is None else text, category="K01")
        dt = time.perf_counter() - t
        print(f"1 MB adversarial ({name}): {dt / 5 if text is None else dt:.3f} s")


if __name__ == "__main__":
    main()
