//! Runs `search NAME = tune(STAGE, ...) { space }` stages: the strategy
//! proposes batches of points; each batch runs in chunks of [`CHUNK`] trials
//! in parallel (each trial cross-validated, see [`super::trial`]), and every
//! finished trial is appended to the JSON-lines log. Early stopping, pruning
//! and resuming decide per chunk in trial order, so results do not depend on
//! the thread count. The best complete full-budget trial by the first
//! objective (the earlier on ties) is what `NAME` stands for in later stages;
//! it trains under the name `NAME#k` ([`ModelRef::Trial`]), and the search
//! returns it for the runner to record ([`BestTrials`]).

mod log;
mod result;
mod setup;
pub mod trial;

pub use result::{Objective, Search, TrialResult};
use setup::{dims, fingerprint, objectives, params, spec, values};

use super::eval::sharded::Shards;
use super::eval::splits::splits;
use super::fit::Chain;
use super::plan::{BestTrial, BestTrials, ModelRef, Stages};
use crate::error::{Error, Result};
use crate::observer::Observer;
use crate::session::Workflow;
use log::{Record, Shape, TrialLog};
use mlg_compiler::workflow::stage::{SearchStage, LATENCY_US, SIZE_BYTES};
use mlg_compiler::workflow::trial::{patch, Patch};
use mlg_runtime::collective::Collective;
use mlg_stdlib::tune::{self, Observation, Proposal};
use rayon::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use trial::{run_trial, Status, TrialOutcome, TrialPlan};

/// Trials run in parallel between two decisions (early stopping, pruning
/// medians, the timeout); fixed so results do not depend on the thread count.
pub const CHUNK: usize = 8;

/// Where a search keeps its trial log, and whether it resumes from it.
#[derive(Clone, Debug, Default)]
pub struct SearchOptions {
    /// The folder of the `NAME.trials.jsonl` logs; `None` writes none.
    pub log_dir: Option<PathBuf>,
    /// Take finished trials from an earlier log instead of training them.
    pub resume: bool,
}

