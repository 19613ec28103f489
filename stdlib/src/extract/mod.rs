//! Linear feature extraction: each operator fits a linear map from the
//! selected numeric columns to new columns `<prefix>1 ..= <prefix>N` (PCA,
//! whitening, truncated SVD, LDA). They share [`FittedProjection`], which
//! replaces the selected columns at the first one's position and lowers to one
//! single-row `Affine` per output over a `Concat` of the inputs.

pub mod lda;
pub mod pca;
pub mod svd;

pub use lda::Lda;
pub use pca::{Pca, PcaFit};
pub use svd::TruncatedSvd;

use crate::catalog::p;
use crate::op::{boxed, FittedTransform, Lowering, OpError};
use crate::operators::{specs, OperatorDef};
use crate::preprocess::{frame_column, lowered_column, lowering_error};
use crate::registry::{column_error, invalid};
use faer::{Mat, Side};
use mlg_compiler::ir::Op;
use mlg_compiler::workflow::catalog::{Default, DefaultSelector, OpKind, OpSpec, ParamType, SchemaRule};
use mlg_runtime::frame::{Column, Frame};

const fn project(prefix: &'static str, classes: bool) -> OpKind {
    OpKind::Transform {
        default_selector: DefaultSelector::Numeric,
        rule: SchemaRule::Project {
            prefix,
            n_param: "n",
            classes,
        },
    }
}

/// Components: the checker also bounds them by the selected columns.
const COUNT: ParamType = ParamType::Int {
    min: 1,
    max: 1_000_000,
};

/// The extractors, in catalog order.
pub(crate) const DEFS: &[OperatorDef] = &[
    OperatorDef::transform(
        OpSpec {
            name: "pca",
            kind: project("pc", false),
            summary: "principal components of the centred columns (scikit-learn PCA, sign: largest |loading| positive)",
            params: &[
                p("n", COUNT, Default::Optional, "number of components (default: all)"),
                p(
                    "variance",
                    ParamType::Float {
                        min: 1e-12,
                        max: 1.0,
                    },
                    Default::Optional,
                    "keep the fewest components whose explained-variance ratio exceeds this (instead of n)",
                ),
                p(
                    "whiten",
                    ParamType::Bool,
                    Default::Bool(false),
                    "scale each component to unit variance",
                ),
            ],
        },
        |params| boxed(Pca::new(params)),
    ),
    OperatorDef::transform(
        OpSpec {
            name: "whiten",
            kind: project("w", false),
            summary: "PCA whitening keeping every component: decorrelated, unit-variance columns",
            params: &[],
        },
        |params| boxed(Pca::whiten(params)),
    ),
    OperatorDef::transform(
        OpSpec {
            name: "truncated_svd",
            kind: project("svd", false),
            summary: "projection on the top right singular vectors, no centring (scikit-learn TruncatedSVD)",
            params: &[p("n", COUNT, Default::Int(2), "number of components")],
        },
        |params| boxed(TruncatedSvd::new(params)),
    ),
    OperatorDef::transform(
        OpSpec {
            name: "lda",
            kind: project("ld", true),
            summary: "linear discriminant axes of a classification target (scikit-learn LinearDiscriminantAnalysis.transform)",
            params: &[p(
                "n",
                COUNT,
                Default::Optional,
                "number of discriminants, at most classes - 1 (default: min(classes - 1, columns))",
            )],
        },
        |params| boxed(Lda::new(params)),
    )
    .with_details(
        "Needs a classification target.",
    ),
];

/// Catalog entries of the extractors (derived from `DEFS`).
pub const SPECS: &[OpSpec] = &specs::<{ DEFS.len() }>(DEFS);

/// A fitted linear extraction: output `k` (named `outputs[k]`) is
/// `Σ_j weights[k][j] · (x_j - mean[j])` over the input columns `inputs`, in
/// that order. A row with any missing input gets NaN in every output.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedProjection {
    /// The operator name used in errors.
    pub op: &'static str,
    /// The input columns, in the order of `mean` and each weight row.
    pub inputs: Vec<String>,
    /// The value subtracted from each input before weighting.
    pub mean: Vec<f64>,
    /// The names of the new columns.
    pub outputs: Vec<String>,
    /// One weight row per output, one weight per input.
    pub weights: Vec<Vec<f64>>,
}

impl FittedProjection {
    /// A projection named `<prefix>1 ..` with one output per row of `weights`.
    pub(crate) fn new(
        op: &'static str,
        prefix: &str,
        inputs: &[String],
        mean: Vec<f64>,
        weights: Vec<Vec<f64>>,
    ) -> Self {
        FittedProjection {
            op,
            inputs: inputs.to_vec(),
            mean,
            outputs: (1..=weights.len()).map(|k| format!("{prefix}{k}")).collect(),
            weights,
        }
    }
}

