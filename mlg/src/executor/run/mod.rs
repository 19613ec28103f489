//! The run layer: resolves what each statement names and drives the whole
//! workflow. `select`, `search` and `evaluate` statements in dependency
//! order, then `deploy`; progress and pages go through an [`Observer`].

mod budget;
mod deploy;
mod distribution;
mod profiles;
mod resolve;

pub use distribution::Distribution;
pub use resolve::Resolver;

use crate::error::Result;
use crate::executor::eval::spread::Ranks;
use crate::executor::eval::{evaluate_model, rank::rank, Evaluation, Plan};
use crate::executor::fit::{distributed, Chain, ChainKind, FittedChain};
use crate::executor::plan::BestTrials;
use crate::executor::search::{Search, SearchOptions};
use crate::executor::Selection;
use crate::observer::{Observer, Silent};
use crate::session::Workflow;
use mlg_compiler::workflow::catalog::Value;
use mlg_compiler::workflow::StageKind;
use mlg_runtime::collective::Collective;
use mlg_runtime::Artifact;
use std::path::PathBuf;
use std::sync::Arc;

/// What `run` produced.
#[derive(Clone, Debug, Default)]
pub struct RunOutput {
    /// One per (evaluate statement, model), in statement order; each
    /// statement's models are ranked among themselves.
    pub evaluations: Vec<Evaluation>,
    /// One per select stage, in the order they ran.
    pub selections: Vec<Selection>,
    /// One per search stage, in the order they ran.
    pub searches: Vec<Search>,
    /// Paths of the artifacts written, in statement order.
    pub artifacts: Vec<PathBuf>,
    /// Paths of the pages `profile` steps asked for (written by the observer).
    pub profiles: Vec<PathBuf>,
    /// The best trial of every search that ran.
    pub best_trials: BestTrials,
    /// How a job of many ranks ran; `None` in one process.
    pub distributed: Option<Distribution>,
}

/// Shuffles per column and split of permutation importance by default.
pub const PERMUTATION_REPEATS: usize = 5;

/// Options of [`run`].
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Shuffles per raw column and split for the permutation importance of
    /// evaluated models; 0 turns it off. Default [`PERMUTATION_REPEATS`].
    pub permutation_repeats: usize,
    /// Where searches write their JSON-lines trial logs (`NAME.trials.jsonl`);
    /// `None` writes none.
    pub trial_log_dir: Option<PathBuf>,
    /// Searches take the finished trials of their earlier logs instead of
    /// training them again, and deployed fits continue from their
    /// checkpoints.
    pub resume: bool,
    /// Where deployed fits that checkpoint (gradient boosting) keep their
    /// checkpoints (`MODEL.ckpt`); `None` keeps none.
    pub checkpoint_dir: Option<PathBuf>,
}

impl Default for RunOptions {
    fn default() -> RunOptions {
        RunOptions {
            permutation_repeats: PERMUTATION_REPEATS,
            trial_log_dir: None,
            resume: false,
            checkpoint_dir: None,
        }
    }
}

/// [`run_with`] a [`Silent`] observer: no progress, and no page for
/// `profile` steps.
pub fn run(wf: &Workflow, options: &RunOptions) -> Result<RunOutput> {
    run_with(wf, options, &Silent)
}

/// Runs every `select`, `search` and `evaluate` and then `deploy` statement
/// of `wf`, in dependency order, reporting to `observer`.
///
/// In a distributed job ([`mlg_runtime::collective::current`] has more than
/// one rank) only rank 0 writes files, and the job runs one of two ways
/// ([`crate::mode::Mode`]): a workflow that selects or searches, or
/// evaluates data that fit on each rank, holds all the rows on every rank
/// and deals the evaluations' splits and the searches' trials out to the
/// ranks, each fit running on one rank alone; any other holds a shard of the
/// rows per rank, and its fits and evaluations sum over the ranks
/// ([`crate::executor::eval::sharded`]), after [`distributed::check`]
/// refused what cannot.
pub fn run_with(wf: &Workflow, options: &RunOptions, observer: &dyn Observer) -> Result<RunOutput> {
    let comm = mlg_runtime::collective::current();
    if comm.size() == 1 {
        return run_stages(wf, options, observer, None, 0);
    }
    let rank = comm.rank();
    let how = Distribution::of(wf, comm.size());
    let mut out = if wf.mode.whole_data {
        mlg_runtime::collective::alone(|| run_stages(wf, options, observer, Some(&comm), rank))?
    } else {
        distributed::check(wf, comm.size())?;
        run_stages(wf, options, observer, None, rank)?
    };
    out.distributed = Some(how);
    Ok(out)
}

