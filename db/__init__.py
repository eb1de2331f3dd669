"""The KCC SQLite store: schema, migrations, typed reads/writes, import and export."""

from db.models import (  # noqa: F401
    BatchJob,
    Candidate,
    EvalResult,
    ExportRecord,
    Judgment,
    LLMCall,
    LogLine,
    Metric,
    Pair,
    Review,
    Run,
    Seed,
)
from db.store import SearchHit, SeedFilter, SeedRow, Store, StoreError  # noqa: F401
