"""Writes tests/t_checks/data/precedent_refs.jsonl: the 참조조문 of real court decisions of every case type.

Source: legalize-kr's precedent-kr (public), read from the copy in the Bullskc/Legalize-KR monorepo. Each row
records repo, commit, path and the decision's 판례일련번호. Decisions whose 판례일련번호 ends in 7 are reserved
for evaluation: they are dropped after reading line 2 of the front matter (statutes.build.read_decisions), and
never written here.

Run (needs a local git clone of github.com/Bullskc/Legalize-KR, bare or not):
    .venv/bin/python tests/t_checks/build_precedent_refs.py --mirror PATH/TO/Legalize-KR
or, from the 참조조문 dump a statute build writes (statutes.build.build(..., refs_dump=PATH)):
    .venv/bin/python tests/t_checks/build_precedent_refs.py --dump PATH

Selection is by the text only (case type, court, decision decade), never by what the checks answer, so the
sample does not favour the code under test: a seeded random sample per case type (QUOTA), spread over the
decades, 참조조문 of at most MAX_REFS_CHARS characters.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT_DIR = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT_DIR))

REPO = "Bullskc/Legalize-KR (copy of legalize-kr/precedent-kr)"
COMMIT = "d242c128e246ffdecbcecfcac69a20e8e49bc148"
OUT = Path(__file__).parent / "data" / "precedent_refs.jsonl"
QUOTA = {"형사": 320, "민사": 320, "일반행정": 280, "세무": 220, "가사": 160, "특허": 160, "선거·특별": 40, "기타": 40}
MAX_REFS_CHARS = 1200
MAX_BYTES = 1_900_000


def read_dump(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def read_mirror(mirror: Path) -> list[dict]:
    from statutes.build import Source, mine_precedents

    dump = Path("/tmp/precedent_refs_dump.jsonl")
    mine_precedents(Source(mirror, COMMIT, "precedent-kr"), {}, {}, REPO, log=lambda m: print(m, file=sys.stderr),
                    refs_dump=dump)
    return read_dump(dump)


def select(rows: list[dict]) -> list[dict]:
    rng = random.Random(20260605)
    chosen = []
    for kind, quota in QUOTA.items():
        pool = [r for r in rows if r["path"].split("/")[1] == kind and len(r["refs"]) <= MAX_REFS_CHARS
                and not r["serial"].endswith("7")]
        by_decade: dict[str, list[dict]] = {}
        for r in sorted(pool, key=lambda x: x["path"]):
            by_decade.setdefault(r["decided"][:3], []).append(r)
        for lst in by_decade.values():
            rng.shuffle(lst)
        decades = sorted(by_decade, reverse=True)
        taken = 0
        while taken < quota and any(by_decade.values()):
            for d in decades:
                if by_decade[d] and taken < quota:
                    chosen.append(by_decade[d].pop())
                    taken += 1
    return sorted(chosen, key=lambda x: x["path"])


def main() -> None:
    ap = argparse.ArgumentParser()
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--mirror", type=Path, help="local git mirror of Bullskc/Legalize-KR")
    g.add_argument("--dump", type=Path, help="참조조문 dump written by a statute build")
    args = ap.parse_args()
    rows = select(read_dump(args.dump) if args.dump else read_mirror(args.mirror))
    lines = []
    for r in rows:
        assert not r["serial"].endswith("7")
        lines.append(json.dumps({"repo": REPO, "commit": COMMIT, "path": r["path"], "serial": r["serial"],
                                 "case": r["case"], "decided": r["decided"], "type": r["path"].split("/")[1],
                                 "court": r["path"].split("/")[2], "section": "참조조문", "refs": r["refs"]},
                                ensure_ascii=False))
    text = "\n".join(lines) + "\n"
    if len(text.encode()) > MAX_BYTES:
        raise SystemExit(f"{len(text.encode())} bytes: over {MAX_BYTES}; lower QUOTA")
    OUT.write_text(text, encoding="utf-8")
    print(f"{len(rows)} decisions -> {OUT} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
