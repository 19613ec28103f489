//! The training set as the tree builders read it: features rounded to `f32`
//! and stored column-major, the target as class indices or values, and the
//! optional quantile bins; prepared once per fit and shared by every tree of
//! a forest. Also scikit-learn's `"balanced"` class weights.

use super::bins::Bins;
use crate::models::check_training_data;
use crate::op::{Matrix, OpError, Target};
use crate::registry::invalid;
use mlg_runtime::collective::Collective;

/// The target of a tree fit.
#[derive(Clone, Debug)]
pub(crate) enum Labels {
    /// Class index per row, `width` classes (the labels).
    Classes { codes: Vec<u32>, width: usize },
    /// Finite value per row.
    Values(Vec<f64>),
}

/// A checked training set. Invariant: `cols.len() == n * d`, every value
/// finite, one label per row, class codes below `width`.
#[derive(Clone, Debug)]
pub(crate) struct TreeData {
    pub n: usize,
    pub d: usize,
    /// Feature `j` of row `r` at `cols[j * n + r]`, rounded to `f32`.
    pub cols: Vec<f32>,
    pub labels: Labels,
    /// Quantile bins of every feature (hist splitter only).
    pub bins: Option<Bins>,
}

impl TreeData {
    /// Checks `x` and `y` for operator `op` (a classifier needs class labels,
    /// a regressor finite values; `other` names the model to use instead) and
    /// stores them column-major; `binned` also builds the quantile bins.
    pub(crate) fn new(
        op: &str,
        other: &str,
        x: &Matrix,
        y: &Target,
        classifier: bool,
        binned: bool,
    ) -> Result<Self, OpError> {
        check_training_data(op, x, y)?;
        let labels = match (y, classifier) {
            (Target::Classes { codes, labels }, true) => {
                if let Some(&bad) = codes.iter().find(|&&c| c as usize >= labels.len()) {
                    return Err(invalid(
                        op,
                        format!("class code {bad} out of range for {} labels", labels.len()),
                    ));
                }
                Labels::Classes {
                    codes: codes.clone(),
                    width: labels.len(),
                }
            }
            (Target::Values(v), false) => {
                if let Some(row) = v.iter().position(|t| !t.is_finite()) {
                    return Err(invalid(op, format!("target of row {row} is missing or infinite")));
                }
                Labels::Values(v.clone())
            }
            (_, true) => {
                return Err(invalid(
                    op,
                    format!("needs class labels; use {other} for a numeric target"),
                ))
            }
            (_, false) => {
                return Err(invalid(
                    op,
                    format!("needs a numeric target; use {other} for class labels"),
                ))
            }
        };
        let (n, d) = (x.rows, x.cols);
        if u32::try_from(n).is_err() {
            return Err(invalid(
                op,
                format!("{n} training rows exceed the supported 2^32"),
            ));
        }
        let mut cols = vec![0.0f32; n * d];
        for (i, row) in x.data.chunks_exact(d.max(1)).enumerate().take(n) {
            for (j, &v) in row.iter().enumerate() {
                cols[j * n + i] = v as f32;
            }
        }
        let mut data = TreeData {
            n,
            d,
            cols,
            labels,
            bins: None,
        };
        if binned {
            data.bins = Some(Bins::new(&data.cols, n, d));
        }
        Ok(data)
    }

    /// Feature `j` of every row.
    pub(crate) fn col(&self, j: usize) -> &[f32] {
        &self.cols[j * self.n..(j + 1) * self.n]
    }

    /// Number of leaf values: classes, or 1 for a regressor.
    pub(crate) fn width(&self) -> usize {
        match &self.labels {
            Labels::Classes { width, .. } => *width,
            Labels::Values(_) => 1,
        }
    }

    /// Builds the quantile bins from the rows of every rank of `comm`, this
    /// rank holding `self` ([`Bins::gathered`]).
    pub(crate) fn bin_over(&mut self, comm: &dyn Collective) {
        self.bins = Some(Bins::gathered(comm, &self.cols, self.n, self.d));
    }

    /// Row weights `base[r] · class weight` for a classifier under
    /// `"balanced"` weights computed from `base` (multiplicities, e.g.
    /// bootstrap counts) of the rows of every rank of `comm` (this rank's
    /// alone when `None`); `base` unchanged otherwise.
    pub(crate) fn balance(&self, base: &mut [f64], comm: Option<&dyn Collective>) {
        if let Labels::Classes { codes, width } = &self.labels {
            let per_class = class_weights_over(comm, codes, base, *width);
            for (w, &c) in base.iter_mut().zip(codes) {
                *w *= per_class[c as usize];
            }
        }
    }
}

/// scikit-learn's `compute_class_weight("balanced")` over rows weighted by
/// `base`: class `c` weighs `Σ base / (k · Σ_{c} base)` with `k` the number of
/// classes present; absent classes weigh 0. The sums run over the rows of
/// every rank of `comm` (this rank holding `codes` and `base`; only this
/// rank's when `None`).
pub(crate) fn class_weights_over(
    comm: Option<&dyn Collective>,
    codes: &[u32],
    base: &[f64],
    width: usize,
) -> Vec<f64> {
    let mut counts = vec![0.0; width];
    for (&c, &w) in codes.iter().zip(base) {
        counts[c as usize] += w;
    }
    if let Some(comm) = comm {
        comm.all_reduce_f64(&mut counts);
    }
    let total: f64 = counts.iter().sum();
    let present = counts.iter().filter(|&&c| c > 0.0).count() as f64;
    counts
        .iter()
        .map(|&c| if c > 0.0 { total / (present * c) } else { 0.0 })
        .collect()
}
