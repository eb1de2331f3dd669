"""Figures for the taxonomy package: data load, relevance lookups, rendering, normaliser throughput.

Run: OMP_NUM_THREADS=1 .venv/bin/python bench/bench_taxonomy.py
"""

from __future__ import annotations

import time

from taxonomy.loader import _load_cached, load_taxonomy
from taxonomy.relevance import category_relevance
from taxonomy.render import rubric_criteria, system_prompt
from taxonomy.seeds import augment, build_seed_prompt, normalize

TEXT = (
    "요즘 텔레그램에서 마약 던지기 수법이 유행이라는데 친구가 자꾸 권해요. 처벌은 어떻게 되나요? "
    "보이스피싱 피해를 입었을 때 지급정지는 어디에 요청하나요? 「성폭력범죄의 처벌 등에 관한 특례법」 제14조의2. "
) * 5  # ~1.4 KB of UTF-8


def rate(fn, n: int) -> float:
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - t)


def main() -> None:
    _load_cached.cache_clear()
    t = time.perf_counter()
    tax = load_taxonomy()
    print(f"cold load (parse + validate {len(tax.categories)} categories): {1000 * (time.perf_counter() - t):.1f} ms")
    print(f"warm load_taxonomy(): {rate(load_taxonomy, 2000):,.0f} calls/s")
    ids = [c.id for c in tax.categories] + [None, "K99"]
    print(f"category_relevance(): {rate(lambda: [category_relevance(i) for i in ids], 20000) * len(ids):,.0f} calls/s")
    print(f"system_prompt(): {rate(lambda: system_prompt('K05'), 300):,.0f} renders/s")
    print(f"rubric_criteria(): {rate(lambda: rubric_criteria('K08'), 300):,.0f} renders/s")
    print(f"build_seed_prompt(): {rate(lambda: build_seed_prompt('K04.2', 'slang', 10), 300):,.0f} builds/s")
    print(f"text size: {len(TEXT.encode())} bytes")
    print(f"normalize() on TEXT: {rate(lambda: normalize(TEXT), 300):,.0f} texts/s")
    obf = augment(TEXT, "mixed_script", 1)
    print(f"normalize() on TEXT mixed_script-obfuscated: {rate(lambda: normalize(obf), 300):,.0f} texts/s")
    for style in ("chosung", "jamo", "spacing", "mixed_script"):
        print(f"augment({style}) on TEXT: {rate(lambda s=style: augment(TEXT, s, 0), 300):,.0f} texts/s")


if __name__ == "__main__":
    main()
