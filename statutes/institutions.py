"""Institutions, hotlines and procedures: registry, mentions in an answer, and their verdicts.

A number counts as a hotline mention when it is a registry number, a foreign emergency number, or sits in
hotline wording (전화, 상담, 신고, ☎ ...); "1120원", dates and article numbers are not numbers here.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Literal

from pydantic import BaseModel

from statutes.fastmodel import raw_record
from statutes.models import Institution, Procedure
from statutes.normalize import FULLWIDTH_DIGITS
from statutes.regex_trie import trie_regex

MAX_MENTIONS = 300
PAIR_GAP = 16  # chars between a name and its number ("여성긴급전화(1366)", "자살예방상담전화는 109")

FOREIGN_NUMBERS = {"911": "미국 등 북미 긴급전화", "988": "미국 자살·위기 상담전화", "999": "영국 긴급전화"}


@dataclass(frozen=True)
class InstitutionRegistry:
    by_id: dict[str, Institution]
    number_owners: dict[str, tuple[str, ...]]  # "1366" -> ids
    alias_ids: dict[str, tuple[str, ...]]  # alias -> ids
    name_re: re.Pattern[str]
    procedures: dict[str, Procedure]
    trigger_ids: dict[str, tuple[str, ...]]
    trigger_re: re.Pattern[str]
    purposes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # single-purpose line -> purpose words
    purpose_owners: dict[str, tuple[str, ...]] = field(default_factory=dict)  # purpose word -> line ids
    purpose_re: re.Pattern[str] | None = None

    def current_number(self, inst_id: str) -> str | None:
        inst = self.by_id[inst_id]
        if inst.status == "replaced" and inst.replaced_by:
            inst = self.by_id[inst.replaced_by]
        return inst.numbers[0] if inst.numbers else (inst.urls[0] if inst.urls else None)


def _read(name: str) -> dict:
    return json.loads(resources.files("statutes.data").joinpath(name).read_text(encoding="utf-8"))


def _alternation(words: list[str]) -> str:
    return trie_regex(set(words))


@functools.cache
def institution_registry() -> InstitutionRegistry:
    doc = _read("institutions.json")
    insts = [Institution.model_validate(x) for x in doc["institutions"]]
    by_id = {i.id: i for i in insts}
    owners: dict[str, list[str]] = {}
    for i in insts:
        for n in i.numbers:
            owners.setdefault(n, []).append(i.id)
    aliases: dict[str, list[str]] = {}
    for i in insts:
        for a in i.aliases:
            aliases.setdefault(a, []).append(i.id)
    for a, ids in doc.get("shared_aliases", {}).items():
        for x in ids:
            if x not in aliases.setdefault(a, []):
                aliases[a].append(x)
    name_re = re.compile(rf"(?:{_alternation(list(aliases))})(?![A-Za-z])")
    procs = [Procedure.model_validate(p) for p in _read("procedures.json")["procedures"]]
    triggers: dict[str, list[str]] = {}
    for p in procs:
        for t in p.triggers:
            triggers.setdefault(t, []).append(p.id)
    purposes = {k: tuple(v) for k, v in _read("institutions_purposes.json")["purposes"].items() if k in by_id}
    p_owners: dict[str, list[str]] = {}
    for iid, words in purposes.items():
        for w in words:
            p_owners.setdefault(w, []).append(iid)
    return InstitutionRegistry(
        purposes=purposes,
        purpose_owners={k: tuple(v) for k, v in p_owners.items()},
        purpose_re=re.compile(_alternation(list(p_owners))) if p_owners else None,
        by_id=by_id,
        number_owners={k: tuple(v) for k, v in owners.items()},
        alias_ids={k: tuple(v) for k, v in aliases.items()},
        name_re=name_re,
        procedures={p.id: p for p in procs},
        trigger_ids={k: tuple(v) for k, v in triggers.items()},
        trigger_re=re.compile(_alternation(list(triggers))),
    )


# "112/119": a hotline after a slash that follows another short number is a second hotline (not a URL path or
# a date). Units that make a number an amount, date or count. Glued to the number ("1366원", "112명") they always do; after
# a space only as a whole word or with a particle ("1366 원", "112 명이"), so "1366 주요", "1393 대신", "1388 위기" and
# "1332 차단" stay hotlines. Ambiguous one-syllable units (주, 대, 위, 차, 시, 분, 조 ...) after a space count only
# for numbers that are not registry hotlines: "☎ 1366 주 7일 운영" is the hotline, "3 주 동안" is not one.
_UNITS = (r"만원|천원|억원|만명|천명|만건|원|년|월|일|명|개|건|세|시간|시|분|초|%|퍼센트|조|항|호|만|억|천|회|번째|위|층|차|쪽|kg|mg|ml|km|cm|달러|점|"
          r"개월|주년|주|대|평|kcal|테러|사태|mm|g\b|m\b")
_STRONG_UNITS = frozenset({"만원", "천원", "억원", "만명", "천명", "만건", "원", "년", "월", "일", "명", "개", "건", "세", "시간", "%", "퍼센트", "만", "억", "천", "번째",
                           "kg", "mg", "ml", "km", "cm", "달러", "개월", "주년", "kcal", "테러", "사태", "mm"})
_NUM_RE = re.compile(
    r"(?=[#0-9])(?:(?<![0-9０-９\-./:,제#A-Za-z])|(?<=[^0-9/][0-9]{3}/)|(?<=[^0-9/][0-9]{4}/)|(?<=^[0-9]{3}/)"
    r"|(?<=^[0-9]{4}/))#?(?P<n>0[0-9]{1,2}-[0-9]{3,4}-[0-9]{4}|1[0-9]{3}-[0-9]{4}|[0-9]{3,4})"
    rf"(?![0-9０-９\-]|[.,][0-9]|(?:{_UNITS}))"
)
# a digit run that can start a number: "#"?, then "0" and a digit or three digits (shorter runs never match
# _NUM_RE); starts with a character set, so the C search skips prose and "1", "24", "#5" fast
_RUN = re.compile(r"[#0-9](?:(?<=#)(?:0[0-9]|[0-9]{3})|(?<=0)[0-9]|(?<=[1-9])[0-9]{2})[0-9]*")


def _numbers(text: str):
    """`_NUM_RE.finditer(text)`, tried only where a digit run starts: inside a run the look-behind fails anyway."""
    pos = 0
    run = _RUN.search
    match = _NUM_RE.match
    while True:
        d = run(text, pos)
        if d is None:
            return
        m = match(text, d.start())
        if m is None:
            pos = d.end()
            continue
        yield m
        pos = m.end()


_SPACED_UNIT = re.compile(
    rf"[ \t](?P<u>{_UNITS})(?=[^가-힣]|$|(?:이|가|을|를|은|는|의|에|에서|도|과|와|씩|까지|부터|째|만|이상|이하|이내|정도|가량|쯤|"
    r"간|동안|당|전|후|뒤|로|으로)(?:[^가-힣]|$))"
)
_ASCII_DIGIT = re.compile("[0-9]")
_HOTLINE_CTX_BEFORE = re.compile(r"(전화|상담|신고|핫라인|헬프라인|콜센터|센터|☎|📞|번호|[Tt]el|TEL|연락)[^\n.]{0,8}$")
_HOTLINE_CTX_AFTER = re.compile(r"^[ \t]?(번으로|번에|번\b|번\)|로 전화|으로 전화|에 전화|로 연락|으로 연락|번 전화)")


class Mention(BaseModel):
    kind: Literal["name", "number"]
    text: str
    start: int
    end: int
    ids: tuple[str, ...] = ()
    number: str | None = None
    foreign: bool = False


class InstitutionFinding(BaseModel):
    name: str
    number: str | None = None
    institution_id: str | None = None
    verdict: Literal["valid", "outdated", "wrong_number", "unknown"]
    start: int
    end: int
    current_number: str | None = None
    status: str | None = None
    note: str | None = None


class ProcedureMention(BaseModel):
    procedure_id: str
    name: str
    trigger: str
    start: int
    end: int


_MentionRecord, _mention_model = raw_record(Mention)
_FindingRecord, _finding_model = raw_record(InstitutionFinding)
_ProcRecord, _proc_model = raw_record(ProcedureMention)


def find_mentions(text: str, reg: InstitutionRegistry | None = None) -> list[Mention]:
    """Institution names and hotline numbers in `text`, in order."""
    return [_mention_model(m) for m in find_mentions_fast(text, reg)]


# A trie regex is tried at every character that can start one of its words: in a 650-character answer about 90
# places (다, 지, 고, 정 ... start aliases and everyday words alike), ~100 ns each. The scanner finds the same
# matches at half the cost: the first two characters as character sets (most false starts fail there, before
# the trie), then the whole pattern in a look-ahead captured as group 1. Equivalent when every word has at
# least two characters: a match at p needs text[p] in the first set and text[p + 1] in the second.
_SCANNERS: dict[int, tuple[re.Pattern[str], re.Pattern[str] | None]] = {}


def _scanner(pattern: re.Pattern[str], words) -> re.Pattern[str] | None:
    hit = _SCANNERS.get(id(pattern))
    if hit is not None and hit[0] is pattern:
        return hit[1]
    words = [w for w in words if w]
    scan = None
    if words and min(map(len, words)) >= 2 and not any("\n" in w[:2] for w in words):
        first = re.escape("".join(sorted({w[0] for w in words})))
        second = re.escape("".join(sorted({w[1] for w in words})))
        scan = re.compile(f"[{first}][{second}](?<=(?=({pattern.pattern}))..)", pattern.flags)
    _SCANNERS[id(pattern)] = (pattern, scan)
    return scan


def _spans(pattern: re.Pattern[str], words, text: str):
    """The spans of `pattern.finditer(text)` (non-overlapping, leftmost), found with its scanner if it has one."""
    scan = _scanner(pattern, words)
    if scan is None:
        for m in pattern.finditer(text):
            yield m.span()
        return
    search = scan.search
    pos = 0
    while True:
        m = search(text, pos)
        if m is None:
            return
        span = m.span(1)
        yield span
        pos = span[1]


def find_mentions_fast(text: str, reg: InstitutionRegistry | None = None) -> list:
    """`find_mentions` returning lightweight records (same attributes as `Mention`): the checks' hot path."""
    reg = reg or institution_registry()
    out: list[Mention] = []
    alias_ids = reg.alias_ids
    for s, e in _spans(reg.name_re, alias_ids, text):
        g = text[s:e]
        out.append(_MentionRecord(kind="name", text=g, start=s, end=e, ids=alias_ids[g]))
        if len(out) >= MAX_MENTIONS:
            break
    n_names = len(out)
    # only ASCII digits can start a number match: no ASCII digit, no number mention (one C scan)
    if len(text) > 20000 or _ASCII_DIGIT.search(text) is not None:
        count = 0
        for m in _numbers(text):
            n = m.group("n")
            if not n.isascii():
                n = n.translate(FULLWIDTH_DIGITS)
            owners = reg.number_owners.get(n, ())
            foreign = n in FOREIGN_NUMBERS
            su = _SPACED_UNIT.match(text, m.end())
            if su is not None and (su.group("u") in _STRONG_UNITS or not (owners or foreign)):
                continue
            if not owners and not foreign and not any(0 <= m.start() - nm.end <= 3 for nm in out[-3:]):
                before = text[max(0, m.start() - 14) : m.start()]
                after = text[m.end() : m.end() + 8]
                if not (_HOTLINE_CTX_BEFORE.search(before) or _HOTLINE_CTX_AFTER.match(after)):
                    continue
                if len(n) == 4 and n[:2] in ("19", "20") and "년" in after[:2]:
                    continue
            out.append(_MentionRecord(kind="number", text=m.group(0), start=m.start("n"), end=m.end(), ids=owners, number=n,
                               foreign=foreign))
            count += 1
            if count >= MAX_MENTIONS:
                break
    if n_names == 0 or n_names == len(out):
        # one kind only: already in text order; no name pairs (none, or one name) or no number to drop
        if n_names < 2:
            return out
    else:
        out.sort(key=lambda x: x.start)
    # a name right before another name qualifies it ("보건복지부 자살예방 상담전화"): keep the specific one
    names = [x for x in out if x.kind == "name"]
    drop = {id(a) for a, b in zip(names, names[1:], strict=False) if 0 <= b.start - a.end <= 2}
    if drop:
        out = [x for x in out if id(x) not in drop]
        names = [x for x in names if id(x) not in drop]
    # a number inside a name match ("국민콜110") is part of the name
    return [x for x in out if x.kind == "name" or not _inside_any(x.start, names)]


