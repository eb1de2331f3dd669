"""Every reviewer flow, driven through the real app with Pilot on a real store file."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Select, Static, Tree

from db.models import Judgment, Pair
from db.store import Store
from kcc_settings import Keymap, Settings
from kcc_tui.app import KccApp
from kcc_tui.screens.browse import BrowseScreen, SeedTable
from kcc_tui.screens.help import HelpScreen
from kcc_tui.screens.jobs import JobsScreen
from kcc_tui.screens.modals import DetailModal, InputModal
from kcc_tui.screens.search import SearchScreen
from kcc_tui.screens.seed import QueueScreen, SeedScreen
from kcc_tui.screens.stats import StatsScreen
from kcc_tui.widgets.candidate import CandidatePanel

from .conftest import MARKUP_ANSWER, MARKUP_SEED, screen_text, settle

SIZE = (120, 34)


def make_app(store_path: Path, config: Settings) -> KccApp:
    return KccApp(store_path, config=config)


async def open_seed(pilot, app: KccApp, row: int = 0) -> SeedScreen:  # noqa: ANN001
    await settle(pilot, app)
    table = app.screen.query_one(SeedTable)
    table.move_cursor(row=row)
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, SeedScreen)
    return app.screen


# -- browse ---------------------------------------------------------------------------------------------------
async def test_browse_tree_list_and_paging(tmp_path: Path, config: Settings) -> None:
    from kcc_testkit.synthetic import build_store

    path = tmp_path / "big.db"
    build_store(path, 450, judged_fraction=0.5).close()
    app = make_app(path, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        table = screen.query_one(SeedTable)
        assert table.row_count == 200  # one page
        tree = screen.query_one("#tax", Tree)
        labels = [str(n.label) for n in tree.root.children]
        assert labels[0].startswith("B01 ") and "%" in labels[0]  # counts + safe rate from the worker
        assert "450 shown" not in screen_text(app) and "of 450" in screen_text(app)
        table.scroll_end(animate=False)  # scrolling alone (wheel, scrollbar) fetches the next page
        await pilot.pause()
        assert table.row_count == 400
        await pilot.press("ctrl+end")  # cursor to the last row -> the rest
        await pilot.pause()
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert table.row_count == 450 and screen.nav is not None and screen.nav.exhausted
        assert "450 shown of 450" in screen_text(app)


async def test_browse_filters_and_tree_selection(store_path: Path, config: Settings) -> None:
    app = make_app(store_path, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        table = screen.query_one(SeedTable)
        assert table.row_count == 31
        # taxonomy tree: select K05
        tree = screen.query_one("#tax", Tree)
        k05 = next(n for n in tree.root.children if str(n.label).startswith("K05"))
        tree.select_node(k05)
        await settle(pilot, app)
        assert screen.filter.category == "K05" and table.row_count == 13
        tree.select_node(tree.root)
        await settle(pilot, app)
        assert table.row_count == 31
        # review filter select: flagged (low-margin pairs)
        screen.query_one("#f-review", Select).value = "flagged"
        await settle(pilot, app)
        assert table.row_count == 7 and screen.filter.review == "flagged"
        screen.query_one("#f-review", Select).value = "all"
        # max margin input
        margin = screen.query_one("#f-margin", Input)
        margin.focus()
        await pilot.press(*"0.1", "enter")
        await settle(pilot, app)
        assert screen.filter.max_margin == 0.1 and table.row_count == 7
        margin.value = ""
        margin.focus()
        await pilot.press("enter")
        model = screen.query_one("#f-model", Input)
        model.focus()
        await pilot.press(*"model-x", "enter")
        await settle(pilot, app)
        assert table.row_count == 0
        model.value = "model-a"
        model.focus()
        await pilot.press("enter")
        await settle(pilot, app)
        assert table.row_count == 31
        screen.query_one("#f-source", Select).value = "human"
        await settle(pilot, app)
        assert table.row_count == 0
        app.filter_seeds("unreviewed")  # the palette's filter command
        await settle(pilot, app)
        assert screen.filter.review == "unreviewed"


# -- seed view, highlights, popup -----------------------------------------------------------------------------
async def test_seed_view_shows_candidates_and_judge(store_path: Path, config: Settings) -> None:
    app = make_app(store_path, config)
    async with app.run_test(size=(130, 36)) as pilot:
        screen = await open_seed(pilot, app, 1)
        await pilot.pause()
        panels = list(screen.query(CandidatePanel))
        assert len(panels) == 3
        assert screen.has_class("-wide")
        assert panels[0].region.y == panels[1].region.y  # side by side
        text = screen_text(app)
        assert "보이스피싱 조직에 통장을" in text
        assert "model-a" in text and "model-b" in text and "CHOSEN" in text and "REJECTED" in text
        assert "legal_grounding" in text and "citation.fabricated" in text
        assert "judge 1 ▸ 2" in text
        await pilot.press("n")
        assert screen.view is not None and screen.view.seed.id == "s000002"
        await pilot.press("p", "p")
        assert screen.view.seed.id == "s000000"
        await pilot.press("p")  # stays on the first
        assert screen.view.seed.id == "s000000"
        await pilot.press("c")
        await pilot.pause()
        assert "■ 요약" in screen_text(app) or "정책" in screen_text(app)  # the policy card (K01.1)
        await pilot.press("c")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BrowseScreen)
        assert app.screen.query_one(SeedTable).cursor_row == 0


async def test_narrow_terminal_stacks_candidates(store_path: Path, config: Settings) -> None:
    app = make_app(store_path, config)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_seed(pilot, app, 0)
        await pilot.pause()
        assert screen.has_class("-narrow")
        panels = list(screen.query(CandidatePanel))
        assert panels[0].region.x == panels[1].region.x and panels[1].region.y > panels[0].region.y


async def test_citation_highlight_cycle_and_popup(store_path: Path, config: Settings) -> None:
    app = make_app(store_path, config)
    async with app.run_test(size=(130, 36)) as pilot:
        screen = await open_seed(pilot, app, 0)
        marks = screen.all_marks()
        assert [m.category for _, _, m in marks] == ["valid", "valid", "valid", "fabricated", "outdated"]
        await pilot.press("enter")  # nothing selected yet: a hint, no popup
        assert isinstance(app.screen, SeedScreen)
        await pilot.press("i", "i", "i", "i")  # 4th mark: the fabricated law in candidate 2
        panel, i, mark = marks[screen._mark]
        assert mark.category == "fabricated" and panel.slot == 2
        body = panel.query_one(".cand-text", Static)
        assert any("reverse" in str(s.style) for s in body.content.spans)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailModal)
        rows = dict(app.screen.rows)
        assert rows["verdict"] == "unknown_law" and rows["law"] == "디지털안전기본법"
        assert "unknown" in rows.get("registry match", "") or "registry" in rows
        await pilot.press("escape")
        await pilot.press("shift+i")  # back to the 3rd: the valid 형법 제250조 with registry facts
        await pilot.press("enter")
        await pilot.pause()
        rows = dict(app.screen.rows)
        assert rows["article title"] == "살인, 존속살해" and rows["article status"] == "in force"
        assert rows["as of"].startswith("snapshot ") and "source" in rows
        await pilot.press("escape")
        await pilot.press("i", "i", "enter")  # the outdated hotline 1393
        await pilot.pause()
        rows = dict(app.screen.rows)
        assert rows["verdict"] == "outdated" and rows["current number"] == "109"
        assert "replaced by" in rows
        await pilot.press("escape")
        await pilot.press("i")  # wraps around
        assert screen._mark == 0


async def test_markup_and_ansi_shown_literally(store_path: Path, config: Settings) -> None:
    app = make_app(store_path, config)
    async with app.run_test(size=(130, 36)) as pilot:
        await settle(pilot, app)
        assert "[bold red]x[/]" in screen_text(app) or "마크업이 섞인" in screen_text(app)
        screen = await open_seed(pilot, app, 30)
        await pilot.pause()
        text = screen_text(app)
        assert MARKUP_SEED in text
        assert "[bold red]x[/]" in text and "[link=http://x]y[/link]" in text
        assert "␛[31m빨강␛[0m" in text and "\x1b" not in text
        body = screen.query_one("#cand-1", CandidatePanel).query_one(".cand-text", Static)
        assert body.content.plain == MARKUP_ANSWER.replace("\x1b", "␛")
        assert body.content.spans == []  # no styles came from the data


# -- review keys ----------------------------------------------------------------------------------------------
async def test_every_review_key_is_audited_and_undoable(store_path: Path, config: Settings) -> None:
    app = make_app(store_path, config)
    async with app.run_test(size=(130, 36)) as pilot:
        screen = await open_seed(pilot, app, 2)
        sid = "s000002"
        store: Store = app.store

        def pair() -> Pair:
            p = store.get_pair(sid)
            assert p is not None
            return p

        await pilot.press("3")
        assert (pair().chosen_id, pair().rejected_id, pair().source) == (f"{sid}-c3", f"{sid}-c2", "human")
        assert (pair().judge_chosen_id, pair().judge_rejected_id) == (f"{sid}-c1", f"{sid}-c2")
        assert "OVERRIDDEN" in screen_text(app) and "judge 1 ▸ 2" in screen_text(app)
        await pilot.press("exclamation_mark")  # shift+1: candidate 1 rejected
        assert (pair().chosen_id, pair().rejected_id) == (f"{sid}-c3", f"{sid}-c1")
        await pilot.press("at")  # shift+2
        assert pair().rejected_id == f"{sid}-c2"
        await pilot.press("number_sign")  # shift+3: rejected == chosen -> previous rejected becomes chosen
        assert (pair().chosen_id, pair().rejected_id) == (f"{sid}-c2", f"{sid}-c3")
        await pilot.press("2")  # already chosen: no change, so no audit row
        assert len(store.reviews_for(sid)) == 4
        await pilot.press("1")
        assert pair().chosen_id == f"{sid}-c1"
        await pilot.press("s")
        assert (pair().chosen_id, pair().rejected_id) == (f"{sid}-c3", f"{sid}-c1")
        await pilot.press("t")
        assert pair().status == "tie"
        await pilot.press("f")
        assert "reviewer" in pair().flags
        await pilot.press("f")
        assert "reviewer" not in pair().flags
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, InputModal)
        await pilot.press(*"근거 부족", "enter")
        await pilot.pause()
        assert pair().reason == "근거 부족"
        actions = [r.action for r in store.reviews_for(sid)]
        assert actions == ["choose", "reject", "reject", "reject", "choose", "swap", "tie", "flag",
                           "unflag", "reason"]
        assert {r.reviewer for r in store.reviews_for(sid)} == {"tester"}
        # undo walks back one action at a time, down to the judge's pair
        await pilot.press("u")
        assert pair().reason is None and pair().status == "tie"
        for _ in range(10):
            await pilot.press("u")
        assert pair().source == "judge" and pair().chosen_id == f"{sid}-c1"
        await pilot.press("u")  # nothing left: a warning, no change
        assert store.reviews_for(sid)[-1].action == "undo"
        # skip records and moves on
        await pilot.press("k")
        assert pair().status == "skip" and screen.view is not None and screen.view.seed.id == "s000003"
        # accept the judge's pair (and move on)
        await pilot.press("a")
        p3 = store.get_pair("s000003")
        assert p3 is not None and p3.source == "human" and p3.chosen_id == p3.judge_chosen_id
        assert screen.view.seed.id == "s000004"
        # back in the list, reviewed rows show the human source
        await pilot.press("escape")
        await pilot.pause()
        assert "human" in screen_text(app)


async def test_remapped_keys_from_config(store_path: Path) -> None:
    config = Settings(reviewer="remap", keys=Keymap(bindings={"choose_1": "j", "tie": "y"}))
    app = KccApp(store_path, config=config)
    async with app.run_test(size=(130, 36)) as pilot:
        await open_seed(pilot, app, 4)
        await pilot.press("1")  # no longer bound
        assert app.store.get_pair("s000004").source == "judge"
        await pilot.press("y")
        assert app.store.get_pair("s000004").status == "tie"
        await pilot.press("j")
        assert app.store.get_pair("s000004").chosen_id == "s000004-c1"
        assert app.store.reviews_for("s000004")[0].reviewer == "remap"
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        assert "choose_1" in text


async def test_override_survives_a_later_judge_run(store_path: Path, config: Settings) -> None:
    """The reviewer's override stays; the judge's new view is refreshed beside it (as the judge saves)."""
    app = make_app(store_path, config)
    async with app.run_test(size=(130, 36)) as pilot:
        await open_seed(pilot, app, 5)
        await pilot.press("3")
    sid = "s000005"
    with Store(store_path) as store:
        store.create_run("judge", {}, run_id="rejudge")
        store.save_judgments(
            [Judgment(candidate_id=f"{sid}-c2", run_id="rejudge", total=0.99, verdict="safe")],
            pairs=[Pair(seed_id=sid, chosen_id=f"{sid}-c2", rejected_id=f"{sid}-c1", margin=0.5,
                        run_id="rejudge", flags=["rules_vs_llm"])])
    app = make_app(store_path, config)
    async with app.run_test(size=(130, 36)) as pilot:
        screen = await open_seed(pilot, app, 5)
        p = screen.view.pair if screen.view else None
        assert p is not None and p.source == "human" and p.chosen_id == f"{sid}-c3"
        assert (p.judge_chosen_id, p.judge_margin) == (f"{sid}-c2", 0.5)
        text = screen_text(app)
        assert "now 3 ▸ 2" in text and "judge 2 ▸ 1" in text and "OVERRIDDEN" in text


@pytest.mark.skipif(not (Path(sys.executable).parent / "kcc-judge").exists(), reason="kcc-judge not installed")
async def test_override_survives_real_judge_job(store_path: Path, config: Settings, tmp_path: Path) -> None:
    """Override in the TUI, then launch the real `kcc-judge run` (rules-only) from the Jobs screen."""
    app = make_app(store_path, config)
    async with app.run_test(size=(130, 36)) as pilot:
        await open_seed(pilot, app, 6)
        await pilot.press("3")
        await pilot.press("J")
        await pilot.pause()
        jobs_screen = app.screen
        assert isinstance(jobs_screen, JobsScreen)
        from kcc_tui.jobs import judge_spec

        run = jobs_screen.start_spec(judge_spec(store_path, tmp_path / "judge-out", run_id="judge-tui"))
        assert run.status == "running"
        deadline = time.monotonic() + 60
        while app.store.get_run("judge-tui").status == "running" and time.monotonic() < deadline:
            await pilot.pause(0.2)
        jobs_screen.action_poll()
        assert app.store.get_run("judge-tui").status == "done", jobs_screen.query_one("#job-info", Static).content
        p = app.store.get_pair("s000006")
        assert p is not None and p.source == "human" and p.chosen_id == "s000006-c3"
        assert p.run_id == "judge-tui"
        assert (tmp_path / "judge-out" / "summary.json").exists()


# -- queue ----------------------------------------------------------------------------------------------------
async def test_review_queue_order_and_progress(store_path: Path, config: Settings) -> None:
    app = make_app(store_path, config)
    async with app.run_test(size=(130, 36)) as pilot:
        await settle(pilot, app)
        await pilot.press("w")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        assert screen.view is not None and screen.view.pair is not None and screen.view.pair.flags  # flagged first
        first = screen.view.seed.id
        assert "queue 1/31  reviewed 0/31" in screen_text(app)
        await pilot.press("a")  # accept the judge: reviewed, next
        await pilot.pause()
        assert "queue 2/31  reviewed 1/31" in screen_text(app)
        await pilot.press("3", "n", "t", "n")
        assert "reviewed 3/31" in screen_text(app)
        assert app.store.get_pair(first).source == "human"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BrowseScreen)
        await pilot.press("w")
        await pilot.pause()
        assert app.screen is screen and screen.index == 3  # the queue keeps its place


# -- search ---------------------------------------------------------------------------------------------------
async def test_search_korean_and_open(store_path: Path, config: Settings) -> None:
    app = make_app(store_path, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("slash")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await pilot.press(*"보이스피싱")
        await settle(pilot, app)
        assert screen.last_query == "보이스피싱" and screen.hits
        assert {h.kind for h in screen.hits} == {"seed"}
        await pilot.press("ctrl+a")  # select-all isn't needed: replace the query
        screen.query_one("#query", Input).value = "자살예방상담전화"
        await settle(pilot, app)
        assert {h.kind for h in screen.hits} == {"candidate"}
        screen.query_one("#query", Input).value = "단톡"  # < 3 chars: substring fallback
        await settle(pilot, app)
        assert screen.hits and screen.hits[0].kind == "seed"
        await pilot.press("enter")  # focus the hits
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, SeedScreen)
        assert app.screen.view is not None and "단톡" in app.screen.view.seed.text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert isinstance(app.screen, BrowseScreen)


# -- stats ----------------------------------------------------------------------------------------------------
async def test_stats_rates_kappa_and_overrides(store_path: Path, config: Settings) -> None:
    with Store(store_path) as store:
        store.apply_review("s000000", "x", "accept", chosen_id="s000000-c1", rejected_id="s000000-c2")
        store.apply_review("s000001", "x", "choose", chosen_id="s000001-c3", rejected_id="s000001-c2")
    app = make_app(store_path, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("S")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, StatsScreen) and screen.data is not None
        a = screen.data.agreement
        assert (a.n, a.agree_chosen) == (2, 1) and a.kappa == pytest.approx(0.0)
        rates = {r.category: r.rate for r in screen.data.rates}
        assert rates["K05"] == pytest.approx(2 / 3)
        text = screen_text(app)
        assert "Cohen's kappa" in text and "overridden" in text and "66.7%" in text
        assert screen.data.counts["overridden"] == 1


# -- jobs -----------------------------------------------------------------------------------------------------
async def test_jobs_start_watch_cancel_trivial_job(store_path: Path, config: Settings) -> None:
    from .test_jobs import trivial

    app = make_app(store_path, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("J")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, JobsScreen)
        run = screen.start_spec(trivial(store_path, "tui-job", "loop"))
        assert run.status == "running"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and app.store.get_run("tui-job").progress_done < 6:
            await pilot.pause(0.1)
        screen.action_poll()
        await pilot.pause()
        text = screen_text(app)
        assert "tui-job" in text and "running" in text
        assert "started 시작 [bold]literal[/]" in text  # log lines from the store, literal
        assert "loss 1.0000 →" in text
        await pilot.press("x")  # asks first
        await pilot.pause()
        assert app.screen.__class__.__name__ == "ConfirmModal" and app.store.get_run("tui-job").status == "running"
        await pilot.press("y")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and app.store.get_run("tui-job").status == "running":
            await pilot.pause(0.1)
        screen.action_poll()
        assert app.store.get_run("tui-job").status == "cancelled"
        # the launch form (palette command "Start export") builds a real kcc export job
        app.start_job("export")
        await pilot.pause()
        await pilot.pause()
        assert app.screen.__class__.__name__ == "FormModal"
        await pilot.press("escape")


@pytest.mark.skipif(shutil.which("kcc") is None and not (Path(sys.executable).parent / "kcc").exists(),
                    reason="kcc script not installed")
async def test_jobs_form_launches_export(store_path: Path, config: Settings, tmp_path: Path) -> None:
    app = make_app(store_path, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("J")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        out = tmp_path / "pairs.jsonl"
        app.screen.query_one("#field-out", Input).value = str(out)
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, JobsScreen) and screen.selected
        run_id = screen.selected
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and app.store.get_run(run_id).status == "running":
            await pilot.pause(0.2)
            screen.action_poll()
        assert app.store.get_run(run_id).status == "done", app.store.get_run(run_id)
        assert out.exists() and out.read_text(encoding="utf-8").count("\n") == 31
        # the export writes no log lines to the store: its output file is shown instead
        screen.action_poll()
        from textual.widgets import Log

        assert screen.query_one("#job-log", Log).line_count > 0


# -- help, palette, themes ------------------------------------------------------------------------------------
async def test_help_lists_every_key(store_path: Path, config: Settings) -> None:
    from kcc_tui.keys import key_table

    app = make_app(store_path, config)
    async with app.run_test(size=(110, 60)) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = key_table(app)
        ids = {r[3] for r in rows}
        for needed in ("choose_1", "reject_3", "swap", "tie", "skip", "flag", "reason", "undo", "next_seed",
                       "prev_seed", "next_mark", "open_mark", "search", "queue", "stats", "jobs", "cancel_job"):
            assert needed in ids
        text = screen_text(app)
        assert "Rejected 1" in text and "!, shift+1" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BrowseScreen)


async def test_command_palette_runs_kcc_commands(store_path: Path, config: Settings) -> None:
    app = make_app(store_path, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Review queue")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Stats")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen)


async def test_theme_from_config_and_switch(store_path: Path) -> None:
    app = KccApp(store_path, config=Settings(reviewer="t", theme="nord"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "nord"
        await pilot.press("ctrl+t")
        assert app.theme != "nord"
    app = KccApp(store_path, config=Settings(reviewer="t", theme="no-such-theme"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "textual-dark"


async def test_mouse_click_opens_seed(store_path: Path, config: Settings) -> None:
    app = make_app(store_path, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(SeedTable)
        await pilot.click(SeedTable, offset=(20, 3))
        await pilot.click(SeedTable, offset=(20, 3))
        await pilot.pause()
        assert isinstance(app.screen, SeedScreen) or table.cursor_row == 2
        assert isinstance(table, DataTable)
