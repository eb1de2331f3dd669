"""Pydantic records of the registry's package data (validated once at load)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

AliasKind = Literal[
    "official", "abbreviation", "colloquial", "spacing", "dot_variant", "english", "hanja", "non_official", "unverified"
]
Coverage = Literal["core", "extra"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Alias(_Frozen):
    alias: str
    kind: AliasKind
    source: str = "reference"  # "reference" (laws.jsonl) or "curated" (aliases_curated.json)
    verified: bool = False
    defined_in_precedents: int | None = None
    used_in_precedents: int | None = None  # a short form decisions cite with articles without defining it


class LawSource(_Frozen):
    repo: str
    path: str
    commit: str | None = None
    data_commit: str
    upstream: str | None = None
    law_go_kr: str | None = None


class AsOf(_Frozen):
    snapshot: str
    promulgated: str
    promulgation_no: str
    effective: str
    status: str
    latest_text_in_force_on_snapshot: bool


class Article(_Frozen):
    no: str  # 제250조 / 제44조의7
    title: str | None = None
    deleted: bool | None = False  # None: heading without title/body in the source (unverified)
    deleted_on: str | None = None
    not_yet_in_force: bool = False  # only in a promulgated, not yet effective version
    in_force_title: str | None = None  # title of the version in force on the snapshot date, when it differs
    only_in_in_force_version: bool = False
    deletion_not_yet_in_force: bool = False  # deleted in the latest text, deletion not yet effective
    note: str | None = None


class Law(_Frozen):
    id: str  # 법령ID, e.g. "001692"
    name: str  # official name as in the source (with ㆍ)
    kind: str
    coverage: Coverage
    ministry: list[str] = Field(default_factory=list)
    aliases: list[Alias] = Field(default_factory=list)
    source: LawSource
    as_of: AsOf
    articles: list[Article]
    pending_effective: list[str] = Field(default_factory=list)  # effective dates of pending promulgations
    note: str | None = None


class RenumberEntry(_Frozen):
    old_no: str
    new_no: str
    title: str


class Change(_Frozen):
    """One record of changes.jsonl (repealed laws, deleted/lapsed provisions, renumberings)."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    id: str
    law: str
    articles: list[str] = Field(default_factory=list)
    type: str
    status_now: str | None = None
    citing_as_current_law_is: str | None = None
    replaced_by: str | None = None
    old_title: str | None = None
    old_titles: dict[str, str] = Field(default_factory=dict)
    also_repealed_same_act: list[str] = Field(default_factory=list)
    mapping: list[RenumberEntry] = Field(default_factory=list)
    scope: str | None = None
    events: list[dict[str, Any]] = Field(default_factory=list)
    verified: bool | str = False
    note: str | None = None
    evidence: list[dict[str, Any]] = Field(default_factory=list)


class Act(_Frozen):
    """A row of acts_index.tsv: every Act in force in the snapshot."""

    name: str
    law_id: str
    promulgated: str
    effective: str


InstitutionStatus = Literal["active", "replaced", "unverified"]


class Institution(_Frozen):
    id: str
    name: str
    aliases: list[str] = Field(default_factory=list)  # curated name forms used to find mentions
    numbers: list[str] = Field(default_factory=list)  # dialable numbers (hyphenated as written)
    urls: list[str] = Field(default_factory=list)
    number_text: str  # the number field as in the source
    purpose: str
    categories: list[str] = Field(default_factory=list)  # harm categories it serves (taxonomy draft)
    status: InstitutionStatus
    status_text: str
    replaced_by: str | None = None
    replaced_since: str | None = None
    verification: str
    number_unverified: bool = False
    sources: list[str] = Field(default_factory=list)
    notes: str = ""


class LegalBasis(_Frozen):
    law: str  # official name
    article: str  # 제44조의2
    paragraph: str | None = None


class Procedure(_Frozen):
    id: str
    name: str
    description: str
    triggers: list[str]  # Korean phrases that signal the procedure in an answer
    institutions: list[str]  # institution ids that carry it out (or are the right place to go)
    other_actors: list[str] = Field(default_factory=list)  # e.g. 플랫폼 사업자, 은행, 사용자(회사)
    legal_basis: list[LegalBasis]
    categories: list[str] = Field(default_factory=list)
    verified: str  # what was checked, and what was not
    source: str = "curated"


# ---- the statute book (statutes/book.py) -----------------------------------------------------------------
class Version(_Frozen):
    """One text of a document: when it was promulgated and when it takes effect."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    effective: str  # 시행일자 (ISO)
    promulgated: str  # 공포일자
    promulgation_no: str = ""
    mst: str = ""
    commit: str | None = None  # source commit holding this text (git builds)


class Document(_Frozen):
    """A document of the statute book: an Act, decree, rule or other enactment."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    id: str  # 법령ID
    mst: str = ""
    name: str  # 제목
    kind: str  # 법령구분: 법률, 대통령령, 총리령, ○○부령, 대법원규칙, …
    form: str  # file stem in the tree: 법률, 시행령, 시행규칙, 대통령령, …
    folder: str = ""
    path: str
    parent: str | None = None  # 법령ID of the parent Act (decrees and rules in the Act's folder)
    ministry: list[str] = Field(default_factory=list)
    status: str = ""
    link: str = ""  # law.go.kr address as in the source
    versions: list[Version]  # oldest first: the one in force on the snapshot date, then later-effective ones
    n_articles: int = 0

    @property
    def is_act(self) -> bool:
        return self.kind == "법률"

    @property
    def latest(self) -> Version:
        return self.versions[-1]


class Evidence(_Frozen):
    source: str  # legalize-kr / precedent-kr
    repo: str = ""
    file: str
    count: int = 1


class HistoryFact(_Frozen):
    """A name no document in force bears: a former name (renamed, with its successor) or a repealed law.
    kind "former": cited as former text under that name, successor not identified."""

    name: str
    kind: Literal["renamed", "repealed", "former"]
    successor: str | None = None
    successor_id: str | None = None
    count: int = 0
    evidence: list[Evidence] = Field(default_factory=list)
    wholesale: bool = False  # most decisions cite it as "전부(전문) 개정되기 전의 것": the successor renumbered


class MinedAbbreviation(_Frozen):
    """An abbreviation defined in court decisions ("(이하 '청탁금지법'이라 한다)"), or with how="used" a short form
    they cite with articles without defining it ("귀속재산법 제15조"); unverified by nature."""

    alias: str
    id: str  # 법령ID of the document
    name: str
    count: int
    how: Literal["defined", "used"] = "defined"
    evidence: list[Evidence] = Field(default_factory=list)
