//! `mlp_classifier` and `mlp_regressor`: multi-layer perceptrons trained by
//! mini-batch Adam, like scikit-learn's `MLPClassifier` / `MLPRegressor`
//! (Glorot-uniform initialisation, L2 penalty `alpha`, per-epoch shuffling and
//! the `tol` / 10-epoch no-improvement stopping rule). Classifiers minimise
//! softmax cross-entropy (one sigmoid output unit for two classes), regressors
//! half the mean squared error. Lowered as a chain of `Affine` layers with
//! elementwise activations.

use super::{check_training_data, to_f32};
use crate::eval::rng::SplitMix64;
use crate::op::{Estimator, FittedModel, Matrix, OpError, Target};
use crate::registry::{invalid, param_f64, param_int, param_str};
use mlg_compiler::ir::{BinaryOp, GraphBuilder, NodeId, Op, UnaryFn};
use mlg_compiler::workflow::catalog::{Params, Task};

const CLASSIFIER: &str = "mlp_classifier";
const REGRESSOR: &str = "mlp_regressor";
/// Epochs without an improvement of at least `tol` before training stops.
const N_ITER_NO_CHANGE: usize = 10;
const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const EPSILON: f64 = 1e-8;

/// Hidden-layer activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// `max(h, 0)`.
    Relu,
    /// `tanh(h)`.
    Tanh,
    /// `1 / (1 + e^-h)`.
    Logistic,
}

impl Activation {
    fn apply(self, h: f64) -> f64 {
        match self {
            Activation::Relu => h.max(0.0),
            Activation::Tanh => h.tanh(),
            Activation::Logistic => sigmoid(h),
        }
    }

    /// Derivative expressed through the activation's output `a`.
    fn derivative(self, a: f64) -> f64 {
        match self {
            Activation::Relu => {
                if a > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::Tanh => 1.0 - a * a,
            Activation::Logistic => a * (1.0 - a),
        }
    }
}

/// The `mlp_classifier` / `mlp_regressor` models. Parameters: `hidden` (layer
/// sizes as a comma-separated string, default `"100"`), `activation` (`relu`,
/// `tanh`, `logistic`), `alpha` (L2 penalty, default 1e-4), `learning_rate`
/// (Adam step, default 1e-3), `batch_size` (default 200, capped at the row
/// count), `epochs` (default 200), `seed` (default 0), `tol` (default 1e-4).
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp {
    pub task: Task,
    pub hidden: Vec<usize>,
    pub activation: Activation,
    pub alpha: f64,
    pub learning_rate: f64,
    pub batch_size: usize,
    pub epochs: usize,
    pub seed: u64,
    pub tol: f64,
}

/// Parses `"64,32"` into layer sizes; empty, zero or non-numeric entries are errors.
pub fn parse_hidden(op: &str, text: &str) -> Result<Vec<usize>, OpError> {
    let sizes: Option<Vec<usize>> = text
        .split(',')
        .map(|s| s.trim().parse::<usize>().ok().filter(|&n| n > 0))
        .collect();
    match sizes {
        Some(sizes) if !sizes.is_empty() => Ok(sizes),
        _ => Err(invalid(
            op,
            format!("hidden sizes must be positive integers, got \"{text}\""),
        )),
    }
}

impl Mlp {
    /// The `mlp_classifier` model from its checked parameters.
    pub fn classifier(params: &Params) -> Result<Self, OpError> {
        Self::new(CLASSIFIER, Task::Classification, params)
    }

    /// The `mlp_regressor` model from its checked parameters.
    pub fn regressor(params: &Params) -> Result<Self, OpError> {
        Self::new(REGRESSOR, Task::Regression, params)
    }

