"""Builds the statute book (every document of a legalize-kr `kr/` tree) and mines court decisions for history.

Input: a legalize-kr checkout (a working tree, or a git repository, bare or not) and optionally a precedent-kr
folder (or a git repository holding `precedent-kr/`). Output: a book directory (see `statutes.book`):
`names.json.gz` (ids, names, kinds, former names, repealed Acts, mined abbreviations), `index.json.gz` (the
documents' rows and versions), `history-articles.json.gz` / `former-articles.json.gz` (articles decisions cite
under former names or of former texts) and `articles-NN.jsonl.gz` shards (article headings of every kept
version, one line per document).

From a git repository the history is used: a document whose latest text is not yet in force on the snapshot
date (the latest 공포일자 of the tree) keeps every later-effective version and the version in force then.

Decisions whose 판례일련번호 ends in 7 are dropped after reading line 2 of their front matter, before anything
else of them is parsed: they are reserved for evaluation.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

from statutes.book import N_SHARDS, shard_of
from statutes.normalize import law_key


class BuildError(Exception):
    """The input cannot be built (names the folder and what is missing)."""


HEADING_RE = re.compile(r"^#{5,6} (제\d+조(?:의\d+)*)(?: *\((.*)\))? *$", re.M)
FRONT_KEYS = ("제목", "법령MST", "법령ID", "법령구분", "공포일자", "공포번호", "시행일자", "상태", "출처")


# ---- reading sources -------------------------------------------------------------------------------------
class Source:
    """Files of a checkout: from git (`commit`, with history) or from a plain folder."""

    def __init__(self, root: Path, commit: str | None = None, subdir: str = "", name: str | None = None) -> None:
        self.root = root
        self.name = name  # what the book records as the source (e.g. github:owner/repo), instead of a local path
        self.subdir = subdir.strip("/")
        self.git = _is_git(root)
        self.commit = commit
        self.repo = None
        if self.git:
            self.commit = commit or _git(root, "rev-parse", "HEAD").strip()
        self._proc: subprocess.Popen | None = None
        self._where: str | None = None

    def where(self) -> str:
        """The source as the book records it: the name given, else the git remote (github:owner/repo), else the
        path (a local path says nothing to whoever reads the book elsewhere; pass a name for a plain folder)."""
        if self._where is None:
            self._where = self._find_where()
        return self._where

    def _find_where(self) -> str:
        if self.name:
            return self.name
        if self.git:
            url = subprocess.run(["git", "-C", str(self.root), "config", "--get", "remote.origin.url"],
                                 capture_output=True, text=True).stdout.strip()
            m = re.search(r"github\.com[:/]([^/\s]+/[^/\s]+?)(?:\.git)?/?$", url)
            if m:
                return f"github:{m.group(1)}"
            if url:
                return url
        return str(self.root)

    def label(self) -> str:
        return f"{self.where()} @ {self.commit}" if self.git else self.where()

    def list(self, suffix: str = ".md") -> list[str]:
        if self.git:
            out = _git(self.root, "ls-tree", "-r", "-z", self.commit, *( [self.subdir + "/"] if self.subdir else []))
            blobs = self._blobs = getattr(self, "_blobs", None) or {}
            for row in out.split("\0"):
                meta, _, p = row.partition("\t")
                if p:
                    blobs[p] = meta.rsplit(" ", 1)[-1]
            return sorted(p for p in blobs if p.endswith(suffix))
        base = self.root / self.subdir if self.subdir else self.root
        paths = []
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for f in filenames:
                if f.endswith(suffix):
                    paths.append(str(Path(dirpath, f).relative_to(self.root)))
        return sorted(paths)

    def read_many(self, paths: list[str], rev: str | None = None) -> Iterator[tuple[str, bytes]]:
        """(path, bytes) for each path (at `rev`, default the source commit); missing paths are skipped."""
        if not self.git:
            for p in paths:
                try:
                    yield p, (self.root / p).read_bytes()
                except OSError:
                    continue
            return
        # blob ids from the listing: "commit:path" makes git search the tree once per file (slow in big folders)
        blobs = (getattr(self, "_blobs", None) or {}) if rev is None else {}
        yield from self.read_specs([(p, blobs.get(p) or f"{rev or self.commit}:{p}") for p in paths])

    def read_specs(self, specs: list[tuple[str, str]]) -> Iterator[tuple[str, bytes]]:
        blob_at = getattr(self, "_blob_at", None)
        if blob_at:
            specs = [(k, blob_at.get(spec, spec)) for k, spec in specs]
        proc = subprocess.Popen(["git", "-C", str(self.root), "cat-file", "--batch"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE)
        assert proc.stdin and proc.stdout
        import threading

        def feed() -> None:
            assert proc.stdin
            for _, spec in specs:
                proc.stdin.write(spec.encode() + b"\n")
            proc.stdin.close()

        t = threading.Thread(target=feed, daemon=True)
        t.start()
        for key, _ in specs:
            header = proc.stdout.readline().split()
            if len(header) < 3 or header[1] == b"missing":
                continue
            data = proc.stdout.read(int(header[2]))
            proc.stdout.read(1)
            yield key, data
        t.join()
        proc.wait()

    def history(self) -> dict[str, list[tuple[str, str]]]:
        """path -> [(commit, date)] newest first (git only; empty for a folder); read once."""
        if not self.git:
            return {}
        if getattr(self, "_hist", None) is not None:
            return self._hist
        out = _git(self.root, "log", "--format=@%H %ad", "--date=short", "--raw", "--no-abbrev", "--no-renames",
                   "-z", self.commit, "--", (self.subdir or ".") + "/")
        hist: dict[str, list[tuple[str, str]]] = defaultdict(list)
        blob_at: dict[str, str] = {}  # "commit:path" -> blob id (reading by blob id skips a tree walk per file)
        commit = date = blob = ""
        for tok in out.split("\0"):
            for line in tok.split("\n"):
                if not line:
                    continue
                if line.startswith("@"):
                    commit, _, date = line[1:].partition(" ")
                elif line.startswith(":"):
                    meta = line.split(" ")
                    blob = meta[3] if len(meta) > 4 and not meta[4].startswith("D") else ""
                else:
                    hist[line].append((commit, date))
                    if blob:
                        blob_at[f"{commit}:{line}"] = blob
                    blob = ""
        self._hist = hist
        self._blob_at = blob_at
        return hist


def _is_git(root: Path) -> bool:
    """A git repository whose top is `root` (a work tree's top folder, or a bare repository)."""
    r = subprocess.run(["git", "-C", str(root), "rev-parse", "--is-bare-repository"], capture_output=True, text=True)
    if r.returncode != 0:
        return False
    if r.stdout.strip() == "true":
        return True
    top = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-toplevel"], capture_output=True, text=True)
    return top.returncode == 0 and Path(top.stdout.strip()).resolve() == root.resolve()


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), "-c", "core.quotepath=false", *args], capture_output=True,
                          text=True, check=True).stdout