/// Runs search stage `name`; searches upstream of it (members of a tuned
/// ensemble) are resolved by `best`. Returns the search's summary and its
/// best trial.
///
/// With `ranks` (a task-parallel distributed job), the trials of every chunk
/// are dealt out to the ranks (trial `j` of a chunk to rank `j mod size`)
/// and their outcomes gathered in trial order, so every rank takes the same
/// decisions; rank 0 alone writes the log and decides the timeout, and on
/// `--resume` sends the trials it read from the log to every rank.
pub fn run(
    wf: &Workflow,
    best: &BestTrials,
    name: &str,
    stage: &SearchStage,
    observer: &dyn Observer,
    options: &SearchOptions,
    ranks: Option<&Arc<dyn Collective>>,
) -> Result<(Search, BestTrial)> {
    // A data-parallel job (this rank holds a shard of the rows): the ranks
    // still agree on the log and the clock, and the trials run in turn on
    // the shards.
    let world = mlg_runtime::collective::current();
    let sharded = ranks.is_none() && world.size() > 1;
    let group = ranks.filter(|c| c.size() > 1).or(sharded.then_some(&world));
    let ranks = group.map(|c| c.as_ref());
    let writer = ranks.is_none_or(|c| c.rank() == 0);
    // `distribute = "data"` on the cv: the trials run in turn on every
    // rank, each fit on the ranks' shares of its split's training rows.
    let data = stage.method.params.get(mlg_compiler::workflow::args::DISTRIBUTE)
        == Some(&mlg_compiler::workflow::catalog::Value::Str("data".into()));
    let shares = group.filter(|_| data && !sharded).cloned();
    let started = Instant::now();
    let base_chain = Chain::in_stages(Stages::of(wf, best), &stage.base, &stage.base)?;
    if let Some(c) = &shares {
        super::fit::distributed::check_chain(&base_chain, name, c.size())?;
    }
    let local_target = base_chain.target()?;
    let shards = sharded.then(|| Shards::of(base_chain.frame.n_rows)).flatten();
    let (n, target) = match &shards {
        Some(s) => (s.total(), s.target(&local_target)),
        None => (base_chain.frame.n_rows, local_target.clone()),
    };
    let splits = splits(&stage.method, stage.fold_file.as_deref(), n, &target)?;
    let objectives = objectives(stage);
    let objective_names: Vec<String> = objectives.iter().map(|o| o.name.clone()).collect();
    let metrics: Vec<String> = objective_names
        .iter()
        .filter(|o| *o != LATENCY_US && *o != SIZE_BYTES)
        .cloned()
        .collect();
    let signs: Vec<f64> = objectives
        .iter()
        .map(|o| if o.direction == "maximize" { 1.0 } else { -1.0 })
        .collect();
    let plan = TrialPlan {
        wf,
        best,
        base: &stage.base,
        splits: &splits,
        target: &target,
        metrics: &metrics,
        objectives: &objective_names,
        sign: signs[0],
        pruner: stage.prune.then(mlg_stdlib::tune::prune::Median::default),
        budget: &stage.budget,
        seed: stage.seed,
        shares,
        shards: shards.as_ref(),
        local_target: &local_target,
    };
    let mut strategy = tune::strategy(&spec(stage), &dims(stage), stage.seed);
    let log_dir = options.log_dir.as_ref().filter(|_| writer);
    let shape = Shape {
        metrics: metrics.len(),
        objectives: objective_names.len(),
    };
    let opened = match log_dir {
        Some(dir) => {
            let path = dir.join(format!("{name}.trials.jsonl"));
            let fp = fingerprint(wf, stage, n);
            TrialLog::open(&path, name, &fp, options.resume, shape).map(|(log, earlier)| {
                if let Some(note) = &earlier.note {
                    observer.note(note);
                }
                (Some(log), earlier.records)
            })
        }
        None => Ok((None, Vec::new())),
    };
    // Every rank learns whether rank 0 could open the log before any trial.
    if let Some(c) = ranks {
        let outcome = opened.as_ref().map(|_| ()).map_err(ToString::to_string);
        if let Some((rank, message)) = c.failures(outcome).into_iter().next() {
            return Err(Error::Distributed(format!("rank {rank}: {message}")));
        }
    }
    let (mut log, mut earlier) = opened?;
    // Resuming on many ranks: rank 0 read the log and sends its trials, so
    // every rank reuses the same ones and deals out the same rest.
    if let (Some(c), true) = (ranks, options.resume) {
        let text = log.as_ref().map(|l| l.lines().join("\n")).unwrap_or_default();
        let sent = c.broadcast(0, text.as_bytes());
        if c.rank() != 0 {
            let text = String::from_utf8_lossy(&sent);
            earlier = log::parse_lines(text.lines(), shape)?;
        }
    }
    let bar = observer.bar(&format!("{name}: {} over {}", stage.strategy, stage.base));
    // A known total is shown from the start; otherwise the bar grows batch
    // by batch (halving's rungs).
    let planned = strategy.planned();
    if let Some(n) = planned {
        bar.set_length(n as u64);
    }
    let mut history: Vec<Observation> = Vec::new();
    let mut trials: Vec<(Proposal, Patch, TrialOutcome, bool)> = Vec::new();
    let mut stopped = None;
    let mut best: Option<(f64, usize)> = None;
    let mut since_best = 0usize;
    'search: while let Some(batch) = strategy.ask(&history) {
        if planned.is_none() {
            bar.add_length(batch.len() as u64);
        }
        for chunk in batch.chunks(CHUNK) {
            let mut late = stage.timeout.filter(|t| started.elapsed().as_secs_f64() >= *t);
            if let (Some(c), Some(_)) = (ranks, stage.timeout) {
                // Rank 0's clock decides for every rank.
                let decided = c.broadcast(0, &[u8::from(late.is_some())]);
                late = stage.timeout.filter(|_| decided == [1]);
            }
            if let Some(limit) = late {
                stopped = Some(format!("timeout: {limit} s passed"));
                break 'search;
            }
            let first = trials.len();
            // Reuse logged trials while they match what the strategy proposes.
            let reused: Vec<Option<Record>> = chunk
                .iter()
                .enumerate()
                .map(|(j, p)| {
                    earlier
                        .get(first + j)
                        .filter(|r| r.coords == p.coords && r.budget == p.budget)
                        .cloned()
                })
                .collect();
            let keep = first + reused.iter().take_while(|r| r.is_some()).count();
            if keep < earlier.len() && keep < first + chunk.len() {
                earlier.truncate(keep);
                if let Some(log) = log.as_mut() {
                    log.truncate(keep)?;
                }
            }
            let patches: Vec<Patch> = chunk
                .iter()
                .map(|p| patch(&wf.checked.graph, stage, &values(stage, &p.coords)).map_err(Error::Usage))
                .collect::<Result<_>>()?;
            let intermediates: Vec<Vec<f64>> = trials.iter().map(|t| t.2.intermediate.clone()).collect();
            let run_one = |j: usize| -> (TrialOutcome, bool) {
                match reused[j].as_ref().filter(|_| first + j < keep) {
                    Some(r) => (outcome_of(r), true),
                    None => {
                        let trial = ModelRef::Trial {
                            search: name.to_string(),
                            index: first + j,
                        };
                        let o = run_trial(
                            &plan,
                            &trial.to_string(),
                            &patches[j],
                            chunk[j].budget,
                            &intermediates,
                        );
                        bar.advance(1);
                        (o, false)
                    }
                }
            };
            let outcomes: Vec<(TrialOutcome, bool)> = match ranks {
                Some(_) if plan.in_turn() => (0..chunk.len()).map(run_one).collect(),
                Some(c) => trial::deal(c, chunk.len(), run_one)?,
                None => (0..chunk.len()).into_par_iter().map(run_one).collect(),
            };
            for ((p, pt), (o, was_resumed)) in chunk.iter().zip(patches).zip(outcomes) {
                let k = trials.len();
                if !was_resumed {
                    if let Some(log) = log.as_mut() {
                        log.append(&record(stage, k, p, &o))?;
                    }
                } else {
                    bar.advance(1);
                }
                let signed = if o.status == Status::Complete && o.scores[0].0.is_finite() {
                    signs[0] * o.scores[0].0
                } else {
                    f64::NAN
                };
                history.push(Observation {
                    coords: p.coords.clone(),
                    budget: p.budget,
                    score: signed,
                });
                if p.budget >= 1.0 {
                    if !signed.is_nan() && best.is_none_or(|(b, _)| signed > b) {
                        best = Some((signed, k));
                        since_best = 0;
                    } else {
                        since_best += 1;
                    }
                }
                trials.push((p.clone(), pt, o, was_resumed));
            }
            if let Some((b, k)) = best {
                bar.set_message(format!(
                    "{name}: {} over {}, best {} {:.4} (#{})",
                    stage.strategy,
                    stage.base,
                    metrics[0],
                    signs[0] * b,
                    k + 1
                ));
            }
            if let Some(n) = stage.early_stop.filter(|n| since_best >= *n) {
                stopped = Some(format!(
                    "early stop: {n} full-budget trials without a better score"
                ));
                break 'search;
            }
        }
    }
    bar.finish();
    finish(
        wf,
        name,
        stage,
        objectives,
        &signs,
        &trials,
        stopped,
        log.as_ref().map(|l| l.path().to_path_buf()),
    )
}

