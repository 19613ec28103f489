//! The operator traits every features step and model implements, and the data
//! types they exchange with the executor.

use crate::design::Columns;
use mlg_compiler::ir::{GraphBuilder, NodeId, VerifyError};
use mlg_compiler::workflow::catalog::Task;
use mlg_runtime::frame::Frame;
use thiserror::Error;

/// Why an operator could not be built, fitted, applied or lowered.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum OpError {
    /// A parameter, the data or the target does not suit the operator.
    #[error("{op}: {message}")]
    Invalid {
        /// The operator's name.
        op: String,
        /// What is wrong.
        message: String,
    },
    /// A column does not suit the operator (absent, wrong kind, bad values).
    #[error("{op}: column `{column}` {message}")]
    Column {
        /// The operator's name.
        op: String,
        /// The column.
        column: String,
        /// What is wrong with it, completing "column `name` ...".
        message: String,
    },
    /// A fitted step or model lowered to a graph the verifier refuses: a
    /// bug in mlg, never the user's doing.
    #[error(
        "{op}: internal error: lowering produced a malformed graph ({source}); \
         this is a bug in mlg, please report it with the workflow that caused it"
    )]
    Lowering {
        /// The operator's name.
        op: String,
        /// Why the verifier refused the graph.
        source: VerifyError,
    },
}

/// A dense row-major `f64` matrix of model inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    /// The number of rows.
    pub rows: usize,
    /// The number of columns (values per row).
    pub cols: usize,
    /// `rows * cols` values, row-major.
    pub data: Vec<f64>,
}

impl Matrix {
    /// Row `i` as a slice.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// The rows `rows` of `self`, in that order.
    pub fn take(&self, rows: &[usize]) -> Matrix {
        Matrix {
            rows: rows.len(),
            cols: self.cols,
            data: rows.iter().flat_map(|&r| self.row(r).iter().copied()).collect(),
        }
    }
}

/// What a model learns to predict.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// Class codes into `labels` (labels sorted as the runtime orders them).
    Classes {
        /// One class code per row, an index into `labels`.
        codes: Vec<u32>,
        /// The class names.
        labels: Vec<String>,
    },
    /// Real values.
    Values(Vec<f64>),
}

impl Target {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Target::Classes { codes, .. } => codes.len(),
            Target::Values(v) => v.len(),
        }
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rows at `rows`, in that order.
    pub fn take(&self, rows: &[usize]) -> Target {
        match self {
            Target::Classes { codes, labels } => Target::Classes {
                codes: rows.iter().map(|&r| codes[r]).collect(),
                labels: labels.clone(),
            },
            Target::Values(v) => Target::Values(rows.iter().map(|&r| v[r]).collect()),
        }
    }
}

/// The inference graph under construction plus the node that holds each current
/// column (width 1), in frame order. Features steps replace entries; models read them.
#[derive(Clone, Debug)]
pub struct Lowering {
    /// The graph built so far.
    pub builder: GraphBuilder,
    /// Each current column's name and its width-1 node, in frame order.
    pub columns: Vec<(String, NodeId)>,
}

impl Lowering {
    /// The node of the column named `name`.
    pub fn column(&self, name: &str) -> Option<NodeId> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, id)| *id)
    }
}

/// A configured features step (parameters bound, not yet fitted).
pub trait Transform: Send + Sync {
    /// Learns the step's state from `frame`'s columns named in `selected`
    /// (training rows only); `target` holds the same rows' targets, for
    /// supervised steps (target encoding, feature selection, LDA).
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError>;
}

/// A constructor's result as a boxed [`Transform`], for the operator
/// definitions' [`crate::operators::Build::Transform`] functions.
pub(crate) fn boxed<T: Transform + 'static>(t: Result<T, OpError>) -> Result<Box<dyn Transform>, OpError> {
    t.map(|t| Box::new(t) as Box<dyn Transform>)
}

/// A constructor's result as a boxed [`Estimator`], for the operator
/// definitions' [`crate::operators::Build::Estimator`] functions.
pub(crate) fn boxed_model<T: Estimator + 'static>(
    m: Result<T, OpError>,
) -> Result<Box<dyn Estimator>, OpError> {
    m.map(|m| Box::new(m) as Box<dyn Estimator>)
}

/// A fitted features step.
pub trait FittedTransform: Send + Sync + std::fmt::Debug {
    /// Applies the fitted state to `frame` (columns it does not touch pass through).
    fn transform(&self, frame: &Frame) -> Result<Frame, OpError>;
    /// Appends the same computation to the inference graph.
    fn lower(&self, lowering: &mut Lowering) -> Result<(), OpError>;

    /// Rows of the fit frame that later steps and the model train on (e.g. after
    /// dropping outliers or duplicates), in order; `None` keeps every row. Only
    /// applies at fit time: prediction never drops rows.
    fn training_rows(&self) -> Option<&[usize]> {
        None
    }

