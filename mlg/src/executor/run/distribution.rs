//! What a report says about how a distributed job ran: the ranks, the mode
//! the file chose ([`crate::shard::whole_data`]) and why, and the
//! statements that asked for `distribute = "data"`. One process reports
//! nothing of this.

use crate::session::Workflow;
use mlg_compiler::workflow::args::DISTRIBUTE;
use mlg_compiler::workflow::catalog::Value;
use mlg_compiler::workflow::StageKind;
use serde::Serialize;

/// How a job of more than one rank ran.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Distribution {
    /// The ranks of the job.
    pub ranks: usize,
    /// `"tasks"` (every rank held every row; splits and trials dealt out)
    /// or `"data"` (every rank read its share of the rows; fits summed).
    pub mode: &'static str,
    /// What in the file chose the mode.
    pub reason: String,
    /// In a `"tasks"` job, the statements whose fits ran on the ranks'
    /// shares of the rows (`distribute = "data"` on their model or method).
    pub data_fits: Vec<String>,
}

impl Distribution {
    /// How `wf` runs on `ranks` ranks.
    pub fn of(wf: &Workflow, ranks: usize) -> Distribution {
        let data = |params: &mlg_compiler::workflow::catalog::Params| {
            params.get(DISTRIBUTE) == Some(&Value::Str("data".into()))
        };
        let mut reason = None;
        let mut data_fits = Vec::new();
        for stage in wf.stages() {
            let (asks_data, evaluates) = match &stage.kind {
                StageKind::Evaluate(e) => (data(&e.method.params), Some("evaluates")),
                StageKind::Select(s) => (data(&s.method.params), Some("selects")),
                StageKind::Search(s) => (data(&s.method.params), Some("searches")),
                StageKind::Model(m) => {
                    let tasks = m.op.params.get(DISTRIBUTE) == Some(&Value::Str("tasks".into()));
                    if tasks && reason.is_none() {
                        reason = Some(format!("model `{}` says distribute = \"tasks\"", stage.name));
                    }
                    (data(&m.op.params), None)
                }
                _ => (false, None),
            };
            if let (Some(what), None) = (evaluates, &reason) {
                reason = Some(format!("`{}` {what}", stage.name));
            }
            if asks_data {
                data_fits.push(stage.name.clone());
            }
        }
        match reason {
            Some(reason) if crate::shard::whole_data(&wf.program) => Distribution {
                ranks,
                mode: "tasks",
                reason,
                data_fits,
            },
            _ => Distribution {
                ranks,
                mode: "data",
                reason: "the workflow only trains and deploys".into(),
                data_fits: Vec::new(),
            },
        }
    }
}

impl std::fmt::Display for Distribution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mode = if self.mode == "tasks" {
            "task parallelism, every rank holding every row"
        } else {
            "data parallelism, every rank holding its share of the rows"
        };
        write!(
            f,
            "distributed over {} ranks: {mode} ({})",
            self.ranks, self.reason
        )?;
        if !self.data_fits.is_empty() {
            write!(f, "; fitted on shares of the rows: {}", self.data_fits.join(", "))?;
        }
        Ok(())
    }
}
