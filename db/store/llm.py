"""Model calls (tables `llm_cache`, `llm_calls`, `batch_jobs`): the response cache (redacted), per-call
tokens and cost, provider batch ids.
"""

from __future__ import annotations

import json
from typing import Any

from db.models import BatchJob, LLMCall, utcnow
from db.store.base import StoreBase


class LLMStore(StoreBase):
    """Response cache, call records, provider batches."""

    def cache_get(self, key: str) -> dict[str, Any] | None:
        rows = self._q("SELECT response FROM llm_cache WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else None

    def cache_put(self, key: str, provider: str, model: str, response: dict[str, Any]) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO llm_cache (key, provider, model, response, created_at) VALUES (?,?,?,?,?)",
                (key, provider, model, json.dumps(self._redactor.value(response), ensure_ascii=False), utcnow()),
            )

    def record_call(self, call: LLMCall) -> None:
        with self.transaction() as conn:
            self._insert(conn, "llm_calls", call)

    def cost_summary(self, run_id: str | None = None) -> dict[str, dict[str, float]]:
        sql = ("SELECT stage, count(*) AS calls, sum(cached) AS cached, sum(prompt_tokens) AS prompt_tokens, "
               "sum(completion_tokens) AS completion_tokens, sum(cost_usd) AS cost_usd, "
               "sum(status = 'error') AS errors FROM llm_calls")
        rows = self._q(sql + " WHERE run_id = ? GROUP BY stage", (run_id,)) if run_id else self._q(
            sql + " GROUP BY stage")
        return {r["stage"]: {k: r[k] or 0 for k in r.keys() if k != "stage"} for r in rows}

    def save_batch_job(self, job: BatchJob) -> None:
        with self.transaction() as conn:
            self._insert(conn, "batch_jobs", job, verb="INSERT OR REPLACE")

    def batch_jobs(self, run_id: str | None = None, status: str | None = None) -> list[BatchJob]:
        sql, params = "SELECT * FROM batch_jobs WHERE 1=1", []
        if run_id:
            sql += " AND run_id = ?"
            params.append(run_id)
        if status:
            sql += " AND status = ?"
            params.append(status)
        return [BatchJob(**self._decode("batch_jobs", r)) for r in self._q(sql + " ORDER BY created_at", params)]

    def update_batch_job(self, job_id: str, *, status: str | None = None, meta: dict[str, Any] | None = None) -> None:
        fields: dict[str, Any] = {"updated_at": utcnow()}
        if status is not None:
            fields["status"] = status
        if meta is not None:
            fields["meta"] = meta
        data = self._encode("batch_jobs", fields)
        with self.transaction() as conn:
            conn.execute(f"UPDATE batch_jobs SET {', '.join(f'{k} = ?' for k in data)} WHERE id = ?",
                         (*data.values(), job_id))
