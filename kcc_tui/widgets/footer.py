"""The key footer, rebuilt only when the keys it shows change.

Textual's Footer recomposes on every bindings signal (each focus change sends one: five while a seed screen
mounts) and restyles each new key once more to mark it compact. With ~25 keys that was most of the cost of
opening a screen. This footer remembers what it last showed and skips a recompose that would show the same
keys, and builds its keys already compact.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KeyFooter(Footer):
    """A compact Footer that recomposes only when its keys (key, label, action, enabled, tooltip) change."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("compact", True)
        super().__init__(**kwargs)
        self._shown: tuple[Any, ...] | None = None

    def _keys(self, screen: Screen) -> tuple[Any, ...]:
        """What compose() would show for these bindings, as a comparable value."""
        app = self.app
        keys = tuple((b.key, app.get_key_display(b), b.description, b.action, enabled, tooltip, b.show,
                      id(b.group) if b.group is not None else None)
                     for _, b, enabled, tooltip in screen.active_bindings.values() if b.show)
        return (keys, self.show_command_palette, self.compact, app.ENABLE_COMMAND_PALETTE)

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._shown = self._keys(self.screen)
        for widget in super().compose():
            if self.compact and isinstance(widget, FooterKey):
                widget.add_class("-compact", update=False)  # already what its compact binding would set
            yield widget

    def bindings_changed(self, screen: Screen) -> None:
        if (self._bindings_ready and self.is_attached and screen is self.screen
                and self._keys(screen) == self._shown):
            return
        super().bindings_changed(screen)
        if self.is_attached and screen is self.screen and screen.app.app_focus:
            self._shown = self._keys(screen)  # a recompose is scheduled: a second signal before it runs needs none
