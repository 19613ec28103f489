//! `impute`: replaces missing values by a statistic of the training rows (mean,
//! median, most frequent value) or by a constant, like scikit-learn's
//! `SimpleImputer`, or by the mean of the nearest training rows (`"knn"`, see
//! [`super::knn`]).

use super::{frame_column, lowered_column, lowering_error, replace_column, set_lowered_column};
use crate::op::{FittedTransform, Lowering, OpError, Target, Transform};
use crate::registry::{column_error, invalid, param_f64, param_int, param_str};
use mlg_compiler::ir::Op;
use mlg_compiler::workflow::catalog::Params;
use mlg_runtime::frame::{Column, ColumnData, Frame};

const OP: &str = "impute";

/// How the fill value of a column is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImputeStrategy {
    /// Mean of the observed training values (numeric columns only).
    Mean,
    /// Median of the observed training values (numeric columns only); the mean of
    /// the two middle values for an even count.
    Median,
    /// Most frequent observed value; ties go to the smallest value (numeric) or
    /// the lowest dictionary code (categorical).
    MostFrequent,
    /// The `value` parameter (numeric columns) or the `level` parameter
    /// (categorical columns).
    Constant,
    /// Mean of the column over the `k` nearest training rows by `nan_euclidean`
    /// distance over the selected columns (numeric columns only), like
    /// scikit-learn's `KNNImputer`.
    Knn,
}

/// The `impute` features step. Parameters: `strategy` (`"mean"` default,
/// `"median"`, `"most_frequent"`, `"constant"`, `"knn"`), `k` (neighbours for
/// `"knn"`, 1 to 1000, default 5), `value` (fill for numeric
/// columns under `"constant"`, default 0.0), `level` (fill for categorical
/// columns under `"constant"`, required when such a column is selected).
/// Fitting learns one fill value per selected column; transforming replaces the
/// missing entries of those columns, which are then no longer missing.
#[derive(Clone, Debug, PartialEq)]
pub struct Impute {
    /// How the fill values are learned.
    pub strategy: ImputeStrategy,
    /// The fill of numeric columns under `constant`.
    pub value: f64,
    /// The fill of categorical columns under `constant`.
    pub level: Option<String>,
    /// The neighbours averaged under `knn`.
    pub k: u32,
}

impl Impute {
    /// Reads the checked parameters; an unknown strategy is an error.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        let strategy = match param_str(OP, params, "strategy")?.unwrap_or("mean") {
            "mean" => ImputeStrategy::Mean,
            "median" => ImputeStrategy::Median,
            "most_frequent" => ImputeStrategy::MostFrequent,
            "constant" => ImputeStrategy::Constant,
            "knn" => ImputeStrategy::Knn,
            other => {
                return Err(invalid(
                    OP,
                    format!("unknown strategy {other:?} (expected \"mean\", \"median\", \"most_frequent\", \"constant\" or \"knn\")"),
                ))
            }
        };
        let k = match param_int(OP, params, "k")? {
            None => 5,
            Some(k) => u32::try_from(k)
                .ok()
                .filter(|&k| (1..=1000).contains(&k))
                .ok_or_else(|| invalid(OP, format!("k = {k} must be an integer from 1 to 1000")))?,
        };
        let value = param_f64(OP, params, "value", 0.0)?;
        let level = param_str(OP, params, "level")?.map(str::to_string);
        Ok(Impute {
            strategy,
            value,
            level,
            k,
        })
    }

    fn fit_numeric(&self, name: &str, column: &Column, values: &[f64]) -> Result<f64, OpError> {
        let mut observed: Vec<f64> = values
            .iter()
            .zip(&column.missing)
            .filter(|(v, m)| !**m && !v.is_nan())
            .map(|(v, _)| *v)
            .collect();
        let no_values = || {
            column_error(
                OP,
                name,
                "has no observed values in the training rows, so no fill value can be learned",
            )
        };
        match self.strategy {
            ImputeStrategy::Constant => Ok(self.value),
            ImputeStrategy::Knn => Err(invalid(
                OP,
                "strategy = \"knn\" is fitted on all selected columns together",
            )),
            _ if observed.is_empty() => Err(no_values()),
            ImputeStrategy::Mean => Ok(observed.iter().sum::<f64>() / observed.len() as f64),
            ImputeStrategy::Median => {
                observed.sort_by(f64::total_cmp);
                let mid = observed.len() / 2;
                Ok(if observed.len() % 2 == 1 {
                    observed[mid]
                } else {
                    (observed[mid - 1] + observed[mid]) / 2.0
                })
            }
            ImputeStrategy::MostFrequent => {
                observed.sort_by(f64::total_cmp);
                let (mut best, mut best_count) = (observed[0], 0usize);
                let mut start = 0;
                while start < observed.len() {
                    let end = start
                        + observed[start..]
                            .iter()
                            .take_while(|v| **v == observed[start])
                            .count();
                    // Strictly greater: among equal counts the smallest value wins.
                    if end - start > best_count {
                        best = observed[start];
                        best_count = end - start;
                    }
                    start = end;
                }
                Ok(best)
            }
        }
    }

    fn fit_categorical(
        &self,
        name: &str,
        column: &Column,
        codes: &[u32],
        levels: &[String],
    ) -> Result<Fill, OpError> {
        match self.strategy {
            ImputeStrategy::Mean | ImputeStrategy::Median | ImputeStrategy::Knn => Err(column_error(
                OP,
                name,
                "is categorical: mean, median and knn need numbers; use strategy = \"most_frequent\" or \"constant\"",
            )),
            ImputeStrategy::MostFrequent => {
                let mut counts = vec![0usize; levels.len()];
                for (&c, &m) in codes.iter().zip(&column.missing) {
                    if !m && (c as usize) < levels.len() {
                        counts[c as usize] += 1;
                    }
                }
                let (mut best, mut best_count) = (0usize, 0usize);
                for (code, &count) in counts.iter().enumerate() {
                    if count > best_count {
                        best = code;
                        best_count = count;
                    }
                }
                if best_count == 0 {
                    return Err(column_error(
                        OP,
                        name,
                        "has no observed values in the training rows, so no most frequent level exists",
                    ));
                }
                Ok(Fill::Level { level: levels[best].clone(), code: best as u32 })
            }
            ImputeStrategy::Constant => {
                let level = self.level.clone().ok_or_else(|| {
                    column_error(OP, name, "is categorical: strategy = \"constant\" needs a `level = \"...\"` parameter")
                })?;
                // A level outside the dictionary gets the next code; `transform`
                // appends it to the dictionary at that same position.
                let code = levels.iter().position(|l| *l == level).unwrap_or(levels.len()) as u32;
                Ok(Fill::Level { level, code })
            }
        }
    }
}

