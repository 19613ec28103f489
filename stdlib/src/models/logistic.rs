//! `logistic_regression`: L2-penalised logistic regression with scikit-learn's
//! objective (`C Σ logloss + ½‖W‖²`, intercepts unpenalised), binary (one weight
//! vector, sigmoid) or multinomial (one weight vector per class, softmax),
//! minimised by [`lbfgs`](super::lbfgs).

use super::lbfgs::{self, LbfgsOptions};
use super::{check_training_data, to_f32};
use crate::op::{Estimator, FittedModel, Matrix, OpError, Target};
use crate::registry::{invalid, param_bool, param_f64, param_int};
use mlg_compiler::ir::{GraphBuilder, NodeId, Op};
use mlg_compiler::workflow::catalog::{Params, Task};

const OP: &str = "logistic_regression";

/// The `logistic_regression` model. Parameters: `c` (inverse penalty strength
/// `> 0`, default 1.0), `max_iter` (L-BFGS iterations, default 1000), `tol` (stop
/// when the max-norm of the gradient of the objective divided by the row count is
/// at most this, default 1e-8), `fit_intercept` (default true).
///
/// Fitting minimises `C Σ_i logloss_i + ½‖W‖²` over the classes present in the
/// training rows (at least two): with two classes one weight vector and
/// `p = sigmoid(w·x + b)`; with more, one weight vector per class and a softmax
/// (symmetric parametrisation, intercepts centred to sum 0). Predictions are
/// class codes into the target's labels; classes absent from training get
/// probability 0.
#[derive(Clone, Debug, PartialEq)]
pub struct LogisticRegression {
    pub c: f64,
    pub max_iter: usize,
    pub tol: f64,
    pub fit_intercept: bool,
}

impl LogisticRegression {
    /// Reads the checked parameters; `c <= 0`, `max_iter < 1` or `tol < 0` are errors.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        let c = param_f64(OP, params, "c", 1.0)?;
        if !(c > 0.0 && c.is_finite()) {
            return Err(invalid(OP, format!("c must be a finite number > 0, got {c}")));
        }
        let max_iter = param_int(OP, params, "max_iter")?.unwrap_or(1000);
        if max_iter < 1 {
            return Err(invalid(
                OP,
                format!("max_iter must be at least 1, got {max_iter}"),
            ));
        }
        let tol = param_f64(OP, params, "tol", 1e-8)?;
        if tol.is_nan() || tol < 0.0 {
            return Err(invalid(OP, format!("tol must be >= 0, got {tol}")));
        }
        let fit_intercept = param_bool(OP, params, "fit_intercept", true)?;
        Ok(LogisticRegression {
            c,
            max_iter: usize::try_from(max_iter).unwrap_or(usize::MAX),
            tol,
            fit_intercept,
        })
    }
}

impl Estimator for LogisticRegression {
    fn task(&self) -> Task {
        Task::Classification
    }

    fn fit(&self, x: &Matrix, y: &Target) -> Result<Box<dyn FittedModel>, OpError> {
        Ok(Box::new(self.fit_logistic(x, y)?))
    }
}

