//! `SVMRegressor` and two-class `SVMClassifier` (`ai.onnx.ml`) as dense
//! IR ops; the regressor is `sum_i coefficients[i]
//! K(x, sv_i) + rho[0]`. The RBF kernel `exp(-gamma |x - sv|^2)` takes
//! `|x - sv|^2 = |x|^2 - 2 x.sv + |sv|^2` as one affine layer over `[x,
//! x*x]`; the linear kernel is one affine layer. Polynomial and sigmoid
//! kernels are refused. Without support vectors (a linear SVM) it is
//! `coefficients . x + rho[0]`. One-class models are refused.

use super::tensor::Attrs;
use super::Lowering;
use crate::error::ImportError;
use crate::onnx::proto::NodeProto;
use mlg_compiler::ir::{BinaryOp, CompareOp, NodeId, Op, UnaryFn};

/// Lowers an `SVMRegressor` node to the node of its prediction.
pub(super) fn regressor(low: &mut Lowering, node: &NodeProto, attrs: &Attrs) -> Result<NodeId, ImportError> {
    let at = attrs.at.as_str();
    let x = low.row_only(node, 0, at)?;
    let d = low.width(x);
    if attrs.int("one_class", 0) != 0 {
        return Err(attrs.unsupported("a one-class SVMRegressor"));
    }
    let post = attrs.string("post_transform", "NONE");
    if post != "NONE" {
        return Err(attrs.unsupported(format!("SVMRegressor with post_transform {post}")));
    }
    let coefficients = attrs.floats("coefficients");
    let rho = attrs.floats("rho");
    attrs.check_len("rho", rho.len(), 1)?;
    let sv = attrs.floats("support_vectors");
    let n = attrs.int("n_supports", 0).max(0) as usize;
    if n == 0 {
        attrs.check_len("coefficients", coefficients.len(), d)?;
        return low.push(
            Op::Affine {
                x,
                weights: coefficients,
                bias: rho,
                missing: Vec::new(),
            },
            at,
        );
    }
    attrs.check_len("support_vectors", sv.len(), n * d)?;
    attrs.check_len("coefficients", coefficients.len(), n)?;
    let k = kernel(low, x, sv, n, attrs)?;
    low.push(
        Op::Affine {
            x: k,
            weights: coefficients,
            bias: rho,
            missing: Vec::new(),
        },
        at,
    )
}

/// The kernel values `K(x, sv_i)` of the `n` support vectors `sv` (row-major).
fn kernel(
    low: &mut Lowering,
    x: NodeId,
    sv: Vec<f32>,
    n: usize,
    attrs: &Attrs,
) -> Result<NodeId, ImportError> {
    let at = attrs.at.as_str();
    let d = low.width(x);
    let params = attrs.floats("kernel_params");
    let gamma = params.first().copied().unwrap_or(0.0);
    let kernel = attrs.string("kernel_type", "LINEAR");
    match kernel.as_str() {
        "RBF" => {
            let squares = low.push(
                Op::Binary {
                    op: BinaryOp::Mul,
                    a: x,
                    b: x,
                },
                at,
            )?;
            let both = low.push(
                Op::Concat {
                    parts: vec![x, squares],
                },
                at,
            )?;
            let mut weights = Vec::with_capacity(n * 2 * d);
            let mut bias = Vec::with_capacity(n);
            for v in sv.chunks_exact(d) {
                weights.extend(v.iter().map(|&s| -2.0 * s));
                weights.extend(std::iter::repeat_n(1.0, d));
                bias.push(v.iter().map(|&s| f64::from(s) * f64::from(s)).sum::<f64>() as f32);
            }
            let dist = low.push(
                Op::Affine {
                    x: both,
                    weights,
                    bias,
                    missing: Vec::new(),
                },
                at,
            )?;
            let scaled = low.push(
                Op::Scale {
                    x: dist,
                    mul: vec![-gamma; n],
                    add: vec![0.0; n],
                },
                at,
            )?;
            low.push(
                Op::Unary {
                    func: UnaryFn::Exp,
                    x: scaled,
                },
                at,
            )
        }
        "LINEAR" => low.push(
            Op::Affine {
                x,
                weights: sv,
                bias: vec![0.0; n],
                missing: Vec::new(),
            },
            at,
        ),
        other => Err(attrs.unsupported(format!("the kernel {other}"))),
    }
}

/// Lowers a two-class `SVMClassifier` without probabilities to its label
/// index and scores: with `s = sum_i coefficients[i] K(x, sv_i) + rho[0]`
/// (scikit-learn's `decision_function` is `-s`), ONNX Runtime gives the
/// scores `[-s, s]` and the second class where `s < 0`.
pub(super) fn classifier(
    low: &mut Lowering,
    node: &NodeProto,
    attrs: &Attrs,
) -> Result<(NodeId, NodeId), ImportError> {
    let at = attrs.at.as_str();
    let x = low.row_only(node, 0, at)?;
    let d = low.width(x);
    let per_class = attrs.ints("vectors_per_class");
    if per_class.len() != 2 {
        return Err(attrs.unsupported(format!(
            "an SVMClassifier of {} classes (two-class models only)",
            per_class.len()
        )));
    }
    if !attrs.floats("prob_a").is_empty() {
        return Err(attrs.unsupported("an SVMClassifier with Platt probabilities (prob_a, prob_b)"));
    }
    let post = attrs.string("post_transform", "NONE");
    if post != "NONE" {
        return Err(attrs.unsupported(format!("SVMClassifier with post_transform {post}")));
    }
    let n = per_class.iter().map(|&c| c.max(0) as usize).sum::<usize>();
    let sv = attrs.floats("support_vectors");
    if n == 0 {
        return Err(attrs.unsupported("a linear SVMClassifier without support vectors"));
    }
    attrs.check_len("support_vectors", sv.len(), n * d)?;
    let coefficients = attrs.floats("coefficients");
    attrs.check_len("coefficients", coefficients.len(), n)?;
    let rho = attrs.floats("rho");
    attrs.check_len("rho", rho.len(), 1)?;
    let k = kernel(low, x, sv, n, attrs)?;
    let s = low.push(
        Op::Affine {
            x: k,
            weights: coefficients,
            bias: rho,
            missing: Vec::new(),
        },
        at,
    )?;
    let index = low.compare_to(CompareOp::Lt, s, 0.0, at)?;
    let neg = low.push(
        Op::Unary {
            func: UnaryFn::Neg,
            x: s,
        },
        at,
    )?;
    let scores = low.push(Op::Concat { parts: vec![neg, s] }, at)?;
    Ok((index, scores))
}
