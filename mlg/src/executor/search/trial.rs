//! One search trial: the tuned stage under the trial's patch, refitted on
//! every split's training rows (a stratified share of them, or a scaled
//! model parameter, below the full budget) and scored on the held-out rows.
//! With a pruner the splits run in order and the trial stops after a split
//! whose running mean falls below the median of earlier trials'; without
//! one they run in parallel. A trial whose fit is rejected, whose
//! predictions are NaN or infinite ([`super::finite`]) or whose mean score is
//! not a finite number fails alone, with the reason, and is never ranked.

use crate::error::{Error, Result};
use crate::executor::eval::fold::{run_split, FoldOutcome, FoldPlan};
use crate::executor::eval::sharded::Shards;
use crate::executor::eval::spread::on_shares;
use crate::executor::eval::summary::mean_std;
use crate::executor::fit::Chain;
use crate::executor::plan::{BestTrials, Stages};
use crate::session::Workflow;
use mlg_compiler::workflow::catalog::{Catalog, Default as ParamDefault, Value};
use mlg_compiler::workflow::stage::{Budget, StageKind, LATENCY_US, SIZE_BYTES};
use mlg_compiler::workflow::trial::Patch;
use mlg_runtime::collective::Collective;
use mlg_stdlib::eval::rng::SplitMix64;
use mlg_stdlib::eval::Split;
use mlg_stdlib::op::Target;
use mlg_stdlib::tune::prune::Median;
use rayon::prelude::*;
use std::sync::Arc;
use std::time::Instant;

/// What every trial of one search shares.
pub struct TrialPlan<'a> {
    pub wf: &'a Workflow,
    /// What search stages upstream of the tuned one stand for.
    pub best: &'a BestTrials,
    /// The tuned stage.
    pub base: &'a str,
    pub splits: &'a [Split],
    pub target: &'a Target,
    /// The metrics to score, the first one ranks.
    pub metrics: &'a [String],
    /// Every objective, in order (metrics, `latency_us`, `size_bytes`).
    pub objectives: &'a [String],
    /// +1 when the first metric is better higher, else -1.
    pub sign: f64,
    /// Median pruning, if on.
    pub pruner: Option<Median>,
    /// What a budget below 1 scales.
    pub budget: &'a Budget,
    /// Seeds the row shares of a budget below 1.
    pub seed: u64,
    /// With `distribute = "data"` on many ranks, the ranks every fit sums
    /// over: the splits run in turn, each on the rank's share of its
    /// training rows.
    pub shares: Option<Arc<dyn Collective>>,
    /// In a data-parallel job, this rank's shard of the rows: the splits
    /// (over global rows) run in turn, each on the shards
    /// ([`Shards::run_split`]), and `target` is every rank's.
    pub shards: Option<&'a Shards>,
    /// This rank's target (`target` itself outside a data-parallel job).
    pub local_target: &'a Target,
}

impl TrialPlan<'_> {
    /// Whether the splits and trials must run in turn (their fits call the
    /// ranks).
    pub fn in_turn(&self) -> bool {
        self.shares.is_some() || self.shards.is_some()
    }
}

/// How a trial ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Status {
    Complete,
    Pruned,
    Failed,
}

impl Status {
    /// `complete`, `pruned` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Complete => "complete",
            Status::Pruned => "pruned",
            Status::Failed => "failed",
        }
    }
}

/// A finished trial.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct TrialOutcome {
    pub status: Status,
    pub error: Option<String>,
    /// Per metric of the plan: (mean, std) over the splits run.
    pub scores: Vec<(f64, f64)>,
    /// Per objective of the plan (`NaN` when not complete).
    pub objectives: Vec<f64>,
    /// The first metric's running mean after each split, times the plan's sign.
    pub intermediate: Vec<f64>,
    /// Training rows × fits, times the budget for parameter budgets.
    pub cost: f64,
    pub seconds: f64,
}

/// The fold plan of trial `name`'s `chain`: no permutation importance; the
/// size and latency when objectives ask for them.
fn fold_plan_of<'a>(chain: &'a Chain, plan: &'a TrialPlan, name: &'a str) -> FoldPlan<'a> {
    FoldPlan {
        chain,
        target: plan.local_target,
        // On shards a rank scores nothing alone ([`Shards::run_split`]).
        metrics: if plan.shards.is_some() { &[] } else { plan.metrics },
        model: name,
        permutation: None,
        report_size: plan.objectives.iter().any(|o| o == SIZE_BYTES),
        measure_latency: plan.objectives.iter().any(|o| o == LATENCY_US),
    }
}

