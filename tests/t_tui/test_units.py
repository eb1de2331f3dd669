"""Pure parts of the TUI: literal text, highlight marks, kappa and bars, review plans, navigation, CLI."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from db.models import Pair
from db.store import SeedFilter, Store
from kcc_testkit.synthetic import ANSWERS, checks_for
from kcc_tui import review
from kcc_tui.cli import main
from kcc_tui.highlight import STYLES, highlighted, marks_from_checks
from kcc_tui.literal import literal, one_line, visible
from kcc_tui.nav import SeedNavigator, load_seed_view
from kcc_tui.stats import agreement, bar, category_rates, cohen_kappa, sparkline


# -- literal ------------------------------------------------------------------------------------------------
def test_visible_replaces_controls_one_for_one() -> None:
    raw = "a\x1b[31mb\x07c\rd\x9be\u202ef\n\tg"
    out = visible(raw)
    assert len(out) == len(raw)
    assert out == "a␛[31mb␇c␍d\ufffde\ufffdf\n\tg"


def test_literal_keeps_markup_as_text() -> None:
    for raw in ("[bold red]x[/]", "[link=http://x]y[/link]", "\x1b[31mred\x1b[0m"):
        t = literal(raw)
        assert t.spans == []
        assert "\x1b" not in t.plain
        assert t.plain == visible(raw)


def test_one_line_cuts_and_flattens() -> None:
    assert one_line("가나\n다라", 4) == "가나 …"
    assert one_line(None) == ""


# -- highlight ------------------------------------------------------------------------------------------------
def test_marks_classify_and_span_the_text() -> None:
    model, text = ANSWERS[1]
    marks = marks_from_checks(checks_for(model, text).model_dump(), len(text))
    cats = {(m.kind, m.verdict): m.category for m in marks}
    assert cats[("citation", "valid")] == "valid"
    assert cats[("citation", "unknown_law")] == "fabricated"
    assert cats[("institution", "outdated")] == "outdated"
    for m in marks:
        assert text[m.start:m.end] in text
    t = highlighted(text, marks, selected=1)
    styles = [str(s.style) for s in t.spans]
    assert STYLES["fabricated"] in " ".join(styles)
    assert any("reverse" in s for s in styles)


def test_marks_skip_malformed_and_out_of_range() -> None:
    checks = {"citations": [{"law": "형법", "verdict": "valid", "start": 5, "end": 99, "text": "x"},
                            {"nonsense": True},
                            {"law": "형법", "verdict": "not_yet_in_force", "start": 0, "end": 2, "text": "형법"}],
              "institutions": [{"name": "x", "verdict": "wrong_number", "start": 3, "end": 4}]}
    marks = marks_from_checks(checks, 10)
    assert [(m.category, m.start) for m in marks] == [("outdated", 0), ("other", 3)]
    assert marks_from_checks(None, 10) == []


# -- stats --------------------------------------------------------------------------------------------------
def test_cohen_kappa_textbook_value() -> None:
    # 50 items: both yes 20, a-yes/b-no 5, a-no/b-yes 10, both no 15 -> p_o .7, p_e .5, kappa .4
    pairs = [("y", "y")] * 20 + [("y", "n")] * 5 + [("n", "y")] * 10 + [("n", "n")] * 15
    assert cohen_kappa(pairs) == pytest.approx(0.4)


def test_cohen_kappa_edges() -> None:
    assert cohen_kappa([]) is None
    assert cohen_kappa([("a", "a")] * 5) is None  # no variation: undefined
    assert cohen_kappa([("a", "a"), ("b", "b")]) == pytest.approx(1.0)
    assert cohen_kappa([("a", "b"), ("b", "a")]) == pytest.approx(-1.0)


def test_agreement_labels_by_model() -> None:
    rows = [("c1", "c2", "c1", "c2"), ("d1", "d2", "d3", "d2"), ("e1", "e2", None, None)]
    models = {"c1": "A", "d1": "A", "d3": "C", "e1": "A"}
    a = agreement(rows, lambda cid: models.get(cid, "none") if cid else "none")
    assert (a.n, a.agree_chosen, a.agree_pair) == (3, 1, 1)
    assert a.observed == pytest.approx(1 / 3)
    assert a.kappa == pytest.approx(0.0)


def test_category_rates_and_bars() -> None:
    rates = category_rates([{"category": "K05", "subcategory": "K05.1", "seeds": 2, "safe": 3, "scored": 4},
                            {"category": "K05", "subcategory": "K05.2", "seeds": 1, "safe": 1, "scored": 2},
                            {"category": "B01", "subcategory": None, "seeds": 1, "safe": None, "scored": None}])
    assert [(r.category, r.seeds, r.rate) for r in rates] == [("B01", 1, None), ("K05", 3, pytest.approx(4 / 6))]
    assert bar(1.0, 4) == "████" and bar(0.0, 4) == "    " and len(bar(0.33, 7)) == 7
    assert bar(None, 3) == "   "
    assert sparkline([1, 2, 3]) == "▁▄█" and sparkline([]) == ""


# -- review plans --------------------------------------------------------------------------------------------
IDS = ["c1", "c2", "c3"]
JUDGE = Pair(seed_id="s", chosen_id="c1", rejected_id="c2", judge_chosen_id="c1", judge_rejected_id="c2")


def test_plan_choose_keeps_or_swaps_rejected() -> None:
    assert review.plan_choose(JUDGE, IDS, 2).model_dump(exclude_none=True) == {
        "action": "choose", "chosen_id": "c3", "rejected_id": "c2", "status": "pair"}
    # choosing the rejected answer makes the old chosen the rejected one
    p = review.plan_choose(JUDGE, IDS, 1)
    assert (p.chosen_id, p.rejected_id) == ("c2", "c1")
    # no pair yet and two other answers: the reviewer is asked which one is rejected (nothing guessed)
    with pytest.raises(review.NeedPick) as asked:
        review.plan_choose(None, IDS, 0, {"c1": 0.9, "c2": 0.5, "c3": 0.1})
    assert (asked.value.role, asked.value.picked, asked.value.options) == ("rejected", "c1", ["c2", "c3"])
    # with one other answer the pair is fully determined
    p = review.plan_choose(None, IDS[:2], 0)
    assert (p.chosen_id, p.rejected_id) == ("c1", "c2")
    with pytest.raises(review.ReviewError):
        review.plan_choose(None, IDS, 5)


def test_plan_reject_mirrors_choose() -> None:
    p = review.plan_reject(JUDGE, IDS, 0)
    assert (p.chosen_id, p.rejected_id) == ("c2", "c1")
    with pytest.raises(review.NeedPick) as asked:
        review.plan_reject(None, IDS, 2, {"c1": 0.2, "c2": 0.8})
    assert asked.value.role == "chosen" and asked.value.options == ["c1", "c2"]
    with pytest.raises(review.ReviewError):
        review.plan_reject(None, ["only"], 0)


def test_plan_swap_tie_skip_flag_reason_accept() -> None:
    p = review.plan_swap(JUDGE)
    assert (p.chosen_id, p.rejected_id) == ("c2", "c1")
    with pytest.raises(review.ReviewError):
        review.plan_swap(None)
    assert review.plan_tie().status == "tie" and review.plan_skip().status == "skip"
    on = review.plan_flag(JUDGE.model_copy(update={"flags": ["low_margin"]}))
    assert on.action == "flag" and on.flags == ["low_margin", review.REVIEWER_FLAG]
    off = review.plan_flag(JUDGE.model_copy(update={"flags": on.flags}))
    assert off.action == "unflag" and off.flags == ["low_margin"]
    assert review.plan_reason("  이유  ").reason == "이유"
    # before a decision a reason is a note; on the reviewer's pair it is the decision's reason
    assert review.plan_reason("이유", JUDGE).action == "note"
    assert review.plan_reason("이유", JUDGE.model_copy(update={"source": "human"})).action == "reason"
    with pytest.raises(review.ReviewError):
        review.plan_reason("   ")
    acc = review.plan_accept(JUDGE.model_copy(update={"chosen_id": "c3"}))
    assert (acc.chosen_id, acc.rejected_id) == ("c1", "c2")


# -- navigation ---------------------------------------------------------------------------------------------
def test_navigator_pages_lazily(store_path: Path) -> None:
    with Store(store_path) as store:
        nav = SeedNavigator(store, page=10)
        assert nav.load_more() and len(nav.rows) == 10 and not nav.exhausted
        assert nav.ensure(25) and len(nav.rows) == 30
        assert not nav.ensure(31) and nav.exhausted and len(nav.rows) == 31
        assert nav.total == 31
        assert nav.index_of("s000003") == 3


def test_navigator_queue_survives_reviews(store_path: Path) -> None:
    """Reviewing moves seeds to the back of the queue; paging on still lists every seed exactly once."""
    with Store(store_path) as store:
        nav = SeedNavigator(store, SeedFilter(), order="queue", page=7)
        nav.load_more()
        first = [r.id for r in nav.rows]
        assert all(r.flags for r in nav.rows[:6])  # flagged (low margin) first
        for sid in first[:5]:
            store.apply_review(sid, "t", "tie", status="tie")
        nav.ensure(40)
        ids = [r.id for r in nav.rows]
        assert len(ids) == len(set(ids)) == 31


def test_load_seed_view(store_path: Path) -> None:
    with Store(store_path) as store:
        v = load_seed_view(store, "s000001")
        assert v is not None and v.candidate_ids == ["s000001-c1", "s000001-c2", "s000001-c3"]
        assert v.slot("s000001-c2") == 2 and v.slot("nope") is None and v.slot(None) is None
        assert v.pair is not None and v.pair.source == "judge"
        assert load_seed_view(store, "missing") is None


# -- CLI --------------------------------------------------------------------------------------------------------
def test_cli_help_lists_groups_and_jobs() -> None:
    res = CliRunner().invoke(main, ["--help"])
    assert res.exit_code == 0, res.output
    assert "jobs" in res.output and "import" in res.output and "export" in res.output
    assert "open" not in res.output.split("Commands:")[1].split()


def test_cli_unknown_word_opens_a_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    opened: list[tuple] = []
    monkeypatch.setattr("kcc_tui.cli.run_tui", lambda db, reviewer=None, theme=None: opened.append(
        (db, reviewer, theme)))
    res = CliRunner().invoke(main, ["--reviewer", "kim", str(tmp_path / "x.db")])
    assert res.exit_code == 0, res.output
    assert opened == [(str(tmp_path / "x.db"), "kim", None)]
    res = CliRunner().invoke(main, [])
    assert res.exit_code == 0 and opened[-1] == (None, None, None)


def test_cli_jobs_lists_runs(store_path: Path) -> None:
    res = CliRunner().invoke(main, ["jobs", "--db", str(store_path)])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("run-synth\tjudge\tdone")
    res = CliRunner().invoke(main, ["jobs", "--db", str(store_path), "--json"])
    assert '"id": "run-synth"' in res.output
    res = CliRunner().invoke(main, ["jobs", "--db", str(store_path.with_name("none.db"))])
    assert res.exit_code == 2


def test_kcc_script_exists() -> None:
    assert (Path(sys.executable).parent / "kcc").exists()


# -- training form ------------------------------------------------------------------------------------------
def test_train_form_toml_is_absolute_and_validated(tmp_path: Path) -> None:
    import tomllib

    from kcc_tui.trainform import FormError, TrainForm, to_toml

    text = to_toml(TrainForm(model="models/tiny", reviewed_only=True, min_margin="0.1", categories="K01, K05",
                             source="human", lora=True, beta="0.2"), base=tmp_path, default_output=tmp_path / "o")
    cfg = tomllib.loads(text)["train"]
    assert cfg["model"] == str(tmp_path / "models" / "tiny") and cfg["output_dir"] == str(tmp_path / "o")
    assert cfg["beta"] == 0.2 and cfg["data"] == {"reviewed_only": True, "min_margin": 0.1,
                                                  "categories": ["K01", "K05"], "source": "human"}
    assert cfg["lora"] == {"enabled": True}
    for bad, field in (({"model": ""}, "model"), ({"beta": "x"}, "beta"), ({"epochs": "0"}, "epochs"),
                       ({"max_length": "1.5"}, "max length")):
        with pytest.raises(FormError, match=field):
            to_toml(TrainForm(**{"model": "m", **bad}), base=tmp_path, default_output=tmp_path)


def test_fast_category_stats_match_the_store_and_reviewers_agree(tmp_path: Path) -> None:
    from db import stats as store_stats
    from kcc_testkit.synthetic import build_store
    from kcc_tui.screens.stats import compute_stats

    path = tmp_path / "s.db"
    build_store(path, 40, judged_fraction=0.5).close()
    with Store(path) as store:
        assert store_stats.category_stats(store) == store.category_stats()
        for i in range(6):  # kim and lee decide the same six seeds, agreeing on four
            sid = f"s{i:06d}"
            store.apply_review(sid, "kim", "choose", chosen_id=f"{sid}-c1", rejected_id=f"{sid}-c2",
                               status="pair")
            other = "c1" if i < 4 else "c3"
            store.apply_review(sid, "lee", "choose", chosen_id=f"{sid}-{other}",
                               rejected_id=f"{sid}-c2", status="pair")
        store.apply_review("s000010", "kim", "tie", status="tie")
        data = compute_stats(store)
    by = {r["reviewer"]: r for r in data.reviewers}
    assert by["lee"]["decided"] == 6 and by["kim"]["decided"] == 1  # the pair row keeps the last decision
    [pa] = data.pairwise
    assert (pa.a, pa.b, pa.n, pa.agree) == ("kim", "lee", 6, 4)
    # kim always chose model-a: observed agreement 4/6 equals chance agreement 6*4/36, so kappa is 0
    assert pa.kappa == pytest.approx(0.0)
