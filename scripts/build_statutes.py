"""Build statutes/data/ (package data) from ../shared/reference/statutes and taxonomy/institutions.json.

Run: .venv/bin/python scripts/build_statutes.py [--reference DIR]
     .venv/bin/python scripts/build_statutes.py --book LEGALIZE_KR [--precedents DIR] [--commit C] [--precedents-commit C]
       [--exclude-decisions tests/t_checks/data/precedent_refs.jsonl]
       (the statute book, statutes/data/book/, via statutes.build: the same code as `kcc statutes build`; the
       shipped one: --book <mirror of xxyy89890-wq/legalize-kr> --commit 7460e2a014b50e82a85c4b46276eee674e9857c3
       --precedents <mirror of Bullskc/Legalize-KR> --precedents-commit d242c128e246ffdecbcecfcac69a20e8e49bc148)
Inputs read: laws.jsonl, laws_extra.jsonl, changes.jsonl, acts_index.tsv (statutes/), institutions.json and
taxonomy_draft.json (taxonomy/); hand-curated: statutes/data/aliases_curated.json, institutions_overlay.json,
procedures.json. Outputs: laws_core.json, laws_extra.json, acts_index.json, changes.json, institutions.json
(compact JSON, each < 1 MB). Fails loudly when a procedure's legal basis does not resolve.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from statutes.models import Act, Alias, Article, Change, Institution, Law, Procedure  # noqa: E402
from statutes.normalize import law_key  # noqa: E402

DATA = ROOT / "statutes" / "data"
DEFAULT_REF = Path("/work/shared/reference")
MAX_BYTES = 1_000_000


def _dump(name: str, obj: object) -> None:
    path = DATA / name
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    if len(text.encode()) >= MAX_BYTES:
        raise SystemExit(f"{name}: {len(text.encode())} bytes, over the 1 MB limit")
    path.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)} ({len(text.encode()):,} bytes)", file=sys.stderr)


def _aliases(raw: dict, curated: dict) -> list[Alias]:
    name = raw["name"]
    out: dict[str, Alias] = {}
    for info in raw.get("alias_info", []):
        out[info["alias"]] = Alias(
            alias=info["alias"],
            kind="unverified" if info["kind"] == "colloquial_or_abbreviation_unverified" else info["kind"],
            source="reference",
            verified=False,
            defined_in_precedents=info.get("defined_in_precedents"),
        )
    for a in raw.get("aliases", []):
        if a in out:
            continue
        if law_key(a) == law_key(name):
            kind = "dot_variant" if ("·" in a or "ㆍ" in a) and " " in a else "spacing"
        else:
            kind = "colloquial"
        out[a] = Alias(alias=a, kind=kind, source="reference")
    for a in raw.get("non_official_names", []):
        out[a] = Alias(alias=a, kind="non_official", source="reference")
    if "ㆍ" in name:
        dot = name.replace("ㆍ", "·")
        out.setdefault(dot, Alias(alias=dot, kind="dot_variant", source="reference"))
    for kind in ("english", "hanja", "colloquial"):
        for a in curated.get(kind, []):
            out.setdefault(a, Alias(alias=a, kind=kind, source="curated"))
    return list(out.values())


def _law(raw: dict, coverage: str, curated: dict) -> Law:
    pending = raw.get("pending") or {}
    deleted_later = set(pending.get("articles_deleted_not_yet_in_force", []))
    arts = []
    for a in raw["articles"]:
        arts.append(
            Article(
                no=a["no"],
                title=a.get("title"),
                deleted=a.get("deleted"),
                deleted_on=a.get("deleted_on"),
                not_yet_in_force=bool(a.get("not_yet_in_force")),
                in_force_title=a.get("in_force_title"),
                only_in_in_force_version=bool(a.get("only_in_in_force_version")),
                deletion_not_yet_in_force=a["no"] in deleted_later,
                note=a.get("note"),
            )
        )
    src = dict(raw["source"])
    return Law(
        id=raw["law_id"],
        name=raw["name"],
        kind=raw["kind"],
        coverage=coverage,
        ministry=raw.get("ministry", []),
        aliases=_aliases(raw, curated),
        source=src,
        as_of=raw["as_of"],
        articles=arts,
        pending_effective=[p["effective"] for p in pending.get("pending_promulgations", [])],
        note=raw.get("note"),
    )


_NUM_RE = re.compile(r"(?<![\d-])(\d{2,4}(?:-\d{3,4}){0,2})(?![\d-])")
_URL_RE = re.compile(r"https?://[^\s;,)]+")


def _institution(raw: dict, overlay: dict, cats: dict[str, list[str]], by_number: dict[str, str]) -> Institution:
    text = raw["number"]
    urls = _URL_RE.findall(text)
    no_url = _URL_RE.sub(" ", text)
    numbers: list[str] = []
    for n in _NUM_RE.findall(no_url):
        if n not in numbers:
            numbers.append(n)
    st = raw["status"]
    replaced_by = replaced_since = None
    if st.startswith("active"):
        status = "active"
    elif st.startswith("retired"):
        status = "replaced"
        m = re.search(r"replaced by (\S+) on (\d{4}-\d{2}-\d{2})", st)
        if m:
            replaced_by = by_number.get(m.group(1))
            replaced_since = m.group(2)
    else:
        status = "unverified"
    categories = sorted(set(cats.get(raw["id"], [])) | set(overlay.get("extra_categories", {}).get(raw["id"], [])))
    return Institution(
        id=raw["id"],
        name=raw["name"],
        aliases=overlay["aliases"].get(raw["id"], []),
        numbers=numbers,
        urls=urls,
        number_text=text,
        purpose=raw["purpose"],
        categories=categories,
        status=status,
        status_text=st,
        replaced_by=replaced_by,
        replaced_since=replaced_since,
        verification=raw["verified"],
        number_unverified="미확인" in text,
        sources=raw.get("sources", []),
        notes=raw.get("notes", ""),
    )


def _check_procedures(laws: list[Law], institutions: list[Institution]) -> None:
    by_name = {law.name: law for law in laws}
    inst_ids = {i.id for i in institutions}
    doc = json.loads((DATA / "procedures.json").read_text(encoding="utf-8"))
    for raw in doc["procedures"]:
        p = Procedure.model_validate(raw)
        for b in p.legal_basis:
            law = by_name.get(b.law)
            if law is None:
                raise SystemExit(f"procedure {p.id}: law {b.law!r} not in the registry")
            art = next((a for a in law.articles if a.no == b.article), None)
            if art is None or art.deleted is not False or art.not_yet_in_force:
                raise SystemExit(f"procedure {p.id}: {b.law} {b.article} missing, deleted or not in force")
        for i in p.institutions:
            if i not in inst_ids:
                raise SystemExit(f"procedure {p.id}: unknown institution {i}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", type=Path, default=DEFAULT_REF)
    ap.add_argument("--book", type=Path, default=None, help="legalize-kr checkout: build statutes/data/book/ only")
    ap.add_argument("--precedents", type=Path, default=None)
    ap.add_argument("--commit", default=None)
    ap.add_argument("--precedents-commit", default=None)
    ap.add_argument("--source-name", default="github:xxyy89890-wq/legalize-kr",
                    help="what the book records as the statute source (not the local path)")
    ap.add_argument("--precedents-name", default="github:Bullskc/Legalize-KR")
    ap.add_argument("--exclude-decisions", type=Path, default=None,
                    help="JSONL with a 'path' per row: decisions left out of the mining (the development set)")
    args = ap.parse_args(argv)
    if args.book is not None:
        from statutes.build import build

        exclude: frozenset[str] = frozenset()
        label = None
        if args.exclude_decisions is not None:
            rows = args.exclude_decisions.read_text(encoding="utf-8").splitlines()
            exclude = frozenset(json.loads(x)["path"] for x in rows if x.strip())
            rel = args.exclude_decisions.resolve()
            label = f"{rel.relative_to(ROOT) if rel.is_relative_to(ROOT) else rel} (development set)"
        build(args.book, DATA / "book", args.precedents, commit=args.commit, precedents_commit=args.precedents_commit,
              exclude=exclude, exclude_label=label, source_name=args.source_name, precedents_name=args.precedents_name)
        return 0
    st = args.reference / "statutes"
    curated = json.loads((DATA / "aliases_curated.json").read_text(encoding="utf-8"))["laws"]

    laws: dict[str, list[Law]] = {"core": [], "extra": []}
    for fn, cov in (("laws.jsonl", "core"), ("laws_extra.jsonl", "extra")):
        for line in (st / fn).read_text(encoding="utf-8").splitlines():
            if line.strip():
                raw = json.loads(line)
                laws[cov].append(_law(raw, cov, curated.get(raw["name"], {})))
    all_laws = laws["core"] + laws["extra"]
    names = {law.name for law in all_laws}
    missing = set(curated) - names
    if missing:
        raise SystemExit(f"aliases_curated.json names laws outside the registry: {sorted(missing)}")
    n_art = sum(len(x.articles) for x in laws["core"])
    print(f"core laws: {len(laws['core'])} ({n_art} articles); extra: {len(laws['extra'])}", file=sys.stderr)

    changes = [
        Change.model_validate(json.loads(x))
        for x in (st / "changes.jsonl").read_text(encoding="utf-8").splitlines()
        if x.strip()
    ]
    acts: list[Act] = []
    with (st / "acts_index.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            acts.append(
                Act(name=row["name"], law_id=row["law_id"], promulgated=row["promulgated"], effective=row["effective"])
            )

    tx = args.reference / "taxonomy"
    inst_raw = json.loads((tx / "institutions.json").read_text(encoding="utf-8"))
    draft = json.loads((tx / "taxonomy_draft.json").read_text(encoding="utf-8"))
    cats: dict[str, list[str]] = {}
    for c in draft["categories"]:
        for iid in c.get("institutions", []):
            cats.setdefault(iid, []).append(c["id"])
    overlay = json.loads((DATA / "institutions_overlay.json").read_text(encoding="utf-8"))
    by_number = {}
    for r in inst_raw:
        if r["status"].startswith("active"):
            by_number.setdefault(r["number"].split()[0], r["id"])
    institutions = [_institution(r, overlay, cats, by_number) for r in inst_raw]
    unknown = (set(overlay["aliases"]) | {i for ids in overlay["_shared"].values() for i in ids}) - {
        i.id for i in institutions
    }
    if unknown:
        raise SystemExit(f"institutions_overlay.json: unknown ids {sorted(unknown)}")

    _check_procedures(all_laws, institutions)

    snap = {"snapshot": "2026-06-05", "data_commit": "874b58594654505fdc409fd42c02d100d84d51ce"}
    _dump("laws_core.json", {**snap, "laws": [x.model_dump(exclude_defaults=True) for x in laws["core"]]})
    _dump("laws_extra.json", {**snap, "laws": [x.model_dump(exclude_defaults=True) for x in laws["extra"]]})
    _dump("changes.json", {**snap, "changes": [x.model_dump(exclude_defaults=True) for x in changes]})
    _dump(
        "acts_index.json",
        {**snap, "source": "acts_index.tsv", "acts": [[a.name, a.law_id, a.promulgated, a.effective] for a in acts]},
    )
    _dump(
        "institutions.json",
        {
            "source": "../shared/reference/taxonomy/institutions.json + institutions_overlay.json (curated aliases)",
            "shared_aliases": overlay["_shared"],
            "institutions": [x.model_dump(exclude_defaults=True) for x in institutions],
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
