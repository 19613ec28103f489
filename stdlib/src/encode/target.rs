//! `target_encode`: replaces each categorical column by the smoothed mean of
//! the target over the training rows of each level (an m-estimate).

use super::{categorical, FittedLevelMap, LevelMap};
use crate::op::{FittedTransform, OpError, Target, Transform};
use crate::registry::{invalid, param_f64};
use mlg_compiler::workflow::catalog::Params;
use mlg_runtime::frame::Frame;

const OP: &str = "target_encode";

/// The `target_encode` features step. Parameter: `smoothing` (`m ≥ 0`, default
/// 10). The encoded target `y` is the value itself for regression, and for a
/// classification target with at most two labels the indicator of the second
/// (positive) label; more than two labels is an error (multiclass target
/// encoding is not supported yet). Fitting learns the global mean `g` of `y`
/// over all training rows and, per level observed among the non-missing
/// training values of each selected column, `(n · mean + m · g) / (n + m)`
/// where `n` and `mean` are that level's row count and mean of `y`.
/// Transforming replaces the column, at its position, by a numeric column of
/// the same name with those values; unseen levels and missing values get `g`,
/// so the output has no missing values. The executor fits within each fold, so
/// validation rows never see their own target. Selecting a numeric column is
/// an error. Unlike scikit-learn's `TargetEncoder` there is no internal
/// cross-fitting and the smoothing is the fixed `m`, not empirical Bayes.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetEncode {
    /// The smoothing `m`: each level's mean is blended with the global mean as if `m` more rows held it.
    pub smoothing: f64,
}

impl TargetEncode {
    /// Reads the checked parameters; a negative or non-finite `smoothing` is an
    /// error.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        let smoothing = param_f64(OP, params, "smoothing", 10.0)?;
        if !(smoothing >= 0.0 && smoothing.is_finite()) {
            return Err(invalid(
                OP,
                format!("parameter `smoothing` must be a finite number >= 0, got {smoothing}"),
            ));
        }
        Ok(TargetEncode { smoothing })
    }

    /// Fits the per-level encodings of every `selected` column of `frame`
    /// against `target` (one entry per frame row).
    pub fn fit_map(
        &self,
        frame: &Frame,
        selected: &[String],
        target: &Target,
    ) -> Result<FittedLevelMap, OpError> {
        let y = encoded_target(target)?;
        if y.len() != frame.n_rows {
            return Err(invalid(
                OP,
                format!(
                    "the target has {} rows but the frame has {}",
                    y.len(),
                    frame.n_rows
                ),
            ));
        }
        if y.is_empty() {
            return Err(invalid(OP, "cannot fit on zero rows"));
        }
        let global = y.iter().sum::<f64>() / y.len() as f64;
        let m = self.smoothing;
        let mut columns = Vec::with_capacity(selected.len());
        for name in selected {
            let (codes, levels, missing) = categorical(OP, frame, name)?;
            let mut sums = vec![(0usize, 0.0f64); levels.len()];
            for ((&c, &miss), &yi) in codes.iter().zip(missing).zip(&y) {
                if let Some(s) = sums.get_mut(c as usize).filter(|_| !miss) {
                    s.0 += 1;
                    s.1 += yi;
                }
            }
            let levels = sums
                .iter()
                .enumerate()
                .filter(|(_, s)| s.0 > 0)
                .map(|(c, &(n, sum))| {
                    let n = n as f64;
                    // (n * mean + m * g) / (n + m) with n * mean = sum; n > 0.
                    (levels[c].clone(), c as u32, (sum + m * global) / (n + m))
                })
                .collect();
            columns.push(LevelMap {
                column: name.clone(),
                levels,
                default: global,
            });
        }
        Ok(FittedLevelMap { op: OP, columns })
    }
}

/// The numeric target that is averaged: values, or the positive-class
/// indicator of a binary classification target.
fn encoded_target(target: &Target) -> Result<Vec<f64>, OpError> {
    match target {
        Target::Values(v) => {
            if v.iter().any(|y| !y.is_finite()) {
                return Err(invalid(OP, "the regression target has missing or infinite values"));
            }
            Ok(v.clone())
        }
        Target::Classes { codes, labels } if labels.len() <= 2 => {
            Ok(codes.iter().map(|&c| if c == 1 { 1.0 } else { 0.0 }).collect())
        }
        Target::Classes { labels, .. } => Err(invalid(
            OP,
            format!(
                "multiclass target encoding is not supported yet (the target has {} classes; use one_hot or ordinal)",
                labels.len()
            ),
        )),
    }
}

impl Transform for TargetEncode {
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        Ok(Box::new(self.fit_map(frame, selected, target)?))
    }
}
