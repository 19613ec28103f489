//! Runs `search NAME = tune(MODEL, ...) { space }` stages: every trial (the
//! model with one point's parameters) is cross-validated under the stage's
//! method and metric, the trials in parallel, and the best one (the earlier
//! trial on ties) is what `NAME` stands for in later stages. Trials train
//! under the stage names `NAME#1`, `NAME#2`, ... ([`chain_of`] builds them).

use super::chain::Chain;
use super::evaluate::{evaluate_model, Plan};
use super::rank::rank;
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::workflow::Workflow;
use mlg_compiler::workflow::catalog::Value;
use mlg_compiler::workflow::stage::{parse_trial_name, trial_name, SearchStage};
use mlg_compiler::workflow::StageKind;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// One trial's outcome.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrialResult {
    /// 1-based, in enumeration (grid) or drawing (random) order.
    pub trial: usize,
    /// The searched parameters; `null` is `none` (left out / default).
    pub params: BTreeMap<String, serde_json::Value>,
    /// Mean score over the splits (the method's estimate).
    pub mean: f64,
    /// Population standard deviation over the splits.
    pub std: f64,
    /// 1 for the best trial, then 2, 3, ...
    pub rank: usize,
}

/// The outcome of a `search` stage.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Search {
    /// The search stage's name.
    pub name: String,
    /// The model stage tuned.
    pub base: String,
    /// Its operator.
    pub operator: String,
    /// `grid` or `random`.
    pub strategy: String,
    /// The metric the trials were ranked by.
    pub metric: String,
    /// The method they were evaluated with, as text.
    pub method: String,
    /// Every trial, in enumeration order.
    pub trials: Vec<TrialResult>,
    /// The best trial's number (1-based).
    pub best_trial: usize,
    /// The best trial's parameters.
    pub best_params: BTreeMap<String, serde_json::Value>,
    /// The best trial's score.
    pub best_score: f64,
    /// The stage name the best trial trains under (`NAME#k`).
    pub model: String,
}

/// The chain of model, ensemble or trial stage `name` (`search#k`: trial `k`
/// of a search stage).
pub fn chain_of<'w>(wf: &'w Workflow, name: &str) -> Result<Chain<'w>> {
    if wf.stage(name).is_some() {
        return Chain::of(wf, name);
    }
    let no_stage = || Error::Usage(format!("no stage named `{name}`"));
    let (search, index) = parse_trial_name(name).ok_or_else(no_stage)?;
    let Some(StageKind::Search(stage)) = wf.stage(search).map(|s| &s.kind) else {
        return Err(no_stage());
    };
    let model = &stage.trials.get(index).ok_or_else(no_stage)?.model;
    Chain::of_model(wf, name, model)
}

/// A parameter value as JSON (`None`: `null`).
fn json(value: &Option<Value>) -> serde_json::Value {
    match value {
        None => serde_json::Value::Null,
        Some(Value::Int(i)) => (*i).into(),
        Some(Value::Float(f)) => serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into),
        Some(Value::Bool(b)) => (*b).into(),
        Some(Value::Str(s)) => s.clone().into(),
        Some(other) => other.to_string().into(),
    }
}

/// Runs search stage `name`: evaluates every trial (in parallel; the result
/// does not depend on the thread count) and ranks them.
pub fn run(wf: &Workflow, name: &str, stage: &SearchStage, progress: &Progress) -> Result<Search> {
    let metric = stage
        .metric
        .clone()
        .unwrap_or_else(|| mlg_stdlib::catalog::default_metrics(stage.task)[0].to_string());
    let metrics = [metric.clone()];
    let plan = Plan {
        statement: name,
        method: &stage.method,
        fold_file: stage.fold_file.as_deref(),
        metrics: &metrics,
        permutation_repeats: 0,
        details: false,
    };
    let bar = progress.bar(&format!("{name}: {} {} by {metric}", stage.strategy, stage.base));
    bar.set_length(stage.trials.len() as u64);
    let evaluations: Result<Vec<_>> = (0..stage.trials.len())
        .into_par_iter()
        .map(|i| {
            let trial = trial_name(name, i);
            let hidden = indicatif::ProgressBar::hidden();
            let evaluation = evaluate_model(wf, &plan, &trial, &trial, &hidden);
            bar.inc(1);
            evaluation
        })
        .collect();
    bar.finish_and_clear();
    let mut evaluations = evaluations?;
    rank(&mut evaluations);
    let trials: Vec<TrialResult> = evaluations
        .iter()
        .zip(&stage.trials)
        .enumerate()
        .map(|(i, (e, t))| {
            let summary = e.metrics.get(&metric);
            TrialResult {
                trial: i + 1,
                params: t.point.iter().map(|(k, v)| (k.clone(), json(v))).collect(),
                mean: summary.map_or(f64::NAN, |s| s.estimate),
                std: summary.map_or(f64::NAN, |s| s.std),
                rank: e.rank,
            }
        })
        .collect();
    let best = evaluations
        .iter()
        .position(|e| e.best)
        .ok_or_else(|| Error::Usage(format!("search `{name}` has no trials")))?;
    Ok(Search {
        name: name.to_string(),
        base: stage.base.clone(),
        operator: stage
            .trials
            .first()
            .map_or_else(String::new, |t| t.model.op.op.clone()),
        strategy: stage.strategy.clone(),
        metric,
        method: stage.method.to_string(),
        best_trial: best + 1,
        best_params: trials[best].params.clone(),
        best_score: trials[best].mean,
        model: trial_name(name, best),
        trials,
    })
}