    fn new(op: &str, task: Task, params: &Params) -> Result<Self, OpError> {
        let hidden = parse_hidden(op, param_str(op, params, "hidden")?.unwrap_or("100"))?;
        let activation = match param_str(op, params, "activation")?.unwrap_or("relu") {
            "relu" => Activation::Relu,
            "tanh" => Activation::Tanh,
            "logistic" => Activation::Logistic,
            other => {
                return Err(invalid(
                    op,
                    format!("activation must be relu, tanh or logistic, got {other}"),
                ))
            }
        };
        let alpha = param_f64(op, params, "alpha", 1e-4)?;
        if !(alpha >= 0.0 && alpha.is_finite()) {
            return Err(invalid(
                op,
                format!("alpha must be a finite number >= 0, got {alpha}"),
            ));
        }
        let learning_rate = param_f64(op, params, "learning_rate", 1e-3)?;
        if !(learning_rate > 0.0 && learning_rate.is_finite()) {
            return Err(invalid(
                op,
                format!("learning_rate must be a finite number > 0, got {learning_rate}"),
            ));
        }
        let positive = |name: &str, default: i64| -> Result<usize, OpError> {
            let v = param_int(op, params, name)?.unwrap_or(default);
            if v < 1 {
                return Err(invalid(op, format!("{name} must be at least 1, got {v}")));
            }
            Ok(usize::try_from(v).unwrap_or(usize::MAX))
        };
        let batch_size = positive("batch_size", 200)?;
        let epochs = positive("epochs", 200)?;
        let seed = param_int(op, params, "seed")?.unwrap_or(0);
        if seed < 0 {
            return Err(invalid(op, format!("seed must be >= 0, got {seed}")));
        }
        let tol = param_f64(op, params, "tol", 1e-4)?;
        if tol.is_nan() || tol < 0.0 {
            return Err(invalid(op, format!("tol must be >= 0, got {tol}")));
        }
        Ok(Mlp {
            task,
            hidden,
            activation,
            alpha,
            learning_rate,
            batch_size,
            epochs,
            seed: seed as u64,
            tol,
        })
    }

    fn op(&self) -> &'static str {
        match self.task {
            Task::Classification => CLASSIFIER,
            _ => REGRESSOR,
        }
    }
}

impl Estimator for Mlp {
    fn task(&self) -> Task {
        self.task
    }

    fn fit(&self, x: &Matrix, y: &Target) -> Result<Box<dyn FittedModel>, OpError> {
        Ok(Box::new(self.fit_mlp(x, y)?))
    }
}

/// One dense layer: `out = W x + b` with `W` row-major `outputs × inputs`.
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    pub inputs: usize,
    pub outputs: usize,
    pub weights: Vec<f64>,
    pub bias: Vec<f64>,
}

impl Layer {
    fn forward(&self, input: &[f64], out: &mut [f64]) {
        for (o, slot) in out.iter_mut().enumerate() {
            let w = &self.weights[o * self.inputs..(o + 1) * self.inputs];
            *slot = self.bias[o] + w.iter().zip(input).map(|(a, b)| a * b).sum::<f64>();
        }
    }
}

/// Adam moment estimates for one parameter vector.
struct Moments {
    m: Vec<f64>,
    v: Vec<f64>,
}

impl Moments {
    fn new(n: usize) -> Self {
        Moments {
            m: vec![0.0; n],
            v: vec![0.0; n],
        }
    }

    fn step(&mut self, params: &mut [f64], grad: &[f64], lr_t: f64) {
        for (((p, g), m), v) in params.iter_mut().zip(grad).zip(&mut self.m).zip(&mut self.v) {
            *m = BETA1 * *m + (1.0 - BETA1) * g;
            *v = BETA2 * *v + (1.0 - BETA2) * g * g;
            *p -= lr_t * *m / (v.sqrt() + EPSILON);
        }
    }
}

