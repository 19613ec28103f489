//! `gaussian_nb`: Gaussian naive Bayes with scikit-learn's `GaussianNB`
//! semantics (class-frequency priors, per-class population variances plus
//! `var_smoothing` times the largest feature variance), lowered as an `Affine`
//! over `[x, x²]` followed by a softmax.

use super::{check_feature_width, check_training_data, first_argmax, to_f32};
use crate::catalog::{p, POSITIVE};
use crate::op::{boxed_model, Estimator, FittedModel, Matrix, OpError, Target};
use crate::operators::OperatorDef;
use crate::registry::{invalid, param_f64};
use mlg_compiler::ir::{BinaryOp, GraphBuilder, NodeId, Op};
use mlg_compiler::workflow::catalog::{Default, OpKind, OpSpec, Params, Task};

const OP: &str = "gaussian_nb";

/// The `gaussian_nb` model's definition.
pub(crate) const DEFS: &[OperatorDef] = &[OperatorDef::estimator(
    OpSpec {
        name: OP,
        kind: OpKind::Model {
            task: Task::Classification,
        },
        summary: "Gaussian naive Bayes (scikit-learn's GaussianNB), class-frequency priors",
        params: &[p(
            "var_smoothing",
            POSITIVE,
            Default::Float(1e-9),
            "share of the largest feature variance added to every class variance",
        )],
    },
    |params| boxed_model(GaussianNb::new(params)),
)
.with_details(
    "Lowered as an affine map over `[x, x²]` and a softmax. It has no coefficients, so it cannot rank \
         columns in `rfe` or `select_from_model`.",
)];

/// The `gaussian_nb` model. Parameter: `var_smoothing` (`>= 0`, default 1e-9):
/// `var_smoothing × max_j Var(X_j)` (population variance over all training rows)
/// is added to every per-class variance.
///
/// Fitting keeps the classes present in the training rows (at least one), each
/// with prior = its share of the rows, per-feature mean and population variance.
/// The joint log-likelihood of class `c` is
/// `log prior_c − ½ Σ_j log(2π σ²_cj) − ½ Σ_j (x_j − μ_cj)² / σ²_cj`;
/// probabilities are its softmax and the prediction its argmax (first maximum on
/// ties). Classes absent from training get probability 0.
#[derive(Clone, Debug, PartialEq)]
pub struct GaussianNb {
    /// The share of the largest feature variance added to every per-class variance, `>= 0`.
    pub var_smoothing: f64,
}

impl GaussianNb {
    /// Reads the checked parameters; a negative or non-finite `var_smoothing`
    /// is an error.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        let var_smoothing = param_f64(OP, params, "var_smoothing", 1e-9)?;
        if !(var_smoothing >= 0.0 && var_smoothing.is_finite()) {
            return Err(invalid(
                OP,
                format!("var_smoothing must be a finite number >= 0, got {var_smoothing}"),
            ));
        }
        Ok(GaussianNb { var_smoothing })
    }

    /// [`Estimator::fit`] with the concrete fitted type (means, variances,
    /// priors). Errors on a non-class target, out-of-range class codes,
    /// non-finite features, or a zero variance left after smoothing (only
    /// possible with `var_smoothing = 0` or constant training features).
    pub fn fit_nb(&self, x: &Matrix, y: &Target) -> Result<FittedGaussianNb, OpError> {
        check_training_data(OP, x, y)?;
        let Target::Classes { codes, labels } = y else {
            return Err(invalid(
                OP,
                "needs class labels; use a regressor for a numeric target",
            ));
        };
        if let Some(&bad) = codes.iter().find(|&&c| c as usize >= labels.len()) {
            return Err(invalid(
                OP,
                format!("class code {bad} out of range for {} labels", labels.len()),
            ));
        }
        let mut classes: Vec<u32> = codes.clone();
        classes.sort_unstable();
        classes.dedup();
        let (d, k) = (x.cols, classes.len());
        let all_rows: Vec<usize> = (0..x.rows).collect();
        let (_, overall_var) = mean_var(x, &all_rows);
        let epsilon = self.var_smoothing * overall_var.iter().fold(0.0f64, |a, &b| a.max(b));
        let mut means = Vec::with_capacity(k * d);
        let mut variances = Vec::with_capacity(k * d);
        let mut priors = Vec::with_capacity(k);
        for &class in &classes {
            let rows: Vec<usize> = (0..x.rows).filter(|&i| codes[i] == class).collect();
            let (mean, var) = mean_var(x, &rows);
            if let Some(j) = var.iter().position(|&v| v + epsilon <= 0.0) {
                return Err(invalid(
                    OP,
                    format!(
                        "feature {j} has zero variance in class `{}`; use var_smoothing > 0",
                        labels[class as usize]
                    ),
                ));
            }
            means.extend(mean);
            variances.extend(var.iter().map(|v| v + epsilon));
            priors.push(rows.len() as f64 / x.rows as f64);
        }
        Ok(FittedGaussianNb {
            n_features: d,
            n_labels: labels.len(),
            classes,
            means,
            variances,
            priors,
            epsilon,
        })
    }
}

impl Estimator for GaussianNb {
    fn task(&self) -> Task {
        Task::Classification
    }

    fn fit(&self, x: &Matrix, y: &Target) -> Result<Box<dyn FittedModel>, OpError> {
        Ok(Box::new(self.fit_nb(x, y)?))
    }
}

