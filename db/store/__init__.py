"""The KCC store: one SQLite file holding the whole lineage, taxonomy node → seed → candidate → judgment →
pair → review → run → eval. Only this package speaks SQL; everything else uses these typed methods.

`Store` is one facade composed of one class per table group, each holding that group's SQL:

| module | class | tables |
| --- | --- | --- |
| `base` | `StoreBase` | connection, lock, transactions (nested: savepoints), row encoding and redaction |
| `seeds` | `SeedStore` | seeds, candidates |
| `pairs` | `PairStore` | judgments, pairs (the judge's writes, margins, usable pairs) |
| `reviews` | `ReviewStore` | reviews (the audit log) and the reviewer's writes to pairs: `apply_review`, undo |
| `runs` | `RunStore` | runs, run_logs, run_metrics |
| `llm` | `LLMStore` | llm_cache, llm_calls, batch_jobs |
| `evals` | `EvalStore` | eval_results, eval_items, exports |
| `browse` | `BrowseStore` | the seed list, its filters, full-text search (reads only) |

Concurrency: one connection per Store (WAL, busy timeout), guarded by a lock so asyncio tasks and Textual
workers can share it. Separate processes (jobs) open their own Store on the same file.
"""

from __future__ import annotations

from db.store.base import StoreBase, StoreError, new_id
from db.store.browse import BrowseStore, SearchHit, SeedFilter, SeedRow
from db.store.evals import EvalStore
from db.store.llm import LLMStore
from db.store.pairs import PairStore
from db.store.reviews import ReviewStore
from db.store.runs import RunStore
from db.store.seeds import SeedStore

__all__ = ["SearchHit", "SeedFilter", "SeedRow", "Store", "StoreError", "new_id"]


class Store(SeedStore, ReviewStore, PairStore, RunStore, LLMStore, EvalStore, BrowseStore, StoreBase):
    """Typed access to one KCC SQLite file."""