# ---- parsing one document --------------------------------------------------------------------------------
def parse_front(text: str) -> dict[str, str | list[str]]:
    """Top-level scalar keys of the YAML front matter (plus 소관부처 as a list); line-based, no YAML parser."""
    if not text.startswith("---"):
        return {}
    end = text.find("\n---", 3)
    front = text[3:end] if end > 0 else ""
    out: dict[str, str | list[str]] = {}
    cur = None
    for line in front.split("\n"):
        if not line:
            continue
        if line[0] not in " -":
            k, _, v = line.partition(":")
            cur = k.strip()
            v = v.strip()
            if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
                v = v[1:-1]
            out[cur] = v
        elif cur == "소관부처" and line.startswith("- "):
            lst = out.get("소관부처")
            if not isinstance(lst, list):
                lst = []
                out["소관부처"] = lst
            lst.append(line[2:].strip())
    return out


def parse_articles(text: str) -> list[list]:
    """[[no, title, deleted], ...] in order of the headings (the first heading of a number wins)."""
    out: list[list] = []
    seen: set[str] = set()
    matches = list(HEADING_RE.finditer(text))
    for i, m in enumerate(matches):
        no = m.group(1)
        if no in seen:
            continue
        seen.add(no)
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        body = text[m.end():end].strip()
        deleted = (m.group(2) is None or m.group(2) == "") and (body.startswith("삭제") or not body)
        if body.startswith("삭제") and len(body) < 40:
            deleted = True
        title = (m.group(2) or "").strip() or None
        out.append([no, title, 1 if deleted else 0])
    return out


def _doc_row(path: str, front: dict) -> dict:
    parts = path.split("/")
    form = parts[-1][:-3]
    return {
        "id": str(front.get("법령ID", "")),
        "mst": str(front.get("법령MST", "")),
        "name": str(front.get("제목", "")).strip(),
        "kind": str(front.get("법령구분", "")),
        "form": form,
        "folder": parts[-2] if len(parts) >= 2 else "",
        "path": path,
        "ministry": front.get("소관부처") if isinstance(front.get("소관부처"), list) else [],
        "status": str(front.get("상태", "")),
        "link": str(front.get("출처", "")),
    }


def _version(front: dict, commit: str | None) -> dict:
    v = {"effective": str(front.get("시행일자", "")), "promulgated": str(front.get("공포일자", "")),
         "promulgation_no": str(front.get("공포번호", "")), "mst": str(front.get("법령MST", ""))}
    if commit:
        v["commit"] = commit
    return v


# ---- the book --------------------------------------------------------------------------------------------
def build_book(src: Source, log=print) -> dict:
    """Documents and article versions of every markdown file under the source's `kr/` tree."""
    paths = [p for p in src.list() if "/" in p and not p.rsplit("/", 1)[-1].startswith(("README", "."))]
    docs: list[dict] = []
    versions: dict[str, list[dict]] = {}
    arts: dict[str, list[list]] = {}
    heads: dict[str, dict] = {}
    for path, data in src.read_many(paths):
        text = data.decode("utf-8", "replace")
        front = parse_front(text)
        if not front.get("법령ID") or not front.get("제목"):
            continue
        row = _doc_row(path, front)
        if row["id"] in heads:  # the same 법령ID twice: keep the first path, note the other
            heads[row["id"]].setdefault("also_paths", []).append(path)
            continue
        heads[row["id"]] = row
        docs.append(row)
        versions[row["id"]] = [_version(front, src.commit if src.git else None)]
        arts[row["id"]] = [parse_articles(text)]
    snapshot = max((v[0]["promulgated"] for v in versions.values() if v[0]["promulgated"]), default="")
    log(f"book: {len(docs)} documents, {sum(len(a[0]) for a in arts.values())} article headings, snapshot {snapshot}")
    # documents not in force on the snapshot date: walk their history back to the version in force then
    pending = [d for d in docs if versions[d["id"]][0]["effective"] > snapshot]
    if pending and src.git:
        hist = src.history()
        specs: list[tuple[str, str]] = []
        for d in pending:
            for commit, _date in hist.get(d["path"], [])[1:]:
                specs.append((f"{d['id']}\t{commit}", f"{commit}:{d['path']}"))
        done: set[str] = set()
        for key, data in src.read_specs(specs):
            doc_id, commit = key.split("\t")
            if doc_id in done:
                continue
            text = data.decode("utf-8", "replace")
            front = parse_front(text)
            v = _version(front, commit)
            cur = versions[doc_id]
            if v["effective"] >= cur[-1]["effective"] and v["promulgated"] != cur[-1]["promulgated"]:
                continue  # promulgated earlier, effective later than a newer text: superseded before it applied
            cur.append(v)
            arts[doc_id].append(parse_articles(text))
            if v["effective"] <= snapshot:
                done.add(doc_id)
        log(f"book: {len(pending)} documents not yet in force on {snapshot}; "
            f"{sum(len(versions[d['id']]) - 1 for d in pending)} earlier versions read from the history")
    former = _former_articles(src, docs, arts, log) if src.git else {}
    # parent Act of decrees and rules: the 법률 of the same folder
    by_folder = {d["folder"]: d for d in docs if d["form"] == "법률"}
    for d in docs:
        if d["kind"] != "법률":
            p = by_folder.get(d["folder"])
            if p is not None:
                d["parent"] = p["id"]
        d["versions"] = sorted(versions[d["id"]], key=lambda v: (v["effective"], v["promulgated"]))
        d["n_articles"] = len(arts[d["id"]][0])
    # versions oldest first, articles aligned with them
    art_rows = {}
    for d in docs:
        pairs = sorted(zip(versions[d["id"]], arts[d["id"]], strict=True), key=lambda x: (x[0]["effective"], x[0]["promulgated"]))
        art_rows[d["id"]] = [[v, a] for v, a in pairs]
    return {"snapshot": snapshot, "documents": docs, "articles": art_rows, "former": former}


