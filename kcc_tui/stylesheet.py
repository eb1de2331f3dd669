"""A stylesheet that parses each CSS source (and the CSS variables) once per set of variables.

Textual re-parses every CSS source of the app (the defaults of all its widgets and kcc.tcss) whenever a
screen is shown for the first time (`App.refresh_css`, twice per new mode), in a fresh Stylesheet that starts
with empty caches and tokenizes all theme variables again: most of the cost of opening the queue or the
stats screen. A source parses to the same rules while the variables stay the same, so this stylesheet keeps
the tokens and the rules of every source it parsed, and parses only new or changed sources; new variables
(a theme change) start over.
"""

from __future__ import annotations

from typing import Any

from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet
from textual.css.tokenize import Token, tokenize_values
from textual.dom import NoActiveAppError


class _Parsed:
    """What parsing under one set of variables produced: the variables' tokens and each source's rules."""

    def __init__(self, variables: dict[str, str]) -> None:
        self.variables = dict(variables)
        self.tokens: dict[str, list[Token]] | None = None
        self.rules: dict[tuple[Any, ...], list[RuleSet]] = {}


class ReusedStylesheet(Stylesheet):
    def __init__(self, *, variables: dict[str, str] | None = None, parsed: _Parsed | None = None) -> None:
        super().__init__(variables=variables)
        self._parsed = parsed if parsed is not None else _Parsed(self._variables)
        self._parsed_from: dict[Any, Any] | None = None  # the sources of the last reparse

    def set_variables(self, variables: dict[str, str]) -> None:
        if variables != self._parsed.variables:
            self._parsed = _Parsed(variables)
            self._parsed_from = None
        super().set_variables(variables)

    @property
    def _variable_tokens(self) -> dict[str, list[Token]]:
        if self._parsed.tokens is None:
            self._parsed.tokens = tokenize_values(self._variables)
        return self._parsed.tokens

    def _parse_rules(self, css: str, read_from: Any, is_default_rules: bool = False, tie_breaker: int = 0,
                     scope: str = "") -> list[RuleSet]:
        key = (css, read_from, is_default_rules, tie_breaker, scope)
        rules = self._parsed.rules.get(key)
        if rules is None:
            rules = super()._parse_rules(css, read_from, is_default_rules, tie_breaker, scope)
            self._parsed.rules[key] = rules
        return rules

    def reparse(self) -> None:
        """Textual's reparse (into a fresh stylesheet, so an error leaves this one intact), sharing what was
        parsed; nothing to do when the sources did not change since the last one."""
        if self._parsed_from is not None and not self._require_parse and self._parsed_from == self.source:
            return
        fresh = ReusedStylesheet(variables=self._variables, parsed=self._parsed)
        for read_from, (css, is_defaults, tie_breaker, scope) in self.source.items():
            fresh.add_source(css, read_from=read_from, is_default_css=is_defaults, tie_breaker=tie_breaker,
                             scope=scope)
        try:
            fresh.parse()
        except Exception:
            self._invalid_css.update(fresh._invalid_css)
            raise
        self._rules = fresh.rules
        self._rules_map = None
        self.source = fresh.source
        self._require_parse = False
        self._parsed_from = dict(self.source)


class StyledOnMount:
    """For screens: a new screen starts as styled with the app's current CSS, at its size's breakpoints.

    Textual marks a new screen's CSS as out of date, so the first visit to each mode restyles every node of
    every screen already open (`App.refresh_css`, twice). A new screen's widgets are styled when they are
    registered, from the stylesheet of that moment, and a widget's default CSS is scoped to its own type, so
    nothing else needs restyling; a theme change still bumps the app's count and restyles as before.
    The breakpoint classes (-wide / -narrow) are set before the widgets are styled, not after the first
    resize (which restyles the whole screen once more); a resize still sets them as before.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        try:
            app = self.app  # type: ignore[attr-defined]
        except NoActiveAppError:
            return
        self._css_update_count = app._css_update_count
        for ours, theirs, dimension in ((self.HORIZONTAL_BREAKPOINTS, app.HORIZONTAL_BREAKPOINTS, app.size.width),  # type: ignore[attr-defined]
                                        (self.VERTICAL_BREAKPOINTS, app.VERTICAL_BREAKPOINTS, app.size.height)):  # type: ignore[attr-defined]
            breakpoints = (theirs if ours is None else ours) or []
            if breakpoints:
                self.add_class(*self._get_breakpoint_classes(dimension, breakpoints), update=False)  # type: ignore[attr-defined]
