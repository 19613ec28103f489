//! `mlp_classifier` and `mlp_regressor`: multi-layer perceptrons trained on
//! mini-batches like scikit-learn's `MLPClassifier` / `MLPRegressor`
//! (Glorot-uniform initialisation, L2 penalty `alpha`, per-epoch shuffling),
//! by Adam or by SGD with Nesterov momentum, stopping on the training loss or,
//! with `early_stopping`, on a held-out validation score. Classifiers minimise
//! softmax cross-entropy (one sigmoid output unit for two classes), regressors
//! half the mean squared error (optionally of the standardised target).
//! Lowered as a chain of `Affine` layers with elementwise activations. In a
//! distributed job the mini-batches are global and the gradients summed over
//! the ranks each step (`ranks.rs`). A deployed fit saves a checkpoint
//! after some epochs (`checkpoint.rs`), which `mlg run --resume` continues.
//! A classifier also learns soft targets (class probabilities in place of
//! one-hot labels, for a `distill` student), and `prune.rs` prunes the
//! trained weights and fine-tunes the rest (`prune(magnitude, finetune)`).

mod checkpoint;
mod fitted;
mod low_rank;
mod prune;
mod ranks;
mod score;
pub(crate) mod spec;
mod train;

pub use fitted::{FittedMlp, Layer};
pub use low_rank::{LowRankFit, LOW_RANK_FINETUNE, LOW_RANK_RANK};
pub use prune::{Prune, PRUNE_FINETUNE, PRUNE_MAGNITUDE, PRUNE_STEPS};
pub(crate) use spec::DEFS;

use crate::op::{Estimator, FittedModel, Matrix, OpError, Target};
use crate::registry::{invalid, param_bool, param_f64, param_int, param_str};
use mlg_compiler::workflow::catalog::{Params, Task};

const CLASSIFIER: &str = "mlp_classifier";
const REGRESSOR: &str = "mlp_regressor";

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

/// The weight-update rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Solver {
    /// Adam (β1 0.9, β2 0.999, ε 1e-8) with step `learning_rate`.
    Adam,
    /// SGD with Nesterov momentum `momentum`; the step follows `schedule`.
    Sgd {
        /// The Nesterov momentum, in `[0, 1)`.
        momentum: f64,
        /// How the step size changes over training.
        schedule: Schedule,
    },
}

/// The SGD step-size schedule (scikit-learn's `learning_rate`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// `learning_rate` throughout.
    Constant,
    /// `learning_rate / t^0.5` after `t` mini-batch steps.
    InvScaling,
    /// `learning_rate`, divided by 5 each time the stopping rule fires, until
    /// it falls below 1e-6.
    Adaptive,
}

/// The `mlp_classifier` / `mlp_regressor` models. Parameters: `hidden` (layer
/// sizes as a comma-separated string, default `"100"`), `activation` (`relu`,
/// `tanh`, `logistic`), `solver` (`adam`, `sgd`), `alpha` (L2 penalty, default
/// 1e-4), `learning_rate` (initial step, default 1e-3), `schedule` and
/// `momentum` (SGD only), `batch_size` (default 200, capped at the row count),
/// `epochs` (default 200), `seed` (default 0), `tol` (default 1e-4),
/// `early_stopping` (default false) with `validation_fraction` (0.1), and for
/// the regressor `scale_target` (default false), and `checkpoint_epochs`.
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp {
    /// Whether it classifies or regresses.
    pub task: Task,
    /// The hidden layers' widths, input side first.
    pub hidden: Vec<usize>,
    /// The hidden layers' activation.
    pub activation: Activation,
    /// The weight-update rule.
    pub solver: Solver,
    /// The L2 penalty on the weights.
    pub alpha: f64,
    /// The initial step size.
    pub learning_rate: f64,
    /// Rows per mini-batch (capped at the row count).
    pub batch_size: usize,
    /// The most passes over the training rows.
    pub epochs: usize,
    /// Seed of the initial weights, the shuffling and the validation rows.
    pub seed: u64,
    /// Stop once the loss (or validation score) has not improved by this for 10 epochs.
    pub tol: f64,
    /// Hold out `validation_fraction` of the rows and stop on their score.
    pub early_stopping: bool,
    /// The share of rows held out with `early_stopping`.
    pub validation_fraction: f64,
    /// Regressor only: fit on `(y - mean) / sd` and undo it in the prediction.
    pub scale_target: bool,
    /// Epochs between two checkpoints of a deployed fit (`None`: about a minute).
    pub checkpoint_epochs: Option<usize>,
    /// Magnitude pruning with fine-tuning after training, set by the
    /// `prune(magnitude = f, finetune = e)` compression step.
    pub prune: Option<Prune>,
    /// Low-rank factorization with fine-tuning after training (and after
    /// `prune`), set by the `low_rank(rank = k, finetune = e)` step.
    pub low_rank: Option<LowRankFit>,
}

/// Most hidden layers an MLP may have.
pub const MAX_HIDDEN_LAYERS: usize = 64;
/// Widest hidden layer.
pub const MAX_HIDDEN_WIDTH: usize = 100_000;

