//! Runs `evaluate` statements: splits the data rows, refits each model's whole
//! chain on every training part, predicts the held-out rows through the compiled
//! inference function, and scores them.

use super::chain::Chain;
use super::compile::compile_chain;
use crate::error::{Error, Result};
use crate::workflow::Workflow;
use mlg_compiler::backends::Executable;
use mlg_compiler::workflow::stage::EvaluateStage;
use mlg_stdlib::eval::Split;
use mlg_stdlib::op::Target;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;

/// Mean, population standard deviation and per-fold values of one metric.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricSummary {
    pub mean: f64,
    pub std: f64,
    pub folds: Vec<f64>,
}

impl MetricSummary {
    fn of(folds: Vec<f64>) -> MetricSummary {
        let n = folds.len().max(1) as f64;
        let mean = folds.iter().sum::<f64>() / n;
        let std = (folds.iter().map(|f| (f - mean).powi(2)).sum::<f64>() / n).sqrt();
        MetricSummary { mean, std, folds }
    }
}

/// The scores of one model under one evaluation method.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    pub model: String,
    pub operator: String,
    pub method: String,
    pub metrics: BTreeMap<String, MetricSummary>,
    /// Mean seconds to fit the whole chain on one fold's training rows.
    pub fit_seconds: f64,
}

/// The train/test splits of `stage`'s method for `chain`'s data.
pub fn splits(stage: &EvaluateStage, chain: &Chain, target: &Target) -> Result<Vec<Split>> {
    let params = &stage.method.params;
    let seed = params.get("seed").and_then(|v| v.as_i64()).unwrap_or(0) as u64;
    let strata = match target {
        Target::Classes { codes, .. }
            if params.get("stratified").and_then(|v| v.as_bool()).unwrap_or(true) =>
        {
            Some(codes.as_slice())
        }
        _ => None,
    };
    let n = chain.frame.n_rows;
    let method = stage.method.op.as_str();
    let result = match method {
        "holdout" => mlg_stdlib::eval::holdout(
            n,
            params.get("test").and_then(|v| v.as_f64()).unwrap_or(0.2),
            seed,
            strata,
        ),
        "kfold" => {
            let k = params.get("k").and_then(|v| v.as_i64()).unwrap_or(5) as usize;
            let shuffle = params.get("shuffle").and_then(|v| v.as_bool()).unwrap_or(true);
            mlg_stdlib::eval::kfold(n, k, shuffle, seed, strata)
        }
        "predefined_folds" => {
            let path = stage
                .fold_file
                .as_deref()
                .ok_or_else(|| Error::Usage("predefined_folds without a file".into()))?;
            mlg_stdlib::eval::predefined(&super::folds::read_fold_ids(path, n)?)
        }
        other => return Err(Error::Usage(format!("unknown evaluation method `{other}`"))),
    };
    result.map_err(|e| Error::op(method, e))
}

/// Evaluates one model: every split refits the chain from raw rows.
pub fn evaluate_model(
    wf: &Workflow,
    stage: &EvaluateStage,
    model: &str,
    progress: &indicatif::ProgressBar,
) -> Result<Evaluation> {
    let chain = Chain::of(wf, model)?;
    let target = chain.target()?;
    let splits = splits(stage, &chain, &target)?;
    progress.set_length(splits.len() as u64);
    let metrics: Vec<String> = if stage.metrics.is_empty() {
        mlg_stdlib::catalog::default_metrics(chain.model.task)
            .iter()
            .map(|m| m.to_string())
            .collect()
    } else {
        stage.metrics.clone()
    };
    let folds: Vec<(Vec<f64>, f64)> = splits
        .par_iter()
        .map(|split| {
            let started = Instant::now();
            let fitted = chain.fit(&target, &split.train)?;
            let fit_seconds = started.elapsed().as_secs_f64();
            let (graph, exe) = compile_chain(&fitted, model)?;
            let test = chain.frame.take(&split.test);
            // The optimized graph may read fewer columns than the data has (column pruning).
            let rows = mlg_runtime::rows::encode_rows(&test, &graph.inputs)?;
            let n_out = exe.n_outputs();
            let mut out = vec![0f32; split.test.len() * n_out];
            exe.run(&rows, split.test.len(), graph.n_inputs(), &mut out)?;
            let truth = target.take(&split.test);
            let scores = metrics
                .iter()
                .map(|m| score(m, &truth, &out, n_out, fitted.classes.len()).map_err(|e| Error::op(model, e)))
                .collect::<Result<Vec<f64>>>()?;
            progress.inc(1);
            Ok((scores, fit_seconds))
        })
        .collect::<Result<_>>()?;
    let mut summaries = BTreeMap::new();
    for (i, m) in metrics.iter().enumerate() {
        summaries.insert(
            m.clone(),
            MetricSummary::of(folds.iter().map(|(s, _)| s[i]).collect()),
        );
    }
    let fit_seconds = folds.iter().map(|(_, t)| t).sum::<f64>() / folds.len().max(1) as f64;
    Ok(Evaluation {
        model: model.to_string(),
        operator: chain.model.op.op.clone(),
        method: stage.method.to_string(),
        metrics: summaries,
        fit_seconds,
    })
}

/// Scores one metric from the compiled function's outputs (first output slot of
/// each row is the class index or the predicted value).
fn score(
    metric: &str,
    truth: &Target,
    out: &[f32],
    n_out: usize,
    n_classes: usize,
) -> Result<f64, mlg_stdlib::op::OpError> {
    let first = out.chunks_exact(n_out).map(|row| row[0]);
    match truth {
        Target::Classes { codes, .. } if mlg_stdlib::metrics::PROBABILITY_METRICS.contains(&metric) => {
            // Classifier rows are [class, p_0 .. p_{k-1}].
            let proba: Vec<f64> = out
                .chunks_exact(n_out)
                .flat_map(|row| row[1..].iter().map(|&p| f64::from(p)))
                .collect();
            mlg_stdlib::metrics::probability_metric(metric, codes, &proba, n_out - 1)
        }
        Target::Classes { codes, .. } => {
            let pred: Vec<u32> = first
                .map(|c| {
                    if c.is_finite() && c >= 0.0 {
                        c as u32
                    } else {
                        u32::MAX
                    }
                })
                .collect();
            mlg_stdlib::metrics::classification_metric(metric, codes, &pred, n_classes)
        }
        Target::Values(values) => {
            let pred: Vec<f64> = first.map(f64::from).collect();
            mlg_stdlib::metrics::regression_metric(metric, values, &pred)
        }
    }
}