def _inside_any(p: int, spans) -> bool:
    """Whether position `p` lies inside one of `spans` (records with start/end): a plain loop, cheaper than any()."""
    for nm in spans:
        if nm.start <= p < nm.end:
            return True
    return False


# a name and a number after it belong together only within one clause: a sentence end, a list separator
# ("…센터의 삭제지원, 112 신고") or a conjunction ("…전화와 긴급 시 112") starts another item
_GAP_BREAK = re.compile(r"[.!?\n,;，、/]|(?:와|과|및|또는|그리고|이나|거나)(?:[ \t]|$)")
# "109(24시간 자살예방상담전화)": a name closing a parenthesis opened right after the number is its gloss
_PAREN_NAME = re.compile(r"[ \t]?[(（][^()（）\n,]{0,12}$")
_PAREN_CLOSE = re.compile(r"[ \t]?[)）]")


def _closes_paren(text: str, lo: int, hi: int) -> bool:
    """The gap after a name closes a parenthesis the name sat in ("(…상담전화)와 112"): the number is outside."""
    gap = text[lo:hi]
    return (gap.count(")") + gap.count("）")) > (gap.count("(") + gap.count("（"))


def _inst_name(reg: InstitutionRegistry, ids: tuple[str, ...]) -> str:
    return reg.by_id[ids[0]].name if ids else ""


