"""The statute book: every document of the legalize-kr tree, read lazily from gzip shards.

`names.json.gz` holds what every lookup needs (ids, names, keys, parents, kinds; former and repealed names and
mined abbreviations); `index.json.gz` the full document rows (법령ID, name, kind, parent Act, versions with
공포/시행일자, status, link), read only when a document's row is asked for; `former-articles.json.gz` the articles
of former texts that decisions cite; `articles-NN.jsonl.gz` hold the article headings of every
kept version, a shard read only when one of its documents is looked up. Built by `statutes.build`.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

from statutes.fastmodel import fast_constructor
from statutes.models import Document, Evidence, HistoryFact, MinedAbbreviation, Version

N_SHARDS = 64
ENV = "KCC_STATUTES"


def shard_of(doc_id: str) -> int:
    return zlib.crc32(doc_id.encode()) % N_SHARDS


@dataclass(frozen=True, slots=True)
class DatedArticle:
    """An article heading as it reads in one version of its document."""

    no: str
    title: str | None
    deleted: bool
    version: Version
    later: DatedArticle | None = None  # the same number in the next version, not yet in force, when it differs
    only_later: bool = False  # the heading exists only in a version not yet in force on the date asked


_new_version = fast_constructor(Version)


_PROBES = ("형법", "아동ㆍ청소년의 성보호에 관한 법률", "「개인정보 보호법」", "Criminal Act", "１２ 법률", "가·나\u200b다")


def key_probe() -> list[str]:
    """`law_key` of a few fixed strings: stored keys are used only while `law_key` still gives these."""
    from statutes.normalize import law_key

    return [law_key(p) for p in _PROBES]


class Book:
    """Documents by id; the full index and the article shards are read on first use."""

    def __init__(self, root: Path | resources.abc.Traversable) -> None:
        self.root = root
        raw = json.loads(gzip.decompress(root.joinpath("names.json.gz").read_bytes()))
        self.snapshot: str = raw["snapshot"]
        self.keys_valid = raw.get("key_probe") == key_probe()
        self.names: list[list] = raw["docs"]  # [id, name, key, parent, kind, form]
        self.slim: dict[str, list] = {r[0]: r for r in self.names}
        self.ids = self.slim.keys()
        self.history_rows: list[dict] = raw.get("history", [])
        self.abbreviation_rows: list[dict] = raw.get("abbreviations", [])
        self._rows: dict[str, dict] | None = None
        self._former: dict[str, dict[str, tuple[int, str]]] | None = None
        self._named: dict[str, dict[str, tuple[int, str]]] | None = None  # former/repealed name key -> articles
        self._sources: dict = {}
        self._docs: dict[str, Document] = {}
        self._shards: dict[int, dict] = {}
        self._earlier: dict[str, dict] = {}
        self._versions: dict[str, list[tuple[Version, dict[str, tuple[str | None, int]]]]] = {}
        self._articles: dict[tuple[str, str, str], DatedArticle | None] = {}  # (id, no, date): the hot path
        self._vindex: dict[tuple[str, str], int] = {}

    @property
    def rows(self) -> dict[str, dict]:
        """Full document rows by id (index.json.gz, read on first use)."""
        if self._rows is None:
            raw = json.loads(gzip.decompress(self.root.joinpath("index.json.gz").read_bytes()))
            self._sources = raw.get("sources", {})
            self._rows = {d["id"]: d for d in raw["documents"]}
        return self._rows

    def former_article(self, doc_id: str, no: str) -> tuple[int, str] | None:
        """(decisions citing it, one such decision's path) for an article no kept version has: the article of a
        former text, as court decisions cite it without marking it 구 (former-articles.json.gz, small: an article
        the book lacks does not load the whole index; books built before it keep these in the index)."""
        if self._former is None:
            f = self.root.joinpath("former-articles.json.gz")
            if f.is_file():
                raw = json.loads(gzip.decompress(f.read_bytes()))
            else:  # a book built before that file keeps them in the index
                raw = json.loads(gzip.decompress(self.root.joinpath("index.json.gz").read_bytes())).get(
                    "former_articles", {})
            self._former = {did: {a[0]: (a[1], a[2]) for a in arts} for did, arts in raw.items()}
        return self._former.get(doc_id, {}).get(no)

    def history_article(self, key: str, no: str) -> tuple[int, str] | None:
        """(decisions citing it, one such decision's path) for article `no` cited under the former or repealed
        name whose `law_key` is `key` (history-articles.json.gz, read on first use: small, apart from the index)."""
        if self._named is None:
            f = self.root.joinpath("history-articles.json.gz")
            raw = json.loads(gzip.decompress(f.read_bytes())) if f.is_file() else {}
            self._named = {k: {a[0]: (a[1], a[2]) for a in arts} for k, arts in raw.items()}
        return self._named.get(key, {}).get(no)

    def earlier_article(self, doc_id: str, no: str) -> tuple[str | None, str] | None:
        """(title, 시행일자 of the last earlier text having it) for an article that only earlier texts of the
        source history have (git builds)."""
        if doc_id not in self.slim:
            return None
        earlier = self._earlier.get(doc_id)
        if earlier is None:
            earlier = self._earlier[doc_id] = self._entry(doc_id, "~" + doc_id) or {}
        got = earlier.get(no)
        return (got[0], got[1]) if got else None

    def _entry(self, doc_id: str, key: str):
        """The value stored under `key` in the shard of `doc_id`, parsed now (None when absent)."""
        got = self._shard(shard_of(doc_id)).get(key)
        return json.loads(got)[1] if isinstance(got, bytes) else got

    def _shard(self, i: int) -> dict:
        """key -> the raw line of a shard (`["id", versions]`, `["~id", earlier articles]`), parsed per document
        when asked: a lookup keeps one shard's bytes, not the objects of its hundred documents. A book written
        before the line format (one JSON object per shard) is read whole."""
        shard = self._shards.get(i)
        if shard is None:
            f = self.root.joinpath(f"articles-{i:02d}.jsonl.gz")
            if f.is_file():
                shard = {}
                for line in gzip.decompress(f.read_bytes()).split(b"\n"):
                    if line:
                        shard[line[2 : line.index(b'"', 2)].decode()] = line
            else:
                raw = json.loads(gzip.decompress(self.root.joinpath(f"articles-{i:02d}.json.gz").read_bytes()))
                shard = {"~" + k: v for k, v in raw.pop("~former", {}).items()}
                shard.update(raw)
            self._shards[i] = shard
        return shard

    @property
    def sources(self) -> dict:
        _ = self.rows
        return self._sources

    @property
    def snapshot_date(self) -> date:
        return date.fromisoformat(self.snapshot)

    def document(self, doc_id: str) -> Document | None:
        d = self._docs.get(doc_id)
        if d is None:
            row = self.rows.get(doc_id)
            if row is None:
                return None
            d = Document.model_validate(row)
            self._docs[doc_id] = d
        return d

    def history(self) -> list[HistoryFact]:
        return [HistoryFact(name=h["name"], kind=h["kind"], successor=h.get("successor"),
                            successor_id=h.get("successor_id"), count=h.get("count", 0),
                            wholesale=h.get("wholesale", False),
                            evidence=[Evidence(**e) for e in h.get("evidence", [])]) for h in self.history_rows]

    def abbreviations(self) -> list[MinedAbbreviation]:
        return [MinedAbbreviation(alias=a["alias"], id=a["id"], name=a["name"], count=a["count"], how=a.get("how", "defined"),
                                  evidence=[Evidence(**e) for e in a.get("evidence", [])]) for a in self.abbreviation_rows]

    # ---- articles ------------------------------------------------------------------------------
    def versions(self, doc_id: str) -> list[tuple[Version, dict[str, tuple[str | None, int]]]]:
        """[(version, {no: (title, deleted)})] oldest first."""
        got = self._versions.get(doc_id)
        if got is not None:
            return got
        if doc_id not in self.slim:
            return []
        out = []
        for v, arts in self._entry(doc_id, doc_id) or []:
            out.append((_new_version(**v), {a[0]: (a[1], a[2]) for a in arts}))
        self._versions[doc_id] = out
        return out

    def version_index(self, doc_id: str, on: str) -> int:
        """Index of the version in force on `on` (ISO date); 0 when every version is later (the oldest kept)."""
        got = self._vindex.get((doc_id, on))
        if got is not None:
            return got
        idx = 0
        for i, (v, _arts) in enumerate(self.versions(doc_id)):
            if v.effective <= on:
                idx = i
        self._vindex[(doc_id, on)] = idx
        return idx

    def article(self, doc_id: str, no: str, on: str | None = None) -> DatedArticle | None:
        """Article `no` in the version in force on `on` (ISO date, default the snapshot); cached."""
        key = (doc_id, no, on or self.snapshot)
        try:
            return self._articles[key]
        except KeyError:
            pass
        if len(self._articles) > 65536:
            self._articles.clear()
        got = self._articles[key] = self._article(doc_id, no, key[2])
        return got

    def _article(self, doc_id: str, no: str, on: str) -> DatedArticle | None:
        vers = self.versions(doc_id)
        if not vers:
            return None
        i = self.version_index(doc_id, on)
        v, arts = vers[i]
        later = None
        if i + 1 < len(vers):
            lv, larts = vers[i + 1]
            la = larts.get(no)
            if la is not None and (no not in arts or arts[no] != la):
                later = DatedArticle(no=no, title=la[0], deleted=bool(la[1]), version=lv)
        a = arts.get(no)
        if a is None:
            if later is not None:
                return DatedArticle(no=no, title=later.title, deleted=later.deleted, version=later.version,
                                    later=None, only_later=True)
            return None
        return DatedArticle(no=no, title=a[0], deleted=bool(a[1]), version=v, later=later)


def default_root() -> Path | resources.abc.Traversable:
    env = os.environ.get(ENV)
    if env:
        p = Path(env)
        if not (p / "index.json.gz").is_file():
            raise FileNotFoundError(f"{ENV}={env}: no index.json.gz there (build one with `kcc statutes build`)")
        return p
    return resources.files("statutes.data").joinpath("book")