impl LogisticRegression {
    /// [`Estimator::fit`] with the concrete fitted type (coefficients,
    /// probabilities, convergence state). Errors on a non-class target, fewer
    /// than two classes in `y`, or non-finite features.
    pub fn fit_logistic(&self, x: &Matrix, y: &Target) -> Result<FittedLogistic, OpError> {
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
        if classes.len() < 2 {
            return Err(invalid(
                OP,
                format!(
                    "the training rows hold {} class(es); at least 2 are needed",
                    classes.len()
                ),
            ));
        }
        let index: Vec<usize> = codes
            .iter()
            .map(|c| classes.binary_search(c).unwrap_or_default())
            .collect();
        let (d, n) = (x.cols, x.rows as f64);
        let k = if classes.len() == 2 { 1 } else { classes.len() };
        let n_params = k * d + if self.fit_intercept { k } else { 0 };
        let penalty = 1.0 / (self.c * n);
        let objective = |p: &[f64], g: &mut [f64]| {
            if k == 1 {
                binary_objective(x, &index, self.fit_intercept, penalty, p, g)
            } else {
                multinomial_objective(x, &index, k, self.fit_intercept, penalty, p, g)
            }
        };
        let options = LbfgsOptions {
            memory: 10,
            max_iter: self.max_iter,
            tol: self.tol,
        };
        let result = lbfgs::minimize(objective, vec![0.0; n_params], &options);
        if result.x.iter().any(|v| !v.is_finite()) {
            return Err(invalid(OP, "optimisation diverged (non-finite coefficients)"));
        }
        let weights = result.x[..k * d].to_vec();
        let mut intercepts = if self.fit_intercept {
            result.x[k * d..].to_vec()
        } else {
            vec![0.0; k]
        };
        if k > 1 {
            // Softmax is invariant to a shift of all intercepts; fix the sum at 0.
            let mean = intercepts.iter().sum::<f64>() / k as f64;
            intercepts.iter_mut().for_each(|b| *b -= mean);
        }
        Ok(FittedLogistic {
            n_features: d,
            n_labels: labels.len(),
            classes,
            weights,
            intercepts,
            iterations: result.iterations,
            converged: result.converged,
            grad_max: result.grad_max,
        })
    }
}

/// `(1/n) Σ logloss + penalty/2 ‖w‖²` for one weight vector (layout
/// `[w (d), b]`); writes the gradient into `g`.
fn binary_objective(x: &Matrix, y: &[usize], intercept: bool, penalty: f64, p: &[f64], g: &mut [f64]) -> f64 {
    let d = x.cols;
    let b = if intercept { p[d] } else { 0.0 };
    g.iter_mut().for_each(|v| *v = 0.0);
    let mut loss = 0.0;
    for (i, &yi) in y.iter().enumerate() {
        let row = x.row(i);
        let z = b + row.iter().zip(&p[..d]).map(|(a, w)| a * w).sum::<f64>();
        // log(1 + e^z) - y z, computed without overflow.
        loss += z.max(0.0) + (-z.abs()).exp().ln_1p() - if yi == 1 { z } else { 0.0 };
        let r = sigmoid(z) - yi as f64;
        g[..d].iter_mut().zip(row).for_each(|(gj, a)| *gj += r * a);
        if intercept {
            g[d] += r;
        }
    }
    finish_objective(loss, y.len() as f64, penalty, d, p, g)
}

/// `(1/n) Σ softmax cross-entropy + penalty/2 ‖W‖²` for `k` weight vectors
/// (layout `[W (k×d row-major), b (k)]`); writes the gradient into `g`.
fn multinomial_objective(
    x: &Matrix,
    y: &[usize],
    k: usize,
    intercept: bool,
    penalty: f64,
    p: &[f64],
    g: &mut [f64],
) -> f64 {
    let d = x.cols;
    g.iter_mut().for_each(|v| *v = 0.0);
    let mut z = vec![0.0; k];
    let mut loss = 0.0;
    for (i, &yi) in y.iter().enumerate() {
        let row = x.row(i);
        for (c, zc) in z.iter_mut().enumerate() {
            let b = if intercept { p[k * d + c] } else { 0.0 };
            *zc = b + row
                .iter()
                .zip(&p[c * d..(c + 1) * d])
                .map(|(a, w)| a * w)
                .sum::<f64>();
        }
        let lse = log_sum_exp(&z);
        loss += lse - z[yi];
        for c in 0..k {
            let r = (z[c] - lse).exp() - if c == yi { 1.0 } else { 0.0 };
            g[c * d..(c + 1) * d]
                .iter_mut()
                .zip(row)
                .for_each(|(gj, a)| *gj += r * a);
            if intercept {
                g[k * d + c] += r;
            }
        }
    }
    finish_objective(loss, y.len() as f64, penalty, k * d, p, g)
}

