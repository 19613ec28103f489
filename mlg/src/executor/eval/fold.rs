//! One split of an evaluation: fit the chain on the training rows (or reuse
//! the run's fit of the same model on them, [`crate::executor::fit::shared`]),
//! compile it with its own compression steps,
//! predict the held-out rows through the compiled function, refuse NaN or
//! infinite predictions ([`super::finite`]), score them, and
//! optionally shuffle each raw input column to measure how much the first
//! metric drops (permutation importance).

use crate::error::{Error, Result};
use crate::executor::fit::finite::{check_chain, Batch};
use crate::executor::fit::{compile_with, Chain};
use mlg_compiler::backends::Executable;
use mlg_stdlib::eval::rng::SplitMix64;
use mlg_stdlib::eval::Split;
use mlg_stdlib::op::{OpError, Target};
use std::time::Instant;

/// Permutation importance settings.
#[derive(Clone, Copy, Debug)]
pub struct Permutation {
    /// Shuffles per column and split.
    pub repeats: usize,
    /// Only splits numbered below this are shuffled (resampling methods such as
    /// `bootstrap(n = 100)` would otherwise multiply the cost).
    pub max_splits: usize,
    /// Base seed; each split and column derives its own generator from it.
    pub seed: u64,
}

/// What every split of one evaluation shares.
pub struct FoldPlan<'a> {
    /// The model's unfitted chain.
    pub chain: &'a Chain<'a>,
    /// The target of every data row.
    pub target: &'a Target,
    /// Metrics to score, the first one also for permutation importance.
    pub metrics: &'a [String],
    /// The model's name for messages.
    pub model: &'a str,
    /// Permutation importance settings; `None` turns it off.
    pub permutation: Option<Permutation>,
    /// Add the compiled graph's size (`size_bytes`, `nonzero_weights`, see
    /// `mlg_compiler::passes::parameter_bytes`) to the fit scores.
    pub report_size: bool,
    /// On split 0, add the compiled function's single-row latency in
    /// microseconds (`latency_us`: the fastest of three passes over up to
    /// [`LATENCY_ROWS`] held-out rows, one row per call) to the fit scores.
    pub measure_latency: bool,
}

/// Held-out rows timed one at a time for `latency_us`.
pub const LATENCY_ROWS: usize = 256;

/// The results of one split.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct FoldOutcome {
    /// One score per metric of the plan.
    pub scores: Vec<f64>,
    /// Seconds the chain took to fit.
    pub fit_seconds: f64,
    /// The compiled function's outputs for the held-out rows, `n_out` per row.
    pub outputs: Vec<f32>,
    /// Outputs per row.
    pub n_out: usize,
    /// The fitted model's classes (0 for a regressor), which the scores read.
    pub n_classes: usize,
    /// The fitted model's input columns.
    pub features: Vec<String>,
    /// [`mlg_stdlib::op::FittedModel::importances`] of the fitted model.
    pub importances: Option<Vec<f64>>,
    /// [`mlg_stdlib::op::FittedModel::coefficients`] of the fitted model.
    pub coefficients: Option<Vec<Vec<f64>>>,
    /// [`mlg_stdlib::op::FittedModel::fit_scores`] of the fitted model.
    pub fit_scores: Vec<(String, f64)>,
    /// Per raw input column (chain order): the first metric's drop per repeat;
    /// empty when this split measured no permutation importance.
    pub drops: Vec<Vec<f64>>,
}

