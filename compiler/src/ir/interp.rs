//! The reference interpreter: the meaning of every op, in plain `f32` arithmetic.
//!
//! Every backend and every pass must agree with these functions. The element
//! algorithms (`affine`, `softmax`, `argmax`, `sigmoid`) are public so that constant
//! folding evaluates with exactly the same arithmetic and order of operations.

use super::{BinaryOp, Graph, NodeId, Op, UnaryFn};

/// `1 / (1 + exp(-x))`, computed in `f32` in that order.
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Applies a [`UnaryFn`] to one element.
pub fn unary(func: UnaryFn, x: f32) -> f32 {
    match func {
        UnaryFn::Sigmoid => sigmoid(x),
        UnaryFn::Exp => x.exp(),
        UnaryFn::Neg => -x,
        UnaryFn::Abs => x.abs(),
    }
}

/// Applies a [`BinaryOp`] to one pair of elements.
pub fn binary(op: BinaryOp, a: f32, b: f32) -> f32 {
    match op {
        BinaryOp::Add => a + b,
        BinaryOp::Sub => a - b,
        BinaryOp::Mul => a * b,
        BinaryOp::Div => a / b,
    }
}

/// Softmax of `x` into `out` (same length, non-empty): `m` starts at `x[0]` and
/// becomes `x[i]` whenever `x[i] > m`; `e[i] = exp(x[i] - m)`; the sum starts at
/// `e[0]` and adds `e[1..]` in order; `out[i] = e[i] / sum`.
pub fn softmax(x: &[f32], out: &mut [f32]) {
    let Some(&first) = x.first() else { return };
    let mut m = first;
    for &v in &x[1..] {
        if v > m {
            m = v;
        }
    }
    for (o, &v) in out.iter_mut().zip(x) {
        *o = (v - m).exp();
    }
    let mut sum = out[0];
    for &e in &out[1..x.len()] {
        sum += e;
    }
    for o in out.iter_mut().take(x.len()) {
        *o /= sum;
    }
}

/// Index of the largest element as `f32`: `best` starts at `-inf`, index `0`, and
/// `x[i] > best` replaces both (NaN skipped, first wins ties, all-NaN gives `0`).
pub fn argmax(x: &[f32]) -> f32 {
    let mut best = f32::NEG_INFINITY;
    let mut idx = 0usize;
    for (i, &v) in x.iter().enumerate() {
        if v > best {
            best = v;
            idx = i;
        }
    }
    idx as f32
}

/// `out[r] = bias[r] + sum_j weights[r * in + j] * x'[j]`, accumulated from
/// `bias[r]` in increasing `j` with one `*` and one `+` per term; `x'[j]` is
/// `missing[j]` when `x[j]` is NaN and `missing[j]` is not NaN (empty `missing`
/// substitutes nothing).
pub fn affine(x: &[f32], weights: &[f32], bias: &[f32], missing: &[f32], out: &mut [f32]) {
    let inw = x.len();
    for (r, (o, &b)) in out.iter_mut().zip(bias).enumerate() {
        let row = &weights[r * inw..(r + 1) * inw];
        let mut acc = b;
        for (j, (&w, &v)) in row.iter().zip(x).enumerate() {
            let v = match missing.get(j) {
                Some(&d) if v.is_nan() && !d.is_nan() => d,
                _ => v,
            };
            acc += w * v;
        }
        *o = acc;
    }
}

/// Evaluates one op: `row` is the input row, `values[k]` holds the value of node
/// `k` for every operand of `op`, and `out` receives the op's `width` values.
/// The op must be well formed (see [`super::verify`]).
pub fn eval_op(op: &Op, row: &[f32], values: &[Vec<f32>], out: &mut [f32]) {
    let v = |id: NodeId| values[id.index()].as_slice();
    match op {
        Op::Input { slot } => out[0] = row[*slot as usize],
        Op::Const { values } => out.copy_from_slice(values),
        Op::Concat { parts } => {
            let mut at = 0;
            for p in parts {
                let src = v(*p);
                out[at..at + src.len()].copy_from_slice(src);
                at += src.len();
            }
        }
        Op::FillNan { x, values } => {
            for ((o, &a), &f) in out.iter_mut().zip(v(*x)).zip(values) {
                *o = if a.is_nan() { f } else { a };
            }
        }
        Op::Scale { x, mul, add } => {
            for (((o, &a), &m), &c) in out.iter_mut().zip(v(*x)).zip(mul).zip(add) {
                *o = a * m + c;
            }
        }
        Op::OneHot { x, codes } => {
            let code = v(*x)[0];
            for (o, &c) in out.iter_mut().zip(codes) {
                *o = if code == c { 1.0 } else { 0.0 };
            }
        }
        Op::Affine {
            x,
            weights,
            bias,
            missing,
        } => affine(v(*x), weights, bias, missing, out),
        Op::Unary { func, x } => {
            for (o, &a) in out.iter_mut().zip(v(*x)) {
                *o = unary(*func, a);
            }
        }
        Op::Binary { op, a, b } => {
            let (a, b) = (v(*a), v(*b));
            for (i, o) in out.iter_mut().enumerate() {
                let ai = if a.len() == 1 { a[0] } else { a[i] };
                let bi = if b.len() == 1 { b[0] } else { b[i] };
                *o = binary(*op, ai, bi);
            }
        }
        Op::Softmax { x } => softmax(v(*x), out),
        Op::Argmax { x } => out[0] = argmax(v(*x)),
    }
}

/// Evaluates `graph` (which must verify) on one input row: `row` holds at least
/// [`Graph::n_inputs`] values, `out` at least [`Graph::n_outputs`]. `scratch` is
/// reused between calls to avoid allocation; its contents are overwritten.
pub fn eval_row(graph: &Graph, row: &[f32], scratch: &mut Vec<Vec<f32>>, out: &mut [f32]) {
    scratch.resize_with(graph.nodes.len(), Vec::new);
    for (i, node) in graph.nodes.iter().enumerate() {
        let (done, rest) = scratch.split_at_mut(i);
        let dst = &mut rest[0];
        dst.resize(node.width as usize, 0.0);
        eval_op(&node.op, row, done, dst);
    }
    let mut at = 0;
    for o in &graph.outputs {
        let src = &scratch[o.node.index()];
        out[at..at + src.len()].copy_from_slice(src);
        at += src.len();
    }
}

/// Evaluates `graph` on every row of a row-major batch (`n_rows` rows of
/// `row_stride` values) into packed output rows; buffers must already be checked.
pub fn eval_rows(graph: &Graph, input: &[f32], n_rows: usize, row_stride: usize, out: &mut [f32]) {
    let n_out = graph.n_outputs();
    let mut scratch = Vec::new();
    for i in 0..n_rows {
        let row = &input[i * row_stride..];
        eval_row(graph, row, &mut scratch, &mut out[i * n_out..(i + 1) * n_out]);
    }
}
