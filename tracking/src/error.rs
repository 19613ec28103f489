//! The errors of the tracking store and the registry.

use std::path::PathBuf;

/// What can go wrong reading or writing the tracking database.
#[derive(Debug, thiserror::Error)]
pub enum TrackingError {
    /// SQLite refused an operation on the database.
    #[error("tracking database `{path}`: {source} (run with --no-tracking to skip tracking)")]
    Db {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// A file could not be read, copied or created.
    #[error("tracking: `{path}`: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The database was written by a newer mlg.
    #[error("tracking database `{path}` has schema version {found}; this mlg reads up to {supported}")]
    Version {
        /// The database file.
        path: PathBuf,
        /// Its `user_version`.
        found: i64,
        /// The newest this build knows.
        supported: i64,
    },
    /// No run's ID starts with the text given.
    #[error("no run `{0}` in the tracking database (mlg runs list shows them)")]
    NoRun(String),
    /// Several runs' IDs start with the text given.
    #[error("run `{prefix}` is ambiguous: it starts {}; give more characters", .matches.join(", "))]
    AmbiguousRun {
        /// What was given.
        prefix: String,
        /// The IDs it starts.
        matches: Vec<String>,
    },
    /// No model of that name, version or alias is registered.
    #[error("{0}")]
    NoModel(String),
    /// A `models:/` address that does not parse.
    #[error("`{0}` is not a model address: write models:/NAME@ALIAS, models:/NAME/VERSION or models:/NAME")]
    BadAddress(String),
    /// A stored artifact's bytes no longer match the hash recorded with it.
    #[error("`{path}` changed since it was registered (SHA-256 {found}, recorded {recorded})")]
    Changed {
        /// The stored copy.
        path: PathBuf,
        /// Its SHA-256 now.
        found: String,
        /// The SHA-256 recorded.
        recorded: String,
    },
}

/// Maps a rusqlite error to [`TrackingError::Db`] for `path`.
pub(crate) fn db(path: &std::path::Path) -> impl Fn(rusqlite::Error) -> TrackingError + '_ {
    move |source| TrackingError::Db {
        path: path.to_path_buf(),
        source,
    }
}
