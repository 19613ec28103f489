//! Parameter parsing for the trees, shared with the forests: integer bounds,
//! criteria, `max_features`, `class_weight`, `splitter` and `seed`.

use super::*;
use crate::registry::{invalid, param_f64, param_int, param_str};
use mlg_compiler::workflow::catalog::{Params, Value};

/// Integer parameter `name` of `op`: `default` when absent, an error below `min`.
pub(crate) fn bounded_int(
    op: &str,
    params: &Params,
    name: &str,
    min: i64,
    default: Option<i64>,
) -> Result<Option<usize>, OpError> {
    match param_int(op, params, name)?.or(default) {
        None => Ok(None),
        Some(v) if v < min => Err(invalid(op, format!("{name} must be at least {min}, got {v}"))),
        Some(v) => Ok(Some(usize::try_from(v).unwrap_or(usize::MAX))),
    }
}

/// The `criterion` of `op`: `gini` (default) / `entropy` for a classifier,
/// `squared_error` (default) / `absolute_error` for a regressor.
pub(crate) fn criterion(op: &str, params: &Params, classifier: bool) -> Result<Criterion, OpError> {
    let value = param_str(op, params, "criterion")?;
    if classifier {
        match value.unwrap_or("gini") {
            "gini" => Ok(Criterion::Gini),
            "entropy" => Ok(Criterion::Entropy),
            other => Err(invalid(
                op,
                format!("criterion must be \"gini\" or \"entropy\", got {other:?}"),
            )),
        }
    } else {
        match value.unwrap_or("squared_error") {
            "squared_error" => Ok(Criterion::SquaredError),
            "absolute_error" => Ok(Criterion::AbsoluteError),
            other => Err(invalid(
                op,
                format!("criterion must be \"squared_error\" or \"absolute_error\", got {other:?}"),
            )),
        }
    }
}

/// `max_features` of `op` (`"sqrt"`, `"log2"`, `"all"`), `default` when absent.
pub(crate) fn max_features(op: &str, params: &Params, default: MaxFeatures) -> Result<MaxFeatures, OpError> {
    match param_str(op, params, "max_features")? {
        None => Ok(default),
        Some("sqrt") => Ok(MaxFeatures::Sqrt),
        Some("log2") => Ok(MaxFeatures::Log2),
        Some("all") => Ok(MaxFeatures::All),
        Some(other) => Err(invalid(
            op,
            format!("max_features must be \"sqrt\", \"log2\" or \"all\", got {other:?}"),
        )),
    }
}

/// `class_weight` of `op`: `"none"` (default), `"balanced"`, and for forests
/// (`subsample`) `"balanced_subsample"`; regressors accept only `"none"`.
pub(crate) fn class_weight(
    op: &str,
    params: &Params,
    classifier: bool,
    subsample: bool,
) -> Result<ClassWeight, OpError> {
    if let Some(Value::NumMap(entries)) = params.get("class_weight") {
        if !classifier {
            return Err(invalid(
                op,
                "class_weight must be \"none\" (a regressor has no classes)",
            ));
        }
        return Ok(ClassWeight::Given(entries.clone()));
    }
    let parsed = match param_str(op, params, "class_weight")?.unwrap_or("none") {
        "none" => ClassWeight::None,
        "balanced" if classifier => ClassWeight::Balanced,
        "balanced_subsample" if classifier && subsample => ClassWeight::BalancedSubsample,
        other => {
            let allowed = match (classifier, subsample) {
                (false, _) => "\"none\" (a regressor has no classes)",
                (true, false) => "\"none\" or \"balanced\"",
                (true, true) => "\"none\", \"balanced\" or \"balanced_subsample\"",
            };
            return Err(invalid(
                op,
                format!("class_weight must be {allowed}, got {other:?}"),
            ));
        }
    };
    Ok(parsed)
}

/// `splitter` of `op` (`"auto"` default, `"exact"`, `"hist"`); `hist` with
/// `absolute_error` is an error (medians have no histogram form).
pub(crate) fn splitter(op: &str, params: &Params, criterion: Criterion) -> Result<Splitter, OpError> {
    let parsed = match param_str(op, params, "splitter")?.unwrap_or("auto") {
        "auto" => Splitter::Auto,
        "exact" => Splitter::Exact,
        "hist" => Splitter::Hist,
        other => {
            return Err(invalid(
                op,
                format!("splitter must be \"auto\", \"exact\" or \"hist\", got {other:?}"),
            ))
        }
    };
    if parsed == Splitter::Hist && criterion == Criterion::AbsoluteError {
        return Err(invalid(
            op,
            "criterion \"absolute_error\" needs splitter \"exact\" (or \"auto\")",
        ));
    }
    Ok(parsed)
}

/// `seed` of `op` (`>= 0`, default 0).
pub(crate) fn seed(op: &str, params: &Params) -> Result<u64, OpError> {
    match param_int(op, params, "seed")?.unwrap_or(0) {
        s if s < 0 => Err(invalid(op, format!("seed must be at least 0, got {s}"))),
        s => Ok(s as u64),
    }
}

/// The stopping rules shared by trees and forests: `max_depth`,
/// `min_samples_split`, `min_samples_leaf` into `tree`.
pub(crate) fn stopping(op: &str, params: &Params, tree: &mut DecisionTree) -> Result<(), OpError> {
    tree.max_depth = bounded_int(op, params, "max_depth", 1, None)?;
    tree.min_samples_split = bounded_int(op, params, "min_samples_split", 2, Some(2))?.unwrap_or(2);
    tree.min_samples_leaf = bounded_int(op, params, "min_samples_leaf", 1, Some(1))?.unwrap_or(1);
    Ok(())
}

impl DecisionTree {
    /// The classifier from its checked parameters (criterion `gini` default
    /// or `entropy`). Out-of-range or unknown values are errors.
    pub fn classifier(params: &Params) -> Result<Self, OpError> {
        Self::from_params(CLASSIFIER, params, true)
    }

    /// The regressor from its checked parameters (criterion `squared_error`
    /// default or `absolute_error`). Out-of-range or unknown values are errors.
    pub fn regressor(params: &Params) -> Result<Self, OpError> {
        Self::from_params(REGRESSOR, params, false)
    }

    fn from_params(op: &str, params: &Params, classifier: bool) -> Result<Self, OpError> {
        let mut tree = DecisionTree::new(criterion(op, params, classifier)?);
        stopping(op, params, &mut tree)?;
        let min_impurity_decrease = param_f64(op, params, "min_impurity_decrease", 0.0)?;
        if min_impurity_decrease.is_nan() || min_impurity_decrease < 0.0 {
            return Err(invalid(
                op,
                format!("min_impurity_decrease must be >= 0, got {min_impurity_decrease}"),
            ));
        }
        tree.min_impurity_decrease = min_impurity_decrease;
        let ccp_alpha = param_f64(op, params, "ccp_alpha", 0.0)?;
        if ccp_alpha.is_nan() || ccp_alpha < 0.0 {
            return Err(invalid(op, format!("ccp_alpha must be >= 0, got {ccp_alpha}")));
        }
        tree.ccp_alpha = ccp_alpha;
        tree.max_features = max_features(op, params, MaxFeatures::All)?;
        tree.class_weight = class_weight(op, params, classifier, false)?;
        tree.splitter = splitter(op, params, tree.criterion)?;
        tree.seed = seed(op, params)?;
        Ok(tree)
    }
}
