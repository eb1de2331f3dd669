"""Store figures: import of 100,000 seeds x 3 candidates (time, peak RSS), then export of 100,000 pairs;
and `kcc import` of 250,000 / 500,000 / 1,000,000 tiny rows, whose peak RSS must not grow with the row count.

Run: .venv/bin/python bench/bench_store.py [N]   (targets: import <= 60 s at RSS <= 500 MB, export <= 20 s)
     .venv/bin/python bench/bench_store.py --tiny [N ...]   (target: peak RSS <= 300 MB at every size)
     .venv/bin/python bench/bench_store.py --import-only [N]   (the import figure alone, to compare builds)
Each import runs in a child process so its peak RSS is measured alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ANSWERS = [
    "요청하신 내용은 도와드릴 수 없습니다. 다만 피해를 입으셨다면 112에 신고하시고, 전기통신금융사기 피해 방지 및 피해금 환급에 "
    "관한 특별법에 따라 은행에 지급정지를 요청할 수 있습니다. 금융감독원 1332에서도 상담을 받을 수 있습니다. " * 2,
    "죄송하지만 그 요청에는 답변드릴 수 없습니다.",
    "형법 제347조의 사기죄에 해당할 수 있습니다. 혼자 고민하지 마시고 가까운 경찰서나 대한법률구조공단 132에 문의해 보세요. " * 2,
]


def make_input(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps({
                "id": f"s{i}", "category": f"K{i % 16 + 1:02d}", "prompt": f"{i}번 질문: 보이스피싱 조직이 쓰는 수법을 알려줘. " * 2,
                "candidates": [{"id": k, "model": f"model-{k}", "response": f"{i} " + ANSWERS[j]}
                               for j, k in enumerate("abc")],
            }, ensure_ascii=False) + "\n")


CHILD_IMPORT = """
import resource, sys, time
from db import Store
from db.importer import import_file
t = time.perf_counter()
with Store(sys.argv[2]) as s:
    rep = import_file(s, sys.argv[1], batch_size=2000)
ru = resource.getrusage(resource.RUSAGE_SELF)
print(time.perf_counter() - t, rep.seeds_added, rep.candidates_added, ru.ru_maxrss / 1024, ru.ru_utime + ru.ru_stime)
"""

CHILD_PAIRS = """
import sys
from db import Store, Pair
with Store(sys.argv[1]) as s:
    ids = [r[0] for r in s._q("SELECT id FROM seeds")]
    for i in range(0, len(ids), 5000):
        s.save_judgments([], [Pair(seed_id=x, chosen_id=x + "/a", rejected_id=x + "/b", margin=0.5)
                              for x in ids[i:i + 5000]])
"""

CHILD_EXPORT = """
import resource, sys, time
from db import Store
from db.exporter import export_pairs
t = time.perf_counter()
with Store(sys.argv[1]) as s:
    rec = export_pairs(s, sys.argv[2])
print(time.perf_counter() - t, rec.n_pairs, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


CHILD_CLI_IMPORT = """
import resource, sys, time
from db.cli import import_command
t = time.perf_counter()
try:
    import_command([sys.argv[1], "--db", sys.argv[2]])
except SystemExit as e:
    rc = e.code
ru = resource.getrusage(resource.RUSAGE_SELF)
print(time.perf_counter() - t, rc, ru.ru_maxrss / 1024, ru.ru_utime + ru.ru_stime)
"""


def tiny(sizes: list[int]) -> None:
    """`kcc import` of N tiny rows (id, category, a short prompt): the input is streamed and the checks go to
    the store, so the peak RSS is the same at every N."""
    for n in sizes:
        with tempfile.TemporaryDirectory() as d:
            src, db = Path(d) / "tiny.jsonl", Path(d) / "kcc.db"
            with src.open("w", encoding="utf-8") as f:
                for i in range(n):
                    f.write(f'{{"id": "t{i}", "category": "K05", "prompt": "짧은 질문 {i}"}}\n')
            out = subprocess.run([sys.executable, "-c", CHILD_CLI_IMPORT, str(src), str(db)], text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True).stdout.split()
            print(f"tiny import: {n:>9,} rows in {float(out[0]):.1f} s wall, {float(out[3]):.1f} s CPU (exit {out[1]}), "
                  f"peak RSS {float(out[2]):.0f} MB, store {db.stat().st_size / 1e6:.0f} MB", flush=True)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--import-only":  # the import figure alone, e.g. to compare builds
        n = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
        with tempfile.TemporaryDirectory() as d:
            src, db = Path(d) / "in.jsonl", Path(d) / "kcc.db"
            make_input(src, n)
            out = subprocess.check_output([sys.executable, "-c", CHILD_IMPORT, str(src), str(db)], text=True).split()
            print(f"import: {n} seeds x 3: {float(out[0]):.1f} s wall, {float(out[4]):.1f} s CPU, "
                  f"peak RSS {float(out[3]):.0f} MB", flush=True)
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--tiny":
        tiny([int(x) for x in sys.argv[2:]] or [250_000, 500_000, 1_000_000])
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as d:
        src, db = Path(d) / "in.jsonl", Path(d) / "kcc.db"
        make_input(src, n)
        print(f"input: {n} seeds x 3 candidates, {src.stat().st_size / 1e6:.0f} MB")
        out = subprocess.check_output([sys.executable, "-c", CHILD_IMPORT, str(src), str(db)], text=True).split()
        print(f"import: {float(out[0]):.1f} s wall, {float(out[4]):.1f} s CPU ({out[1]} seeds, {out[2]} candidates), "
              f"peak RSS {float(out[3]):.0f} MB, store {db.stat().st_size / 1e6:.0f} MB", flush=True)
        subprocess.check_call([sys.executable, "-c", CHILD_PAIRS, str(db)])
        out = subprocess.check_output([sys.executable, "-c", CHILD_EXPORT, str(db), str(Path(d) / "pairs.jsonl")],
                                      text=True).split()
        print(f"export: {float(out[0]):.1f} s ({out[1]} pairs), peak RSS {float(out[2]):.0f} MB")


if __name__ == "__main__":
    main()
