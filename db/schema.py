"""Schema of the KCC store, as an ordered list of migrations.

Add a new migration function at the end to change the schema; never edit an applied one.
`SCHEMA_VERSION` is the number of migrations, recorded in `PRAGMA user_version` too; each applied
migration is also a row of `_sqlite_migrations` (the sqlite-utils layout, so older stores read the same).

`apply` runs every pending migration in ONE `BEGIN IMMEDIATE` transaction and re-reads the version inside
it: several processes opening a new store at once queue on the write lock, the first creates the tables,
the others find them made and do nothing.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from db.decisions import pair_margin

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


def m001_initial(conn: sqlite3.Connection) -> None:
    for stmt in _split(_V1):
        conn.execute(stmt)


_RUN_COLUMNS = ("id, kind, status, config, progress_done, progress_total, error, pid, parent_id, summary, "
                "started_at, finished_at, updated_at")


def m002_run_lease(conn: sqlite3.Connection) -> None:
    """Runs record the host beside the pid and a heartbeat, and may be `interrupted` (process gone).

    SQLite cannot alter a CHECK constraint, so `runs` is rebuilt (the documented 12-step way; `apply`
    turns foreign keys off around it so dropping the old table cascades nothing)."""
    conn.execute("""
CREATE TABLE runs_new (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('generate','judge','train','eval','export','import')),
    status TEXT NOT NULL CHECK (status IN ('pending','running','done','failed','cancelled','interrupted')),
    config TEXT NOT NULL DEFAULT '{}',
    progress_done INTEGER NOT NULL DEFAULT 0,
    progress_total INTEGER,
    error TEXT,
    pid INTEGER,
    parent_id TEXT,
    summary TEXT NOT NULL DEFAULT '{}',
    started_at TEXT NOT NULL,
    finished_at TEXT,
    updated_at TEXT NOT NULL,
    host TEXT,
    heartbeat_at TEXT
)""")
    conn.execute(f"INSERT INTO runs_new ({_RUN_COLUMNS}) SELECT {_RUN_COLUMNS} FROM runs")
    conn.execute("DROP TABLE runs")
    conn.execute("ALTER TABLE runs_new RENAME TO runs")
    conn.execute("CREATE INDEX runs_kind ON runs(kind, started_at)")


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


def m003_eval_items(conn: sqlite3.Connection) -> None:
    """Per-item evaluation results (one row per item, model role and metric), so before and after can be joined
    on the same items by item id for paired statistics (McNemar, paired bootstrap)."""
    conn.execute("""CREATE TABLE eval_items (
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


def m004_reviewer_margins(conn: sqlite3.Connection) -> None:
    """Reviewer pairs (source 'human') written by older versions kept the judge's margin (a swap still read
    0.505); give them the margin `Store.apply_review` gives a reviewer's pair today (db.decisions.pair_margin
    over the latest judgments of the reviewer's chosen and rejected answers; none for a tie or a skip).

    A data fix, not a reviewer action: no audit row, the reviews log and `updated_at` are left as they are."""
    latest = "SELECT total, verdict FROM judgments WHERE candidate_id = ? ORDER BY id DESC LIMIT 1"

    def score(candidate_id: str | None) -> tuple[float | None, str | None]:
        row = conn.execute(latest, (candidate_id,)).fetchone() if candidate_id else None
        return (row[0], row[1]) if row else (None, None)

    rows = conn.execute("SELECT seed_id, chosen_id, rejected_id, status, margin FROM pairs "
                        "WHERE source = 'human'").fetchall()
    for seed_id, chosen_id, rejected_id, status, margin in rows:
        if status == "pair":
            new = pair_margin(score(chosen_id), score(rejected_id))
        elif status in ("tie", "skip"):
            new = None
        else:
            continue  # not a decision state: nothing to recompute
        if new != margin:
            conn.execute("UPDATE pairs SET margin = ? WHERE seed_id = ?", (new, seed_id))


MIGRATIONS = [m001_initial, m002_run_lease, m003_eval_items,
              m004_reviewer_margins]  # in order; append, never edit an applied one
SCHEMA_VERSION = len(MIGRATIONS)
MIGRATION_SET = "kcc"


def apply(conn: sqlite3.Connection) -> None:
    """Bring the schema up to date, atomically and once even when several processes race on a new file.

    `conn` is in autocommit mode (isolation_level=None) with a busy timeout; BEGIN IMMEDIATE waits for
    the write lock (the busy handler applies to it), so the losers of the race block, then see the
    version the winner recorded and return."""
    conn.execute("PRAGMA foreign_keys=OFF")  # no effect inside a transaction: set before BEGIN
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version < SCHEMA_VERSION:
                _migrate(conn)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute("PRAGMA foreign_keys=ON")


def _migrate(conn: sqlite3.Connection) -> None:
    conn.execute('CREATE TABLE IF NOT EXISTS "_sqlite_migrations" ("id" INTEGER PRIMARY KEY, '
                 '"migration_set" TEXT, "name" TEXT, "applied_at" TEXT)')
    conn.execute('CREATE UNIQUE INDEX IF NOT EXISTS "idx__sqlite_migrations_migration_set_name" '
                 'ON "_sqlite_migrations" ("migration_set", "name")')
    done = {r[0] for r in conn.execute('SELECT name FROM "_sqlite_migrations" WHERE migration_set = ?',
                                       (MIGRATION_SET,))}
    for fn in MIGRATIONS:
        if fn.__name__ in done:
            continue
        fn(conn)
        conn.execute('INSERT INTO "_sqlite_migrations" (migration_set, name, applied_at) VALUES (?, ?, ?)',
                     (MIGRATION_SET, fn.__name__, str(datetime.now(UTC))))
    problems = [r for r in conn.execute("PRAGMA foreign_key_check").fetchall() if r[2] == "runs"]
    if problems:
        raise sqlite3.IntegrityError(f"migration left {len(problems)} dangling references (first: {problems[0]})")
