//! Evaluates one model under one method: splits the data rows, refits the
//! model's whole chain on every training part (in parallel), predicts the
//! held-out rows through the compiled inference function, and summarizes the
//! scores, confusion matrix, importances and pooled predictions.

pub mod fold;
pub mod folds;
pub mod importance;
pub mod rank;
pub mod sharded;
pub mod splits;
pub mod spread;
pub mod summary;

use super::fit::{Chain, ChainKind};
use super::plan::{BestTrials, ModelRef};
use crate::error::{Error, Result};
use crate::observer::Task;
use crate::session::Workflow;
use fold::{predicted_codes, run_split, FoldOutcome, FoldPlan, Permutation};
use mlg_compiler::workflow::stage::OpUse;
use mlg_compiler::workflow::StageKind;
use mlg_stdlib::eval::resample::estimate_632;
use mlg_stdlib::eval::Split;
use mlg_stdlib::op::Target;
use splits::{is_632, method_seed, splits};
use std::collections::BTreeMap;
use std::path::Path;
pub use summary::{Compression, Evaluation, MetricSummary};
use summary::{ConfusionMatrix, HeldOut};

/// Permutation importance shuffles the held-out rows of at most this many
/// splits (the first ones): all folds of `kfold(k <= 10)`, a sample of the
/// splits of `repeated_kfold` and `bootstrap`.
pub const PERMUTATION_MAX_SPLITS: usize = 10;

/// How one statement evaluates its models.
#[derive(Clone, Copy, Debug)]
pub struct Plan<'a> {
    /// The statement's stage name (`evaluate#N` or a select's name).
    pub statement: &'a str,
    /// The evaluation method.
    pub method: &'a OpUse,
    /// The resolved fold file of `predefined_folds`.
    pub fold_file: Option<&'a Path>,
    /// Metrics to report, the first one ranks; empty means the task's defaults.
    pub metrics: &'a [String],
    /// Shuffles per raw column and split for permutation importance (0: off).
    pub permutation_repeats: usize,
    /// Also collect the confusion matrix, importances, coefficients and pooled
    /// held-out predictions.
    pub details: bool,
    /// The ranks of a distributed job that deals the splits out
    /// ([`spread::run_splits`]); `None` runs them all here.
    pub ranks: Option<spread::Ranks<'a>>,
}

