//! What a report says about how a distributed job ran: the ranks, the mode
//! the file and the size of its data chose ([`crate::mode::Mode`]) and why,
//! and the
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
        let tasks = |params: &mlg_compiler::workflow::catalog::Params| {
            params.get(DISTRIBUTE) == Some(&Value::Str("tasks".into()))
        };
        // What needs every row on every rank, and the first evaluation.
        let (mut needs_all, mut evaluates) = (None, None);
        let mut data_fits = Vec::new();
        for stage in wf.stages() {
            let name = &stage.name;
            let method = match &stage.kind {
                StageKind::Evaluate(e) => Some((&e.method, "evaluates")),
                StageKind::Select(s) => Some((&s.method, "selects")),
                StageKind::Search(s) => Some((&s.method, "searches")),
                _ => None,
            };
            let asks_data = match (&stage.kind, method) {
                (_, Some((method, verb))) => {
                    if tasks(&method.params) {
                        needs_all.get_or_insert(format!("`{name}` says distribute = \"tasks\""));
                    }
                    evaluates.get_or_insert(format!("`{name}` {verb}"));
                    data(&method.params)
                }
                (StageKind::Model(m), None) => {
                    if tasks(&m.op.params) {
                        needs_all.get_or_insert(format!("model `{name}` says distribute = \"tasks\""));
                    }
                    data(&m.op.params)
                }
                _ => false,
            };
            if asks_data {
                data_fits.push(stage.name.clone());
            }
        }
        let size = wf.mode.size_reason();
        let (mode, reason) = match (wf.mode.whole_data, needs_all, evaluates) {
            // `distribute = "tasks"` holds every row on every rank, even when
            // the data do not fit there: the report says so.
            (true, Some(reason), _) => match size.filter(|_| !wf.mode.fits()) {
                Some(size) => ("tasks", format!("{reason}, though {size}")),
                None => ("tasks", reason),
            },
            (true, None, Some(reason)) => match size {
                Some(size) => ("tasks", format!("{reason}; {size}")),
                None => ("tasks", reason),
            },
            (false, _, Some(reason)) => (
                "data",
                format!(
                    "{reason}, but {}: each split runs in turn on the ranks' shares of its rows",
                    size.unwrap_or_else(|| "its data do not fit on each rank".into())
                ),
            ),
            _ => ("data", "the workflow only trains and deploys".into()),
        };
        Distribution {
            ranks,
            mode,
            reason,
            data_fits: if mode == "tasks" { data_fits } else { Vec::new() },
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
