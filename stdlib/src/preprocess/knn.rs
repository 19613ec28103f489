//! `impute(..., strategy = "knn", k = 5)`: k-nearest-neighbour imputation like
//! scikit-learn's `KNNImputer(n_neighbors=k, weights="uniform",
//! metric="nan_euclidean")` fitted on the training rows of the selected numeric
//! columns. Lowers to one [`Op::KnnImpute`] over the selected columns.

use super::{frame_column, lowered_column, lowering_error, replace_column, set_lowered_column};
use crate::op::{FittedTransform, Lowering, OpError};
use crate::registry::{column_error, invalid};
use mlg_compiler::ir::Op;
use mlg_runtime::frame::{Column, ColumnData, Frame};

const OP: &str = "impute";

/// Most training rows a fitted KNN imputer keeps: they are stored in the
/// inference graph and scanned for every row with a missing value.
pub const MAX_TRAINING_ROWS: usize = 50_000;

/// A fitted KNN imputer: the selected columns and their training rows.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedKnnImpute {
    /// The selected columns, in selection order (the coordinates of a row).
    pub columns: Vec<String>,
    /// `n_rows * columns.len()` training values, row-major, as `f32`; NaN = missing.
    pub train: Vec<f32>,
    /// Number of training rows.
    pub n_rows: usize,
    /// Neighbours averaged per missing value.
    pub k: u32,
}

/// The values of the numeric column `name` with missing entries as NaN, or an
/// error naming it when it is categorical.
fn numeric_values(frame: &Frame, name: &str) -> Result<Vec<f64>, OpError> {
    let column = frame_column(OP, frame, name)?;
    match &column.data {
        ColumnData::Numeric(values) => Ok(values
            .iter()
            .zip(&column.missing)
            .map(|(&v, &m)| if m { f64::NAN } else { v })
            .collect()),
        ColumnData::Categorical { .. } => Err(column_error(
            OP,
            name,
            "is categorical: strategy = \"knn\" needs numbers; use strategy = \"most_frequent\" or \"constant\"",
        )),
    }
}

/// Fits the KNN imputer on the selected columns of `frame`. Errors: a
/// categorical column, a column without any observed value (no fallback mean
/// exists), or more than [`MAX_TRAINING_ROWS`] rows.
pub fn fit_knn(frame: &Frame, selected: &[String], k: u32) -> Result<FittedKnnImpute, OpError> {
    if frame.n_rows > MAX_TRAINING_ROWS {
        return Err(invalid(
            OP,
            format!(
                "strategy = \"knn\" keeps every training row in the model, and {} rows exceed the limit of {MAX_TRAINING_ROWS}; use strategy = \"mean\" or \"median\"",
                frame.n_rows
            ),
        ));
    }
    let mut cols = Vec::with_capacity(selected.len());
    for name in selected {
        let values = numeric_values(frame, name)?;
        if values.iter().all(|v| v.is_nan()) {
            return Err(column_error(
                OP,
                name,
                "has no observed values in the training rows, so no neighbour can supply one",
            ));
        }
        cols.push(values);
    }
    let d = cols.len();
    let mut train = Vec::with_capacity(frame.n_rows * d);
    for i in 0..frame.n_rows {
        train.extend(cols.iter().map(|c| c[i] as f32));
    }
    Ok(FittedKnnImpute {
        columns: selected.to_vec(),
        train,
        n_rows: frame.n_rows,
        k,
    })
}

