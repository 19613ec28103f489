//! The reference interpreter: the meaning of every op, in plain `f32` arithmetic.
//!
//! Every backend and every pass must agree with these functions. The element
//! algorithms (`affine`, `quant_affine`, `softmax`, `argmax`, `sigmoid`) are
//! public so that constant folding evaluates with exactly the same arithmetic and
//! order of operations.

use super::{BinaryOp, CompareOp, Graph, NodeId, Op, UnaryFn};

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
        UnaryFn::Log => x.ln(),
        UnaryFn::Log1p => x.ln_1p(),
        UnaryFn::Floor => x.floor(),
        UnaryFn::Sqrt => x.sqrt(),
    }
}

/// Applies a [`BinaryOp`] to one pair of elements.
pub fn binary(op: BinaryOp, a: f32, b: f32) -> f32 {
    match op {
        BinaryOp::Add => a + b,
        BinaryOp::Sub => a - b,
        BinaryOp::Mul => a * b,
        BinaryOp::Div => a / b,
        BinaryOp::Min => {
            if b < a {
                b
            } else {
                a
            }
        }
        BinaryOp::Max => {
            if b > a {
                b
            } else {
                a
            }
        }
        BinaryOp::Pow => pow(a, b),
    }
}

/// [`BinaryOp::Pow`]: `exp(b * ln a)` in `f64` rounded once for `a > 0`; for
/// `a == 0` `0` (`b > 0`), `1` (`b == 0`), `+inf` (`b < 0`) or NaN (`b` NaN);
/// NaN for negative or NaN `a`.
pub fn pow(a: f32, b: f32) -> f32 {
    if a > 0.0 {
        (f64::from(b) * f64::from(a).ln()).exp() as f32
    } else if a == 0.0 {
        if b > 0.0 {
            0.0
        } else if b == 0.0 {
            1.0
        } else if b < 0.0 {
            f32::INFINITY
        } else {
            f32::NAN
        }
    } else {
        f32::NAN
    }
}

/// [`Op::Compare`] on one pair: `1.0` when `a op b` holds (IEEE), else `0.0`.
pub fn compare(op: CompareOp, a: f32, b: f32) -> f32 {
    let holds = match op {
        CompareOp::Lt => a < b,
        CompareOp::Le => a <= b,
        CompareOp::Gt => a > b,
        CompareOp::Ge => a >= b,
        CompareOp::Eq => a == b,
        CompareOp::Ne => a != b,
    };
    if holds {
        1.0
    } else {
        0.0
    }
}

/// [`Op::Bucketize`] on one element: the number of (ascending) `edges` `<= x`,
/// NaN for NaN.
pub fn bucketize(x: f32, edges: &[f32]) -> f32 {
    if x.is_nan() {
        return f32::NAN;
    }
    edges.partition_point(|&e| e <= x) as f32
}

/// [`Op::Lookup`]: `table[x]` when `x` is an integer in `0..table.len()`, else `default`.
pub fn lookup(x: f32, table: &[f32], default: f32) -> f32 {
    if x >= 0.0 && x.fract() == 0.0 && x < table.len() as f32 {
        table[x as usize]
    } else {
        default
    }
}

/// Squared `nan_euclidean` distance between `x` and the training row `t` (same
/// length `d`), in `f64`: `sum` starts at `0` and, for each coordinate `c` in
/// order, adds `(x[c] - t[c])^2` (both promoted to `f64`, one `-`, one `*`, one
/// `+`) when both are present and `0` otherwise, while `count` counts the present
/// pairs; the result is `(sum * d) / count` (NaN when no pair is present).
pub fn nan_euclidean_sq(x: &[f32], t: &[f32]) -> f64 {
    let (mut sum, mut count) = (0.0f64, 0.0f64);
    for (&a, &b) in x.iter().zip(t) {
        let diff = f64::from(a) - f64::from(b);
        let present = !a.is_nan() && !b.is_nan();
        sum += if present { diff * diff } else { 0.0 };
        count += if present { 1.0 } else { 0.0 };
    }
    (sum * x.len() as f64) / count
}

/// Per-column mean of the present values of the row-major `train` (rows of
/// width `d`): an `f64` sum in row order divided by the count, rounded to `f32`;
/// NaN for a column that is never present.
pub fn knn_column_means(train: &[f32], d: usize) -> Vec<f32> {
    (0..d)
        .map(|j| {
            let (mut sum, mut count) = (0.0f64, 0.0f64);
            for t in train.chunks_exact(d) {
                if !t[j].is_nan() {
                    sum += f64::from(t[j]);
                    count += 1.0;
                }
            }
            (sum / count) as f32
        })
        .collect()
}