impl FittedTransform for FittedProjection {
    fn transform(&self, frame: &Frame) -> Result<Frame, OpError> {
        let inputs: Vec<(&[f64], &[bool])> = self
            .inputs
            .iter()
            .map(|name| {
                let column = frame_column(self.op, frame, name)?;
                let values = column.as_numeric().ok_or_else(|| {
                    column_error(
                        self.op,
                        name,
                        format!("is categorical; {} applies to numeric columns", self.op),
                    )
                })?;
                Ok((values, column.missing.as_slice()))
            })
            .collect::<Result<_, OpError>>()?;
        let mut outputs = vec![Vec::with_capacity(frame.n_rows); self.weights.len()];
        let mut centred = vec![0.0; inputs.len()];
        for i in 0..frame.n_rows {
            let mut complete = true;
            for ((c, (values, missing)), m) in centred.iter_mut().zip(&inputs).zip(&self.mean) {
                complete &= !missing[i] && !values[i].is_nan();
                *c = values[i] - m;
            }
            for (out, w) in outputs.iter_mut().zip(&self.weights) {
                let y = w.iter().zip(&centred).map(|(a, b)| a * b).sum::<f64>();
                out.push(if complete { y } else { f64::NAN });
            }
        }
        let mut new: Vec<Column> = self
            .outputs
            .iter()
            .zip(outputs)
            .map(|(name, values)| Column::numeric(name.clone(), values))
            .collect();
        let mut out = Frame::new(Vec::with_capacity(frame.columns.len()), frame.n_rows);
        for column in &frame.columns {
            if !self.inputs.contains(&column.name) {
                out.columns.push(column.clone());
            } else {
                out.columns.append(&mut new);
            }
        }
        Ok(out)
    }

    fn lower(&self, lowering: &mut Lowering) -> Result<(), OpError> {
        let parts = self
            .inputs
            .iter()
            .map(|name| lowered_column(self.op, lowering, name))
            .collect::<Result<Vec<_>, _>>()?;
        let x = lowering
            .builder
            .push(Op::Concat { parts })
            .map_err(lowering_error(self.op))?;
        let mut new = Vec::with_capacity(self.weights.len());
        for (name, w) in self.outputs.iter().zip(&self.weights) {
            let bias = -w.iter().zip(&self.mean).map(|(a, m)| a * m).sum::<f64>();
            let node = lowering
                .builder
                .push(Op::Affine {
                    x,
                    weights: w.iter().map(|&v| v as f32).collect(),
                    bias: vec![bias as f32],
                    missing: Vec::new(),
                })
                .map_err(lowering_error(self.op))?;
            new.push((name.clone(), node));
        }
        let old = std::mem::take(&mut lowering.columns);
        for entry in old {
            if !self.inputs.contains(&entry.0) {
                lowering.columns.push(entry);
            } else {
                lowering.columns.append(&mut new);
            }
        }
        Ok(())
    }
}

/// The selected columns of `frame` as an `n × d` matrix; every value must be
/// present and finite (the error names the column and suggests `impute`).
pub(crate) fn data_matrix(op: &str, frame: &Frame, selected: &[String]) -> Result<Mat<f64>, OpError> {
    if selected.is_empty() {
        return Err(invalid(op, "needs at least one selected numeric column"));
    }
    let mut columns = Vec::with_capacity(selected.len());
    for name in selected {
        let column = frame_column(op, frame, name)?;
        let values = column.as_numeric().ok_or_else(|| {
            column_error(
                op,
                name,
                format!("is categorical; {op} applies to numeric columns"),
            )
        })?;
        if values
            .iter()
            .zip(&column.missing)
            .any(|(v, &m)| m || !v.is_finite())
        {
            return Err(column_error(
                op,
                name,
                format!("has missing or infinite values; impute before {op}"),
            ));
        }
        columns.push(values);
    }
    Ok(Mat::from_fn(frame.n_rows, selected.len(), |i, j| columns[j][i]))
}

/// Eigenvalues (largest first, clamped at 0) and unit eigenvectors (as rows,
/// same order) of the symmetric matrix `a`, each vector signed so that its
/// largest-magnitude entry (the first among equals) is positive — scikit-learn
/// ≥ 1.5's `svd_flip(u_based_decision=False)` convention.
pub(crate) fn sym_eigen(op: &str, a: &Mat<f64>) -> Result<(Vec<f64>, Vec<Vec<f64>>), OpError> {
    let evd = a
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| invalid(op, format!("eigendecomposition failed: {e:?}")))?;
    let (s, u) = (evd.S().column_vector(), evd.U());
    let d = a.nrows();
    let mut values = Vec::with_capacity(d);
    let mut vectors = Vec::with_capacity(d);
    // faer sorts eigenvalues in nondecreasing order.
    for k in (0..d).rev() {
        values.push(s[k].max(0.0));
        vectors.push(sign_fixed((0..d).map(|j| u[(j, k)]).collect()));
    }
    Ok((values, vectors))
}

/// `v` negated when its first largest-magnitude entry is negative.
pub(crate) fn sign_fixed(mut v: Vec<f64>) -> Vec<f64> {
    let mut best = 0usize;
    for (j, x) in v.iter().enumerate() {
        if x.abs() > v[best].abs() {
            best = j;
        }
    }
    if v.get(best).is_some_and(|&x| x < 0.0) {
        v.iter_mut().for_each(|x| *x = -*x);
    }
    v
}

/// The requested component count `n` checked against `max` (the error names
/// the parameter `n`).
pub(crate) fn check_count(op: &str, n: usize, max: usize, what: &str) -> Result<usize, OpError> {
    if n == 0 || n > max {
        return Err(invalid(
            op,
            format!("parameter `n` must be between 1 and {max} ({what}), got {n}"),
        ));
    }
    Ok(n)
}
