//! Mini-batch training of the perceptron: target encoding, Glorot
//! initialisation, backpropagation, Adam or Nesterov-SGD updates, and the two
//! stopping rules (training loss, or held-out score with `early_stopping`).

use super::checkpoint;
use super::prune::Start;
use super::ranks::Shard;
use super::{log_sum_exp, sigmoid, FittedMlp, Layer, Mlp, Schedule, Solver};
use crate::eval::rng::SplitMix64;
use crate::models::check_training_data;
use crate::op::{Matrix, OpError, Target};
use crate::registry::invalid;
use mlg_compiler::workflow::catalog::Task;
use mlg_runtime::checkpoint::Saver;

/// Epochs without an improvement of at least `tol` before training stops (or,
/// with the adaptive SGD schedule, before the step is divided by 5).
const N_ITER_NO_CHANGE: usize = 10;
const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const EPSILON: f64 = 1e-8;
/// The adaptive schedule stops once the step falls below this.
const MIN_ADAPTIVE_STEP: f64 = 1e-6;

/// The targets as rows of `k` network outputs, with class and scaling bookkeeping.
struct Encoded {
    k: usize,
    targets: Vec<f64>,
    classes: Vec<u32>,
    n_labels: usize,
    mean: f64,
    scale: f64,
}

/// Per-parameter optimiser state (one entry per weight or bias vector).
enum Optimizer {
    Adam {
        m: Vec<Vec<f64>>,
        v: Vec<Vec<f64>>,
        t: u64,
    },
    Sgd {
        velocity: Vec<Vec<f64>>,
        momentum: f64,
    },
}

impl Optimizer {
    fn new(solver: Solver, sizes: &[usize]) -> Self {
        let zeros = || sizes.iter().map(|&s| vec![0.0; s]).collect::<Vec<_>>();
        match solver {
            Solver::Adam => Optimizer::Adam {
                m: zeros(),
                v: zeros(),
                t: 0,
            },
            Solver::Sgd { momentum, .. } => Optimizer::Sgd {
                velocity: zeros(),
                momentum,
            },
        }
    }

    /// The per-parameter vectors (Adam: first moments, then second; SGD:
    /// velocities) and the step count, for checkpoints.
    fn moments(&self) -> (Vec<Vec<f64>>, u64) {
        match self {
            Optimizer::Adam { m, v, t } => (m.iter().chain(v).cloned().collect(), *t),
            Optimizer::Sgd { velocity, .. } => (velocity.clone(), 0),
        }
    }

    /// Takes back [`Optimizer::moments`]' output (of the same shapes).
    fn restore(&mut self, mut moments: Vec<Vec<f64>>, steps: u64) {
        match self {
            Optimizer::Adam { m, v, t } => {
                *v = moments.split_off(m.len());
                *m = moments;
                *t = steps;
            }
            Optimizer::Sgd { velocity, .. } => *velocity = moments,
        }
    }

    /// Applies one step of size `lr` to every parameter vector given its gradient.
    fn step(&mut self, params: &mut [&mut Vec<f64>], grads: &[Vec<f64>], lr: f64) {
        match self {
            Optimizer::Adam { m, v, t } => {
                *t += 1;
                let tt = *t as f64;
                let lr_t = lr * (1.0 - BETA2.powf(tt)).sqrt() / (1.0 - BETA1.powf(tt));
                for (i, p) in params.iter_mut().enumerate() {
                    for (((p, g), m), v) in p.iter_mut().zip(&grads[i]).zip(&mut m[i]).zip(&mut v[i]) {
                        *m = BETA1 * *m + (1.0 - BETA1) * g;
                        *v = BETA2 * *v + (1.0 - BETA2) * g * g;
                        *p -= lr_t * *m / (v.sqrt() + EPSILON);
                    }
                }
            }
            Optimizer::Sgd { velocity, momentum } => {
                for (i, p) in params.iter_mut().enumerate() {
                    for ((p, g), vel) in p.iter_mut().zip(&grads[i]).zip(&mut velocity[i]) {
                        *vel = *momentum * *vel - lr * g;
                        *p += *momentum * *vel - lr * g;
                    }
                }
            }
        }
    }
}

