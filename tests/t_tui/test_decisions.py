"""What a reviewer's key records means what the reviewer meant: queue order, margins of human pairs, picks on
unjudged seeds, flags and notes that are not decisions, reasons, ties and no-change actions (real app, Pilot)."""

from __future__ import annotations

from pathlib import Path

from db import review as store_review
from db.exporter import ExportFilters, iter_pair_rows
from db.models import Pair
from db.store import SeedFilter, Store
from kcc_settings import Settings
from kcc_testkit.synthetic import build_store
from kcc_tui.app import KccApp
from kcc_tui.screens.browse import BrowseScreen, SeedTable
from kcc_tui.screens.modals import InputModal, PickModal
from kcc_tui.screens.seed import QueueScreen, SeedScreen

from .conftest import screen_text, settle

SIZE = (130, 36)


def half_judged(tmp_path: Path) -> Path:
    """20 seeds, the first 10 judged (2 of them low-margin flagged), the rest without a pair."""
    path = tmp_path / "half.db"
    build_store(path, 20, judged_fraction=0.5).close()
    return path


async def open_seed(pilot, app: KccApp, row: int) -> SeedScreen:  # noqa: ANN001
    await settle(pilot, app)
    app.screen.query_one(SeedTable).move_cursor(row=row)
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, SeedScreen)
    return app.screen


