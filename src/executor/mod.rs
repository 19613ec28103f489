//! The executor: trains, evaluates, selects and deploys what a checked
//! workflow declares.

pub mod chain;
pub mod compile;
pub mod ensemble;
pub mod evaluate;
pub mod finite;
pub mod fold;
pub mod folds;
pub mod importance;
pub mod profiles;
pub mod rank;
pub mod search;
pub mod search_log;
pub mod select;
pub mod splits;
pub mod summary;
pub mod trial;

use crate::error::Result;
use crate::progress::Progress;
use crate::workflow::Workflow;
use evaluate::{Evaluation, Plan};
use mlg_compiler::workflow::StageKind;
use mlg_runtime::Artifact;
pub use search::Search;
use select::Selections;
use std::collections::BTreeMap;
use std::path::PathBuf;
pub use summary::Selection;

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
    /// Paths of the pages written by `profile` steps.
    pub profiles: Vec<PathBuf>,
}

/// Shuffles per column and split of permutation importance by default.
pub const PERMUTATION_REPEATS: usize = 5;

/// Options of [`run`].
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Show progress bars (they are also hidden when stdout is not a terminal).
    pub progress: bool,
    /// Shuffles per raw column and split for the permutation importance of
    /// evaluated models; 0 turns it off. Default [`PERMUTATION_REPEATS`].
    pub permutation_repeats: usize,
    /// Where searches write their JSON-lines trial logs (`NAME.trials.jsonl`);
    /// `None` writes none.
    pub trial_log_dir: Option<PathBuf>,
    /// Searches take the finished trials of their earlier logs instead of
    /// training them again.
    pub resume: bool,
}

impl Default for RunOptions {
    fn default() -> RunOptions {
        RunOptions {
            progress: false,
            permutation_repeats: PERMUTATION_REPEATS,
            trial_log_dir: None,
            resume: false,
        }
    }
}

