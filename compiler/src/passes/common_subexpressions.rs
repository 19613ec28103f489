//! Common-subexpression elimination: a computation that appears twice (the
//! same preprocessing lowered once per ensemble member) is computed once.

use std::collections::HashMap;

use super::{Pass, Rebuild};
use crate::ir::{Graph, NodeId};

/// Maps every node whose op (operands renumbered) and width equal an earlier
/// node's onto that earlier node, so consumers share it.
///
/// Contract: ops are pure functions of their operands, so sharing gives
/// bit-identical outputs; the first occurrence is kept in place and later
/// duplicates are dropped.
#[derive(Clone, Copy, Debug, Default)]
pub struct CommonSubexpressions;

impl Pass for CommonSubexpressions {
    fn name(&self) -> &'static str {
        "common-subexpressions"
    }

    fn run(&self, graph: &Graph) -> Graph {
        let mut out = Rebuild::new(graph);
        // Keyed by the op's debug form, in which NaN constants compare equal.
        let mut seen: HashMap<(String, u32), NodeId> = HashMap::new();
        for (i, node) in graph.nodes.iter().enumerate() {
            let op = out.remap(&node.op);
            let key = (format!("{op:?}"), node.width);
            let id = match seen.get(&key) {
                Some(&earlier) => earlier,
                None => {
                    let id = out.push(op, node.width);
                    seen.insert(key, id);
                    id
                }
            };
            out.set(NodeId(i as u32), id);
        }
        out.finish(graph)
    }
}
