"""Small modal dialogs: a detail popup (citation/hotline), a reason input, a job launcher form."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from kcc_tui.literal import visible


class DetailModal(ModalScreen[None]):
    """Read-only field/value popup; Escape, Enter or q closes it."""

    BINDINGS = [Binding("escape,enter,q", "close", "Close", id="close_popup")]
    DEFAULT_CSS = """
    DetailModal { align: center middle; }
    DetailModal > VerticalScroll { width: 90%; max-width: 100; height: auto; max-height: 80%;
        border: thick $accent; background: $surface; padding: 0 1; }
    """

    def __init__(self, title: str, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.rows = rows

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 1))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for k, v in self.rows:
            table.add_row(Text(visible(k)), Text(visible(v)))
        with VerticalScroll() as vs:
            vs.border_title = visible(self.title_text)
            yield Static(table, id="detail-body")

    def action_close(self) -> None:
        self.dismiss(None)


class InputModal(ModalScreen[str | None]):
    """One line of text (a review reason, a path); Enter submits, Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel_input")]
    DEFAULT_CSS = """
    InputModal { align: center middle; }
    InputModal > Vertical { width: 80%; max-width: 90; height: auto; border: thick $accent;
        background: $surface; padding: 0 1; }
    InputModal Label { margin-bottom: 1; }
    """

    def __init__(self, prompt: str, value: str = "", placeholder: str = "", reference: str = "") -> None:
        """reference: read-only text shown under the box (e.g. the judge's reason), never pre-filled."""
        super().__init__()
        self.prompt = prompt
        self.value = value
        self.placeholder = placeholder
        self.reference = reference

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.prompt, markup=False)
            yield Input(value=self.value, placeholder=self.placeholder, id="modal-input")
            if self.reference:
                yield Label(visible(self.reference), markup=False, id="modal-reference")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class FormModal(ModalScreen[dict[str, str] | None]):
    """Several labelled inputs (job parameters); Enter in the last field or ctrl+s submits."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel_form"),
                Binding("ctrl+s", "submit", "Start", id="submit_form")]
    DEFAULT_CSS = """
    FormModal { align: center middle; }
    FormModal > Vertical { width: 90%; max-width: 100; height: auto; border: thick $accent;
        background: $surface; padding: 0 1; }
    FormModal Input { margin-bottom: 1; }
    """

    def __init__(self, title: str, fields: list[tuple[str, str, str]]) -> None:
        """fields: (name, label, default value)."""
        super().__init__()
        self.title_text = title
        self.fields = fields

    def compose(self) -> ComposeResult:
        with Vertical() as v:
            v.border_title = self.title_text
            for name, label, value in self.fields:
                yield Label(label, markup=False)
                yield Input(value=value, id=f"field-{name}")
            yield Label("Enter in the last field (or ctrl+s) starts · Escape cancels", markup=False)

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        inputs = list(self.query(Input))
        if event.input is inputs[-1]:
            self.action_submit()
        else:
            inputs[inputs.index(event.input) + 1].focus()

    def action_submit(self) -> None:
        self.dismiss({name: self.query_one(f"#field-{name}", Input).value for name, _, _ in self.fields})

    def action_cancel(self) -> None:
        self.dismiss(None)


class PickModal(ModalScreen[str | None]):
    """Pick one of a few answers by its number key (e.g. which answer is rejected); Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel_pick")]
    DEFAULT_CSS = """
    PickModal { align: center middle; }
    PickModal > Vertical { width: 80%; max-width: 90; height: auto; border: thick $accent;
        background: $surface; padding: 0 1; }
    """

    def __init__(self, prompt: str, options: list[tuple[str, str]]) -> None:
        """options: (key, label); pressing the key returns it."""
        super().__init__()
        self.prompt = prompt
        self.options = options

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.prompt, markup=False)
            for key, label in self.options:
                yield Label(f"  {key}  {label}", markup=False)
            yield Label("Escape: cancel (nothing is recorded)", markup=False)

    def on_key(self, event) -> None:  # noqa: ANN001 - textual.events.Key
        keys = {k for k, _ in self.options}
        if event.character in keys:
            event.stop()
            self.dismiss(event.character)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmModal(ModalScreen[bool]):
    """Yes/no before something that cannot be taken back (cancelling a job); y confirms, n/Escape do not."""

    BINDINGS = [Binding("y", "answer(True)", "Yes", id="confirm_yes"),
                Binding("n,escape", "answer(False)", "No", id="confirm_no")]
    DEFAULT_CSS = """
    ConfirmModal { align: center middle; }
    ConfirmModal > Vertical { width: 70%; max-width: 80; height: auto; border: thick $warning;
        background: $surface; padding: 0 1; }
    """

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question, markup=False)
            yield Label("y: yes · n / Escape: no", markup=False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class TextModal(ModalScreen[None]):
    """A scrollable read-only rich Text (a word diff); Escape, Enter or q closes it."""

    BINDINGS = [Binding("escape,enter,q", "close", "Close", id="close_text")]
    DEFAULT_CSS = """
    TextModal { align: center middle; }
    TextModal > VerticalScroll { width: 95%; max-width: 120; height: auto; max-height: 85%;
        border: thick $accent; background: $surface; padding: 0 1; }
    """

    def __init__(self, title: str, body: Text) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with VerticalScroll() as vs:
            vs.border_title = visible(self.title_text)
            yield Static(self.body, id="text-body")

    def action_close(self) -> None:
        self.dismiss(None)