def assess_mentions(text: str, mentions: list[Mention], reg: InstitutionRegistry | None = None) -> list[InstitutionFinding]:
    """Pair names with numbers and give each institution mention a verdict."""
    return [_finding_model(f) for f in assess_mentions_fast(text, mentions, reg)]


def assess_mentions_fast(text: str, mentions: list, reg: InstitutionRegistry | None = None) -> list:
    """`assess_mentions` (mentions or mention records in) returning lightweight records (same attributes as
    `InstitutionFinding`): the checks' hot path."""
    reg = reg or institution_registry()
    names = [m for m in mentions if m.kind == "name"]
    nums = [m for m in mentions if m.kind == "number" and not m.foreign]
    paired_names: set[int] = set()
    out: list[InstitutionFinding] = []
    for nm in nums:
        partner = None
        for cand in reversed(names):
            if cand.end <= nm.start:
                if nm.start - cand.end <= PAIR_GAP and _GAP_BREAK.search(text, cand.end, nm.start) is None and not (
                    _closes_paren(text, cand.end, nm.start)
                ) and not any(o.start >= cand.end and o.end <= nm.start for o in nums) and id(cand) not in paired_names:
                    partner = cand
                break
        if partner is None:
            for cand in names:
                if cand.start >= nm.end:
                    # "1366(여성긴급전화)", "☎ 1388 여성긴급전화": a name right after; never across a list
                    # separator ("02-338-5801, 질병관리청 1339": the name belongs to the next number)
                    if id(cand) not in paired_names and (
                        cand.start - nm.end <= 3 and not text[nm.end : cand.start].strip(" \t([（【")
                        or _PAREN_NAME.match(text, nm.end, cand.start) is not None
                        and _PAREN_CLOSE.match(text, cand.end) is not None
                    ):
                        partner = cand
                    break
        f = _assess_number(reg, nm, partner)
        if partner is None and f.verdict == "valid" and f.institution_id in reg.purposes:
            f = _purpose_mismatch(reg, text, nm, f, nums) or f
        out.append(f)
        if partner is not None:
            paired_names.add(id(partner))
    for nm in names:
        if id(nm) in paired_names:
            continue
        iid = nm.ids[0]
        inst = reg.by_id[iid]
        if inst.status == "replaced":
            out.append(_FindingRecord(
                name=inst.name, institution_id=iid, verdict="outdated", start=nm.start, end=nm.end,
                current_number=reg.current_number(iid), status=inst.status, note=f"{inst.status_text}",
            ))
        else:
            out.append(_FindingRecord(
                name=inst.name, institution_id=iid, verdict="valid", start=nm.start, end=nm.end, status=inst.status,
                note=None if inst.status == "active" else f"기관 현황 미확인: {inst.status_text}",
            ))
    out.sort(key=lambda f: f.start)
    if any(f.verdict == "outdated" and f.number for f in out):
        out = _drop_explained_retirements(text, out, nums)
    return out


