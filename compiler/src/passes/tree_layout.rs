//! Tree layout: picks how each tree-ensemble op is evaluated by native code.

use super::{Pass, Rebuild, Transformed};
use crate::ir::{Forest, Graph, NodeId, Op, TreeWalk};

/// Most trees compiled as native branches. Measured on random rows (`cargo
/// bench -p mlg-compiler --bench backends -- forest` and its table): one
/// tree of depth 8 runs at 36 M rows/s as branches against 28 M as a table,
/// but from 8 trees on the table walk, which steps 8 rows through a tree
/// together, wins by 2-3x (branch mispredictions dominate).
pub const BRANCH_MAX_TREES: usize = 2;

/// Largest ensemble (in nodes) compiled as native branches. Above it the code
/// grows past the instruction cache and Cranelift's compile time grows with
/// it (2 s for 200k nodes), while the table walk's loop stays the same size.
pub const BRANCH_MAX_NODES: usize = 1024;

/// Deepest tree compiled as native branches.
pub const BRANCH_MAX_DEPTH: usize = 12;

/// Sets the `walk` of every [`Op::Trees`] and [`Op::QuantTrees`] by a cost model of its size:
/// [`TreeWalk::Branches`] when the ensemble has at most [`BRANCH_MAX_TREES`]
/// trees, [`BRANCH_MAX_NODES`] nodes and no tree deeper than
/// [`BRANCH_MAX_DEPTH`], else [`TreeWalk::Table`].
///
/// Contract: only `walk` changes, so outputs are bit-identical; other ops are
/// copied unchanged. Changed exactly when some `walk` differs from the cost
/// model's choice; otherwise the graph is handed back.
#[derive(Clone, Copy, Debug, Default)]
pub struct TreeLayout;

/// The walk the cost model picks for `forest`.
pub fn choose_walk(forest: &Forest) -> TreeWalk {
    let small = forest.roots.len() <= BRANCH_MAX_TREES && forest.nodes.len() <= BRANCH_MAX_NODES;
    if small && forest.depths().into_iter().all(|d| d <= BRANCH_MAX_DEPTH) {
        TreeWalk::Branches
    } else {
        TreeWalk::Table
    }
}

impl Pass for TreeLayout {
    fn name(&self) -> &'static str {
        "tree-layout"
    }

    fn rewrite(&self, graph: Graph) -> Transformed<Graph> {
        let settled = graph.nodes.iter().all(|node| match &node.op {
            Op::Trees { forest, walk, .. } => *walk == choose_walk(forest),
            Op::QuantTrees { forest, walk, .. } => *walk == choose_walk(&forest.dequantize()),
            _ => true,
        });
        if settled {
            return Transformed::no(graph);
        }
        let mut out = Rebuild::new(&graph);
        for (i, node) in graph.nodes.iter().enumerate() {
            let op = match out.remap(&node.op) {
                Op::Trees { x, forest, .. } => {
                    let walk = choose_walk(&forest);
                    Op::Trees { x, forest, walk }
                }
                Op::QuantTrees { x, forest, .. } => {
                    let walk = choose_walk(&forest.dequantize());
                    Op::QuantTrees { x, forest, walk }
                }
                other => other,
            };
            let new = out.push(op, node.width);
            out.set(NodeId(i as u32), new);
        }
        Transformed::yes(out.finish(&graph))
    }
}
