//! Dead-node elimination: drop every node that no output depends on.

use super::{Pass, Rebuild, Transformed};
use crate::ir::{Graph, NodeId};

/// Removes nodes that no output depends on, keeping the order of the rest.
///
/// Contract: outputs are bit-identical to the input graph's; input slots are never
/// removed (they are the row ABI), only the `input` nodes that read them.
/// Changed exactly when some node is dead; otherwise the graph is handed back.
#[derive(Clone, Copy, Debug, Default)]
pub struct DeadNodes;

impl Pass for DeadNodes {
    fn name(&self) -> &'static str {
        "dead-nodes"
    }

    fn rewrite(&self, graph: Graph) -> Transformed<Graph> {
        let live = live_nodes(&graph);
        if live.iter().all(|&l| l) {
            return Transformed::no(graph);
        }
        let mut out = Rebuild::new(&graph);
        for (i, node) in graph.nodes.iter().enumerate() {
            if live[i] {
                let new = out.push(out.remap(&node.op), node.width);
                out.set(NodeId(i as u32), new);
            }
        }
        Transformed::yes(out.finish(&graph))
    }
}

/// `live[i]` is true when some output depends on node `i`.
pub fn live_nodes(graph: &Graph) -> Vec<bool> {
    let mut live = vec![false; graph.nodes.len()];
    for o in &graph.outputs {
        if let Some(l) = live.get_mut(o.node.index()) {
            *l = true;
        }
    }
    // Operands precede users, so one backward sweep reaches every dependency.
    for i in (0..graph.nodes.len()).rev() {
        if live[i] {
            for operand in graph.nodes[i].op.operands() {
                if let Some(l) = live.get_mut(operand.index()) {
                    *l = true;
                }
            }
        }
    }
    live
}
