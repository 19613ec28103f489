//! Feature-selection filters: each fits which of the selected numeric columns
//! survive and drops the others from the frame and from the inference graph
//! (their preprocessing becomes dead and the dead-node pass removes it). They
//! share [`FittedSelect`]. `rfe` and `select_from_model` rank columns by the
//! coefficients of a nested model (`model = ridge(alpha = 1.0)`).

pub mod correlated;
pub mod from_model;
pub mod k_best;
pub mod rfe;
pub mod scores;
pub mod variance;

pub use correlated::DropCorrelated;
pub use from_model::{SelectFromModel, Threshold};
pub use k_best::{KBestScore, SelectKBest};
pub use rfe::Rfe;
pub use variance::VarianceThreshold;

use crate::catalog::p;
use crate::op::{boxed, Estimator, FittedModel, FittedTransform, Lowering, Matrix, OpError, Target};
use crate::operators::{specs, OperatorDef};
use crate::preprocess::{frame_column, lowered_column};
use crate::registry::{column_error, invalid, param_model};
use mlg_compiler::workflow::catalog::{
    Default, DefaultSelector, OpKind, OpSpec, ParamSpec, ParamType, Params, SchemaRule,
};
use mlg_runtime::frame::Frame;

const FILTER: OpKind = OpKind::Transform {
    default_selector: DefaultSelector::Numeric,
    rule: SchemaRule::Subset,
};

/// The filters, in catalog order.
pub(crate) const DEFS: &[OperatorDef] = &[
    OperatorDef::transform(
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
        |params| boxed(VarianceThreshold::new(params)),
    ),
    OperatorDef::transform(
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
        |params| boxed(DropCorrelated::new(params)),
    ),
    OperatorDef::transform(
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
        |params| boxed(SelectKBest::new(params)),
    ),
    OperatorDef::transform(
        OpSpec {
            name: "rfe",
            kind: FILTER,
            summary: "recursive feature elimination: refit a linear model and drop the columns with the smallest coefficients until n_features remain",
            params: &[
                MODEL,
                p(
                    "n_features",
                    ParamType::Int {
                        min: 1,
                        max: i64::MAX,
                    },
                    Default::Optional,
                    "number of columns kept (default: half of the selected columns, at least 1)",
                ),
                p(
                    "step",
                    ParamType::Int {
                        min: 1,
                        max: i64::MAX,
                    },
                    Default::Int(1),
                    "columns removed per refit",
                ),
            ],
        },
        |params| boxed(Rfe::new(params)),
    )
    .with_details(
        "As scikit-learn's `RFE`: refits the model on the surviving columns and drops the `step` columns \
         with the smallest `coef²` (summed over classes) until `n_features` remain.",
    ),
    OperatorDef::transform(
        OpSpec {
            name: "select_from_model",
            kind: FILTER,
            summary: "fit a linear model once and keep the columns whose coefficient importance reaches a threshold",
            params: &[
                MODEL,
                p(
                    "threshold",
                    ParamType::Str,
                    Default::Str("mean"),
                    "\"mean\", \"median\", \"<factor>*mean\", \"<factor>*median\" or a number such as \"0.25\"",
                ),
                p(
                    "max_features",
                    ParamType::Int {
                        min: 1,
                        max: i64::MAX,
                    },
                    Default::Optional,
                    "keep at most this many columns (the most important)",
                ),
            ],
        },
        |params| boxed(SelectFromModel::new(params)),
    )
    .with_details(
        "As scikit-learn's `SelectFromModel`: fits the model once and keeps the columns whose \
         importance (`|coef|`, summed over classes) is at least the threshold, at most `max_features` of \
         the most important.",
    ),
];

/// Catalog entries of the filters (derived from `DEFS`).
pub const SPECS: &[OpSpec] = &specs::<{ DEFS.len() }>(DEFS);

/// The nested model parameter of `rfe` and `select_from_model`.
const MODEL: ParamSpec = p(
    "model",
    ParamType::Model,
    Default::Required,
    "the linear model whose coefficients rank the columns: linear_regression, ridge or logistic_regression",
);

/// A fitted filter. `scores` holds, per selected column in selection order, the
/// statistic the decision was made on (variance, largest |r| with an earlier
/// kept column, univariate score); `kept` and `dropped` partition the selected
/// columns, each in selection order.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedSelect {
    /// The operator name used in errors.
    pub op: &'static str,
    /// Each selected column with its statistic.
    pub scores: Vec<(String, f64)>,
    /// The columns kept.
    pub kept: Vec<String>,
    /// The columns dropped.
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