PURPOSE_WINDOW = 40  # chars of the clause around a bare number searched for what it is given for
_PURPOSE_BREAK = re.compile(r"[.!?\n,;，、/]")  # conjunctions do not break: "도박이나 마약 문제는 1336 또는 1342"


def _purpose_mismatch(reg: InstitutionRegistry, text: str, nm, f, nums: list):
    """A single-purpose line given in a clause about another line's purpose ("마약 중독 상담은 1336"): wrong_number
    with the number of the line that serves that purpose; None when the clause fits or says nothing decisive."""
    if reg.purpose_re is None:
        return None
    lo = max(0, nm.start - PURPOSE_WINDOW)
    for o in nums:
        if o is not nm and lo <= o.end <= nm.start:
            lo = o.end
    for m in _PURPOSE_BREAK.finditer(text, lo, nm.start):
        lo = m.end()
    words = [m.group(0) for m in reg.purpose_re.finditer(text, lo, nm.start)]
    if not words:
        hi = min(len(text), nm.end + PURPOSE_WINDOW)
        for o in nums:
            if o is not nm and nm.end <= o.start < hi:
                hi = o.start
        mb = _PURPOSE_BREAK.search(text, nm.end, hi)
        words = [m.group(0) for m in reg.purpose_re.finditer(text, nm.end, mb.start() if mb else hi)]
    if not words:
        return None
    own = f.institution_id
    if any(own in reg.purpose_owners.get(w, ()) for w in words):
        return None
    for w in words:
        for iid in reg.purpose_owners.get(w, ()):
            cur = reg.current_number(iid)
            if iid == own or not cur:
                continue
            right = reg.by_id[iid]
            return _FindingRecord(
                name=right.name, number=nm.number, institution_id=iid, verdict="wrong_number", start=f.start,
                end=f.end, current_number=cur, status=right.status,
                note=f"'{w}' 상담·신고는 {right.name}({cur})입니다; {nm.number}은(는) {f.name}의 번호입니다",
            )
    return None


