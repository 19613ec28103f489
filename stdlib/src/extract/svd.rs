//! `truncated_svd`: projection of the (uncentred) columns on their top right
//! singular vectors, like scikit-learn's `TruncatedSVD`.

use super::{check_count, data_matrix, sym_eigen, FittedProjection};
use crate::op::{FittedTransform, OpError, Target, Transform};
use crate::registry::{invalid, param_int};
use faer::Mat;
use mlg_compiler::workflow::catalog::Params;
use mlg_runtime::frame::Frame;

const OP: &str = "truncated_svd";

/// The `truncated_svd` features step. Parameter: `n` (int ≥ 1, default 2, at
/// most the number of selected columns). Fitting (training rows must have no
/// missing values) learns the top `n` right singular vectors of the raw
/// training matrix `X` (no centring), computed exactly as eigenvectors of
/// `XᵀX` — scikit-learn's `algorithm="arpack"` up to solver precision — each
/// signed so that its largest-magnitude entry is positive (scikit-learn ≥ 1.5).
/// Transforming replaces the selected columns, at the first one's position, by
/// `svd1 ..= svdN` = `x · component`; a row with a missing input gives NaN in
/// every output.
#[derive(Clone, Debug, PartialEq)]
pub struct TruncatedSvd {
    /// The number of components kept.
    pub n: usize,
}

impl TruncatedSvd {
    /// Reads the checked parameters; `n < 1` is an error.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        match param_int(OP, params, "n")?.unwrap_or(2) {
            n if n >= 1 => Ok(TruncatedSvd {
                n: usize::try_from(n).unwrap_or(usize::MAX),
            }),
            n => Err(invalid(OP, format!("parameter `n` must be at least 1, got {n}"))),
        }
    }

    /// Fits the projection and returns it with the singular values of all
    /// `d` components (largest first).
    pub fn fit_svd(
        &self,
        frame: &Frame,
        selected: &[String],
    ) -> Result<(FittedProjection, Vec<f64>), OpError> {
        let x = data_matrix(OP, frame, selected)?;
        let n = check_count(OP, self.n, x.ncols(), "the number of selected columns")?;
        let gram: Mat<f64> = x.transpose() * &x;
        let (eigenvalues, components) = sym_eigen(OP, &gram)?;
        let singular = eigenvalues.iter().map(|v| v.sqrt()).collect();
        let weights = components.into_iter().take(n).collect();
        let mean = vec![0.0; x.ncols()];
        Ok((
            FittedProjection::new(OP, "svd", selected, mean, weights),
            singular,
        ))
    }
}

impl Transform for TruncatedSvd {
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        _target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        Ok(Box::new(self.fit_svd(frame, selected)?.0))
    }
}
