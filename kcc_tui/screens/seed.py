"""The seed view: seed text, policy card, the candidates side by side, and the review keys.

Every review key is one store.apply_review call (atomic, audited with the configured reviewer). The judge's
original choice stays visible beside a human override. The same screen serves browsing (a filtered list)
and the review queue (queue order, with progress).
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Static

from db import review as store_review
from db.store import SeedFilter, StoreError
from kcc_tui import refs, review
from kcc_tui.highlight import STYLES, Mark, legend
from kcc_tui.jobs import runs_signature
from kcc_tui.literal import literal, one_line
from kcc_tui.nav import SeedNavigator, SeedView, load_seed_view
from kcc_tui.screens.modals import DetailModal, InputModal, PickModal, TextModal
from kcc_tui.stylesheet import StyledOnMount
from kcc_tui.widgets.candidate import CandidatePanel
from kcc_tui.widgets.footer import KeyFooter

REVIEW_BINDINGS = [
    Binding("1", "choose(0)", "Chosen 1", id="choose_1"),
    Binding("2", "choose(1)", "Chosen 2", id="choose_2", show=False),
    Binding("3", "choose(2)", "Chosen 3", id="choose_3", show=False),
    Binding("exclamation_mark,shift+1", "reject(0)", "Rejected 1", id="reject_1", key_display="!"),
    Binding("at,shift+2", "reject(1)", "Rejected 2", id="reject_2", show=False, key_display="@"),
    Binding("number_sign,shift+3", "reject(2)", "Rejected 3", id="reject_3", show=False, key_display="#"),
    Binding("s", "swap", "Swap", id="swap"),
    Binding("t", "tie", "Tie", id="tie"),
    Binding("k", "skip", "Skip", id="skip"),
    Binding("a", "accept", "Accept judge", id="accept", show=False),
    Binding("f", "flag", "Flag", id="flag"),
    Binding("r", "reason", "Reason", id="reason"),
    Binding("u", "undo", "Undo", id="undo"),
    Binding("n", "next_seed", "Next", id="next_seed"),
    Binding("p", "prev_seed", "Prev", id="prev_seed"),
    Binding("i", "next_mark", "Cite↻", id="next_mark"),
    Binding("I,shift+i", "prev_mark", "Previous citation", id="prev_mark", show=False, key_display="I"),
    Binding("enter", "open_mark", "Details", id="open_mark", show=False),
    Binding("c", "toggle_policy", "Policy", id="toggle_policy"),
    Binding("d", "diff", "Diff", id="diff", show=False),
    Binding("escape", "back", "Back", id="back"),
]


class SeedScreen(StyledOnMount, Screen[int | None]):
    """Review one seed at a time, moving through a SeedNavigator."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    BINDINGS = REVIEW_BINDINGS
    queue_mode = False

    def __init__(self, nav: SeedNavigator | None, index: int = 0, *, title: str = "Seed") -> None:
        super().__init__()
        self.nav: SeedNavigator = nav  # type: ignore[assignment] - QueueScreen fills it on mount
        self.index = index
        self.view: SeedView | None = None
        self.screen_title = title
        self._mark: int | None = None
        self._policy_shown = False
        self._reviewed: int | None = None
        self._panel_list: list[CandidatePanel] = []  # queue progress, re-counted after each review action
        self._runs_seen: tuple[tuple[str, str, int], ...] | None = None
        self._session_start = time.monotonic()
        self._session_done: set[str] = set()  # seeds decided in this session (shown as a rate in the queue)

    # -- layout -------------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="seed-info", markup=False)
        with VerticalScroll(id="seed-text-box"):
            yield Static("", id="seed-text", markup=False)
        with VerticalScroll(id="policy-box", classes="hidden"):
            yield Static("", id="policy", markup=False)
        yield Container(id="candidates")
        yield Static(legend(), id="legend", markup=False)
        yield KeyFooter()

    def _set_title(self) -> None:
        """The header names this screen: `kcc.db · Seed s000003` (`· Review queue` in the queue)."""
        name = f"Seed {one_line(self.view.seed.id, 40)}" if self.view is not None else "Seed"
        where = f" · {self.screen_title}" if self.screen_title != "Seed" else ""
        self.sub_title = f"{self.app.db_path.name} · {name}{where}"  # type: ignore[attr-defined]

    def on_mount(self) -> None:
        self._set_title()
        self._runs_seen = runs_signature(self.store)
        self.show_index(self.index)

    def on_screen_resume(self) -> None:
        """Back (e.g. to the queue) after a job ran: the judge's view of this seed may have changed."""
        if self._runs_seen is None:
            return
        seen = runs_signature(self.store)
        if seen != self._runs_seen:
            self._runs_seen = seen
            self.nav.invalidate_total()
            self._reviewed = None
            if self.view is not None:
                self.show_seed(self.view.seed.id)

    # -- data ---------------------------------------------------------------------------------------------
    @property
    def store(self):  # noqa: ANN201 - the app's Store
        return self.app.store  # type: ignore[attr-defined]

    @property
    def reviewer(self) -> str:
        return self.app.reviewer  # type: ignore[attr-defined]

    def show_index(self, index: int) -> bool:
        if not self.nav.ensure(index):
            self._render_empty()
            return False
        self.index = index
        self.show_seed(self.nav.rows[index].id)
        return True

    def show_seed(self, seed_id: str) -> None:
        view = load_seed_view(self.store, seed_id)
        if view is None:
            self._render_empty(f"seed {seed_id} is gone")
            return
        self.view = view
        self._set_title()
        self._mark = None
        self.query_one("#legend", Static).update(legend())
        self.query_one("#seed-text", Static).update(literal(view.seed.text))
        self.query_one("#seed-text-box", VerticalScroll).scroll_home(animate=False)
        if self._policy_shown:
            self.query_one("#policy", Static).update(literal(refs.policy_card(view.seed.category)))
        self._render_candidates()
        self._render_info()

    def refresh_pair(self) -> None:
        """After a review action: re-read the pair (cheap) and redraw headers and info."""
        if self.view is None:
            return
        self.view.pair = self.store.get_pair(self.view.seed.id)
        self.view.refresh_notes(self.store)
        self._reviewed = None
        self._render_candidates()
        self._render_info()
        touched = getattr(self.app, "touched", None)
        if touched is not None:
            touched.add(self.view.seed.id)

    def _render_empty(self, why: str = "no seeds match") -> None:
        self.view = None
        self.query_one("#seed-info", Static).update(Text(why, style="bold"))
        self.query_one("#seed-text", Static).update("")
        self.query_one("#candidates", Container).remove_children()
        self._panel_list = []

    def _panels(self) -> list[CandidatePanel]:
        return self._panel_list

    def _render_candidates(self) -> None:
        assert self.view is not None
        box = self.query_one("#candidates", Container)
        panels = self._panel_list
        want = len(self.view.candidates)
        if len(panels) != want:
            box.remove_children()
            panels = [CandidatePanel(i + 1, id=f"cand-{i + 1}") for i in range(want)]
            self._panel_list = panels
            box.mount_all(panels)
        self._fill_panels(panels)

    def _fill_panels(self, panels: list[CandidatePanel]) -> None:
        assert self.view is not None
        for panel, cand in zip(panels, self.view.candidates, strict=False):
            panel.show(cand, self.view.judgments.get(cand.id), self.view.pair)

    def _render_info(self) -> None:
        assert self.view is not None
        v, s = self.view, self.view.seed
        t = Text()
        if self.queue_mode:
            if self._reviewed is None:
                self._reviewed = int(self.store.review_counts().get("human", 0))
            t.append(f"queue {self.index + 1:,}/{self.nav.total:,}  reviewed {self._reviewed:,}"
                     f"/{self.nav.total:,}  ", style="bold")
            t.append(self.session_line(self.nav.total - self._reviewed) + "  ", style="dim")
        else:
            t.append(f"{self.index + 1:,}/{self.nav.total:,}  ", style="bold")
        t.append(one_line(s.category or "—"))
        if s.subcategory:
            t.append(" › " + one_line(s.subcategory))
        t.append(f"  {one_line(s.id, 40)}", style="dim")
        t.append("\n")
        p = v.pair
        if p is None or (p.source == "judge" and not (p.chosen_id or p.rejected_id)
                         and p.judge_chosen_id is None and p.status == "no_pair"):
            t.append("no pair yet", style="dim")
        else:
            t.append(f"{p.status}", style="bold")
            if p.status == "pair":
                t.append(f"  now {v.slot(p.chosen_id) or '—'} ▸ {v.slot(p.rejected_id) or '—'}")
            t.append(f" ({p.source}{': ' + one_line(p.reviewer) if p.reviewer else ''})")
            if p.source == "human" and p.margin is not None:
                t.append(f" margin {p.margin:.3f}")
            if p.judge_chosen_id or p.judge_rejected_id:
                margin = f" margin {p.judge_margin:.3f}" if p.judge_margin is not None else ""
                t.append(f"   judge {v.slot(p.judge_chosen_id) or '—'} ▸ {v.slot(p.judge_rejected_id) or '—'}"
                         f"{margin}")
                if p.source == "human" and (p.status != "pair" or p.chosen_id != p.judge_chosen_id
                                            or p.rejected_id != p.judge_rejected_id):
                    t.append("  OVERRIDDEN", style="bold yellow")
        # flags and reasons get their own line: at 80 columns they would be cut off after the pair
        flags = p.flags if p is not None else []
        if p is not None and p.source == "human":
            reason, label = p.reason, "reason: "
        elif v.note:
            reason, label = v.note, "note: "
        else:
            # the judge's reason explains the judge's pair only: shown while that pair stands
            reason, label = v.judge_reason, "judge: "
        if flags or reason:
            t.append("\n")
        if flags:
            t.append("flags: " + ", ".join(one_line(f) for f in flags) + "  ", style="yellow")
        if reason:
            t.append(label + one_line(v.relabel(reason), 70), style="italic")
        self.query_one("#seed-info", Static).update(t)

    def session_line(self, left: int) -> str:
        return session_text(len(self._session_done), (time.monotonic() - self._session_start) / 60, left)

    # -- review actions -----------------------------------------------------------------------------------
    def _apply(self, make) -> bool:  # noqa: ANN001 - a zero-arg callable returning a ReviewPlan
        if self.view is None:
            return False
        try:
            plan = make()
            done = review.apply(self.store, self.view.seed.id, self.reviewer, plan)
        except review.NeedPick as ask:
            self._ask_pick(ask)
            return False
        except (review.ReviewError, StoreError) as e:
            self.notify(str(e), severity="warning", markup=False)
            return False
        if done is None:
            self.notify("no change", severity="information")
            return True
        if done.action in store_review.DECISIONS:
            self._session_done.add(self.view.seed.id)
        self.refresh_pair()
        return True

    def _ask_pick(self, ask: review.NeedPick) -> None:
        """`1` on a seed with no pair yet and three answers: which one is it compared with?"""
        v = self.view
        assert v is not None
        options = [(str(v.slot(c)), v.label(c)) for c in ask.options]
        prompt = (f"{v.label(ask.picked)} is {'chosen' if ask.role == 'rejected' else 'rejected'}. "
                  f"Which answer is {ask.role}?")

        def done(key: str | None) -> None:
            if key is None or self.view is not v:
                return
            other = v.candidate_ids[int(key) - 1]
            chosen, rejected = (ask.picked, other) if ask.role == "rejected" else (other, ask.picked)
            self._apply(lambda: review.plan_pick(chosen, rejected))

        self.app.push_screen(PickModal(prompt, options), done)

    def action_choose(self, i: int) -> None:
        v = self.view
        if v is not None:
            self._apply(lambda: review.plan_choose(v.pair, v.candidate_ids, i, v.totals))

    def action_reject(self, i: int) -> None:
        v = self.view
        if v is not None:
            self._apply(lambda: review.plan_reject(v.pair, v.candidate_ids, i, v.totals))

    def action_swap(self) -> None:
        v = self.view
        if v is not None:
            self._apply(lambda: review.plan_swap(v.pair))

    def action_tie(self) -> None:
        self._apply(review.plan_tie)

    def action_skip(self) -> None:
        if self._apply(review.plan_skip):
            self.action_next_seed()

    def action_accept(self) -> None:
        v = self.view
        if v is not None and self._apply(lambda: review.plan_accept(v.pair)):
            self.action_next_seed()

    def action_flag(self) -> None:
        v = self.view
        if v is not None:
            self._apply(lambda: review.plan_flag(v.pair))

    def action_reason(self) -> None:
        v = self.view
        if v is None:
            return
        ref = f"judge's reason (for its pair): {v.relabel(v.judge_reason)}" if v.judge_reason else ""
        human = v.pair is not None and v.pair.source == "human"
        prompt = ("Reason for your decision (recorded in the audit log)" if human else
                  "Note (not a decision; it becomes the reason of your next decision on this seed)")

        def done(text: str | None) -> None:
            if text is not None and self.view is v:
                self._apply(lambda: review.plan_reason(text, v.pair))

        self.app.push_screen(InputModal(prompt, "", reference=ref), done)

    def action_undo(self) -> None:
        if self.view is None:
            return
        if self.store.undo_review(self.view.seed.id, self.reviewer) is None:
            self.notify("nothing to undo for this seed", severity="warning")
        self.refresh_pair()

    def action_next_seed(self) -> None:
        if not self.show_index(self.index + 1) and self.nav.rows:
            self.show_index(len(self.nav.rows) - 1)
            self.notify("end of the list")

    def action_prev_seed(self) -> None:
        if self.index > 0:
            self.show_index(self.index - 1)

    def action_back(self) -> None:
        """Back to the list, which moves its cursor to the seed shown last."""
        if len(self.app.screen_stack) > 1:
            self.dismiss(self.index)

    def action_toggle_policy(self) -> None:
        self._policy_shown = not self._policy_shown
        box = self.query_one("#policy-box")
        box.set_class(not self._policy_shown, "hidden")
        if self._policy_shown and self.view is not None:
            self.query_one("#policy", Static).update(literal(refs.policy_card(self.view.seed.category)))

    def action_diff(self) -> None:
        """`d`: word diff from the rejected answer to the chosen one (answers 1 and 2 when there is no pair)."""
        from kcc_tui.diff import diff_counts, word_diff

        v = self.view
        if v is None or len(v.candidates) < 2:
            self.notify("a diff needs two answers", severity="warning")
            return
        p = v.pair
        ids = v.candidate_ids
        a, b = ((p.rejected_id, p.chosen_id) if p is not None and p.status == "pair" and p.chosen_id in ids
                and p.rejected_id in ids else (ids[0], ids[1]))
        texts = {c.id: c.text for c in v.candidates}
        removed, added = diff_counts(texts[a], texts[b])
        title = f"{v.label(a)} → {v.label(b)}: {removed} words removed, {added} added"
        self.app.push_screen(TextModal(title, word_diff(texts[a], texts[b])))

    # -- citations ----------------------------------------------------------------------------------------
    def all_marks(self) -> list[tuple[CandidatePanel, int, Mark]]:
        return [(p, i, m) for p in self._panels() for i, m in enumerate(p.marks)]

    def _select_mark(self, pos: int | None) -> None:
        marks = self.all_marks()
        for p in self._panels():
            p.select_mark(None)
        legend_line = self.query_one("#legend", Static)
        if pos is None or not marks:
            self._mark = None
            legend_line.update(legend())
            return
        self._mark = pos % len(marks)
        panel, i, m = marks[self._mark]
        panel.select_mark(i)
        t = Text(f"[{self._mark + 1}/{len(marks)}] candidate {panel.slot}: ", style="bold")
        t.append(one_line(m.label, 40), style=STYLES[m.category])
        t.append(f" — {m.verdict}  (Enter: details)")
        legend_line.update(t)

    def action_next_mark(self) -> None:
        if not self.all_marks():
            self.notify("no citations or hotlines in these answers", severity="warning")
            return
        self._select_mark(0 if self._mark is None else self._mark + 1)

    def action_prev_mark(self) -> None:
        if not self.all_marks():
            return
        self._select_mark(-1 if self._mark is None else self._mark - 1)

    def action_open_mark(self) -> None:
        marks = self.all_marks()
        if self._mark is None or not marks:
            self.notify("select a citation first (i)", severity="information")
            return
        panel, _, m = marks[self._mark % len(marks)]
        rows = refs.citation_details(m.data) if m.kind == "citation" else refs.institution_details(m.data)
        title = f"candidate {panel.slot} · {m.kind} · {m.category}"
        self.app.push_screen(DetailModal(title, rows))


def session_text(done: int, minutes: float, left: int) -> str:
    """`session 12 · 3.4/min · ~2h05m left`: this session's decisions, their rate and the time the rest of
    the queue would take at that rate."""
    if done == 0 or minutes <= 0:
        return f"session {done}"
    rate = done / minutes
    eta = left / rate
    h, m = divmod(round(eta), 60)
    return f"session {done} · {rate:.1f}/min · ~{f'{h}h{m:02d}m' if h else f'{m}m'} left"


class QueueScreen(SeedScreen):
    """The review queue: flagged and disagreeing pairs, then low margins first; progress in the info line."""

    queue_mode = True

    def __init__(self, nav: SeedNavigator | None = None) -> None:
        super().__init__(nav, 0, title="Review queue")

    def on_mount(self) -> None:
        if self.nav is None:
            self.nav = SeedNavigator(self.store, SeedFilter(), order="queue")
        super().on_mount()

    def action_back(self) -> None:
        self.app.switch_mode("browse")
