//! Histogram gradient boosting (`gradient_boosting_classifier`,
//! `gradient_boosting_regressor`) in the manner of scikit-learn's
//! `HistGradientBoosting*` and LightGBM.
//!
//! Features are binned into at most `max_bins` quantile bins ([`bins`]); each
//! round computes per-row gradients and hessians of the loss ([`loss`]) and
//! grows one regression tree per raw score on gradient/hessian histograms
//! built in parallel over features ([`kernels`]), with the subtraction trick
//! ([`hist`], [`grow`]). The boosting loop ([`fit`]) handles row and feature sampling and
//! early stopping on a held-out split ([`holdout`]; on rows spread over the
//! ranks of a distributed job, one process's split and samples). The fitted model ([`FittedBoost`])
//! keeps `f32` thresholds (bin upper edges) and leaf values, predicts exactly
//! what its lowered graph of nested `Select`s computes, and reports total
//! split gain per feature as its importances.
//!
//! Missing values (NaN) are native, as in scikit-learn: they fill a bin of
//! their own ([`bins::MISSING`]), and each split is scanned with them on the
//! right, then on the left, keeping the better (a split may also send only
//! them right: its threshold is `f32::MAX`); a split of a feature that had
//! no missing values in the node sends them to the side with more rows. The
//! fitted and lowered trees carry the direction (`missing_left`).
//! `class_weight` scales each row's gradient and hessian, the baseline and
//! the held-out loss by its class's weight.
//!
//! Categorical columns are native too, as scikit-learn's
//! `categorical_features="from_dtype"` (its default) and LightGBM: a
//! category code is its bin, and a split sends a set of categories left,
//! found by sorting them by gradient over hessian ([`categorical`]); the
//! lowered graph turns each set into a `Lookup` the trees compare with 0.5.
//!
//! Differences from scikit-learn: its own seeded random streams (bin
//! subsample, validation split), binning on the `f32`-rounded features, and
//! gradients and hessians rounded to a grid of `2^30` steps of the round's
//! largest one and summed as integers ([`exact`]). Fits are deterministic for
//! a seed, and the same bits whatever the thread count or the number of
//! ranks the rows are spread over.

#[cfg(test)]
mod bench;
mod bins;
mod categorical;
mod checkpoint;
mod config;
mod exact;
mod fit;
mod fitted;
mod grow;
mod hist;
mod holdout;
mod kernels;
mod loss;
mod ranks;
mod spec;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_lower;

pub use categorical::BinSet;
pub use config::{BoostLoss, EarlyStopping, GradientBoosting, Growth};
pub use fitted::{BoostNode, BoostTree, FittedBoost};
pub(crate) use spec::DEFS;

/// Catalog name of the classifier.
pub const CLASSIFIER: &str = "gradient_boosting_classifier";
/// Catalog name of the regressor.
pub const REGRESSOR: &str = "gradient_boosting_regressor";