_EFF_RE = re.compile(r"^시행일자: *'?([0-9-]+)", re.M)


def _former_articles(src: Source, docs: list[dict], arts: dict[str, list[list]], log) -> dict[str, dict[str, list]]:
    """Article numbers of every earlier text in the history that no kept version has: doc id -> no ->
    [title, 시행일자 of the last earlier text that has it]. An article cited from a former text is outdated,
    not fabricated."""
    hist = src.history()
    specs = [(f"{d['id']}", f"{c}:{d['path']}") for d in docs for c, _date in hist.get(d["path"], [])[1:]]
    kept = {did: {a[0] for al in a_list for a in al} for did, a_list in arts.items()}
    former: dict[str, dict[str, list]] = defaultdict(dict)
    n = 0
    for did, data in src.read_specs(specs):
        n += 1
        text = data.decode("utf-8", "replace")
        m = _EFF_RE.search(text, 0, 800)
        eff = m.group(1) if m else ""
        k = kept[did]
        f = former[did]
        for hm in HEADING_RE.finditer(text):
            no = hm.group(1)
            if no in k:
                continue
            prev = f.get(no)
            if prev is None or eff > prev[1]:
                f[no] = [(hm.group(2) or "").strip() or None, eff]
    log(f"book: {n} earlier texts read; {sum(len(v) for v in former.values())} articles only in earlier texts")
    return {did: v for did, v in former.items() if v}


# ---- court decisions -------------------------------------------------------------------------------------
_REFS_RE = re.compile(r"\n## 참조조문\n(.*?)(?=\n## |\Z)", re.S)
_REASONS_RE = re.compile(r"\n## (?:판시사항|판결요지|판례내용)\n(.*?)(?=\n## |\Z)", re.S)
_SERIAL_RE = re.compile(r"^판례일련번호: *'?(\d+)'?")
# 구 X(…개정되기 전의 것) / (…폐지되기 전의 것)
_OLD_RE = re.compile(r"구\s*「?([가-힣A-Za-z0-9ㆍ·\s]{2,80}?(?:법|법률|령|규칙|규정))」?\s*\(([^()]{0,160}?)(개정|폐지|전부\s*개정|제정)되기\s*전의\s*것\)")
_ABBR_RE = re.compile(r"\(\s*이하\s*[‘'\"“「]([^’'\"”」()]{2,20})[’'\"”」]\s*(?:이?라|라고|라\s*)\s*(?:한다|함|칭한다|약칭한다)")
_NEXT_NAME_RE = re.compile(r"(?:법률|대통령령|총리령|[가-힣]+부령)\s*제\s*\d+\s*호\s*「?([가-힣ㆍ·\s]{2,60}?(?:법|법률|령|규칙))」?\s*(?:부칙|으로|로|에\s*의하여|에\s*따라|제\d+조)")
_DATE_RE = re.compile(r"(\d{4})\.\s*(\d{1,2})\.\s*(\d{1,2})\.")


def read_decisions(src: Source, log=print) -> Iterator[tuple[str, str]]:
    """(path, text) of every decision whose 판례일련번호 does not end in 7 (others dropped after line 2)."""
    paths = [p for p in src.list() if not p.rsplit("/", 1)[-1].startswith("README")]
    dropped = 0
    for path, data in src.read_many(paths):
        nl1 = data.find(b"\n")
        nl2 = data.find(b"\n", nl1 + 1)
        m = _SERIAL_RE.match(data[nl1 + 1:nl2 if nl2 > 0 else None].decode("utf-8", "replace"))
        if m is None or m.group(1).endswith("7"):
            dropped += 1
            continue
        yield path, data.decode("utf-8", "replace")
    log(f"decisions: {dropped} dropped (reserved serial or no serial)")


