//! Int8 compute: every dense `affine` becomes an `i8affine`, which quantizes
//! its input to bytes and sums int8 weights times those bytes in integers
//! (an opt-in, lossy transform). Activation scales are calibrated on rows
//! (static) or taken from each row at run time (dynamic).

use super::quantize_int8::quantize_rows;
use super::{Pass, Rebuild, Transformed};
use crate::ir::int8::{range, used_inputs, RowQuant};
use crate::ir::{interp, ActQuant, Graph, NodeId, Op};

/// Rows of the graph's input slots that calibrate static activation scales:
/// `n_rows` rows of `graph.n_inputs()` values, row-major.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Calibration {
    /// The encoded rows.
    pub rows: Vec<f32>,
    /// How many rows `rows` holds.
    pub n_rows: usize,
}

/// Replaces every [`Op::Affine`] with finite weights by an
/// [`Op::Int8Affine`] with the same input, bias and `missing` defaults and the
/// weights of [`quantize_rows`] (one scale per output row, `max |w| / 127`).
///
/// With `calibration` (static), each layer's activation quantization is
/// [`RowQuant::of_range`] of the smallest and largest input value (after
/// `missing`, over the inputs the quantized weights use) the graph computes on
/// the calibration rows, 0 included. A layer whose calibrated range is empty
/// gets the range `[0, 1]`; one whose range is not finite stays an `affine`.
/// Without it (dynamic), every row's own range is used at run time.
///
/// Contract: lossy by design (not meaning-preserving): besides the weights'
/// rounding (see [`super::QuantizeInt8`]), each used input moves by at most
/// half an activation step (`scale / 2`) within the range, and a static
/// layer clips inputs outside its calibrated range to it. A NaN or infinite
/// used input makes every output of its layer NaN. Other ops are copied
/// unchanged. Changed exactly when some affine is replaced; otherwise the
/// graph is handed back.
#[derive(Clone, Debug, Default)]
pub struct Int8Compute {
    /// The calibration rows (static), or `None` (dynamic).
    pub calibration: Option<Calibration>,
}

impl Pass for Int8Compute {
    fn name(&self) -> &'static str {
        match self.calibration {
            Some(_) => "quantize-int8-static",
            None => "quantize-int8-dynamic",
        }
    }

    fn rewrite(&self, graph: Graph) -> Transformed<Graph> {
        if !graph.nodes.iter().any(|node| quantizable(&node.op)) {
            return Transformed::no(graph);
        }
        let ranges = self.calibration.as_ref().map(|c| input_ranges(&graph, c));
        let mut out = Rebuild::new(&graph);
        let mut changed = false;
        for (i, node) in graph.nodes.iter().enumerate() {
            let op = match out.remap(&node.op) {
                Op::Affine {
                    x,
                    weights,
                    bias,
                    missing,
                } if quantizable(&node.op) => {
                    let inw = weights.len().checked_div(bias.len()).unwrap_or(0);
                    let (q, scales) = quantize_rows(&weights, inw);
                    let activations = match &ranges {
                        None => Ok(None),
                        Some(ranges) => act_quant(ranges[i].as_deref(), &q, inw).map(Some).ok_or(()),
                    };
                    match activations {
                        Ok(activations) => {
                            changed = true;
                            Op::Int8Affine {
                                x,
                                weights: q,
                                scales,
                                bias,
                                missing,
                                activations,
                            }
                        }
                        Err(()) => Op::Affine {
                            x,
                            weights,
                            bias,
                            missing,
                        },
                    }
                }
                other => other,
            };
            let new = out.push(op, node.width);
            out.set(NodeId(i as u32), new);
        }
        if !changed {
            return Transformed::no(graph);
        }
        Transformed::yes(out.finish(&graph))
    }
}

/// Whether `op` is an affine the pass replaces: every weight finite.
fn quantizable(op: &Op) -> bool {
    matches!(op, Op::Affine { weights, .. } if weights.iter().all(|w| w.is_finite()))
}

/// The calibrated quantization of a layer whose input ranged over `(lo,
/// hi)` per input (`None` where the layer is not an affine), or `None` when
/// that range is not finite.
fn act_quant(ranges: Option<&[(f32, f32)]>, q: &[i8], inw: usize) -> Option<ActQuant> {
    let ranges = ranges?;
    let used = used_inputs(q, inw);
    let lo = range(ranges.iter().zip(&used).filter(|(_, &u)| u).map(|(r, _)| r.0)).0;
    let hi = range(ranges.iter().zip(&used).filter(|(_, &u)| u).map(|(r, _)| r.1)).1;
    if !(lo.is_finite() && hi.is_finite()) {
        return None;
    }
    let quant = RowQuant::of_range(lo, hi);
    if quant.scale > 0.0 && quant.scale.is_finite() {
        Some(ActQuant {
            scale: quant.scale,
            zero: quant.zero as u8,
        })
    } else if quant.scale == 0.0 {
        let unit = RowQuant::of_range(0.0, 1.0);
        Some(ActQuant {
            scale: unit.scale,
            zero: 0,
        })
    } else {
        None
    }
}

/// For every node that is a quantizable affine, the smallest and largest
/// value of each of its inputs (after `missing`) over the calibration rows;
/// `None` for the other nodes.
fn input_ranges(graph: &Graph, calibration: &Calibration) -> Vec<Option<Vec<(f32, f32)>>> {
    let mut ranges: Vec<Option<Vec<(f32, f32)>>> = graph
        .nodes
        .iter()
        .map(|n| match &n.op {
            Op::Affine { x, .. } if quantizable(&n.op) => {
                Some(vec![(0.0, 0.0); graph.node(*x).width as usize])
            }
            _ => None,
        })
        .collect();
    let width = graph.n_inputs();
    let mut scratch = Vec::new();
    let mut out = vec![0.0f32; graph.n_outputs()];
    for row in calibration
        .rows
        .chunks_exact(width.max(1))
        .take(calibration.n_rows)
    {
        interp::eval_row(graph, row, &mut scratch, &mut out);
        for (node, r) in graph.nodes.iter().zip(ranges.iter_mut()) {
            let (Some(r), Op::Affine { x, missing, .. }) = (r, &node.op) else {
                continue;
            };
            for (j, (slot, &v)) in r.iter_mut().zip(&scratch[x.index()]).enumerate() {
                let v = match missing.get(j) {
                    Some(&d) if v.is_nan() && !d.is_nan() => d,
                    _ => v,
                };
                let (lo, hi) = range([slot.0, slot.1, v].into_iter());
                *slot = (lo, hi);
            }
        }
    }
    ranges
}