/// Parses `"64,32"` into layer sizes; empty, zero or non-numeric entries are
/// errors, as are more than [`MAX_HIDDEN_LAYERS`] layers or one wider than
/// [`MAX_HIDDEN_WIDTH`] (the checker's memory cap bounds the product).
pub fn parse_hidden(op: &str, text: &str) -> Result<Vec<usize>, OpError> {
    let layers = text.split(',').count();
    if layers > MAX_HIDDEN_LAYERS {
        return Err(invalid(
            op,
            format!("`hidden` has {layers} layers; at most {MAX_HIDDEN_LAYERS} are allowed"),
        ));
    }
    let sizes: Option<Vec<usize>> = text
        .split(',')
        .map(|s| s.trim().parse::<usize>().ok().filter(|&n| n > 0))
        .collect();
    if let Some(&wide) = sizes.iter().flatten().find(|&&n| n > MAX_HIDDEN_WIDTH) {
        return Err(invalid(
            op,
            format!("a hidden layer of {wide} units is wider than the limit of {MAX_HIDDEN_WIDTH}"),
        ));
    }
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
        let finite_at_least = |name: &str, default: f64, min: f64| -> Result<f64, OpError> {
            let v = param_f64(op, params, name, default)?;
            if v.is_finite() && v >= min {
                Ok(v)
            } else {
                Err(invalid(
                    op,
                    format!("{name} must be a finite number >= {min}, got {v}"),
                ))
            }
        };
        let alpha = finite_at_least("alpha", 1e-4, 0.0)?;
        let learning_rate = finite_at_least("learning_rate", 1e-3, 0.0)?;
        if learning_rate == 0.0 {
            return Err(invalid(op, "learning_rate must be > 0, got 0"));
        }
        let momentum = finite_at_least("momentum", 0.9, 0.0)?;
        if momentum >= 1.0 {
            return Err(invalid(op, format!("momentum must be below 1, got {momentum}")));
        }
        let schedule = match param_str(op, params, "schedule")?.unwrap_or("constant") {
            "constant" => Schedule::Constant,
            "invscaling" => Schedule::InvScaling,
            "adaptive" => Schedule::Adaptive,
            other => {
                return Err(invalid(
                    op,
                    format!("schedule must be constant, invscaling or adaptive, got {other}"),
                ))
            }
        };
        let solver = match param_str(op, params, "solver")?.unwrap_or("adam") {
            "adam" => Solver::Adam,
            "sgd" => Solver::Sgd { momentum, schedule },
            other => return Err(invalid(op, format!("solver must be adam or sgd, got {other}"))),
        };
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
        let tol = finite_at_least("tol", 1e-4, 0.0)?;
        let validation_fraction = finite_at_least("validation_fraction", 0.1, 0.0)?;
        if !(validation_fraction > 0.0 && validation_fraction < 1.0) {
            return Err(invalid(
                op,
                format!("validation_fraction must be in (0, 1), got {validation_fraction}"),
            ));
        }
        let scale_target = param_bool(op, params, "scale_target", false)?;
        let prune = match param_f64(op, params, PRUNE_MAGNITUDE, 0.0)? {
            f if f > 0.0 && f < 1.0 => Some(Prune {
                fraction: f,
                finetune: usize::try_from(param_int(op, params, PRUNE_FINETUNE)?.unwrap_or(0)).unwrap_or(0),
                steps: usize::try_from(param_int(op, params, PRUNE_STEPS)?.unwrap_or(1)).unwrap_or(1),
            }),
            0.0 => None,
            f => {
                return Err(invalid(
                    op,
                    format!("the pruned share must be in (0, 1), got {f}"),
                ))
            }
        };
        if scale_target && task == Task::Classification {
            return Err(invalid(op, "scale_target applies to mlp_regressor only"));
        }
        Ok(Mlp {
            task,
            hidden,
            activation,
            solver,
            alpha,
            learning_rate,
            batch_size,
            epochs,
            seed: seed as u64,
            tol,
            early_stopping: param_bool(op, params, "early_stopping", false)?,
            validation_fraction,
            scale_target,
            checkpoint_epochs: match param_int(op, params, "checkpoint_epochs")? {
                Some(k) if k >= 1 => Some(usize::try_from(k).unwrap_or(usize::MAX)),
                Some(k) => {
                    return Err(invalid(
                        op,
                        format!("checkpoint_epochs must be at least 1, got {k}"),
                    ))
                }
                None => None,
            },
            prune,
            low_rank: match param_int(op, params, LOW_RANK_RANK)? {
                Some(k) if k >= 1 => Some(LowRankFit {
                    rank: usize::try_from(k).unwrap_or(usize::MAX),
                    finetune: usize::try_from(param_int(op, params, LOW_RANK_FINETUNE)?.unwrap_or(0))
                        .unwrap_or(0),
                }),
                Some(k) => return Err(invalid(op, format!("the rank must be at least 1, got {k}"))),
                None => None,
            },
        })
    }

    fn op(&self) -> &'static str {
        op_name(self.task)
    }
}

fn op_name(task: Task) -> &'static str {
    match task {
        Task::Classification => CLASSIFIER,
        Task::Regression => REGRESSOR,
    }
}

impl Estimator for Mlp {
    fn task(&self) -> Task {
        self.task
    }

    fn fit(&self, x: &Matrix, y: &Target) -> Result<Box<dyn FittedModel>, OpError> {
        Ok(Box::new(self.fit_mlp(x, y)?))
    }

    fn fit_soft(&self, x: &Matrix, y: &Target, soft: &[f64]) -> Result<Box<dyn FittedModel>, OpError> {
        if self.task != Task::Classification {
            return Err(invalid(
                self.op(),
                "soft targets are class probabilities; a regressor takes values",
            ));
        }
        Ok(Box::new(self.fit_mlp_soft(x, y, soft)?))
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
