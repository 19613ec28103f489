//! Int8 quantization: every dense `affine` becomes a `qaffine` with one `i8` per
//! weight and one `f32` scale per output row, every tree ensemble a `qtrees`
//! with `u16` bins and `i8` leaves (an opt-in, lossy transform).

use super::quantize_trees::{quantize_ops, quantize_trees};
use super::{Pass, Transformed};
use crate::ir::qtrees::LeafFormat;
use crate::ir::{Graph, Op};

/// Replaces every [`Op::Affine`] by an [`Op::QuantAffine`] with the same input,
/// bias and `missing` defaults: per output row `r`, `scales[r] = max_j |w[r, j]| /
/// 127` and `q[r, j] = round(w[r, j] / scales[r])` clamped to `[-127, 127]` (so
/// the largest weight maps to `±127`). A row of zeros gets scale `1` and all-zero
/// `q`, as does a row whose scale underflows to `0`; zero weights stay zero (and
/// stay skipped). An affine holding a non-finite weight is left unchanged.
/// Every [`Op::Trees`] becomes an [`Op::QuantTrees`] with `i8` leaves, as
/// [`super::QuantizeTrees`] does.
///
/// Contract: lossy by design (not meaning-preserving): each weight moves by at
/// most `scales[r] / 2`, so output `r` moves by at most `scales[r] / 2 * sum_j
/// |x'[j]|` plus `f32` rounding; trees as [`super::QuantizeTrees`]. Other ops are copied unchanged. Changed exactly
/// when some affine is quantized; otherwise the graph is handed back.
#[derive(Clone, Copy, Debug, Default)]
pub struct QuantizeInt8;

impl Pass for QuantizeInt8 {
    fn name(&self) -> &'static str {
        "quantize-int8"
    }

    fn rewrite(&self, graph: Graph) -> Transformed<Graph> {
        quantize_ops(graph, |graph, op| match op {
            Op::Affine {
                x,
                weights,
                bias,
                missing,
            } if weights.iter().all(|w| w.is_finite()) => {
                let inw = weights.len().checked_div(bias.len()).unwrap_or(0);
                let (weights, scales) = quantize_rows(weights, inw);
                Some(Op::QuantAffine {
                    x: *x,
                    weights,
                    scales,
                    bias: bias.clone(),
                    missing: missing.clone(),
                })
            }
            Op::Trees { .. } => quantize_trees(graph, op, LeafFormat::Int8),
            _ => None,
        })
    }
}

/// Quantizes the row-major `weights` (rows of `inw` finite values) row by row:
/// the `i8` weights and the scale of every row (see [`QuantizeInt8`]).
pub fn quantize_rows(weights: &[f32], inw: usize) -> (Vec<i8>, Vec<f32>) {
    if inw == 0 {
        return (Vec::new(), Vec::new());
    }
    let mut q = Vec::with_capacity(weights.len());
    let mut scales = Vec::with_capacity(weights.len() / inw);
    for row in weights.chunks(inw) {
        let max = row.iter().fold(0.0f32, |m, w| m.max(w.abs()));
        let scale = max / 127.0;
        if scale == 0.0 {
            q.extend(std::iter::repeat_n(0i8, row.len()));
            scales.push(1.0);
            continue;
        }
        q.extend(row.iter().map(|&w| {
            // In f64 so that the largest weight lands on 127 exactly.
            let v = (f64::from(w) / f64::from(scale)).round().clamp(-127.0, 127.0);
            v as i8
        }));
        scales.push(scale);
    }
    (q, scales)
}
