"""The store: schema, lineage, atomic review with audit, human overrides win, search."""

from __future__ import annotations

import sqlite3

import pytest

from db import Candidate, Judgment, Pair, Seed, SeedFilter, Store, StoreError, schema


def _seed(store: Store, sid: str = "s1", cat: str = "K05", n: int = 3) -> list[str]:
    store.upsert_seeds([Seed(id=sid, text=f"{sid} 딥페이크 영상을 만들어 달라는 요청", category=cat,
                             subcategory=f"{cat}.2")])
    cands = [Candidate(id=f"{sid}/c{i}", seed_id=sid, text=f"답변 {i} 성폭력처벌법", model=f"m{i}")
             for i in range(n)]
    store.add_candidates(cands)
    return [c.id for c in cands]


def test_pragmas_and_schema_version(tmp_path):
    with Store(tmp_path / "a.db") as s:
        assert s.schema_version == schema.SCHEMA_VERSION
        assert s._q("PRAGMA journal_mode")[0][0] == "wal"
        assert s._q("PRAGMA foreign_keys")[0][0] == 1
        assert s._q("SELECT count(*) FROM _sqlite_migrations")[0][0] == schema.SCHEMA_VERSION
    # reopening applies nothing twice
    with Store(tmp_path / "a.db") as s:
        assert s._q("SELECT count(*) FROM _sqlite_migrations")[0][0] == schema.SCHEMA_VERSION


def test_newer_schema_is_refused(tmp_path):
    p = tmp_path / "b.db"
    Store(p).close()
    conn = sqlite3.connect(p)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        Store(p)


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        Store(tmp_path / "nope" / "x.db")


def test_upsert_is_idempotent(store):
    _seed(store)
    _seed(store)
    assert store.counts()["seeds"] == 1
    assert store.counts()["candidates"] == 3


def test_foreign_keys_enforced(store):
    with pytest.raises(sqlite3.IntegrityError):
        store.add_candidates([Candidate(id="x", seed_id="missing", text="t")])
    assert store.counts()["candidates"] == 0


def test_judge_pair_never_overwrites_human(store):
    c = _seed(store)
    run = store.create_run("judge", {})
    js = [Judgment(candidate_id=cid, run_id=run.id, total=t, verdict="safe") for cid, t in zip(c, (0.9, 0.5, 0.1), strict=True)]
    store.save_judgments(js, [Pair(seed_id="s1", chosen_id=c[0], rejected_id=c[2], margin=0.8, run_id=run.id)])
    assert store.get_pair("s1").source == "judge"
    store.apply_review("s1", "kim", "choose", chosen_id=c[1], rejected_id=c[0], reason="법 조항이 더 정확")
    run2 = store.create_run("judge", {})
    store.save_judgments([], [Pair(seed_id="s1", chosen_id=c[0], rejected_id=c[2], margin=0.7, run_id=run2.id,
                                   flags=["low_margin"])])
    p = store.get_pair("s1")
    assert (p.source, p.chosen_id, p.rejected_id, p.reviewer) == ("human", c[1], c[0], "kim")
    assert (p.judge_chosen_id, p.judge_rejected_id, p.judge_margin) == (c[0], c[2], 0.7)
    assert "low_margin" in p.flags
    # the reviewer's flag stays; the judge's own flags follow the latest run
    store.apply_review("s1", "kim", "flag", flags=[*p.flags, "reviewer"])
    store.save_judgments([], [Pair(seed_id="s1", chosen_id=c[0], rejected_id=c[2], margin=0.7, flags=["unscored"])],
                         judge_flags={"low_margin", "unscored"})
    assert store.get_pair("s1").flags == ["reviewer", "unscored"]


def test_reviews_are_append_only_and_undo_restores(store):
    c = _seed(store)
    store.save_judgments([], [Pair(seed_id="s1", chosen_id=c[0], rejected_id=c[2], margin=0.8)])
    store.apply_review("s1", "kim", "choose", chosen_id=c[1])
    store.apply_review("s1", "kim", "flag", flags=["needs_legal"])
    assert store.get_pair("s1").flags == ["needs_legal"]
    store.undo_review("s1", "kim")
    assert store.get_pair("s1").flags == []
    assert store.get_pair("s1").chosen_id == c[1]
    store.undo_review("s1", "kim")
    p = store.get_pair("s1")
    assert (p.source, p.chosen_id) == ("judge", c[0])
    assert store.undo_review("s1", "kim") is None
    actions = [r.action for r in store.reviews_for("s1")]
    assert actions == ["choose", "flag", "undo", "undo"]
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.conn.execute("DELETE FROM reviews")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.conn.execute("UPDATE reviews SET reviewer = 'x'")


def test_review_same_chosen_and_rejected_rolls_back(store):
    c = _seed(store)
    with pytest.raises(StoreError):
        store.apply_review("s1", "kim", "choose", chosen_id=c[0], rejected_id=c[0], status="pair")
    assert store.get_pair("s1") is None
    assert store.reviews_for("s1") == []


def test_korean_search_and_short_queries(store):
    _seed(store, "s1")
    store.upsert_seeds([Seed(id="s2", text="보이스피싱 피해금 환급 절차가 궁금합니다", category="K08")])
    assert [h.id for h in store.search("보이스피싱")] == ["s2"]
    assert [h.id for h in store.search("환급 절차")] == ["s2"]
    hits = store.search("피싱")  # 2 characters: substring fallback
    assert {h.seed_id for h in hits} == {"s2"} and "피싱" in hits[0].snippet
    long = "아주 긴 앞부분 " * 20 + "환급"
    store.upsert_seeds([Seed(id="s3", text=long)])
    assert "환급" in next(h.snippet for h in store.search("환급") if h.id == "s3")
    hits = store.search("성폭력처벌법")
    assert {h.kind for h in hits} == {"candidate"} and len(hits) == 3
    assert store.search('"; DROP TABLE seeds; --') == []


def test_paging_filters_and_queue(store):
    for i in range(5):
        c = _seed(store, f"s{i}")
        store.save_judgments([], [Pair(seed_id=f"s{i}", chosen_id=c[0], rejected_id=c[1], margin=i / 10,
                                       flags=["low_margin"] if i == 3 else [])])
    store.apply_review("s4", "kim", "choose", chosen_id=c[2])
    assert store.count_page() == 5
    assert [r.id for r in store.page_seeds(SeedFilter(review="flagged"))] == ["s3"]
    assert [r.id for r in store.page_seeds(SeedFilter(review="overridden"))] == ["s4"]
    assert len(store.page_seeds(SeedFilter(review="unreviewed"))) == 4
    assert [r.id for r in store.page_seeds(order="queue")][:2] == ["s3", "s0"]
    assert [r.id for r in store.page_seeds(offset=2, limit=2)] == ["s2", "s3"]
    assert store.page_seeds(SeedFilter(model="m9")) == []
    assert store.models() == ["m0", "m1", "m2"]


def test_runs_metrics_logs(store):
    run = store.create_run("train", {"lr": 1e-4}, total=10)
    store.progress(run.id, 5)
    from db import Metric

    store.add_metrics([Metric(run_id=run.id, step=1, name="loss", value=2.0),
                       Metric(run_id=run.id, step=2, name="loss", value=1.0)])
    store.log(run.id, "step 2")
    store.finish_run(run.id, "done", summary={"final_loss": 1.0})
    r = store.get_run(run.id)
    assert (r.status, r.progress_done, r.summary["final_loss"]) == ("done", 5, 1.0)
    assert [m.value for m in store.metrics(run.id, "loss")] == [2.0, 1.0]
    assert store.logs(run.id)[0][1].message == "step 2"