/// Runs trial `name`: stage `plan.base` under `patch` at `budget`; `earlier`
/// holds the intermediate values of the trials finished before it (for the
/// pruner).
pub fn run_trial(
    plan: &TrialPlan,
    name: &str,
    patch: &Patch,
    budget: f64,
    earlier: &[Vec<f64>],
) -> TrialOutcome {
    let started = Instant::now();
    let mut outcome = match evaluate(plan, name, patch, budget, earlier) {
        Ok(o) => o,
        Err(e) => TrialOutcome {
            status: Status::Failed,
            error: Some(e.to_string()),
            scores: vec![(f64::NAN, f64::NAN); plan.metrics.len()],
            objectives: vec![f64::NAN; plan.objectives.len()],
            intermediate: Vec::new(),
            cost: 0.0,
            seconds: 0.0,
        },
    };
    outcome.seconds = started.elapsed().as_secs_f64();
    outcome
}

fn evaluate(
    plan: &TrialPlan,
    name: &str,
    patch: &Patch,
    budget: f64,
    earlier: &[Vec<f64>],
) -> Result<TrialOutcome> {
    let mut patch = patch.clone();
    let mut row_share = 1.0;
    let mut cost_scale = 1.0;
    if budget < 1.0 {
        match plan.budget {
            Budget::Rows => row_share = budget,
            Budget::Param(param) => {
                scale_param(plan.wf, plan.base, &mut patch, param, budget)?;
                cost_scale = budget;
            }
        }
    }
    let stages = Stages::of(plan.wf, plan.best).patched(&patch);
    let chain = Chain::in_stages(stages, plan.base, plan.base)?;
    if let Some(c) = &plan.shares {
        crate::executor::fit::distributed::check_chain(&chain, name, c.size())?;
    }
    // One split's fit and scores: here, or on the ranks' shares of its rows.
    let fold_plan = fold_plan_of(&chain, plan, name);
    let fold = |split: &Split, i: usize| -> Result<FoldOutcome> {
        match (&plan.shares, plan.shards) {
            (_, Some(s)) => s.run_split(split, plan.target, plan.metrics, |mine| {
                run_split(&fold_plan, mine, i)
            }),
            (Some(group), None) => on_shares(group, split, |mine| run_split(&fold_plan, mine, i)),
            (None, None) => run_split(&fold_plan, split, i),
        }
    };
    let split_at = |i: usize, split: &Split| -> Split {
        if row_share >= 1.0 {
            return split.clone();
        }
        Split {
            train: share(&split.train, plan.target, row_share, plan.seed, i),
            test: split.test.clone(),
        }
    };
    let mut folds: Vec<FoldOutcome> = Vec::with_capacity(plan.splits.len());
    let mut cost = 0.0;
    let mut intermediate = Vec::new();
    let mut status = Status::Complete;
    match &plan.pruner {
        Some(pruner) => {
            for (i, split) in plan.splits.iter().enumerate() {
                let split = split_at(i, split);
                cost += split.train.len() as f64 * cost_scale;
                folds.push(fold(&split, i)?);
                let running = folds.iter().map(|f| f.scores[0]).sum::<f64>() / folds.len() as f64;
                intermediate.push(plan.sign * running);
                if i + 1 < plan.splits.len() && pruner.should_prune(earlier, i, plan.sign * running) {
                    status = Status::Pruned;
                    break;
                }
            }
        }
        None => {
            let shares: Vec<Split> = plan
                .splits
                .iter()
                .enumerate()
                .map(|(i, s)| split_at(i, s))
                .collect();
            cost = shares.iter().map(|s| s.train.len() as f64 * cost_scale).sum();
            folds = if plan.in_turn() {
                shares
                    .iter()
                    .enumerate()
                    .map(|(i, split)| fold(split, i))
                    .collect::<Result<_>>()?
            } else {
                shares
                    .par_iter()
                    .enumerate()
                    .map(|(i, split)| fold(split, i))
                    .collect::<Result<_>>()?
            };
            let mut sum = 0.0;
            for (i, f) in folds.iter().enumerate() {
                sum += f.scores[0];
                intermediate.push(plan.sign * sum / (i + 1) as f64);
            }
        }
    }
    let scores: Vec<(f64, f64)> = (0..plan.metrics.len())
        .map(|m| mean_std(&folds.iter().map(|f| f.scores[m]).collect::<Vec<_>>()))
        .collect();
    if let Some(&(mean, _)) = scores.first().filter(|s| !s.0.is_finite()) {
        return Err(Error::Usage(format!(
            "model `{name}`: its mean {} over the splits is {mean}, which cannot be ranked",
            plan.metrics[0]
        )));
    }
    let objectives = plan
        .objectives
        .iter()
        .map(|o| {
            if status != Status::Complete {
                return f64::NAN;
            }
            if let Some(m) = plan.metrics.iter().position(|m| m == o) {
                return scores[m].0;
            }
            folds
                .first()
                .and_then(|f| f.fit_scores.iter().find(|(k, _)| k == o))
                .map_or(f64::NAN, |(_, v)| *v)
        })
        .collect();
    Ok(TrialOutcome {
        status,
        error: None,
        scores,
        objectives,
        intermediate,
        cost,
        seconds: 0.0,
    })
}

