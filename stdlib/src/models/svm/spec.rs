//! The operator definitions of `svm` and `svr`: their parameters, defaults
//! and docs, constructors and size estimate.

use super::params::MAX_DEGREE;
use super::{Svm, Svr};
use crate::catalog::p;
use crate::op::boxed_model;
use crate::operators::OperatorDef;
use mlg_compiler::workflow::catalog::{Default, OpKind, OpSpec, ParamSpec, ParamType, Params, Shape, Task};

/// A finite number `> 0`.
const POSITIVE: ParamType = ParamType::Float {
    min: 1e-300,
    max: f64::INFINITY,
};

const KERNEL: ParamSpec = p(
    "kernel",
    ParamType::Choice(&["rbf", "linear", "poly", "sigmoid"]),
    Default::Str("rbf"),
    "kernel: exp(-gamma |x-z|²), x·z, (gamma x·z + coef0)^degree or tanh(gamma x·z + coef0)",
);
const C: ParamSpec = p(
    "c",
    POSITIVE,
    Default::Float(1.0),
    "penalty on margin violations (scikit-learn's C)",
);
const GAMMA: ParamSpec = p(
    "gamma",
    POSITIVE,
    Default::Optional,
    "kernel coefficient; left out: \"scale\" = 1 / (features × variance of all training values)",
);
const DEGREE: ParamSpec = p(
    "degree",
    ParamType::Int {
        min: 0,
        max: MAX_DEGREE,
    },
    Default::Int(3),
    "degree of the poly kernel",
);
const COEF0: ParamSpec = p(
    "coef0",
    ParamType::Float {
        min: f64::NEG_INFINITY,
        max: f64::INFINITY,
    },
    Default::Float(0.0),
    "constant term of the poly and sigmoid kernels",
);
const TOL: ParamSpec = p(
    "tol",
    POSITIVE,
    Default::Float(1e-3),
    "stop when the largest KKT violation is below this",
);
const MAX_ITER: ParamSpec = p(
    "max_iter",
    ParamType::Int {
        min: 1,
        max: i64::MAX,
    },
    Default::Optional,
    "solver iteration limit (left out: libsvm's max(10^7, 100 n); 1000 dual-CD passes)",
);
const SHRINKING: ParamSpec = p(
    "shrinking",
    ParamType::Bool,
    Default::Bool(true),
    "temporarily drop bounded dual variables from the working set",
);

/// The reference prose both models share.
const DETAILS: &str = "SMO with libsvm's second-order working-set selection; `gamma` left out is \
                       scikit-learn's \"scale\". A fitted model is lowered as the kernel expansion over its \
                       support vectors.";

/// The models of this family, classifier first.
pub(crate) const DEFS: &[OperatorDef] = &[
    OperatorDef::estimator(
        OpSpec {
            name: super::classifier::OP,
            kind: OpKind::Model {
                task: Task::Classification,
            },
            summary: "support vector classifier, SMO with WSS3 (scikit-learn's SVC)",
            params: &[
                KERNEL,
                C,
                GAMMA,
                DEGREE,
                COEF0,
                TOL,
                MAX_ITER,
                SHRINKING,
                p(
                    "multiclass",
                    ParamType::Choice(&["ovo", "ovr"]),
                    Default::Str("ovo"),
                    "more than two classes: one-vs-one voting or one-vs-rest",
                ),
                p(
                    "probability",
                    ParamType::Bool,
                    Default::Bool(false),
                    "Platt-scaled probabilities fitted on 5-fold decision values (5 extra fits per problem)",
                ),
                p(
                    "solver",
                    ParamType::Choice(&["smo", "dual_cd"]),
                    Default::Str("smo"),
                    "dual solver; \"dual_cd\" (liblinear's coordinate descent) needs kernel = \"linear\"",
                ),
                p(
                    "intercept_scaling",
                    POSITIVE,
                    Default::Float(1.0),
                    "dual_cd only: value of the constant feature carrying the intercept (larger: less penalised intercept)",
                ),
                p(
                    "seed",
                    ParamType::Int {
                        min: 0,
                        max: i64::MAX,
                    },
                    Default::Int(0),
                    "random seed (Platt's folds, dual CD's order)",
                ),
                crate::models::class_weight::CLASS_WEIGHT,
            ],
        },
        |params| boxed_model(Svm::new(params)),
    )
    .with_size(size)
    .with_details(DETAILS),
    OperatorDef::estimator(
        OpSpec {
            name: super::regressor::OP,
            kind: OpKind::Model {
                task: Task::Regression,
            },
            summary: "epsilon-support vector regressor, SMO with WSS3 (scikit-learn's SVR)",
            params: &[
                KERNEL,
                C,
                p(
                    "epsilon",
                    ParamType::Float {
                        min: 0.0,
                        max: f64::INFINITY,
                    },
                    Default::Float(0.1),
                    "half-width of the tube inside which errors cost nothing",
                ),
                GAMMA,
                DEGREE,
                COEF0,
                TOL,
                MAX_ITER,
                SHRINKING,
                p(
                    "scale_target",
                    ParamType::Bool,
                    Default::Bool(false),
                    "standardise the target before fitting and undo it in the prediction",
                ),
            ],
        },
        |params| boxed_model(Svr::new(params)),
    )
    .with_size(size)
    .with_details(DETAILS),
];

/// At most one support vector (its inputs, coefficient and index) per row.
fn size(_params: &Params, shape: Shape) -> Option<u128> {
    Some((shape.rows as u128).saturating_mul((shape.inputs as u128).saturating_add(2)))
}
