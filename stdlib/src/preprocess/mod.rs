//! Preprocessing steps (fit on training rows, transform any frame, lower to the
//! inference IR) and the column helpers they share.

pub mod impute;
pub mod knn;
pub mod one_hot;
pub mod standardize;

pub use impute::{FittedImpute, Impute, ImputeStrategy};
pub use knn::FittedKnnImpute;
pub use one_hot::{FittedOneHot, OneHot};
pub use standardize::{FittedStandardize, Standardize};

use crate::catalog::p;
use crate::op::{boxed, Lowering, OpError};
use crate::operators::OperatorDef;
use crate::registry::column_error;
use mlg_compiler::ir::{NodeId, VerifyError};
use mlg_compiler::workflow::catalog::{Default, DefaultSelector, OpKind, OpSpec, ParamType, SchemaRule};
use mlg_runtime::frame::{Column, Frame};

/// The preprocessing steps, in catalog order.
pub(crate) const DEFS: &[OperatorDef] = &[
    OperatorDef::transform(
        OpSpec {
            name: "impute",
            kind: OpKind::Transform {
                default_selector: DefaultSelector::All,
                rule: SchemaRule::InPlace {
                    fills_missing: true,
                    numeric_only: false,
                },
            },
            summary: "replace missing values by a statistic of the training rows",
            params: &[
                p(
                    "strategy",
                    ParamType::Choice(&["mean", "median", "most_frequent", "constant", "knn"]),
                    Default::Str("mean"),
                    "statistic used as the fill value",
                ),
                p(
                    "value",
                    ParamType::Float {
                        min: f64::NEG_INFINITY,
                        max: f64::INFINITY,
                    },
                    Default::Optional,
                    "fill value of numeric columns when strategy = \"constant\" (default 0)",
                ),
                p(
                    "level",
                    ParamType::Str,
                    Default::Optional,
                    "fill level of categorical columns when strategy = \"constant\"",
                ),
                p(
                    "k",
                    ParamType::Int { min: 1, max: 1000 },
                    Default::Int(5),
                    "neighbours averaged when strategy = \"knn\"",
                ),
            ],
        },
        |params| boxed(Impute::new(params)),
    )
    .with_details(
        "`\"knn\"` is scikit-learn's `KNNImputer`: uniform weights, `nan_euclidean` distances over the \
         selected numeric columns, ties to the earlier training row, the column mean when no neighbour \
         has the value; the model keeps up to 50,000 training rows for it.",
    ),
    OperatorDef::transform(
        OpSpec {
            name: "standardize",
            kind: OpKind::Transform {
                default_selector: DefaultSelector::Numeric,
                rule: SchemaRule::InPlace {
                    fills_missing: false,
                    numeric_only: true,
                },
            },
            summary: "centre to mean 0 and scale to unit variance (population std)",
            params: &[
                p(
                    "with_mean",
                    ParamType::Bool,
                    Default::Bool(true),
                    "subtract the mean",
                ),
                p(
                    "with_std",
                    ParamType::Bool,
                    Default::Bool(true),
                    "divide by the standard deviation",
                ),
            ],
        },
        |params| boxed(Standardize::new(params)),
    )
    .with_details("A constant column keeps scale 1."),
    OperatorDef::transform(
        OpSpec {
            name: "one_hot",
            kind: OpKind::Transform {
                default_selector: DefaultSelector::Categorical,
                rule: SchemaRule::OneHot,
            },
            summary: "one 0/1 column per category level; unknown levels encode as all zeros",
            params: &[p(
                "max_categories",
                ParamType::Int {
                    min: 1,
                    max: i64::MAX,
                },
                Default::Optional,
                "keep only the most frequent levels",
            )],
        },
        |params| boxed(OneHot::new(params)),
    )
    .with_details(
        "Levels dropped by `max_categories` encode as all zeros too (all levels are kept by default); \
         the output columns are named `column=level`.",
    ),
];

/// The column `name` of `frame`, or an error naming it and listing the columns
/// that exist.
pub(crate) fn frame_column<'a>(op: &str, frame: &'a Frame, name: &str) -> Result<&'a Column, OpError> {
    frame.column(name).ok_or_else(|| {
        column_error(
            op,
            name,
            format!("is not in the frame (columns: {})", frame.names().join(", ")),
        )
    })
}

/// The node currently holding column `name` in the inference graph.
pub(crate) fn lowered_column(op: &str, lowering: &Lowering, name: &str) -> Result<NodeId, OpError> {
    lowering
        .column(name)
        .ok_or_else(|| column_error(op, name, "is not a column of the inference graph at this step"))
}

/// Points the lowering's entry for column `name` at `node`.
pub(crate) fn set_lowered_column(lowering: &mut Lowering, name: &str, node: NodeId) {
    if let Some(entry) = lowering.columns.iter_mut().find(|(n, _)| n == name) {
        entry.1 = node;
    }
}

/// Wraps a builder error raised while lowering operator `op`.
pub(crate) fn lowering_error(op: &str) -> impl Fn(VerifyError) -> OpError + '_ {
    move |source| OpError::Lowering {
        op: op.to_string(),
        source,
    }
}

/// `frame` with column `name` replaced by `column` (same position).
pub(crate) fn replace_column(frame: &mut Frame, name: &str, column: Column) {
    if let Some(pos) = frame.position(name) {
        frame.columns[pos] = column;
    }
}
