"""Re-evaluation results (tables `eval_results`, `eval_items`) and exported pair files (`exports`, which
training runs link to).
"""

from __future__ import annotations

from collections.abc import Iterable

from db.models import EvalItem, EvalResult, ExportRecord
from db.store.base import StoreBase


class EvalStore(StoreBase):
    """Evaluation results and export records."""

    def add_eval_results(self, results: Iterable[EvalResult]) -> None:
        with self.transaction() as conn:
            for r in results:
                self._insert(conn, "eval_results", r, verb="INSERT OR REPLACE")

    def eval_results(self, run_id: str) -> list[EvalResult]:
        rows = self._q("SELECT * FROM eval_results WHERE run_id = ? ORDER BY benchmark, category, model", (run_id,))
        return [EvalResult(**{k: r[k] for k in r.keys() if k != "id"}) for r in rows]

    def add_eval_items(self, items: Iterable[EvalItem]) -> int:
        """Per-item results; a rerun of the same (run, role, benchmark, item, metric) replaces the row."""
        n = 0
        with self.transaction() as conn:
            for it in items:
                n += self._insert(conn, "eval_items", it, verb="INSERT OR REPLACE")
        return n

    def eval_items(self, run_id: str, *, role: str | None = None, benchmark: str | None = None) -> list[EvalItem]:
        sql, args = "SELECT * FROM eval_items WHERE run_id = ?", [run_id]
        if role is not None:
            sql, args = sql + " AND role = ?", [*args, role]
        if benchmark is not None:
            sql, args = sql + " AND benchmark = ?", [*args, benchmark]
        rows = self._q(sql + " ORDER BY benchmark, metric, item_id, role", args)
        return [EvalItem(**dict(r)) for r in rows]

    def record_export(self, rec: ExportRecord) -> None:
        with self.transaction() as conn:
            self._insert(conn, "exports", rec, verb="INSERT OR REPLACE")

    def get_export(self, export_id: str) -> ExportRecord | None:
        rows = self._q("SELECT * FROM exports WHERE id = ?", (export_id,))
        return ExportRecord(**self._decode("exports", rows[0])) if rows else None
