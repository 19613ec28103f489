//! Run tracking and the model registry: every `mlg run` recorded in an
//! embedded SQLite database (`.mlg/runs.db` beside the workflow by default).
//!
//! - [`Store`] opens (and creates) the database, records a run in two
//!   transactions — a `running` row when it starts, then its parameters,
//!   metrics, artifacts and registered models together with the `finished`
//!   (or `failed`) status — so a run killed mid-way is a `running` row with
//!   nothing else, never half of its results. `mlg runs list` shows a
//!   running row whose process is gone as `interrupted`.
//! - [`record`] turns a checked workflow and its [`mlg::RunOutput`] into the
//!   rows a run keeps: parameters as `STAGE.NAME = value` text (as MLflow
//!   keeps them), per-fold and estimated metrics, and file hashes.
//! - [`registry`]: every artifact a run deploys is copied under the store
//!   (`artifacts/RUN/FILE`) and becomes the next version of the model named
//!   by its file stem; aliases (`production`) point at versions, and
//!   `models:/NAME@ALIAS`, `models:/NAME/VERSION` or `models:/NAME` resolve
//!   to the stored copy after checking its SHA-256.
//! - [`compare`]: two runs side by side, as text and as an HTML page.
//!
//! Differences from MLflow: one file, no server; parameters are recorded
//! from the workflow itself (every model's checked parameters, defaults
//! included) rather than logged by hand; models are registered when
//! deployed rather than by a separate call.

pub mod clock;
pub mod compare;
mod error;
pub mod hash;
pub mod record;
pub mod registry;
mod schema;
mod store;
pub mod text;

pub use error::TrackingError;
pub use store::{default_path, ArtifactRow, MetricRow, Param, RunRow, RunStatus, Store, Tracker, DB_FILE};