def mine_precedents(src: Source, known: dict[str, tuple[str, str]], promulgated_on: dict[str, list[str]],
                    repo_label: str, log=print, *, id_name: dict[str, str] | None = None,
                    refs_dump: Path | None = None, articles: dict[str, set[str]] | None = None,
                    exclude: frozenset[str] = frozenset(), acts: dict[str, tuple[str, str]] | None = None) -> dict:
    """Former names, repealed Acts, articles of former texts and abbreviations, each with its evidence.

    `known`: law key -> (doc id, official name) of documents in force; `promulgated_on`: date -> doc ids with a
    version promulgated that day (from the history), to find the successor of a renamed law; `articles`: doc
    id -> every article number of its kept versions; `exclude`: decision paths left out (a development set);
    `acts`: key -> (doc id, name) of the Acts (법률) in force, the targets of short forms cited with articles."""
    abbr: dict[tuple[str, str], Counter] = defaultdict(Counter)
    refs_rows: list[tuple[str, str]] = []
    n = 0
    dump = refs_dump.open("w", encoding="utf-8") if refs_dump is not None else None
    ends = known_name_ends(known)
    body_rows: list[tuple[str, str]] = []  # (path, name) of Acts a decision's text states to be repealed
    former_rows: list[tuple[str, str]] = []  # (path, name) of former texts the reasons name (…개정되기 전의 구 X)
    cited: dict[str, Counter] = defaultdict(Counter)  # unknown key -> decisions citing it with an article
    cited_forms: dict[str, Counter] = defaultdict(Counter)
    for path, text in read_decisions(src, log):
        n += 1
        m = _REFS_RE.search(text)
        refs = m.group(1).strip() if m else ""
        if dump is not None and refs:
            front = dict(re.findall(r"^(판례일련번호|사건번호|선고일자|사건종류|법원명): *'?([^'\n]*)'?$",
                                    text.split("\n---", 1)[0], re.M))
            dump.write(json.dumps({"path": path, "serial": front.get("판례일련번호", ""), "case": front.get("사건번호", ""),
                                   "decided": front.get("선고일자", ""), "type": front.get("사건종류", ""),
                                   "court": front.get("법원명", ""), "refs": refs}, ensure_ascii=False) + "\n")
        if path in exclude:
            continue
        if refs:
            refs_rows.append((path, refs))
        for sm in _REASONS_RE.finditer(text):  # 판시사항, 판결요지, 판례내용: not the lists of laws or decisions
            body_rows += [(path, name) for name in body_repealed_names(sm.group(1), known, ends)]
            former_rows += [(path, name) for name in body_repealed_names(sm.group(1), known, ends, (_BODY_FORMER_RE,))]
        for name in cited_new_names(text, known, ends):
            cited[law_key(name)][path] += 1
            cited_forms[law_key(name)][name] += 1
        for am in _ABBR_RE.finditer(text):
            short = am.group(1).strip()
            if not short.endswith(("법", "령", "규칙", "법률")) or " " in short.strip():
                continue
            before = text[max(0, am.start() - 80):am.start()]
            target = _longest_known_suffix(before, known)
            if target is None or law_key(short) == law_key(known[target][1]):
                continue
            abbr[(short, known[target][0])][path] += 1
    if dump is not None:
        dump.close()
    log(f"decisions: {n} read")
    id_name = id_name or {v[0]: v[1] for v in known.values()}
    out = mine_refs(refs_rows, known, promulgated_on, repo_label, id_name=id_name, articles=articles or {},
                    body_repealed=body_rows, body_former=_unlike_any(former_rows, known))
    by_short: dict[str, Counter] = defaultdict(Counter)
    for (short, did), files in abbr.items():
        by_short[short][did] += sum(files.values())
    abbreviations = []
    for short, targets in by_short.items():
        did, cnt = targets.most_common(1)[0]
        total = sum(targets.values())
        files = abbr[(short, did)]
        if cnt < 2 or len(files) < 2 or cnt < 0.8 * total:
            continue
        abbreviations.append({"alias": short, "id": did, "name": id_name[did], "count": cnt, "files": len(files),
                              "evidence": [{"source": "precedent-kr", "repo": repo_label, "file": f, "count": c}
                                           for f, c in files.most_common(2)]})
    taken = {law_key(a["alias"]) for a in abbreviations} | {law_key(h["name"]) for h in out["history"]}
    abbreviations += used_abbreviations(cited, cited_forms, acts or {}, taken, repo_label)
    abbreviations.sort(key=lambda a: (-a["count"], a["alias"]))
    log(f"decisions: {len(out['history'])} former or repealed names, {len(abbreviations)} abbreviations, "
        f"{sum(len(v) for v in out['former_articles'].values())} articles of former texts")
    return {**out, "abbreviations": abbreviations, "decisions": n}


_CHUNK_SPLIT_RE = re.compile(r"\[\d+\]|[,/]|\n")
# what a 참조조문 chunk may carry before the name: list markers (가.나.), a 구)/(폐) mark, a glued 구
_CHUNK_PREFIX_RE = re.compile(r"^(?:[가나다라마바사아자차카타파하][.)]\s*)+|^\(?(?:구|폐)\)\s*")
_CHUNK_CIT_RE = re.compile(r"^(?:구\s*)?「?([가-힣ㆍ·][가-힣ㆍ· ]{0,60}?(?:법|법률|령|규칙))」?\s*(?:\([^()]{0,160}\)\s*)?"
                           r"제\s*(\d+)\s*조(?:\s*의\s*(\d+))?")
_CHUNK_BARE_RE = re.compile(r"^제\s*(\d+)\s*조(?:\s*의\s*(\d+))?")
_ART_CIT_RE = re.compile(r"제\s*(\d+)\s*조(?:\s*의\s*(\d+))?")
_REPEALED_RE = re.compile(r"(?:^|(?<=[\s,/\]]))「?([가-힣][가-힣ㆍ· ]{1,60}?(?:법|법률|령|규칙))」?\s*"
                          r"\(([^()]{0,160}?)폐지\)")
_WHOLESALE_RE = re.compile(r"전(?:부|문)\s*$")
MIN_CARRIED = 2  # decisions needed for an article whose law is carried from the chunk before ("…법 제1조, 제2조")

