//! The choice of `compress NAME = MODEL -> budget(...)`: among `MODEL` and
//! its variants, all scored on the same folds, keep those whose score is
//! within `accuracy_drop` of `MODEL`'s and whose single-row latency is within
//! `latency_us`, and choose the smallest (or fastest) of them; ties go to the
//! better score, then to the earlier candidate.

use crate::error::{Error, Result};
use crate::executor::eval::summary::BudgetOutcome;
use crate::executor::eval::Evaluation;
use mlg_compiler::workflow::stage::CompressBudget;

/// The candidate of `candidates` (in the order tried, the base among them)
/// that `budget` chooses for stage `name`, ranked by `metric`, and how;
/// `failed` are the variants that could not be scored. An error when the
/// base has no score or no candidate meets the budget: it lists every
/// candidate's figures.
pub(super) fn choose(
    name: &str,
    budget: &CompressBudget,
    metric: &str,
    candidates: &[Evaluation],
    failed: Vec<(String, String)>,
) -> Result<(String, BudgetOutcome)> {
    let base_score = candidates
        .iter()
        .find(|e| e.model == budget.base)
        .and_then(Evaluation::ranking_score)
        .filter(|s| s.is_finite())
        .ok_or_else(|| {
            Error::Usage(format!(
                "`{name}`: the model `{}` has no {metric} score to measure the budget against",
                budget.base
            ))
        })?;
    let higher = mlg_stdlib::metrics::higher_is_better(metric);
    let latency = |e: &Evaluation| e.compression.as_ref().and_then(|c| c.latency_us);
    let meets = |e: &Evaluation| {
        let Some(score) = e.ranking_score().filter(|s| s.is_finite()) else {
            return false;
        };
        let drop = if higher {
            base_score - score
        } else {
            score - base_score
        };
        // A margin for the rounding of means over the same folds.
        drop <= budget.accuracy_drop + 1e-12
            && budget
                .latency_us
                .is_none_or(|most| latency(e).is_some_and(|l| l <= most))
    };
    let cost = |e: &Evaluation| match budget.objective.as_str() {
        "latency" => latency(e).unwrap_or(f64::INFINITY),
        _ => e.compression.as_ref().map_or(f64::INFINITY, |c| c.size_bytes),
    };
    let within: Vec<&Evaluation> = candidates.iter().filter(|e| meets(e)).collect();
    let better = |a: &Evaluation, b: &Evaluation| {
        let (x, y) = (
            a.ranking_score().unwrap_or(f64::NAN),
            b.ranking_score().unwrap_or(f64::NAN),
        );
        if higher {
            y.total_cmp(&x)
        } else {
            x.total_cmp(&y)
        }
    };
    // `min_by` keeps the first of equal elements: the earlier candidate.
    let chosen = within
        .iter()
        .min_by(|a, b| cost(a).total_cmp(&cost(b)).then_with(|| better(a, b)))
        .ok_or_else(|| {
            Error::Usage(nothing_meets(
                name, budget, metric, base_score, candidates, &failed,
            ))
        })?;
    let outcome = BudgetOutcome {
        budget: budget.to_string(),
        base: budget.base.clone(),
        base_score,
        objective: budget.objective.clone(),
        within: within.iter().map(|e| e.model.clone()).collect(),
        failed,
    };
    Ok((chosen.model.clone(), outcome))
}

/// The error of a budget no candidate meets: the budget, then every
/// candidate's score, size and latency.
fn nothing_meets(
    name: &str,
    budget: &CompressBudget,
    metric: &str,
    base_score: f64,
    candidates: &[Evaluation],
    failed: &[(String, String)],
) -> String {
    let mut out = format!(
        "`{name}`: no candidate meets {budget} (`{}` scores {base_score:.4} {metric}); relax the budget:",
        budget.base
    );
    for e in candidates {
        let c = e.compression.as_ref();
        out.push_str(&format!(
            "\n  {}: {metric} {}, {} bytes, {} µs",
            e.model,
            e.ranking_score().map_or("-".into(), |s| format!("{s:.4}")),
            c.map_or("-".into(), |c| format!("{:.0}", c.size_bytes)),
            c.and_then(|c| c.latency_us)
                .map_or("-".into(), |l| format!("{l:.2}")),
        ));
    }
    for (model, why) in failed {
        out.push_str(&format!("\n  {model}: not applicable: {why}"));
    }
    out
}
