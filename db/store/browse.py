"""The seed list (filters, pages, the cheap per-category counts) and the full-text search: reads only, over
seeds, candidates and pairs.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from db.store.base import StoreBase


class SeedFilter(BaseModel):
    """Filters of the seed list (TUI browse, export)."""

    category: str | None = None
    subcategory: str | None = None
    review: str | None = None  # unreviewed | reviewed | flagged | overridden
    source: str | None = None  # pair source judge | human
    max_margin: float | None = None
    model: str | None = None
    ids: list[str] | None = None


class SeedRow(BaseModel):
    """One line of the paged seed list."""

    id: str
    text: str
    category: str | None
    subcategory: str | None
    pair_source: str | None = None
    margin: float | None = None
    status: str | None = None
    flags: list[str] = []


class SearchHit(BaseModel):
    kind: str  # seed | candidate
    id: str
    seed_id: str
    snippet: str


class BrowseStore(StoreBase):
    """The seed list, its filters and full-text search."""

    def _seed_where(self, f: SeedFilter) -> tuple[str, list[Any]]:
        where, params = ["1=1"], []
        if f.category:
            where.append("s.category = ?")
            params.append(f.category)
        if f.subcategory:
            where.append("s.subcategory = ?")
            params.append(f.subcategory)
        if f.review == "unreviewed":
            where.append("(p.source IS NULL OR p.source = 'judge')")
        elif f.review == "reviewed":
            where.append("p.source = 'human'")
        elif f.review == "flagged":
            where.append("p.flags IS NOT NULL AND p.flags != '[]'")
        elif f.review == "overridden":
            where.append("p.source = 'human' AND (p.chosen_id IS NOT p.judge_chosen_id "
                         "OR p.rejected_id IS NOT p.judge_rejected_id)")
        if f.source:
            where.append("p.source = ?")
            params.append(f.source)
        if f.max_margin is not None:
            where.append("p.margin <= ?")
            params.append(f.max_margin)
        if f.model:
            where.append("EXISTS (SELECT 1 FROM candidates c WHERE c.seed_id = s.id AND c.model = ?)")
            params.append(f.model)
        if f.ids is not None:
            where.append(f"s.id IN ({','.join('?' * len(f.ids)) or 'NULL'})")
            params.extend(f.ids)
        return " AND ".join(where), params

    def page_seeds(self, f: SeedFilter | None = None, *, offset: int = 0, limit: int = 200,
                   order: str = "rowid") -> list[SeedRow]:
        """One page of the seed list; order 'rowid' or 'queue' (flagged, then disagreement, then low margin)."""
        f = f or SeedFilter()
        where, params = self._seed_where(f)
        order_sql = {
            "rowid": "s.rowid",
            "queue": "(p.source = 'human'), (p.flags IS NULL OR p.flags = '[]'), coalesce(p.margin, 1e9), s.rowid",
        }[order]
        rows = self._q(
            "SELECT s.id, s.text, s.category, s.subcategory, p.source AS pair_source, p.margin, p.status, p.flags "
            f"FROM seeds s LEFT JOIN pairs p ON p.seed_id = s.id WHERE {where} ORDER BY {order_sql} "
            "LIMIT ? OFFSET ?", [*params, limit, offset])
        return [SeedRow(**{**dict(r), "flags": json.loads(r["flags"]) if r["flags"] else []}) for r in rows]

    def count_page(self, f: SeedFilter | None = None) -> int:
        f = f or SeedFilter()
        where, params = self._seed_where(f)
        return self._q(f"SELECT count(*) FROM seeds s LEFT JOIN pairs p ON p.seed_id = s.id WHERE {where}",
                       params)[0][0]

    def category_stats(self) -> list[dict[str, Any]]:
        """Per (category, subcategory): seeds, judged candidates, safe rate of the latest judgments."""
        rows = self._q(
            "WITH latest AS (SELECT candidate_id, max(id) AS id FROM judgments GROUP BY candidate_id) "
            "SELECT s.category, s.subcategory, count(DISTINCT s.id) AS seeds, "
            "sum(j.verdict = 'safe') AS safe, sum(j.verdict IN ('safe','unsafe')) AS scored "
            "FROM seeds s LEFT JOIN candidates c ON c.seed_id = s.id "
            "LEFT JOIN latest l ON l.candidate_id = c.id LEFT JOIN judgments j ON j.id = l.id "
            "GROUP BY s.category, s.subcategory ORDER BY s.category, s.subcategory")
        return [dict(r) for r in rows]

    def category_counts(self) -> list[dict[str, Any]]:
        """Seeds per (category, subcategory) only: cheap, for first paint of the taxonomy tree."""
        rows = self._q("SELECT category, subcategory, count(*) AS seeds FROM seeds "
                       "GROUP BY category, subcategory ORDER BY category, subcategory")
        return [dict(r) for r in rows]

    def agreement_rows(self) -> list[tuple[str | None, str | None, str | None, str | None]]:
        """(judge_chosen, judge_rejected, human_chosen, human_rejected) for every reviewed pair."""
        rows = self._q("SELECT judge_chosen_id, judge_rejected_id, chosen_id, rejected_id FROM pairs "
                       "WHERE source = 'human'")
        return [tuple(r) for r in rows]

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Full-text search over seeds and candidates. Korean works through the trigram tokenizer;
        queries shorter than three characters fall back to a substring scan."""
        q = query.strip()
        if not q:
            return []
        hits: list[SearchHit] = []
        if len(q) >= 3:
            phrase = '"' + q.replace('"', '""') + '"'
            for r in self._q("SELECT s.id, snippet(seeds_fts, 0, '', '', '…', 40) AS sn FROM seeds_fts "
                             "JOIN seeds s ON s.rowid = seeds_fts.rowid WHERE seeds_fts MATCH ? LIMIT ?",
                             (phrase, limit)):
                hits.append(SearchHit(kind="seed", id=r[0], seed_id=r[0], snippet=r[1]))
            rest = limit - len(hits)
            if rest > 0:
                for r in self._q("SELECT c.id, c.seed_id, snippet(candidates_fts, 0, '', '', '…', 40) FROM "
                                 "candidates_fts JOIN candidates c ON c.rowid = candidates_fts.rowid "
                                 "WHERE candidates_fts MATCH ? LIMIT ?", (phrase, rest)):
                    hits.append(SearchHit(kind="candidate", id=r[0], seed_id=r[1], snippet=r[2]))
        else:
            like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            # the snippet starts a little before the match, so the match is visible
            around = "substr(text, max(1, instr(text, ?) - 20), 80)"
            for r in self._q(f"SELECT id, {around} FROM seeds WHERE text LIKE ? ESCAPE '\\' LIMIT ?",
                             (q, like, limit)):
                hits.append(SearchHit(kind="seed", id=r[0], seed_id=r[0], snippet=r[1]))
            rest = limit - len(hits)
            if rest > 0:
                for r in self._q(f"SELECT id, seed_id, {around} FROM candidates WHERE text LIKE ? "
                                 "ESCAPE '\\' LIMIT ?", (q, like, rest)):
                    hits.append(SearchHit(kind="candidate", id=r[0], seed_id=r[1], snippet=r[2]))
        return hits
