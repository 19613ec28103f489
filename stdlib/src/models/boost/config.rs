//! The configured booster: parameters read and range-checked from the
//! checked catalog parameters, and its [`Estimator`] implementation.

use super::{fit, CLASSIFIER, REGRESSOR};
use crate::models::class_weight::ClassWeights;
use crate::op::{Estimator, FittedModel, Matrix, OpError, Target};
use crate::registry::{invalid, param_f64, param_int, param_str};
use mlg_compiler::workflow::catalog::{Params, Task};

/// What the ensemble minimises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoostLoss {
    /// Half squared error; baseline = mean.
    SquaredError,
    /// Absolute error: gradient = sign, leaves refitted to the median residual;
    /// baseline = median.
    AbsoluteError,
    /// Log-loss: one raw margin (two classes) or one score per class (softmax).
    LogLoss,
}

/// How trees grow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Growth {
    /// Best-first: always split the open leaf with the largest gain.
    Leaf,
    /// Level-wise: split every open leaf of a level (largest gain first)
    /// before the next level.
    Depth,
}

/// Whether a validation split scores early stopping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EarlyStopping {
    /// On when the training set has more than 10,000 rows.
    Auto,
    /// Always, whatever the training set's size.
    On,
    /// Never: every round is run.
    Off,
}

/// A configured histogram gradient-boosting model (`gradient_boosting_classifier`
/// or `gradient_boosting_regressor`). Parameters as in the catalog entry; every
/// field is range-checked by the constructors.
#[derive(Clone, Debug, PartialEq)]
pub struct GradientBoosting {
    /// The loss minimised.
    pub loss: BoostLoss,
    /// Boosting rounds: one tree per round, one per class per round for more than two classes.
    pub rounds: usize,
    /// Shrinkage multiplied into every leaf value.
    pub learning_rate: f64,
    /// The most leaves a tree may have.
    pub max_leaf_nodes: usize,
    /// The deepest level a tree may grow to; `None`: unlimited.
    pub max_depth: Option<usize>,
    /// The fewest training rows each leaf must keep.
    pub min_samples_leaf: usize,
    /// L2 penalty on leaf values, added to every leaf's hessian sum.
    pub l2_regularization: f64,
    /// A split must reduce the (second-order) loss by more than this.
    pub min_gain: f64,
    /// The most quantile bins per feature.
    pub max_bins: usize,
    /// Whether trees grow best-first or level by level.
    pub growth: Growth,
    /// The share of training rows drawn, without replacement, for each round.
    pub subsample: f64,
    /// The share of features drawn for each tree.
    pub colsample: f64,
    /// Whether a held-out split stops the rounds early.
    pub early_stopping: EarlyStopping,
    /// The share of rows held out to score early stopping (stratified for classifiers).
    pub validation_fraction: f64,
    /// Stop after this many rounds without an improvement of the held-out loss.
    pub n_iter_no_change: usize,
    /// The smallest held-out loss decrease that counts as an improvement.
    pub tol: f64,
    /// Seed of the bin subsample, the validation split and the row and feature sampling.
    pub seed: u64,
    /// Rounds between two checkpoints of a fit that has a checkpoint slot
    /// ([`mlg_runtime::checkpoint`]); `None`: about once a minute.
    pub checkpoint_rounds: Option<usize>,
    /// The classifier's per-class row weights (their gradients, hessians
    /// and share of the baseline and validation loss).
    pub class_weight: ClassWeights,
    /// Per feature, its number of levels when it holds category codes
    /// (split natively, see [`super::categorical`]); empty when none does.
    pub categories: Vec<Option<usize>>,
}

impl GradientBoosting {
    /// `gradient_boosting_classifier` from its checked parameters (missing
    /// ones take the catalog defaults); out-of-range values are errors.
    pub fn classifier(params: &Params) -> Result<Self, OpError> {
        Self::new(CLASSIFIER, params, BoostLoss::LogLoss)
    }

    /// `gradient_boosting_regressor` from its checked parameters; `loss` is
    /// `"squared_error"` (default) or `"absolute_error"`.
    pub fn regressor(params: &Params) -> Result<Self, OpError> {
        let loss = match param_str(REGRESSOR, params, "loss")?.unwrap_or("squared_error") {
            "squared_error" => BoostLoss::SquaredError,
            "absolute_error" => BoostLoss::AbsoluteError,
            other => {
                return Err(invalid(
                    REGRESSOR,
                    format!("loss must be \"squared_error\" or \"absolute_error\", got {other:?}"),
                ))
            }
        };
        Self::new(REGRESSOR, params, loss)
    }

