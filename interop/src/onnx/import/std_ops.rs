//! The default-domain ONNX operators the importer reads: the dense-layer
//! ops (`MatMul`, `Gemm`, elementwise arithmetic, activations, `Softmax`)
//! and the plumbing producers put around them (`Cast`, `Concat`, `Reshape`
//! of 2-D tensors, `Flatten`, `Identity`, `ArgMax`, `Constant`).

use super::tensor::{Attrs, Data, Tensor, FORMAT};
use super::{Lowering, Value};
use crate::error::{unsupported, ImportError};
use crate::onnx::proto::{tensor_proto::DataType, NodeProto};
use mlg_compiler::ir::{BinaryOp, NodeId, Op, UnaryFn};

/// Lowers the default-domain node `node` (op type `op`).
pub(super) fn lower(
    low: &mut Lowering,
    node: &NodeProto,
    op: &str,
    attrs: &Attrs,
) -> Result<(), ImportError> {
    let at = attrs.at.as_str();
    let value = match op {
        "Identity" | "Dropout" | "Flatten" | "Squeeze" | "Unsqueeze" => {
            if op == "Flatten" && attrs.int("axis", 1) != 1 {
                return Err(attrs.unsupported("Flatten with an axis other than 1"));
            }
            let v = low.input(node, 0, at)?;
            if matches!(op, "Squeeze" | "Unsqueeze") {
                if let Value::Row(id) = v {
                    if low.width(id) != 1 {
                        return Err(attrs.unsupported(format!("{op} of a tensor [N, {}]", low.width(id))));
                    }
                }
            }
            v
        }
        "Constant" => Value::Const(constant(attrs)?),
        "Cast" | "CastLike" => cast(low, node, op, attrs)?,
        "Reshape" => reshape(low, node, attrs)?,
        "Concat" => {
            let axis = attrs.int("axis", 1);
            if axis != 1 && axis != -1 {
                return Err(attrs.unsupported(format!("Concat along axis {axis} (only the columns, axis 1)")));
            }
            let parts = (0..node.input.len())
                .map(|i| low.row(node, i, at))
                .collect::<Result<Vec<_>, _>>()?;
            Value::Row(low.push(Op::Concat { parts }, at)?)
        }
        "MatMul" => {
            let x = low.row_only(node, 0, at)?;
            let w = low.const_input(node, 1, at)?;
            let (k, m, transposed) = match w.dims.as_slice() {
                [k, m] => (*k as usize, *m as usize, false),
                [k] => (*k as usize, 1, false),
                _ => return Err(attrs.unsupported(format!("MatMul by a constant of shape {:?}", w.dims))),
            };
            affine(low, x, &w, k, m, transposed, 1.0, None, attrs)?
        }
        "Gemm" => {
            if attrs.int("transA", 0) != 0 {
                return Err(attrs.unsupported("Gemm with transA = 1"));
            }
            let x = low.row_only(node, 0, at)?;
            let w = low.const_input(node, 1, at)?;
            let trans_b = attrs.int("transB", 0) != 0;
            let [r, c] = w.dims.as_slice() else {
                return Err(attrs.unsupported(format!("Gemm by a constant of shape {:?}", w.dims)));
            };
            let (k, m) = if trans_b { (*c, *r) } else { (*r, *c) };
            let bias = match node.input.get(2).filter(|s| !s.is_empty()) {
                Some(_) => Some((low.const_input(node, 2, at)?, attrs.float("beta", 1.0))),
                None => None,
            };
            let alpha = attrs.float("alpha", 1.0);
            affine(low, x, &w, k as usize, m as usize, trans_b, alpha, bias, attrs)?
        }
        "Add" | "Sub" | "Mul" | "Div" | "Pow" | "Max" | "Min" => {
            if node.input.len() != 2 {
                return Err(attrs.unsupported(format!("{op} of {} inputs (two only)", node.input.len())));
            }
            let binary = match op {
                "Add" => BinaryOp::Add,
                "Sub" => BinaryOp::Sub,
                "Mul" => BinaryOp::Mul,
                "Div" => BinaryOp::Div,
                "Pow" => BinaryOp::Pow,
                "Max" => BinaryOp::Max,
                _ => BinaryOp::Min,
            };
            if let (Value::Const(_), Value::Const(_)) = (low.input(node, 0, at)?, low.input(node, 1, at)?) {
                return Err(attrs.unsupported(format!("{op} of two constants")));
            }
            let a = low.row(node, 0, at)?;
            let b = low.row(node, 1, at)?;
            Value::Row(low.push(Op::Binary { op: binary, a, b }, at)?)
        }
        "Relu" => {
            let x = low.row_only(node, 0, at)?;
            let zero = low.push(Op::Const { values: vec![0.0] }, at)?;
            Value::Row(low.push(
                Op::Binary {
                    op: BinaryOp::Max,
                    a: x,
                    b: zero,
                },
                at,
            )?)
        }
        "Sigmoid" | "Exp" | "Log" | "Sqrt" | "Abs" | "Neg" => {
            let func = match op {
                "Sigmoid" => UnaryFn::Sigmoid,
                "Exp" => UnaryFn::Exp,
                "Log" => UnaryFn::Log,
                "Sqrt" => UnaryFn::Sqrt,
                "Abs" => UnaryFn::Abs,
                _ => UnaryFn::Neg,
            };
            let x = low.row_only(node, 0, at)?;
            Value::Row(low.push(Op::Unary { func, x }, at)?)
        }
        "Tanh" => {
            let x = low.row_only(node, 0, at)?;
            Value::Row(tanh(low, x, at)?)
        }
        "Softmax" => {
            let axis = attrs.int("axis", -1);
            if axis != 1 && axis != -1 {
                return Err(attrs.unsupported(format!("Softmax along axis {axis}")));
            }
            let x = low.row_only(node, 0, at)?;
            Value::Row(low.push(Op::Softmax { x }, at)?)
        }
        "ArgMax" => {
            let axis = attrs.int("axis", 0);
            if axis != 1 && axis != -1 {
                return Err(
                    attrs.unsupported(format!("ArgMax along axis {axis} (only across a row, axis 1)"))
                );
            }
            if attrs.int("select_last_index", 0) != 0 {
                return Err(attrs.unsupported("ArgMax with select_last_index = 1"));
            }
            let x = low.row_only(node, 0, at)?;
            let id = low.push(Op::Argmax { x }, at)?;
            low.integral.insert(id);
            Value::Row(id)
        }
        other => return Err(unsupported(FORMAT, format!("{at}: the operator {other}"))),
    };
    low.bind(node, 0, value);
    Ok(())
}

