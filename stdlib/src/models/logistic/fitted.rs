//! The fitted `logistic_regression` model: probabilities, predictions, and its
//! lowering into the inference IR (an `Affine` score layer and the shared
//! classifier head).

use super::objective::{log_sum_exp, sigmoid};
use super::OP;
use crate::models::{check_feature_width, predicted_class, to_f32};
use crate::op::{FittedModel, Matrix, OpError};
use mlg_compiler::ir::{GraphBuilder, NodeId, Op};

/// A fitted logistic regression.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedLogistic {
    /// The input width the model was fitted on.
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
    /// Solver iterations (L-BFGS / CG line searches, Newton steps, SGD epochs).
    pub iterations: usize,
    /// Whether the solver met its stopping rule before `max_iter`.
    pub converged: bool,
    /// Max-norm of the (row-averaged) objective's gradient at the solution; of
    /// its minimum-norm subgradient with the `l1` penalty.
    pub grad_max: f64,
    /// scikit-learn's objective on the training rows at the solution:
    /// `C Σ logloss + ½‖W‖²` (`l2`), `C Σ logloss + ‖W‖₁` (`l1`) or
    /// `C Σ logloss` (`none`).
    pub objective: f64,
    /// The same objective on the mean-loss scale, `objective / (C n)`.
    pub mean_objective: f64,
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
            .map(|i| predicted_class(&self.scores(x.row(i)), &self.classes))
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
        check_feature_width(builder, OP, features, self.n_features)?;
        let z = builder
            .push(Op::Affine {
                x: features,
                weights: to_f32(&self.weights),
                bias: to_f32(&self.intercepts),
                missing: Vec::new(),
            })
            .map_err(err)?;
        crate::models::lower_class_head(builder, OP, z, &self.classes, self.n_labels)
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
