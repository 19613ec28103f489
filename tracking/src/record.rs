//! What a run keeps: its parameters, read from the checked workflow (every
//! stage's operator and checked parameters, defaults filled in, and each
//! search's best trial), and its metrics, read from the run's evaluations,
//! selections and searches.

use crate::{MetricRow, Param};
use mlg::executor::Evaluation;
use mlg_compiler::workflow::stage::DataSource;
use mlg_compiler::workflow::StageKind;

/// `(key, value)` parameters of the workflow and of the run's search
/// results, sorted by key. Keys are `STAGE.NAME`: `lr.operator`, `lr.C`,
/// `prep.steps`, `data.source`, `tune.best.C`, `evaluate#1.method`.
pub fn params(wf: &mlg::Workflow, out: &mlg::RunOutput) -> Vec<Param> {
    let mut params = Vec::new();
    let mut put = |key: String, value: String| params.push(Param { key, value });
    for &id in wf.checked.graph.order() {
        let stage = wf.checked.graph.stage(id);
        let name = &stage.name;
        match &stage.kind {
            StageKind::Data(data) => match &data.source {
                DataSource::File { path_text, .. } => put(format!("{name}.source"), path_text.clone()),
                other => put(format!("{name}.source"), format!("{other:?}")),
            },
            StageKind::Features(features) => {
                let steps: Vec<String> = features.steps.iter().map(|s| s.op.to_string()).collect();
                put(format!("{name}.steps"), steps.join(" -> "));
            }
            StageKind::Model(model) => {
                put(format!("{name}.operator"), model.op.op.clone());
                for (key, value) in &model.op.params {
                    put(format!("{name}.{key}"), value.to_string());
                }
                if !model.compress.is_empty() {
                    let steps: Vec<String> = model.compress.iter().map(ToString::to_string).collect();
                    put(format!("{name}.compress"), steps.join(" -> "));
                }
            }
            StageKind::Ensemble(ensemble) => {
                put(format!("{name}.combiner"), ensemble.combiner.to_string());
                put(format!("{name}.members"), ensemble.members.join(", "));
            }
            StageKind::Search(search) => {
                put(format!("{name}.strategy"), search.strategy.clone());
                if let Some(trials) = search.trials {
                    put(format!("{name}.trials"), trials.to_string());
                }
            }
            StageKind::Select(_) | StageKind::Evaluate(_) | StageKind::Deploy(_) => {}
        }
    }
    for search in &out.searches {
        put(
            format!("{}.best_trial", search.name),
            search.best_trial.to_string(),
        );
        for (key, value) in &search.best_params {
            put(format!("{}.best.{key}", search.name), value.to_string());
        }
    }
    for selection in &out.selections {
        put(format!("{}.chosen", selection.name), selection.chosen.clone());
    }
    for evaluation in &out.evaluations {
        put(
            format!("{}.method", evaluation.statement),
            evaluation.method.clone(),
        );
    }
    params.sort_by(|a, b| a.key.cmp(&b.key));
    params.dedup_by(|a, b| a.key == b.key);
    params
}

/// Rows of `evaluation`: per metric, the estimate (`fold` `None`) and each
/// split's score.
fn evaluation_rows(evaluation: &Evaluation, rows: &mut Vec<MetricRow>) {
    for (metric, summary) in &evaluation.metrics {
        let row = |fold: Option<usize>, value: f64| MetricRow {
            statement: evaluation.statement.clone(),
            model: evaluation.model.clone(),
            metric: metric.clone(),
            fold,
            value,
        };
        rows.push(row(None, summary.estimate));
        rows.extend(summary.folds.iter().enumerate().map(|(i, &v)| row(Some(i), v)));
    }
}

/// Every metric of the run: each evaluation's and each select candidate's
/// scores, and each search's best score (model `best`).
pub fn metrics(out: &mlg::RunOutput) -> Vec<MetricRow> {
    let mut rows = Vec::new();
    for evaluation in &out.evaluations {
        evaluation_rows(evaluation, &mut rows);
    }
    for selection in &out.selections {
        for candidate in &selection.candidates {
            evaluation_rows(candidate, &mut rows);
        }
    }
    for search in &out.searches {
        rows.push(MetricRow {
            statement: search.name.clone(),
            model: "best".into(),
            metric: search.metric.clone(),
            fold: None,
            value: search.best_score,
        });
    }
    rows
}

/// One line that sums the run up for `mlg runs list`: the first evaluate
/// statement's best model and its ranking score (or the first search's best).
pub fn headline(out: &mlg::RunOutput) -> Option<String> {
    if let Some(best) = out.evaluations.iter().find(|e| e.best) {
        let score = best.ranking_score()?;
        return Some(format!("{} {} {}", best.model, best.ranked_by, fmt(score)));
    }
    let search = out.searches.first()?;
    Some(format!(
        "{} {} {}",
        search.name,
        search.metric,
        fmt(search.best_score)
    ))
}

/// A score with 4 decimals (as the run's tables print them).
pub(crate) fn fmt(value: f64) -> String {
    format!("{value:.4}")
}
