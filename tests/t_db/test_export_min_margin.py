"""`kcc export --min-margin` on a real store: it compares each pair's stored margin, which for a reviewer's
pair is the margin of the reviewer's own pair; reviewer pairs are kept unless --no-keep-reviewed, and the
summary says how many reviewer pairs below the margin were kept or left out."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from db import Candidate, Judgment, Pair, Seed
from db.cli import export_command
from db.store import Store
from kcc_core.exit_codes import ExitCode


def _store(path: Path) -> None:
    """Judge pairs with margins 0.1 / 0.5 / 0.8 on j1-j3; reviewers: h1 overrules the judge (margin -0.7),
    h2 accepts a low-margin judge pair (0.1), h3 picks between two answers (0.4), h4 decides on answers
    nobody judged (no margin)."""
    totals = {"j1": (0.6, 0.5), "j2": (0.9, 0.4), "j3": (0.9, 0.1), "h1": (0.8, 0.1), "h2": (0.6, 0.5),
              "h3": (0.9, 0.5), "h4": None}
    with Store(path) as st:
        run = st.create_run("judge", {})
        for sid, tt in totals.items():
            st.import_batch([Seed(id=sid, text=f"질문 {sid}", category="K05")],
                            [Candidate(id=f"{sid}/{x}", seed_id=sid, text=f"답 {sid} {x}", model=x) for x in "ab"])
            if tt is None:
                continue
            st.save_judgments([Judgment(candidate_id=f"{sid}/{x}", run_id=run.id, total=t, verdict="safe")
                               for x, t in zip("ab", tt, strict=True)],
                              [Pair(seed_id=sid, chosen_id=f"{sid}/a", rejected_id=f"{sid}/b",
                                    margin=round(tt[0] - tt[1], 4), run_id=run.id)])
        st.apply_review("h1", "kim", "swap", chosen_id="h1/b", rejected_id="h1/a")
        st.apply_review("h2", "kim", "accept", chosen_id="h2/a", rejected_id="h2/b")
        st.apply_review("h3", "lee", "choose", chosen_id="h3/a", rejected_id="h3/b")
        st.apply_review("h4", "lee", "choose", chosen_id="h4/a", rejected_id="h4/b")


def _export(db: Path, out: Path, *args: str) -> tuple[int, str, dict[str, dict]]:
    res = CliRunner().invoke(export_command, [str(out), "--db", str(db), *args])
    rows = {} if not out.exists() else {
        r["seed_id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    return res.exit_code, res.output, rows


def test_min_margin_keeps_reviewer_pairs_by_default_and_says_so(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    _store(db)
    rc, out, rows = _export(db, tmp_path / "all.jsonl")
    assert rc == 0, out
    assert {k: (r["source"], r["margin"]) for k, r in rows.items()} == {
        "j1": ("judge", 0.1), "j2": ("judge", 0.5), "j3": ("judge", 0.8), "h1": ("human", -0.7),
        "h2": ("human", 0.1), "h3": ("human", 0.4), "h4": ("human", None)}
    rc, out, rows = _export(db, tmp_path / "kept.jsonl", "--min-margin", "0.3")
    assert rc == 0, out
    assert sorted(rows) == ["h1", "h2", "h3", "h4", "j2", "j3"]
    assert "3 reviewer pairs below --min-margin 0.3 kept" in out
    with Store(db) as st:
        [rec] = [st.get_export(r["id"]) for r in st.conn.execute(
            "SELECT id FROM exports WHERE path = ?", (str((tmp_path / "kept.jsonl").resolve()),))]
    assert rec.filters["keep_reviewed"] is True and rec.filters["reviewed_below_margin_kept"] == 3


def test_no_keep_reviewed_applies_the_reviewers_margin_and_counts_the_dropped(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    _store(db)
    rc, out, rows = _export(db, tmp_path / "strict.jsonl", "--min-margin", "0.3", "--no-keep-reviewed",
                            "--run-id", "export-strict")
    assert rc == 0, out
    # h1's stale judge margin (0.7) would pass; the reviewer's pair has -0.7 and is left out, said so
    assert sorted(rows) == ["h3", "j2", "j3"] and rows["h3"]["margin"] == 0.4
    assert "3 reviewer pairs below --min-margin 0.3 left out" in out
    with Store(db) as st:
        assert st.get_run("export-strict").summary["reviewed_below_margin_dropped"] == 3
    rc, out, rows = _export(db, tmp_path / "none.jsonl", "--min-margin", "0.95", "--no-keep-reviewed",
                            "--reviewed-only")
    assert rc == ExitCode.EMPTY and rows == {}
    assert "4 reviewer pairs below the minimum margin left out" in out
    assert not (tmp_path / "none.jsonl").exists()
