"""Tools reviewers know from Argilla / Label Studio, in the terminal: filters by check result, verdict,
disagreement and reviewer; go to a row or seed id; a word diff; bulk accept with undo; reviewer identity
from config; per-reviewer progress; a session rate (real app, Pilot, real store)."""

from __future__ import annotations

from pathlib import Path

from db import review as store_review
from kcc_settings import Settings, settings
from kcc_testkit.synthetic import build_store
from kcc_tui.app import KccApp
from kcc_tui.screens.browse import BrowseScreen, SeedTable
from kcc_tui.screens.modals import ConfirmModal, InputModal, TextModal
from kcc_tui.screens.seed import SeedScreen, session_text

from .conftest import screen_text, settle

SIZE = (130, 36)


def store_with_unjudged(tmp_path: Path) -> Path:
    path = tmp_path / "r.db"
    build_store(path, 20, judged_fraction=0.5).close()
    return path


async def test_filters_by_check_verdict_disagreement_and_reviewer(tmp_path: Path, config: Settings) -> None:
    path = store_with_unjudged(tmp_path)
    app = KccApp(path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        screen.set_extra("fabricated")  # model-b's answer cites a law that does not exist, on every judged seed
        await settle(pilot, app)
        assert len(screen.nav.rows) == 10 and "check=fabricated" in screen_text(app)
        screen.set_extra("unsafe_chosen")
        await settle(pilot, app)
        assert screen.nav.rows == []
        app.store.apply_review("s000004", "kim", "swap", chosen_id="s000004-c2",
                               rejected_id="s000004-c1", status="pair")
        screen.set_extra("unsafe_chosen")
        screen._extra = None
        screen.set_extra("unsafe_chosen")
        await settle(pilot, app)
        assert [r.id for r in screen.nav.rows] == ["s000004"]
        screen.set_extra("disagree")
        await settle(pilot, app)
        assert [r.id for r in screen.nav.rows] == ["s000004"]
        screen.set_extra("reviewer:kim")
        await settle(pilot, app)
        assert [r.id for r in screen.nav.rows] == ["s000004"]
        screen.set_extra(None)
        await settle(pilot, app)
        assert len(screen.nav.rows) == 20


async def test_go_to_row_or_seed_id(tmp_path: Path, config: Settings) -> None:
    path = tmp_path / "g.db"
    build_store(path, 450, judged_fraction=0.1).close()
    app = KccApp(path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, InputModal)
        await pilot.press(*"321", "enter")
        await pilot.pause()
        assert app.screen.query_one(SeedTable).cursor_row == 320  # beyond the first page
        await pilot.press("g", *"s000400", "enter")
        await pilot.pause()
        assert isinstance(app.screen, SeedScreen) and app.screen.view.seed.id == "s000400"


async def test_word_diff_between_chosen_and_rejected(store_path: Path, config: Settings) -> None:
    app = KccApp(store_path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, TextModal)
        assert "2 (s000000-c2) → 1 (s000000-c1)" in modal.title_text and "words removed" in modal.title_text
        styles = {str(sp.style) for sp in modal.body.spans}
        assert "bold red strike" in styles and "bold green underline" in styles
        removed = "".join(modal.body.plain[sp.start:sp.end] for sp in modal.body.spans if "red" in str(sp.style))
        assert "디지털안전기본법" in removed


async def test_bulk_accept_over_a_filter_and_undo(tmp_path: Path, config: Settings) -> None:
    path = store_with_unjudged(tmp_path)
    app = KccApp(path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.screen
        screen.set_filter(category="K05")
        await settle(pilot, app)
        judged_k05 = [r.id for r in screen.nav.rows if r.status == "pair"]
        assert judged_k05
        # one seed already decided by a reviewer: bulk accept leaves it alone
        app.store.apply_review(judged_k05[0], "lee", "tie", status="tie")
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot, app)
        accepted = [s for s in judged_k05[1:] if app.store.get_pair(s).source == "human"]
        assert accepted == judged_k05[1:]
        assert all([r.action for r in app.store.reviews_for(s)] == ["bulk_accept"] for s in accepted)
        assert app.store.get_pair(judged_k05[0]).reviewer == "lee"
        # a later decision on one seed survives the undo of the bulk action
        app.store.apply_review(accepted[0], "tester", "swap", chosen_id=f"{accepted[0]}-c2",
                               rejected_id=f"{accepted[0]}-c1", status="pair")
        await pilot.press("U")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot, app)
        assert all(app.store.get_pair(s).source == "judge" for s in accepted[1:])
        assert app.store.get_pair(accepted[0]).chosen_id == f"{accepted[0]}-c2"
        assert app.store.get_pair(judged_k05[0]).status == "tie"


def test_reviewer_from_environment_and_session_rate(monkeypatch, tmp_path: Path) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KCC_REVIEWER", raising=False)
    monkeypatch.delenv("KCC_CONFIG", raising=False)
    (tmp_path / "kcc.toml").write_text('[kcc]\nreviewer = "kim"\n', encoding="utf-8")
    settings.cache_clear()
    try:
        assert settings().reviewer == "kim"
        monkeypatch.setenv("KCC_REVIEWER", "박검토")  # the environment wins over the file
        settings.cache_clear()
        assert settings().reviewer == "박검토"
        assert KccApp(tmp_path / "x.db").reviewer == "박검토"
    finally:
        settings.cache_clear()
    assert session_text(0, 0.0, 100) == "session 0"
    assert session_text(6, 2.0, 90) == "session 6 · 3.0/min · ~30m left"
    assert session_text(10, 1.0, 1200) == "session 10 · 10.0/min · ~2h00m left"


async def test_queue_shows_the_session_rate(store_path: Path, config: Settings) -> None:
    app = KccApp(store_path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("w")
        await pilot.pause()
        assert "session 0" in screen_text(app)
        await pilot.press("a", "f")  # a decision counts, a flag does not
        await pilot.pause()
        text = screen_text(app)
        assert "session 1 · " in text and "/min · ~" in text and "left" in text


def test_title_mismatch_and_wrong_hotline_filters_follow_the_real_checks(tmp_path: Path) -> None:
    """The filters read what the real checks wrote: an offence named with another article's number, and a
    hotline given for another line's purpose."""
    import json

    from db import Store
    from db.importer import import_file
    from judge.pipeline import JudgeConfig, JudgeRunner

    ok = "사기는 형법 제347조로 처벌됩니다. 피해를 입으셨다면 112에 신고하세요."
    rows = [
        {"id": "t1", "category": "K07", "prompt": "사기 처벌이 궁금해요",
         "candidates": [{"id": "a", "model": "m1", "response": ok},
                        {"id": "b", "model": "m2", "response": "사기죄(형법 제250조)로 처벌됩니다. 112에 신고하세요."}]},
        {"id": "t2", "category": "K07", "prompt": "마약을 끊고 싶어요",
         "candidates": [{"id": "a", "model": "m1", "response": "마약 중독 상담은 1342로 전화하세요."},
                        {"id": "b", "model": "m2", "response": "마약 중독 상담은 1336로 전화하세요."}]},
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    with Store(tmp_path / "f.db") as st:
        import_file(st, src)
        JudgeRunner(st, JudgeConfig(models=[]), tmp_path / "o").execute()
        assert store_review.seeds_matching(st, "title_mismatch") == ["t1"]
        assert store_review.seeds_matching(st, "wrong_number") == ["t2"]