    /// For a step whose every output column is computed from the input
    /// column of the same name alone: the map of each column of `frame` but
    /// `skip`, in `frame`'s order, such that the output columns (without
    /// `skip`) are those columns mapped, named, ordered, typed and marked
    /// missing as the inputs are. A caller that only needs the output as a
    /// matrix then builds it from `frame` in one pass
    /// ([`crate::design::Columns::to_matrix_mapped`]) instead of transforming
    /// first. `None` (the default) where the step cannot promise that of
    /// `frame`; [`FittedTransform::transform`] then says why.
    fn column_maps(&self, frame: &Frame, skip: &str) -> Option<Vec<crate::design::ColumnMap>> {
        let _ = (frame, skip);
        None
    }
}

/// A configured model (parameters bound, not yet fitted).
pub trait Estimator: Send + Sync {
    /// Classification or regression.
    fn task(&self) -> Task;
    /// Learns from `x` (no NaN) and `y` (same number of rows).
    fn fit(&self, x: &Matrix, y: &Target) -> Result<Box<dyn FittedModel>, OpError>;

    /// [`Estimator::fit`] on data given as borrowed columns: the same model
    /// as `fit(&x.to_matrix(), y)`, which is what it does unless the
    /// estimator reads the data block by block and never needs the matrix.
    fn fit_columns(&self, x: &Columns<'_>, y: &Target) -> Result<Box<dyn FittedModel>, OpError> {
        self.fit(&x.to_matrix(), y)
    }

    /// [`Estimator::fit`] where some columns of `x` hold category codes:
    /// `levels[j]` names column `j` and, for a categorical one, its number
    /// of levels (codes `0..levels`, NaN when missing). Only the models whose
    /// operator declares [`crate::operators::Capabilities::categorical`]
    /// implement it; the others refuse.
    fn fit_categorical(
        &self,
        x: &Matrix,
        y: &Target,
        levels: &[(String, Option<usize>)],
    ) -> Result<Box<dyn FittedModel>, OpError> {
        let _ = (x, y, levels);
        Err(OpError::Invalid {
            op: "estimator".to_string(),
            message: "this model cannot take categorical columns; encode them first".to_string(),
        })
    }

    /// [`Estimator::fit`] on soft class targets: `soft` holds one
    /// probability per row and label of `y` (row-major, rows summing to 1),
    /// which the model learns in place of `y`'s one-hot codes; `y`'s codes
    /// are each row's most likely class. Only the classifiers whose
    /// operator declares [`crate::operators::Capabilities::soft_targets`]
    /// implement it; the others refuse.
    fn fit_soft(&self, x: &Matrix, y: &Target, soft: &[f64]) -> Result<Box<dyn FittedModel>, OpError> {
        let _ = (x, y, soft);
        Err(OpError::Invalid {
            op: "estimator".to_string(),
            message: "this model cannot learn from soft targets".to_string(),
        })
    }
}

/// A fitted model.
pub trait FittedModel: Send + Sync + std::fmt::Debug {
    /// Predictions for the rows of `x`: class codes (as `f64`) or values.
    fn predict(&self, x: &Matrix) -> Vec<f64>;
    /// Appends the model to the graph given the node holding its feature vector
    /// (width = training column count). Returns the named outputs in order:
    /// classifiers give `("class", argmax)` then `("proba", probabilities)`;
    /// regressors give `("prediction", value)`.
    fn lower(&self, builder: &mut GraphBuilder, features: NodeId) -> Result<Vec<(String, NodeId)>, OpError>;

    /// The linear coefficients, one row of `n_features` values per output
    /// (one row for a regressor or a binary classifier, one per class for a
    /// multinomial classifier); `None` for models without coefficients.
    fn coefficients(&self) -> Option<Vec<Vec<f64>>> {
        None
    }

    /// One non-negative importance per training feature, as scikit-learn's
    /// `SelectFromModel` reads `coef_` (`norm_order = 1`): `|coef|` for a
    /// single-output model, the sum of `|coef|` over classes for a multinomial
    /// one. `None` for models without coefficients.
    fn importances(&self) -> Option<Vec<f64>> {
        None
    }

    /// Named scores the fit computed on its own (e.g. `("oob_accuracy", 0.95)`
    /// from a forest's out-of-bag rows), for the report; empty by default.
    fn fit_scores(&self) -> Vec<(String, f64)> {
        Vec::new()
    }
}

/// Column sums of `f(coef)` over the rows of `rows` (all rows have the same
/// length): the shared reduction behind [`FittedModel::importances`].
pub(crate) fn column_sums(rows: &[Vec<f64>], f: impl Fn(f64) -> f64) -> Vec<f64> {
    let width = rows.first().map_or(0, Vec::len);
    (0..width).map(|j| rows.iter().map(|r| f(r[j])).sum()).collect()
}
