//! The fitted perceptron: dense layers, prediction in `f64`, and lowering to
//! `Affine` layers with elementwise activations and the classifier head.

use super::{log_sum_exp, op_name, sigmoid, Activation};
use crate::models::{check_feature_width, predicted_class, to_f32};
use crate::op::{FittedModel, Matrix, OpError};
use mlg_compiler::ir::{BinaryOp, GraphBuilder, NodeId, Op, UnaryFn};
use mlg_compiler::workflow::catalog::Task;

/// One dense layer: `out = W x + b` with `W` row-major `outputs × inputs`.
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    /// The layer's input width.
    pub inputs: usize,
    /// The layer's output width.
    pub outputs: usize,
    /// `W`, row-major `outputs × inputs`.
    pub weights: Vec<f64>,
    /// `b`, one per output.
    pub bias: Vec<f64>,
}

impl Layer {
    pub(super) fn forward(&self, input: &[f64], out: &mut [f64]) {
        for (o, slot) in out.iter_mut().enumerate() {
            let w = &self.weights[o * self.inputs..(o + 1) * self.inputs];
            *slot = self.bias[o] + w.iter().zip(input).map(|(a, b)| a * b).sum::<f64>();
        }
    }
}

/// A fitted multi-layer perceptron.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedMlp {
    /// Whether it classifies or regresses.
    pub task: Task,
    /// The hidden layers' activation.
    pub activation: Activation,
    /// The input width the model was fitted on.
    pub n_features: usize,
    /// Number of target labels (classifier's probability width; 0 for a regressor).
    pub n_labels: usize,
    /// Class codes seen in training, ascending (empty for a regressor).
    pub classes: Vec<u32>,
    /// Hidden layers then the output layer.
    pub layers: Vec<Layer>,
    /// Epochs run before stopping.
    pub epochs_run: usize,
    /// Mean training loss (penalty included) of the last epoch.
    pub loss: f64,
    /// Regressor only: the network predicts `(y - target_mean) / target_scale`
    /// (0 and 1 unless `scale_target`).
    pub target_mean: f64,
    /// The divisor of that scaling (1 unless `scale_target`).
    pub target_scale: f64,
    /// Best validation score (accuracy or R²) with `early_stopping`.
    pub validation_score: Option<f64>,
}

impl FittedMlp {
    /// Output-layer values before the output transform, for one row.
    fn raw_output(&self, row: &[f64]) -> Vec<f64> {
        let mut h = row.to_vec();
        let last = self.layers.len() - 1;
        for (l, layer) in self.layers.iter().enumerate() {
            let mut out = vec![0.0; layer.outputs];
            layer.forward(&h, &mut out);
            if l < last {
                out.iter_mut().for_each(|v| *v = self.activation.apply(*v));
            }
            h = out;
        }
        h
    }

    /// Class probabilities, row-major `x.rows × n_labels` (0 for classes absent
    /// from training); empty for a regressor.
    pub fn predict_proba(&self, x: &Matrix) -> Vec<f64> {
        if self.task != Task::Classification {
            return Vec::new();
        }
        let mut out = vec![0.0; x.rows * self.n_labels];
        for i in 0..x.rows {
            let z = self.raw_output(x.row(i));
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

    fn op(&self) -> &'static str {
        op_name(self.task)
    }
}

impl FittedModel for FittedMlp {
    fn fit_scores(&self) -> Vec<(String, f64)> {
        let mut scores = vec![("epochs".to_string(), self.epochs_run as f64)];
        if let Some(v) = self.validation_score {
            let name = match self.task {
                Task::Classification => "validation_accuracy",
                Task::Regression => "validation_r2",
            };
            scores.push((name.to_string(), v));
        }
        scores
    }

    fn predict(&self, x: &Matrix) -> Vec<f64> {
        (0..x.rows)
            .map(|i| {
                let z = self.raw_output(x.row(i));
                if self.task != Task::Classification {
                    return z[0] * self.target_scale + self.target_mean;
                }
                predicted_class(&z, &self.classes)
            })
            .collect()
    }

    /// Each layer is `Affine(W, b)`; hidden activations are `Max(h, 0)` (relu),
    /// `Sigmoid(h)` (logistic) or `2·Sigmoid(2h) − 1` (tanh). Classifier output:
    /// two classes `p1 = Sigmoid(z)`, `proba = [1 − p1, p1]` in label order; more
    /// `proba = Softmax(z)` (placed into label order when labels are absent);
    /// `class = Argmax(proba)`. Regressor output: `prediction = z`, or
    /// `z * target_scale + target_mean` when the target was standardised.
    fn lower(&self, builder: &mut GraphBuilder, features: NodeId) -> Result<Vec<(String, NodeId)>, OpError> {
        let op = self.op();
        let err = |source| OpError::Lowering {
            op: op.to_string(),
            source,
        };
        check_feature_width(builder, op, features, self.n_features)?;
        let mut h = features;
        let last = self.layers.len() - 1;
        for (l, layer) in self.layers.iter().enumerate() {
            h = builder
                .push(Op::Affine {
                    x: h,
                    weights: to_f32(&layer.weights),
                    bias: to_f32(&layer.bias),
                    missing: Vec::new(),
                })
                .map_err(err)?;
            if l == last {
                break;
            }
            let w = layer.outputs;
            h = match self.activation {
                Activation::Relu => {
                    let zero = builder.push(Op::Const { values: vec![0.0] }).map_err(err)?;
                    builder.binary(BinaryOp::Max, h, zero).map_err(err)?
                }
                Activation::Logistic => builder
                    .push(Op::Unary {
                        func: UnaryFn::Sigmoid,
                        x: h,
                    })
                    .map_err(err)?,
                Activation::Tanh => {
                    let doubled = builder
                        .push(Op::Scale {
                            x: h,
                            mul: vec![2.0; w],
                            add: vec![0.0; w],
                        })
                        .map_err(err)?;
                    let s = builder
                        .push(Op::Unary {
                            func: UnaryFn::Sigmoid,
                            x: doubled,
                        })
                        .map_err(err)?;
                    builder
                        .push(Op::Scale {
                            x: s,
                            mul: vec![2.0; w],
                            add: vec![-1.0; w],
                        })
                        .map_err(err)?
                }
            };
        }
        if self.task != Task::Classification {
            if self.target_scale != 1.0 || self.target_mean != 0.0 {
                h = builder
                    .push(Op::Scale {
                        x: h,
                        mul: vec![self.target_scale as f32],
                        add: vec![self.target_mean as f32],
                    })
                    .map_err(err)?;
            }
            return Ok(vec![("prediction".to_string(), h)]);
        }
        crate::models::lower_class_head(builder, op, h, &self.classes, self.n_labels)
    }
}