/// Scales integer parameter `param` of model stage `base` (as patched) to
/// `budget` of its value: at least 1.
fn scale_param(wf: &Workflow, base: &str, patch: &mut Patch, param: &str, budget: f64) -> Result<()> {
    if !patch.contains_key(base) {
        let kind = wf
            .stage(base)
            .map(|s| s.kind.clone())
            .ok_or_else(|| Error::Usage(format!("no stage named `{base}`")))?;
        patch.insert(base.to_string(), kind);
    }
    let Some(StageKind::Model(model)) = patch.get_mut(base) else {
        return Err(Error::Usage(format!(
            "budget `{param}` needs `{base}` to be a model"
        )));
    };
    let full = match model.op.params.get(param) {
        Some(Value::Int(v)) => *v,
        _ => match mlg_stdlib::catalog::StdCatalog
            .get(&model.op.op)
            .and_then(|spec| spec.params.iter().find(|p| p.name == param))
            .map(|p| p.default)
        {
            Some(ParamDefault::Int(v)) => v,
            _ => {
                return Err(Error::Usage(format!(
                    "budget `{param}` of `{}` has no integer value to scale",
                    model.op.op
                )))
            }
        },
    };
    let scaled = ((full as f64 * budget).round() as i64).max(1);
    model.op.params.insert(param.to_string(), Value::Int(scaled));
    Ok(())
}

/// A seeded share of `rows` (at least one row per class present, stratified
/// for classification), fixed by the seed and the split index so that every
/// trial at one budget trains on the same rows.
pub fn share(rows: &[usize], target: &Target, fraction: f64, seed: u64, split: usize) -> Vec<usize> {
    let mut rng = SplitMix64::new(seed ^ (split as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let groups: Vec<Vec<usize>> = match target {
        Target::Classes { codes, labels } => {
            let mut g = vec![Vec::new(); labels.len()];
            for &r in rows {
                g[codes[r] as usize].push(r);
            }
            g
        }
        Target::Values(_) => vec![rows.to_vec()],
    };
    let mut out = Vec::new();
    for mut group in groups.into_iter().filter(|g| !g.is_empty()) {
        rng.shuffle(&mut group);
        let keep = ((group.len() as f64 * fraction).ceil() as usize).clamp(1, group.len());
        out.extend_from_slice(&group[..keep]);
    }
    out.sort_unstable();
    out
}

/// `run(j)` for `j < n`, dealt out to the ranks of `comm` (trial `j` to rank
/// `j mod size`, this rank's in parallel) and gathered in order on every
/// rank. A rank whose part cannot be read back is an error (a bug: every
/// rank runs the same build).
pub fn deal<T>(
    comm: &dyn mlg_runtime::collective::Collective,
    n: usize,
    run: impl Fn(usize) -> T + Sync,
) -> crate::error::Result<Vec<T>>
where
    T: Send + serde::Serialize + serde::de::DeserializeOwned,
{
    use rayon::prelude::*;
    let (rank, size) = (comm.rank(), comm.size());
    let mine: Vec<(usize, T)> = (0..n)
        .into_par_iter()
        .filter(|j| j % size == rank)
        .map(|j| (j, run(j)))
        .collect();
    let bytes = postcard::to_allocvec(&mine)
        .map_err(|e| crate::error::Error::Distributed(format!("cannot encode rank {rank}'s trials: {e}")))?;
    let mut out: Vec<Option<T>> = (0..n).map(|_| None).collect();
    for (from, part) in comm.all_gather(&bytes).iter().enumerate() {
        let part: Vec<(usize, T)> = postcard::from_bytes(part).map_err(|e| {
            crate::error::Error::Distributed(format!("cannot decode rank {from}'s trials: {e}"))
        })?;
        part.into_iter().for_each(|(j, t)| out[j] = Some(t));
    }
    out.into_iter()
        .enumerate()
        .map(|(j, t)| {
            t.ok_or_else(|| crate::error::Error::Distributed(format!("trial {j} was run by no rank")))
        })
        .collect()
}
