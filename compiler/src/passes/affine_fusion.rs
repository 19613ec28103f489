//! Affine fusion: elementwise `scale` / `fill_nan` chains feeding an `affine` are
//! folded into its weights, bias and `missing` defaults, so impute → standardize →
//! linear model becomes inputs → one affine.

use super::{Pass, Rebuild, Transformed};
use crate::ir::{Graph, NodeId, Op};

/// Folds the `scale` and `fill_nan` ops between an `affine` and its base values
/// into the affine itself.
///
/// For each `affine`, its operand is flattened through nested `concat`s into parts;
/// each part is peeled down through `scale` and `fill_nan` ops while the composed
/// column transform `y = (isnan(b) ? fill : b) * mul + add` stays exact in form,
/// then `W'[r][j] = W[r][j] * mul[j]`, `b'[r] = b[r] + sum_j W[r][j] * add[j]`
/// (in `f64`, rounded to `f32`) and `missing'[j] = fill[j]`. The affine's input
/// becomes the concat of the base nodes (or the single base).
///
/// Contract: outputs agree with the input graph's up to `f32` rounding of the
/// folded constants, for rows without infinities (the row ABI carries finite
/// numbers and NaN); the old chains are left for [`super::DeadNodes`]. Changed
/// exactly when some affine is fused (its input then names the base nodes, not
/// the peeled chain); otherwise the graph is handed back.
#[derive(Clone, Copy, Debug, Default)]
pub struct AffineFusion;

impl Pass for AffineFusion {
    fn name(&self) -> &'static str {
        "affine-fusion"
    }

    fn rewrite(&self, graph: Graph) -> Transformed<Graph> {
        let mut out = Rebuild::new(&graph);
        let mut fused = false;
        for (i, node) in graph.nodes.iter().enumerate() {
            let op = out.remap(&node.op);
            let new = match fuse(out.graph(), &op) {
                Some(Fused {
                    parts,
                    weights,
                    bias,
                    missing,
                }) => {
                    fused = true;
                    let x = if let [single] = parts.as_slice() {
                        *single
                    } else {
                        let width = parts.iter().map(|p| out.graph().node(*p).width).sum();
                        out.push(Op::Concat { parts }, width)
                    };
                    out.push(
                        Op::Affine {
                            x,
                            weights,
                            bias,
                            missing,
                        },
                        node.width,
                    )
                }
                None => out.push(op, node.width),
            };
            out.set(NodeId(i as u32), new);
        }
        // Without a fusion the rebuild is a copy.
        if fused {
            Transformed::yes(out.finish(&graph))
        } else {
            Transformed::no(graph)
        }
    }
}

/// The column transform `y = (isnan(b) ? fill : b) * mul + add`; `fill` NaN means
/// no substitution.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Column {
    mul: f64,
    add: f64,
    fill: f64,
}

impl Column {
    /// The transform that an affine with default `missing` applies to its input.
    fn with_fill(fill: f32) -> Column {
        Column {
            mul: 1.0,
            add: 0.0,
            fill: f64::from(fill),
        }
    }

    /// This transform applied on top of `x * m + a`, or `None` when the fill value
    /// cannot be moved below the scale (`m` zero or not finite).
    fn below_scale(self, m: f32, a: f32) -> Option<Column> {
        let (m, a) = (f64::from(m), f64::from(a));
        let fill = if self.fill.is_nan() {
            f64::NAN
        } else if m != 0.0 && m.is_finite() {
            let f = (self.fill - a) / m;
            if !(f as f32).is_finite() {
                return None;
            }
            f
        } else {
            return None;
        };
        Some(Column {
            mul: self.mul * m,
            add: a * self.mul + self.add,
            fill,
        })
    }

    /// This transform applied on top of `isnan(x) ? v : x`: a non-NaN `v` replaces
    /// any fill above it, since its output is never NaN.
    fn below_fill(self, v: f32) -> Column {
        if v.is_nan() {
            self
        } else {
            Column {
                fill: f64::from(v),
                ..self
            }
        }
    }
}

/// The parts of a fused affine: base nodes, folded weights, bias and defaults.
struct Fused {
    parts: Vec<NodeId>,
    weights: Vec<f32>,
    bias: Vec<f32>,
    missing: Vec<f32>,
}

/// Folds the chains under `op` when it is an `affine` and at least one `scale` or
/// `fill_nan` can be peeled; `None` leaves `op` as it is.
fn fuse(graph: &Graph, op: &Op) -> Option<Fused> {
    let Op::Affine {
        x,
        weights,
        bias,
        missing,
    } = op
    else {
        return None;
    };
    let inw = graph.node(*x).width as usize;
    let top: Vec<Column> = (0..inw)
        .map(|j| Column::with_fill(missing.get(j).copied().unwrap_or(f32::NAN)))
        .collect();
    let (parts, cols, peeled) = peel(graph, *x, top);
    if !peeled || cols.len() != inw {
        return None;
    }
    let mut new_w = Vec::with_capacity(weights.len());
    let mut new_b = Vec::with_capacity(bias.len());
    for (r, &b) in bias.iter().enumerate() {
        let row = &weights[r * inw..(r + 1) * inw];
        let mut acc = f64::from(b);
        for (&w, c) in row.iter().zip(&cols) {
            new_w.push((f64::from(w) * c.mul) as f32);
            acc += f64::from(w) * c.add;
        }
        new_b.push(acc as f32);
    }
    let new_missing: Vec<f32> = if cols.iter().all(|c| c.fill.is_nan()) {
        Vec::new()
    } else {
        cols.iter().map(|c| c.fill as f32).collect()
    };
    Some(Fused {
        parts,
        weights: new_w,
        bias: new_b,
        missing: new_missing,
    })
}

/// Walks from `root` (seen through the column transforms `top`) down through
/// `concat`, `scale` and `fill_nan`, returning the base nodes in column order, the
/// composed transform of every column, and whether any `scale`/`fill_nan` was peeled.
fn peel(graph: &Graph, root: NodeId, top: Vec<Column>) -> (Vec<NodeId>, Vec<Column>, bool) {
    let mut parts = Vec::new();
    let mut cols = Vec::with_capacity(top.len());
    let mut peeled = false;
    // Explicit stack (last = next in column order) so deep graphs cannot overflow.
    let mut stack = vec![(root, top)];
    while let Some((mut id, mut t)) = stack.pop() {
        loop {
            match &graph.node(id).op {
                Op::Concat { parts: sub } => {
                    let mut at = t.len();
                    for p in sub.iter().rev() {
                        let w = graph.node(*p).width as usize;
                        stack.push((*p, t[at - w..at].to_vec()));
                        at -= w;
                    }
                    break;
                }
                Op::Scale { x, mul, add } => {
                    let next: Option<Vec<Column>> = t
                        .iter()
                        .zip(mul.iter().zip(add))
                        .map(|(c, (&m, &a))| c.below_scale(m, a))
                        .collect();
                    match next {
                        Some(next) => {
                            (id, t, peeled) = (*x, next, true);
                        }
                        None => {
                            parts.push(id);
                            cols.extend(t);
                            break;
                        }
                    }
                }
                Op::FillNan { x, values } => {
                    let next = t.iter().zip(values).map(|(c, &v)| c.below_fill(v)).collect();
                    (id, t, peeled) = (*x, next, true);
                }
                _ => {
                    parts.push(id);
                    cols.extend(t);
                    break;
                }
            }
        }
    }
    (parts, cols, peeled)
}
