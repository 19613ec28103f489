//! The combiners of `ensemble NAME = combiner(MEMBER, ..., k = v)`: their
//! catalog entries. The executor fits the members and the combiner, and
//! lowers the whole ensemble into one inference graph.

use crate::catalog::p;
use mlg_compiler::workflow::catalog::{Default, OpKind, OpSpec, ParamType};

/// The ensemble combiners' catalog section.
pub(crate) static SPECS: &[OpSpec] = &[
    OpSpec {
        name: "mean",
        kind: OpKind::Ensemble,
        summary: "the mean of the members' class probabilities (classifiers) or predictions (regressors)",
        params: &[],
    },
    OpSpec {
        name: "weighted",
        kind: OpKind::Ensemble,
        summary: "a weighted mean of the members' class probabilities or predictions",
        params: &[p(
            "weights",
            ParamType::Str,
            Default::Required,
            "one non-negative weight per member, comma separated, e.g. \"0.3,0.7\"",
        )],
    },
    OpSpec {
        name: "hard_vote",
        kind: OpKind::Ensemble,
        summary: "classifiers: the class most members predict (ties: the lowest class index)",
        params: &[],
    },
    OpSpec {
        name: "soft_vote",
        kind: OpKind::Ensemble,
        summary: "classifiers: the class of highest mean probability",
        params: &[],
    },
    OpSpec {
        name: "stacking",
        kind: OpKind::Ensemble,
        summary: "a meta-model trained on the members' out-of-fold probabilities or predictions",
        params: &[
            p(
                "meta",
                ParamType::Model,
                Default::Optional,
                "the meta-model (default logistic_regression() for classifiers, linear_regression() for regressors)",
            ),
            p(
                "passthrough",
                ParamType::Bool,
                Default::Bool(false),
                "also give the meta-model the raw inputs (all must be numeric and complete)",
            ),
            p(
                "cv",
                ParamType::Int { min: 2, max: 100 },
                Default::Int(5),
                "folds of the inner stratified k-fold that produces the out-of-fold predictions",
            ),
            p(
                "seed",
                ParamType::Int {
                    min: 0,
                    max: i64::MAX,
                },
                Default::Int(0),
                "seed of the inner k-fold's shuffle",
            ),
        ],
    },
];