/// Runs split number `index` of `plan`.
pub fn run_split(plan: &FoldPlan, split: &Split, index: usize) -> Result<FoldOutcome> {
    let chain = plan.chain;
    let (shared, transforms, calibration) = chain.fit_shared(plan.target, &split.train)?;
    let (fitted, fit_seconds) = (&*shared.fitted, shared.seconds);
    let (graph, exe) = compile_with(fitted, plan.model, &transforms, calibration.as_ref())?;
    let test = chain.frame.take(&split.test);
    // The optimized graph may read fewer columns than the data has (column pruning).
    let rows = mlg_runtime::rows::encode_rows(&test, &graph.inputs)?;
    let (n, stride, n_out) = (split.test.len(), graph.n_inputs(), exe.n_outputs());
    let mut outputs = vec![0f32; n * n_out];
    exe.run(&rows, n, stride, &mut outputs)?;
    let during = format!("on the held-out rows of split {}", index + 1);
    let batch = Batch {
        model: plan.model,
        during: &during,
        rows: &split.test,
        encoded: &rows,
        inputs: &graph.inputs,
    };
    check_chain(fitted, &test, &batch, &outputs, n_out)?;
    let truth = plan.target.take(&split.test);
    let n_classes = fitted.classes.len();
    let err = |e| Error::op(plan.model, e);
    let scores = plan
        .metrics
        .iter()
        .map(|m| score(m, &truth, &outputs, n_out, n_classes).map_err(err))
        .collect::<Result<Vec<f64>>>()?;
    let mut drops = Vec::new();
    let perm = plan.permutation.filter(|p| index < p.max_splits);
    if let (Some(perm), Some(metric)) = (perm, plan.metrics.first()) {
        let sign = if mlg_stdlib::metrics::higher_is_better(metric) {
            1.0
        } else {
            -1.0
        };
        let mut shuffled = rows.clone();
        let mut out = vec![0f32; n * n_out];
        for (c, slot) in chain.input_slots().iter().enumerate() {
            let Some(j) = graph.inputs.iter().position(|s| s.name == slot.name) else {
                // A pruned column cannot change the output.
                drops.push(vec![0.0; perm.repeats]);
                continue;
            };
            let column: Vec<f32> = (0..n).map(|i| rows[i * stride + j]).collect();
            let mut rng = SplitMix64::new(derive_seed(perm.seed, index, c));
            let mut order: Vec<usize> = (0..n).collect();
            let mut col_drops = Vec::with_capacity(perm.repeats);
            for _ in 0..perm.repeats {
                rng.shuffle(&mut order);
                for (i, &from) in order.iter().enumerate() {
                    shuffled[i * stride + j] = column[from];
                }
                exe.run(&shuffled, n, stride, &mut out)?;
                let permuted = score(metric, &truth, &out, n_out, n_classes).map_err(err)?;
                col_drops.push(sign * (scores[0] - permuted));
            }
            for (i, v) in column.iter().enumerate() {
                shuffled[i * stride + j] = *v;
            }
            drops.push(col_drops);
        }
    }
    Ok(FoldOutcome {
        scores,
        fit_seconds,
        outputs,
        n_out,
        n_classes,
        features: fitted.features.clone(),
        importances: fitted.importances(),
        coefficients: fitted.coefficients(),
        fit_scores: {
            let mut scores = fitted.fit_scores();
            if plan.report_size {
                let (bytes, nonzero) = mlg_compiler::passes::parameter_bytes(&graph);
                scores.push(("size_bytes".to_string(), bytes as f64));
                scores.push(("nonzero_weights".to_string(), nonzero as f64));
            }
            if plan.measure_latency && index == 0 && n > 0 {
                scores.push((
                    "latency_us".to_string(),
                    latency_us(&exe, &rows, n, stride, n_out)?,
                ));
            }
            scores
        },
        drops,
    })
}

/// Microseconds per single-row call of `exe` over the first rows of `rows`
/// (the fastest of three passes).
fn latency_us(exe: &impl Executable, rows: &[f32], n: usize, stride: usize, n_out: usize) -> Result<f64> {
    let m = n.min(LATENCY_ROWS);
    let mut out = vec![0f32; n_out];
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let started = Instant::now();
        for r in 0..m {
            exe.run(&rows[r * stride..(r + 1) * stride], 1, stride, &mut out)?;
        }
        best = best.min(started.elapsed().as_secs_f64() * 1e6 / m as f64);
    }
    Ok(best)
}

/// The generator seed of split `index`, raw column `column`: fixed by the base
/// seed and both positions, independent of the order splits run in.
fn derive_seed(seed: u64, index: usize, column: usize) -> u64 {
    let mut rng = SplitMix64::new(seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    rng.next_u64() ^ (column as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03)
}

/// Class codes from the compiled function's first output slot (a non-class
/// value such as NaN becomes `u32::MAX`, which the metrics reject).
pub fn predicted_codes(out: &[f32], n_out: usize) -> Vec<u32> {
    out.chunks_exact(n_out)
        .map(|row| {
            let c = row[0];
            if c.is_finite() && c >= 0.0 {
                c as u32
            } else {
                u32::MAX
            }
        })
        .collect()
}

/// Scores one metric from the compiled function's outputs: a classifier's rows
/// are `[class, p_0 .. p_{k-1}]`, a regressor's `[value]`.
pub fn score(
    metric: &str,
    truth: &Target,
    out: &[f32],
    n_out: usize,
    n_classes: usize,
) -> Result<f64, OpError> {
    match truth {
        Target::Classes { codes, .. } if mlg_stdlib::metrics::PROBABILITY_METRICS.contains(&metric) => {
            let proba: Vec<f64> = out
                .chunks_exact(n_out)
                .flat_map(|row| row[1..].iter().map(|&p| f64::from(p)))
                .collect();
            mlg_stdlib::metrics::probability_metric(metric, codes, &proba, n_out - 1)
        }
        Target::Classes { codes, .. } => {
            mlg_stdlib::metrics::classification_metric(metric, codes, &predicted_codes(out, n_out), n_classes)
        }
        Target::Values(values) => {
            let pred: Vec<f64> = out.chunks_exact(n_out).map(|row| f64::from(row[0])).collect();
            mlg_stdlib::metrics::regression_metric(metric, values, &pred)
        }
    }
}
