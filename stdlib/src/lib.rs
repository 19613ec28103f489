//! mlg standard library: preprocessing steps, models, metrics and evaluation splits.

pub mod catalog;
pub mod eval;
pub mod metrics;
pub mod models;
pub mod op;
pub mod preprocess;
pub mod registry;

pub use eval::{holdout, kfold, predefined, Split};
pub use metrics::{classification_metric, metric_task, regression_metric};
pub use registry::{estimator, transform};