/// Evaluates `resolved` (searches resolved by `best`) under `plan`, reported
/// as `model` (the name the statement wrote: `resolved` itself, or a select
/// stage that chose it). Rank fields are left at 0 for [`rank::rank`] to
/// fill; `progress` counts the splits.
pub fn evaluate_model(
    wf: &Workflow,
    best: &BestTrials,
    plan: &Plan,
    model: &str,
    resolved: &ModelRef,
    progress: &dyn Task,
) -> Result<Evaluation> {
    let chain = Chain::of_ref(wf, best, resolved)?;
    let resolved = resolved.to_string();
    let local_target = chain.target()?;
    // A data-parallel job: this rank holds a shard of the rows, and the
    // splits are drawn over every rank's (`sharded.rs`).
    let shards = sharded::Shards::of(chain.frame.n_rows);
    let (n, target) = match &shards {
        Some(s) => (s.total(), s.target(&local_target)),
        None => (chain.frame.n_rows, local_target.clone()),
    };
    let splits = splits(plan.method, plan.fold_file, n, &target)?;
    let resubstitute = is_632(plan.method);
    progress.set_length((splits.len() + usize::from(resubstitute)) as u64);
    let metrics: Vec<String> = if plan.metrics.is_empty() {
        mlg_stdlib::catalog::default_metrics(chain.task)
            .iter()
            .map(|m| m.to_string())
            .collect()
    } else {
        plan.metrics.to_vec()
    };
    let permutation =
        (plan.details && plan.permutation_repeats > 0 && shards.is_none()).then(|| Permutation {
            repeats: plan.permutation_repeats,
            max_splits: PERMUTATION_MAX_SPLITS,
            seed: method_seed(plan.method),
        });
    // Sizes are reported when the workflow compresses a model, so that every
    // evaluated model, compressed or not, shows its own for comparison.
    let report_size = wf
        .checked
        .graph
        .order()
        .iter()
        .any(|&id| matches!(&wf.checked.graph.stage(id).kind, StageKind::Model(m) if !m.is_plain()));
    let fold_plan = FoldPlan {
        chain: &chain,
        target: &local_target,
        metrics: &metrics,
        model,
        permutation,
        report_size,
        measure_latency: report_size,
    };
    let data = plan.method.params.get(mlg_compiler::workflow::args::DISTRIBUTE)
        == Some(&mlg_compiler::workflow::catalog::Value::Str("data".into()));
    if let (true, Some(ranks)) = (data, plan.ranks) {
        crate::executor::fit::distributed::check_chain(&chain, plan.statement, ranks.0.size())?;
    }
    // On shards, a rank scores nothing alone: every held-out row is scored
    // once the ranks' predictions are gathered.
    let local_plan = FoldPlan {
        metrics: &[],
        ..fold_plan
    };
    let on_shards = |s: &sharded::Shards, i: usize, split: &Split| {
        s.run_split(split, &target, &metrics, |mine| run_split(&local_plan, mine, i))
    };
    let folds: Vec<FoldOutcome> = match &shards {
        Some(s) => splits
            .iter()
            .enumerate()
            .map(|(i, split)| {
                let outcome = on_shards(s, i, split);
                progress.advance(1);
                outcome
            })
            .collect::<Result<_>>()?,
        None => spread::run_splits(plan.ranks, data, &splits, |i, split| {
            let outcome = run_split(&fold_plan, split, i);
            progress.advance(1);
            outcome
        })?,
    };
    let resubstitution = if resubstitute {
        let all: Vec<usize> = (0..n).collect();
        let plan_all = FoldPlan {
            permutation: None,
            ..fold_plan
        };
        let every = Split {
            train: all.clone(),
            test: all,
        };
        let outcome = match &shards {
            Some(s) => on_shards(s, splits.len(), &every)?,
            None => run_split(&plan_all, &every, splits.len())?,
        };
        progress.advance(1);
        Some(outcome.scores)
    } else {
        None
    };
    let mut summaries = BTreeMap::new();
    for (i, m) in metrics.iter().enumerate() {
        let mut summary = MetricSummary::of(folds.iter().map(|f| f.scores[i]).collect());
        if let Some(resub) = &resubstitution {
            summary.resubstitution = Some(resub[i]);
            summary.estimate = estimate_632(resub[i], summary.mean);
        }
        summaries.insert(m.clone(), summary);
    }
    let mut fit_scores: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for fold in &folds {
        for (name, v) in &fold.fit_scores {
            fit_scores.entry(name.clone()).or_default().push(*v);
        }
    }
    let compression = report_size.then(|| compression(&chain, &mut fit_scores));
    let classes = match &target {
        Target::Classes { labels, .. } => labels.clone(),
        Target::Values(_) => Vec::new(),
    };
    let task = chain.task;
    let mut evaluation = Evaluation {
        statement: plan.statement.to_string(),
        model: model.to_string(),
        selected: (model != resolved).then(|| resolved.to_string()),
        operator: chain.operator.clone(),
        task: task.to_string(),
        method: plan.method.to_string(),
        ranked_by: metrics[0].clone(),
        metrics: summaries,
        metric_order: metrics.clone(),
        rank: 0,
        best: false,
        fit_seconds: folds.iter().map(|f| f.fit_seconds).sum::<f64>() / folds.len().max(1) as f64,
        fit_scores: fit_scores
            .into_iter()
            .map(|(k, v)| (k, MetricSummary::of(v)))
            .collect(),
        compression,
        confusion_matrix: None,
        never_predicted: match &target {
            Target::Classes { codes, labels } => {
                let truth: Vec<u32> = splits
                    .iter()
                    .flat_map(|s| s.test.iter().map(|&r| codes[r]))
                    .collect();
                let predicted: Vec<u32> = folds
                    .iter()
                    .flat_map(|f| predicted_codes(&f.outputs, f.n_out))
                    .collect();
                summary::never_predicted(labels, &truth, &predicted)
            }
            Target::Values(_) => Vec::new(),
        },
        importances: None,
        coefficients: None,
        permutation_importance: None,
        held_out: HeldOut::None,
        held_out_rows: Vec::new(),
    };
    if plan.details {
        evaluation.held_out = pool(&folds, &splits, &target);
        evaluation.held_out_rows = splits
            .iter()
            .enumerate()
            .flat_map(|(s, split)| split.test.iter().map(move |&r| (s, r)))
            .collect();
        if let HeldOut::Classes {
            labels,
            truth,
            predicted,
            ..
        } = &evaluation.held_out
        {
            let counts = mlg_stdlib::metrics::confusion_matrix(truth, predicted, labels.len())
                .map_err(|e| Error::op(model, e))?;
            evaluation.confusion_matrix = Some(ConfusionMatrix {
                labels: labels.clone(),
                counts,
            });
        }
        evaluation.importances = importance::model_importances(&folds);
        evaluation.coefficients = importance::coefficients(&folds, &classes, task);
        if let Some(perm) = permutation {
            let columns: Vec<String> = chain.input_slots().into_iter().map(|s| s.name).collect();
            evaluation.permutation_importance =
                importance::permutation(&folds, &columns, &metrics[0], perm.repeats);
        }
    }
    Ok(evaluation)
}

