//! Dense layers four outputs at a time: `acc = bias[r..r+4]; acc = acc +
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
    let inw = xs.len();
    let used = |j: usize| weights.iter().skip(j).step_by(inw.max(1)).any(|&w| w != 0.0);
    let splats: Vec<Option<Value>> = xs
        .iter()
        .enumerate()
        .map(|(j, &x)| used(j).then(|| b.ins().splat(types::F32X4, x)))
        .collect();
    let mut outs = Vec::with_capacity(bias.len());
    for first in (0..bias.len()).step_by(LANES) {
        let rows: Vec<usize> = (first..(first + LANES).min(bias.len())).collect();
        let mut acc = vector(b, &rows.iter().map(|&r| bias[r]).collect::<Vec<_>>());
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
