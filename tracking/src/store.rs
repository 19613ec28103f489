//! The database: opening it, recording a run from start to finish, and
//! reading runs back.

use crate::error::db;
use crate::{clock, hash, record, registry, schema, TrackingError};
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};

/// The database's file name inside the `.mlg` folder.
pub const DB_FILE: &str = "runs.db";

/// `.mlg/runs.db` in the folder of `workflow` (the default store of `mlg run`).
pub fn default_path(workflow: &Path) -> PathBuf {
    workflow
        .parent()
        .unwrap_or(Path::new(""))
        .join(".mlg")
        .join(DB_FILE)
}

/// One parameter of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// `STAGE.NAME`.
    pub key: String,
    /// The value as text.
    pub value: String,
}

/// One score of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricRow {
    /// The statement (`evaluate#1`, a select's or a search's name).
    pub statement: String,
    /// The model as the statement names it.
    pub model: String,
    /// The metric.
    pub metric: String,
    /// The split (0-based), or `None` for the method's estimate.
    pub fold: Option<usize>,
    /// The score.
    pub value: f64,
}

/// A file a run wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct ArtifactRow {
    /// `deploy`, `report`, `html`, `oof`, `profile` or `trials`.
    pub role: String,
    /// The path the run wrote it to.
    pub path: String,
    /// SHA-256 (hex) of its bytes when the run finished.
    pub sha256: String,
    /// Its size.
    pub bytes: u64,
    /// The copy kept under the store (deployed artifacts).
    pub stored: Option<String>,
}

/// Where a run stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunStatus {
    /// Still running.
    Running,
    /// Recorded as running, but its process is gone: killed or crashed.
    Interrupted,
    /// Finished, with its results recorded.
    Finished,
    /// Stopped by an error, recorded with it.
    Failed,
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RunStatus::Running => "running",
            RunStatus::Interrupted => "interrupted",
            RunStatus::Finished => "finished",
            RunStatus::Failed => "failed",
        })
    }
}

/// One row of `runs`.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRow {
    /// 32 hex digits.
    pub id: String,
    /// The workflow file as given.
    pub workflow: String,
    /// SHA-256 of its source text.
    pub source_hash: String,
    /// SHA-256 of its data files ([`hash::data_sha256`]).
    pub data_hash: String,
    /// Where it stands (a `running` row whose process is gone reads `Interrupted`).
    pub status: RunStatus,
    /// Unix seconds.
    pub started_at: f64,
    /// Seconds it took, once it ended.
    pub duration_s: Option<f64>,
    /// Why it failed.
    pub error: Option<String>,
    /// The best model and its score ([`record::headline`]).
    pub headline: Option<String>,
    /// The command line.
    pub command: String,
}

impl RunRow {
    /// The first 8 digits of the ID, as lists print it.
    pub fn short_id(&self) -> &str {
        &self.id[..8.min(self.id.len())]
    }
}

/// An open tracking database.
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
}

/// How long opening waits for other processes setting the database up.
const BUSY_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Whether `e` is SQLite's "busy" or "locked": another connection holds
/// the lock.
fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Opens the database at `path` (WAL, foreign keys, a 30 s busy timeout)
/// and creates the schema when its version is older, in one write
/// transaction.
fn setup(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_WAIT)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version < schema::VERSION {
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE; {} PRAGMA user_version = {}; COMMIT;",
            schema::CREATE,
            schema::VERSION
        ))?;
    }
    Ok(conn)
}

impl Store {
    /// Opens the database at `path`, creating it and its folder if missing.
    pub fn open(path: &Path) -> Result<Store, TrackingError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| TrackingError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        // Runs started together in one folder may find the database being
        // created or switched to WAL; SQLite then answers "busy" at once for
        // some of these steps, whatever the busy timeout, so they are retried.
        let started = std::time::Instant::now();
        let conn = loop {
            match setup(path) {
                Err(e) if is_busy(&e) && started.elapsed() < BUSY_WAIT => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                other => break other.map_err(db(path))?,
            }
        };
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(db(path))?;
        if version > schema::VERSION {
            return Err(TrackingError::Version {
                path: path.to_path_buf(),
                found: version,
                supported: schema::VERSION,
            });
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The database's folder: stored copies of deployed artifacts live in
    /// its `artifacts/RUN/`.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new(""))
    }

    /// Every run, newest first.
    pub fn runs(&self) -> Result<Vec<RunRow>, TrackingError> {
        self.query_runs("ORDER BY started_at DESC, rowid DESC", [])
    }

