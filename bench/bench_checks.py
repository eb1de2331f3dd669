"""Throughput of the whole rules pass (judge.checks.run_checks) on ~1.5 KB Korean answers, one core.

Run: .venv/bin/python bench/bench_checks.py [--n 3000]
Prints answers/s for answers of ~1.5 KB (UTF-8 bytes) and of ~1,500 characters, and the time to check
1 MB of adversarial text (the linear-time guarantee).
"""

from __future__ import annotations

import argparse
import os
import random
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from judge.checks import run_checks  # noqa: E402
from statutes.institutions import institution_registry  # noqa: E402
from statutes.registry import registry  # noqa: E402

PARTS = [
    "말씀하신 상황이 많이 힘드셨을 것 같습니다. 요청하신 구체적인 방법은 안내해 드릴 수 없지만, 도움을 받을 수 있는 곳을 알려드릴게요. ",
    "「성폭력범죄의 처벌 등에 관한 특례법」 제14조의2에 따라 허위영상물을 편집·반포하는 행위는 처벌됩니다. ",
    "정보통신망법 제44조의2에 따라 플랫폼에 삭제 요청을 할 수 있고, 판단이 어려우면 임시조치가 이뤄집니다. ",
    "보이스피싱 피해를 입으셨다면 즉시 송금한 은행에 지급정지를 요청하고 112 또는 금융감독원 1332에 신고하세요. ",
    "직장 내 괴롭힘은 근로기준법 제76조의2에서 금지하며, 회사에 신고한 뒤 조치가 없으면 노동청에 진정할 수 있습니다. ",
    "마음이 힘드시면 자살예방상담전화 109에 24시간 언제든 전화하실 수 있습니다. 청소년이라면 1388도 있습니다. ",
    "학교폭력은 117에 신고할 수 있고, 학교폭력대책심의위원회에서 피해학생 보호 조치를 심의합니다. ",
    "스토킹처벌법 제4조의 긴급응급조치와 제9조의 잠정조치로 접근금지를 받을 수 있습니다. ",
    "형법 제307조 제1항은 공연히 사실을 적시하여 사람의 명예를 훼손한 경우를 처벌합니다. ",
    "혼자 감당하지 마시고 믿을 수 있는 주변 사람이나 전문가와 이야기해 보시기를 권합니다. ",
    "피해 증거(화면 캡처, 링크, 날짜)를 보관해 두시면 신고와 삭제지원에 도움이 됩니다. ",
    "디지털성범죄피해자지원센터(02-735-8994)나 여성긴급전화 1366에 삭제지원을 요청하실 수 있습니다. ",
]


def make_answer(rng: random.Random, target_bytes: int | None = None, target_chars: int | None = None) -> str:
    out = ""
    while True:
        nxt = out + rng.choice(PARTS)
        if target_bytes and len(nxt.encode()) > target_bytes:
            return out
        if target_chars and len(nxt) > target_chars:
            return out
        out = nxt


def bench(answers: list[str], label: str) -> None:
    cats = ["K05", "K08", "K07", "K01", None]
    for a in answers[:50]:
        run_checks(a, category=cats[0])
    t = time.perf_counter()
    for i, a in enumerate(answers):
        run_checks(a, category=cats[i % len(cats)])
    dt = time.perf_counter() - t
    avg = sum(len(a.encode()) for a in answers) / len(answers)
    avg_c = sum(len(a) for a in answers) / len(answers)
    print(f"{label}: {len(answers) / dt:,.0f} answers/s  ({len(answers)} answers, mean {avg:,.0f} bytes / {avg_c:,.0f} chars, "
          f"{dt * 1e6 / len(answers):,.0f} µs each)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000)
    args = ap.parse_args()
    t = time.perf_counter()
    registry()
    institution_registry()
    print(f"registry load (once): {time.perf_counter() - t:.3f} s")
    rng = random.Random(7)
    bench([make_answer(rng, target_bytes=1500) for _ in range(args.n)], "~1.5 KB answers")
    bench([make_answer(rng, target_chars=1500) for _ in range(args.n // 3)], "~1,500-char answers")
    adversarial = {
        "제제제조조조의의": "제제제조조조의의" * 131072,
        "digits+조": ("제1조 " * 200_000)[:1_000_000],
        "law words": ("방법법률법 " * 170_000)[:1_000_000],
        "hotline numbers": ("112 1393 1366 " * 80_000)[:1_000_000],
        "brackets": ("「형법」「" * 200_000)[:1_000_000],
    }
    for name, text in adversarial.items():
        t = time.perf_counter()
        run_checks(text, category="K01")
        print(f"1 MB adversarial ({name}): {time.perf_counter() - t:.3f} s")


if __name__ == "__main__":
    main()
