//! `lda`: projection on the linear discriminant axes of a classification
//! target, like scikit-learn's `LinearDiscriminantAnalysis(solver="svd")`.

use super::{check_count, data_matrix, sign_fixed, FittedProjection};
use crate::op::{FittedTransform, OpError, Target, Transform};
use crate::registry::{invalid, param_int};
use faer::Mat;
use mlg_compiler::workflow::catalog::Params;
use mlg_runtime::frame::Frame;

const OP: &str = "lda";
/// scikit-learn's default `tol`: singular values at or below it count as zero.
const TOL: f64 = 1e-4;

/// The `lda` features step. Parameter: `n` (optional int, `1 ≤ n ≤
/// min(classes - 1, columns)` with `classes` counted among the training rows;
/// default that bound). Needs a classification target with at least two
/// classes and more training rows than classes, and training rows without
/// missing values. Fitting follows scikit-learn's SVD solver: class priors
/// (training frequencies), class means, the weighted overall mean `x̄`, a
/// whitening of the within-class scatter (singular values ≤ 1e-4 dropped), then
/// the SVD of the whitened, prior-weighted class means (relative tolerance
/// 1e-4). Transforming replaces the selected columns, at the first one's
/// position, by `ld1 ..= ldN` = `(x - x̄) · scaling_k`, the same values as
/// scikit-learn's `transform` up to the sign of each discriminant: here each
/// scaling vector is signed so that its largest-magnitude entry is positive.
/// When the discriminant rank is below `N`, the missing discriminants output 0.
/// A row with a missing input gives NaN in every output.
#[derive(Clone, Debug, PartialEq)]
pub struct Lda {
    /// The number of discriminants kept; `None`: `min(classes - 1, columns)`.
    pub n: Option<usize>,
}

impl Lda {
    /// Reads the checked parameters; `n < 1` is an error.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        match param_int(OP, params, "n")? {
            None => Ok(Lda { n: None }),
            Some(n) if n >= 1 => Ok(Lda {
                n: Some(usize::try_from(n).unwrap_or(usize::MAX)),
            }),
            Some(n) => Err(invalid(OP, format!("parameter `n` must be at least 1, got {n}"))),
        }
    }

    /// Fits the discriminant projection; also returns scikit-learn's
    /// `explained_variance_ratio_` (first `min(classes - 1, columns)` entries).
    pub fn fit_lda(
        &self,
        frame: &Frame,
        selected: &[String],
        target: &Target,
    ) -> Result<(FittedProjection, Vec<f64>), OpError> {
        let Target::Classes { codes, .. } = target else {
            return Err(invalid(OP, "needs a classification target"));
        };
        if codes.len() != frame.n_rows {
            return Err(invalid(
                OP,
                format!(
                    "the target has {} rows but the frame has {}",
                    codes.len(),
                    frame.n_rows
                ),
            ));
        }
        let x = data_matrix(OP, frame, selected)?;
        let (rows, d) = (x.nrows(), x.ncols());
        let mut present = codes.clone();
        present.sort_unstable();
        present.dedup();
        let k = present.len();
        if k < 2 || rows <= k {
            return Err(invalid(
                OP,
                format!("needs at least two classes and more rows than classes ({rows} rows, {k} classes)"),
            ));
        }
        let class: Vec<usize> = codes
            .iter()
            .map(|c| present.binary_search(c).unwrap_or(0))
            .collect();
        let max_components = (k - 1).min(d);
        let n_out = match self.n {
            Some(n) => check_count(OP, n, max_components, "min(classes - 1, columns)")?,
            None => max_components,
        };

        let mut counts = vec![0usize; k];
        let mut means = vec![vec![0.0; d]; k];
        for (i, &c) in class.iter().enumerate() {
            counts[c] += 1;
            for j in 0..d {
                means[c][j] += x[(i, j)];
            }
        }
        for (m, &cnt) in means.iter_mut().zip(&counts) {
            m.iter_mut().for_each(|v| *v /= cnt as f64);
        }
        let priors: Vec<f64> = counts.iter().map(|&c| c as f64 / rows as f64).collect();
        let xbar: Vec<f64> = (0..d)
            .map(|j| priors.iter().zip(&means).map(|(p, m)| p * m[j]).sum())
            .collect();

        // Within-class whitening: scale by the per-column std of the centred
        // data, then by the inverse singular values of that scaled matrix.
        let xc = Mat::from_fn(rows, d, |i, j| x[(i, j)] - means[class[i]][j]);
        let std: Vec<f64> = (0..d)
            .map(|j| {
                let col_mean = (0..rows).map(|i| xc[(i, j)]).sum::<f64>() / rows as f64;
                let var = (0..rows).map(|i| (xc[(i, j)] - col_mean).powi(2)).sum::<f64>() / rows as f64;
                if var.sqrt() == 0.0 {
                    1.0
                } else {
                    var.sqrt()
                }
            })
            .collect();
        // scikit-learn ≥ 1.2 scales the within-class data by 1/sqrt(n), not 1/sqrt(n - k).
        let fac = (1.0 / rows as f64).sqrt();
        let scaled = Mat::from_fn(rows, d, |i, j| fac * xc[(i, j)] / std[j]);
        let svd = scaled
            .thin_svd()
            .map_err(|e| invalid(OP, format!("singular value decomposition failed: {e:?}")))?;
        let (s, v) = (svd.S().column_vector(), svd.V());
        let rank = s.iter().filter(|&&sv| sv > TOL).count();
        if rank == 0 {
            return Err(invalid(
                OP,
                "the within-class scatter is zero; the classes carry no spread",
            ));
        }
        let scalings = Mat::from_fn(d, rank, |j, r| v[(j, r)] / std[j] / s[r]);

        // Between-class step on the whitened, prior-weighted class means.
        let between_fac = 1.0 / (k - 1) as f64;
        let centred_means = Mat::from_fn(k, d, |c, j| {
            (rows as f64 * priors[c] * between_fac).sqrt() * (means[c][j] - xbar[j])
        });
        let projected: Mat<f64> = &centred_means * &scalings;
        let svd2 = projected
            .thin_svd()
            .map_err(|e| invalid(OP, format!("singular value decomposition failed: {e:?}")))?;
        let (s2, v2) = (svd2.S().column_vector(), svd2.V());
        let s2: Vec<f64> = s2.iter().copied().collect();
        let total: f64 = s2.iter().map(|v| v * v).sum();
        let ratio: Vec<f64> = s2
            .iter()
            .take(max_components)
            .map(|v| if total > 0.0 { v * v / total } else { 0.0 })
            .collect();
        let rank2 = s2.iter().filter(|&&sv| sv > TOL * s2[0]).count();

        let weights = (0..n_out)
            .map(|r| {
                if r >= rank2 {
                    return vec![0.0; d];
                }
                let axis = (0..d)
                    .map(|j| (0..rank).map(|q| scalings[(j, q)] * v2[(q, r)]).sum())
                    .collect();
                sign_fixed(axis)
            })
            .collect();
        Ok((FittedProjection::new(OP, "ld", selected, xbar, weights), ratio))
    }
}

impl Transform for Lda {
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        Ok(Box::new(self.fit_lda(frame, selected, target)?.0))
    }
}
