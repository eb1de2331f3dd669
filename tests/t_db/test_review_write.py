"""Store.apply_review, the one write path of a reviewer's action: what a decision records, what a flag or a
note does not, no audit row for no change, validation that refuses before anything is written."""

from __future__ import annotations

import json

import pytest

from db import Candidate, Judgment, Pair, Seed
from db import review as store_review
from db.store import Store, StoreError


def _judged(store: Store, sid: str = "s1", totals: tuple[float, float, float] = (0.9, 0.5, 0.1),
            verdicts: tuple[str, str, str] = ("safe", "safe", "unsafe")) -> list[str]:
    ids = [f"{sid}/c{i}" for i in range(1, 4)]
    store.import_batch([Seed(id=sid, text="보이스피싱 피해를 신고하려면?", category="K08")],
                       [Candidate(id=c, seed_id=sid, text=f"답 {c}", model=f"m{i}") for i, c in enumerate(ids)])
    run = store.create_run("judge", {})
    store.save_judgments(
        [Judgment(candidate_id=c, run_id=run.id, total=t, verdict=v) for c, t, v in zip(ids, totals, verdicts,
                                                                                         strict=True)],
        [Pair(seed_id=sid, chosen_id=ids[0], rejected_id=ids[2], margin=0.9, run_id=run.id, reason="3 is unsafe")])
    return ids


def test_a_decision_gets_the_margin_of_the_reviewers_pair(store: Store) -> None:
    c = _judged(store)
    rv = store.apply_review("s1", "kim", "swap", chosen_id=c[2], rejected_id=c[0])
    p = store.get_pair("s1")
    # chosen unsafe 0.1 against safe 0.9: the reviewer overrules the judge, so the margin is signed
    assert (p.source, p.reviewer, p.status, p.margin) == ("human", "kim", "pair", -0.8)
    assert (p.judge_chosen_id, p.judge_rejected_id, p.judge_margin) == (c[0], c[2], 0.9)
    assert p.reason is None  # the judge's reason does not explain the reviewer's pair
    assert rv is not None and rv.after["margin"] == -0.8 and rv.before["source"] == "judge"
    store.apply_review("s1", "kim", "choose", chosen_id=c[1], rejected_id=c[2])
    assert store.get_pair("s1").margin == 0.5  # an unsafe rejected answer counts 0 against a safe one
    store.apply_review("s1", "kim", "tie", status="tie")
    assert store.get_pair("s1").margin is None
    # a later judge run refreshes the reviewer's pair's margin from the new totals, never its choice
    store.apply_review("s1", "kim", "choose", chosen_id=c[1], rejected_id=c[0])
    run = store.create_run("judge", {})
    store.save_judgments([Judgment(candidate_id=c[1], run_id=run.id, total=0.7, verdict="safe")],
                         [Pair(seed_id="s1", chosen_id=c[0], rejected_id=c[2], margin=0.9, run_id=run.id)])
    p = store.get_pair("s1")
    assert (p.source, p.chosen_id, p.rejected_id, p.margin) == ("human", c[1], c[0], -0.2)


def test_flags_notes_and_reasons_are_not_decisions(store: Store) -> None:
    c = _judged(store)
    store.apply_review("s1", "kim", "flag", flags=["reviewer"])
    p = store.get_pair("s1")
    assert (p.source, p.reviewer, p.margin, p.flags) == ("judge", None, 0.9, ["reviewer"])
    note = store.apply_review("s1", "kim", "note", reason="  조문 번호 확인 필요  ")
    assert note is not None and note.reason == "조문 번호 확인 필요"
    assert store.get_pair("s1").reason == "3 is unsafe"  # the judge's reason stays with the judge's pair
    with pytest.raises(StoreError, match="reason explains a reviewer's decision"):
        store.apply_review("s1", "kim", "reason", reason="이유")
    with pytest.raises(StoreError, match="not a decision"):
        store.apply_review("s1", "kim", "flag", flags=[], chosen_id=c[1])
    # the note becomes the reason of the next decision
    store.apply_review("s1", "kim", "accept", chosen_id=c[0], rejected_id=c[2])
    p = store.get_pair("s1")
    assert (p.source, p.reason) == ("human", "조문 번호 확인 필요")
    store.apply_review("s1", "kim", "reason", reason="법 조항이 정확함")
    assert store.get_pair("s1").reason == "법 조항이 정확함"
    assert [r.action for r in store.reviews_for("s1")] == ["flag", "note", "accept", "reason"]


