"""The reviewer's commands in Textual's command palette (ctrl+p): screens, filters, jobs, help."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


def palette_commands(app) -> list[tuple[str, str, Callable[[], object]]]:  # noqa: ANN001 - KccApp
    """(title, help, callback) for every palette command; also listed on the help screen."""
    cmds: list[tuple[str, str, Callable[[], object]]] = [
        ("Browse seeds", "taxonomy tree and the filtered seed list", partial(app.switch_mode, "browse")),
        ("Review queue", "flagged, disagreeing and low-margin pairs first", partial(app.switch_mode, "queue")),
        ("Search", "full text over seeds and answers", partial(app.switch_mode, "search")),
        ("Stats", "safe rates, judge–human agreement (kappa), overrides", partial(app.switch_mode, "stats")),
        ("Jobs", "background judge / export / training / evaluation runs", partial(app.switch_mode, "jobs")),
        ("Start judge run", "kcc-judge run on this store, in the background", partial(app.start_job, "judge")),
        ("Start export", "kcc export: preference pairs as TRL rows", partial(app.start_job, "export")),
        ("Start DPO training", "kcc-train dpo --config FILE", partial(app.start_job, "train")),
        ("Start re-evaluation", "kcc-train eval", partial(app.start_job, "eval")),
        ("Help: keys", "every key binding of every screen", app.action_help),
    ]
    for review in ("all", "unreviewed", "reviewed", "flagged", "overridden"):
        cmds.append((f"Filter seeds: {review}", "set the review filter of the seed list",
                     partial(app.filter_seeds, None if review == "all" else review)))
    return cmds


class KccCommands(Provider):
    """Fuzzy-matched KCC commands."""

    async def discover(self) -> Hits:
        for title, help_text, cb in palette_commands(self.app):
            yield DiscoveryHit(title, cb, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, cb in palette_commands(self.app):
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), cb, text=title, help=help_text)
