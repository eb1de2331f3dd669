"""Migration m004: reviewer pairs written by older versions kept the judge's margin; opening such a store gives
them the reviewer's margin (the rule of Store.apply_review, db.decisions) and leaves the reviews log as it was."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from db import Candidate, Judgment, Pair, Seed, Store, schema


def _old_store(path: Path) -> None:
    """A store as an older version left it: schema 3, reviewer pairs carrying the judge's margin."""
    with Store(path) as st:
        run = st.create_run("judge", {})
        totals = {"swap": ((0.544, "safe"), (0.039, "unsafe")), "tie": ((0.6, "safe"), (0.3, "safe")),
                  "judge": ((0.9, "safe"), (0.2, "safe")), "accept": ((0.8, "safe"), (0.5, "safe")),
                  "unjudged": None}
        for sid, tt in totals.items():
            st.import_batch([Seed(id=sid, text=f"질문 {sid}", category="K05")],
                            [Candidate(id=f"{sid}/{x}", seed_id=sid, text=f"답 {sid} {x}", model=x) for x in "ab"])
            if tt is None:
                continue
            st.save_judgments([Judgment(candidate_id=f"{sid}/{x}", run_id=run.id, total=t, verdict=v)
                               for x, (t, v) in zip("ab", tt, strict=True)],
                              [Pair(seed_id=sid, chosen_id=f"{sid}/a", rejected_id=f"{sid}/b", run_id=run.id,
                                    margin=round(tt[0][0] - (0 if tt[1][1] == "unsafe" else tt[1][0]), 4))])
        st.apply_review("swap", "kim", "swap", chosen_id="swap/b", rejected_id="swap/a")
        st.apply_review("tie", "kim", "tie", status="tie")
        st.apply_review("accept", "kim", "accept", chosen_id="accept/a", rejected_id="accept/b")
        st.apply_review("unjudged", "lee", "choose", chosen_id="unjudged/a", rejected_id="unjudged/b")
    conn = sqlite3.connect(path, isolation_level=None)
    # the rows as the older version wrote them: the judge's margin kept on the reviewer's pair
    conn.execute("UPDATE pairs SET margin = 0.544 WHERE seed_id = 'swap'")
    conn.execute("UPDATE pairs SET margin = 0.3 WHERE seed_id = 'tie'")
    conn.execute("UPDATE pairs SET margin = 0.2 WHERE seed_id = 'unjudged'")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm004_reviewer_margins'")
    conn.execute("PRAGMA user_version = 3")
    conn.close()


def _snapshot(path: Path) -> tuple[dict[str, tuple], list[tuple]]:
    conn = sqlite3.connect(path)
    try:
        pairs = {r[0]: r[1:] for r in conn.execute("SELECT seed_id, margin, source, updated_at FROM pairs")}
        reviews = conn.execute("SELECT * FROM reviews ORDER BY id").fetchall()
    finally:
        conn.close()
    return pairs, reviews


def test_opening_an_old_store_gives_reviewer_pairs_the_reviewers_margin(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    _old_store(db)
    before_pairs, before_reviews = _snapshot(db)
    assert before_pairs["swap"][0] == 0.544 and before_pairs["tie"][0] == 0.3
    with Store(db) as st:
        assert st.schema_version == schema.SCHEMA_VERSION
        assert st.human_margin("swap/b", "swap/a") == -0.505  # what apply_review gives the swap today
    after_pairs, after_reviews = _snapshot(db)
    assert {sid: p[0] for sid, p in after_pairs.items()} == {
        "swap": -0.505, "tie": None, "judge": 0.7, "accept": 0.3, "unjudged": None}
    assert after_reviews == before_reviews and len(after_reviews) == 4  # no audit row, nothing rewritten
    assert {sid: p[1:] for sid, p in after_pairs.items()} == {sid: p[1:] for sid, p in before_pairs.items()}
    # applied once: reopening changes nothing
    with Store(db):
        pass
    assert _snapshot(db) == (after_pairs, after_reviews)
