//! Cleaning steps. `drop_duplicates` and `drop_outliers` are row filters that
//! act only at fit time, through [`crate::op::FittedTransform::training_rows`];
//! at prediction time they are the identity (their `transform` returns the frame
//! unchanged and `lower` appends nothing), since prediction never drops rows.
//! `drop` and `drop_missing` remove columns.

pub mod columns;
pub mod duplicates;
pub mod outliers;

pub use columns::{Drop, DropMissing, FittedDrop, FittedProfile, Profile};
pub use duplicates::{DropDuplicates, FittedDropDuplicates};
pub use outliers::{Bounds, DropOutliers, FittedDropOutliers, OutlierMethod};

use crate::catalog::p;
use crate::op::boxed;
use crate::operators::{specs, OperatorDef};
use mlg_compiler::workflow::catalog::{Default, DefaultSelector, OpKind, OpSpec, ParamType, SchemaRule};

const NON_NEGATIVE: ParamType = ParamType::Float {
    min: 0.0,
    max: f64::INFINITY,
};

/// The cleaning steps, in catalog order.
pub(crate) const DEFS: &[OperatorDef] = &[
    OperatorDef::transform(
        OpSpec {
            name: "drop",
            kind: OpKind::Transform {
                default_selector: DefaultSelector::All,
                rule: SchemaRule::Drop,
            },
            summary: "remove the selected columns",
            params: &[],
        },
        |_| boxed(Ok(Drop)),
    )
    .with_details("Write the selector, e.g. `drop(cols(\"id\"))`: the default selects every column."),
    OperatorDef::transform(
        OpSpec {
            name: "profile",
            kind: OpKind::Transform {
                default_selector: DefaultSelector::All,
                rule: SchemaRule::InPlace {
                    fills_missing: false,
                    numeric_only: false,
                },
            },
            summary: "write the HTML profile of the columns this step sees (all rows) when the workflow runs",
            params: &[p(
                "path",
                ParamType::Str,
                Default::Required,
                "HTML file, relative to the .mlg file",
            )],
        },
        |_| boxed(Ok(Profile)),
    )
    .with_details(
        "When the workflow runs, writes the HTML profile (as `mlg profile` does) of the selected columns \
         as this step sees them (all data rows, after the earlier steps) plus the target.",
    ),
    OperatorDef::transform(
        OpSpec {
            name: "drop_missing",
            kind: OpKind::Transform {
                default_selector: DefaultSelector::All,
                rule: SchemaRule::MaybeDrop,
            },
            summary: "remove selected columns whose share of missing training values exceeds `threshold`",
            params: &[p(
                "threshold",
                ParamType::Float { min: 0.0, max: 1.0 },
                Default::Float(0.5),
                "largest allowed fraction of missing values",
            )],
        },
        |params| boxed(DropMissing::new(params)),
    ),
    OperatorDef::transform(
        OpSpec {
            name: "drop_duplicates",
            kind: OpKind::Transform {
                default_selector: DefaultSelector::All,
                rule: SchemaRule::InPlace {
                    fills_missing: false,
                    numeric_only: false,
                },
            },
            summary:
                "drop training rows that repeat an earlier row over the selected columns (fit time only)",
            params: &[],
        },
        |params| boxed(DropDuplicates::new(params)),
    )
    .with_details("The first of the repeated rows is kept; prediction never drops rows."),
    OperatorDef::transform(
        OpSpec {
            name: "drop_outliers",
            kind: OpKind::Transform {
                default_selector: DefaultSelector::Numeric,
                rule: SchemaRule::InPlace {
                    fills_missing: false,
                    numeric_only: true,
                },
            },
            summary:
                "drop training rows with a selected value outside the IQR or z-score bounds (fit time only)",
            params: &[
                p(
                    "method",
                    ParamType::Choice(&["iqr", "zscore"]),
                    Default::Str("iqr"),
                    "bounds [Q1 - k*IQR, Q3 + k*IQR] (\"iqr\") or |x - mean| <= z*std (\"zscore\")",
                ),
                p(
                    "k",
                    NON_NEGATIVE,
                    Default::Float(1.5),
                    "IQR multiplier of the \"iqr\" method",
                ),
                p(
                    "z",
                    NON_NEGATIVE,
                    Default::Float(3.0),
                    "population standard deviations allowed by the \"zscore\" method",
                ),
            ],
        },
        |params| boxed(DropOutliers::new(params)),
    )
    .with_details("Prediction never drops rows."),
];

/// Catalog entries of the cleaning steps (derived from `DEFS`).
pub const SPECS: &[OpSpec] = &specs::<{ DEFS.len() }>(DEFS);