/// `tanh(x) = 2 sigmoid(2x) - 1`, as mlg lowers its own MLPs.
fn tanh(low: &mut Lowering, x: NodeId, at: &str) -> Result<NodeId, ImportError> {
    let w = low.width(x);
    let twice = low.push(
        Op::Scale {
            x,
            mul: vec![2.0; w],
            add: vec![0.0; w],
        },
        at,
    )?;
    let s = low.push(
        Op::Unary {
            func: UnaryFn::Sigmoid,
            x: twice,
        },
        at,
    )?;
    low.push(
        Op::Scale {
            x: s,
            mul: vec![2.0; w],
            add: vec![-1.0; w],
        },
        at,
    )
}

/// `y = alpha * x W + beta * c`: `w` holds a `k x m` matrix (`m x k` when
/// `transposed`), `bias` an optional constant of width `m` or 1 with its `beta`.
#[allow(clippy::too_many_arguments)]
fn affine(
    low: &mut Lowering,
    x: NodeId,
    w: &Tensor,
    k: usize,
    m: usize,
    transposed: bool,
    alpha: f32,
    bias: Option<(Tensor, f32)>,
    attrs: &Attrs,
) -> Result<Value, ImportError> {
    let at = attrs.at.as_str();
    let width = low.width(x);
    if width != k {
        return Err(attrs.malformed(format!(
            "multiplies a row of width {width} by a matrix of {k} rows"
        )));
    }
    let values = w.nums(at)?;
    let mut weights = vec![0.0f32; m * k];
    for r in 0..m {
        for j in 0..k {
            let v = if transposed {
                values[r * k + j]
            } else {
                values[j * m + r]
            };
            weights[r * k + j] = (f64::from(alpha) * v) as f32;
        }
    }
    let bias = match bias {
        None => vec![0.0; m],
        Some((c, beta)) => {
            let v = c.nums(at)?;
            let ok = c.dims.len() <= 1 || (c.dims.len() == 2 && c.dims[0] == 1);
            if !ok || (v.len() != m && v.len() != 1) {
                return Err(attrs.unsupported(format!(
                    "a Gemm bias of shape {:?} (expected [{m}] or [1, {m}])",
                    c.dims
                )));
            }
            (0..m)
                .map(|r| (f64::from(beta) * v[if v.len() == 1 { 0 } else { r }]) as f32)
                .collect()
        }
    };
    Ok(Value::Row(low.push(
        Op::Affine {
            x,
            weights,
            bias,
            missing: Vec::new(),
        },
        at,
    )?))
}