/// The compression table's figures of `chain`, taken out of its per-split
/// `fit_scores` (`size_bytes`, `nonzero_weights`, `latency_us`).
fn compression(chain: &Chain, fit_scores: &mut BTreeMap<String, Vec<f64>>) -> Compression {
    let mut mean = |name: &str| {
        fit_scores
            .remove(name)
            .filter(|v| !v.is_empty())
            .map(|v| v.iter().sum::<f64>() / v.len() as f64)
    };
    let (base, steps) = match &chain.kind {
        ChainKind::Model { model, .. } => (
            model.compressed_from.clone(),
            (model.distill.iter().map(|d| format!("{d} -> {}", model.op.op)))
                .chain(model.compress.iter().map(|s| s.to_string()))
                .collect(),
        ),
        ChainKind::Ensemble { .. } => (None, Vec::new()),
    };
    Compression {
        base,
        steps,
        size_bytes: mean("size_bytes").unwrap_or(0.0),
        nonzero_weights: mean("nonzero_weights").unwrap_or(0.0),
        latency_us: mean("latency_us"),
    }
}

/// The held-out rows of every split, in split order, with their predictions.
fn pool(folds: &[FoldOutcome], splits: &[Split], target: &Target) -> HeldOut {
    match target {
        Target::Classes { codes, labels } => {
            let (mut truth, mut predicted, mut proba) = (Vec::new(), Vec::new(), Vec::new());
            for (fold, split) in folds.iter().zip(splits) {
                truth.extend(split.test.iter().map(|&r| codes[r]));
                predicted.extend(predicted_codes(&fold.outputs, fold.n_out));
                for row in fold.outputs.chunks_exact(fold.n_out) {
                    // Rows are [class, p_0 .. p_{k-1}]; pad if a model gives fewer.
                    for k in 0..labels.len() {
                        proba.push(row.get(k + 1).map_or(f64::NAN, |&p| f64::from(p)));
                    }
                }
            }
            HeldOut::Classes {
                labels: labels.clone(),
                truth,
                predicted,
                proba,
            }
        }
        Target::Values(values) => {
            let (mut truth, mut predicted) = (Vec::new(), Vec::new());
            for (fold, split) in folds.iter().zip(splits) {
                truth.extend(split.test.iter().map(|&r| values[r]));
                predicted.extend(fold.outputs.chunks_exact(fold.n_out).map(|row| f64::from(row[0])));
            }
            HeldOut::Values { truth, predicted }
        }
    }
}
