//! The `ai.onnx.ml` operators other than tree ensembles, as ONNX Runtime
//! computes them: `Scaler`, `Imputer`, `Normalizer`, `OneHotEncoder`,
//! `LabelEncoder` (of numbers), `LinearRegressor`, `LinearClassifier`,
//! `SVMRegressor`, two-class `SVMClassifier`, `ZipMap` (its probabilities
//! kept as a tensor) and `ArrayFeatureExtractor` (columns of a row, or a
//! class table indexed by a label).

use super::tensor::Attrs;
use super::{class_labels, names, Lowering, Value};
use crate::error::ImportError;
use crate::onnx::proto::NodeProto;
use mlg_compiler::ir::{BinaryOp, CompareOp, NodeId, Op, UnaryFn};

/// `values` (one per column, or one for all) spread over `width` columns.
fn per_column(attrs: &Attrs, name: &str, values: &[f32], width: usize) -> Result<Vec<f32>, ImportError> {
    match values.len() {
        1 => Ok(vec![values[0]; width]),
        n if n == width => Ok(values.to_vec()),
        n => Err(attrs.malformed(format!(
            "attribute `{name}` has {n} values for a row of width {width}"
        ))),
    }
}

/// Lowers the `ai.onnx.ml` node `node` (op type `op`).
pub(super) fn lower(
    low: &mut Lowering,
    node: &NodeProto,
    op: &str,
    attrs: &Attrs,
) -> Result<(), ImportError> {
    let at = attrs.at.as_str();
    let value = match op {
        "Scaler" => {
            let x = low.row_only(node, 0, at)?;
            let w = low.width(x);
            let offset = per_column(attrs, "offset", &attrs.floats("offset"), w)?;
            let scale = per_column(attrs, "scale", &attrs.floats("scale"), w)?;
            // (x - offset) * scale, as two exact steps.
            let offset = low.push(Op::Const { values: offset }, at)?;
            let scale = low.push(Op::Const { values: scale }, at)?;
            let centred = low.push(Op::Binary { op: BinaryOp::Sub, a: x, b: offset }, at)?;
            Value::Row(low.push(Op::Binary { op: BinaryOp::Mul, a: centred, b: scale }, at)?)
        }
        "Imputer" => {
            let x = low.row_only(node, 0, at)?;
            let w = low.width(x);
            if !attrs.ints("imputed_value_int64s").is_empty() {
                return Err(attrs.unsupported("an Imputer of integers"));
            }
            let values = per_column(attrs, "imputed_value_floats", &attrs.floats("imputed_value_floats"), w)?;
            let replaced = attrs.float("replaced_value_float", 0.0);
            if replaced.is_nan() {
                Value::Row(low.push(Op::FillNan { x, values }, at)?)
            } else {
                let cond = low.compare_to(CompareOp::Eq, x, replaced, at)?;
                let fill = low.push(Op::Const { values }, at)?;
                Value::Row(low.push(Op::Select { cond, a: fill, b: x }, at)?)
            }
        }
        "Normalizer" => Value::Row(normalizer(low, node, attrs)?),
        "OneHotEncoder" => {
            let x = low.row_only(node, 0, at)?;
            if low.width(x) != 1 {
                return Err(attrs.unsupported(format!("a OneHotEncoder of {} columns at once", low.width(x))));
            }
            if !attrs.strings("cats_strings").is_empty() {
                return Err(attrs.unsupported("a OneHotEncoder of strings (numbers only)"));
            }
            let codes: Vec<f32> = attrs.ints("cats_int64s").iter().map(|&c| c as f32).collect();
            if codes.is_empty() {
                return Err(attrs.malformed("no categories"));
            }
            Value::Row(low.push(Op::OneHot { x, codes }, at)?)
        }
        "LabelEncoder" => Value::Row(label_encoder(low, node, attrs)?),
        "LinearRegressor" => {
            let x = low.row_only(node, 0, at)?;
            let targets = attrs.int("targets", 1).max(1) as usize;
            let post = attrs.string("post_transform", "NONE");
            if post != "NONE" {
                return Err(attrs.unsupported(format!("LinearRegressor with post_transform {post}")));
            }
            let y = linear(low, x, targets, attrs)?;
            Value::Row(y)
        }
        "LinearClassifier" => {
            let x = low.row_only(node, 0, at)?;
            let classes = class_labels(attrs, "classlabels_ints", "classlabels_strings");
            let n = attrs.floats("intercepts").len();
            if n != classes.len() || n < 2 {
                return Err(attrs.unsupported(format!(
                    "a LinearClassifier with {n} score rows for {} classes (one row per class, two or more)",
                    classes.len()
                )));
            }
            let scores = linear(low, x, n, attrs)?;
            let index = low.push(Op::Argmax { x: scores }, at)?;
            low.integral.insert(index);
            let scores = post_transform(low, scores, attrs)?;
            low.bind(node, 0, Value::Label { index, classes });
            low.bind(node, 1, Value::Row(scores));
            return Ok(());
        }
        "SVMRegressor" => Value::Row(super::svm::regressor(low, node, attrs)?),
        "SVMClassifier" => {
            let classes = class_labels(attrs, "classlabels_ints", "classlabels_strings");
            if classes.len() != 2 {
                return Err(attrs.unsupported(format!("an SVMClassifier of {} classes", classes.len())));
            }
            let (index, scores) = super::svm::classifier(low, node, attrs)?;
            low.integral.insert(index);
            low.bind(node, 0, Value::Label { index, classes });
            low.bind(node, 1, Value::Row(scores));
            return Ok(());
        }
        "ZipMap" => {
            let x = low.row_only(node, 0, at)?;
            let n = class_labels(attrs, "classlabels_int64s", "classlabels_strings").len();
            if n != low.width(x) {
                return Err(attrs.malformed(format!("{n} class labels for {} scores", low.width(x))));
            }
            Value::Row(x)
        }
        "ArrayFeatureExtractor" => match (low.input(node, 0, at)?, low.input(node, 1, at)?) {
            (Value::Const(table), Value::Row(index)) if low.integral.contains(&index) && low.width(index) == 1 => {
                Value::Label {
                    index,
                    classes: names(&table),
                }
            }
            (Value::Row(x), Value::Const(picked)) => {
                let w = low.width(x);
                let picked = picked.nums(at)?.to_vec();
                let mut weights = vec![0.0f32; picked.len() * w];
                for (r, &j) in picked.iter().enumerate() {
                    if j < 0.0 || j.fract() != 0.0 || j as usize >= w {
                        return Err(attrs.malformed(format!("column {j} of a row of width {w}")));
                    }
                    weights[r * w + j as usize] = 1.0;
                }
                let bias = vec![0.0; picked.len()];
                Value::Row(low.push(
                    Op::Affine {
                        x,
                        weights,
                        bias,
                        missing: Vec::new(),
                    },
                    at,
                )?)
            }
            _ => {
                return Err(attrs.unsupported(
                    "ArrayFeatureExtractor other than constant columns of a row, or a class table indexed by an ArgMax",
                ))
            }
        },
        other => return Err(attrs.unsupported(format!("the operator {other}"))),
    };
    low.bind(node, 0, value);
    Ok(())
}