impl Mlp {
    fn encode(&self, y: &Target) -> Result<Encoded, OpError> {
        let op = self.op();
        match (self.task, y) {
            (Task::Classification, Target::Classes { .. }) => {
                let (codes, n_labels, classes) = crate::models::training_classes(op, y)?;
                let k = if classes.len() == 2 { 1 } else { classes.len() };
                let mut targets = vec![0.0; codes.len() * k];
                for (i, c) in codes.iter().enumerate() {
                    let idx = classes.binary_search(c).unwrap_or_default();
                    if k == 1 {
                        targets[i] = idx as f64;
                    } else {
                        targets[i * k + idx] = 1.0;
                    }
                }
                Ok(Encoded {
                    k,
                    targets,
                    classes,
                    n_labels,
                    mean: 0.0,
                    scale: 1.0,
                })
            }
            (Task::Classification, Target::Values(_)) => Err(invalid(
                op,
                "needs class labels; use mlp_regressor for a numeric target",
            )),
            (_, Target::Values(v)) => {
                if v.iter().any(|t| !t.is_finite()) {
                    return Err(invalid(op, "the target holds missing or infinite values"));
                }
                let (mean, scale) = if self.scale_target {
                    super::ranks::moments(&*mlg_runtime::collective::current(), v)
                } else {
                    (0.0, 1.0)
                };
                Ok(Encoded {
                    k: 1,
                    targets: v.iter().map(|t| (t - mean) / scale).collect(),
                    classes: Vec::new(),
                    n_labels: 0,
                    mean,
                    scale,
                })
            }
            (_, Target::Classes { .. }) => Err(invalid(
                op,
                "needs a numeric target; use mlp_classifier for classes",
            )),
        }
    }

    /// Glorot-uniform layers for `sizes` (input width first), drawn from `rng`.
    fn initial_layers(&self, sizes: &[usize], rng: &mut SplitMix64) -> Vec<Layer> {
        let factor = if self.activation == super::Activation::Logistic {
            2.0
        } else {
            6.0
        };
        sizes
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
            .collect()
    }

    /// [`crate::op::Estimator::fit`] with the concrete fitted type. Errors on a
    /// target of the wrong kind, fewer than two classes, non-finite data, too
    /// few rows to hold out a validation set, or divergence. In a distributed
    /// job (rows spread over the ranks) it trains on every rank's rows (see
    /// `ranks.rs`); `early_stopping` is refused there.
    pub fn fit_mlp(&self, x: &Matrix, y: &Target) -> Result<FittedMlp, OpError> {
        self.fit_pruned(x, y, None)
    }

    /// [`Mlp::fit_mlp`] learning the class probabilities `soft` (one per row
    /// and label of `y`, see [`crate::op::Estimator::fit_soft`]) instead of
    /// `y`'s one-hot codes: the cross-entropy and its gradient `p - t` take
    /// soft targets `t` unchanged.
    pub fn fit_mlp_soft(&self, x: &Matrix, y: &Target, soft: &[f64]) -> Result<FittedMlp, OpError> {
        self.fit_pruned(x, y, Some(soft))
    }

