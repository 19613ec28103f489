//! The plan layer: what a name in a statement stands for, and the stages a
//! model is built from. A [`ModelRef`] is a stage or one trial of a search,
//! typed (never a `NAME#k` string parsed back); the best trial of every
//! search that has run is in [`BestTrials`], a table the runner owns and
//! passes down explicitly. [`Stages`] is the workflow's stages seen through
//! a trial's patch.

use crate::error::{Error, Result};
use crate::session::Workflow;
use mlg_compiler::workflow::stage::{trial_name, DataStage, Step};
use mlg_compiler::workflow::trial::Patch;
use mlg_compiler::workflow::StageKind;
use std::collections::BTreeMap;
use std::fmt;

/// A model to fit: a model or ensemble stage, or one trial of a search.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ModelRef {
    /// A model or ensemble stage by name (a search stage stands for its
    /// best trial in the [`BestTrials`] the chain is built with).
    Stage(String),
    /// Trial `index` (0-based, in proposal order) of search `search`.
    Trial {
        /// The search stage.
        search: String,
        /// 0-based trial index.
        index: usize,
    },
}

impl fmt::Display for ModelRef {
    /// The name the model trains and is reported under: the stage's name, or
    /// `SEARCH#k` with `k` counted from 1.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelRef::Stage(name) => f.write_str(name),
            ModelRef::Trial { search, index } => f.write_str(&trial_name(search, *index)),
        }
    }
}

/// A search's best trial: its index and the stages it patches.
#[derive(Clone, Debug, PartialEq)]
pub struct BestTrial {
    /// 0-based, in proposal order (`NAME#index+1`).
    pub index: usize,
    /// The tuned stage.
    pub root: String,
    /// The tuned stage and upstream stages with the trial's parameters.
    pub patch: Patch,
}

/// The best trial of every search that has run, by search name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BestTrials(BTreeMap<String, BestTrial>);

/// No search has run.
pub(crate) static NO_TRIALS: BestTrials = BestTrials(BTreeMap::new());

impl BestTrials {
    /// Search `search`'s best trial, once it has run.
    pub fn get(&self, search: &str) -> Option<&BestTrial> {
        self.0.get(search)
    }

    /// Records search `search`'s best trial.
    pub fn insert(&mut self, search: &str, best: BestTrial) {
        self.0.insert(search.to_string(), best);
    }
}

/// The stages a chain is built from: the workflow's, with a search trial's
/// patched copies (see `mlg_compiler::workflow::trial`) taking precedence,
/// and the searches' best trials for search stages.
#[derive(Clone, Copy)]
pub struct Stages<'w> {
    /// The workflow.
    pub wf: &'w Workflow,
    /// The trial's patched stages, if any.
    pub patch: Option<&'w Patch>,
    /// What a search stage stands for.
    pub best: &'w BestTrials,
}

impl<'w> Stages<'w> {
    /// The workflow's own stages, searches resolved by `best`.
    pub fn of(wf: &'w Workflow, best: &'w BestTrials) -> Stages<'w> {
        Stages {
            wf,
            patch: None,
            best,
        }
    }

    /// The same stages under `patch`.
    pub fn patched(self, patch: &'w Patch) -> Stages<'w> {
        Stages {
            patch: Some(patch),
            ..self
        }
    }

    /// What stage `name` is under the patch.
    pub fn kind(&self, name: &str) -> Result<&'w StageKind> {
        if let Some(kind) = self.patch.and_then(|p| p.get(name)) {
            return Ok(kind);
        }
        self.wf
            .stage(name)
            .map(|s| &s.kind)
            .ok_or_else(|| Error::Usage(format!("no stage named `{name}`")))
    }
}

/// What lies upstream of a stage: its data source and every features step
/// between them, in application order, each with its features stage's name.
pub struct Upstream<'w> {
    /// The data stage's name.
    pub data_name: &'w str,
    /// The data stage.
    pub data: &'w DataStage,
    /// `(features stage, step)` in application order.
    pub steps: Vec<(String, Step)>,
}

/// Walks from the data or features stage `start` back to its data source.
pub fn upstream<'w>(wf: &'w Workflow, start: &str) -> Result<Upstream<'w>> {
    upstream_in(Stages::of(wf, &NO_TRIALS), start)
}

/// [`upstream`] under a trial's patch.
pub fn upstream_in<'w>(stages: Stages<'w>, start: &str) -> Result<Upstream<'w>> {
    let mut groups: Vec<(String, &[Step])> = Vec::new();
    let mut cursor = start.to_string();
    let (data_name, data) = loop {
        match stages.kind(&cursor)? {
            StageKind::Data(d) => {
                let name = stages.wf.stage(&cursor).map_or("", |s| s.name.as_str());
                break (name, d);
            }
            StageKind::Features(f) => {
                groups.push((cursor.clone(), &f.steps));
                cursor = f.input.clone();
            }
            other => return Err(Error::Usage(format!("`{cursor}` is a {}", other.keyword()))),
        }
    };
    let steps = groups
        .into_iter()
        .rev()
        .flat_map(|(n, s)| s.iter().map(move |step| (n.clone(), step.clone())))
        .collect();
    Ok(Upstream {
        data_name,
        data,
        steps,
    })
}