/// The nested model of `rfe` / `select_from_model`: its catalog name and
/// parameters, and the estimator built from them.
pub struct NestedModel {
    /// The model's catalog name.
    pub name: String,
    /// Its checked parameters.
    pub params: Params,
    estimator: Box<dyn Estimator>,
}

impl std::fmt::Debug for NestedModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NestedModel")
            .field("name", &self.name)
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

impl NestedModel {
    /// Reads the required `model` parameter of filter `op` and builds the
    /// estimator; a missing parameter or an unknown model is an error.
    pub(crate) fn from_params(op: &str, params: &Params) -> Result<Self, OpError> {
        let (name, model_params) = param_model(op, params, "model")?.ok_or_else(|| {
            invalid(
                op,
                "needs the parameter `model`, e.g. `model = ridge(alpha = 1.0)`",
            )
        })?;
        let estimator =
            crate::registry::estimator(name, model_params).map_err(|e| invalid(op, format!("model: {e}")))?;
        Ok(NestedModel {
            name: name.to_string(),
            params: model_params.clone(),
            estimator,
        })
    }

    /// Fits the model on the columns `cols` of `x` against `y` and returns its
    /// coefficient rows, each of length `cols.len()`.
    pub(crate) fn coefficients(
        &self,
        op: &str,
        x: &Matrix,
        cols: &[usize],
        y: &Target,
    ) -> Result<Vec<Vec<f64>>, OpError> {
        let fitted = self.fit(op, &submatrix(x, cols), y)?;
        let rows = fitted.coefficients().ok_or_else(|| {
            invalid(
                op,
                format!("model `{}` has no coefficients to rank columns by", self.name),
            )
        })?;
        if rows.iter().any(|r| r.len() != cols.len()) {
            return Err(invalid(
                op,
                format!("model `{}` returned coefficients of the wrong width", self.name),
            ));
        }
        Ok(rows)
    }

    /// The importance of each column of `cols` in `x`: the fitted model's
    /// `importances()` (|coef| summed over outputs for linear models, impurity
    /// decrease for trees).
    pub(crate) fn importances(
        &self,
        op: &str,
        x: &Matrix,
        cols: &[usize],
        y: &Target,
    ) -> Result<Vec<f64>, OpError> {
        let fitted = self.fit(op, &submatrix(x, cols), y)?;
        let importances = fitted.importances().ok_or_else(|| {
            invalid(
                op,
                format!("model `{}` has no importances to rank columns by", self.name),
            )
        })?;
        if importances.len() != cols.len() {
            return Err(invalid(
                op,
                format!("model `{}` returned importances of the wrong width", self.name),
            ));
        }
        Ok(importances)
    }

    /// Fits the model on `x` against `y`, errors prefixed with `op`.
    pub(crate) fn fit(&self, op: &str, x: &Matrix, y: &Target) -> Result<Box<dyn FittedModel>, OpError> {
        self.estimator
            .fit(x, y)
            .map_err(|e| invalid(op, format!("fitting the model failed: {e}")))
    }
}

/// The row-major model matrix of the `selected` columns of `frame` (training
/// rows), which must be numeric without missing or infinite values (the error
/// names the column and says to impute before `op`); also checks that `target`
/// has one entry per row.
pub(crate) fn model_matrix(
    op: &str,
    frame: &Frame,
    selected: &[String],
    target: &Target,
) -> Result<Matrix, OpError> {
    if target.len() != frame.n_rows {
        return Err(invalid(
            op,
            format!(
                "the target has {} rows but the frame has {}",
                target.len(),
                frame.n_rows
            ),
        ));
    }
    let cols = selected.len();
    let mut data = vec![0.0; frame.n_rows * cols];
    for (j, name) in selected.iter().enumerate() {
        for (i, v) in complete(op, frame, name)?.iter().enumerate() {
            data[i * cols + j] = *v;
        }
    }
    Ok(Matrix {
        rows: frame.n_rows,
        cols,
        data,
    })
}

/// The columns `cols` of `x`, in that order.
fn submatrix(x: &Matrix, cols: &[usize]) -> Matrix {
    let mut data = Vec::with_capacity(x.rows * cols.len());
    for i in 0..x.rows {
        let row = x.row(i);
        data.extend(cols.iter().map(|&j| row[j]));
    }
    Matrix {
        rows: x.rows,
        cols: cols.len(),
        data,
    }
}
