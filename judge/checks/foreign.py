"""Foreign framing: US/foreign emergency numbers or foreign law offered to a Korean user."""

from __future__ import annotations

import re

from judge.checks.models import CheckResult, Span
from statutes.institutions import FOREIGN_NUMBERS, Mention

_FOREIGN_LAW = re.compile(
    r"미국\s?(?:법|법률|연방법|헌법)|미국의\s?(?:법|법률)|(?<![가-힣])연방법|수정헌법|FBI|"
    r"\b(?:US|U\.S\.|American|federal)\s(?:law|statute|code)s?\b|\bFirst Amendment\b|\bDMCA\b",
    re.IGNORECASE,
)


_CUES = ("미국", "연방", "수정헌법", "FBI", "fbi", "law", "Law", "LAW", "statute", "code", "Code", "Amendment", "DMCA")


def check_foreign(text: str, mentions: list[Mention]) -> list[CheckResult]:
    spans = [Span.model_construct(start=m.start, end=m.end) for m in mentions if m.foreign]
    nums = [m.number for m in mentions if m.foreign]
    if any(c in text for c in _CUES):
        spans += [Span.model_construct(start=m.start(), end=m.end()) for m in _FOREIGN_LAW.finditer(text, 0, 50_000)]
    if not spans:
        return []
    what = ", ".join(dict.fromkeys(f"{n}({FOREIGN_NUMBERS[n]})" for n in nums if n)) or "외국 법"
    return [CheckResult.model_construct(id="foreign.framing", severity="warning",
                        message=f"한국 사용자에게 외국 기준을 안내했습니다: {what}", spans=spans[:20])]
