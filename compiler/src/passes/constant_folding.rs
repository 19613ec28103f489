//! Constant folding: an op whose operands are all constants becomes a constant.

use super::{Pass, Rebuild};
use crate::ir::{interp, Graph, NodeId, Op};

/// Replaces every non-input op whose operands are all `const` nodes by a `const`
/// holding its value, computed with the interpreter's own arithmetic
/// ([`interp::eval_op`]), so results are bit-identical to the input graph's.
///
/// Contract: folded nodes stay where they were (the now-unused constants are left
/// for [`super::DeadNodes`]); ops with any non-constant operand are copied unchanged.
#[derive(Clone, Copy, Debug, Default)]
pub struct ConstantFolding;

impl Pass for ConstantFolding {
    fn name(&self) -> &'static str {
        "constant-folding"
    }

    fn run(&self, graph: &Graph) -> Graph {
        let mut out = Rebuild::new(graph);
        // values[k] holds new node k's constant value, empty when it is not a const.
        let mut values: Vec<Vec<f32>> = Vec::with_capacity(graph.nodes.len());
        for (i, node) in graph.nodes.iter().enumerate() {
            let op = out.remap(&node.op);
            let foldable = !matches!(op, Op::Input { .. } | Op::Const { .. })
                && op.operands().iter().all(|id| is_const(out.graph(), *id));
            let op = if foldable {
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
        out.finish(graph)
    }
}

/// Whether `id` names a `const` node of `graph`.
fn is_const(graph: &Graph, id: NodeId) -> bool {
    matches!(graph.nodes.get(id.index()).map(|n| &n.op), Some(Op::Const { .. }))
}
