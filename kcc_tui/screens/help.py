"""Help: every key of every screen, generated from the bindings (after the configured remapping)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from kcc_tui.keys import key_table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close", id="close_help")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 95%; max-width: 110; height: 90%; border: thick $accent;
        background: $surface; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        table = Table(box=None, padding=(0, 1), show_header=True, expand=True)
        table.add_column("where", style="bold", no_wrap=True)
        table.add_column("key", style="bold cyan", no_wrap=True)
        table.add_column("action")
        table.add_column("id", style="dim")
        for where, key, description, binding_id in key_table(self.app):
            table.add_row(Text(where), Text(key), Text(description), Text(binding_id))
        with VerticalScroll() as vs:
            vs.border_title = "Keys (remap in kcc.toml: [kcc.keys.bindings] id = \"key\")"
            yield Static(table, id="help-keys")
            yield Static(Text("Command palette: ctrl+p (all commands, themes). Mouse: click rows, tree nodes, "
                              "panels; wheel scrolls.", style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)
