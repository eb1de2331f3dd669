"""Empty and runaway answers: nothing said, far too much said, or the same thing said over and over."""

from __future__ import annotations

import re
import zlib

from judge.checks.construct import new_check
from judge.checks.models import CheckResult

HUGE = 20_000  # characters
MIN_FOR_REPEAT = 300
COMPRESS_RATIO = 0.12  # zlib size / UTF-8 size below this: repetition (normal Korean prose is ~0.35-0.6)
_CHAR_RUN = re.compile(r"(\S)\1{29,}")  # one character 30+ times in a row


def _repetitive(stripped: str) -> tuple[bool, float | None]:
    head = stripped[:200_000]
    parts = [p for p in map(str.strip, head.replace("\n", ".").replace("!", ".").replace("?", ".").split(".")) if p]
    if len(parts) >= 8 and len(set(parts)) / len(parts) < 0.5:
        return True, round(len(set(parts)) / len(parts), 3)
    # few sentence breaks, or a long text: a character run or compression tells periodic text apart
    if len(parts) < 4 or len(stripped) >= 2000:
        if _CHAR_RUN.search(stripped, 0, 200_000):
            return True, None
        raw = stripped[:200_000].encode("utf-8", "replace")
        ratio = len(zlib.compress(raw, 1)) / len(raw)
        return ratio < COMPRESS_RATIO, round(ratio, 3)
    return False, None


def check_degenerate(text: str) -> list[CheckResult]:
    stripped = text.strip()
    if not stripped:
        return [new_check(id="answer.empty", severity="error", message="빈 답변입니다")]
    out: list[CheckResult] = []
    if len(text) > HUGE:
        out.append(new_check(id="answer.runaway", severity="warning", message=f"답변이 지나치게 깁니다({len(text):,}자)",
                               value=float(len(text))))
    if len(stripped) >= MIN_FOR_REPEAT:
        rep, value = _repetitive(stripped)
        if rep:
            out.append(new_check(id="answer.repetition", severity="warning",
                                   message="같은 내용이 반복되는 폭주 답변입니다", value=value))
    return out
