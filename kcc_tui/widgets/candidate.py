"""One candidate answer: header (model, verdict, total, chosen/rejected), highlighted text, rubric, checks."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from db.models import Candidate, Judgment, Pair
from kcc_tui.highlight import Mark, highlighted, marks_from_checks
from kcc_tui.literal import one_line, visible

SEVERITY_STYLE = {"critical": "bold red", "error": "red", "warning": "yellow", "info": "dim"}
VERDICT_STYLE = {"safe": "bold green", "unsafe": "bold red", "unscored": "dim"}


def role_of(pair: Pair | None, candidate_id: str) -> tuple[str | None, str | None]:
    """(current role, judge's role): "chosen" / "rejected" / None for this candidate."""
    if pair is None:
        return None, None
    # a tie, a skip or no pair at all has no chosen or rejected answer, whatever ids the row still holds
    cur = (None if pair.status != "pair" else "chosen" if pair.chosen_id == candidate_id
           else "rejected" if pair.rejected_id == candidate_id else None)
    judge = ("chosen" if pair.judge_chosen_id == candidate_id
             else "rejected" if pair.judge_rejected_id == candidate_id else None)
    return cur, judge


def header_text(slot: int, cand: Candidate, judgment: Judgment | None, pair: Pair | None) -> Text:
    t = Text()
    cur, judge = role_of(pair, cand.id)
    t.append(f" {slot} ", style="bold reverse")
    t.append(f" ({one_line(cand.id, 24)}) ", style="dim")
    t.append(one_line(cand.model, 28), style="bold")
    if judgment is not None:
        t.append("  ")
        t.append(judgment.verdict, style=VERDICT_STYLE.get(judgment.verdict, ""))
        if judgment.total is not None:
            t.append(f"  {judgment.total:.3f}")
    else:
        t.append("  not judged", style="dim")
    if cur == "chosen":
        t.append("  ✔ CHOSEN", style="bold green")
    elif cur == "rejected":
        t.append("  ✘ REJECTED", style="bold red")
    if pair is not None and pair.status == "tie":
        t.append("  = TIE", style="bold")
    if pair is not None and pair.source == "human" and judge != cur and (judge or pair.judge_chosen_id):
        t.append(f"  (judge: {judge or '—'})", style="italic")
    elif judge is not None and pair is not None and pair.source == "judge":
        t.append("  (judge)", style="dim")
    return t


def rubric_text(rubric: dict[str, Any]) -> Text:
    t = Text()
    width = min(20, max((len(str(n)) for n in rubric), default=0))
    for name, val in rubric.items():
        if isinstance(val, dict):
            score, why = val.get("score"), val.get("rationale")
        else:
            score, why = val, None
        t.append(f"{one_line(str(name), width):<{width}} ", style="bold")
        t.append(f"{score if score is not None else '—'}")
        if why:
            t.append("  ")
            t.append(visible(str(why)), style="dim")
        t.append("\n")
    t.rstrip()
    return t


def checks_text(checks: dict[str, Any]) -> Text:
    t = Text()
    refusal = checks.get("refusal")
    if refusal:
        t.append(f"refusal: {refusal}")
    if "korean_ratio" in checks:
        t.append(f"  korean: {float(checks.get('korean_ratio') or 0):.2f}")
    if checks.get("harmful_compliance"):
        t.append("  HARMFUL COMPLIANCE", style="bold red")
    for c in checks.get("checks") or ():
        if not isinstance(c, dict):
            continue
        sev = str(c.get("severity", "info"))
        t.append("\n")
        t.append(f"{sev:<8} ", style=SEVERITY_STYLE.get(sev, ""))
        t.append(one_line(str(c.get("id", ""))), style="bold")
        t.append(" ")
        t.append(visible(str(c.get("message", ""))))
    return t


class CandidatePanel(VerticalScroll, can_focus=True):
    """A scrollable card for one candidate; the screen fills it with `show()`."""

    DEFAULT_CSS = """
    CandidatePanel { border: round $panel; padding: 0 1; }
    CandidatePanel.-chosen { border: round $success; }
    CandidatePanel.-rejected { border: round $error; }
    CandidatePanel:focus { border: round $accent; }
    CandidatePanel > .cand-head { height: auto; dock: top; }
    CandidatePanel > .cand-text { height: auto; margin: 1 0; }
    CandidatePanel > .cand-section { height: auto; color: $text-muted; }
    """

    def __init__(self, slot: int, **kw: Any) -> None:
        super().__init__(**kw)
        self.slot = slot
        self.text = ""
        self.marks: list[Mark] = []
        self._pending: tuple[Candidate, Judgment | None, Pair | None] | None = None

    def compose(self) -> ComposeResult:
        yield Static("", classes="cand-head", markup=False)
        yield Static("", classes="cand-text", markup=False)
        yield Static("", classes="cand-section rubric", markup=False)
        yield Static("", classes="cand-section checks", markup=False)

    def show(self, cand: Candidate, judgment: Judgment | None, pair: Pair | None) -> None:
        """Fill the card (at once if composed, else as soon as it is mounted)."""
        self._pending = (cand, judgment, pair)
        if len(self.query(Static)) == 4:
            self._apply()
        else:  # not mounted yet: its border colour is styled with the rest of the card, not restyled after
            self._set_role(pair, cand.id, update=False)

    def on_mount(self) -> None:
        if self._pending is not None:
            self._apply()

    def _apply(self) -> None:
        assert self._pending is not None
        cand, judgment, pair = self._pending
        self._pending = None
        self.text = cand.text
        self.marks = marks_from_checks(judgment.checks if judgment else None, len(cand.text))
        self._set_role(pair, cand.id)
        head, body, rubric, checks = self.query(Static).results()
        head.update(header_text(self.slot, cand, judgment, pair))
        body.update(highlighted(cand.text, self.marks))
        rub = rubric_text(judgment.rubric) if judgment and judgment.rubric else Text("")
        if rub.plain:
            rub = Text.assemble(Text("rubric\n", style="underline"), rub)
        rubric.update(rub)
        chk = checks_text(judgment.checks) if judgment and judgment.checks else Text("")
        if chk.plain:
            chk = Text.assemble(Text("checks\n", style="underline"), chk)
        checks.update(chk)
        self.scroll_home(animate=False)

    def _set_role(self, pair: Pair | None, candidate_id: str, update: bool = True) -> None:
        cur, _ = role_of(pair, candidate_id)
        self.update_classes({"-chosen": cur == "chosen", "-rejected": cur == "rejected"}, update=update)

    def select_mark(self, index: int | None) -> None:
        """Re-render the text with mark `index` (of this panel) reversed, and scroll it into view."""
        found = self.query(".cand-text")
        if not found:
            return
        body = found.first(Static)
        body.update(highlighted(self.text, self.marks, index))
        if index is not None and 0 <= index < len(self.marks):
            # the card's title is docked, so it stays in view; stacked cards scroll so this one is shown
            self.scroll_visible(top=True, animate=False)
            width = max(1, body.content_region.width or self.content_region.width or 1)
            before = self.text[: self.marks[index].start]
            line = sum(max(1, -(-len(part) * 2 // width)) for part in before.split("\n")) - 1
            self.scroll_to(y=max(0, body.virtual_region.y + line - 2), animate=False)
