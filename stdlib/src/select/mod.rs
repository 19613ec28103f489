//! Feature-selection filters: each fits which of the selected numeric columns
//! survive and drops the others from the frame and from the inference graph
//! (their preprocessing becomes dead and the dead-node pass removes it). They
//! share [`FittedSelect`].

pub mod correlated;
pub mod k_best;
pub mod scores;
pub mod variance;

pub use correlated::DropCorrelated;
pub use k_best::{KBestScore, SelectKBest};
pub use variance::VarianceThreshold;

use crate::catalog::p;
use crate::op::{FittedTransform, Lowering, OpError, Transform};
use crate::preprocess::{frame_column, lowered_column};
use crate::registry::column_error;
use mlg_compiler::workflow::catalog::{
    Default, DefaultSelector, OpKind, OpSpec, ParamType, Params, SchemaRule,
};
use mlg_runtime::frame::Frame;

const FILTER: OpKind = OpKind::Transform {
    default_selector: DefaultSelector::Numeric,
    rule: SchemaRule::Subset,
};

/// Catalog entries of the filters.
pub const SPECS: &[OpSpec] = &[
    OpSpec {
        name: "variance_threshold",
        kind: FILTER,
        summary: "drop columns whose population variance (missing values ignored) is not above a threshold",
        params: &[p(
            "threshold",
            ParamType::Float {
                min: 0.0,
                max: f64::INFINITY,
            },
            Default::Float(0.0),
            "keep columns with variance strictly above this",
        )],
    },
    OpSpec {
        name: "drop_correlated",
        kind: FILTER,
        summary: "drop a column when its |Pearson r| with an earlier kept column exceeds a threshold",
        params: &[p(
            "threshold",
            ParamType::Float { min: 0.0, max: 1.0 },
            Default::Float(0.95),
            "largest |r| a kept column may have with an earlier kept column",
        )],
    },
    OpSpec {
        name: "select_k_best",
        kind: FILTER,
        summary: "keep the k columns with the highest univariate score against the target",
        params: &[
            p(
                "k",
                ParamType::Int {
                    min: 1,
                    max: i64::MAX,
                },
                Default::Int(10),
                "number of columns kept (all when there are fewer)",
            ),
            p(
                "score",
                ParamType::Choice(&["f_classif", "f_regression", "chi2", "mutual_info"]),
                Default::Optional,
                "univariate score (default: f_classif for classification, f_regression for regression)",
            ),
        ],
    },
];

/// Builds the filter called `name` from its checked parameters; `None` when
/// this module has no operator of that name.
pub fn construct(name: &str, params: &Params) -> Option<Result<Box<dyn Transform>, OpError>> {
    Some(match name {
        "variance_threshold" => VarianceThreshold::new(params).map(|t| Box::new(t) as Box<dyn Transform>),
        "drop_correlated" => DropCorrelated::new(params).map(|t| Box::new(t) as Box<dyn Transform>),
        "select_k_best" => SelectKBest::new(params).map(|t| Box::new(t) as Box<dyn Transform>),
        _ => return None,
    })
}

/// A fitted filter. `scores` holds, per selected column in selection order, the
/// statistic the decision was made on (variance, largest |r| with an earlier
/// kept column, univariate score); `kept` and `dropped` partition the selected
/// columns, each in selection order.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedSelect {
    pub op: &'static str,
    pub scores: Vec<(String, f64)>,
    pub kept: Vec<String>,
    pub dropped: Vec<String>,
}

impl FittedSelect {
    /// Splits `selected` by `keep` (one flag per column, same order).
    pub(crate) fn new(op: &'static str, selected: &[String], scores: Vec<f64>, keep: &[bool]) -> Self {
        let (mut kept, mut dropped) = (Vec::new(), Vec::new());
        for (name, &k) in selected.iter().zip(keep) {
            if k {
                kept.push(name.clone());
            } else {
                dropped.push(name.clone());
            }
        }
        FittedSelect {
            op,
            scores: selected.iter().cloned().zip(scores).collect(),
            kept,
            dropped,
        }
    }
}

impl FittedTransform for FittedSelect {
    fn transform(&self, frame: &Frame) -> Result<Frame, OpError> {
        for name in self.dropped.iter().chain(&self.kept) {
            frame_column(self.op, frame, name)?;
        }
        let mut out = frame.clone();
        out.columns.retain(|c| !self.dropped.contains(&c.name));
        Ok(out)
    }

    fn lower(&self, lowering: &mut Lowering) -> Result<(), OpError> {
        for name in self.dropped.iter().chain(&self.kept) {
            lowered_column(self.op, lowering, name)?;
        }
        lowering.columns.retain(|(n, _)| !self.dropped.contains(n));
        Ok(())
    }
}

/// The values and missing mask of numeric column `name`, or an error naming it
/// when it is absent or categorical.
pub(crate) fn numeric<'a>(
    op: &str,
    frame: &'a Frame,
    name: &str,
) -> Result<(&'a [f64], &'a [bool]), OpError> {
    let column = frame_column(op, frame, name)?;
    let values = column.as_numeric().ok_or_else(|| {
        column_error(
            op,
            name,
            format!("is categorical; {op} applies to numeric columns"),
        )
    })?;
    Ok((values, &column.missing))
}

/// The values of numeric column `name`, which must have no missing values.
pub(crate) fn complete<'a>(op: &str, frame: &'a Frame, name: &str) -> Result<&'a [f64], OpError> {
    let (values, missing) = numeric(op, frame, name)?;
    if values.iter().zip(missing).any(|(v, &m)| m || !v.is_finite()) {
        return Err(column_error(
            op,
            name,
            format!("has missing or infinite values; impute before {op}"),
        ));
    }
    Ok(values)
}
