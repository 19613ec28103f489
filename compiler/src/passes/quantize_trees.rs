//! Tree quantization: every tree ensemble's thresholds become `u16` bins of
//! per-feature edge lists and its leaves `f16` or `i8` (an opt-in, lossy
//! transform).

use super::{Pass, Rebuild, Transformed};
use crate::ir::qtrees::LeafFormat;
use crate::ir::{Graph, NodeId, Op, QuantForest};

/// Replaces every [`Op::Trees`] by an [`Op::QuantTrees`] with the same input
/// and walk ([`QuantForest::quantize`]): the distinct thresholds of each
/// feature become its edges and each split its threshold's index among them;
/// leaves take `format` (`f16` rounds to nearest even; `int8` scales each tree
/// by `max |leaf| / 127`). An ensemble that cannot be quantized (a NaN
/// threshold, more than 65535 thresholds on one feature, a leaf beyond the
/// format) is left unchanged.
///
/// Contract: every split sends every row the same way as before; only leaf
/// values move, each by at most half its format's step (`scale / 2` for
/// `int8`, half a unit in the last place of `f16`). Other ops are copied
/// unchanged. Changed exactly when some ensemble is quantized; otherwise the
/// graph is handed back.
#[derive(Clone, Copy, Debug)]
pub struct QuantizeTrees {
    /// The leaf format.
    pub format: LeafFormat,
}

impl Pass for QuantizeTrees {
    fn name(&self) -> &'static str {
        match self.format {
            LeafFormat::F16 => "quantize-trees-f16",
            LeafFormat::Int8 => "quantize-trees-int8",
        }
    }

    fn rewrite(&self, graph: Graph) -> Transformed<Graph> {
        quantize_ops(graph, |graph, op| quantize_trees(graph, op, self.format))
    }
}

/// `op` as an [`Op::QuantTrees`] with `format` leaves when it is an
/// [`Op::Trees`] that can be quantized; its operand is read from `graph`.
pub(crate) fn quantize_trees(graph: &Graph, op: &Op, format: LeafFormat) -> Option<Op> {
    let Op::Trees { x, forest, walk } = op else {
        return None;
    };
    let d = graph.node(*x).width as usize;
    let forest = QuantForest::quantize(forest, d, format).ok()?;
    Some(Op::QuantTrees {
        x: *x,
        forest: Box::new(forest),
        walk: *walk,
    })
}

/// Rebuilds `graph` with every op that `quantize` turns into another (it sees
/// the op in `graph`, with its operands in `graph`'s numbering, each op once);
/// hands the graph back when it turns none.
pub(crate) fn quantize_ops(graph: Graph, quantize: impl Fn(&Graph, &Op) -> Option<Op>) -> Transformed<Graph> {
    let quantized: Vec<Option<Op>> = graph
        .nodes
        .iter()
        .map(|node| quantize(&graph, &node.op))
        .collect();
    if quantized.iter().all(Option::is_none) {
        return Transformed::no(graph);
    }
    let mut out = Rebuild::new(&graph);
    for (i, (node, new_op)) in graph.nodes.iter().zip(quantized).enumerate() {
        let op = out.remap(new_op.as_ref().unwrap_or(&node.op));
        let new = out.push(op, node.width);
        out.set(NodeId(i as u32), new);
    }
    Transformed::yes(out.finish(&graph))
}
