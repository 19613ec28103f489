//! The database's tables, created on first open; `PRAGMA user_version`
//! holds [`VERSION`] so a later mlg can migrate and an older one refuses a
//! newer file instead of misreading it.
//!
//! | table | one row per | columns |
//! | --- | --- | --- |
//! | `runs` | run | `id` (32 hex), `workflow`, `source_hash`, `data_hash` (SHA-256 hex), `status` (`running` / `finished` / `failed`), `started_at`, `finished_at` (Unix seconds), `duration_s`, `error`, `headline`, `pid`, `host`, `mlg_version`, `command` |
//! | `params` | run and key | `run_id`, `key` (`STAGE.NAME`), `value` (text) |
//! | `metrics` | run, statement, model, metric and fold | `run_id`, `statement`, `model`, `metric`, `fold` (0-based; NULL for the method's estimate), `value` |
//! | `artifacts` | file a run wrote | `run_id`, `role` (`deploy`, `report`, `html`, `oof`, `profile`, `trials`), `path`, `sha256`, `bytes`, `stored` (the copy under the store, for deployed artifacts) |
//! | `models` | registered version | `name`, `version` (1, 2, ...), `run_id`, `source_path`, `stored_path`, `sha256`, `created_at` |
//! | `aliases` | model and alias | `name`, `alias`, `version` |

/// The schema version this build writes and reads.
pub(crate) const VERSION: i64 = 1;

/// Creates every table (idempotent).
pub(crate) const CREATE: &str = "
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    workflow TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    data_hash TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
    started_at REAL NOT NULL,
    finished_at REAL,
    duration_s REAL,
    error TEXT,
    headline TEXT,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    mlg_version TEXT NOT NULL,
    command TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS params (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
);
CREATE TABLE IF NOT EXISTS metrics (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    statement TEXT NOT NULL,
    model TEXT NOT NULL,
    metric TEXT NOT NULL,
    fold INTEGER,
    value REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS metrics_run ON metrics(run_id);
CREATE TABLE IF NOT EXISTS artifacts (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    stored TEXT
);
CREATE INDEX IF NOT EXISTS artifacts_run ON artifacts(run_id);
CREATE TABLE IF NOT EXISTS models (
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    run_id TEXT NOT NULL REFERENCES runs(id),
    source_path TEXT NOT NULL,
    stored_path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (name, version)
);
CREATE TABLE IF NOT EXISTS aliases (
    name TEXT NOT NULL,
    alias TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (name, alias),
    FOREIGN KEY (name, version) REFERENCES models(name, version)
);
";