impl Mlp {
    /// [`Estimator::fit`] with the concrete fitted type. Errors on a target of
    /// the wrong kind, fewer than two classes, non-finite data or divergence.
    pub fn fit_mlp(&self, x: &Matrix, y: &Target) -> Result<FittedMlp, OpError> {
        let op = self.op();
        check_training_data(op, x, y)?;
        let (n, d) = (x.rows, x.cols);
        // Targets as rows of `k` output values, plus class bookkeeping.
        let (k, targets, classes, n_labels) = match (self.task, y) {
            (Task::Classification, Target::Classes { codes, labels }) => {
                if let Some(&bad) = codes.iter().find(|&&c| c as usize >= labels.len()) {
                    return Err(invalid(
                        op,
                        format!("class code {bad} out of range for {} labels", labels.len()),
                    ));
                }
                let mut classes: Vec<u32> = codes.clone();
                classes.sort_unstable();
                classes.dedup();
                if classes.len() < 2 {
                    return Err(invalid(
                        op,
                        format!(
                            "the training rows hold {} class(es); at least 2 are needed",
                            classes.len()
                        ),
                    ));
                }
                let k = if classes.len() == 2 { 1 } else { classes.len() };
                let mut t = vec![0.0; n * k];
                for (i, c) in codes.iter().enumerate() {
                    let idx = classes.binary_search(c).unwrap_or_default();
                    if k == 1 {
                        t[i] = idx as f64;
                    } else {
                        t[i * k + idx] = 1.0;
                    }
                }
                (k, t, classes, labels.len())
            }
            (Task::Classification, Target::Values(_)) => {
                return Err(invalid(
                    op,
                    "needs class labels; use mlp_regressor for a numeric target",
                ))
            }
            (_, Target::Values(v)) => {
                if v.iter().any(|t| !t.is_finite()) {
                    return Err(invalid(op, "the target holds missing or infinite values"));
                }
                (1, v.clone(), Vec::new(), 0)
            }
            (_, Target::Classes { .. }) => {
                return Err(invalid(
                    op,
                    "needs a numeric target; use mlp_classifier for classes",
                ))
            }
        };
        let classify = self.task == Task::Classification;

        let mut rng = SplitMix64::new(self.seed);
        let mut sizes = vec![d];
        sizes.extend(&self.hidden);
        sizes.push(k);
        let factor = if self.activation == Activation::Logistic {
            2.0
        } else {
            6.0
        };
        let mut layers: Vec<Layer> = sizes
            .windows(2)
            .map(|w| {
                let (fan_in, fan_out) = (w[0], w[1]);
                let bound = (factor / (fan_in + fan_out) as f64).sqrt();
                let mut draw = || (2.0 * rng.next_f64() - 1.0) * bound;
                let weights = (0..fan_in * fan_out).map(|_| draw()).collect();
                let bias = (0..fan_out).map(|_| draw()).collect();
                Layer {
                    inputs: fan_in,
                    outputs: fan_out,
                    weights,
                    bias,
                }
            })
            .collect();
        let mut w_moments: Vec<Moments> = layers.iter().map(|l| Moments::new(l.weights.len())).collect();
        let mut b_moments: Vec<Moments> = layers.iter().map(|l| Moments::new(l.bias.len())).collect();
        let mut w_grads: Vec<Vec<f64>> = layers.iter().map(|l| vec![0.0; l.weights.len()]).collect();
        let mut b_grads: Vec<Vec<f64>> = layers.iter().map(|l| vec![0.0; l.bias.len()]).collect();
        // Per-row activations of every layer (index 0 = input) and deltas.
        let mut acts: Vec<Vec<f64>> = sizes.iter().map(|&s| vec![0.0; s]).collect();
        let mut deltas: Vec<Vec<f64>> = sizes.iter().map(|&s| vec![0.0; s]).collect();

        let batch = self.batch_size.min(n);
        let mut order: Vec<usize> = (0..n).collect();
        let mut t_step = 0u64;
        let mut best_loss = f64::INFINITY;
        let mut no_improve = 0;
        let mut epochs_run = 0;
        let mut last_loss = f64::INFINITY;
        for _ in 0..self.epochs {
            epochs_run += 1;
            rng.shuffle(&mut order);
            let mut epoch_loss = 0.0;
            for chunk in order.chunks(batch) {
                let m = chunk.len() as f64;
                w_grads
                    .iter_mut()
                    .chain(b_grads.iter_mut())
                    .for_each(|g| g.fill(0.0));
                let mut data_loss = 0.0;
                for &i in chunk {
                    acts[0].copy_from_slice(x.row(i));
                    let last = layers.len() - 1;
                    for (l, layer) in layers.iter().enumerate() {
                        let (before, after) = acts.split_at_mut(l + 1);
                        let out = &mut after[0];
                        layer.forward(&before[l], out);
                        if l < last {
                            out.iter_mut().for_each(|h| *h = self.activation.apply(*h));
                        }
                    }
                    // Output transform, loss and output delta (p - y for every loss here).
                    let out = &mut acts[layers.len()];
                    let t = &targets[i * k..(i + 1) * k];
                    if classify && k == 1 {
                        let z = out[0];
                        data_loss += z.max(0.0) + (-z.abs()).exp().ln_1p() - t[0] * z;
                        out[0] = sigmoid(z);
                    } else if classify {
                        let lse = log_sum_exp(out);
                        data_loss += out.iter().zip(t).map(|(z, y)| y * (lse - z)).sum::<f64>();
                        out.iter_mut().for_each(|z| *z = (*z - lse).exp());
                    } else {
                        data_loss += 0.5 * (out[0] - t[0]).powi(2);
                    }
                    for c in 0..k {
                        deltas[layers.len()][c] = (acts[layers.len()][c] - t[c]) / m;
                    }
                    for l in (0..layers.len()).rev() {
                        let layer = &layers[l];
                        let (inputs, outputs) = (layer.inputs, layer.outputs);
                        for o in 0..outputs {
                            let delta = deltas[l + 1][o];
                            b_grads[l][o] += delta;
                            let g = &mut w_grads[l][o * inputs..(o + 1) * inputs];
                            g.iter_mut().zip(&acts[l]).for_each(|(g, a)| *g += delta * a);
                        }
                        if l > 0 {
                            for j in 0..inputs {
                                let back: f64 = (0..outputs)
                                    .map(|o| layer.weights[o * inputs + j] * deltas[l + 1][o])
                                    .sum();
                                deltas[l][j] = back * self.activation.derivative(acts[l][j]);
                            }
                        }
                    }
                }
                let sq: f64 = layers.iter().flat_map(|l| &l.weights).map(|w| w * w).sum();
                let batch_loss = data_loss / m + 0.5 * self.alpha * sq / m;
                epoch_loss += batch_loss * m;
                t_step += 1;
                let lr_t = self.learning_rate * (1.0 - BETA2.powf(t_step as f64)).sqrt()
                    / (1.0 - BETA1.powf(t_step as f64));
                for (l, layer) in layers.iter_mut().enumerate() {
                    let penalty = self.alpha / m;
                    w_grads[l]
                        .iter_mut()
                        .zip(&layer.weights)
                        .for_each(|(g, w)| *g += penalty * w);
                    w_moments[l].step(&mut layer.weights, &w_grads[l], lr_t);
                    b_moments[l].step(&mut layer.bias, &b_grads[l], lr_t);
                }
            }
            last_loss = epoch_loss / n as f64;
            if !last_loss.is_finite() {
                return Err(invalid(
                    op,
                    "training diverged (non-finite loss); lower learning_rate",
                ));
            }
            if last_loss > best_loss - self.tol {
                no_improve += 1;
            } else {
                no_improve = 0;
            }
            if last_loss < best_loss {
                best_loss = last_loss;
            }
            if no_improve > N_ITER_NO_CHANGE {
                break;
            }
        }
        Ok(FittedMlp {
            task: self.task,
            activation: self.activation,
            n_features: d,
            n_labels,
            classes,
            layers,
            epochs_run,
            loss: last_loss,
        })
    }
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

/// A fitted multi-layer perceptron.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedMlp {
    pub task: Task,
    pub activation: Activation,
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
        match self.task {
            Task::Classification => CLASSIFIER,
            _ => REGRESSOR,
        }
    }
}