# the reasons of a decision stating that an Act was repealed: "중앙정보부법(폐) 제2조", "폐지된 중앙도매시장법",
# "중앙도매시장법이 폐지되고 …"; the name is one spaceless word ending in 법/법률 (a name with spaces is cut to its last
# word, which is dropped below as the end of a known name)
_BODY_NAME = r"(?<![가-힣ㆍ·])([가-힣][가-힣ㆍ·]{2,40}?(?:법률|법))"
_BODY_REPEALED_RES = (
    re.compile(_BODY_NAME + r"\s*\(\s*폐(?:지)?\s*\)"),
    re.compile(r"(?<![가-힣])폐지된\s*" + _BODY_NAME + r"(?![가-힣ㆍ·]*(?:법|령))"),
    re.compile(_BODY_NAME + r"(?:이|은|는|가)\s+(?:\d{4}\.\s*\d{1,2}\.\s*\d{1,2}\.\s*)?(?:법률\s*제\s*\d+\s*호로?\s*)?폐지"),
)
# "…(전부) 개정되기 전의 구 중앙정보부직원법": the reasons naming a former text, as 구 X(… 개정되기 전의 것) does in a list
_BODY_FORMER_RE = re.compile(r"(?:개정|폐지|제정)되기\s*(?:이\s*)?전의\s*구\s*" + _BODY_NAME)
# "귀속재산법 제15조": a name cited with an article anywhere in a decision (short forms of an Act's name)
_CITED_NAME_RE = re.compile(_BODY_NAME + r"\s*제\s*\d+\s*조")
MIN_USED = 2  # decisions that must cite a short form with an article before it is mined
USED_SIMILARITY = 75.0  # the short form against the Act's name (rapidfuzz ratio of the keys)
# a word just before the name (one space between) that ends in a particle or an ending does not belong to it
_WORD_BEFORE_RE = re.compile(r"([가-힣]+) $")
_WORD_ENDS = tuple("다고며서는은의을를이가에로와과및된한인던년구")
_CITED_WORD_ENDS = tuple(ch for ch in _WORD_ENDS if ch != "및")  # "석유 및 석유대체연료사업법": one spaced name
# words that make a name relative, not a name ("개정민법", "현행 법", "같은 법")
_BODY_NOT_A_NAME = ("개정", "신", "구", "현행", "종전", "동", "같은", "위", "이", "본", "해당", "당해", "관계", "관련", "그")


def _new_name(text: str, m: re.Match[str], known: dict[str, tuple[str, str]], known_ends: frozenset[str],
              word_ends: tuple[str, ...]) -> bool:
    """Group 1 of `m` can be a name the book lacks: four syllables or more, not a known name nor the end of one
    (특별조치법), no known name glued after a word (개정민법), not a relative word (현행, 같은 …), and no word just
    before it that would make it the end of a name written with spaces (간접투자자산 운용업법, 축산물 위생관리법)."""
    key = law_key(m.group(1))
    if len(key) < 4 or key in known or key in known_ends or key.startswith(_BODY_NOT_A_NAME):
        return False
    if any(key[i:] in known for i in range(1, len(key) - 2)):
        return False
    before = _WORD_BEFORE_RE.search(text, max(0, m.start(1) - 30), m.start(1))
    return before is None or before.group(1).endswith(word_ends)


def body_repealed_names(text: str, known: dict[str, tuple[str, str]], known_ends: frozenset[str],
                        patterns: tuple[re.Pattern[str], ...] = _BODY_REPEALED_RES) -> list[str]:
    """Names the decision's own text states to be repealed Acts (or, with `patterns` = (_BODY_FORMER_RE,), former
    texts), unknown to the book (`_new_name`)."""
    return [m.group(1) for rx in patterns for m in rx.finditer(text)
            if _new_name(text, m, known, known_ends, _WORD_ENDS)]


def cited_new_names(text: str, known: dict[str, tuple[str, str]], known_ends: frozenset[str]) -> list[str]:
    """Names unknown to the book cited with an article ("귀속재산법 제15조"): the candidates for short forms."""
    return [m.group(1) for m in _CITED_NAME_RE.finditer(text)
            if _new_name(text, m, known, known_ends, _CITED_WORD_ENDS)]


def known_name_ends(known: dict[str, tuple[str, str]]) -> frozenset[str]:
    """Every proper ending (two syllables or more) of a known name's key."""
    return frozenset(k[i:] for k in known for i in range(1, len(k) - 1))


def _chunks(refs: str) -> Iterator[tuple[str, str, str, bool, bool]]:
    """(law key, name as written, article no, cited as 구, carried) for each article of a 참조조문 list: a chunk
    naming a law sets it for the bare articles after it ("민사소송법 제737조, 제755조"), until the next name or
    "[n]" item."""
    cur: tuple[str, str, bool] | None = None
    pos = 0
    fresh = False
    for m in [*_CHUNK_SPLIT_RE.finditer(refs), None]:
        chunk = refs[pos:m.start() if m else len(refs)].strip()
        if fresh:
            cur = None  # a "[n]" item starts afresh
        fresh = m is not None and m.group(0).startswith("[")
        if m is not None:
            pos = m.end()
        pm = _CHUNK_PREFIX_RE.match(chunk)
        if pm is not None:
            chunk = chunk[pm.end():].lstrip()
        old = chunk.startswith("구") or (pm is not None and "구" in pm.group(0))
        cm = _CHUNK_CIT_RE.match(chunk)
        if cm is not None:
            name = " ".join(cm.group(1).split())
            cur = (law_key(name), name, old)
            yield cur[0], name, _no(cm.group(2), cm.group(3)), old, False
            continue
        bm = _CHUNK_BARE_RE.match(chunk)
        if bm is not None and cur is not None:
            yield cur[0], cur[1], _no(bm.group(1), bm.group(2)), cur[2], True
        elif chunk and not chunk[0].isdigit() and not chunk.startswith(("제", "(")):
            cur = None  # a chunk naming something else (부칙, a treaty): the carried law stops here


def _no(num: str, sub: str | None) -> str:
    return f"제{int(num)}조" + (f"의{int(sub)}" if sub else "")


