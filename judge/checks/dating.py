"""The date a rules pass runs as of, and the one-time warning when the statute snapshot is old."""

from __future__ import annotations

import datetime as _dt
import functools
import sys
import time

STALE_DAYS = 180  # a registry older than this (relative to the as-of date) is reported once per process
_warned = [False]


def resolve_as_of(as_of: _dt.date | str | None) -> _dt.date:
    """`as_of` as a date: None is today; a string must be YYYY-MM-DD."""
    if as_of is None:
        return _today()
    if isinstance(as_of, _dt.datetime):
        return as_of.date()
    if isinstance(as_of, _dt.date):
        return as_of
    try:
        return _dt.date.fromisoformat(str(as_of).strip())
    except ValueError as e:
        raise ValueError(f"as_of: expected a date YYYY-MM-DD, got {as_of!r}") from e


_TODAY: list = [0.0, None]  # (time it was read, date): `date.today()` costs more than a rules pass should pay


def _today() -> _dt.date:
    now = time.time()
    if now - _TODAY[0] > 1.0 or _TODAY[1] is None:
        _TODAY[0], _TODAY[1] = now, _dt.date.today()
    return _TODAY[1]


def snapshot_age_days(snapshot: str, as_of: _dt.date) -> int | None:
    try:
        return (as_of - _dt.date.fromisoformat(snapshot)).days
    except ValueError:
        return None


@functools.lru_cache(maxsize=64)
def is_stale(snapshot: str, as_of: _dt.date) -> bool:
    age = snapshot_age_days(snapshot, as_of)
    return age is not None and age > STALE_DAYS


def warn_stale_once(snapshot: str, as_of: _dt.date, stream=None) -> None:
    """One line on stderr the first time a stale registry is used in this process (not once per text)."""
    if _warned[0] or not is_stale(snapshot, as_of):
        return
    _warned[0] = True
    age = snapshot_age_days(snapshot, as_of)
    (stream or sys.stderr).write(
        f"warning: statute registry snapshot {snapshot} is {age} days older than {as_of.isoformat()} "
        f"(over {STALE_DAYS}): laws changed since may be judged on old text; rebuild with `kcc statutes build`\n"
    )