/// Runs every `select`, `search`, `evaluate` and then `deploy` statement of `wf`, in
/// dependency order.
pub fn run(wf: &Workflow, options: &RunOptions) -> Result<RunOutput> {
    let progress = Progress::new(options.progress);
    let mut out = RunOutput {
        profiles: profiles::write_profiles(wf)?,
        ..RunOutput::default()
    };
    let mut selections = Selections::with(search::SearchOptions {
        log_dir: options.trial_log_dir.clone(),
        resume: options.resume,
        reuse: false,
    });
    for stage in wf.stages() {
        let eval = match &stage.kind {
            StageKind::Select(_) | StageKind::Search(_) => {
                selections.resolve(wf, &stage.name, &progress)?;
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
        };
        let mut group = Vec::with_capacity(eval.targets.len());
        for model in &eval.targets {
            let resolved = selections.resolve(wf, model, &progress)?;
            let bar = progress.bar(&format!("{model}: {}", eval.method));
            let result = evaluate::evaluate_model(wf, &plan, model, &resolved, &bar);
            bar.finish_and_clear();
            group.push(result?);
        }
        rank::rank(&mut group);
        out.evaluations.extend(group);
    }
    for stage in wf.stages() {
        let StageKind::Deploy(deploy) = &stage.kind else {
            continue;
        };
        let model = selections.resolve(wf, &deploy.target, &progress)?;
        let bar = progress.spinner(&format!("{}: fit on all rows and compile", deploy.target));
        let monitor = deploy.monitor.as_ref().map(|m| mlg_runtime::drift::DriftConfig {
            psi: m.psi,
            ks: m.ks,
            window: m.window,
        });
        let compiled = deployable(wf, &deploy.target, &model, &out.evaluations, monitor);
        bar.finish_and_clear();
        mlg_runtime::artifact::write(&deploy.path, compiled?.artifact())?;
        out.artifacts.push(deploy.path.clone());
    }
    (out.selections, out.searches) = selections.into_parts();
    Ok(out)
}

/// Fits model `name` on every data row and packs the optimized inference graph
/// (not yet compiled: [`mlg_runtime::Model::from_artifact`] compiles it once)
/// with its schema and the metrics its evaluations reported. When `name` is a
/// select stage, its selection runs first and the winner is packed under
/// `name`. A model whose outputs are NaN or infinite on its training rows is
/// an error ([`finite`]), never an artifact.
pub fn build_artifact(wf: &Workflow, name: &str, evaluations: &[Evaluation]) -> Result<Artifact> {
    Ok(build_model(wf, name, evaluations)?.artifact().clone())
}

/// [`build_artifact`], compiled.
pub fn build_model(wf: &Workflow, name: &str, evaluations: &[Evaluation]) -> Result<mlg_runtime::Model> {
    let model = Selections::with(reusing()).resolve(wf, name, &Progress::new(false))?;
    deployable(wf, name, &model, evaluations, None)
}

/// Rows per batch of the training-rows check of [`deployable`].
const CHECK_ROWS: usize = 16_384;

/// Model stage `model` fitted on every data row, packed under `name` with
/// the monitor settings `monitor` ([`artifact_of`]) and compiled; refused
/// when its outputs on the rows it trained on are not all finite.
fn deployable(
    wf: &Workflow,
    name: &str,
    model: &str,
    evaluations: &[Evaluation],
    monitor: Option<mlg_runtime::drift::DriftConfig>,
) -> Result<mlg_runtime::Model> {
    let chain = search::chain_of(wf, model)?;
    let target = chain.target()?;
    let rows: Vec<usize> = (0..chain.frame.n_rows).collect();
    let fitted = chain.fit(&target, &rows)?;
    let artifact = Artifact {
        monitor,
        ..artifact_of(wf, name, &chain, &fitted, evaluations)?
    };
    let compiled = mlg_runtime::Model::from_artifact(artifact)?;
    let during = "on its training rows (fitted on every row to be deployed)";
    for part in fitted.trained_rows(&rows).chunks(CHECK_ROWS) {
        let frame = chain.frame.take(part);
        let encoded = mlg_runtime::rows::encode_rows(&frame, compiled.inputs())?;
        let out = compiled.predict_rows(&encoded, part.len())?;
        let batch = finite::Batch {
            model: name,
            during,
            rows: part,
            encoded: &encoded,
            inputs: compiled.inputs(),
        };
        finite::check_chain(&fitted, &frame, &batch, &out, compiled.n_outputs())?;
    }
    Ok(compiled)
}

/// The artifact of `fitted`, the chain `chain` fitted on every data row,
/// named `name`: the graph, the metrics, the profile of the training rows'
/// input columns and the lineage (hashes of the source and of the data
/// frame, the model's `seed`); no monitor settings.
fn artifact_of(
    wf: &Workflow,
    name: &str,
    chain: &chain::Chain,
    fitted: &chain::FittedChain,
    evaluations: &[Evaluation],
) -> Result<Artifact> {
    let graph = compile::optimize(&fitted.lower(name)?, name, &fitted.transforms)?.graph;
    let mut metrics = BTreeMap::new();
    for e in evaluations.iter().filter(|e| e.model == name) {
        for (metric, summary) in &e.metrics {
            metrics.insert(metric.clone(), summary.estimate);
        }
    }
    let params = match &chain.kind {
        chain::ChainKind::Model { model, .. } => &model.op.params,
        chain::ChainKind::Ensemble { stage, .. } => &stage.combiner.params,
    };
    let seed = match params.get("seed") {
        Some(mlg_compiler::workflow::catalog::Value::Int(s)) => u64::try_from(*s).ok(),
        _ => None,
    };
    let lineage = mlg_runtime::artifact::Lineage {
        source_hash: mlg_runtime::artifact::Lineage::hash_text(&wf.source),
        data_hash: mlg_runtime::artifact::Lineage::hash_frame(&chain.frame),
        seed,
        mlg_version: env!("CARGO_PKG_VERSION").to_string(),
        created_unix: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    };
    // Only the graph's input columns are profiled, so the target never is.
    let profile = mlg_runtime::profile::DataProfile::of(&chain.frame, &graph.inputs);
    Ok(Artifact {
        name: name.to_string(),
        workflow: wf.file.clone(),
        task: chain.task.to_string(),
        target: chain.target.clone(),
        classes: fitted.classes.clone(),
        graph,
        metrics,
        mlg_version: env!("CARGO_PKG_VERSION").to_string(),
        profile,
        lineage,
        monitor: None,
    })
}

/// Fits model `name` on every data row (for `explain` and the Rust API); a
/// select stage runs its selection and fits the winner, a search stage its
/// search and fits the best trial.
pub fn fit_full(wf: &Workflow, name: &str) -> Result<chain::FittedChain> {
    let model = Selections::with(reusing()).resolve(wf, name, &Progress::new(false))?;
    let chain = search::chain_of(wf, &model)?;
    let target = chain.target()?;
    let rows: Vec<usize> = (0..chain.frame.n_rows).collect();
    chain.fit(&target, &rows)
}

/// Search options that reuse a search already run on the workflow.
fn reusing() -> search::SearchOptions {
    search::SearchOptions {
        reuse: true,
        ..search::SearchOptions::default()
    }
}
