//! The executor: trains, evaluates and deploys what a checked workflow declares.

pub mod chain;
pub mod compile;
pub mod evaluate;
pub mod folds;
pub mod profiles;

use crate::error::Result;
use crate::progress::Progress;
use crate::workflow::Workflow;
use chain::Chain;
use evaluate::Evaluation;
use mlg_compiler::workflow::StageKind;
use mlg_runtime::Artifact;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What `run` produced.
#[derive(Clone, Debug, Default)]
pub struct RunOutput {
    pub evaluations: Vec<Evaluation>,
    /// Paths of the artifacts written, in statement order.
    pub artifacts: Vec<PathBuf>,
    /// Paths of the pages written by `profile` steps.
    pub profiles: Vec<PathBuf>,
}

/// Options of [`run`].
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Show progress bars (they are also hidden when stdout is not a terminal).
    pub progress: bool,
}

/// Runs every `evaluate` then every `deploy` statement of `wf`, in dependency order.
pub fn run(wf: &Workflow, options: &RunOptions) -> Result<RunOutput> {
    let progress = Progress::new(options.progress);
    let mut out = RunOutput {
        profiles: profiles::write_profiles(wf)?,
        ..RunOutput::default()
    };
    for stage in wf.stages() {
        let StageKind::Evaluate(eval) = &stage.kind else {
            continue;
        };
        for model in &eval.targets {
            let bar = progress.bar(&format!("{model}: {}", eval.method));
            let result = evaluate::evaluate_model(wf, eval, model, &bar);
            bar.finish_and_clear();
            out.evaluations.push(result?);
        }
    }
    for stage in wf.stages() {
        let StageKind::Deploy(deploy) = &stage.kind else {
            continue;
        };
        let bar = progress.spinner(&format!("{}: fit on all rows and compile", deploy.target));
        let artifact = build_artifact(wf, &deploy.target, &out.evaluations);
        bar.finish_and_clear();
        mlg_runtime::artifact::write(&deploy.path, &artifact?)?;
        out.artifacts.push(deploy.path.clone());
    }
    Ok(out)
}

/// Fits model `name` on every data row and packs the optimized inference graph
/// with its schema and the metrics its evaluations reported.
pub fn build_artifact(wf: &Workflow, name: &str, evaluations: &[Evaluation]) -> Result<Artifact> {
    let chain = Chain::of(wf, name)?;
    let target = chain.target()?;
    let rows: Vec<usize> = (0..chain.frame.n_rows).collect();
    let fitted = chain.fit(&target, &rows)?;
    let graph = compile::optimize(&fitted.lower(name)?, name)?.graph;
    compile::compile_graph(&graph, name)?;
    let mut metrics = BTreeMap::new();
    for e in evaluations.iter().filter(|e| e.model == name) {
        for (metric, summary) in &e.metrics {
            metrics.insert(metric.clone(), summary.mean);
        }
    }
    Ok(Artifact {
        name: name.to_string(),
        workflow: wf.file.clone(),
        task: chain.model.task.to_string(),
        target: chain.target.clone(),
        classes: fitted.classes.clone(),
        graph,
        metrics,
        mlg_version: env!("CARGO_PKG_VERSION").to_string(),
    })
}

/// Fits model `name` on every data row (for `explain` and the Rust API).
pub fn fit_full(wf: &Workflow, name: &str) -> Result<chain::FittedChain> {
    let chain = Chain::of(wf, name)?;
    let target = chain.target()?;
    let rows: Vec<usize> = (0..chain.frame.n_rows).collect();
    chain.fit(&target, &rows)
}
