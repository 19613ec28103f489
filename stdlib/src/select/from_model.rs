//! `select_from_model`: fit a nested linear model once and keep the columns
//! whose coefficient importance reaches a threshold, like scikit-learn's
//! `SelectFromModel` (`norm_order = 1`).

use super::{model_matrix, FittedSelect, NestedModel};
use crate::op::{FittedTransform, OpError, Target, Transform};
use crate::registry::{invalid, param_int, param_str};
use mlg_compiler::workflow::catalog::Params;
use mlg_runtime::frame::Frame;

const OP: &str = "select_from_model";

/// The cut-off of `select_from_model`, parsed from the `threshold` string.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Threshold {
    /// A fixed importance (`"0.25"`).
    Value(f64),
    /// `factor` times the mean importance (`"mean"`, `"1.5*mean"`).
    Mean(f64),
    /// `factor` times the median importance (`"median"`, `"0.5*median"`).
    Median(f64),
}

impl Threshold {
    /// Parses `"mean"`, `"median"`, `"<factor>*mean"`, `"<factor>*median"` or a
    /// number (surrounding spaces ignored); anything else, or a NaN, is an error.
    pub fn parse(text: &str) -> Result<Self, OpError> {
        let bad = || {
            invalid(
                OP,
                format!(
                    "parameter `threshold` must be \"mean\", \"median\", \"<factor>*mean\", \"<factor>*median\" or a number, got {text:?}"
                ),
            )
        };
        let number = |s: &str| {
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| !v.is_nan())
                .ok_or_else(bad)
        };
        let (factor, reference) = match text.split_once('*') {
            Some((factor, reference)) => (number(factor)?, reference.trim()),
            None => (1.0, text.trim()),
        };
        match reference {
            "mean" => Ok(Threshold::Mean(factor)),
            "median" => Ok(Threshold::Median(factor)),
            _ if text.contains('*') => Err(bad()),
            other => Ok(Threshold::Value(number(other)?)),
        }
    }

    /// The cut-off for these importances.
    pub fn resolve(self, importances: &[f64]) -> f64 {
        match self {
            Threshold::Value(v) => v,
            Threshold::Mean(f) => f * importances.iter().sum::<f64>() / importances.len().max(1) as f64,
            Threshold::Median(f) => {
                let mut sorted = importances.to_vec();
                sorted.sort_by(f64::total_cmp);
                let n = sorted.len();
                let median = match n {
                    0 => 0.0,
                    _ if n % 2 == 1 => sorted[n / 2],
                    _ => 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]),
                };
                f * median
            }
        }
    }
}

/// The `select_from_model` features step. Parameters: `model` (required nested
/// model call: `linear_regression`, `ridge` or `logistic_regression`),
/// `threshold` (string, default `"mean"`; see [`Threshold::parse`]) and
/// `max_features` (int ≥ 1, optional).
///
/// Fitting (training rows only, which must have no missing or infinite values
/// in the selected columns — the error names the column) fits the model once on
/// all selected columns; a column's importance is `|coef|`, summed over classes
/// for a multinomial model. A column is kept when its importance is ≥ the
/// resolved threshold and, with `max_features`, it is among the `max_features`
/// most important (ties keep the lower column index). The fitted
/// [`FittedSelect`]'s scores are the importances. The model's task must match
/// the target; a mismatch is an error.
#[derive(Debug)]
pub struct SelectFromModel {
    /// The model whose coefficients rank the columns.
    pub model: NestedModel,
    /// The importance a kept column must reach.
    pub threshold: Threshold,
    /// Keep at most this many columns, when given.
    pub max_features: Option<usize>,
}

impl SelectFromModel {
    /// Reads the checked parameters; a missing or unknown `model`, an
    /// unparsable `threshold` or `max_features` below 1 is an error.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        let model = NestedModel::from_params(OP, params)?;
        let threshold = Threshold::parse(param_str(OP, params, "threshold")?.unwrap_or("mean"))?;
        let max_features = match param_int(OP, params, "max_features")? {
            None => None,
            Some(v) if v >= 1 => Some(usize::try_from(v).unwrap_or(usize::MAX)),
            Some(v) => {
                return Err(invalid(
                    OP,
                    format!("parameter `max_features` must be at least 1, got {v}"),
                ))
            }
        };
        Ok(SelectFromModel {
            model,
            threshold,
            max_features,
        })
    }

    /// Fits which `selected` columns of `frame` survive against `target` (one
    /// entry per frame row); the scores are the importances.
    pub fn select(
        &self,
        frame: &Frame,
        selected: &[String],
        target: &Target,
    ) -> Result<FittedSelect, OpError> {
        let x = model_matrix(OP, frame, selected, target)?;
        let all: Vec<usize> = (0..selected.len()).collect();
        let importance = self.model.importances(OP, &x, &all, target)?;
        let cutoff = self.threshold.resolve(&importance);
        let mut keep: Vec<bool> = importance.iter().map(|&v| v >= cutoff).collect();
        if let Some(max) = self.max_features {
            let mut order = all.clone();
            order.sort_by(|&a, &b| importance[b].total_cmp(&importance[a]).then(a.cmp(&b)));
            for &j in order.iter().skip(max) {
                keep[j] = false;
            }
        }
        Ok(FittedSelect::new(OP, selected, importance, &keep))
    }
}

impl Transform for SelectFromModel {
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        Ok(Box::new(self.select(frame, selected, target)?))
    }
}
