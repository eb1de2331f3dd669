"""Writes tests/t_checks/data/precedent_refs.jsonl: the 참조조문 of real Supreme Court criminal decisions.

Source: legalize-kr's precedent-kr (public), read from the copy in the Bullskc/Legalize-KR monorepo (the
precedent-kr repository itself is too large to mirror here). Each row records repo, commit and path.

Run (needs a local git mirror of Bullskc/Legalize-KR, e.g. the one the `fetch` tool writes):
    .venv/bin/python tests/t_checks/build_precedent_refs.py --mirror /work/.mirror/Bullskc+Legalize-KR/repo

Selection is by the text only (which laws a decision names, and the court's own "(현행 삭제)" / "(현행 ...)"
annotations), never by what the checks answer, so the sample does not favour the code under test:
  * every decision whose 참조조문 marks an article "(현행 삭제)" (deleted since) next to a registry law name,
  * up to PER_LAW decisions per priority registry law (seeded random, spread over the decades),
  * up to RENUMBERED decisions whose 참조조문 point to a renumbered article ("(현행 제N조 참조)"),
  * the five decisions of the first, hand-picked sample (ALWAYS).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
from pathlib import Path

REPO = "Bullskc/Legalize-KR (copy of legalize-kr/precedent-kr)"
COMMIT = "d12a15b1cf16c78a449e5f3e11c4e13039bd09e5"  # last commit touching precedent-kr/ in that repo
ROOT = "precedent-kr/형사/대법원/"
OUT = Path(__file__).parent / "data" / "precedent_refs.jsonl"
PER_LAW = 24
RENUMBERED = 40
# the first five decisions sampled for this test (kept for continuity)
ALWAYS = ("2000도1007", "2000도102", "2000도1038", "2012도14253", "2020도12630")
MAX_REFS_CHARS = 1500  # very long 참조조문 lists are skipped (file size)

# priority registry laws (official names, and the unspaced spellings older decisions use)
PRIORITY = {
    "형법": ["형법 제", "형법("],
    "정보통신망법": ["정보통신망 이용촉진 및 정보보호 등에 관한 법률", "정보통신망이용촉진및정보보호등에관한법률"],
    "성폭력처벌법": ["성폭력범죄의 처벌 등에 관한 특례법", "성폭력범죄의처벌등에관한특례법",
                "성폭력범죄의 처벌 및 피해자보호 등에 관한 법률", "성폭력범죄의처벌및피해자보호등에관한법률"],
    "개인정보 보호법": ["개인정보 보호법"],
    "근로기준법": ["근로기준법"],
    "도로교통법": ["도로교통법"],
    "마약류관리법": ["마약류 관리에 관한 법률", "마약류관리에관한법률"],
    "청소년성보호법": ["아동ㆍ청소년의 성보호에 관한 법률", "아동·청소년의 성보호에 관한 법률", "청소년의 성보호에 관한 법률"],
    "청소년 보호법": ["청소년 보호법", "청소년보호법"],
    "스토킹처벌법": ["스토킹범죄의 처벌 등에 관한 법률"],
    "아동학대처벌법": ["아동학대범죄의 처벌 등에 관한 특례법"],
    "통신사기피해환급법": ["전기통신금융사기 피해 방지 및 피해금 환급에 관한 특별법"],
    "특정범죄가중법": ["특정범죄 가중처벌 등에 관한 법률", "특정범죄가중처벌등에관한법률"],
    "폭력행위처벌법": ["폭력행위 등 처벌에 관한 법률", "폭력행위등처벌에관한법률"],
    "성매매처벌법": ["성매매알선 등 행위의 처벌에 관한 법률"],
    "아동복지법": ["아동복지법"],
    "가정폭력처벌법": ["가정폭력범죄의 처벌 등에 관한 특례법", "가정폭력범죄의처벌등에관한특례법"],
    "통신비밀보호법": ["통신비밀보호법"],
    "공직선거법": ["공직선거법"],
    "저작권법": ["저작권법"],
}
ALL_NAMES = [n for names in PRIORITY.values() for n in names]


def _git(mirror: str, *args: str) -> str:
    return subprocess.run(["git", "-C", mirror, "-c", "core.quotepath=false", *args], capture_output=True, text=True,
                          check=True).stdout


def read_decisions(mirror: str) -> list[dict]:
    names = [n for n in _git(mirror, "ls-tree", "-r", "--name-only", COMMIT, ROOT).splitlines() if n.endswith(".md")]
    proc = subprocess.Popen(["git", "-C", mirror, "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    out = []
    assert proc.stdin and proc.stdout
    for path in names:
        proc.stdin.write(f"{COMMIT}:{path}\n".encode())
        proc.stdin.flush()
        header = proc.stdout.readline().split()
        if header[1] == b"missing":
            continue
        body = proc.stdout.read(int(header[2])).decode("utf-8", "replace")
        proc.stdout.read(1)
        m = re.search(r"\n## 참조조문\n\n(.*?)(?=\n## |\Z)", body, re.S)
        if not m:
            continue
        front = dict(re.findall(r"^(사건번호|선고일자): *(.*)$", body.split("\n---", 1)[0], re.M))
        refs = m.group(1).strip()
        if len(refs) > MAX_REFS_CHARS:
            continue
        out.append({"path": path, "case": front.get("사건번호", ""), "decided": front.get("선고일자", ""), "refs": refs})
    proc.stdin.close()
    proc.wait()
    return out


def select(rows: list[dict]) -> list[dict]:
    rng = random.Random(20260605)
    chosen: dict[str, dict] = {r["path"]: r for r in rows if Path(r["path"]).stem in ALWAYS}
    deleted_near_law = re.compile(r"(?:" + "|".join(re.escape(n) for n in ALL_NAMES) + r")[^/\[]{0,160}?\(현행 삭제\)")
    for r in rows:
        if deleted_near_law.search(r["refs"]):
            chosen[r["path"]] = r
    for names in PRIORITY.values():
        pool = [r for r in rows if r["path"] not in chosen and any(n in r["refs"] for n in names)]
        # spread over decades: round-robin over decision decades, seeded order inside each
        by_decade: dict[str, list[dict]] = {}
        for r in sorted(pool, key=lambda x: x["path"]):
            by_decade.setdefault(r["decided"][:3], []).append(r)
        for lst in by_decade.values():
            rng.shuffle(lst)
        decades = sorted(by_decade, reverse=True)
        taken = 0
        while taken < PER_LAW and any(by_decade.values()):
            for d in decades:
                if by_decade[d] and taken < PER_LAW:
                    r = by_decade[d].pop()
                    chosen[r["path"]] = r
                    taken += 1
    renum = [r for r in rows if r["path"] not in chosen and re.search(r"\(현행 (?:[^()]{0,40})?제\d+조", r["refs"])
             and any(n in r["refs"] for n in ALL_NAMES)]
    rng.shuffle(renum)
    for r in sorted(renum[:RENUMBERED], key=lambda x: x["path"]):
        chosen[r["path"]] = r
    return sorted(chosen.values(), key=lambda x: x["path"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mirror", required=True, help="local git mirror of Bullskc/Legalize-KR")
    args = ap.parse_args()
    rows = select(read_decisions(args.mirror))
    with OUT.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps({"repo": REPO, "commit": COMMIT, "path": r["path"], "case": r["case"],
                                 "decided": r["decided"], "section": "참조조문", "refs": r["refs"]},
                                ensure_ascii=False) + "\n")
    print(f"{len(rows)} decisions -> {OUT} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
