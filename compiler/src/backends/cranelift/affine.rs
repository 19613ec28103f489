//! Dense layers (`affine`, and `qaffine` with its int8 weights as exact `f32`
//! constants) four outputs at a time: `acc = bias[r..r+4]; acc = acc +
//! w[r..r+4, j] * splat(x[j])` for every input `j` in order, in `f32x4`
//! lanes, so each lane sums its output's terms in exactly the scalar order
//! (separate `fmul` and `fadd`, never `fma`) and rounds like the interpreter.
//! A lane whose weight is zero adds `+0.0` in place of its product (the
//! product is masked), as the interpreter skips that term: a NaN input
//! never reaches it. The only difference from skipping is a sum of `-0.0`
//! that becomes `+0.0`, which compares equal. Weights and biases are vector
//! constants in the function's constant pool.

use cranelift_codegen::ir::{types, ConstantData, InstBuilder, Value};
use cranelift_frontend::FunctionBuilder;

/// Outputs per vector.
pub(super) const LANES: usize = 4;

/// `bias[r] + Σ_j w[r * in + j] * x[j]` for every output `r` (see the module
/// doc), `in = xs.len()`.
pub(super) fn affine_lanes(
    b: &mut FunctionBuilder<'_>,
    xs: &[Value],
    weights: &[f32],
    bias: &[f32],
) -> Vec<Value> {
    lanes(b, xs, weights, bias.len(), |b, rows, acc| {
        acc.unwrap_or_else(|| vector(b, &pick(bias, rows)))
    })
}

/// The quantized affine of the interpreter, four outputs at a time: `acc = 0;
/// acc = acc + (q as f32) * x[j]` for every nonzero `q` in order, then
/// `bias[r] + scales[r] * acc` (separate `fmul` and `fadd`).
pub(super) fn quant_affine_lanes(
    b: &mut FunctionBuilder<'_>,
    xs: &[Value],
    weights: &[i8],
    scales: &[f32],
    bias: &[f32],
) -> Vec<Value> {
    let weights: Vec<f32> = weights.iter().map(|&q| f32::from(q)).collect();
    lanes(b, xs, &weights, bias.len(), |b, rows, acc| match acc {
        None => vector(b, &[0.0; LANES]),
        Some(acc) => {
            let scale = vector(b, &pick(scales, rows));
            let scaled = b.ins().fmul(scale, acc);
            let bias = vector(b, &pick(bias, rows));
            b.ins().fadd(bias, scaled)
        }
    })
}

/// The values of `values` at `rows`.
fn pick(values: &[f32], rows: &[usize]) -> Vec<f32> {
    rows.iter().map(|&r| values[r]).collect()
}

/// The lane sums of `outputs` outputs four at a time: for each group of
/// rows, `edge(rows, None)` gives the starting vector, the terms of every
/// input are added in order, and `edge(rows, Some(sum))` the final one.
fn lanes(
    b: &mut FunctionBuilder<'_>,
    xs: &[Value],
    weights: &[f32],
    outputs: usize,
    edge: impl Fn(&mut FunctionBuilder<'_>, &[usize], Option<Value>) -> Value,
) -> Vec<Value> {
    let inw = xs.len();
    let used = |j: usize| weights.iter().skip(j).step_by(inw.max(1)).any(|&w| w != 0.0);
    let splats: Vec<Option<Value>> = xs
        .iter()
        .enumerate()
        .map(|(j, &x)| used(j).then(|| b.ins().splat(types::F32X4, x)))
        .collect();
    let mut outs = Vec::with_capacity(outputs);
    for first in (0..outputs).step_by(LANES) {
        let rows: Vec<usize> = (first..(first + LANES).min(outputs)).collect();
        let mut acc = edge(b, &rows, None);
        for (j, splat) in splats.iter().enumerate() {
            let Some(splat) = *splat else { continue };
            let w: Vec<f32> = rows.iter().map(|&r| weights[r * inw + j]).collect();
            if w.iter().all(|&w| w == 0.0) {
                continue;
            }
            let wv = vector(b, &w);
            let mut p = b.ins().fmul(wv, splat);
            if w.contains(&0.0) {
                let mask: Vec<f32> = w
                    .iter()
                    .map(|&w| if w == 0.0 { 0.0 } else { f32::from_bits(u32::MAX) })
                    .collect();
                let mask = vector(b, &mask);
                p = b.ins().band(p, mask);
            }
            acc = b.ins().fadd(acc, p);
        }
        let acc = edge(b, &rows, Some(acc));
        for lane in 0..rows.len() {
            outs.push(b.ins().extractlane(acc, lane as u8));
        }
    }
    outs
}

/// An `f32x4` constant of `values` (at most [`LANES`]; missing lanes are 0).
fn vector(b: &mut FunctionBuilder<'_>, values: &[f32]) -> Value {
    let mut bytes = Vec::with_capacity(4 * LANES);
    for lane in 0..LANES {
        bytes.extend_from_slice(&values.get(lane).copied().unwrap_or(0.0).to_le_bytes());
    }
    let handle = b.func.dfg.constants.insert(ConstantData::from(bytes));
    b.ins().vconst(types::F32X4, handle)
}