def mine_refs(refs_rows: list[tuple[str, str]], known: dict[str, tuple[str, str]],
              promulgated_on: dict[str, list[str]], repo_label: str, *, id_name: dict[str, str],
              articles: dict[str, set[str]], body_repealed: list[tuple[str, str]] = (),
              body_former: list[tuple[str, str]] = ()) -> dict:
    """From 참조조문 lists: names cited as former text (구 X(… 개정/폐지되기 전의 것)), names no document bears
    now cited by at least two decisions, articles of documents in force that no kept version has (the
    article of a former text, cited plainly or as 구), and the articles cited under each former or repealed
    name, each with the decisions that cite it. `body_repealed` / `body_former`: (path, name) of Acts the reasons
    of decisions state to be repealed / name as former texts (`_add_from_reasons`)."""
    from rapidfuzz import fuzz

    old_names: dict[str, Counter] = defaultdict(Counter)  # key -> Counter of (written, how)
    old_files: dict[str, Counter] = defaultdict(Counter)
    wholesale: dict[str, Counter] = defaultdict(Counter)  # key -> {True: 전부개정 citations, False: others}
    successors: dict[str, Counter] = defaultdict(Counter)
    plain_names: dict[str, Counter] = defaultdict(Counter)  # key -> written forms (unmarked, unknown now)
    plain_files: dict[str, Counter] = defaultdict(Counter)
    former_articles: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    carried: dict[tuple[str, str], Counter] = defaultdict(Counter)  # (doc or key, no) -> files, carried only
    name_articles: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))  # unknown key -> no
    for path, refs in refs_rows:
        for om in _OLD_RE.finditer(refs):
            name = " ".join(om.group(1).split())
            key = law_key(name)
            if key in known or len(key) < 3:
                continue
            how = "repealed" if "폐지" in om.group(3) else "amended"
            old_names[key][(name, how)] += 1
            old_files[key][path] += 1
            paren = om.group(2)
            wholesale[key][bool(om.group(3).startswith("전") or _WHOLESALE_RE.search(paren))] += 1
            nm = _NEXT_NAME_RE.search(paren)
            if nm is not None:
                succ = law_key(nm.group(1))
                if succ in known and succ != key:
                    successors[key][known[succ][0]] += 1
                    continue
            dm = _DATE_RE.search(paren)
            if dm is not None and how == "amended":
                day = f"{dm.group(1)}-{int(dm.group(2)):02d}-{int(dm.group(3)):02d}"
                for did in promulgated_on.get(day, ()):
                    successors[key][did] += 0  # candidate; scored by name similarity below
        for rm in _REPEALED_RE.finditer(refs):
            # "외자도입촉진법(1966. 8. 3. 법률 제1802호 부칙 제2항으로 폐지) 제32조": the court states the repeal
            name = " ".join(rm.group(1).split())
            if name.startswith("구 "):
                name = name[2:]
            key = law_key(name)
            if key in known or len(key) < 3:
                continue
            old_names[key][(name, "repealed")] += 1
            old_files[key][path] += 1
        for key, name, no, old, was_carried in _chunks(refs):
            if key not in known:
                if len(key) < 3:
                    continue
                if not was_carried and not old:
                    plain_names[key][name] += 1
                    plain_files[key][path] += 1
                name_articles[key][no][path] += 1
                if was_carried:
                    carried[(key, no)][path] += 1
                continue
            did = known[key][0]
            if did not in articles or no in articles[did]:
                continue
            former_articles[did][no][path] += 1
            if was_carried:
                carried[(did, no)][path] += 1

    def solid(did_or_key: str, no: str, files: Counter) -> bool:
        """An article whose law was only carried from the chunk before needs more than one decision."""
        only_carried = sum(carried.get((did_or_key, no), Counter()).values()) == sum(files.values())
        return not only_carried or len(files) >= MIN_CARRIED

    history = []
    for key, forms in old_names.items():
        (written, _), _cnt = forms.most_common(1)[0]
        repealed = sum(c for (w, how), c in forms.items() if how == "repealed")
        total = sum(forms.values())
        succ_id = None
        cands = successors.get(key, Counter())
        explicit = [(d, c) for d, c in cands.most_common() if c > 0]
        if explicit:
            succ_id = explicit[0][0]
        elif cands and not repealed:
            scored = sorted(((fuzz.ratio(key, law_key(id_name[d])), d) for d in cands if d in id_name), reverse=True)
            if scored and scored[0][0] >= 60:
                succ_id = scored[0][1]
        kind = "repealed" if repealed * 2 >= total else "renamed"
        if kind == "renamed" and succ_id is None:
            kind = "former"  # cited as the former text under a name no document bears now; successor unknown
        files = old_files[key].most_common(3)
        ws = wholesale.get(key, Counter())
        history.append({
            "name": written, "kind": kind, "successor_id": succ_id,
            "successor": id_name.get(succ_id) if succ_id else None,
            "evidence": [{"source": "precedent-kr", "repo": repo_label, "file": f, "count": c} for f, c in files],
            "count": total, "files": len(old_files[key]),
            **({"wholesale": True} if ws[True] > ws[False] else {}),
        })
    for key, forms in plain_names.items():
        if key in old_names or len(plain_files[key]) < 2:
            continue  # one decision is not enough evidence for a name no document bears now
        files = plain_files[key].most_common(3)
        history.append({
            "name": forms.most_common(1)[0][0], "kind": "former", "successor_id": None, "successor": None,
            "evidence": [{"source": "precedent-kr", "repo": repo_label, "file": f, "count": c} for f, c in files],
            "count": sum(forms.values()), "files": len(plain_files[key]),
        })
    _add_from_reasons(history, body_repealed, repo_label)
    _add_from_reasons(history, body_former, repo_label, kind="former")
    history.sort(key=lambda h: (-h["count"], h["name"]))
    former = {}
    for did, arts in sorted(former_articles.items()):
        rows = sorted([no, sum(c.values()), c.most_common(1)[0][0]] for no, c in arts.items() if solid(did, no, c))
        if rows:
            former[did] = rows
    in_history = {law_key(h["name"]) for h in history}
    named = {}
    for key, arts in sorted(name_articles.items()):
        if key not in in_history:
            continue
        rows = sorted([no, sum(c.values()), c.most_common(1)[0][0]] for no, c in arts.items() if solid(key, no, c))
        if rows:
            named[key] = rows
    return {"history": history, "former_articles": former, "history_articles": named}


