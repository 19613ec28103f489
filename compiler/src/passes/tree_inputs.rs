//! Tree inputs: a tree ensemble reads only the concat parts it splits on, so
//! the columns no split uses can be pruned from the row.

use super::{Pass, Rebuild, Transformed};
use crate::ir::{Forest, Graph, NodeId, Op, QuantForest, QuantNode, TreeNode};

/// For every [`Op::Trees`] or [`Op::QuantTrees`] whose `x` is an [`Op::Concat`] with parts no split
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
            let narrowing = match &node.op {
                Op::Trees { x, forest, walk } => {
                    narrow(&graph, *x, split_features(forest)).map(|(parts, map)| {
                        let mut forest = forest.clone();
                        for node in &mut forest.nodes {
                            if let TreeNode::Split { feature, .. } = node {
                                *feature = map[*feature as usize];
                            }
                        }
                        let rebuild: Box<dyn FnOnce(NodeId) -> Op> = Box::new(move |x| Op::Trees {
                            x,
                            forest,
                            walk: *walk,
                        });
                        (parts, rebuild)
                    })
                }
                Op::QuantTrees { x, forest, walk } => {
                    narrow(&graph, *x, quant_split_features(forest)).map(|(parts, map)| {
                        let mut forest = forest.clone();
                        for node in &mut forest.nodes {
                            if let QuantNode::Split { feature, .. } = node {
                                *feature = map[*feature as usize];
                            }
                        }
                        let width = map.iter().filter(|&&m| m != UNUSED).count();
                        let mut edges = vec![Vec::new(); width];
                        for (old, &new) in map.iter().enumerate() {
                            if new != UNUSED {
                                edges[new as usize] = std::mem::take(&mut forest.edges[old]);
                            }
                        }
                        forest.edges = edges;
                        let rebuild: Box<dyn FnOnce(NodeId) -> Op> = Box::new(move |x| Op::QuantTrees {
                            x,
                            forest,
                            walk: *walk,
                        });
                        (parts, rebuild)
                    })
                }
                _ => None,
            };
            let op = match narrowing {
                Some((parts, rebuild)) => {
                    narrowed = true;
                    let parts: Vec<NodeId> = parts.into_iter().map(|p| out.get(p)).collect();
                    let width = parts.iter().map(|&p| out.graph().node(p).width).sum();
                    let x = out.push(Op::Concat { parts }, width);
                    rebuild(x)
                }
                None => out.remap(&node.op),
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

/// The map entry of an element of `x` that the narrowed concat drops.
const UNUSED: u32 = u32::MAX;

/// The features the splits of `forest` read.
fn split_features(forest: &Forest) -> Vec<u32> {
    forest
        .nodes
        .iter()
        .filter_map(|n| match n {
            TreeNode::Split { feature, .. } => Some(*feature),
            TreeNode::Leaf { .. } => None,
        })
        .collect()
}

/// The features the splits of the quantized `forest` read.
fn quant_split_features(forest: &QuantForest) -> Vec<u32> {
    forest
        .nodes
        .iter()
        .filter_map(|n| match n {
            QuantNode::Split { feature, .. } => Some(*feature),
            QuantNode::Leaf { .. } => None,
        })
        .collect()
}

/// The parts of concat `x` holding some of the `features` read, and for every
/// element of `x` its index in their concatenation ([`UNUSED`] for elements
/// of dropped parts), or `None` when `x` is not a concat or every part is read.
fn narrow(graph: &Graph, x: NodeId, features: Vec<u32>) -> Option<(Vec<NodeId>, Vec<u32>)> {
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
    for feature in features {
        used[part_of[feature as usize]] = true;
    }
    if used.iter().all(|&u| u) {
        return None;
    }
    let mut map = vec![UNUSED; part_of.len()];
    let mut kept = Vec::new();
    let mut width = 0u32;
    for (p, &id) in parts.iter().enumerate() {
        let w = graph.node(id).width;
        if used[p] {
            for (j, m) in map.iter_mut().skip(start[p]).take(w as usize).enumerate() {
                *m = width + j as u32;
            }
            width += w;
            kept.push(id);
        }
    }
    if kept.is_empty() {
        // A forest of leaves only reads nothing, but its op still needs an
        // operand: keep the first part (its elements stay unread).
        kept.push(parts[0]);
        let w = graph.node(parts[0]).width as usize;
        for (j, m) in map.iter_mut().take(w).enumerate() {
            *m = j as u32;
        }
    }
    Some((kept, map))
}
