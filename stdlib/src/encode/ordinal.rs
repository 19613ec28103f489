//! `ordinal`: replaces each categorical column by the index of its level among
//! the levels seen in training, like scikit-learn's
//! `OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)`.

use super::{categorical, FittedLevelMap, LevelMap};
use crate::op::{FittedTransform, OpError, Target, Transform};
use mlg_compiler::workflow::catalog::Params;
use mlg_runtime::frame::Frame;

const OP: &str = "ordinal";

/// The `ordinal` features step (no parameters). Fitting learns, per selected
/// categorical column, the levels observed in the training rows, sorted by
/// name (scikit-learn's sorted categories). Transforming replaces the column,
/// at its position, by a numeric column of the same name holding the level's
/// index `0, 1, ...` in that order. Unseen levels encode as `-1`. Missing values
/// also encode as `-1` (scikit-learn gives NaN): the inference IR has no op
/// that maps a missing code to NaN, so `transform` does the same as the lowered
/// graph and the output column has no missing values. Selecting a numeric
/// column is an error.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Ordinal;

impl Ordinal {
    /// Reads the checked parameters (there are none).
    pub fn new(_params: &Params) -> Result<Self, OpError> {
        Ok(Ordinal)
    }

    /// Fits the level indices of every `selected` column of `frame`.
    pub fn fit_map(&self, frame: &Frame, selected: &[String]) -> Result<FittedLevelMap, OpError> {
        let mut columns = Vec::with_capacity(selected.len());
        for name in selected {
            let (codes, levels, missing) = categorical(OP, frame, name)?;
            let mut seen = vec![false; levels.len()];
            for (&c, &m) in codes.iter().zip(missing) {
                if let Some(s) = seen.get_mut(c as usize).filter(|_| !m) {
                    *s = true;
                }
            }
            let mut kept: Vec<usize> = (0..levels.len()).filter(|&c| seen[c]).collect();
            kept.sort_by(|&a, &b| levels[a].cmp(&levels[b]));
            let levels = kept
                .into_iter()
                .enumerate()
                .map(|(index, c)| (levels[c].clone(), c as u32, index as f64))
                .collect();
            columns.push(LevelMap {
                column: name.clone(),
                levels,
                default: -1.0,
            });
        }
        Ok(FittedLevelMap { op: OP, columns })
    }
}

impl Transform for Ordinal {
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        _target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        Ok(Box::new(self.fit_map(frame, selected)?))
    }
}
