"""Data text shown literally: never parsed as markup, control characters made visible.

Seeds and candidates come from models and users; a `[bold red]` or an ANSI escape inside them must appear
exactly as typed, never restyle or move the terminal. Every replacement here is one character for one, so
the character offsets of the judge's citation spans stay valid on the displayed text.
"""

from __future__ import annotations

from rich.text import Text

_BIDI = {0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069}


def _visible_char(ch: str) -> str:
    o = ord(ch)
    if ch in "\n\t":
        return ch
    if o < 0x20:
        return chr(0x2400 + o)  # control pictures: ESC -> ␛, CR -> ␍, BEL -> ␇
    if o == 0x7F:
        return "␡"
    if 0x80 <= o <= 0x9F or o in _BIDI:
        return "\ufffd"  # C1 controls (CSI 0x9B...) and bidi overrides: shown as a replacement mark
    return ch


_TABLE = {o: _visible_char(chr(o)) for o in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *_BIDI]}


def visible(text: str | None) -> str:
    """The text with control characters replaced by visible look-alikes (same length)."""
    if not text:
        return ""
    return text.translate(_TABLE)


def one_line(text: str | None, width: int | None = None) -> str:
    """A single display line: newlines and tabs become spaces, controls visible, optionally cut."""
    s = visible(text).replace("\n", " ").replace("\t", " ")
    if width is not None and len(s) > width:
        return s[: max(0, width - 1)] + "…"
    return s


def literal(text: str | None, style: str = "") -> Text:
    """A rich Text that renders `text` literally (no markup, no escapes)."""
    return Text(visible(text), style=style, no_wrap=False)
