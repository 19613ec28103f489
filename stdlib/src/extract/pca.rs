//! `pca` and `whiten`: projection of the centred columns on their principal
//! axes, like scikit-learn's `PCA` (optionally whitened).

use super::{check_count, data_matrix, sym_eigen, FittedProjection};
use crate::op::{FittedTransform, OpError, Target, Transform};
use crate::registry::{invalid, param_bool, param_f64, param_int};
use faer::Mat;
use mlg_compiler::workflow::catalog::Params;
use mlg_runtime::frame::Frame;

/// The `pca` features step (also `whiten`). Parameters: `n` (optional int ≥ 1,
/// at most the number of selected columns), `variance` (optional number in
/// `(0, 1]`; not together with `n`), `whiten` (bool, default false). Fitting
/// (training rows must have no missing values, at least two rows) learns the
/// column means and the eigenvectors of the sample covariance (ddof 1), largest
/// eigenvalue first; each component is signed so that its largest-magnitude
/// loading is positive (scikit-learn ≥ 1.5). The number of components is `n`,
/// else the fewest whose cumulative explained-variance ratio exceeds
/// `variance` (scikit-learn's rule; all of them when none does), else all `d`.
/// Transforming replaces the selected columns, at the first one's position, by
/// `pc1 ..= pcN` = `(x - mean) · component`, divided by `sqrt(explained
/// variance)` when whitening (a component with zero variance then outputs 0
/// where scikit-learn would divide by zero). A row with a missing input gives
/// NaN in every output. `whiten()` is `pca(whiten = true)` keeping all `d`
/// components, with outputs `w1 ..= wd`.
#[derive(Clone, Debug, PartialEq)]
pub struct Pca {
    /// The operator name used in errors (`pca` or `whiten`).
    pub op: &'static str,
    /// The new columns' name before their number (`pc` or `w`).
    pub prefix: &'static str,
    /// The number of components kept, when given.
    pub n: Option<usize>,
    /// When given, keep the fewest components whose cumulative explained-variance ratio exceeds it.
    pub variance: Option<f64>,
    /// Whether each output is divided by the square root of its component's variance.
    pub whiten: bool,
}

/// What [`Pca::fit_pca`] learns: the projection plus scikit-learn's
/// `components_`, `explained_variance_` and `explained_variance_ratio_` over
/// all `d` components (the projection uses the first `N`).
#[derive(Clone, Debug, PartialEq)]
pub struct PcaFit {
    /// The fitted step: the first `N` components as a projection.
    pub projection: FittedProjection,
    /// All `d` principal axes, by decreasing variance.
    pub components: Vec<Vec<f64>>,
    /// The variance along each axis.
    pub explained_variance: Vec<f64>,
    /// Each axis's share of the total variance.
    pub explained_variance_ratio: Vec<f64>,
}

impl Pca {
    /// Reads the checked parameters of `pca`; `n < 1`, `variance` outside
    /// `(0, 1]`, or both given, is an error.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        const OP: &str = "pca";
        let n = match param_int(OP, params, "n")? {
            None => None,
            Some(n) if n >= 1 => Some(usize::try_from(n).unwrap_or(usize::MAX)),
            Some(n) => return Err(invalid(OP, format!("parameter `n` must be at least 1, got {n}"))),
        };
        let variance = match params.get("variance") {
            None => None,
            Some(_) => Some(param_f64(OP, params, "variance", 1.0)?),
        };
        if let Some(v) = variance {
            if !(v > 0.0 && v <= 1.0) {
                return Err(invalid(
                    OP,
                    format!("parameter `variance` must be in (0, 1], got {v}"),
                ));
            }
            if n.is_some() {
                return Err(invalid(
                    OP,
                    "give either parameter `n` or parameter `variance`, not both",
                ));
            }
        }
        Ok(Pca {
            op: OP,
            prefix: "pc",
            n,
            variance,
            whiten: param_bool(OP, params, "whiten", false)?,
        })
    }

    /// The `whiten` features step (no parameters): whitened PCA keeping every
    /// component.
    pub fn whiten(_params: &Params) -> Result<Self, OpError> {
        Ok(Pca {
            op: "whiten",
            prefix: "w",
            n: None,
            variance: None,
            whiten: true,
        })
    }

    /// Fits the principal components of the `selected` columns of `frame`.
    pub fn fit_pca(&self, frame: &Frame, selected: &[String]) -> Result<PcaFit, OpError> {
        let x = data_matrix(self.op, frame, selected)?;
        let (rows, d) = (x.nrows(), x.ncols());
        if rows < 2 {
            return Err(invalid(
                self.op,
                format!("needs at least 2 training rows, got {rows}"),
            ));
        }
        let mean: Vec<f64> = (0..d)
            .map(|j| (0..rows).map(|i| x[(i, j)]).sum::<f64>() / rows as f64)
            .collect();
        let xc = Mat::from_fn(rows, d, |i, j| x[(i, j)] - mean[j]);
        let gram: Mat<f64> = xc.transpose() * &xc;
        let cov = Mat::from_fn(d, d, |i, j| gram[(i, j)] / (rows - 1) as f64);
        let (explained_variance, components) = sym_eigen(self.op, &cov)?;
        let total: f64 = explained_variance.iter().sum();
        let explained_variance_ratio: Vec<f64> = explained_variance
            .iter()
            .map(|v| if total > 0.0 { v / total } else { 0.0 })
            .collect();
        let n = match (self.n, self.variance) {
            (Some(n), _) => check_count(self.op, n, d, "the number of selected columns")?,
            (None, Some(v)) => {
                let mut cumulative = 0.0;
                let below = explained_variance_ratio
                    .iter()
                    .take_while(|r| {
                        cumulative += *r;
                        cumulative <= v
                    })
                    .count();
                (below + 1).min(d)
            }
            (None, None) => d,
        };
        let tiny = explained_variance[0] * f64::EPSILON * d as f64;
        let weights = components
            .iter()
            .zip(&explained_variance)
            .take(n)
            .map(|(c, &ev)| {
                let scale = match self.whiten {
                    false => 1.0,
                    true if ev > tiny => 1.0 / ev.sqrt(),
                    true => 0.0,
                };
                c.iter().map(|v| v * scale).collect()
            })
            .collect();
        Ok(PcaFit {
            projection: FittedProjection::new(self.op, self.prefix, selected, mean, weights),
            components,
            explained_variance,
            explained_variance_ratio,
        })
    }
}

impl Transform for Pca {
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        _target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        Ok(Box::new(self.fit_pca(frame, selected)?.projection))
    }
}
