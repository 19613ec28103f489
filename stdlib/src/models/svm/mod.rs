//! Support vector machines: `svm` (C-SVC, scikit-learn's `SVC`) and `svr`
//! (epsilon-SVR, scikit-learn's `SVR`).
//!
//! Both solve their dual with libsvm's SMO ([`smo`]): second-order working-set
//! selection (WSS3, Fan, Chen & Lin 2005), an LRU cache of kernel rows that
//! holds the whole Gram matrix when it fits ([`kernel`]), and optional
//! shrinking. The linear kernel may instead use liblinear's dual coordinate
//! descent ([`dcd`], intercept as a regularised constant feature). More than
//! two classes are split one-vs-one (default, majority vote with ties to the
//! lowest class, as libsvm) or one-vs-rest. With `probability = true` the
//! `proba` output comes from Platt sigmoids fitted on 5-fold cross-validated
//! decision values ([`platt`]), coupled across pairs by Price et al.'s
//! formula; otherwise it is an uncalibrated squashing of the decision scores.
//! Either way `class` is the vote, as in `predict`. A fitted model lowers to
//! one kernel expansion over its support vectors ([`expansion`]) and a vote
//! and probability head built from elementwise IR ops.
//!
//! Differences from scikit-learn: the Platt folds use this crate's seeded
//! generator, the multiclass probability coupling is Price et al.'s instead
//! of libsvm's iterative method, and kernel rows are cached in `f64`.

mod binary;
mod classifier;
mod dcd;
mod expansion;
mod fitted;
mod kernel;
mod params;
mod platt;
mod regressor;
mod smo;
mod spec;
#[cfg(test)]
mod tests;

pub use classifier::Svm;
pub use expansion::Expansion;
pub use fitted::{FittedSvm, Multiclass};
pub use kernel::Kernel;
pub use params::{KernelKind, KernelSpec, SolverSpec};
pub use regressor::{FittedSvr, Svr};
pub(crate) use spec::DEFS;

/// Catalog name of the classifier.
pub const CLASSIFIER: &str = classifier::OP;
/// Catalog name of the regressor.
pub const REGRESSOR: &str = regressor::OP;
