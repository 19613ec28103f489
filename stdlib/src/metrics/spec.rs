//! The metrics' operator definitions. The executor computes them with this
//! module's functions.

use crate::operators::OperatorDef;
use mlg_compiler::workflow::catalog::{OpKind, OpSpec, Task};

const CLF: OpKind = OpKind::Metric {
    task: Task::Classification,
};
const REG: OpKind = OpKind::Metric {
    task: Task::Regression,
};

/// A metric's definition: no parameters, nothing to build.
const fn metric(name: &'static str, kind: OpKind, summary: &'static str) -> OperatorDef {
    OperatorDef::spec(OpSpec {
        name,
        kind,
        summary,
        params: &[],
    })
}

/// The metrics, in catalog order.
pub(crate) const DEFS: &[OperatorDef] = &[
    metric("accuracy", CLF, "fraction of correct predictions"),
    metric("precision_macro", CLF, "precision averaged over classes"),
    metric(
        "precision_weighted",
        CLF,
        "precision averaged over classes, weighted by support",
    ),
    metric("recall_macro", CLF, "recall averaged over classes"),
    metric(
        "recall_weighted",
        CLF,
        "recall averaged over classes, weighted by support",
    ),
    metric("f1_macro", CLF, "F1 averaged over classes"),
    metric(
        "f1_weighted",
        CLF,
        "F1 averaged over classes, weighted by support",
    ),
    metric(
        "precision_micro",
        CLF,
        "precision over all predictions (equals accuracy)",
    ),
    metric(
        "recall_micro",
        CLF,
        "recall over all predictions (equals accuracy)",
    ),
    metric("f1_micro", CLF, "F1 over all predictions (equals accuracy)"),
    metric(
        "precision",
        CLF,
        "precision of the positive (second) class of a binary target",
    ),
    metric(
        "recall",
        CLF,
        "recall of the positive (second) class of a binary target",
    ),
    metric("f1", CLF, "F1 of the positive (second) class of a binary target"),
    metric(
        "balanced_accuracy",
        CLF,
        "recall averaged over the classes present",
    ),
    metric(
        "roc_auc",
        CLF,
        "area under the ROC curve (one-vs-rest macro for more than two classes)",
    ),
    metric("log_loss", CLF, "mean negative log-probability of the true class"),
    metric("mse", REG, "mean squared error"),
    metric("rmse", REG, "root mean squared error"),
    metric("mae", REG, "mean absolute error"),
    metric("r2", REG, "coefficient of determination"),
];
