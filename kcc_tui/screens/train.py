"""The DPO training form: a local model folder (checked by kcc_train's own check), the pair filters and the
main DPO settings, a live preview of the TOML, then start. An existing run.toml can be used instead."""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Select, Static

from kcc_tui.literal import visible
from kcc_tui.trainform import FormError, TrainForm, check_config, to_toml

TEXT_FIELDS = [("model", "local model folder (config.json + weights; never a hub id)"),
               ("output_dir", "output folder (empty: next to the store)"),
               ("min_margin", "min margin of judge pairs (empty: none)"),
               ("categories", "categories (e.g. K01 K05; empty: all)"),
               ("beta", "DPO beta"), ("learning_rate", "learning rate"), ("epochs", "epochs"),
               ("max_steps", "max steps (-1: use epochs)"), ("max_length", "max length (tokens)")]


class TrainModal(ModalScreen[str | None]):
    """Returns the path of the checked TOML to start, or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel_train"),
                Binding("ctrl+s", "start", "Check & start", id="start_train_form")]
    DEFAULT_CSS = """
    TrainModal { align: center middle; }
    TrainModal > VerticalScroll { width: 95%; max-width: 110; height: 90%; border: thick $accent;
        background: $surface; padding: 0 1; }
    TrainModal Input { margin-bottom: 0; }
    TrainModal .row { height: auto; }
    TrainModal #train-preview { border: round $panel; height: auto; color: $text-muted; }
    TrainModal #train-check { height: auto; }
    """

    def __init__(self, toml_path: Path, default_output: Path, base: Path) -> None:
        super().__init__()
        self.toml_path = toml_path
        self.default_output = default_output
        self.base = base
        self.text: str | None = None

    def compose(self) -> ComposeResult:
        defaults = TrainForm()
        with VerticalScroll() as v:
            v.border_title = "DPO training (kcc-train dpo)"
            for name, label in TEXT_FIELDS:
                yield Label(label, markup=False)
                yield Input(value=str(getattr(defaults, name)), id=f"train-{name}", compact=True)
            with Horizontal(classes="row"):
                yield Checkbox("reviewed pairs only", id="train-reviewed_only", compact=True)
                yield Checkbox("LoRA adapters", id="train-lora", compact=True)
                yield Select([("any source", "any"), ("judge pairs", "judge"), ("human pairs", "human")],
                             value="any", allow_blank=False, compact=True, id="train-source")
            yield Label("or an existing run.toml (empty: the form above)", markup=False)
            yield Input(id="train-config", compact=True)
            yield Static("", id="train-check", markup=False)
            yield Static("", id="train-preview", markup=False)
            yield Label("ctrl+s: check the model folder and the config, then start · Escape: cancel", markup=False)

    def on_mount(self) -> None:
        self.query_one("#train-model", Input).focus()
        self.refresh_preview()

    def form(self) -> TrainForm:
        values: dict[str, object] = {name: self.query_one(f"#train-{name}", Input).value for name, _ in TEXT_FIELDS}
        values["reviewed_only"] = self.query_one("#train-reviewed_only", Checkbox).value
        values["lora"] = self.query_one("#train-lora", Checkbox).value
        values["source"] = str(self.query_one("#train-source", Select).value)
        return TrainForm(**values)  # type: ignore[arg-type]

    @on(Input.Changed)
    @on(Checkbox.Changed)
    @on(Select.Changed)
    def refresh_preview(self) -> None:
        preview = self.query_one("#train-preview", Static)
        existing = self.query_one("#train-config", Input).value.strip()
        if existing:
            self.text = None
            preview.update(f"will use {visible(existing)} as it is")
            return
        try:
            self.text = to_toml(self.form(), base=self.base, default_output=self.default_output)
            preview.update(visible(self.text))
        except FormError as e:
            self.text = None
            preview.update(f"✘ {e}")

    def action_start(self) -> None:
        existing = self.query_one("#train-config", Input).value.strip()
        if existing:
            p = Path(existing).expanduser()
            path = p if p.is_absolute() else (self.base / p).resolve()
        elif self.text is None:
            self.notify("fix the form first (see the preview)", severity="warning")
            return
        else:
            self.toml_path.parent.mkdir(parents=True, exist_ok=True)
            self.toml_path.write_text(self.text, encoding="utf-8")
            path = self.toml_path
        self.query_one("#train-check", Static).update("checking the model folder and the config …")
        self.run_check(path)

    @work(thread=True, exclusive=True, group="train-check")
    def run_check(self, path: Path) -> None:
        ok, msg = check_config(path)
        self.app.call_from_thread(self._checked, path, ok, msg)

    def _checked(self, path: Path, ok: bool, msg: str) -> None:
        self.query_one("#train-check", Static).update(("✔ " if ok else "✘ ") + visible(msg))
        if ok:
            self.dismiss(str(path))

    def action_cancel(self) -> None:
        self.dismiss(None)