def _add_from_reasons(history: list[dict], rows: list[tuple[str, str]], repo_label: str,
                      kind: str = "repealed") -> None:
    """A decision's reasons stating that an Act was repealed ("중앙도매시장법이 폐지되고", "중앙정보부법(폐)"), as
    strong as "X(… 폐지)" in its list: a name mined as former (successor unknown) is repealed; a name not mined
    otherwise is added as repealed. What the lists say of a renamed or repealed name stands. `kind="former"`:
    the reasons naming a former text ("…개정되기 전의 구 X"): a name not mined otherwise is added as former."""
    files: dict[str, Counter] = defaultdict(Counter)
    forms: dict[str, Counter] = defaultdict(Counter)
    for path, name in rows:
        files[law_key(name)][path] += 1
        forms[law_key(name)][name] += 1
    by_key = {law_key(h["name"]): h for h in history}
    for key, fc in files.items():
        ev = [{"source": "precedent-kr", "repo": repo_label, "file": f, "count": c} for f, c in fc.most_common(3)]
        h = by_key.get(key)
        if h is None:
            history.append({"name": forms[key].most_common(1)[0][0], "kind": kind, "successor_id": None,
                            "successor": None, "evidence": ev, "count": sum(fc.values()), "files": len(fc)})
        elif h["kind"] == "former" and kind == "repealed":
            h["kind"] = "repealed"
            h["evidence"] = h["evidence"][:2] + ev[:1]


def _subsequence(short: str, full: str) -> bool:
    """Every syllable of `short` appears in `full` in order (귀속재산법 in 귀속재산처리법)."""
    it = iter(full)
    return all(ch in it for ch in short)


def _unlike_any(rows: list[tuple[str, str]], known: dict[str, tuple[str, str]]) -> list[tuple[str, str]]:
    """The rows whose name is no short form of a known name (its syllables in order: "구 지방출자출연법",
    "구 통신사기피해환급법" name the former text of a law in force by its short name, not a former name) and no
    known name of the same first syllable with syllables added (군인연금연금법)."""
    by_first: dict[str, list[str]] = defaultdict(list)
    for k in known:
        by_first[k[:1]].append(k)
    verdict: dict[str, bool] = {}
    out = []
    for path, name in rows:
        key = law_key(name)
        if key not in verdict:
            verdict[key] = not (any(_subsequence(key, k) for k in known)
                                or any(_subsequence(k, key) for k in by_first.get(key[:1], ())))
        if verdict[key]:
            out.append((path, name))
    return out


def used_abbreviations(cited: dict[str, Counter], forms: dict[str, Counter], acts: dict[str, tuple[str, str]],
                       taken: set[str], repo_label: str) -> list[dict]:
    """Short forms of an Act's name that decisions cite with an article without defining them ("귀속재산법 제15조"
    for 귀속재산처리법): cited by MIN_USED decisions or more, the syllables of exactly one Act's name in order, that
    Act's name starting with the same syllable and close to it (USED_SIMILARITY). Names already mined (defined
    abbreviations, former or repealed names) are left alone."""
    from rapidfuzz import fuzz

    by_first: dict[str, list[str]] = defaultdict(list)
    for k in acts:
        by_first[k[:1]].append(k)
    out = []
    for key, files in cited.items():
        if len(files) < MIN_USED or key in taken:
            continue
        longer = [k for k in by_first.get(key[:1], ()) if len(k) > len(key) and _subsequence(key, k)]
        if len(longer) != 1 or fuzz.ratio(key, longer[0]) < USED_SIMILARITY:
            continue
        did, name = acts[longer[0]]
        out.append({"alias": forms[key].most_common(1)[0][0], "id": did, "name": name, "count": sum(files.values()),
                    "files": len(files), "how": "used",
                    "evidence": [{"source": "precedent-kr", "repo": repo_label, "file": f, "count": c}
                                 for f, c in files.most_common(2)]})
    return out


def _longest_known_suffix(before: str, known: dict[str, tuple[str, str]]) -> str | None:
    """The longest run of words ending `before` whose key is a known document name."""
    s = before.rstrip().rstrip("」』\"'")
    words = s.split()
    best = None
    for i in range(len(words) - 1, max(-1, len(words) - 14), -1):
        cand = law_key(" ".join(words[i:]))
        cand = cand.lstrip("구")  if cand not in known and cand.startswith("구") else cand
        if cand in known:
            best = cand
    if best is None and words:
        # unspaced names glued to a preceding word: try character suffixes of the last word
        last = law_key(words[-1])
        for j in range(len(last)):
            if last[j:] in known and len(last) - j >= 3:
                return last[j:]
    return best