/// Per-column mean and population variance (two passes) over the rows `rows`
/// (non-empty) of `x`.
fn mean_var(x: &Matrix, rows: &[usize]) -> (Vec<f64>, Vec<f64>) {
    let n = rows.len() as f64;
    let mut mean = vec![0.0; x.cols];
    for &i in rows {
        mean.iter_mut().zip(x.row(i)).for_each(|(m, v)| *m += v);
    }
    mean.iter_mut().for_each(|m| *m /= n);
    let mut var = vec![0.0; x.cols];
    for &i in rows {
        var.iter_mut()
            .zip(x.row(i))
            .zip(&mean)
            .for_each(|((s, v), m)| *s += (v - m) * (v - m));
    }
    var.iter_mut().for_each(|s| *s /= n);
    (mean, var)
}

/// A fitted Gaussian naive Bayes classifier.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedGaussianNb {
    /// The input width the model was fitted on.
    pub n_features: usize,
    /// Number of target labels (width of the probability output).
    pub n_labels: usize,
    /// Class codes seen in training, ascending; the model's classes.
    pub classes: Vec<u32>,
    /// Row-major `k × n_features` per-class feature means (scikit-learn's `theta_`).
    pub means: Vec<f64>,
    /// Row-major `k × n_features` smoothed per-class variances (`var_`).
    pub variances: Vec<f64>,
    /// Per-class priors, the class frequencies (`class_prior_`).
    pub priors: Vec<f64>,
    /// The smoothing added to every variance (`epsilon_`).
    pub epsilon: f64,
}

impl FittedGaussianNb {
    /// Joint log-likelihood of each training class for `row`.
    fn jll(&self, row: &[f64]) -> Vec<f64> {
        let d = self.n_features;
        self.priors
            .iter()
            .enumerate()
            .map(|(c, prior)| {
                let mean = &self.means[c * d..(c + 1) * d];
                let var = &self.variances[c * d..(c + 1) * d];
                let mut norm = 0.0;
                let mut dist = 0.0;
                for j in 0..d {
                    norm += (2.0 * std::f64::consts::PI * var[j]).ln();
                    dist += (row[j] - mean[j]) * (row[j] - mean[j]) / var[j];
                }
                prior.ln() - 0.5 * norm - 0.5 * dist
            })
            .collect()
    }

    /// Class probabilities, row-major `x.rows × n_labels` (0 for classes absent
    /// from training).
    pub fn predict_proba(&self, x: &Matrix) -> Vec<f64> {
        let mut out = vec![0.0; x.rows * self.n_labels];
        for i in 0..x.rows {
            let z = self.jll(x.row(i));
            let m = z.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
            let lse = m + z.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
            for (c, v) in self.classes.iter().zip(&z) {
                out[i * self.n_labels + *c as usize] = (v - lse).exp();
            }
        }
        out
    }

    /// The expanded quadratic `jll_c(x) = Σ_j (a_cj x_j² + b_cj x_j) + k_c`:
    /// row-major `k × 2d` weights (`b` for the `x` half, then `a` for `x²`) and
    /// the `k` constants, in `f64`.
    pub fn quadratic(&self) -> (Vec<f64>, Vec<f64>) {
        let d = self.n_features;
        let mut weights = Vec::with_capacity(self.priors.len() * 2 * d);
        let mut consts = Vec::with_capacity(self.priors.len());
        for (c, prior) in self.priors.iter().enumerate() {
            let mean = &self.means[c * d..(c + 1) * d];
            let var = &self.variances[c * d..(c + 1) * d];
            weights.extend(mean.iter().zip(var).map(|(m, v)| m / v));
            weights.extend(var.iter().map(|v| -0.5 / v));
            let mut k = prior.ln();
            for j in 0..d {
                k -= 0.5 * (2.0 * std::f64::consts::PI * var[j]).ln();
                k -= 0.5 * mean[j] * mean[j] / var[j];
            }
            consts.push(k);
        }
        (weights, consts)
    }
}

impl FittedModel for FittedGaussianNb {
    fn predict(&self, x: &Matrix) -> Vec<f64> {
        (0..x.rows)
            .map(|i| f64::from(self.classes[first_argmax(&self.jll(x.row(i)))]))
            .collect()
    }

    /// `sq = x * x`, `z = Concat[x, sq]`, `jll = Affine(z, k × 2d, k)` (see
    /// [`FittedGaussianNb::quadratic`], rounded to `f32`), `proba =
    /// Softmax(jll)` (placed into label order by a 0/1 `Affine` when some
    /// labels were absent from training), `class = Argmax(proba)`.
    fn lower(&self, builder: &mut GraphBuilder, features: NodeId) -> Result<Vec<(String, NodeId)>, OpError> {
        let err = |source| OpError::Lowering {
            op: OP.to_string(),
            source,
        };
        check_feature_width(builder, OP, features, self.n_features)?;
        let sq = builder.binary(BinaryOp::Mul, features, features).map_err(err)?;
        let z = builder
            .push(Op::Concat {
                parts: vec![features, sq],
            })
            .map_err(err)?;
        let (weights, consts) = self.quadratic();
        let jll = builder
            .push(Op::Affine {
                x: z,
                weights: to_f32(&weights),
                bias: to_f32(&consts),
                missing: Vec::new(),
            })
            .map_err(err)?;
        super::lower_class_head(builder, OP, jll, &self.classes, self.n_labels)
    }
}