EXPLAIN_GAP = 40  # most chars between a retired number and its replacement in one "바뀌었습니다" clause
_CHANGE_CUE = re.compile(r"바뀌|바뀐|변경|통합|대신|예전|이전|기존|옛|구\s?번호|폐지|더\s?이상|종료|전환|대체")
_CLAUSE_END = re.compile(r"[다요][.!?]|\n")


def _drop_explained_retirements(text: str, found: list, nums: list) -> list:
    """A retired number that the answer itself says was replaced ("1393에서 109로 바뀌었습니다", "기존 1393은 109로
    통합되었습니다") is not outdated guidance: drop that finding and note it on the replacement's finding."""
    keep = []
    for f in found:
        if f.verdict != "outdated" or not f.number or not f.current_number:
            keep.append(f)
            continue
        me = next((n for n in nums if n.number == f.number and f.start <= n.start < f.end), None)
        repl = None
        if me is not None:
            for n in nums:
                if n.number != f.current_number:
                    continue
                lo, hi = (me.end, n.start) if n.start >= me.end else (n.end, me.start)
                if 0 <= hi - lo <= EXPLAIN_GAP and _CLAUSE_END.search(text, lo, hi) is None:
                    repl = n
                    break
        if repl is None:
            keep.append(f)
            continue
        lo, hi = min(me.start, repl.start), max(me.end, repl.end)
        line_lo = text.rfind("\n", 0, lo) + 1
        if _CHANGE_CUE.search(text, max(line_lo, lo - 20), hi + 20) is None:
            keep.append(f)
            continue
        for g in found:
            if g.number == f.current_number and g.start <= repl.start < g.end and g.verdict == "valid":
                g.note = f"구 번호 {f.number}이(가) {f.current_number}(으)로 바뀌었음을 안내했습니다"
    return keep


