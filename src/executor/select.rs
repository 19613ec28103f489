//! Runs `model NAME = select(...)` stages: every candidate is evaluated under
//! the stage's method and metric, ranked, and the best one is what `NAME`
//! stands for in later stages (`evaluate`, `deploy`, `Workflow::compile`).
//! Search stages resolve here too ([`super::search`]): to their best trial.

use super::evaluate::{evaluate_model, Plan};
use super::rank::rank;
use super::search::{self, Search, SearchOptions};
use super::summary::Selection;
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::workflow::Workflow;
use mlg_compiler::workflow::StageKind;

/// The selections made so far, each run once, in the order they ran (a
/// select's candidates that are selects themselves run first).
#[derive(Default)]
pub struct Selections {
    done: Vec<Selection>,
    searches: Vec<Search>,
    options: SearchOptions,
}

impl Selections {
    /// No selections made yet; searches log and resume as `options` say.
    pub fn with(options: SearchOptions) -> Selections {
        Selections {
            options,
            ..Selections::default()
        }
    }

    /// The model stage `name` stands for: itself for a model stage, the
    /// winner (recursively resolved) for a select stage, whose selection runs
    /// now unless it already has, and the best trial (`NAME#k`) for a search
    /// stage, whose search likewise runs once.
    pub fn resolve(&mut self, wf: &Workflow, name: &str, progress: &Progress) -> Result<String> {
        if let Some(done) = self.done.iter().find(|s| s.name == name) {
            return Ok(done.model.clone());
        }
        if let Some(done) = self.searches.iter().find(|s| s.name == name) {
            return Ok(done.model.clone());
        }
        let stage = wf
            .stage(name)
            .ok_or_else(|| Error::Usage(format!("no stage named `{name}`")))?;
        let select = match &stage.kind {
            StageKind::Select(select) => select,
            StageKind::Search(_) if self.options.reuse && wf.searched(name).is_some() => {
                let best = wf.searched(name).map_or(0, |b| b.index);
                return Ok(mlg_compiler::workflow::stage::trial_name(name, best));
            }
            StageKind::Search(stage) => {
                // A tuned ensemble may fuse searched members: they run first.
                self.resolve(wf, &stage.base, progress)?;
                let outcome = search::run(wf, name, stage, progress, &self.options)?;
                let model = outcome.model.clone();
                self.searches.push(outcome);
                return Ok(model);
            }
            StageKind::Ensemble(ensemble) => {
                for member in &ensemble.members {
                    self.resolve(wf, member, progress)?;
                }
                return Ok(name.to_string());
            }
            _ => return Ok(name.to_string()),
        };
        let metric = select
            .metric
            .clone()
            .unwrap_or_else(|| mlg_stdlib::catalog::default_metrics(select.task)[0].to_string());
        let metrics = [metric.clone()];
        let plan = Plan {
            statement: name,
            method: &select.method,
            fold_file: select.fold_file.as_deref(),
            metrics: &metrics,
            permutation_repeats: 0,
            details: false,
        };
        let mut candidates = Vec::with_capacity(select.candidates.len());
        for candidate in &select.candidates {
            let resolved = self.resolve(wf, candidate, progress)?;
            let bar = progress.bar(&format!("{name}: {candidate} by {metric}"));
            let evaluation = evaluate_model(wf, &plan, candidate, &resolved, &bar);
            bar.finish_and_clear();
            candidates.push(evaluation?);
        }
        rank(&mut candidates);
        let winner = candidates
            .iter()
            .find(|e| e.best)
            .ok_or_else(|| Error::Usage(format!("`{name}` has no candidates")))?;
        let selection = Selection {
            name: name.to_string(),
            chosen: winner.model.clone(),
            model: winner.selected.clone().unwrap_or_else(|| winner.model.clone()),
            metric,
            method: select.method.to_string(),
            candidates,
        };
        let model = selection.model.clone();
        self.done.push(selection);
        Ok(model)
    }

    /// Every selection made and every search run, each in the order they ran.
    pub fn into_parts(self) -> (Vec<Selection>, Vec<Search>) {
        (self.done, self.searches)
    }
}
