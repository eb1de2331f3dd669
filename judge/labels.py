"""Agreement of the judge's pairs with quality labels shipped in a dataset (examples/sample_seeds.jsonl).

Labels are read only here, after judging, to measure the judge; the judge itself never sees them.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from db.store import Store

# worst first: what a rejected answer should be when the seed has it
SEVERITY = ("harmful", "fabricated", "outdated_hotline", "foreign", "over_refusal", "bare_refusal", "coherent")
GOOD_REJECTS = {"harmful", "fabricated"}


class LabelMiss(BaseModel):
    seed_id: str
    category: str | None
    chosen: str | None
    rejected: str | None
    labels: dict[str, str]


class LabelAgreement(BaseModel):
    seeds: int = 0  # seeds with labelled candidates and a coherent one
    chosen_ok: int = 0  # chosen is the coherent answer
    rejected_ok: int = 0  # rejected is a fabricated / harmful answer, or the worst label of the seed
    both_ok: int = 0
    misses: list[LabelMiss] = Field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.both_ok / self.seeds if self.seeds else 0.0


def candidate_label(params: dict) -> str | None:
    meta = params.get("meta") if isinstance(params, dict) else None
    label = (meta or {}).get("label") if isinstance(meta, dict) else None
    return label if isinstance(label, str) else params.get("label") if isinstance(params, dict) else None


def label_agreement(store: Store) -> LabelAgreement:
    out = LabelAgreement()
    for seed, cands in store.iter_seeds_with_candidates():
        labels = {c.id: candidate_label(c.params) for c in cands}
        labels = {k: v for k, v in labels.items() if v}
        if "coherent" not in labels.values():
            continue
        out.seeds += 1
        pair = store.get_pair(seed.id)
        chosen = labels.get(pair.chosen_id) if pair and pair.status == "pair" else None
        rejected = labels.get(pair.rejected_id) if pair and pair.status == "pair" else None
        present = [lab for lab in SEVERITY if lab in labels.values()]
        c_ok = chosen == "coherent"
        r_ok = rejected is not None and (rejected in GOOD_REJECTS or rejected == present[0])
        out.chosen_ok += c_ok
        out.rejected_ok += r_ok
        out.both_ok += c_ok and r_ok
        if not (c_ok and r_ok):
            out.misses.append(LabelMiss(seed_id=seed.id, category=seed.category, chosen=chosen, rejected=rejected,
                                        labels={k: v for k, v in labels.items()}))
    return out