/// Divides the data term and its gradient by `n` and adds the penalty on the
/// first `n_weights` parameters (the intercepts follow them, unpenalised).
fn finish_objective(loss: f64, n: f64, penalty: f64, n_weights: usize, p: &[f64], g: &mut [f64]) -> f64 {
    g.iter_mut().for_each(|v| *v /= n);
    let mut sq = 0.0;
    for j in 0..n_weights {
        g[j] += penalty * p[j];
        sq += p[j] * p[j];
    }
    loss / n + 0.5 * penalty * sq
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

fn log_sum_exp(z: &[f64]) -> f64 {
    let m = z.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
    m + z.iter().map(|v| (v - m).exp()).sum::<f64>().ln()
}

/// A fitted logistic regression.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedLogistic {
    pub n_features: usize,
    /// Number of target labels (width of the probability output).
    pub n_labels: usize,
    /// Class codes seen in training, ascending; the model's classes.
    pub classes: Vec<u32>,
    /// Row-major `k × n_features`: `k = 1` (weights of `classes[1]`) for two
    /// classes, else one row per class.
    pub weights: Vec<f64>,
    /// One intercept per weight row.
    pub intercepts: Vec<f64>,
    pub iterations: usize,
    pub converged: bool,
    /// Max-norm of the (row-averaged) objective's gradient at the solution.
    pub grad_max: f64,
}

impl FittedLogistic {
    fn scores(&self, row: &[f64]) -> Vec<f64> {
        self.intercepts
            .iter()
            .enumerate()
            .map(|(c, b)| {
                b + row
                    .iter()
                    .zip(&self.weights[c * self.n_features..])
                    .map(|(a, w)| a * w)
                    .sum::<f64>()
            })
            .collect()
    }

    /// Class probabilities, row-major `x.rows × n_labels` (0 for classes absent
    /// from training).
    pub fn predict_proba(&self, x: &Matrix) -> Vec<f64> {
        let mut out = vec![0.0; x.rows * self.n_labels];
        for i in 0..x.rows {
            let z = self.scores(x.row(i));
            let probs: Vec<f64> = if z.len() == 1 {
                let p1 = sigmoid(z[0]);
                vec![1.0 - p1, p1]
            } else {
                let lse = log_sum_exp(&z);
                z.iter().map(|v| (v - lse).exp()).collect()
            };
            for (c, p) in self.classes.iter().zip(probs) {
                out[i * self.n_labels + *c as usize] = p;
            }
        }
        out
    }
}

impl FittedModel for FittedLogistic {
    fn predict(&self, x: &Matrix) -> Vec<f64> {
        (0..x.rows)
            .map(|i| {
                let z = self.scores(x.row(i));
                let best = if z.len() == 1 {
                    usize::from(z[0] > 0.0)
                } else {
                    // First maximum wins, like the IR's Argmax.
                    z.iter()
                        .enumerate()
                        .fold(0, |best, (c, v)| if *v > z[best] { c } else { best })
                };
                self.classes[best] as f64
            })
            .collect()
    }

    /// Binary: `z = Affine(1×d)`, `p1 = sigmoid(z)`, `p0 = 1 - p1`, `proba =
    /// Concat` in label order; multinomial: `proba = Softmax(Affine(k×d))`
    /// (placed into label order by a 0/1 `Affine` when some labels were absent
    /// from training). Then `class = Argmax(proba)`.
    fn lower(&self, builder: &mut GraphBuilder, features: NodeId) -> Result<Vec<(String, NodeId)>, OpError> {
        let err = |source| OpError::Lowering {
            op: OP.to_string(),
            source,
        };
        let width = builder.width(features) as usize;
        if width != self.n_features {
            return Err(invalid(
                OP,
                format!(
                    "feature vector has width {width}, the model was fitted on {} features",
                    self.n_features
                ),
            ));
        }
        let z = builder
            .push(Op::Affine {
                x: features,
                weights: to_f32(&self.weights),
                bias: to_f32(&self.intercepts),
                missing: Vec::new(),
            })
            .map_err(err)?;
        super::lower_class_head(builder, OP, z, &self.classes, self.n_labels)
    }

    /// The weight rows (`k × n_features`; one row for two classes).
    fn coefficients(&self) -> Option<Vec<Vec<f64>>> {
        Some(
            self.weights
                .chunks(self.n_features.max(1))
                .map(<[f64]>::to_vec)
                .collect(),
        )
    }

    /// Sum of `|w|` over the weight rows, per feature.
    fn importances(&self) -> Option<Vec<f64>> {
        self.coefficients()
            .map(|rows| crate::op::column_sums(&rows, f64::abs))
    }
}
