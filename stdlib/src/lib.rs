//! mlg standard library: preprocessing steps, models, metrics and evaluation splits.

pub mod catalog;
pub mod checks;
pub mod clean;
pub mod compress;
pub mod construct;
pub mod derive;
pub mod design;
pub mod encode;
pub mod ensemble;
pub mod eval;
pub mod extract;
pub mod metrics;
pub mod models;
pub mod nonlinear;
pub mod op;
pub mod operators;
pub mod preprocess;
pub mod registry;
pub mod scale;
pub mod select;
pub mod size;
mod sources;
pub mod synth;
#[cfg(test)]
pub(crate) mod testing;
pub mod tune;

pub use eval::{holdout, kfold, predefined, Split};
pub use metrics::{classification_metric, metric_task, regression_metric};
pub use registry::{estimator, transform};
