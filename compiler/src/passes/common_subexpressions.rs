//! Common-subexpression elimination: a computation that appears twice (the
//! same preprocessing lowered once per ensemble member) is computed once.

use std::collections::HashMap;

use super::{Pass, Rebuild, Transformed};
use crate::ir::{Graph, NodeId};

/// Maps every node whose op (operands renumbered) and width equal an earlier
/// node's onto that earlier node, so consumers share it.
///
/// Contract: ops are pure functions of their operands, so sharing gives
/// bit-identical outputs; the first occurrence is kept in place and later
/// duplicates are dropped. Changed exactly when some duplicate is dropped;
/// otherwise the graph is handed back.
#[derive(Clone, Copy, Debug, Default)]
pub struct CommonSubexpressions;

impl Pass for CommonSubexpressions {
    fn name(&self) -> &'static str {
        "common-subexpressions"
    }

    fn rewrite(&self, graph: Graph) -> Transformed<Graph> {
        let mut out = Rebuild::new(&graph);
        let mut shared = false;
        // Keyed by the op's debug form, in which NaN constants compare equal.
        let mut seen: HashMap<(String, u32), NodeId> = HashMap::new();
        for (i, node) in graph.nodes.iter().enumerate() {
            let op = out.remap(&node.op);
            let key = (format!("{op:?}"), node.width);
            let id = match seen.get(&key) {
                Some(&earlier) => {
                    shared = true;
                    earlier
                }
                None => {
                    let id = out.push(op, node.width);
                    seen.insert(key, id);
                    id
                }
            };
            out.set(NodeId(i as u32), id);
        }
        // Without a duplicate every node kept its id: the rebuild is a copy.
        if shared {
            Transformed::yes(out.finish(&graph))
        } else {
            Transformed::no(graph)
        }
    }
}