    /// Trains from Glorot-initialised layers, or with `start` from its
    /// layers for its epochs with its constraint held after every step (no
    /// checkpoint then: the fit that started it saved its own).
    pub(super) fn fit_mlp_on(
        &self,
        x: &Matrix,
        y: &Target,
        soft: Option<&[f64]>,
        start: Option<Start>,
    ) -> Result<FittedMlp, OpError> {
        let op = self.op();
        check_training_data(op, x, y)?;
        let comm = mlg_runtime::collective::current();
        let shard = Shard::of(&*comm, x.rows);
        let mut enc = self.encode(y)?;
        if let Some(soft) = soft {
            enc.targets = soft_targets(op, &enc, soft, x.rows)?;
        }
        let (d, k) = (x.cols, enc.k);
        let classify = self.task == Task::Classification;
        // Global row numbers (rank after rank): the held-out rows are one
        // process's, their strata every rank's classes.
        let (train, validation) = if self.early_stopping {
            let strata: Option<Vec<u32>> = match y {
                Target::Classes { codes, .. } => Some(mlg_runtime::collective::concat_u32(&*comm, codes)),
                Target::Values(_) => None,
            };
            let split = crate::eval::holdout(
                shard.total,
                self.validation_fraction,
                self.seed,
                strata.as_deref(),
            )
            .map_err(|e| invalid(op, format!("early_stopping: {e}")))?;
            let split = split
                .into_iter()
                .next()
                .ok_or_else(|| invalid(op, "no validation split"))?;
            (split.train, split.test)
        } else {
            ((0..shard.total).collect(), Vec::new())
        };

        let mut rng = SplitMix64::new(self.seed);
        let mut sizes = vec![d];
        sizes.extend(&self.hidden);
        sizes.push(k);
        let (mut layers, constraint, max_epochs) = match start {
            Some(start) => (start.layers, Some(start.constraint), start.epochs),
            None => (self.initial_layers(&sizes, &mut rng), None, self.epochs),
        };
        let param_sizes: Vec<usize> = layers
            .iter()
            .map(|l| l.weights.len())
            .chain(layers.iter().map(|l| l.bias.len()))
            .collect();
        let mut grads: Vec<Vec<f64>> = param_sizes.iter().map(|&s| vec![0.0; s]).collect();
        let mut optimizer = Optimizer::new(self.solver, &param_sizes);
        let n_layers = layers.len();
        let mut acts: Vec<Vec<f64>> = sizes.iter().map(|&s| vec![0.0; s]).collect();
        let mut deltas: Vec<Vec<f64>> = sizes.iter().map(|&s| vec![0.0; s]).collect();
        let mut summed = Vec::new();

        let batch = self.batch_size.min(train.len());
        let mut order = train.clone();
        let mut lr = self.learning_rate;
        let mut samples_seen = 0usize;
        let (mut best_loss, mut best_score) = (f64::INFINITY, f64::NEG_INFINITY);
        let mut best_layers: Option<Vec<Layer>> = None;
        let (mut no_improve, mut epochs_run, mut last_loss) = (0, 0, f64::INFINITY);
        let slot = mlg_runtime::checkpoint::slot().filter(|_| constraint.is_none());
        let print = slot
            .as_ref()
            .map(|_| checkpoint::fingerprint_of(&format!("{self:?}"), shard.total, x, &enc.targets));
        let mut saver = slot
            .as_ref()
            .zip(print)
            .map(|(s, print)| Saver::new(s.clone(), print, self.checkpoint_epochs));
        if let (Some(slot), Some(print)) = (&slot, print) {
            let ranks = (shard.ranks > 1).then_some(&*comm);
            let (moments, _) = optimizer.moments();
            if let Some(state) = checkpoint::restore(op, slot, print, ranks, (&layers, &moments, &order))? {
                (epochs_run, rng, order, layers) = (
                    state.epochs,
                    SplitMix64::new(state.rng),
                    state.order,
                    state.layers,
                );
                optimizer.restore(state.moments, state.steps);
                (lr, samples_seen, best_loss, best_score) =
                    (state.lr, state.samples_seen, state.best_loss, state.best_score);
                (best_layers, no_improve, last_loss) = (state.best_layers, state.no_improve, state.last_loss);
            }
        }
        // The stopping rule is checked here, after the epoch it counted, so
        // that a fit resumed after that epoch stops as the first one did.
        while epochs_run < max_epochs && no_improve <= N_ITER_NO_CHANGE {
            epochs_run += 1;
            rng.shuffle(&mut order);
            let mut epoch_loss = 0.0;
            for chunk in order.chunks(batch) {
                let m = chunk.len() as f64;
                grads.iter_mut().for_each(|g| g.fill(0.0));
                let mut data_loss = 0.0;
                for &row in chunk {
                    let Some(i) = shard.local_row(row) else { continue };
                    acts[0].copy_from_slice(x.row(i));
                    for (l, layer) in layers.iter().enumerate() {
                        let (before, after) = acts.split_at_mut(l + 1);
                        let out = &mut after[0];
                        layer.forward(&before[l], out);
                        if l + 1 < n_layers {
                            out.iter_mut().for_each(|h| *h = self.activation.apply(*h));
                        }
                    }
                    // Output transform, loss and output delta (p - y for every loss here).
                    let out = &mut acts[n_layers];
                    let t = &enc.targets[i * k..(i + 1) * k];
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
                        deltas[n_layers][c] = (acts[n_layers][c] - t[c]) / m;
                    }
                    for l in (0..n_layers).rev() {
                        let layer = &layers[l];
                        let (inputs, outputs) = (layer.inputs, layer.outputs);
                        let (w_grads, b_grads) = grads.split_at_mut(n_layers);
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
                if shard.ranks > 1 {
                    super::ranks::sum_batch(&*comm, &mut grads, &mut data_loss, &mut summed);
                }
                let sq: f64 = layers.iter().flat_map(|l| &l.weights).map(|w| w * w).sum();
                epoch_loss += data_loss + 0.5 * self.alpha * sq;
                let penalty = self.alpha / m;
                for (l, layer) in layers.iter().enumerate() {
                    grads[l]
                        .iter_mut()
                        .zip(&layer.weights)
                        .for_each(|(g, w)| *g += penalty * w);
                }
                let mut params: Vec<&mut Vec<f64>> = Vec::with_capacity(2 * n_layers);
                let (ws, bs): (Vec<_>, Vec<_>) =
                    layers.iter_mut().map(|l| (&mut l.weights, &mut l.bias)).unzip();
                params.extend(ws);
                params.extend(bs);
                optimizer.step(&mut params, &grads, lr);
                if let Some(constraint) = &constraint {
                    constraint.apply(&mut layers);
                }
            }
            samples_seen += train.len();
            last_loss = epoch_loss / train.len() as f64;
            if !last_loss.is_finite() {
                return Err(invalid(
                    op,
                    format!(
                        "training diverged at epoch {epochs_run}: the training loss is {last_loss} \
                         (learning_rate {:?}); lower learning_rate",
                        self.learning_rate
                    ),
                ));
            }
            if self.early_stopping {
                let score = super::score::validation_score(
                    &layers,
                    self,
                    (x, &enc.targets, enc.k),
                    &validation,
                    (&shard, &*comm),
                );
                if score < best_score + self.tol {
                    no_improve += 1;
                } else {
                    no_improve = 0;
                }
                if score > best_score {
                    best_score = score;
                    best_layers = Some(layers.clone());
                }
            } else {
                if last_loss > best_loss - self.tol {
                    no_improve += 1;
                } else {
                    no_improve = 0;
                }
                best_loss = best_loss.min(last_loss);
            }
            if let Solver::Sgd { schedule, .. } = self.solver {
                match schedule {
                    Schedule::InvScaling => lr = self.learning_rate / ((samples_seen + 1) as f64).sqrt(),
                    Schedule::Adaptive if no_improve > N_ITER_NO_CHANGE && lr > MIN_ADAPTIVE_STEP => {
                        lr /= 5.0;
                        no_improve = 0;
                    }
                    _ => {}
                }
            }
            if let Some(saver) = saver.as_mut() {
                saver
                    .after(epochs_run, || {
                        let (moments, steps) = optimizer.moments();
                        checkpoint::State {
                            epochs: epochs_run,
                            rng: rng.state(),
                            order: order.clone(),
                            layers: layers.clone(),
                            moments,
                            steps,
                            lr,
                            samples_seen,
                            best_loss,
                            best_score,
                            best_layers: best_layers.clone(),
                            no_improve,
                            last_loss,
                        }
                        .encode()
                    })
                    .map_err(|e| invalid(op, e.to_string()))?;
            }
        }
        Ok(FittedMlp {
            task: self.task,
            activation: self.activation,
            n_features: d,
            n_labels: enc.n_labels,
            classes: enc.classes,
            layers: best_layers.unwrap_or(layers),
            epochs_run,
            loss: last_loss,
            target_mean: enc.mean,
            target_scale: enc.scale,
            validation_score: self.early_stopping.then_some(best_score),
        })
    }
}

/// The encoded targets of `soft` (one probability per row and label):
/// each row's probabilities of the training classes `enc.classes`, scaled
/// to sum to 1, or for two classes the second one's.
fn soft_targets(op: &str, enc: &Encoded, soft: &[f64], rows: usize) -> Result<Vec<f64>, OpError> {
    if enc.classes.is_empty() || soft.len() != rows * enc.n_labels {
        return Err(invalid(
            op,
            format!(
                "soft targets need {} values ({rows} rows x {} classes), got {}",
                rows * enc.n_labels,
                enc.n_labels,
                soft.len()
            ),
        ));
    }
    if let Some(bad) = soft.iter().find(|p| !(0.0..=1.0).contains(*p)) {
        return Err(invalid(op, format!("a soft target {bad} is not a probability")));
    }
    let mut targets = Vec::with_capacity(rows * enc.k);
    for row in soft.chunks_exact(enc.n_labels) {
        let kept: Vec<f64> = enc.classes.iter().map(|&c| row[c as usize]).collect();
        let total: f64 = kept.iter().sum();
        let share = |p: f64| {
            if total > 0.0 {
                p / total
            } else {
                1.0 / kept.len() as f64
            }
        };
        if enc.k == 1 {
            targets.push(share(kept[1]));
        } else {
            targets.extend(kept.iter().map(|&p| share(p)));
        }
    }
    Ok(targets)
}