/// A logged trial as an outcome.
fn outcome_of(r: &Record) -> TrialOutcome {
    TrialOutcome {
        status: match r.status.as_str() {
            "complete" => Status::Complete,
            "pruned" => Status::Pruned,
            _ => Status::Failed,
        },
        error: r.error.clone(),
        scores: r.scores.clone(),
        objectives: r.objectives.clone(),
        intermediate: r.intermediate.clone(),
        cost: r.cost,
        seconds: r.seconds,
    }
}

/// Trial `k` (0-based) as a log record.
fn record(stage: &SearchStage, k: usize, p: &Proposal, o: &TrialOutcome) -> Record {
    Record {
        trial: k + 1,
        coords: p.coords.clone(),
        budget: p.budget,
        params: params(stage, &p.coords),
        status: o.status.as_str().to_string(),
        error: o.error.clone(),
        scores: o.scores.clone(),
        objectives: o.objectives.clone(),
        intermediate: o.intermediate.clone(),
        cost: o.cost,
        seconds: o.seconds,
    }
}

/// Ranks the trials, finds the Pareto front and the best trial.
#[allow(clippy::too_many_arguments)]
fn finish(
    wf: &Workflow,
    name: &str,
    stage: &SearchStage,
    objectives: Vec<Objective>,
    signs: &[f64],
    trials: &[(Proposal, Patch, TrialOutcome, bool)],
    stopped: Option<String>,
    log: Option<PathBuf>,
) -> Result<(Search, BestTrial)> {
    let ranked: Vec<usize> = {
        let mut eligible: Vec<usize> = (0..trials.len())
            .filter(|&k| {
                let t = &trials[k];
                t.0.budget >= 1.0 && t.2.status == Status::Complete && t.2.scores[0].0.is_finite()
            })
            .collect();
        eligible.sort_by(|&a, &b| {
            let (x, y) = (
                signs[0] * trials[a].2.scores[0].0,
                signs[0] * trials[b].2.scores[0].0,
            );
            y.total_cmp(&x).then(a.cmp(&b))
        });
        eligible
    };
    let Some(&best) = ranked.first() else {
        let why = trials
            .iter()
            .find_map(|t| t.2.error.clone())
            .map_or_else(String::new, |e| format!("; the first failure: {e}"));
        return Err(Error::Usage(format!(
            "search `{name}` finished no full-budget trial ({} trials run{why})",
            trials.len()
        )));
    };
    let points: Vec<Vec<f64>> = ranked
        .iter()
        .map(|&k| {
            trials[k]
                .2
                .objectives
                .iter()
                .zip(signs)
                .map(|(v, s)| s * v)
                .collect()
        })
        .collect();
    let mut pareto: Vec<usize> = tune::pareto::front(&points)
        .into_iter()
        .map(|i| ranked[i] + 1)
        .collect();
    pareto.sort_unstable();
    let results: Vec<TrialResult> = trials
        .iter()
        .enumerate()
        .map(|(k, (p, _, o, resumed))| TrialResult {
            trial: k + 1,
            params: params(stage, &p.coords),
            budget: p.budget,
            // A pruned trial's partial mean stays in the log only.
            mean: if o.status == Status::Complete {
                o.scores[0].0
            } else {
                f64::NAN
            },
            std: if o.status == Status::Complete {
                o.scores[0].1
            } else {
                f64::NAN
            },
            objectives: o.objectives.clone(),
            status: o.status.as_str().to_string(),
            error: o.error.clone(),
            cost: o.cost,
            seconds: o.seconds,
            resumed: *resumed,
            pareto: pareto.contains(&(k + 1)),
            rank: ranked.iter().position(|&r| r == k).map_or(0, |i| i + 1),
        })
        .collect();
    let operator = match wf.stage(&stage.base).map(|s| &s.kind) {
        Some(mlg_compiler::workflow::StageKind::Model(m)) => m.op.op.clone(),
        Some(mlg_compiler::workflow::StageKind::Ensemble(e)) => e.combiner.op.clone(),
        _ => String::new(),
    };
    let best_trial = BestTrial {
        index: best,
        root: stage.base.clone(),
        patch: trials[best].1.clone(),
    };
    let search = Search {
        name: name.to_string(),
        base: stage.base.clone(),
        operator,
        strategy: stage.strategy.clone(),
        metric: objectives[0].name.clone(),
        method: stage.method.to_string(),
        best_trial: best + 1,
        best_params: results[best].params.clone(),
        best_score: results[best].mean,
        model: ModelRef::Trial {
            search: name.to_string(),
            index: best,
        }
        .to_string(),
        pareto,
        cost: results.iter().map(|t| t.cost).sum(),
        stopped,
        resumed: results.iter().filter(|t| t.resumed).count(),
        log,
        objectives,
        trials: results,
    };
    Ok((search, best_trial))
}
