//! Magnitude pruning: the smallest weights of every dense layer become exact
//! zeros, which the backends then skip (an opt-in, lossy transform).

use super::{Pass, Rebuild, Transformed};
use crate::ir::{Graph, NodeId, Op};

/// Zeroes, in every [`Op::Affine`] and [`Op::QuantAffine`] separately, the
/// [`prune_count`] weights with the smallest magnitude (`|w|`, for a quantized
/// weight `|q| * scales[r]`), ties broken by index order (lower index pruned
/// first), so the result is deterministic. Weights that are already zero count
/// among the smallest, so pruning to a fraction the layer already meets changes
/// nothing. Bias, scales and `missing` are kept.
///
/// Contract: lossy by design: outputs move by the dropped terms. Widths and all
/// other ops are unchanged. `fraction` is in `(0, 1)`; values outside are
/// clamped (0 prunes nothing, 1 prunes everything). Changed exactly when some
/// pruned weight was not already `0` (a `-0.0` weight becomes `0.0`, a change);
/// otherwise the graph is handed back.
#[derive(Clone, Copy, Debug)]
pub struct PruneMagnitude {
    /// Share of each layer's weights to zero.
    pub fraction: f64,
}

impl Pass for PruneMagnitude {
    fn name(&self) -> &'static str {
        "prune-magnitude"
    }

    fn rewrite(&self, graph: Graph) -> Transformed<Graph> {
        let mut out = Rebuild::new(&graph);
        let mut zeroed = false;
        for (i, node) in graph.nodes.iter().enumerate() {
            let mut op = out.remap(&node.op);
            match &mut op {
                Op::Affine { weights, .. } => {
                    let magnitudes: Vec<f32> = weights.iter().map(|w| w.abs()).collect();
                    for j in smallest(&magnitudes, prune_count(weights.len(), self.fraction)) {
                        zeroed |= weights[j].to_bits() != 0;
                        weights[j] = 0.0;
                    }
                }
                Op::QuantAffine {
                    weights,
                    scales,
                    bias,
                    ..
                } => {
                    let inw = weights.len().checked_div(bias.len()).unwrap_or(0).max(1);
                    let magnitudes: Vec<f32> = weights
                        .iter()
                        .enumerate()
                        .map(|(j, &q)| f32::from(q).abs() * scales.get(j / inw).map_or(0.0, |s| s.abs()))
                        .collect();
                    for j in smallest(&magnitudes, prune_count(weights.len(), self.fraction)) {
                        zeroed |= weights[j] != 0;
                        weights[j] = 0;
                    }
                }
                _ => {}
            }
            let new = out.push(op, node.width);
            out.set(NodeId(i as u32), new);
        }
        // When every pruned weight was already `0.0` the rebuild is a copy.
        if zeroed {
            Transformed::yes(out.finish(&graph))
        } else {
            Transformed::no(graph)
        }
    }
}

/// How many of `n` weights pruning to `fraction` zeroes: `floor(fraction * n)`,
/// with `fraction` clamped to `[0, 1]` (NaN prunes nothing).
pub fn prune_count(n: usize, fraction: f64) -> usize {
    if fraction.is_nan() {
        return 0;
    }
    ((fraction.clamp(0.0, 1.0) * n as f64).floor() as usize).min(n)
}

/// The indices of the `k` smallest `magnitudes` (by `total_cmp`, so NaN counts as
/// largest), ties by lower index first.
fn smallest(magnitudes: &[f32], k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..magnitudes.len()).collect();
    order.sort_by(|&a, &b| magnitudes[a].total_cmp(&magnitudes[b]).then(a.cmp(&b)));
    order.truncate(k);
    order
}
