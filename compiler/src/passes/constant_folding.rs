//! Constant folding: an op whose operands are all constants becomes a constant.

use super::{Pass, Rebuild, Transformed};
use crate::ir::{interp, Graph, NodeId, Op};

/// Replaces every non-input op whose operands are all `const` nodes by a `const`
/// holding its value, computed with the interpreter's own arithmetic
/// ([`interp::eval_op`]), so results are bit-identical to the input graph's.
///
/// Contract: folded nodes stay where they were (the now-unused constants are left
/// for [`super::DeadNodes`]); ops with any non-constant operand are copied unchanged.
/// Changed exactly when some op folds (it becomes a `const`); a graph where
/// none can fold is handed back as it is.
#[derive(Clone, Copy, Debug, Default)]
pub struct ConstantFolding;

impl Pass for ConstantFolding {
    fn name(&self) -> &'static str {
        "constant-folding"
    }

    fn rewrite(&self, graph: Graph) -> Transformed<Graph> {
        // The first fold has operands that are constants of the input graph
        // (until then the rebuild copies it), so without one nothing folds.
        if !graph.nodes.iter().any(|node| foldable(&graph, &node.op)) {
            return Transformed::no(graph);
        }
        let mut out = Rebuild::new(&graph);
        // values[k] holds new node k's constant value, empty when it is not a const.
        let mut values: Vec<Vec<f32>> = Vec::with_capacity(graph.nodes.len());
        for (i, node) in graph.nodes.iter().enumerate() {
            let op = out.remap(&node.op);
            let op = if foldable(out.graph(), &op) {
                let mut result = vec![0.0; node.width as usize];
                interp::eval_op(&op, &[], &values, &mut result);
                Op::Const { values: result }
            } else {
                op
            };
            values.push(match &op {
                Op::Const { values } => values.clone(),
                _ => Vec::new(),
            });
            let new = out.push(op, node.width);
            out.set(NodeId(i as u32), new);
        }
        Transformed::yes(out.finish(&graph))
    }
}

/// Whether `op` of `graph` folds: not an `input` or `const`, and every operand
/// a `const`.
fn foldable(graph: &Graph, op: &Op) -> bool {
    !matches!(op, Op::Input { .. } | Op::Const { .. }) && op.operands().iter().all(|id| is_const(graph, *id))
}

/// Whether `id` names a `const` node of `graph`.
fn is_const(graph: &Graph, id: NodeId) -> bool {
    matches!(graph.nodes.get(id.index()).map(|n| &n.op), Some(Op::Const { .. }))
}
