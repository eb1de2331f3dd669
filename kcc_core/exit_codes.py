"""One exit-code table for every KCC command (`kcc`, `kcc-judge`, `kcc-train`), documented in the README.

A number means the same thing in every command, so a script or a scheduler can act on it without knowing which
command ran: 1 is "finished, look at the report", 2 "fix the input and run again", 3 "it broke", 4 "someone else
holds it", 130 "stopped before the end, resume it".
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    PARTIAL = 1
    USAGE = 2
    FAILED = 3
    BUSY = 4
    DATA_MISSING = 5
    GATE = 6
    BUDGET = 7
    PENDING = 8
    EMPTY = 9
    INTERRUPTED = 130


MEANING: dict[ExitCode, str] = {
    ExitCode.OK: "done: everything asked was done",
    ExitCode.PARTIAL: "finished, with findings: some items failed, were unscored or rejected, or a lookup found nothing",
    ExitCode.USAGE: "usage or input error (bad option, unreadable or invalid input, bad kcc.toml / KCC_* value): "
                    "nothing was changed",
    ExitCode.FAILED: "the run failed (unexpected error; the run row says why)",
    ExitCode.BUSY: "the run or store is held by another live process: nothing was done",
    ExitCode.DATA_MISSING: "data the task needs is not on this machine (a benchmark's local files)",
    ExitCode.GATE: "the regression gate fired: a benchmark dropped beyond the threshold",
    ExitCode.BUDGET: "stopped at the spending budget (resumable with a larger budget)",
    ExitCode.PENDING: "submitted batches are still pending at the provider (run the same command again later)",
    ExitCode.EMPTY: "nothing matched: the export would be empty, nothing was written",
    ExitCode.INTERRUPTED: "interrupted or cancelled (SIGINT/SIGTERM or a cancel request): resumable with --resume",
}


def epilog(*codes: ExitCode) -> str:
    """The `--help` epilog listing `codes` (default: all) with their one meaning."""
    rows = codes or tuple(ExitCode)
    lines = ["\b", "Exit codes (the same in every kcc command):"]
    lines += [f"  {int(c):<4d} {MEANING[c]}" for c in rows]
    return "\n".join(lines) + "\n"


def markdown_table() -> str:
    """The README's table (tests/test_exit_codes.py keeps the two equal)."""
    lines = ["| code | name | meaning |", "|---:|---|---|"]
    lines += [f"| {int(c)} | `{c.name}` | {MEANING[c]} |" for c in ExitCode]
    return "\n".join(lines)