/// [`run_with`]'s stages: evaluations deal their splits out to `tasks` when
/// given (a task-parallel job, where only rank 0 deploys), and only rank 0
/// (`writer`, this process's rank) writes.
fn run_stages(
    wf: &Workflow,
    options: &RunOptions,
    observer: &dyn Observer,
    tasks: Option<&Arc<dyn Collective>>,
    writer: usize,
) -> Result<RunOutput> {
    let mut out = RunOutput {
        profiles: if writer == 0 {
            profiles::write_profiles(wf, observer)?
        } else {
            Vec::new()
        },
        ..RunOutput::default()
    };
    let mut resolver = Resolver::with(SearchOptions {
        log_dir: options.trial_log_dir.clone(),
        resume: options.resume,
    })
    .dealing_splits_to(tasks.cloned());
    for stage in wf.stages() {
        let eval = match &stage.kind {
            StageKind::Select(_) | StageKind::Search(_) => {
                resolver.resolve(wf, &stage.name, observer)?;
                continue;
            }
            StageKind::Evaluate(eval) => eval,
            _ => continue,
        };
        let plan = Plan {
            statement: &stage.name,
            method: &eval.method,
            fold_file: eval.fold_file.as_deref(),
            metrics: &eval.metrics,
            permutation_repeats: options.permutation_repeats,
            details: true,
            ranks: tasks.map(Ranks),
        };
        let mut group = Vec::with_capacity(eval.targets.len());
        for model in &eval.targets {
            let resolved = resolver.resolve(wf, model, observer)?;
            let bar = observer.bar(&format!("{model}: {}", eval.method));
            let result = evaluate_model(wf, resolver.best(), &plan, model, &resolved, bar.as_ref());
            bar.finish();
            group.push(result?);
        }
        rank(&mut group);
        out.evaluations.extend(group);
    }
    for stage in wf.stages() {
        let StageKind::Deploy(deploy) = &stage.kind else {
            continue;
        };
        let model = resolver.resolve(wf, &deploy.target, observer)?;
        // A task-parallel job deploys on rank 0 alone (its fits need no other
        // rank), or, for a model that says `distribute = "data"`, on every
        // rank's share of the rows, summing over the ranks.
        let shared = match tasks {
            Some(group) => {
                let chain = Chain::of_ref(wf, resolver.best(), &model)?;
                let data = asks_data(&chain);
                if data {
                    distributed::check_chain(&chain, &deploy.target, group.size())?;
                }
                data.then_some(group)
            }
            None => None,
        };
        if tasks.is_some() && shared.is_none() && writer != 0 {
            continue;
        }
        let share = shared.map(|g| (g, wf.row_share(g.size(), g.rank())));
        let wf = share.as_ref().map_or(wf, |(_, w)| w);
        let bar = observer.spinner(&format!("{}: fit on all rows and compile", deploy.target));
        let monitor = deploy.monitor.as_ref().map(|m| mlg_runtime::drift::DriftConfig {
            psi: m.psi,
            ks: m.ks,
            window: m.window,
        });
        let quality = deploy
            .quality
            .as_ref()
            .map(|q| mlg_runtime::quality::QualityConfig {
                window: q.window,
                accuracy_drop: q.accuracy_drop,
                rmse_rise: q.rmse_rise,
            });
        let slot = options
            .checkpoint_dir
            .as_ref()
            .map(|dir| mlg_runtime::checkpoint::Slot {
                path: dir.join(format!("{}.ckpt", deploy.target)),
                resume: options.resume,
                writer: writer == 0,
            });
        let deploying = || {
            deploy::deployable(
                wf,
                resolver.best(),
                &deploy.target,
                &model,
                &out.evaluations,
                (monitor, quality.clone()),
            )
        };
        let checkpointed = || match slot {
            Some(slot) => mlg_runtime::checkpoint::with_slot(slot, deploying),
            None => deploying(),
        };
        let compiled = match &share {
            Some((group, _)) => mlg_runtime::collective::scoped(Arc::clone(group), checkpointed),
            None => checkpointed(),
        };
        bar.finish();
        let compiled = compiled?;
        if writer == 0 {
            deploy::write(&deploy.target, &deploy.path, compiled.artifact())?;
        }
        out.artifacts.push(deploy.path.clone());
    }
    (out.selections, out.searches, out.best_trials) = resolver.into_parts();
    Ok(out)
}

/// True when `chain`'s model asks for `distribute = "data"` (its own model
/// stage, or a search trial's copy of it).
fn asks_data(chain: &Chain) -> bool {
    match &chain.kind {
        ChainKind::Model { model, .. } => {
            model.op.params.get(mlg_compiler::workflow::args::DISTRIBUTE) == Some(&Value::Str("data".into()))
        }
        ChainKind::Ensemble { .. } => false,
    }
}

/// Fits model `name` on every data row and packs the optimized inference graph
/// (not yet compiled: [`mlg_runtime::Model::from_artifact`] compiles it once)
/// with its schema and the metrics its evaluations reported. When `name` is a
/// select stage, its selection runs first and the winner is packed under
/// `name`; a search stage runs its search. A model whose outputs are NaN or
/// infinite on its training rows is an error
/// ([`crate::executor::fit::finite`]), never an artifact.
pub fn build_artifact(wf: &Workflow, name: &str, evaluations: &[Evaluation]) -> Result<Artifact> {
    Ok(build_model(wf, name, evaluations)?.artifact().clone())
}

/// [`build_artifact`], compiled.
pub fn build_model(wf: &Workflow, name: &str, evaluations: &[Evaluation]) -> Result<mlg_runtime::Model> {
    let mut resolver = Resolver::default();
    let model = resolver.resolve(wf, name, &Silent)?;
    deploy::deployable(wf, resolver.best(), name, &model, evaluations, (None, None))
}

/// Fits model `name` on every data row (for `explain` and the Rust API); a
/// select stage runs its selection and fits the winner, a search stage its
/// search and fits the best trial.
pub fn fit_full(wf: &Workflow, name: &str) -> Result<FittedChain> {
    let mut resolver = Resolver::default();
    let model = resolver.resolve(wf, name, &Silent)?;
    let chain = Chain::of_ref(wf, resolver.best(), &model)?;
    let target = chain.target()?;
    let rows: Vec<usize> = (0..chain.frame.n_rows).collect();
    chain.fit(&target, &rows)
}

impl Workflow {
    /// Trains and evaluates every `evaluate` statement and writes every
    /// `deploy` artifact ([`run`]).
    pub fn run(&self, options: &RunOptions) -> Result<RunOutput> {
        run(self, options)
    }

    /// Fits model `name` on every data row and compiles its optimized inference
    /// graph into a [`mlg_runtime::Model`] that predicts frames natively.
    pub fn compile(&self, name: &str) -> Result<mlg_runtime::Model> {
        build_model(self, name, &[])
    }
}