/// The fill learned for one column.
#[derive(Clone, Debug, PartialEq)]
pub enum Fill {
    /// A number for a numeric column.
    Number(f64),
    /// A level for a categorical column, with its code in the fit-time
    /// dictionary (the code the inference row carries for it).
    Level {
        /// The level's name.
        level: String,
        /// Its fit-time dictionary code.
        code: u32,
    },
}

/// A fitted `impute`: the fill of every selected column, in selection order.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedImpute {
    /// Each selected column with its fill, in selection order.
    pub fills: Vec<(String, Fill)>,
}

impl Transform for Impute {
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        _target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        if self.strategy == ImputeStrategy::Knn {
            return Ok(Box::new(super::knn::fit_knn(frame, selected, self.k)?));
        }
        let mut fills = Vec::with_capacity(selected.len());
        for name in selected {
            let column = frame_column(OP, frame, name)?;
            let fill = match &column.data {
                ColumnData::Numeric(values) => Fill::Number(self.fit_numeric(name, column, values)?),
                ColumnData::Categorical { codes, levels } => {
                    self.fit_categorical(name, column, codes, levels)?
                }
            };
            fills.push((name.clone(), fill));
        }
        Ok(Box::new(FittedImpute { fills }))
    }
}

impl FittedTransform for FittedImpute {
    fn transform(&self, frame: &Frame) -> Result<Frame, OpError> {
        let mut out = frame.clone();
        for (name, fill) in &self.fills {
            let column = frame_column(OP, frame, name)?;
            let data = match (&column.data, fill) {
                (ColumnData::Numeric(values), Fill::Number(v)) => ColumnData::Numeric(
                    values
                        .iter()
                        .zip(&column.missing)
                        .map(|(x, &m)| if m || x.is_nan() { *v } else { *x })
                        .collect(),
                ),
                (ColumnData::Categorical { codes, levels }, Fill::Level { level, .. }) => {
                    let mut levels = levels.clone();
                    let code = match levels.iter().position(|l| l == level) {
                        Some(code) => code,
                        None => {
                            levels.push(level.clone());
                            levels.len() - 1
                        }
                    } as u32;
                    let codes = codes
                        .iter()
                        .zip(&column.missing)
                        .map(|(&c, &m)| if m { code } else { c })
                        .collect();
                    ColumnData::Categorical { codes, levels }
                }
                _ => {
                    return Err(column_error(
                        OP,
                        name,
                        "changed between numeric and categorical since fitting",
                    ))
                }
            };
            let filled = Column {
                name: name.clone(),
                data,
                missing: vec![false; column.len()],
            };
            replace_column(&mut out, name, filled);
        }
        Ok(out)
    }

    fn lower(&self, lowering: &mut Lowering) -> Result<(), OpError> {
        for (name, fill) in &self.fills {
            let x = lowered_column(OP, lowering, name)?;
            let value = match fill {
                Fill::Number(v) => *v as f32,
                Fill::Level { code, .. } => *code as f32,
            };
            let node = lowering
                .builder
                .push(Op::FillNan {
                    x,
                    values: vec![value],
                })
                .map_err(lowering_error(OP))?;
            set_lowered_column(lowering, name, node);
        }
        Ok(())
    }
}
