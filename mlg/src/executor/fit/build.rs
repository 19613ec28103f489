//! Building a [`Chain`]: from a model, search or ensemble stage back to its
//! data source, with a `distill` student's teacher chain and the run's
//! shared fits attached.

use super::{Chain, ChainKind};
use crate::error::{Error, Result};
use crate::executor::plan::{upstream_in, BestTrials, ModelRef, Stages, Upstream, NO_TRIALS};
use crate::session::Workflow;
use mlg_compiler::workflow::stage::{EnsembleStage, ModelStage};
use mlg_compiler::workflow::StageKind;

impl<'w> Chain<'w> {
    /// Walks from model or ensemble stage `name` back to its data source
    /// (a search stage in it has no best trial: an error).
    pub fn of(wf: &'w Workflow, name: &str) -> Result<Chain<'w>> {
        Chain::in_stages(Stages::of(wf, &NO_TRIALS), name, name)
    }

    /// The chain of `model`, searches resolved by `best`; a trial is built
    /// under its patch and named `SEARCH#k`.
    pub fn of_ref(wf: &'w Workflow, best: &'w BestTrials, model: &ModelRef) -> Result<Chain<'w>> {
        let stages = Stages::of(wf, best);
        match model {
            ModelRef::Stage(name) => Chain::in_stages(stages, name, name),
            ModelRef::Trial { search, index } => {
                let trial = best.get(search).filter(|b| b.index == *index).ok_or_else(|| {
                    Error::Usage(format!(
                        "`{model}` is not the best trial of a search that has run"
                    ))
                })?;
                Chain::in_stages(stages.patched(&trial.patch), &trial.root, &model.to_string())
            }
        }
    }

    /// The chain of stage `root` under `stages`, named `name`.
    pub fn in_stages(stages: Stages<'w>, root: &str, name: &str) -> Result<Chain<'w>> {
        match stages.kind(root)? {
            StageKind::Model(model) => Chain::of_model(stages, name, model),
            StageKind::Ensemble(ensemble) => Chain::of_ensemble(stages, name, ensemble),
            StageKind::Search(_) => {
                let trial = stages.best.get(root).ok_or_else(|| {
                    Error::Usage(format!(
                        "search `{root}` has not run, so it has no best trial yet"
                    ))
                })?;
                Chain::in_stages(stages.patched(&trial.patch), &trial.root, name)
            }
            other => Err(Error::Usage(format!(
                "`{root}` is a {}, not a model",
                other.keyword()
            ))),
        }
    }

    /// The chain of model stage `model`, named `name`: its features steps
    /// back to its data source.
    fn of_model(stages: Stages<'w>, name: &str, model: &ModelStage) -> Result<Chain<'w>> {
        let Upstream {
            data_name,
            data,
            steps,
        } = upstream_in(stages, &model.input)?;
        let frame = stages
            .wf
            .data_frame(data_name)
            .ok_or_else(|| Error::Usage(format!("data `{data_name}` was not loaded")))?;
        let target = data.target.clone().ok_or_else(|| {
            Error::Usage(format!(
                "model `{name}` needs a target, but `{data_name}` declares none"
            ))
        })?;
        let teacher = match &model.distill {
            Some(d) => Some(Box::new(Chain::in_stages(stages, &d.teacher, &d.teacher)?)),
            None => None,
        };
        Ok(Chain {
            model_name: name.to_string(),
            data,
            target,
            frame,
            task: model.task,
            operator: model.op.op.clone(),
            kind: ChainKind::Model {
                steps,
                model: model.clone(),
                teacher,
            },
            // A search trial's patched chain fits once per trial: not kept.
            shared: stages.patch.is_none().then(|| stages.wf.shared_fits()).flatten(),
        })
    }

    /// The chain of ensemble stage `name`: its members' chains (which share
    /// one data source, as the checker ensures).
    fn of_ensemble(stages: Stages<'w>, name: &str, stage: &EnsembleStage) -> Result<Chain<'w>> {
        let members = stage
            .members
            .iter()
            .map(|m| Chain::in_stages(stages, m, m))
            .collect::<Result<Vec<_>>>()?;
        let first = members
            .first()
            .ok_or_else(|| Error::Usage(format!("ensemble `{name}` has no members")))?;
        Ok(Chain {
            model_name: name.to_string(),
            data: first.data,
            target: first.target.clone(),
            frame: first.frame.clone(),
            task: stage.task,
            operator: stage.combiner.op.clone(),
            kind: ChainKind::Ensemble {
                members,
                stage: stage.clone(),
            },
            shared: stages.patch.is_none().then(|| stages.wf.shared_fits()).flatten(),
        })
    }
}
