"""Seeds and their candidates (tables `seeds`, `candidates`): idempotent imports (a batch of seeds with
their candidates in one transaction), lookups and bounded-memory streaming for the judge.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from db.models import Candidate, Seed
from db.store.base import StoreBase, StoreError


class SeedStore(StoreBase):
    """Seeds and candidates: imports, lookups, streaming."""

    def upsert_seeds(self, seeds: Iterable[Seed]) -> int:
        """Insert seeds whose id is new; existing ids are left untouched (idempotent re-import)."""
        n = 0
        with self.transaction() as conn:
            for s in seeds:
                n += self._insert(conn, "seeds", s, verb="INSERT OR IGNORE")
        return n

    def add_candidates(self, candidates: Iterable[Candidate]) -> int:
        n = 0
        with self.transaction() as conn:
            for c in candidates:
                n += self._insert(conn, "candidates", c, verb="INSERT OR IGNORE")
        return n

    def import_batch(self, seeds: list[Seed], candidates: list[Candidate]) -> tuple[int, int]:
        """Seeds and their candidates in one transaction: a killed import never leaves half a batch."""
        ns = nc = 0
        with self.transaction() as conn:
            for s in seeds:
                ns += self._insert(conn, "seeds", s, verb="INSERT OR IGNORE")
            for c in candidates:
                nc += self._insert(conn, "candidates", c, verb="INSERT OR IGNORE")
        return ns, nc

    def existing_ids(self, table: str, ids: Iterable[str]) -> set[str]:
        if table not in ("seeds", "candidates"):
            raise StoreError(f"no id lookup for {table}")
        return {r[0] for r in self._q_in(f"SELECT id FROM {table} WHERE id IN ({{}})", ids)}

    def get_seed(self, seed_id: str) -> Seed | None:
        rows = self._q("SELECT * FROM seeds WHERE id = ?", (seed_id,))
        return Seed(**self._decode("seeds", rows[0])) if rows else None

    def iter_seeds(
        self, category: str | None = None, *, source: str | None = None, batch: int = 1000
    ) -> Iterator[Seed]:
        """All seeds in insertion order, streamed in batches (bounded memory)."""
        last = 0
        while True:
            sql = "SELECT rowid AS _r, * FROM seeds WHERE rowid > ?"
            params: list[Any] = [last]
            if category:
                sql += " AND category = ?"
                params.append(category)
            if source:
                sql += " AND source = ?"
                params.append(source)
            rows = self._q(sql + " ORDER BY rowid LIMIT ?", [*params, batch])
            if not rows:
                return
            for r in rows:
                d = self._decode("seeds", r)
                last = d.pop("_r")
                yield Seed(**d)

    def count_seeds(self, category: str | None = None) -> int:
        if category:
            return self._q("SELECT count(*) FROM seeds WHERE category = ?", (category,))[0][0]
        return self._q("SELECT count(*) FROM seeds")[0][0]

    def models(self) -> list[str]:
        """Distinct candidate models (for filter pick lists)."""
        return [r[0] for r in self._q("SELECT DISTINCT model FROM candidates ORDER BY model")]

    def get_candidate(self, candidate_id: str) -> Candidate | None:
        rows = self._q("SELECT * FROM candidates WHERE id = ?", (candidate_id,))
        return Candidate(**self._decode("candidates", rows[0])) if rows else None

    def candidate_texts(self, ids: list[str]) -> dict[str, str]:
        return {r[0]: r[1] for r in self._q_in("SELECT id, text FROM candidates WHERE id IN ({})", ids)}

    def candidates_for(self, seed_id: str) -> list[Candidate]:
        rows = self._q("SELECT * FROM candidates WHERE seed_id = ? ORDER BY rowid", (seed_id,))
        return [Candidate(**self._decode("candidates", r)) for r in rows]

    def iter_seeds_with_candidates(self, *, batch: int = 500, category: str | None = None
                                   ) -> Iterator[tuple[Seed, list[Candidate]]]:
        """Seeds with their candidates, streamed (the judge's input)."""
        buf: list[Seed] = []
        for s in self.iter_seeds(category, batch=batch):
            buf.append(s)
            if len(buf) >= batch:
                yield from self._attach(buf)
                buf = []
        if buf:
            yield from self._attach(buf)

    def _attach(self, seeds: list[Seed]) -> Iterator[tuple[Seed, list[Candidate]]]:
        ids = [s.id for s in seeds]
        rows = self._q(
            f"SELECT * FROM candidates WHERE seed_id IN ({','.join('?' * len(ids))}) ORDER BY rowid", ids
        )
        by_seed: dict[str, list[Candidate]] = {}
        for r in rows:
            c = Candidate(**self._decode("candidates", r))
            by_seed.setdefault(c.seed_id, []).append(c)
        for s in seeds:
            yield s, by_seed.get(s.id, [])
