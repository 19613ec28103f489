//! `rfe`: recursive feature elimination, like scikit-learn's `RFE` — refit a
//! nested linear model on the surviving columns and drop the `step` columns with
//! the smallest coefficients until `n_features` remain.

use super::{model_matrix, FittedSelect, NestedModel};
use crate::op::{column_sums, FittedTransform, OpError, Target, Transform};
use crate::registry::{invalid, param_int};
use mlg_compiler::workflow::catalog::Params;
use mlg_runtime::frame::Frame;

const OP: &str = "rfe";

/// The `rfe` features step. Parameters: `model` (required nested model call:
/// `linear_regression`, `ridge` or `logistic_regression`), `n_features` (int ≥
/// 1; default half of the selected columns rounded down, at least 1; more than
/// the selected columns keeps them all) and `step` (int ≥ 1, default 1).
///
/// Fitting (training rows only, which must have no missing or infinite values
/// in the selected columns — the error names the column) repeats, while more
/// than `n_features` columns survive: fit the model on the surviving columns,
/// rank them by importance — `coef²`, summed over classes for a multinomial
/// model, as scikit-learn's `RFE` does — and drop the `min(step, surviving -
/// n_features)` least important (ties drop the lower column index first). The
/// fitted [`FittedSelect`]'s scores are scikit-learn's `ranking_`: 1 for kept
/// columns, and 1 + the number of elimination rounds a column outlived
/// otherwise, so the first dropped rank highest. The model's task must match
/// the target (a classifier needs class labels); a mismatch is an error.
#[derive(Debug)]
pub struct Rfe {
    /// The model refitted each round to rank the columns.
    pub model: NestedModel,
    /// `None`: half of the selected columns (at least 1).
    pub n_features: Option<usize>,
    /// The most columns dropped per round.
    pub step: usize,
}

impl Rfe {
    /// Reads the checked parameters; a missing or unknown `model`, or
    /// `n_features` / `step` below 1, is an error.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        let model = NestedModel::from_params(OP, params)?;
        let at_least_one = |name: &str| -> Result<Option<usize>, OpError> {
            match param_int(OP, params, name)? {
                None => Ok(None),
                Some(v) if v >= 1 => Ok(Some(usize::try_from(v).unwrap_or(usize::MAX))),
                Some(v) => Err(invalid(
                    OP,
                    format!("parameter `{name}` must be at least 1, got {v}"),
                )),
            }
        };
        Ok(Rfe {
            model,
            n_features: at_least_one("n_features")?,
            step: at_least_one("step")?.unwrap_or(1),
        })
    }

    /// Fits which `selected` columns of `frame` survive against `target` (one
    /// entry per frame row); the scores are the elimination ranking.
    pub fn select(
        &self,
        frame: &Frame,
        selected: &[String],
        target: &Target,
    ) -> Result<FittedSelect, OpError> {
        let x = model_matrix(OP, frame, selected, target)?;
        let d = selected.len();
        let wanted = self.n_features.unwrap_or((d / 2).max(1)).min(d);
        let mut support = vec![true; d];
        let mut ranking = vec![1.0f64; d];
        loop {
            let features: Vec<usize> = (0..d).filter(|&j| support[j]).collect();
            if features.len() <= wanted {
                break;
            }
            // Like sklearn: squared coefficients summed over outputs for linear
            // models, the model's own importances (trees) otherwise.
            let importance = match self.model.coefficients(OP, &x, &features, target) {
                Ok(coefs) => column_sums(&coefs, |c| c * c),
                Err(_) => self.model.importances(OP, &x, &features, target)?,
            };
            let mut order: Vec<usize> = (0..features.len()).collect();
            order.sort_by(|&a, &b| importance[a].total_cmp(&importance[b]).then(a.cmp(&b)));
            let n_drop = self.step.min(features.len() - wanted);
            for &r in &order[..n_drop] {
                support[features[r]] = false;
            }
            for (rank, kept) in ranking.iter_mut().zip(&support) {
                if !kept {
                    *rank += 1.0;
                }
            }
        }
        Ok(FittedSelect::new(OP, selected, ranking, &support))
    }
}

impl Transform for Rfe {
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        Ok(Box::new(self.select(frame, selected, target)?))
    }
}