    /// The run whose ID is or starts with `prefix`.
    pub fn run(&self, prefix: &str) -> Result<RunRow, TrackingError> {
        let pattern = format!("{}%", prefix.replace(['%', '_'], ""));
        let mut rows = self.query_runs("WHERE id LIKE ?1 ORDER BY started_at", [pattern])?;
        match rows.len() {
            0 => Err(TrackingError::NoRun(prefix.to_string())),
            1 => Ok(rows.remove(0)),
            _ => Err(TrackingError::AmbiguousRun {
                prefix: prefix.to_string(),
                matches: rows.iter().map(|r| r.short_id().to_string()).collect(),
            }),
        }
    }

    fn query_runs<P: rusqlite::Params>(&self, tail: &str, args: P) -> Result<Vec<RunRow>, TrackingError> {
        let sql = format!(
            "SELECT id, workflow, source_hash, data_hash, status, started_at, duration_s, error, \
             headline, command, pid, host FROM runs {tail}"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(db(&self.path))?;
        let rows = stmt
            .query_map(args, |r| {
                let status: String = r.get(4)?;
                let pid: i64 = r.get(10)?;
                let host: String = r.get(11)?;
                let status = match status.as_str() {
                    "finished" => RunStatus::Finished,
                    "failed" => RunStatus::Failed,
                    _ if clock::may_run(pid, &host) => RunStatus::Running,
                    _ => RunStatus::Interrupted,
                };
                Ok(RunRow {
                    id: r.get(0)?,
                    workflow: r.get(1)?,
                    source_hash: r.get(2)?,
                    data_hash: r.get(3)?,
                    status,
                    started_at: r.get(5)?,
                    duration_s: r.get(6)?,
                    error: r.get(7)?,
                    headline: r.get(8)?,
                    command: r.get(9)?,
                })
            })
            .map_err(db(&self.path))?;
        rows.collect::<Result<_, _>>().map_err(db(&self.path))
    }

    /// The rows `sql` (with `?1` bound to run `id`) selects, each read by `row`.
    fn rows_of<T>(
        &self,
        sql: &str,
        id: &str,
        row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, TrackingError> {
        let mut stmt = self.conn.prepare(sql).map_err(db(&self.path))?;
        let rows = stmt.query_map([id], row).map_err(db(&self.path))?;
        rows.collect::<Result<_, _>>().map_err(db(&self.path))
    }

    /// Run `id`'s parameters, by key.
    pub fn params(&self, id: &str) -> Result<Vec<Param>, TrackingError> {
        self.rows_of(
            "SELECT key, value FROM params WHERE run_id = ?1 ORDER BY key",
            id,
            |r| {
                Ok(Param {
                    key: r.get(0)?,
                    value: r.get(1)?,
                })
            },
        )
    }

    /// Run `id`'s metrics, in the order recorded.
    pub fn metrics(&self, id: &str) -> Result<Vec<MetricRow>, TrackingError> {
        let sql =
            "SELECT statement, model, metric, fold, value FROM metrics WHERE run_id = ?1 ORDER BY rowid";
        self.rows_of(sql, id, |r| {
            let fold: Option<i64> = r.get(3)?;
            Ok(MetricRow {
                statement: r.get(0)?,
                model: r.get(1)?,
                metric: r.get(2)?,
                fold: fold.map(|f| f as usize),
                value: r.get(4)?,
            })
        })
    }

    /// The files run `id` wrote.
    pub fn artifacts(&self, id: &str) -> Result<Vec<ArtifactRow>, TrackingError> {
        let sql = "SELECT role, path, sha256, bytes, stored FROM artifacts WHERE run_id = ?1 ORDER BY rowid";
        self.rows_of(sql, id, |r| {
            let bytes: i64 = r.get(3)?;
            Ok(ArtifactRow {
                role: r.get(0)?,
                path: r.get(1)?,
                sha256: r.get(2)?,
                bytes: bytes as u64,
                stored: r.get(4)?,
            })
        })
    }
}

/// A run being recorded: created by [`Tracker::start`] (the `running` row),
/// ended by [`Tracker::finish`] or [`Tracker::fail`].
pub struct Tracker {
    store: Store,
    id: String,
    started: std::time::Instant,
}

impl Tracker {
    /// Records a new `running` run of `wf` (hashing its source and data
    /// files) in the database at `path`, with the command line `command`.
    pub fn start(path: &Path, wf: &mlg::Workflow, command: &str) -> Result<Tracker, TrackingError> {
        let store = Store::open(path)?;
        let source_hash = hash::sha256(wf.source.as_bytes());
        let data_hash = hash::data_sha256(wf)?;
        let id = hash::run_id(&source_hash);
        store
            .conn
            .execute(
                "INSERT INTO runs (id, workflow, source_hash, data_hash, status, started_at, pid, host, \
                 mlg_version, command) VALUES (?1, ?2, ?3, ?4, 'running', ?5, ?6, ?7, ?8, ?9)",
                params![
                    id,
                    wf.file,
                    source_hash,
                    data_hash,
                    clock::now(),
                    i64::from(std::process::id()),
                    clock::host(),
                    env!("CARGO_PKG_VERSION"),
                    command
                ],
            )
            .map_err(db(path))?;
        Ok(Tracker {
            store,
            id,
            started: std::time::Instant::now(),
        })
    }

    /// The run's ID.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Records the run's results and marks it `finished`, in one
    /// transaction: its parameters and metrics, the files in `files`
    /// (`(role, path)`; the ones that do not exist are skipped), and, for
    /// each `deploy` file, a copy under the store registered as the next
    /// version of its model. Returns the versions registered.
    pub fn finish(
        self,
        wf: &mlg::Workflow,
        out: &mlg::RunOutput,
        files: &[(&str, PathBuf)],
    ) -> Result<Vec<registry::Version>, TrackingError> {
        let path = self.store.path.clone();
        let mut rows = Vec::new();
        for (role, file) in files.iter().filter(|(_, f)| f.is_file()) {
            let (sha256, bytes) = hash::file_sha256(file)?;
            let stored = if *role == "deploy" {
                Some(registry::keep_copy(&self.store, &self.id, file)?)
            } else {
                None
            };
            rows.push(ArtifactRow {
                role: (*role).to_string(),
                path: file.display().to_string(),
                sha256,
                bytes,
                stored: stored.map(|p| p.display().to_string()),
            });
        }
        let mut store = self.store;
        // IMMEDIATE: the transaction reads (registry versions) before it
        // writes, and a deferred one would fail at once, not wait, when
        // another run wrote in between (SQLite's busy snapshot in WAL mode).
        let tx = store
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db(&path))?;
        write_results(&tx, &self.id, wf, out, &rows).map_err(db(&path))?;
        let versions = registry::register(&tx, &self.id, &rows).map_err(db(&path))?;
        let duration = self.started.elapsed().as_secs_f64();
        tx.execute(
            "UPDATE runs SET status = 'finished', finished_at = ?2, duration_s = ?3, headline = ?4 WHERE id = ?1",
            params![self.id, clock::now(), duration, record::headline(out)],
        )
        .map_err(db(&path))?;
        tx.commit().map_err(db(&path))?;
        Ok(versions)
    }

    /// Marks the run `failed` with `error`.
    pub fn fail(self, error: &str) -> Result<(), TrackingError> {
        let duration = self.started.elapsed().as_secs_f64();
        self.store
            .conn
            .execute(
                "UPDATE runs SET status = 'failed', finished_at = ?2, duration_s = ?3, error = ?4 WHERE id = ?1",
                params![self.id, clock::now(), duration, error],
            )
            .map_err(db(&self.store.path))?;
        Ok(())
    }
}

/// Inserts the parameters, metrics and artifact rows of run `id`.
fn write_results(
    tx: &Transaction<'_>,
    id: &str,
    wf: &mlg::Workflow,
    out: &mlg::RunOutput,
    artifacts: &[ArtifactRow],
) -> rusqlite::Result<()> {
    let mut insert = tx.prepare("INSERT INTO params (run_id, key, value) VALUES (?1, ?2, ?3)")?;
    for p in record::params(wf, out) {
        insert.execute(params![id, p.key, p.value])?;
    }
    let mut insert = tx.prepare(
        "INSERT INTO metrics (run_id, statement, model, metric, fold, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for m in record::metrics(out).into_iter().filter(|m| m.value.is_finite()) {
        let fold = m.fold.map(|f| f as i64);
        insert.execute(params![id, m.statement, m.model, m.metric, fold, m.value])?;
    }
    let mut insert = tx.prepare(
        "INSERT INTO artifacts (run_id, role, path, sha256, bytes, stored) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for a in artifacts {
        insert.execute(params![id, a.role, a.path, a.sha256, a.bytes as i64, a.stored])?;
    }
    Ok(())
}

/// Reads one optional row; `None` when the query returns none.
pub(crate) fn optional<T>(result: rusqlite::Result<T>) -> rusqlite::Result<Option<T>> {
    result.optional()
}