# ---- writing ---------------------------------------------------------------------------------------------
def write_book(book: dict, mined: dict | None, out: Path, sources: dict, log=print) -> None:
    out.mkdir(parents=True, exist_ok=True)
    shards: list[dict] = [{} for _ in range(N_SHARDS)]
    for doc_id, vers in book["articles"].items():
        shards[shard_of(doc_id)][doc_id] = vers
    for doc_id, f in book.get("former", {}).items():
        shards[shard_of(doc_id)].setdefault("~former", {})[doc_id] = f
    from statutes.book import key_probe

    index = {"format": 1, "snapshot": book["snapshot"], "sources": sources, "documents": book["documents"]}
    names = {"format": 1, "snapshot": book["snapshot"], "key_probe": key_probe(),
             "docs": [[d["id"], d["name"], law_key(d["name"]), d.get("parent"), d["kind"], d["form"]]
                      for d in book["documents"]],
             "history": [{**h, "key": law_key(h["name"])} for h in (mined or {}).get("history", [])],
             "abbreviations": [{**a, "key": law_key(a["alias"])} for a in (mined or {}).get("abbreviations", [])]}
    tmp_files = []
    p = out / "names.json.gz"
    tmp = p.with_suffix(".tmp")
    tmp.write_bytes(gzip.compress(json.dumps(names, ensure_ascii=False, separators=(",", ":")).encode(), 9, mtime=0))
    tmp_files.append((tmp, p))
    # small files apart from the index, so that a lookup that needs them does not load every document's row
    for name, key in (("history-articles.json.gz", "history_articles"), ("former-articles.json.gz", "former_articles")):
        p = out / name
        tmp = p.with_suffix(".tmp")
        tmp.write_bytes(gzip.compress(json.dumps((mined or {}).get(key, {}), ensure_ascii=False,
                                                 separators=(",", ":")).encode(), 9, mtime=0))
        tmp_files.append((tmp, p))
    total = 0
    for i, sh in enumerate(shards):
        p = out / f"articles-{i:02d}.jsonl.gz"
        tmp = p.with_suffix(".tmp")
        tmp.write_bytes(gzip.compress(shard_lines(sh), 9, mtime=0))
        tmp_files.append((tmp, p))
    p = out / "index.json.gz"
    tmp = p.with_suffix(".tmp")
    tmp.write_bytes(gzip.compress(json.dumps(index, ensure_ascii=False, separators=(",", ":")).encode(), 9, mtime=0))
    tmp_files.append((tmp, p))
    for tmp, p in tmp_files:
        total += tmp.stat().st_size
        os.replace(tmp, p)
    for i in range(N_SHARDS):  # shards in the one-object format of earlier builds: replaced by the lines above
        (out / f"articles-{i:02d}.json.gz").unlink(missing_ok=True)
    log(f"wrote {out} ({len(tmp_files)} files, {total:,} bytes; largest "
        f"{max(p.stat().st_size for _, p in tmp_files):,})")


def shard_lines(shard: dict) -> bytes:
    """A shard as JSON lines, one per document (`["id", versions]`) and one per document with articles of earlier
    texts (`["~id", {no: [title, date]}]`): the book parses only the lines of the documents looked up."""
    rows = [[k, v] for k, v in shard.items() if k != "~former"]
    rows += [["~" + k, v] for k, v in shard.get("~former", {}).items()]
    rows.sort(key=lambda r: r[0])
    return "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows).encode()


def promulgation_days(src: Source, docs: list[dict]) -> dict[str, list[str]]:
    """date -> ids of documents with a version promulgated that day (from the history; head dates otherwise)."""
    by_path = {d["path"]: d["id"] for d in docs}
    days: dict[str, list[str]] = defaultdict(list)
    hist = src.history() if src.git else {}
    for path, commits in hist.items():
        did = by_path.get(path)
        if did:
            for _c, date in commits:
                days[date].append(did)
    for d in docs:
        for v in d["versions"]:
            if d["id"] not in days[v["promulgated"]]:
                days[v["promulgated"]].append(d["id"])
    return days


def build(from_dir: Path, out: Path, precedents: Path | None = None, *, commit: str | None = None,
          precedents_commit: str | None = None, precedents_subdir: str = "", log=None,
          refs_dump: Path | None = None, exclude: frozenset[str] = frozenset(), exclude_label: str | None = None,
          source_name: str | None = None, precedents_name: str | None = None) -> dict:
    """The whole build: book from `from_dir` (its `kr/` folder when it has one), decisions from `precedents`
    (`exclude`: decision paths left out of the mining, e.g. a development set the figures are measured on;
    `source_name` / `precedents_name`: what the book records as each source, e.g. github:owner/repo)."""
    log = log or (lambda m: print(m, file=sys.stderr))
    from_dir = Path(from_dir)
    sub = "kr" if (from_dir / "kr").is_dir() or _git_has(from_dir, commit, "kr") else ""
    src = Source(from_dir, commit, sub, source_name)
    book = build_book(src, log)
    if not book["documents"]:
        raise BuildError(f"{from_dir}: no statute documents found (expected kr/<law>/<kind>.md files with front matter)")
    sources = {"statutes": {"path": src.where(), "commit": src.commit, "git": src.git}}
    mined = None
    if precedents is not None:
        known = {}
        # one name, several documents (민사소송법: the Act and a 군정법령 of that name): the Act, as the reader
        # resolves it, so what decisions cite under the name is kept for the document the name means
        for d in sorted(book["documents"], key=lambda d: d["kind"] != "법률"):
            known.setdefault(law_key(d["name"]), (d["id"], d["name"]))
        psub = precedents_subdir or ("precedent-kr" if (Path(precedents) / "precedent-kr").is_dir()
                                     or _git_has(Path(precedents), precedents_commit, "precedent-kr") else "")
        psrc = Source(Path(precedents), precedents_commit, psub, precedents_name)
        arts = {did: {a[0] for _v, al in vers for a in al} for did, vers in book["articles"].items()}
        mined = mine_precedents(psrc, known, promulgation_days(src, book["documents"]), psrc.label(), log,
                                id_name={d["id"]: d["name"] for d in book["documents"]}, refs_dump=refs_dump,
                                articles=arts, exclude=exclude,
                                acts={law_key(d["name"]): (d["id"], d["name"]) for d in book["documents"]
                                      if d["kind"] == "법률"})
        sources["precedents"] = {"path": psrc.where(), "commit": psrc.commit, "git": psrc.git, "subdir": psub,
                                 "decisions_read": mined["decisions"], "excluded_count": len(exclude),
                                 **({"excluded": exclude_label} if exclude_label else {})}
    write_book(book, mined, Path(out), sources, log)
    return {"documents": len(book["documents"]), "snapshot": book["snapshot"]}


def _git_has(root: Path, commit: str | None, sub: str) -> bool:
    if not _is_git(root):
        return False
    r = subprocess.run(["git", "-C", str(root), "cat-file", "-e", f"{commit or 'HEAD'}:{sub}"], capture_output=True)
    return r.returncode == 0
