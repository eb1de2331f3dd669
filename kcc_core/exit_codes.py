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
    ExitCode.INTERRUPTED: "interrupted or cancelled (SIGINT/SIGTERM or a cancel request): resumable "
                             "(--resume, or the same command again)",
}


ALWAYS = (ExitCode.OK, ExitCode.USAGE, ExitCode.FAILED, ExitCode.INTERRUPTED)
"""What any KCC command can return: success, a usage error, an unexpected failure, an interrupt (kcc_core.cli)."""


def epilog(*codes: ExitCode) -> str:
    """The `--help` epilog listing `codes` and the ones every command can return (`ALWAYS`); no codes: all."""
    rows = sorted(set(codes) | set(ALWAYS)) if codes else list(ExitCode)
    lines = ["\b", "Exit codes (the same in every kcc command):"]
    lines += [f"  {int(c):<4d} {MEANING[c]}" for c in rows]
    return "\n".join(lines) + "\n"


def markdown_table() -> str:
    """The README's table (tests/test_exit_codes.py keeps the two equal)."""
    lines = ["| code | name | meaning |", "|---:|---|---|"]
    lines += [f"| {int(c)} | `{c.name}` | {MEANING[c]} |" for c in ExitCode]
    return "\n".join(lines)


def for_run_status(status: str) -> ExitCode:
    """The exit code of a command whose run ended with `status` (db.runs: done, cancelled, interrupted, failed)."""
    if status in ("cancelled", "interrupted"):
        return ExitCode.INTERRUPTED
    if status == "failed":
        return ExitCode.FAILED
    return ExitCode.OK


def run_status_for_exit(code: int) -> str:
    """What a launcher records for a child that exited with `code` without finishing its own run row: 0 done,
    130 interrupted (resumable), anything else failed."""
    if code == ExitCode.OK:
        return "done"
    if code == ExitCode.INTERRUPTED:
        return "interrupted"
    return "failed"


def meaning(code: int) -> str:
    """MEANING of `code`, or a note that it is not one of the table's (a crash outside click, a signal)."""
    try:
        return MEANING[ExitCode(code)]
    except ValueError:
        return "not a KCC exit code (the process crashed or was killed)"