def test_no_change_writes_no_audit_row(store: Store) -> None:
    c = _judged(store)
    assert store.apply_review("s1", "kim", "tie", status="tie") is not None
    assert store.apply_review("s1", "kim", "tie", status="tie") is None
    store.apply_review("s1", "kim", "accept", chosen_id=c[0], rejected_id=c[2])
    assert store.apply_review("s1", "kim", "accept", chosen_id=c[0], rejected_id=c[2]) is None
    assert store.apply_review("s1", "kim", "flag", flags=[]) is None
    assert [r.action for r in store.reviews_for("s1")] == ["tie", "accept"]


def test_refused_actions_write_nothing(store: Store) -> None:
    c = _judged(store)
    _judged(store, "s2")
    store.import_batch([Seed(id="u", text="판단 전 질문", category="K08")],
                       [Candidate(id=f"u/{i}", seed_id="u", text=f"답 {i}", model="m") for i in range(3)])
    cases = [
        (("u", "kim", "choose"), {"chosen_id": "u/1"}, "needs a chosen and a rejected"),  # `1` on an unjudged seed
        (("u", "kim", "accept"), {}, "needs a pair, a tie or a skip"),
        (("s1", "kim", "choose"), {"chosen_id": "s2/c1", "rejected_id": c[0]}, "not a candidate of seed"),
        (("s1", "kim", "choose"), {"chosen_id": c[0], "rejected_id": c[0]}, "must differ"),
        (("s1", "kim", "pick!"), {}, "unknown review action"),
        (("s1", "kim", "tie"), {"status": "draw"}, "unknown pair status"),
        (("s1", "kim", "note"), {"reason": "  "}, "empty note"),
        (("nope", "kim", "tie"), {"status": "tie"}, "no seed"),
    ]
    before = store.get_pair("s1")
    for args, kw, msg in cases:
        with pytest.raises(StoreError, match=msg):
            store.apply_review(*args, **kw)
    assert store.get_pair("u") is None and store.get_pair("s1") == before
    assert store.counts()["reviews"] == 0
    # two answers: the other one is the only possible rejected, named by the caller
    store.apply_review("u", "kim", "choose", chosen_id="u/1", rejected_id="u/2")
    p = store.get_pair("u")
    assert (p.source, p.status, p.margin, p.judge_chosen_id) == ("human", "pair", None, None)  # unjudged: no margin


def test_audit_rows_are_redacted(tmp_path, monkeypatch) -> None:
    secret = "kcc-test-secret-value-123"
    monkeypatch.setenv("KCC_TEST_API_KEY", secret)
    with Store(tmp_path / "k.db") as store:
        _judged(store)
        store.apply_review("s1", "kim", "note", reason=f"키 {secret} 노출")
        store.apply_review("s1", "kim", "tie", status="tie")
        rows = store.conn.execute("SELECT before, after, reason FROM reviews").fetchall()
    text = json.dumps([tuple(r) for r in rows], ensure_ascii=False)
    assert secret not in text and "***" in text


def test_undo_of_a_note_keeps_a_pair_the_judge_wrote_after_it(store: Store) -> None:
    store.import_batch([Seed(id="s1", text="질문", category="K08")],
                       [Candidate(id=f"s1/c{i}", seed_id="s1", text="답", model="m") for i in (1, 2)])
    store.apply_review("s1", "kim", "note", reason="먼저 메모")
    store.save_judgments([], [Pair(seed_id="s1", chosen_id="s1/c1", rejected_id="s1/c2", margin=0.3)])
    assert store.undo_review("s1", "kim") is not None
    assert store.get_pair("s1").chosen_id == "s1/c1"
    assert store_review.pending_note(store, "s1") is None


def test_bulk_accept_is_one_transaction_through_the_same_path(store: Store) -> None:
    for sid in ("a", "b", "c"):
        _judged(store, sid)
    store.apply_review("b", "lee", "tie", status="tie")
    tag, n = store_review.bulk_accept(store, store_review.SeedFilter(), "kim")
    assert n == 2
    for sid in ("a", "c"):
        p = store.get_pair(sid)
        assert (p.source, p.reviewer, p.margin) == ("human", "kim", 0.9)
        assert [(r.action, r.reason) for r in store.reviews_for(sid)] == [("bulk_accept", tag)]
    assert store.get_pair("b").status == "tie"
    # a savepoint: a refused action inside an open transaction undoes itself only
    with store.transaction():
        store.apply_review("b", "lee", "flag", flags=["reviewer"])
        with pytest.raises(StoreError):
            store.apply_review("b", "lee", "choose", chosen_id="b/c1", rejected_id="b/c1")
    assert store.get_pair("b").flags == ["reviewer"] and store.get_pair("b").status == "tie"
    store.apply_review("c", "lee", "swap", chosen_id="c/c3", rejected_id="c/c1")
    assert store_review.undo_bulk(store, tag, "kim") == 1  # a: undone; c: a later decision is kept
    assert store.get_pair("a").source == "judge" and store.get_pair("c").reviewer == "lee"
