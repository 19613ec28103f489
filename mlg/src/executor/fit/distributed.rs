//! What a data-parallel job (each rank holding a shard of the rows) can run
//! today, checked from the workflow alone before any training, so every rank
//! refuses the same thing at the same point and none is left waiting in a
//! collective. (A task-parallel job, whose ranks hold all the rows, runs
//! every statement; there the chains of a `distribute = "data"` evaluation
//! or deploy fit are checked the same way, [`check_chain`].)

use super::{Chain, ChainKind};
use crate::error::{Error, Result};
use crate::session::Workflow;
use mlg_compiler::workflow::catalog::Value;
use mlg_compiler::workflow::stage::{DataSource, DataStage, ModelStage};
use mlg_compiler::workflow::StageKind;

/// Features steps whose fit sums statistics over the ranks.
pub const DISTRIBUTED_STEPS: &[&str] = &["standardize"];

/// Models whose fit sums over the ranks (`logistic_regression` with the
/// `lbfgs`, `newton` or `cg` solver; gradient boosting with any loss but
/// the absolute one; the perceptrons; forests and extra trees with neither
/// the absolute error nor `splitter = "exact"`).
pub const DISTRIBUTED_MODELS: &[&str] = &[
    "linear_regression",
    "ridge",
    "logistic_regression",
    "gradient_boosting_classifier",
    "gradient_boosting_regressor",
    "mlp_classifier",
    "mlp_regressor",
    "random_forest_classifier",
    "random_forest_regressor",
    "extra_trees_classifier",
    "extra_trees_regressor",
];

/// Why a job on `ranks` ranks cannot fit `what` of stage `stage` on
/// every rank's share of the rows.
fn refusal(stage: &str, what: &str, ranks: usize) -> Error {
    Error::Distributed(format!(
        "`{stage}`: {what} does not run distributed yet; a job on {ranks} ranks that splits \
         the rows runs data sources, features steps {}, models {}, evaluations of those \
         and deploy. Run this workflow in one process (without mpirun); a workflow that \
         evaluates with `distribute = \"tasks\"` (or whose data fit on each rank) runs every \
         model, every rank holding every row and its folds dealt out to the ranks",
        DISTRIBUTED_STEPS.join(", "),
        DISTRIBUTED_MODELS.join(", ")
    ))
}

/// What of a data source keeps it from being read in shares.
fn data_refusal(data: &DataStage) -> Option<String> {
    matches!(data.source, DataSource::Join { .. })
        .then(|| "`join` (each rank holds only some rows of each side)".to_string())
}

/// What of a features step list keeps it from fitting on shares.
fn steps_refusal<'a>(mut ops: impl Iterator<Item = &'a str>) -> Option<String> {
    ops.find(|op| !DISTRIBUTED_STEPS.contains(op))
        .map(|op| format!("the features step `{op}`"))
}

/// What of a model stage keeps it from fitting on shares.
fn model_refusal(model: &ModelStage) -> Option<String> {
    let op = model.op.op.as_str();
    let params = &model.op.params;
    if !DISTRIBUTED_MODELS.contains(&op) {
        return Some(format!("the model `{op}`"));
    }
    if op == "logistic_regression" && params.get("solver") == Some(&Value::Str("sgd".into())) {
        return Some("`logistic_regression` with solver \"sgd\"".into());
    }
    if op.starts_with("gradient_boosting") && params.get("loss") == Some(&Value::Str("absolute_error".into()))
    {
        return Some(format!("`{op}` with loss \"absolute_error\""));
    }
    let forest = op.starts_with("random_forest") || op.starts_with("extra_trees");
    if forest && params.get("criterion") == Some(&Value::Str("absolute_error".into())) {
        return Some(format!("`{op}` with criterion \"absolute_error\""));
    }
    if forest && params.get("splitter") == Some(&Value::Str("exact".into())) {
        return Some(format!(
            "`{op}` with splitter \"exact\" (use \"hist\": one process grows the same forest with it)"
        ));
    }
    (!model.is_plain()).then(|| "`compress`".to_string())
}

/// Checks that every stage of `wf` can run on sharded rows: file sources and
/// `concat`, the features steps of [`DISTRIBUTED_STEPS`], the models of
/// [`DISTRIBUTED_MODELS`] without `compress`, and `deploy`. Anything else is
/// an [`Error::Distributed`] naming the first such stage and what to do.
pub fn check(wf: &Workflow, ranks: usize) -> Result<()> {
    for stage in wf.stages() {
        let what = match &stage.kind {
            StageKind::Data(data) => data_refusal(data),
            StageKind::Features(features) => steps_refusal(features.steps.iter().map(|s| s.op.op.as_str())),
            StageKind::Model(model) => model_refusal(model),
            // A workflow that selects or searches runs task-parallel
            // ([`crate::mode::Mode`]), never here; an evaluation's chains are
            // its model stages, checked above.
            StageKind::Deploy(_) | StageKind::Select(_) | StageKind::Search(_) | StageKind::Evaluate(_) => {
                None
            }
            StageKind::Ensemble(_) => Some("an ensemble".into()),
        };
        if let Some(what) = what {
            return Err(refusal(&stage.name, &what, ranks));
        }
    }
    Ok(())
}

/// Checks that `chain` can fit on every rank's share of its rows (a
/// `distribute = "data"` evaluation or deploy fit in a job whose ranks hold
/// every row), by the rules of [`check`]; `statement` names the statement
/// that asked.
pub fn check_chain(chain: &Chain, statement: &str, ranks: usize) -> Result<()> {
    let what = match &chain.kind {
        ChainKind::Model { steps, model, .. } => data_refusal(chain.data)
            .or_else(|| steps_refusal(steps.iter().map(|(_, s)| s.op.op.as_str())))
            .or_else(|| model_refusal(model)),
        ChainKind::Ensemble { .. } => Some("an ensemble".into()),
    };
    match what {
        Some(what) => Err(refusal(
            statement,
            &format!(
                "`distribute = \"data\"` asks to fit `{}` on every rank's share of the rows; {what}",
                chain.model_name
            ),
            ranks,
        )),
        None => Ok(()),
    }
}
