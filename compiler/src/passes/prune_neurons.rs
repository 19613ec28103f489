//! Neuron pruning: structured removal of the weakest hidden units of dense
//! layers, shrinking both layers around them (an opt-in, lossy transform).

use super::prune_magnitude::prune_count;
use super::{Pass, Rebuild, Transformed};
use crate::ir::{Graph, NodeId, Op};

/// Removes hidden units between two dense layers.
///
/// It finds every chain `affine a` → one or more elementwise ops → `affine b`
/// (`b` reading the last op) where `a` and every op of the chain are used only
/// by the next node (so none is an output). The elementwise ops are `unary`,
/// `scale`, `fill_nan` and `binary` with a `const` other operand (width 1 or
/// the chain's): the lowerings of relu (`max(h, 0)`), logistic (`sigmoid`) and
/// tanh (`scale`, `sigmoid`, `scale`). For a hidden width `h >= 2` it removes
/// [`prune_count`]`(h, fraction)` units (at most `h - 1`): those whose outgoing
/// weights (column `j` of `b`) have the smallest L2 norm, ties by lower index.
/// A removed unit loses its row of `a`'s weights and bias, its element of every
/// chain op (a full-width `const` operand is copied, sliced) and its column of
/// `b`'s weights and `missing`. Chains are ranked on the input graph, so a layer
/// that is both a `b` and an `a` loses columns and rows independently.
///
/// Contract: lossy by design: outputs move by the removed units' contributions
/// to `b`. Graphs without such a chain come out unchanged; other nodes are
/// copied, and sliced constants are left to [`super::DeadNodes`]. Changed
/// exactly when some unit is removed (a layer narrows); otherwise the graph is
/// handed back.
#[derive(Clone, Copy, Debug)]
pub struct PruneNeurons {
    /// Share of each hidden layer's units to remove.
    pub fraction: f64,
}

impl Pass for PruneNeurons {
    fn name(&self) -> &'static str {
        "prune-neurons"
    }

    fn rewrite(&self, graph: Graph) -> Transformed<Graph> {
        // kept[k]: the output elements node k keeps (a and chain ops); cols[k]:
        // the input columns layer b at k keeps.
        let mut kept: Vec<Option<Vec<usize>>> = vec![None; graph.nodes.len()];
        let mut cols: Vec<Option<Vec<usize>>> = vec![None; graph.nodes.len()];
        let mut pruned = false;
        for chain in chains(&graph) {
            let keep = strongest_units(&graph, &chain, self.fraction);
            if keep.len() == graph.nodes[chain.a].width as usize {
                continue;
            }
            pruned = true;
            for &k in std::iter::once(&chain.a).chain(&chain.ops) {
                kept[k] = Some(keep.clone());
            }
            cols[chain.b] = Some(keep);
        }
        if !pruned {
            return Transformed::no(graph);
        }
        let mut out = Rebuild::new(&graph);
        for (i, node) in graph.nodes.iter().enumerate() {
            let mut op = out.remap(&node.op);
            let mut width = node.width;
            if let Some(c) = &cols[i] {
                op = keep_columns(op, c);
            }
            if let Some(keep) = &kept[i] {
                op = keep_elements(&mut out, op, keep);
                width = keep.len() as u32;
            }
            let new = out.push(op, width);
            out.set(NodeId(i as u32), new);
        }
        Transformed::yes(out.finish(&graph))
    }
}

/// One prunable chain: layer `a`, the elementwise ops after it, layer `b`.
struct Chain {
    a: usize,
    ops: Vec<usize>,
    b: usize,
}

/// Every chain of `graph` (see [`PruneNeurons`]), in order of `a`.
fn chains(graph: &Graph) -> Vec<Chain> {
    let uses = graph.use_counts();
    // The single consumer of each node used exactly once by another node.
    let mut consumer: Vec<Option<usize>> = vec![None; graph.nodes.len()];
    for (k, node) in graph.nodes.iter().enumerate() {
        for operand in node.op.operands() {
            if uses[operand.index()] == 1 {
                consumer[operand.index()] = Some(k);
            }
        }
    }
    let mut found = Vec::new();
    for (a, node) in graph.nodes.iter().enumerate() {
        if !matches!(node.op, Op::Affine { .. }) || node.width < 2 {
            continue;
        }
        let mut ops = Vec::new();
        let mut at = a;
        while let Some(next) = consumer[at] {
            let next_op = &graph.nodes[next].op;
            if matches!(next_op, Op::Affine { .. }) {
                if !ops.is_empty() {
                    found.push(Chain { a, ops, b: next });
                }
                break;
            }
            if !elementwise(graph, next_op, NodeId(at as u32), node.width) {
                break;
            }
            ops.push(next);
            at = next;
        }
    }
    found
}

