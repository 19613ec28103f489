//! Tree inputs: a tree ensemble reads only the concat parts it splits on, so
//! the columns no split uses can be pruned from the row.

use super::{Pass, Rebuild, Transformed};
use crate::ir::{Graph, NodeId, Op, TreeNode};

/// For every [`Op::Trees`] whose `x` is an [`Op::Concat`] with parts no split
/// reads, pushes a narrower `Concat` of just the parts some split reads
/// (whole parts, in their order) and renumbers the split features into it.
///
/// Contract: every split reads the same value as before, so outputs are
/// bit-identical; the old concat is left for [`super::DeadNodes`], after which
/// [`super::ColumnPruning`] can drop the input slots nothing reads any more.
/// Changed exactly when some ensemble is narrowed (a new concat is pushed);
/// otherwise the graph is handed back.
#[derive(Clone, Copy, Debug, Default)]
pub struct TreeInputs;

impl Pass for TreeInputs {
    fn name(&self) -> &'static str {
        "tree-inputs"
    }

    fn rewrite(&self, graph: Graph) -> Transformed<Graph> {
        let mut out = Rebuild::new(&graph);
        let mut narrowed = false;
        for (i, node) in graph.nodes.iter().enumerate() {
            let op = match &node.op {
                Op::Trees { x, forest, walk } => match narrow(&graph, *x, forest) {
                    Some((parts, forest)) => {
                        narrowed = true;
                        let parts: Vec<NodeId> = parts.into_iter().map(|p| out.get(p)).collect();
                        let width = parts.iter().map(|&p| out.graph().node(p).width).sum();
                        let x = out.push(Op::Concat { parts }, width);
                        Op::Trees {
                            x,
                            forest: Box::new(forest),
                            walk: *walk,
                        }
                    }
                    None => out.remap(&node.op),
                },
                other => out.remap(other),
            };
            let new = out.push(op, node.width);
            out.set(NodeId(i as u32), new);
        }
        // Without a narrowed ensemble the rebuild is a copy.
        if narrowed {
            Transformed::yes(out.finish(&graph))
        } else {
            Transformed::no(graph)
        }
    }
}

/// The parts of concat `x` that `forest` reads and the forest renumbered onto
/// their concatenation, or `None` when `x` is not a concat or every part is read.
fn narrow(graph: &Graph, x: NodeId, forest: &crate::ir::Forest) -> Option<(Vec<NodeId>, crate::ir::Forest)> {
    let Op::Concat { parts } = &graph.node(x).op else {
        return None;
    };
    // part_of[j]: the part holding element j of x.
    let mut part_of = Vec::new();
    let mut start = Vec::with_capacity(parts.len());
    for (p, &id) in parts.iter().enumerate() {
        start.push(part_of.len());
        part_of.extend(std::iter::repeat_n(p, graph.node(id).width as usize));
    }
    let mut used = vec![false; parts.len()];
    for node in &forest.nodes {
        if let TreeNode::Split { feature, .. } = node {
            used[part_of[*feature as usize]] = true;
        }
    }
    if used.iter().all(|&u| u) {
        return None;
    }
    // new_start[p]: where kept part p begins in the narrowed concat.
    let mut new_start = vec![0usize; parts.len()];
    let mut kept = Vec::new();
    let mut width = 0;
    for (p, &id) in parts.iter().enumerate() {
        if used[p] {
            new_start[p] = width;
            width += graph.node(id).width as usize;
            kept.push(id);
        }
    }
    if kept.is_empty() {
        // A forest of leaves only reads nothing, but its op still needs an
        // operand: keep the first part.
        kept.push(parts[0]);
    }
    let mut forest = forest.clone();
    for node in &mut forest.nodes {
        if let TreeNode::Split { feature, .. } = node {
            let j = *feature as usize;
            let p = part_of[j];
            *feature = (new_start[p] + j - start[p]) as u32;
        }
    }
    Some((kept, forest))
}