/// Imputes one row `x` (NaN = missing) in place, in `f64` over the row's values
/// rounded to `f32` (the stored training values are `f32`), with the algorithm of
/// [`mlg_compiler::ir::interp::knn_impute`] (squared `nan_euclidean` distance
/// scaled by `d / present`, the `min(k, n)` nearest rows with the column present
/// and a finite distance, ties to the lower row, their mean; the training mean
/// of the column when no row qualifies).
pub fn impute_row(x: &mut [f64], train: &[f32], k: u32, means: &[f64]) {
    let d = x.len();
    if d == 0 || !x.iter().any(|v| v.is_nan()) {
        return;
    }
    // Distances use the row rounded to f32, as the inference graph sees it, so
    // that equal values in the row and a training row are exactly equal.
    let orig: Vec<f64> = x.iter().map(|&v| f64::from(v as f32)).collect();
    let kk = (k as usize).min(train.len() / d).max(1);
    let mut best: Vec<(f64, f64)> = Vec::with_capacity(kk + 1);
    for j in 0..d {
        if !orig[j].is_nan() {
            continue;
        }
        best.clear();
        for t in train.chunks_exact(d) {
            if t[j].is_nan() {
                continue;
            }
            let (mut sum, mut count) = (0.0f64, 0.0f64);
            for (&a, &b) in orig.iter().zip(t) {
                if !a.is_nan() && !b.is_nan() {
                    let diff = a - f64::from(b);
                    sum += diff * diff;
                    count += 1.0;
                }
            }
            let e = (sum * d as f64) / count;
            let worst = if best.len() < kk {
                f64::INFINITY
            } else {
                best[kk - 1].0
            };
            if e < worst {
                let pos = best.partition_point(|&(b, _)| b <= e);
                best.insert(pos, (e, f64::from(t[j])));
                best.truncate(kk);
            }
        }
        x[j] = if best.is_empty() {
            means[j]
        } else {
            best.iter().map(|&(_, v)| v).sum::<f64>() / best.len() as f64
        };
    }
}

impl FittedTransform for FittedKnnImpute {
    fn transform(&self, frame: &Frame) -> Result<Frame, OpError> {
        self.impute_frame(frame)
    }

    fn lower(&self, lowering: &mut Lowering) -> Result<(), OpError> {
        self.lower_graph(lowering)
    }
}

impl FittedKnnImpute {
    /// Training mean of every column over its present values.
    fn means(&self) -> Vec<f64> {
        let d = self.columns.len();
        (0..d)
            .map(|j| {
                let present: Vec<f64> = self
                    .train
                    .chunks_exact(d)
                    .filter(|t| !t[j].is_nan())
                    .map(|t| f64::from(t[j]))
                    .collect();
                present.iter().sum::<f64>() / present.len() as f64
            })
            .collect()
    }

    /// Replaces the missing entries of the selected columns of `frame`.
    pub fn impute_frame(&self, frame: &Frame) -> Result<Frame, OpError> {
        let cols = self
            .columns
            .iter()
            .map(|name| numeric_values(frame, name))
            .collect::<Result<Vec<_>, _>>()?;
        let means = self.means();
        let mut filled: Vec<Vec<f64>> = cols.clone();
        let mut row = vec![0.0; cols.len()];
        for i in 0..frame.n_rows {
            for (r, c) in row.iter_mut().zip(&cols) {
                *r = c[i];
            }
            impute_row(&mut row, &self.train, self.k, &means);
            for (f, &v) in filled.iter_mut().zip(&row) {
                f[i] = v;
            }
        }
        let mut out = frame.clone();
        for (name, values) in self.columns.iter().zip(filled) {
            let missing = values.iter().map(|v| v.is_nan()).collect();
            let column = Column {
                name: name.clone(),
                data: ColumnData::Numeric(values),
                missing,
            };
            replace_column(&mut out, name, column);
        }
        Ok(out)
    }

    /// Emits one `KnnImpute` over the concatenated columns, then one width-1
    /// `Affine` with a one-hot weight row per column to expose each result.
    pub fn lower_graph(&self, lowering: &mut Lowering) -> Result<(), OpError> {
        let parts = self
            .columns
            .iter()
            .map(|name| lowered_column(OP, lowering, name))
            .collect::<Result<Vec<_>, _>>()?;
        let push = |lowering: &mut Lowering, op: Op| lowering.builder.push(op).map_err(lowering_error(OP));
        let x = push(lowering, Op::Concat { parts })?;
        let imputed = push(
            lowering,
            Op::KnnImpute {
                x,
                train: self.train.clone(),
                k: self.k,
            },
        )?;
        let d = self.columns.len();
        for (j, name) in self.columns.iter().enumerate() {
            let mut weights = vec![0.0f32; d];
            weights[j] = 1.0;
            let node = push(
                lowering,
                Op::Affine {
                    x: imputed,
                    weights,
                    bias: vec![0.0],
                    missing: Vec::new(),
                },
            )?;
            set_lowered_column(lowering, name, node);
        }
        Ok(())
    }
}