def _assess_number(reg: InstitutionRegistry, nm: Mention, partner: Mention | None) -> InstitutionFinding:
    owners = nm.ids
    start = min(nm.start, partner.start) if partner else nm.start
    end = max(nm.end, partner.end) if partner else nm.end
    if partner is None:
        if not owners:
            return _FindingRecord(name=nm.text, number=nm.number, verdict="unknown", start=start, end=end,
                                      note="등록되지 않은 전화번호입니다(확인 필요)")
        iid = owners[0]
        inst = reg.by_id[iid]
        if inst.status == "replaced":
            return _FindingRecord(
                name=inst.name, number=nm.number, institution_id=iid, verdict="outdated", start=start, end=end,
                current_number=reg.current_number(iid), status=inst.status,
                note=f"폐지된 번호입니다: {inst.status_text}",
            )
        return _FindingRecord(name=inst.name, number=nm.number, institution_id=iid, verdict="valid", start=start,
                                  end=end, status=inst.status,
                                  note=None if inst.status == "active" else f"현황 미확인: {inst.status_text}")
    named = partner.ids
    hit = [i for i in owners if i in named]
    if hit:
        inst = reg.by_id[hit[0]]
        if inst.status == "replaced":
            return _FindingRecord(name=inst.name, number=nm.number, institution_id=inst.id, verdict="outdated",
                                      start=start, end=end, current_number=reg.current_number(inst.id),
                                      status=inst.status, note=inst.status_text)
        return _FindingRecord(name=inst.name, number=nm.number, institution_id=inst.id, verdict="valid",
                                  start=start, end=end, status=inst.status)
    # the number belongs to a retired line that the named institution replaced (1393 -> 109)
    for o in owners:
        oi = reg.by_id[o]
        if oi.status == "replaced" and oi.replaced_by in named:
            cur = reg.by_id[oi.replaced_by]
            return _FindingRecord(
                name=cur.name, number=nm.number, institution_id=cur.id, verdict="outdated", start=start, end=end,
                current_number=reg.current_number(cur.id), status=oi.status,
                note=f"{nm.number}은(는) {oi.replaced_since}에 {reg.current_number(cur.id)}(으)로 바뀐 번호입니다",
            )
    inst = reg.by_id[named[0]]
    cur = reg.current_number(inst.id)
    owner_txt = f" ({_inst_name(reg, owners)}의 번호)" if owners else ""
    return _FindingRecord(
        name=inst.name, number=nm.number, institution_id=inst.id, verdict="wrong_number", start=start, end=end,
        current_number=cur, status=inst.status,
        note=f"{inst.name}의 번호는 {cur}입니다; {nm.number}{owner_txt}은(는) 맞지 않습니다",
    )


def find_procedures(text: str, reg: InstitutionRegistry | None = None) -> list[ProcedureMention]:
    """First mention of each procedure's trigger phrases."""
    return [_proc_model(p) for p in find_procedures_fast(text, reg)]


def find_procedures_fast(text: str, reg: InstitutionRegistry | None = None) -> list:
    """`find_procedures` returning lightweight records (same attributes as `ProcedureMention`)."""
    reg = reg or institution_registry()
    seen: set[str] = set()
    out: list[ProcedureMention] = []
    for s, e in _spans(reg.trigger_re, reg.trigger_ids, text):
        trigger = text[s:e]
        for pid in reg.trigger_ids[trigger]:
            if pid in seen:
                continue
            seen.add(pid)
            p = reg.procedures[pid]
            out.append(_ProcRecord(procedure_id=pid, name=p.name, trigger=trigger, start=s, end=e))
        if len(seen) >= len(reg.procedures):
            break
    return out
