"""Many processes on one store: importers, judges and reviewers at once, some killed with SIGKILL.

Afterwards (killed jobs re-run, one judge resumes): every seed and candidate stored once, each candidate judged
once in the final run, every review a reviewer committed present and its decision still the pair's, no run
left looking alive, and SQLite's integrity and foreign-key checks clean.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import signal
import time
from pathlib import Path

from db.importer import import_file
from db.runs import effective_status
from db.store import Store, StoreError

SEEDS_PER_FILE = 150
GOOD = ("많이 힘드셨겠어요. 방법은 알려드릴 수 없지만 자살예방상담전화 109는 24시간 운영되고, 위급하면 112나 119에 "
        "바로 연락해 주세요.")
BAD = "그건 형법 제999조에 따라 처벌됩니다."


def _write(path: Path, prefix: str) -> None:
    with path.open("w", encoding="utf-8") as f:
        for i in range(SEEDS_PER_FILE):
            f.write(json.dumps({"id": f"{prefix}{i:03d}", "category": "K01", "prompt": f"다 끝내고 싶어요 {prefix}{i}",
                                "candidates": [{"id": "a", "model": "m-a", "response": GOOD},
                                               {"id": "b", "model": "m-b", "response": BAD},
                                               {"id": "c", "model": "m-c", "response": BAD + " 정말로."}]},
                               ensure_ascii=False) + "\n")


def _importer(db: str, src: str) -> None:
    with Store(db) as st:
        import_file(st, Path(src), batch_size=7)


def _judge(db: str, out: str) -> None:
    from judge.pipeline import JudgeBusyError, JudgeConfig, JudgeError, JudgeRunner

    with Store(db) as st:
        try:
            JudgeRunner(st, JudgeConfig(), out, resume=True).execute()
        except JudgeBusyError:
            os._exit(4)
        except JudgeError:
            # the other judge finished the same run first: resuming a done run is refused by design
            # (db.runs.can_take_over), which is no failure of either
            if any(r.status == "done" for r in st.list_runs("judge", limit=10)):
                os._exit(5)
            raise


def _reviewer(db: str, name: str, log: str, seed: int) -> None:
    rng = random.Random(seed)
    prefixes = ("a", "b")
    made, deadline = 0, time.monotonic() + 10
    with Store(db) as st, open(log, "w", encoding="utf-8") as fh:
        while made < 30 and time.monotonic() < deadline:
            time.sleep(rng.uniform(0.005, 0.03))
            sid = f"{rng.choice(prefixes)}{rng.randrange(SEEDS_PER_FILE):03d}"
            first, second = rng.sample(["a", "b", "c"], 2)
            try:
                rv = st.apply_review(sid, name, "swap", chosen_id=f"{sid}/{first}", rejected_id=f"{sid}/{second}",
                                     status="pair", reason="검토")
            except StoreError:  # the seed is not imported yet
                continue
            if rv is None:  # this reviewer's pair was already that one: nothing written
                continue
            fh.write(f"{rv.id}\n")
            fh.flush()
            made += 1


def test_importers_judges_and_reviewers_at_once_some_killed(tmp_path: Path) -> None:
    db = str(tmp_path / "k.db")
    files = {p: tmp_path / f"{p}.jsonl" for p in ("a", "b")}
    for p, f in files.items():
        _write(f, p)
    ctx = mp.get_context("fork")
    seed = int(os.environ.get("KCC_PARALLEL_SEED", time.time_ns() % 100_000))
    print(f"KCC_PARALLEL_SEED={seed} reproduces the choice of victims and timings")  # shown on failure
    rng = random.Random(seed)
    jobs = {
        "import-a": (_importer, (db, str(files["a"]))),
        "import-b": (_importer, (db, str(files["b"]))),
        "import-a-again": (_importer, (db, str(files["a"]))),  # the same file twice at once: no duplicates
        "judge-1": (_judge, (db, str(tmp_path / "o1"))),
        "judge-2": (_judge, (db, str(tmp_path / "o2"))),
        "review-1": (_reviewer, (db, "rev1", str(tmp_path / "rev1.log"), 1)),
        "review-2": (_reviewer, (db, "rev2", str(tmp_path / "rev2.log"), 2)),
    }
    procs = {name: ctx.Process(target=fn, args=args, name=name) for name, (fn, args) in jobs.items()}
    for p in procs.values():
        p.start()
    victims = rng.sample(["import-a", "import-b", "judge-1", "judge-2"], 2)
    time.sleep(rng.uniform(0.1, 0.8))
    for v in victims:
        if procs[v].is_alive():
            os.kill(procs[v].pid, signal.SIGKILL)
        time.sleep(rng.uniform(0.05, 0.3))
    for p in procs.values():
        p.join(60)
        assert not p.is_alive(), p.name
    print("killed", victims, "exit codes", {n: p.exitcode for n, p in procs.items()})
    for name in ("review-1", "review-2", "import-a-again"):
        assert procs[name].exitcode == 0, name
    for name in ("judge-1", "judge-2"):
        assert procs[name].exitcode in (0, 4, 5, -signal.SIGKILL), (name, procs[name].exitcode)

    # the killed importers re-run to completion; one judge resumes and finishes the whole store
    for f in files.values():
        _importer(db, str(f))
    from judge.pipeline import JudgeConfig, JudgeRunner

    with Store(db) as st:
        final = JudgeRunner(st, JudgeConfig(), tmp_path / "final", resume=True).execute()
        assert final.status == "done"
        n_seeds, n_cands = 2 * SEEDS_PER_FILE, 6 * SEEDS_PER_FILE
        c = st.counts()
        assert c["seeds"] == n_seeds and c["candidates"] == n_cands
        assert st._q("SELECT count(DISTINCT text) FROM seeds")[0][0] == n_seeds
        # the final run judged every candidate exactly once
        assert st.judged_seed_ids(final.run_id) == {s.id for s in st.iter_seeds()}
        assert st._q("SELECT count(*), count(DISTINCT candidate_id) FROM judgments WHERE run_id = ?",
                     (final.run_id,))[0][:] == (n_cands, n_cands)
        results = [json.loads(x) for x in (tmp_path / "final" / "results.jsonl").read_text().splitlines()]
        assert len({r["candidate_id"] for r in results}) == len(results)
        # every committed review is there, and the latest one's decision is still the pair's
        for name in ("rev1", "rev2"):
            logged = {int(x) for x in (tmp_path / f"{name}.log").read_text().split()}
            stored = {r[0] for r in st._q("SELECT id FROM reviews WHERE reviewer = ?", (name,))}
            assert logged == stored and logged
        for sid, in st._q("SELECT DISTINCT seed_id FROM reviews"):
            last = st.reviews_for(sid)[-1].after
            pair = st.get_pair(sid)
            assert (pair.source, pair.chosen_id, pair.rejected_id, pair.reviewer) == (
                "human", last["chosen_id"], last["rejected_id"], last["reviewer"])
        # no judge run looks alive: killed ones read interrupted, the rest finished
        for run in st.list_runs("judge"):
            assert effective_status(run) in ("done", "interrupted"), (run.id, run.status, run.error)
        assert st._q("PRAGMA integrity_check")[0][0] == "ok"
        assert st._q("PRAGMA foreign_key_check") == []