    fn new(op: &str, params: &Params, loss: BoostLoss) -> Result<Self, OpError> {
        let int = |name: &str, min: i64, max: i64, default: Option<i64>| -> Result<Option<usize>, OpError> {
            match param_int(op, params, name)?.or(default) {
                None => Ok(None),
                Some(v) if v < min || v > max => {
                    Err(invalid(op, format!("{name} must be in {min}..={max}, got {v}")))
                }
                Some(v) => Ok(Some(usize::try_from(v).unwrap_or(usize::MAX))),
            }
        };
        let real = |name: &str, default: f64, ok: fn(f64) -> bool, range: &str| -> Result<f64, OpError> {
            let v = param_f64(op, params, name, default)?;
            if ok(v) {
                Ok(v)
            } else {
                Err(invalid(op, format!("{name} must be {range}, got {v}")))
            }
        };
        let choice = |name: &str, default: &'static str, options: &[&str]| -> Result<String, OpError> {
            let v = param_str(op, params, name)?.unwrap_or(default);
            if options.contains(&v) {
                Ok(v.to_string())
            } else {
                Err(invalid(
                    op,
                    format!("{name} must be one of {options:?}, got {v:?}"),
                ))
            }
        };
        let big = i64::MAX;
        let positive = |v: f64| v > 0.0 && v.is_finite();
        let non_negative = |v: f64| v >= 0.0 && v.is_finite();
        let fraction = |v: f64| v > 0.0 && v <= 1.0;
        let growth = match choice("growth", "leaf", &["leaf", "depth"])?.as_str() {
            "depth" => Growth::Depth,
            _ => Growth::Leaf,
        };
        let early_stopping = match choice("early_stopping", "auto", &["auto", "on", "off"])?.as_str() {
            "on" => EarlyStopping::On,
            "off" => EarlyStopping::Off,
            _ => EarlyStopping::Auto,
        };
        Ok(GradientBoosting {
            loss,
            rounds: int("rounds", 1, big, Some(100))?.unwrap_or(100),
            learning_rate: real("learning_rate", 0.1, positive, "a positive number")?,
            max_leaf_nodes: int("max_leaf_nodes", 2, big, Some(31))?.unwrap_or(31),
            max_depth: int("max_depth", 1, big, None)?,
            min_samples_leaf: int("min_samples_leaf", 1, big, Some(20))?.unwrap_or(20),
            l2_regularization: real("l2_regularization", 0.0, non_negative, "a number >= 0")?,
            min_gain: real("min_gain", 0.0, non_negative, "a number >= 0")?,
            max_bins: int("max_bins", 2, 255, Some(255))?.unwrap_or(255),
            growth,
            subsample: real("subsample", 1.0, fraction, "in (0, 1]")?,
            colsample: real("colsample", 1.0, fraction, "in (0, 1]")?,
            early_stopping,
            validation_fraction: real("validation_fraction", 0.1, |v| v > 0.0 && v < 1.0, "in (0, 1)")?,
            n_iter_no_change: int("n_iter_no_change", 1, big, Some(10))?.unwrap_or(10),
            tol: real("tol", 1e-7, non_negative, "a number >= 0")?,
            seed: int("seed", 0, big, Some(0))?.map_or(0, |s| s as u64),
            checkpoint_rounds: int("checkpoint_rounds", 1, big, None)?,
            class_weight: ClassWeights::parse(op, params)?,
            categories: Vec::new(),
        })
    }

    /// The catalog name of this configuration.
    pub fn op(&self) -> &'static str {
        match self.loss {
            BoostLoss::LogLoss => CLASSIFIER,
            BoostLoss::SquaredError | BoostLoss::AbsoluteError => REGRESSOR,
        }
    }

    /// Whether early stopping applies to a training set of `n_rows` rows.
    pub fn stops_early(&self, n_rows: usize) -> bool {
        match self.early_stopping {
            EarlyStopping::On => true,
            EarlyStopping::Off => false,
            EarlyStopping::Auto => n_rows > 10_000,
        }
    }

    /// [`Estimator::fit`] with the concrete fitted type. Errors: malformed or
    /// non-finite features, a target of the wrong kind, fewer than two classes,
    /// or a validation split that leaves either side empty.
    pub fn fit_boost(&self, x: &Matrix, y: &Target) -> Result<super::FittedBoost, OpError> {
        fit::fit(self, x, y)
    }
}

impl Estimator for GradientBoosting {
    fn task(&self) -> Task {
        match self.loss {
            BoostLoss::LogLoss => Task::Classification,
            BoostLoss::SquaredError | BoostLoss::AbsoluteError => Task::Regression,
        }
    }

    fn fit(&self, x: &Matrix, y: &Target) -> Result<Box<dyn FittedModel>, OpError> {
        Ok(Box::new(self.fit_boost(x, y)?))
    }

    /// Categorical features are split natively; each may have at most
    /// `max_bins` levels (as scikit-learn's cardinality limit).
    fn fit_categorical(
        &self,
        x: &Matrix,
        y: &Target,
        levels: &[(String, Option<usize>)],
    ) -> Result<Box<dyn FittedModel>, OpError> {
        if let Some((name, n)) = levels
            .iter()
            .find_map(|(name, n)| n.filter(|&n| n > self.max_bins).map(|n| (name, n)))
        {
            return Err(invalid(
                self.op(),
                format!(
                    "categorical column `{name}` has {n} levels, more than max_bins = {}; encode it \
                     first (target_encode, or ordinal) or merge rare levels",
                    self.max_bins
                ),
            ));
        }
        let mut cfg = self.clone();
        cfg.categories = levels.iter().map(|(_, n)| *n).collect();
        Ok(Box::new(cfg.fit_boost(x, y)?))
    }
}
