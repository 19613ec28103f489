//! The `fixed_threshold` and `tuned_threshold` operator definitions: catalog
//! entries and constructors.

use super::{Threshold, FIXED, TUNED};
use crate::catalog::{p, SEED};
use crate::op::boxed_model;
use crate::operators::OperatorDef;
use mlg_compiler::workflow::catalog::{Default, OpKind, OpSpec, ParamSpec, ParamType, Task};

/// The nested classifier both wrappers take.
const MODEL: ParamSpec = p(
    "model",
    ParamType::Model,
    Default::Required,
    "the binary classifier whose positive-class probability is thresholded, e.g. \
     logistic_regression(class_weight = \"balanced\")",
);

/// The two threshold wrappers, fixed first.
pub(crate) const DEFS: &[OperatorDef] = &[
    OperatorDef::estimator(
        OpSpec {
            name: FIXED,
            kind: OpKind::Model {
                task: Task::Classification,
            },
            summary: "a binary classifier predicting the positive (second) class when its probability is at \
                      least `threshold` (scikit-learn's FixedThresholdClassifier)",
            params: &[
                MODEL,
                p(
                    "threshold",
                    ParamType::Float { min: 0.0, max: 1.0 },
                    Default::Float(0.5),
                    "the positive class's probability from which it is predicted",
                ),
            ],
        },
        |params| boxed_model(Threshold::new(params, false)),
    )
    .with_details(
        "The threshold is a constant of the compiled graph: the artifact predicts with it. The positive \
         class is the second label of the target, the one `f1`, `precision` and `recall` score.",
    ),
    OperatorDef::estimator(
        OpSpec {
            name: TUNED,
            kind: OpKind::Model {
                task: Task::Classification,
            },
            summary: "a binary classifier whose decision threshold maximises `metric` on out-of-fold \
                      probabilities of the training rows (scikit-learn's TunedThresholdClassifierCV)",
            params: &[
                MODEL,
                p(
                    "metric",
                    ParamType::Choice(&["f1", "balanced_accuracy", "accuracy"]),
                    Default::Str("f1"),
                    "what the threshold maximises",
                ),
                p(
                    "k",
                    ParamType::Int { min: 2, max: 100 },
                    Default::Int(5),
                    "stratified folds of the training rows the probabilities come from",
                ),
                SEED,
            ],
        },
        |params| boxed_model(Threshold::new(params, true)),
    )
    .with_details(
        "The model is fitted on `k` stratified folds of the training rows; the held-out folds' \
         probabilities are pooled and every cut between two of them is scored, the threshold going \
         halfway between the two probabilities of the best cut. The model is then refitted on every \
         training row, and the report lists the threshold among its fit scores.",
    ),
];
