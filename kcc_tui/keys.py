"""The key table behind the help screen: every binding of the app and its screens, remapping applied."""

from __future__ import annotations

import unicodedata

from textual.binding import Binding
from textual.keys import KEY_NAME_REPLACEMENTS, REPLACED_KEYS, Keys, key_to_character

_NAMED = {k.value.rsplit("+", 1)[-1] for k in Keys} - {"<any>", "<ignore>", "<scroll-down>", "<scroll-up>"}


# how the help screen names each mode's screen (the queue is the seed screen reached in queue order)
WHERE = {"queue": "seed/queue"}


def _screens(app) -> list[tuple[str, list[Binding]]]:  # noqa: ANN001 - a KccApp
    """The bindings of each mode's screen, read from the app's MODES: this module sits below the screens
    (the help screen imports it), so it never imports them."""

    def b(cls: type) -> list[Binding]:
        return [x for x in getattr(cls, "BINDINGS", []) if isinstance(x, Binding)]

    return [(WHERE.get(mode, mode), b(cls)) for mode, cls in type(app).MODES.items() if isinstance(cls, type)]


def display_key(key: str) -> str:
    names = {"exclamation_mark": "!", "at": "@", "number_sign": "#", "question_mark": "?", "slash": "/",
             "escape": "esc", "pagedown": "pgdn"}
    return ", ".join(names.get(k.strip(), k.strip()) for k in key.split(","))


def key_table(app) -> list[tuple[str, str, str, str]]:  # noqa: ANN001 - a KccApp
    """(where, keys, description, binding id) rows; keys reflect the app's keymap."""
    keymap: dict[str, str] = dict(getattr(app, "keymap_config", {}) or {})
    rows: list[tuple[str, str, str, str]] = []
    groups = [("everywhere", [x for x in type(app).BINDINGS if isinstance(x, Binding)]), *_screens(app)]
    for where, bindings in groups:
        for bnd in bindings:
            key = keymap.get(bnd.id or "", bnd.key)
            rows.append((where, display_key(key), bnd.description or bnd.action, bnd.id or ""))
    rows.append(("everywhere", "ctrl+p", "command palette", ""))
    return rows


def valid_key(key: str) -> bool:
    """Is `key` a Textual key name ("j", "!", "exclamation_mark", "ctrl+s", "f2", "pagedown")?"""
    base = key.strip().rsplit("+", 1)[-1]
    if not base:
        return False
    return (len(base) == 1 or base in _NAMED or key_to_character(base) is not None
            or key_to_character(REPLACED_KEYS.get(base, base)) is not None)


def _norm(key: str) -> str:
    """"!" -> "exclamation_mark", as Textual names keys (so "!" and the default key compare equal)."""
    k = key.strip()
    if len(k) == 1 and not k.isalnum():
        name = unicodedata.name(k, k).lower().replace("-", "_").replace(" ", "_")
        return KEY_NAME_REPLACEMENTS.get(name, name)
    return k


def keymap_problems(app, keymap: dict[str, str]) -> list[str]:  # noqa: ANN001 - a KccApp
    """Why a configured remapping would silently do nothing: an unknown binding id, a key that is not a key
    name (the binding is then unreachable: its default key is gone too), or two bindings of one screen on
    the same key (only one of them can fire)."""
    problems: list[str] = []
    rows = key_table(app)
    ids = {bid for _, _, _, bid in rows if bid}
    for bid, keys in keymap.items():
        if bid not in ids:
            problems.append(f"unknown binding id {bid!r} (the help screen lists the ids)")
            continue
        bad = [k.strip() for k in keys.split(",") if not valid_key(k)]
        if bad:
            problems.append(f"{bid} = {keys!r}: not a key name: {', '.join(repr(b) for b in bad)}")
    groups = [("everywhere", [x for x in type(app).BINDINGS if isinstance(x, Binding)]), *_screens(app)]
    for where, bindings in groups:
        owner: dict[str, str] = {}
        for bnd in bindings:
            raw = keymap.get(bnd.id or "", bnd.key)
            for k in (_norm(x) for x in raw.split(",")):
                other = owner.setdefault(k, bnd.id or bnd.action)
                if other != (bnd.id or bnd.action) and (bnd.id in keymap or other in keymap):
                    problems.append(f"{where}: key {display_key(k)!r} is bound to both {other} and {bnd.id}")
    return problems
