"""Foreign framing: US/foreign emergency numbers or foreign law offered to a Korean user."""

from __future__ import annotations

import re

from judge.checks.construct import check_with_spans, new_span
from judge.checks.models import CheckResult
from judge.checks.scan import lead_scanner, scan_spans
from statutes.institutions import FOREIGN_NUMBERS

_FOREIGN_LAW_BODY = (
    r"미국\s?(?:법|법률|연방법|헌법)|미국의\s?(?:법|법률)|(?<![가-힣])연방법|수정헌법|FBI|"
    r"\b(?:US|U\.S\.|American|federal)\s(?:law|statute|code)s?\b|\bFirst Amendment\b|\bDMCA\b"
)
_FOREIGN_LAW = re.compile(_FOREIGN_LAW_BODY, re.IGNORECASE)
# the same matches found faster: every match starts with one of these characters (no other character folds to
# f, u, a or d under IGNORECASE)
_FOREIGN_SCAN = lead_scanner(_FOREIGN_LAW_BODY, "미연수FfUuAaDd", ignorecase=True)


_CUES = ("미국", "연방", "수정헌법", "FBI", "fbi", "law", "Law", "LAW", "statute", "code", "Code", "Amendment", "DMCA")

_CUE_RE = re.compile("|".join(re.escape(c) for c in _CUES))
# the same test from the first two characters of a cue (미국, 연방, 수정, FB, fb, la, La, LA, st, co, Co, Am, DM)
_CUE_SCAN = lead_scanner(_CUE_RE.pattern, "ACDFLcfls미수연", "ABMabmot국방정")


def check_foreign(text: str, mentions: list) -> list[CheckResult]:
    """`mentions`: Mention models or the records of `find_mentions_fast` (same attributes)."""
    spans = [new_span(m.start, m.end) for m in mentions if m.foreign]
    nums = [m.number for m in mentions if m.foreign]
    if _CUE_SCAN.search(text) is not None:
        spans += [new_span(a, b) for a, b in scan_spans(_FOREIGN_SCAN, text, 0, 50_000)]
    if not spans:
        return []
    what = ", ".join(dict.fromkeys(f"{n}({FOREIGN_NUMBERS[n]})" for n in nums if n)) or "외국 법"
    return [check_with_spans(id="foreign.framing", severity="warning",
                        message=f"한국 사용자에게 외국 기준을 안내했습니다: {what}", spans=spans[:20])]