impl FittedModel for FittedMlp {
    fn predict(&self, x: &Matrix) -> Vec<f64> {
        (0..x.rows)
            .map(|i| {
                let z = self.raw_output(x.row(i));
                if self.task != Task::Classification {
                    return z[0];
                }
                let best = if z.len() == 1 {
                    usize::from(z[0] > 0.0)
                } else {
                    z.iter()
                        .enumerate()
                        .fold(0, |best, (c, v)| if *v > z[best] { c } else { best })
                };
                self.classes[best] as f64
            })
            .collect()
    }

    /// Each layer is `Affine(W, b)`; hidden activations are `Max(h, 0)` (relu),
    /// `Sigmoid(h)` (logistic) or `2·Sigmoid(2h) − 1` (tanh). Classifier output:
    /// two classes `p1 = Sigmoid(z)`, `proba = [1 − p1, p1]` in label order; more
    /// `proba = Softmax(z)` (placed into label order when labels are absent);
    /// `class = Argmax(proba)`. Regressor output: `prediction = z`.
    fn lower(&self, builder: &mut GraphBuilder, features: NodeId) -> Result<Vec<(String, NodeId)>, OpError> {
        let op = self.op();
        let err = |source| OpError::Lowering {
            op: op.to_string(),
            source,
        };
        let width = builder.width(features) as usize;
        if width != self.n_features {
            return Err(invalid(
                op,
                format!(
                    "feature vector has width {width}, the model was fitted on {} features",
                    self.n_features
                ),
            ));
        }
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
            return Ok(vec![("prediction".to_string(), h)]);
        }
        super::lower_class_head(builder, op, h, &self.classes, self.n_labels)
    }
}