/// Most keys a `LabelEncoder` that is not a table lookup may map (one
/// compare and select each).
const MAX_ENCODER_KEYS: usize = 1024;

/// `LabelEncoder` of numbers to numbers, elementwise: each element equal to
/// a key becomes its value, any other (NaN included) the default. Small
/// whole keys of a single column become a table `Lookup`; other keys a
/// chain of `Select(x == key, value, ...)`. String keys or values are
/// refused.
fn label_encoder(low: &mut Lowering, node: &NodeProto, attrs: &Attrs) -> Result<NodeId, ImportError> {
    let at = attrs.at.as_str();
    let x = low.row_only(node, 0, at)?;
    if !attrs.strings("keys_strings").is_empty() || !attrs.strings("values_strings").is_empty() {
        return Err(attrs.unsupported("a LabelEncoder of strings (numbers only)"));
    }
    if attrs.has("keys_tensor") || attrs.has("values_tensor") {
        return Err(attrs.unsupported("a LabelEncoder with tensor keys or values"));
    }
    let float_keys = attrs.floats("keys_floats");
    let keys: Vec<f64> = if float_keys.is_empty() {
        attrs.ints("keys_int64s").iter().map(|&k| k as f64).collect()
    } else {
        float_keys.iter().map(|&k| f64::from(k)).collect()
    };
    let float_values = attrs.floats("values_floats");
    let (values, default): (Vec<f64>, f32) = if float_values.is_empty() {
        let v = attrs.ints("values_int64s").iter().map(|&v| v as f64).collect();
        (v, attrs.int("default_int64", -1) as f32)
    } else {
        (
            float_values.iter().map(|&v| f64::from(v)).collect(),
            attrs.float("default_float", -0.0),
        )
    };
    attrs.check_len("values", values.len(), keys.len())?;
    if keys.is_empty() {
        return Err(attrs.malformed("no keys"));
    }
    // Every key and value must be exact in f32, the row's number type.
    if let Some(v) = keys
        .iter()
        .chain(&values)
        .find(|&&v| f64::from(v as f32) != v && !v.is_nan())
    {
        return Err(attrs.unsupported(format!("a LabelEncoder key or value ({v}) not exact in f32")));
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(k) = keys.iter().find(|k| !seen.insert(k.to_bits())) {
        return Err(attrs.malformed(format!("the key {k} is given twice")));
    }
    let table_size = keys.iter().fold(0.0f64, |m, &k| m.max(k)) + 1.0;
    let whole = keys.iter().all(|&k| k >= 0.0 && k.fract() == 0.0);
    if low.width(x) == 1 && whole && table_size <= 65_536.0 {
        let mut table = vec![default; table_size as usize];
        for (&k, &v) in keys.iter().zip(&values) {
            table[k as usize] = v as f32;
        }
        return low.push(Op::Lookup { x, table, default }, at);
    }
    if keys.len() > MAX_ENCODER_KEYS {
        return Err(attrs.unsupported(format!(
            "a LabelEncoder of {} keys that are not small whole numbers (at most {MAX_ENCODER_KEYS})",
            keys.len()
        )));
    }
    let mut out = low.push(
        Op::Const {
            values: vec![default],
        },
        at,
    )?;
    for (&k, &v) in keys.iter().zip(&values) {
        let cond = low.compare_to(CompareOp::Eq, x, k as f32, at)?;
        let value = low.push(
            Op::Const {
                values: vec![v as f32],
            },
            at,
        )?;
        out = low.push(
            Op::Select {
                cond,
                a: value,
                b: out,
            },
            at,
        )?;
    }
    Ok(out)
}

/// `coefficients · x + intercepts` with `n` rows of coefficients.
fn linear(low: &mut Lowering, x: NodeId, n: usize, attrs: &Attrs) -> Result<NodeId, ImportError> {
    let w = low.width(x);
    let weights = attrs.floats("coefficients");
    attrs.check_len("coefficients", weights.len(), n * w)?;
    let mut bias = attrs.floats("intercepts");
    if bias.is_empty() {
        bias = vec![0.0; n];
    }
    attrs.check_len("intercepts", bias.len(), n)?;
    low.push(
        Op::Affine {
            x,
            weights,
            bias,
            missing: Vec::new(),
        },
        &attrs.at,
    )
}

/// A classifier's `post_transform` over its scores (ONNX Runtime applies
/// `LOGISTIC` elementwise and `SOFTMAX` across the row).
pub(super) fn post_transform(
    low: &mut Lowering,
    scores: NodeId,
    attrs: &Attrs,
) -> Result<NodeId, ImportError> {
    let at = attrs.at.as_str();
    match attrs.string("post_transform", "NONE").as_str() {
        "NONE" => Ok(scores),
        "LOGISTIC" => low.push(
            Op::Unary {
                func: UnaryFn::Sigmoid,
                x: scores,
            },
            at,
        ),
        "SOFTMAX" => low.push(Op::Softmax { x: scores }, at),
        other => Err(attrs.unsupported(format!("post_transform {other}"))),
    }
}

/// `Normalizer`: each row divided by its L1 or L2 norm (a zero norm leaves
/// the row as it is); `MAX` is refused.
fn normalizer(low: &mut Lowering, node: &NodeProto, attrs: &Attrs) -> Result<NodeId, ImportError> {
    let at = attrs.at.as_str();
    let x = low.row_only(node, 0, at)?;
    let w = low.width(x);
    let norm = attrs.string("norm", "MAX");
    let summed = match norm.as_str() {
        "L1" => low.push(
            Op::Unary {
                func: UnaryFn::Abs,
                x,
            },
            at,
        )?,
        "L2" => low.push(
            Op::Binary {
                op: BinaryOp::Mul,
                a: x,
                b: x,
            },
            at,
        )?,
        other => return Err(attrs.unsupported(format!("a Normalizer with norm {other}"))),
    };
    let mut total = low.push(
        Op::Affine {
            x: summed,
            weights: vec![1.0; w],
            bias: vec![0.0],
            missing: Vec::new(),
        },
        at,
    )?;
    if norm == "L2" {
        total = low.push(
            Op::Unary {
                func: UnaryFn::Sqrt,
                x: total,
            },
            at,
        )?;
    }
    let nonzero = low.compare_to(CompareOp::Ne, total, 0.0, at)?;
    let one = low.push(Op::Const { values: vec![1.0] }, at)?;
    let divisor = low.push(
        Op::Select {
            cond: nonzero,
            a: total,
            b: one,
        },
        at,
    )?;
    low.push(
        Op::Binary {
            op: BinaryOp::Div,
            a: x,
            b: divisor,
        },
        at,
    )
}
