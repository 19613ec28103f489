//! What a data-parallel job (each rank holding a shard of the rows) can run
//! today, checked from the workflow alone before any training, so every rank
//! refuses the same thing at the same point and none is left waiting in a
//! collective. (A task-parallel job, whose ranks hold all the rows, runs
//! every statement.)

use crate::error::{Error, Result};
use crate::session::Workflow;
use mlg_compiler::workflow::catalog::Value;
use mlg_compiler::workflow::stage::DataSource;
use mlg_compiler::workflow::StageKind;

/// Features steps whose fit sums statistics over the ranks.
pub const DISTRIBUTED_STEPS: &[&str] = &["standardize"];

/// Models whose fit sums over the ranks (`logistic_regression` with the
/// `lbfgs`, `newton` or `cg` solver; gradient boosting with any loss but
/// the absolute one; the perceptrons).
pub const DISTRIBUTED_MODELS: &[&str] = &[
    "linear_regression",
    "ridge",
    "logistic_regression",
    "gradient_boosting_classifier",
    "gradient_boosting_regressor",
    "mlp_classifier",
    "mlp_regressor",
];

/// Checks that every stage of `wf` can run on sharded rows: file sources and
/// `concat`, the features steps of [`DISTRIBUTED_STEPS`], the models of
/// [`DISTRIBUTED_MODELS`] without `compress`, and `deploy`. Anything else is
/// an [`Error::Distributed`] naming the first such stage and what to do.
pub fn check(wf: &Workflow, ranks: usize) -> Result<()> {
    let refuse = |stage: &str, what: String| {
        Err(Error::Distributed(format!(
            "`{stage}`: {what} does not run distributed yet; a job on {ranks} ranks that splits \
             the rows runs data sources, features steps {}, models {} and deploy. Run this \
             workflow in one process (without mpirun); a workflow that evaluates runs every \
             model, its folds dealt out to the ranks",
            DISTRIBUTED_STEPS.join(", "),
            DISTRIBUTED_MODELS.join(", ")
        )))
    };
    for stage in wf.stages() {
        let name = &stage.name;
        match &stage.kind {
            StageKind::Data(data) => {
                if let DataSource::Join { .. } = data.source {
                    return refuse(
                        name,
                        "`join` (each rank holds only some rows of each side)".into(),
                    );
                }
            }
            StageKind::Features(features) => {
                if let Some(step) = features
                    .steps
                    .iter()
                    .find(|s| !DISTRIBUTED_STEPS.contains(&s.op.op.as_str()))
                {
                    return refuse(name, format!("the features step `{}`", step.op.op));
                }
            }
            StageKind::Model(model) => {
                let op = model.op.op.as_str();
                if !DISTRIBUTED_MODELS.contains(&op) {
                    return refuse(name, format!("the model `{op}`"));
                }
                if op == "logistic_regression"
                    && model.op.params.get("solver") == Some(&Value::Str("sgd".into()))
                {
                    return refuse(name, "`logistic_regression` with solver \"sgd\"".into());
                }
                if op.starts_with("gradient_boosting")
                    && model.op.params.get("loss") == Some(&Value::Str("absolute_error".into()))
                {
                    return refuse(name, format!("`{op}` with loss \"absolute_error\""));
                }
                if !model.compress.is_empty() {
                    return refuse(name, "`compress`".into());
                }
            }
            // A workflow that selects, searches or evaluates runs
            // task-parallel ([`crate::shard::whole_data`]), never here.
            StageKind::Deploy(_) | StageKind::Select(_) | StageKind::Search(_) | StageKind::Evaluate(_) => {}
            StageKind::Ensemble(_) => return refuse(name, "an ensemble".into()),
        }
    }
    Ok(())
}
