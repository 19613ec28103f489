//! Column pruning: drop input slots that no output depends on (for example
//! columns a selection step removed), renumbering the slots that stay.

use super::dead_nodes::live_nodes;
use super::{Pass, Rebuild, Transformed};
use crate::ir::{Graph, NodeId, Op};

/// Removes the input slots that no live `input` node reads, keeping the others in
/// order, and drops dead nodes on the way.
///
/// Contract: the only pass that changes the row ABI. The result's `inputs` are a
/// subsequence of the original ones (same names and kinds), and its outputs are
/// bit-identical to the original's on every row, once the row is encoded by slot
/// name for the new inputs. Callers encode rows from `graph.inputs` after
/// optimization, never from the pre-optimization schema. Changed exactly when
/// some node is dead or some slot unread; otherwise the graph is handed back.
#[derive(Clone, Copy, Debug, Default)]
pub struct ColumnPruning;

impl Pass for ColumnPruning {
    fn name(&self) -> &'static str {
        "column-pruning"
    }

    fn rewrite(&self, graph: Graph) -> Transformed<Graph> {
        let live = live_nodes(&graph);
        let mut used = vec![false; graph.inputs.len()];
        for (node, alive) in graph.nodes.iter().zip(&live) {
            if let (Op::Input { slot }, true) = (&node.op, alive) {
                if let Some(u) = used.get_mut(*slot as usize) {
                    *u = true;
                }
            }
        }
        if live.iter().chain(&used).all(|&x| x) {
            return Transformed::no(graph);
        }
        let mut new_slot = vec![u32::MAX; graph.inputs.len()];
        let mut next = 0u32;
        for (slot, &u) in used.iter().enumerate() {
            if u {
                new_slot[slot] = next;
                next += 1;
            }
        }
        let mut out = Rebuild::new(&graph);
        out.set_inputs(
            graph
                .inputs
                .iter()
                .zip(&used)
                .filter(|(_, u)| **u)
                .map(|(s, _)| s.clone())
                .collect(),
        );
        for (i, node) in graph.nodes.iter().enumerate() {
            if !live[i] {
                continue;
            }
            let op = match &node.op {
                Op::Input { slot } => Op::Input {
                    slot: new_slot.get(*slot as usize).copied().unwrap_or(u32::MAX),
                },
                other => out.remap(other),
            };
            let new = out.push(op, node.width);
            out.set(NodeId(i as u32), new);
        }
        Transformed::yes(out.finish(&graph))
    }
}