/// A `Constant` node's value.
fn constant(attrs: &Attrs) -> Result<Tensor, ImportError> {
    if let Some(t) = attrs.tensor("value")? {
        return Ok(t);
    }
    let num = |v: Vec<f64>| Tensor {
        dims: vec![v.len() as i64],
        data: Data::Num(v),
    };
    if attrs.has("value_float") {
        return Ok(Tensor {
            dims: Vec::new(),
            data: Data::Num(vec![f64::from(attrs.float("value_float", 0.0))]),
        });
    }
    if attrs.has("value_int") {
        return Ok(Tensor {
            dims: Vec::new(),
            data: Data::Num(vec![attrs.int("value_int", 0) as f64]),
        });
    }
    if attrs.has("value_floats") {
        return Ok(num(attrs
            .floats("value_floats")
            .into_iter()
            .map(f64::from)
            .collect()));
    }
    if attrs.has("value_ints") {
        return Ok(num(attrs
            .ints("value_ints")
            .into_iter()
            .map(|v| v as f64)
            .collect()));
    }
    Err(attrs.unsupported("a Constant without a numeric value"))
}

/// `Cast`: numbers stay numbers (to a float type, or to an integer type
/// when they are whole already: class indices); labels stay labels.
fn cast(low: &mut Lowering, node: &NodeProto, op: &str, attrs: &Attrs) -> Result<Value, ImportError> {
    let at = attrs.at.as_str();
    let v = low.input(node, 0, at)?;
    if op == "CastLike" {
        return Ok(v);
    }
    let to = DataType::try_from(attrs.int("to", 0) as i32).ok();
    Ok(match (&v, to) {
        (Value::Label { .. }, Some(DataType::Int64 | DataType::Int32 | DataType::String)) => v,
        (Value::Row(_) | Value::Const(_), Some(DataType::Float | DataType::Double)) => v,
        (Value::Row(id), Some(DataType::Int64 | DataType::Int32)) if low.integral.contains(id) => v,
        (Value::Const(t), Some(DataType::Int64 | DataType::Int32))
            if t.nums(at).is_ok_and(|n| n.iter().all(|x| x.fract() == 0.0)) =>
        {
            v
        }
        _ => {
            return Err(attrs.unsupported(format!(
                "Cast to {} of {}",
                super::tensor::type_name(attrs.int("to", 0) as i32),
                match v {
                    Value::Label { .. } => "a class label",
                    _ => "numbers that may not be whole",
                }
            )))
        }
    })
}

/// `Reshape` that keeps one row per row: to `[-1, w]`, `[0, w]`, `[N, w]`,
/// or `[-1]` of a width-1 value.
fn reshape(low: &mut Lowering, node: &NodeProto, attrs: &Attrs) -> Result<Value, ImportError> {
    let at = attrs.at.as_str();
    let v = low.input(node, 0, at)?;
    let shape = low.const_input(node, 1, at)?;
    let shape: Vec<i64> = shape.nums(at)?.iter().map(|&s| s as i64).collect();
    let width = match &v {
        Value::Row(id) => low.width(*id) as i64,
        Value::Label { .. } => 1,
        Value::Const(_) => return Err(attrs.unsupported("Reshape of a constant")),
    };
    let keeps_rows = match shape.as_slice() {
        [-1] => width == 1,
        [_, w] => *w == width || *w == -1,
        _ => false,
    };
    if !keeps_rows {
        return Err(attrs.unsupported(format!(
            "Reshape of [N, {width}] to {shape:?} (only one row per row)"
        )));
    }
    Ok(v)
}

impl Lowering {
    /// Input `i` as a per-row node; a constant or a label is refused.
    pub(super) fn row_only(&mut self, node: &NodeProto, i: usize, at: &str) -> Result<NodeId, ImportError> {
        match self.input(node, i, at)? {
            Value::Row(id) => Ok(id),
            _ => Err(unsupported(
                FORMAT,
                format!("{at}: input {i} must be a per-row tensor"),
            )),
        }
    }

    /// Input `i` as a constant; a per-row value is refused.
    pub(super) fn const_input(&self, node: &NodeProto, i: usize, at: &str) -> Result<Tensor, ImportError> {
        match self.input(node, i, at)? {
            Value::Const(t) => Ok(t),
            _ => Err(unsupported(
                FORMAT,
                format!("{at}: input {i} must be a constant (an initializer)"),
            )),
        }
    }
}