/// Whether `op` maps the width-`w` `from` elementwise, with constants that can
/// be sliced per element.
fn elementwise(graph: &Graph, op: &Op, from: NodeId, w: u32) -> bool {
    match op {
        Op::Unary { x, .. } | Op::Scale { x, .. } | Op::FillNan { x, .. } => *x == from,
        Op::Binary { a, b, .. } => {
            let other = if *a == from {
                *b
            } else if *b == from {
                *a
            } else {
                return false;
            };
            let n = graph.node(other);
            other != from && matches!(n.op, Op::Const { .. }) && (n.width == 1 || n.width == w)
        }
        _ => false,
    }
}

/// The hidden units of `chain` to keep, ascending: all but the
/// `prune_count(h, fraction)` (at most `h - 1`) whose column of `b` has the
/// smallest L2 norm, ties removing the lower index first.
fn strongest_units(graph: &Graph, chain: &Chain, fraction: f64) -> Vec<usize> {
    let h = graph.nodes[chain.a].width as usize;
    let Op::Affine { weights, .. } = &graph.nodes[chain.b].op else {
        return (0..h).collect();
    };
    let mut norms = vec![0.0f64; h];
    for row in weights.chunks(h) {
        for (n, &w) in norms.iter_mut().zip(row) {
            *n += f64::from(w) * f64::from(w);
        }
    }
    let remove = prune_count(h, fraction).min(h - 1);
    let mut order: Vec<usize> = (0..h).collect();
    order.sort_by(|&x, &y| norms[x].total_cmp(&norms[y]).then(x.cmp(&y)));
    let mut keep = order.split_off(remove);
    keep.sort_unstable();
    keep
}

/// `op` (an affine `b`) reading only the input columns `keep`.
fn keep_columns(op: Op, keep: &[usize]) -> Op {
    match op {
        Op::Affine {
            x,
            weights,
            bias,
            missing,
        } => {
            let inw = weights.len().checked_div(bias.len()).unwrap_or(0).max(1);
            let weights = weights
                .chunks(inw)
                .flat_map(|row| keep.iter().map(move |&j| row[j]))
                .collect();
            let missing = if missing.is_empty() {
                missing
            } else {
                pick(&missing, keep)
            };
            Op::Affine {
                x,
                weights,
                bias,
                missing,
            }
        }
        other => other,
    }
}

/// `op` (an `a` layer or a chain op) producing only the elements `keep`; a
/// full-width constant operand is pushed sliced into `out`.
fn keep_elements(out: &mut Rebuild, op: Op, keep: &[usize]) -> Op {
    match op {
        Op::Affine {
            x,
            weights,
            bias,
            missing,
        } => {
            let inw = weights.len().checked_div(bias.len()).unwrap_or(0).max(1);
            let weights = keep
                .iter()
                .flat_map(|&r| weights[r * inw..(r + 1) * inw].iter().copied())
                .collect();
            Op::Affine {
                x,
                weights,
                bias: pick(&bias, keep),
                missing,
            }
        }
        Op::Scale { x, mul, add } => Op::Scale {
            x,
            mul: pick(&mul, keep),
            add: pick(&add, keep),
        },
        Op::FillNan { x, values } => Op::FillNan {
            x,
            values: pick(&values, keep),
        },
        Op::Binary { op, a, b } => {
            let slice = |out: &mut Rebuild, id: NodeId| match &out.graph().node(id).op {
                Op::Const { values } if values.len() > 1 => {
                    let values = pick(values, keep);
                    out.push(Op::Const { values }, keep.len() as u32)
                }
                _ => id,
            };
            let (a, b) = (slice(out, a), slice(out, b));
            Op::Binary { op, a, b }
        }
        other => other,
    }
}

/// `values[j]` for every `j` of `keep`.
fn pick(values: &[f32], keep: &[usize]) -> Vec<f32> {
    keep.iter().map(|&j| values[j]).collect()
}
