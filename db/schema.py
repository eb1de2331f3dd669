"""Schema of the KCC store, as an ordered list of sqlite-utils migrations.

Add a new migration function at the end to change the schema; never edit an applied one.
`SCHEMA_VERSION` is the number of migrations, recorded in `PRAGMA user_version` too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database

_V1 = """
CREATE TABLE seeds (
    id TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    category TEXT,
    subcategory TEXT,
    style TEXT,
    source TEXT NOT NULL DEFAULT 'import',
    generator_model TEXT,
    prompt_hash TEXT,
    policy_version TEXT,
    meta TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
CREATE INDEX seeds_category ON seeds(category, subcategory);

CREATE TABLE candidates (
    id TEXT PRIMARY KEY,
    seed_id TEXT NOT NULL REFERENCES seeds(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    model TEXT NOT NULL,
    provider TEXT,
    params TEXT NOT NULL DEFAULT '{}',
    with_policy INTEGER NOT NULL DEFAULT 1,
    policy_version TEXT,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    cost_usd REAL,
    latency_ms REAL,
    run_id TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX candidates_seed ON candidates(seed_id);
CREATE INDEX candidates_model ON candidates(model);

CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('generate','judge','train','eval','export','import')),
    status TEXT NOT NULL CHECK (status IN ('pending','running','done','failed','cancelled')),
    config TEXT NOT NULL DEFAULT '{}',
    progress_done INTEGER NOT NULL DEFAULT 0,
    progress_total INTEGER,
    error TEXT,
    pid INTEGER,
    parent_id TEXT,
    summary TEXT NOT NULL DEFAULT '{}',
    started_at TEXT NOT NULL,
    finished_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX runs_kind ON runs(kind, started_at);

CREATE TABLE judgments (
    id INTEGER PRIMARY KEY,
    candidate_id TEXT NOT NULL REFERENCES candidates(id) ON DELETE CASCADE,
    run_id TEXT NOT NULL REFERENCES runs(id),
    rubric TEXT NOT NULL DEFAULT '{}',
    checks TEXT NOT NULL DEFAULT '{}',
    total REAL,
    verdict TEXT NOT NULL CHECK (verdict IN ('safe','unsafe','unscored')),
    verdict_reason TEXT,
    judge_model TEXT NOT NULL,
    rubric_version TEXT,
    policy_version TEXT,
    checks_version TEXT,
    prompt_hash TEXT,
    transcript TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (candidate_id, run_id)
);
CREATE INDEX judgments_candidate ON judgments(candidate_id, id);

CREATE TABLE pairs (
    seed_id TEXT PRIMARY KEY REFERENCES seeds(id) ON DELETE CASCADE,
    chosen_id TEXT REFERENCES candidates(id),
    rejected_id TEXT REFERENCES candidates(id),
    margin REAL,
    source TEXT NOT NULL CHECK (source IN ('judge','human')),
    status TEXT NOT NULL DEFAULT 'pair' CHECK (status IN ('pair','tie','skip','no_pair')),
    run_id TEXT,
    flags TEXT NOT NULL DEFAULT '[]',
    reviewer TEXT,
    reason TEXT,
    judge_chosen_id TEXT,
    judge_rejected_id TEXT,
    judge_margin REAL,
    updated_at TEXT NOT NULL
);
CREATE INDEX pairs_source ON pairs(source);
CREATE INDEX pairs_margin ON pairs(margin);

-- append-only audit log of every reviewer action
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    seed_id TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    action TEXT NOT NULL,
    before TEXT,
    after TEXT,
    reason TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX reviews_seed ON reviews(seed_id, id);
CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews
BEGIN SELECT RAISE(ABORT, 'reviews is append-only'); END;
CREATE TRIGGER reviews_no_delete BEFORE DELETE ON reviews
BEGIN SELECT RAISE(ABORT, 'reviews is append-only'); END;

CREATE TABLE run_metrics (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step INTEGER NOT NULL,
    name TEXT NOT NULL,
    value REAL NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (run_id, step, name)
);

CREATE TABLE run_logs (
    id INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    level TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX run_logs_run ON run_logs(run_id, id);

CREATE TABLE llm_cache (
    key TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    response TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE llm_calls (
    id INTEGER PRIMARY KEY,
    run_id TEXT,
    stage TEXT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL NOT NULL DEFAULT 0,
    latency_ms REAL NOT NULL DEFAULT 0,
    cached INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    error TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX llm_calls_run ON llm_calls(run_id, stage);

CREATE TABLE batch_jobs (
    id TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    run_id TEXT,
    stage TEXT NOT NULL,
    status TEXT NOT NULL,
    request_count INTEGER NOT NULL DEFAULT 0,
    meta TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE eval_results (
    id INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    benchmark TEXT NOT NULL,
    category TEXT NOT NULL DEFAULT 'all',
    metric TEXT NOT NULL,
    value REAL NOT NULL,
    n INTEGER NOT NULL DEFAULT 0,
    ci_low REAL,
    ci_high REAL,
    created_at TEXT NOT NULL,
    UNIQUE (run_id, model, benchmark, category, metric)
);

CREATE TABLE exports (
    id TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    format TEXT NOT NULL,
    filters TEXT NOT NULL DEFAULT '{}',
    n_pairs INTEGER NOT NULL DEFAULT 0,
    run_id TEXT,
    created_at TEXT NOT NULL
);

-- full-text search; trigram so Korean (no spaces between particles) matches inside words
CREATE VIRTUAL TABLE seeds_fts USING fts5(text, content='seeds', content_rowid='rowid', tokenize='trigram');
CREATE TRIGGER seeds_ai AFTER INSERT ON seeds BEGIN
  INSERT INTO seeds_fts(rowid, text) VALUES (new.rowid, new.text);
END;
CREATE TRIGGER seeds_ad AFTER DELETE ON seeds BEGIN
  INSERT INTO seeds_fts(seeds_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
END;
CREATE TRIGGER seeds_au AFTER UPDATE OF text ON seeds BEGIN
  INSERT INTO seeds_fts(seeds_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
  INSERT INTO seeds_fts(rowid, text) VALUES (new.rowid, new.text);
END;
CREATE VIRTUAL TABLE candidates_fts USING fts5(text, content='candidates', content_rowid='rowid', tokenize='trigram');
CREATE TRIGGER candidates_ai AFTER INSERT ON candidates BEGIN
  INSERT INTO candidates_fts(rowid, text) VALUES (new.rowid, new.text);
END;
CREATE TRIGGER candidates_ad AFTER DELETE ON candidates BEGIN
  INSERT INTO candidates_fts(candidates_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
END;
CREATE TRIGGER candidates_au AFTER UPDATE OF text ON candidates BEGIN
  INSERT INTO candidates_fts(candidates_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
  INSERT INTO candidates_fts(rowid, text) VALUES (new.rowid, new.text);
END;
"""


def m001_initial(db: Database) -> None:
    for stmt in _split(_V1):
        db.execute(stmt)


def _split(script: str) -> list[str]:
    """Split a schema script into statements, keeping trigger bodies (BEGIN ... END;) whole."""
    out, buf = [], []
    for line in script.splitlines():
        if line.strip().startswith("--") or not line.strip():
            continue
        buf.append(line)
        joined = "\n".join(buf)
        in_trigger = "CREATE TRIGGER" in joined
        if (in_trigger and joined.rstrip().endswith("END;")) or (not in_trigger and joined.rstrip().endswith(";")):
            out.append(joined)
            buf = []
    if buf:
        out.append("\n".join(buf))
    return out


def m002_eval_items(db: Database) -> None:
    """Per-item evaluation results (one row per item, model role and metric), so before and after can be joined
    on the same items by item id for paired statistics (McNemar, paired bootstrap)."""
    db.execute("""CREATE TABLE eval_items (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    model TEXT NOT NULL,
    benchmark TEXT NOT NULL,
    item_id TEXT NOT NULL,
    metric TEXT NOT NULL,
    value REAL NOT NULL,
    category TEXT NOT NULL DEFAULT 'all',
    PRIMARY KEY (run_id, role, benchmark, item_id, metric)
)""")


MIGRATIONS = [m001_initial, m002_eval_items]  # in order; append, never edit an applied one
SCHEMA_VERSION = len(MIGRATIONS)


def apply(db: Database) -> None:
    """Bring the schema up to date and record the version.

    sqlite-utils is imported here, not at module level, because it pulls in pandas when that is installed,
    and every KCC process opens a store: only a store that needs migrating pays for it."""
    from sqlite_utils.migrations import Migrations

    migrations = Migrations("kcc")
    for fn in MIGRATIONS:
        migrations(name=fn.__name__)(fn)
    migrations.apply(db)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
