//! Runs `model NAME = select(...)` stages: every candidate is evaluated under
//! the stage's method and metric, ranked, and the best one is what `NAME`
//! stands for in later stages (`evaluate`, `deploy`, `Workflow::compile`).
//! Search stages resolve here too ([`crate::executor::search`]): to their
//! best trial, which the resolver records in the [`BestTrials`] it owns.

use crate::error::{Error, Result};
use crate::executor::eval::rank::rank;
use crate::executor::eval::spread::Ranks;
use crate::executor::eval::summary::Selection;
use crate::executor::eval::{evaluate_model, Plan};
use crate::executor::plan::{BestTrials, ModelRef};
use crate::executor::search::{self, Search, SearchOptions};
use crate::observer::Observer;
use crate::session::Workflow;
use mlg_compiler::workflow::StageKind;
use mlg_runtime::collective::Collective;
use std::sync::Arc;

/// The selections made so far, each run once, in the order they ran (a
/// select's candidates that are selects themselves run first), and the
/// best trial of every search run.
#[derive(Default)]
pub struct Resolver {
    done: Vec<(Selection, ModelRef)>,
    searches: Vec<Search>,
    best: BestTrials,
    options: SearchOptions,
    /// The ranks a task-parallel job deals selections' splits out to.
    ranks: Option<Arc<dyn Collective>>,
}

impl Resolver {
    /// No selections made yet; searches log and resume as `options` say.
    pub fn with(options: SearchOptions) -> Resolver {
        Resolver {
            options,
            ..Resolver::default()
        }
    }

    /// This resolver, dealing the splits of selections' evaluations out to
    /// `ranks` (a task-parallel distributed job) when given.
    pub fn dealing_splits_to(self, ranks: Option<Arc<dyn Collective>>) -> Resolver {
        Resolver { ranks, ..self }
    }

    /// The best trials of the searches run so far.
    pub fn best(&self) -> &BestTrials {
        &self.best
    }

    /// The model `name` stands for: a model or ensemble stage itself, the
    /// winner (recursively resolved) for a select stage, whose selection runs
    /// now unless it already has, and the best trial for a search stage,
    /// whose search likewise runs once.
    pub fn resolve(&mut self, wf: &Workflow, name: &str, observer: &dyn Observer) -> Result<ModelRef> {
        if let Some((_, model)) = self.done.iter().find(|(s, _)| s.name == name) {
            return Ok(model.clone());
        }
        if let Some(best) = self.best.get(name) {
            return Ok(ModelRef::Trial {
                search: name.to_string(),
                index: best.index,
            });
        }
        let stage = wf
            .stage(name)
            .ok_or_else(|| Error::Usage(format!("no stage named `{name}`")))?;
        let select = match &stage.kind {
            StageKind::Select(select) => select,
            StageKind::Search(stage) => {
                // A tuned ensemble may fuse searched members: they run first.
                self.resolve(wf, &stage.base, observer)?;
                let ranks = self.ranks.clone();
                let (outcome, best) = search::run(
                    wf,
                    &self.best,
                    name,
                    stage,
                    observer,
                    &self.options,
                    ranks.as_ref(),
                )?;
                let model = ModelRef::Trial {
                    search: name.to_string(),
                    index: best.index,
                };
                self.best.insert(name, best);
                self.searches.push(outcome);
                return Ok(model);
            }
            StageKind::Ensemble(ensemble) => {
                for member in &ensemble.members {
                    self.resolve(wf, member, observer)?;
                }
                return Ok(ModelRef::Stage(name.to_string()));
            }
            _ => return Ok(ModelRef::Stage(name.to_string())),
        };
        let metric = select
            .metric
            .clone()
            .unwrap_or_else(|| mlg_stdlib::catalog::default_metrics(select.task)[0].to_string());
        let metrics = [metric.clone()];
        let ranks = self.ranks.clone();
        let plan = Plan {
            statement: name,
            method: &select.method,
            fold_file: select.fold_file.as_deref(),
            metrics: &metrics,
            permutation_repeats: 0,
            details: false,
            ranks: ranks.as_ref().map(Ranks),
        };
        let mut candidates = Vec::with_capacity(select.candidates.len());
        let mut resolved = Vec::with_capacity(select.candidates.len());
        let mut failed = Vec::new();
        for candidate in &select.candidates {
            let model = self.resolve(wf, candidate, observer)?;
            let bar = observer.bar(&format!("{name}: {candidate} by {metric}"));
            let evaluation = evaluate_model(wf, &self.best, &plan, candidate, &model, bar.as_ref());
            bar.finish();
            match (evaluation, &select.budget) {
                // A budget's variant whose step does not apply to the fitted
                // model is reported and left out; the base's errors stop the run.
                (Err(e), Some(b)) if *candidate != b.base => {
                    let why = e.to_string();
                    let prefix = format!("model `{candidate}`: ");
                    failed.push((
                        candidate.clone(),
                        why.strip_prefix(&prefix).unwrap_or(&why).to_string(),
                    ));
                    continue;
                }
                (evaluation, _) => candidates.push(evaluation?),
            }
            resolved.push((candidate.clone(), model));
        }
        rank(&mut candidates);
        let (chosen, budget) = match &select.budget {
            Some(b) => {
                let (chosen, outcome) = super::budget::choose(name, b, &metric, &candidates, failed)?;
                (chosen, Some(outcome))
            }
            None => (
                candidates
                    .iter()
                    .find(|e| e.best)
                    .ok_or_else(|| Error::Usage(format!("`{name}` has no candidates")))?
                    .model
                    .clone(),
                None,
            ),
        };
        let winner = candidates
            .iter()
            .find(|e| e.model == chosen)
            .ok_or_else(|| Error::Usage(format!("`{name}` chose no candidate of its own")))?;
        let selection = Selection {
            name: name.to_string(),
            chosen: winner.model.clone(),
            model: winner.selected.clone().unwrap_or_else(|| winner.model.clone()),
            metric,
            method: select.method.to_string(),
            candidates,
            budget,
        };
        let model = resolved
            .into_iter()
            .find(|(candidate, _)| *candidate == selection.chosen)
            .map(|(_, model)| model)
            .ok_or_else(|| Error::Usage(format!("`{name}` chose no candidate of its own")))?;
        self.done.push((selection, model.clone()));
        Ok(model)
    }

    /// Every selection made, every search run (each in the order they ran)
    /// and the searches' best trials.
    pub fn into_parts(self) -> (Vec<Selection>, Vec<Search>, BestTrials) {
        (
            self.done.into_iter().map(|(s, _)| s).collect(),
            self.searches,
            self.best,
        )
    }
}