/// [`Op::KnnImpute`] of one row `x` (width `d`) into `out`. With `k' = min(k, n)`:
/// for each NaN `x[j]`, training rows `i` are scanned in increasing order and a
/// row with `train[i][j]` present whose [`nan_euclidean_sq`] distance `e` is
/// below the current `k'`-th best (`+inf` while fewer than `k'` are kept; NaN
/// never qualifies) is inserted after every kept entry with distance `<= e`,
/// dropping the entry pushed past `k'`. The kept values are summed in `f64` in
/// that order and divided by their count, rounded to `f32`; no kept entry gives
/// `means[j]` ([`knn_column_means`]). Present `x[j]` pass through.
pub fn knn_impute(x: &[f32], train: &[f32], k: u32, means: &[f32], out: &mut [f32]) {
    let d = x.len();
    out[..d].copy_from_slice(x);
    if d == 0 || !x.iter().any(|v| v.is_nan()) {
        return;
    }
    let kk = (k as usize).min(train.len() / d).max(1);
    let mut best: Vec<(f64, f32)> = Vec::with_capacity(kk + 1);
    for j in 0..d {
        if !x[j].is_nan() {
            continue;
        }
        best.clear();
        for t in train.chunks_exact(d) {
            if t[j].is_nan() {
                continue;
            }
            let e = nan_euclidean_sq(x, t);
            let worst = if best.len() < kk {
                f64::INFINITY
            } else {
                best[kk - 1].0
            };
            if e < worst {
                let pos = best.partition_point(|&(b, _)| b <= e);
                best.insert(pos, (e, t[j]));
                best.truncate(kk);
            }
        }
        out[j] = if best.is_empty() {
            means[j]
        } else {
            let mut sum = 0.0f64;
            for &(_, v) in &best {
                sum += f64::from(v);
            }
            (sum / best.len() as f64) as f32
        };
    }
}

/// Element `i` of an operand that broadcasts when it has width 1.
fn at(v: &[f32], i: usize) -> f32 {
    if v.len() == 1 {
        v[0]
    } else {
        v[i]
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

/// `x'[j]`: `missing[j]` when `x` is NaN and `missing[j]` is not NaN (an empty or
/// short `missing` substitutes nothing), else `x`.
fn substituted(x: f32, j: usize, missing: &[f32]) -> f32 {
    match missing.get(j) {
        Some(&d) if x.is_nan() && !d.is_nan() => d,
        _ => x,
    }
}

/// `out[r] = bias[r] + sum_j weights[r * in + j] * x'[j]`, accumulated from
/// `bias[r]` in increasing `j` with one `*` and one `+` per term; terms whose
/// weight is `0.0` (either sign) are skipped; `x'[j]` is `missing[j]` when `x[j]`
/// is NaN and `missing[j]` is not NaN (empty `missing` substitutes nothing).
pub fn affine(x: &[f32], weights: &[f32], bias: &[f32], missing: &[f32], out: &mut [f32]) {
    let inw = x.len();
    for (r, (o, &b)) in out.iter_mut().zip(bias).enumerate() {
        let row = &weights[r * inw..(r + 1) * inw];
        let mut acc = b;
        for (j, (&w, &v)) in row.iter().zip(x).enumerate() {
            if w != 0.0 {
                acc += w * substituted(v, j, missing);
            }
        }
        *o = acc;
    }
}

/// [`Op::QuantAffine`]: `out[r] = bias[r] + scales[r] * s` where `s` starts at
/// `0.0` and adds `(q as f32) * x'[j]` in increasing `j` (one `*` and one `+` per
/// term) for every nonzero `q = weights[r * in + j]`; `x'` as in [`affine`].
pub fn quant_affine(
    x: &[f32],
    weights: &[i8],
    scales: &[f32],
    bias: &[f32],
    missing: &[f32],
    out: &mut [f32],
) {
    let inw = x.len();
    for (r, ((o, &b), &scale)) in out.iter_mut().zip(bias).zip(scales).enumerate() {
        let row = &weights[r * inw..(r + 1) * inw];
        let mut acc = 0.0f32;
        for (j, (&q, &v)) in row.iter().zip(x).enumerate() {
            if q != 0 {
                acc += f32::from(q) * substituted(v, j, missing);
            }
        }
        *o = b + scale * acc;
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
        Op::QuantAffine {
            x,
            weights,
            scales,
            bias,
            missing,
        } => quant_affine(v(*x), weights, scales, bias, missing, out),
        Op::Int8Affine {
            x,
            weights,
            scales,
            bias,
            missing,
            activations,
        } => super::int8::int8_affine(v(*x), weights, scales, bias, missing, *activations, out),
        Op::Unary { func, x } => {
            for (o, &a) in out.iter_mut().zip(v(*x)) {
                *o = unary(*func, a);
            }
        }
        Op::Binary { op, a, b } => {
            let (a, b) = (v(*a), v(*b));
            for (i, o) in out.iter_mut().enumerate() {
                *o = binary(*op, at(a, i), at(b, i));
            }
        }
        Op::Softmax { x } => softmax(v(*x), out),
        Op::Argmax { x } => out[0] = argmax(v(*x)),
        Op::Compare { op, a, b } => {
            let (a, b) = (v(*a), v(*b));
            for (i, o) in out.iter_mut().enumerate() {
                *o = compare(*op, at(a, i), at(b, i));
            }
        }
        Op::Select { cond, a, b } => {
            let (c, a, b) = (v(*cond), v(*a), v(*b));
            for (i, o) in out.iter_mut().enumerate() {
                *o = if at(c, i) != 0.0 { at(a, i) } else { at(b, i) };
            }
        }
        Op::Bucketize { x, edges } => {
            for (o, &a) in out.iter_mut().zip(v(*x)) {
                *o = bucketize(a, edges);
            }
        }
        Op::Lookup { x, table, default } => out[0] = lookup(v(*x)[0], table, *default),
        Op::KnnImpute { x, train, k } => {
            let x = v(*x);
            if x.iter().any(|a| a.is_nan()) {
                let means = knn_column_means(train, x.len());
                knn_impute(x, train, *k, &means, out);
            } else {
                out.copy_from_slice(x);
            }
        }
        Op::Trees { x, forest, .. } => forest.eval(v(*x), out),
        Op::QuantTrees { x, forest, .. } => forest.eval(v(*x), out),
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
