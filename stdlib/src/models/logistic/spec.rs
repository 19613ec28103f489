//! The `logistic_regression` model's operator definition: catalog entry and
//! constructor.

use super::{LogisticRegression, OP};
use crate::catalog::{p, POSITIVE, SEED};
use crate::models::class_weight::CLASS_WEIGHT;
use crate::op::boxed_model;
use crate::operators::{Capabilities, OperatorDef};
use mlg_compiler::workflow::catalog::{Default, OpKind, OpSpec, ParamType, Task};

/// The `logistic_regression` model's definition.
pub(crate) const DEFS: &[OperatorDef] = &[OperatorDef::estimator(
    OpSpec {
        name: OP,
        kind: OpKind::Model {
            task: Task::Classification,
        },
        summary: "binary or multinomial logistic regression (scikit-learn's objective), L2/L1/no penalty; \
                      L-BFGS, Newton, conjugate-gradient or SGD solver",
        params: &[
            p(
                "c",
                ParamType::Float {
                    min: 1e-12,
                    max: f64::INFINITY,
                },
                Default::Float(1.0),
                "inverse penalty strength (scikit-learn's C)",
            ),
            p(
                "max_iter",
                ParamType::Int {
                    min: 1,
                    max: 1_000_000,
                },
                Default::Int(1000),
                "iteration limit (line searches for lbfgs/cg, Newton steps, SGD epochs)",
            ),
            p(
                "tol",
                POSITIVE,
                Default::Optional,
                "stop when the gradient's max-norm (objective / (C n)) is below this; \
                     default 1e-4 for lbfgs and cg (scikit-learn's), 1e-8 for newton and sgd",
            ),
            p(
                "fit_intercept",
                ParamType::Bool,
                Default::Bool(true),
                "learn intercepts",
            ),
            p(
                "penalty",
                ParamType::Choice(&["l2", "l1", "none"]),
                Default::Str("l2"),
                "penalty on the weights: 1/2 |W|^2, |W|_1 (solver newton or sgd) or none",
            ),
            p(
                "solver",
                ParamType::Choice(&["lbfgs", "newton", "cg", "sgd"]),
                Default::Str("lbfgs"),
                "optimiser: L-BFGS, Newton (proximal for l1), nonlinear conjugate gradient, averaged SGD",
            ),
            SEED,
            p(
                "checkpoint_iterations",
                ParamType::Int {
                    min: 1,
                    max: 1_000_000,
                },
                Default::Optional,
                "save a checkpoint every this many iterations (epochs of sgd) when deployed \
                     (default: about once a minute); `mlg run --resume` continues from it",
            ),
            CLASS_WEIGHT,
        ],
    },
    |params| boxed_model(LogisticRegression::new(params)),
)
.with_capabilities(Capabilities {
    low_rank: true,
    ..Capabilities::NONE
})
.with_details(
    "Binary or multinomial. `newton` is Newton's method with the exact Hessian (proximal Newton \
         for l1), `cg` nonlinear conjugate gradient (Polak-Ribière+), `sgd` per-row SGD with a decaying \
         step and iterate averaging (truncated gradient for l1); `seed` seeds `sgd`. `penalty = \"l1\"` \
         needs `newton` or `sgd` (checked by `mlg check`). All four solvers reach scikit-learn's optimum \
         on breast_cancer: the objective within 1e-9 for lbfgs, newton and cg at `tol = 1e-8`, 5e-5 for \
         sgd, and within 1e-5 for lbfgs at its default `tol`.",
)];