async def test_queue_puts_flagged_and_judged_pairs_before_unjudged_seeds(tmp_path: Path, config: Settings) -> None:
    path = half_judged(tmp_path)
    with Store(path) as store:
        order = [r.id for r in store_review.queue_page(store, limit=50)]
        assert len(order) == len(set(order)) == 20
        flagged = [r.id for r in store_review.queue_page(store, limit=50) if r.flags]
        assert order[: len(flagged)] == flagged and flagged  # flagged first
        assert set(order[:10]) == {f"s{i:06d}" for i in range(10)}  # every judged pair before any unjudged seed
        assert order[-1] == "s000019"
        # paging with an offset gives the same order
        assert [r.id for r in store_review.queue_page(store, offset=3, limit=12)] == order[3:15]
    app = KccApp(path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        assert "no pair yet" not in screen_text(app)
        assert app.screen.view.pair.flags == ["low_margin"]
        await pilot.press("a")  # decided: goes to the back of the queue
        with Store(path) as store:
            order = [r.id for r in store_review.queue_page(store, limit=50)]
        assert order[-1] == flagged[0]


async def test_swap_recomputes_margin_for_export_and_browse(store_path: Path, config: Settings) -> None:
    app = KccApp(store_path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await open_seed(pilot, app, 3)
        sid = "s000003"
        with Store(store_path) as s:
            before = s.get_pair(sid)
            totals = {c: j.total for c, j in s.judgments_for_seed(sid).items()}
        assert before.margin is not None and before.margin > 0.3
        await pilot.press("s")  # the unsafe answer (c2) becomes chosen
        p = app.store.get_pair(sid)
        assert (p.chosen_id, p.source) == (f"{sid}-c2", "human")
        assert p.margin == round(totals[f"{sid}-c2"] - totals[f"{sid}-c1"], 4) and p.margin < 0
        assert p.judge_margin == before.margin  # the judge's own view stays beside it
        rows = {r["seed_id"]: r for r in iter_pair_rows(app.store, ExportFilters(reviewed_only=True))}
        assert rows[sid]["margin"] == p.margin and rows[sid]["source"] == "human"
        assert f"margin {p.margin:.3f}" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BrowseScreen)
        assert f"human {p.margin:.2f}" in screen_text(app)
        # the browse margin filter uses the recomputed value
        app.screen.set_filter(max_margin=0.0)
        await settle(pilot, app)
        assert [r.id for r in app.screen.nav.rows] == [sid]
        # ties carry no margin
        await open_seed(pilot, app, 0)
        await pilot.press("t")
        assert app.store.get_pair(sid).status == "tie" and app.store.get_pair(sid).margin is None


async def test_choose_on_an_unjudged_seed_asks_for_the_rejected_answer(tmp_path: Path, config: Settings) -> None:
    path = half_judged(tmp_path)
    app = KccApp(path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_seed(pilot, app, 15)
        sid = screen.view.seed.id
        assert "no pair yet" in screen_text(app)
        await pilot.press("1")
        await pilot.pause()
        assert isinstance(app.screen, PickModal)
        assert app.store.get_pair(sid) is None and app.store.reviews_for(sid) == []  # nothing guessed
        await pilot.press("escape")
        await pilot.pause()
        assert app.store.get_pair(sid) is None
        await pilot.press("1")
        await pilot.pause()
        await pilot.press("3")
        await pilot.pause()
        assert isinstance(app.screen, SeedScreen)
        p = app.store.get_pair(sid)
        assert (p.chosen_id, p.rejected_id, p.source) == (f"{sid}-c1", f"{sid}-c3", "human")
        text = screen_text(app)
        assert "OVERRIDDEN" not in text and "now 1 ▸ 3" in text
        # shift+2 on another unjudged seed asks for the chosen one
        await pilot.press("n")
        await pilot.press("at")
        await pilot.pause()
        assert isinstance(app.screen, PickModal)
        await pilot.press("1")
        await pilot.pause()
        p = app.store.get_pair("s000016")
        assert (p.chosen_id, p.rejected_id) == ("s000016-c1", "s000016-c2")


async def test_flag_and_note_are_not_decisions(tmp_path: Path, config: Settings) -> None:
    path = half_judged(tmp_path)
    app = KccApp(path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await open_seed(pilot, app, 2)
        await pilot.press("f")
        await pilot.press("r")
        await pilot.pause()
        await pilot.press(*"조문 확인 필요", "enter")
        await pilot.pause()
        p = app.store.get_pair("s000002")
        assert p.source == "judge" and "reviewer" in p.flags and p.reviewer is None
        assert "note: 조문 확인 필요" in screen_text(app)
        # a flag on a seed the judge has not paired
        await pilot.press("escape")
        await open_seed(pilot, app, 12)
        await pilot.press("f")
        p12 = app.store.get_pair("s000012")
        assert p12.source == "judge" and p12.flags == ["reviewer"] and p12.status == "no_pair"
        store = app.store
        assert store.review_counts()["human"] == 0
        assert store.count_page(SeedFilter(review="reviewed")) == 0
        assert {"s000002", "s000012"} <= {r.id for r in store_review.queue_page(store, limit=2)}  # flagged first
        assert list(iter_pair_rows(store, ExportFilters(reviewed_only=True))) == []
        # a later judge run keeps the reviewer's flag
        store.save_judgments([], [Pair(seed_id="s000002", chosen_id="s000002-c1", rejected_id="s000002-c3",
                                       margin=0.3, run_id="run-2")])
        assert "reviewer" in store.get_pair("s000002").flags
        # the note becomes the reason of the next decision
        await pilot.press("escape")
        await open_seed(pilot, app, 2)
        await pilot.press("a")
        p = store.get_pair("s000002")
        assert p.source == "human" and p.reason == "조문 확인 필요"


async def test_reason_box_opens_empty_and_judge_reason_does_not_outlive_a_swap(store_path: Path,
                                                                                config: Settings) -> None:
    sid = "s000005"
    with Store(store_path) as store:
        store.save_judgments([], [Pair(seed_id=sid, chosen_id=f"{sid}-c1", rejected_id=f"{sid}-c2", margin=0.86,
                                       run_id="run-synth",
                                       reason=f"decided by the safety verdict: {sid}-c2 is unsafe")])
    app = KccApp(store_path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await open_seed(pilot, app, 5)
        text = screen_text(app)
        assert f"judge: decided by the safety verdict: 2 ({sid}-c2) is unsafe" in text
        assert f" 2  ({sid}-c2)" in text  # the card names the answer the same way
        await pilot.press("r")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, InputModal)
        assert modal.query_one("#modal-input").value == ""
        assert "is unsafe" in str(modal.query_one("#modal-reference").render())
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("s")
        text = screen_text(app)
        assert "is unsafe" not in text and "OVERRIDDEN" in text
        assert app.store.get_pair(sid).reason is None


async def test_ties_show_no_badges_and_no_change_writes_nothing(store_path: Path, config: Settings) -> None:
    app = KccApp(store_path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await open_seed(pilot, app, 1)
        assert "✔ CHOSEN" in screen_text(app)
        await pilot.press("t")
        text = screen_text(app)
        assert "✔ CHOSEN" not in text and "✘ REJECTED" not in text and "= TIE" in text
        await pilot.press("t")
        assert [r.action for r in app.store.reviews_for("s000001")] == ["tie"]
        await pilot.press("a", "p")  # accept the judge's pair, then back to it
        await pilot.press("a")  # the same again: nothing to record
        assert [r.action for r in app.store.reviews_for("s000001")] == ["tie", "accept"]
