//! Tree layout: picks how each tree-ensemble op is evaluated by native code.

use super::{Pass, Rebuild, Transformed};
use crate::ir::{Forest, Graph, NodeId, Op, TreeNode, TreeWalk};
use std::collections::HashMap;

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

/// Instructions per row and step of the table walk (`benches/results/chain_walk.md`).
const TABLE_STEP: f64 = 7.0;

/// Instructions per row and tree of the table walk's leaf (adding its value).
const TABLE_LEAF: f64 = 4.0;

/// Instructions per row and step of the chained walk, the check included.
const CHAIN_STEP: f64 = 10.0;

/// How much cheaper the chained walk must look before it is picked: its rows
/// roam the whole table instead of one tree, so a tie goes to the table (on
/// the benchmark boosting model, 7.96 chained steps per tree against 10.85
/// table steps ran 5-12% slower).
const CHAIN_MARGIN: f64 = 0.8;

/// Sets the `walk` of every [`Op::Trees`] and [`Op::QuantTrees`] by a cost model of its size:
/// [`TreeWalk::Branches`] when the ensemble has at most [`BRANCH_MAX_TREES`]
/// trees, [`BRANCH_MAX_NODES`] nodes and no tree deeper than
/// [`BRANCH_MAX_DEPTH`]; else, for a one-output [`Op::Trees`],
/// [`TreeWalk::Chain`] when its rows are expected to stop far above the
/// trees' depth (see [`chain_pays`]); else [`TreeWalk::Table`].
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
    } else if forest.width() == 1 && chain_pays(forest) {
        TreeWalk::Chain
    } else {
        TreeWalk::Table
    }
}

/// Whether the chained walk is expected to be cheaper than the table walk
/// for `forest`. The table walk takes every tree's depth `D` in steps; a
/// chained row takes its path's splits plus one step through the leaf. The
/// path's expected length `E` comes from the splits alone: a split at
/// threshold `t` on feature `f` is taken to send left the share of rows
/// that `t`'s rank among the distinct thresholds on `f` in the whole forest
/// says, `(rank + 1/2) / count`. Histogram-built trees (mlg's boosting,
/// LightGBM, XGBoost `hist`) split at quantile bin edges, so their
/// thresholds sample each feature's distribution: on the benchmark boosting
/// model (100 trees of 31 leaves) `E` = 6.95 against 6.98 splits measured
/// on its test rows (`D` = 11.01), and on a LightGBM model of 500 trees of
/// 31 leaves (`benches/import_lightgbm.py`) 3.36 against 3.41 (`D` =
/// 10.18). Picked when `sum (E + 1) * CHAIN_STEP < CHAIN_MARGIN * sum (D *
/// TABLE_STEP + TABLE_LEAF)`.
pub fn chain_pays(forest: &Forest) -> bool {
    let mut thresholds: HashMap<u32, Vec<f32>> = HashMap::new();
    for node in &forest.nodes {
        if let TreeNode::Split {
            feature, threshold, ..
        } = *node
        {
            thresholds.entry(feature).or_default().push(threshold);
        }
    }
    for t in thresholds.values_mut() {
        t.sort_by(f32::total_cmp);
        t.dedup();
    }
    let share = |feature: u32, threshold: f32| {
        let t = &thresholds[&feature];
        (t.partition_point(|&v| v.total_cmp(&threshold).is_lt()) as f64 + 0.5) / t.len() as f64
    };
    let (mut chain, mut table) = (0.0, 0.0);
    for t in 0..forest.roots.len() {
        let range = forest.tree(t);
        // Each node's depth and the share of rows reaching it.
        let mut depth = vec![0u32; range.len()];
        let mut reach = vec![0.0f64; range.len()];
        reach[0] = 1.0;
        let (mut expected, mut deepest) = (0.0f64, 0u32);
        for i in range.clone() {
            let (here, p) = (depth[i - range.start], reach[i - range.start]);
            match forest.nodes[i] {
                TreeNode::Split {
                    feature,
                    threshold,
                    left,
                    right,
                    ..
                } => {
                    let q = share(feature, threshold);
                    let (l, r) = (left as usize - range.start, right as usize - range.start);
                    (depth[l], depth[r]) = (here + 1, here + 1);
                    (reach[l], reach[r]) = (p * q, p * (1.0 - q));
                }
                TreeNode::Leaf { .. } => {
                    expected += p * f64::from(here);
                    deepest = deepest.max(here);
                }
            }
        }
        chain += (expected + 1.0) * CHAIN_STEP;
        table += f64::from(deepest) * TABLE_STEP + TABLE_LEAF;
    }
    chain < CHAIN_MARGIN * table
}

/// The walk of a quantized forest: as [`choose_walk`], but its compact
/// records are walked tree by tree, never chained.
fn quant_walk(forest: &Forest) -> TreeWalk {
    match choose_walk(forest) {
        TreeWalk::Chain => TreeWalk::Table,
        walk => walk,
    }
}

impl Pass for TreeLayout {
    fn name(&self) -> &'static str {
        "tree-layout"
    }

    fn rewrite(&self, graph: Graph) -> Transformed<Graph> {
        // Each ensemble's walk, estimated once: `None` where it holds already.
        let walks: Vec<Option<TreeWalk>> = graph
            .nodes
            .iter()
            .map(|node| {
                let (now, best) = match &node.op {
                    Op::Trees { forest, walk, .. } => (*walk, choose_walk(forest)),
                    Op::QuantTrees { forest, walk, .. } => (*walk, quant_walk(&forest.dequantize())),
                    _ => return None,
                };
                (now != best).then_some(best)
            })
            .collect();
        if walks.iter().all(Option::is_none) {
            return Transformed::no(graph);
        }
        let mut out = Rebuild::new(&graph);
        for (i, (node, best)) in graph.nodes.iter().zip(walks).enumerate() {
            let op = match (out.remap(&node.op), best) {
                (Op::Trees { x, forest, .. }, Some(walk)) => Op::Trees { x, forest, walk },
                (Op::QuantTrees { x, forest, .. }, Some(walk)) => Op::QuantTrees { x, forest, walk },
                (other, _) => other,
            };
            let new = out.push(op, node.width);
            out.set(NodeId(i as u32), new);
        }
        Transformed::yes(out.finish(&graph))
    }
}
