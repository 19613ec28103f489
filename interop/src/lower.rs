//! Lowers an imported [`Ensemble`] to the inference IR: one `trees` op over
//! the input columns (plus one indicator column per distinct categorical
//! split), and the head its link asks for. The IR's split is `x <= t` with
//! an `f32` `t` and one rule for NaN, so:
//!
//! - `x <= t` (an `f64` `t`) becomes `x <= t'` with `t'` the largest `f32`
//!   not above `t`, and `x < t` the largest `f32` below `t`: the same
//!   decision for every `f32` input;
//! - a categorical split `trunc(x) ∈ S` becomes an indicator column,
//!   `Lookup(Bucketize(x))` (buckets: `x <= -1`, then `(-1, 1)` for 0, then
//!   `[k, k + 1)` for each `k` up to the largest member of `S`, then the
//!   rest), split at 0.5 with its children swapped;
//! - leaves become `f32` (times the ensemble's leaf scale), of the raw
//!   output width, zero outside the tree's output;
//! - nodes are renumbered breadth first, so children follow their parent.
//!
//! Heads: the value (identity), `exp` of it, `[1 - p, p]` with
//! `p = sigmoid(raw)`, or `softmax(raw)`; classifiers also output the
//! `argmax` as `class`.

use crate::ensemble::{Ensemble, Link, Node, Test};
use crate::error::ImportError;
use mlg_compiler::ir::{
    BinaryOp, Forest, Graph, GraphBuilder, InputSlot, NodeId, Op, SlotKind, TreeNode, TreeWalk, UnaryFn,
};
use std::collections::{HashMap, VecDeque};

/// The largest category a categorical split may name (its indicator's table
/// holds one value per category up to it).
pub const MAX_CATEGORY: u32 = 1 << 20;

/// The most values all indicator tables may hold together (64 MiB).
pub const MAX_TABLE_VALUES: usize = 1 << 24;

/// Checks that `nodes` form one tree rooted at node 0: every child index is
/// in range and every node is reached exactly once.
pub fn check_tree(nodes: &[Node]) -> Result<(), String> {
    let mut seen = vec![false; nodes.len()];
    let mut queue = VecDeque::from([0usize]);
    let mut reached = 0;
    while let Some(i) = queue.pop_front() {
        let Some(node) = nodes.get(i) else {
            return Err(format!("node {i} does not exist"));
        };
        if std::mem::replace(&mut seen[i], true) {
            return Err(format!("node {i} is reached twice (not a tree)"));
        }
        reached += 1;
        if let Node::Split { left, right, .. } = node {
            queue.extend([*left, *right]);
        }
    }
    if reached != nodes.len() {
        return Err(format!(
            "{} of {} nodes are not reached from the root",
            nodes.len() - reached,
            nodes.len()
        ));
    }
    Ok(())
}

/// The largest `f32` not above `t` (`x <= t` for `f32` `x` is `x <= it`).
pub(crate) fn at_most(t: f64) -> f32 {
    let f = t as f32;
    if f64::from(f) > t {
        f.next_down()
    } else {
        f
    }
}

/// The largest `f32` below `t` (`x < t` for `f32` `x` is `x <= it`).
pub(crate) fn below(t: f64) -> f32 {
    let f = t as f32;
    if f64::from(f) >= t {
        f.next_down()
    } else {
        f
    }
}

/// `ensemble` as an inference graph named `name`.
pub fn lower(ensemble: &Ensemble, name: &str) -> Result<Graph, ImportError> {
    let err = |e: mlg_compiler::ir::VerifyError| ImportError::Lowering(e.to_string());
    let inputs: Vec<InputSlot> = ensemble
        .features
        .iter()
        .map(|f| InputSlot {
            name: f.clone(),
            kind: SlotKind::Numeric,
        })
        .collect();
    let n = inputs.len();
    let mut b = GraphBuilder::new(name, inputs);
    let mut columns: Vec<NodeId> = (0..n as u32)
        .map(|s| b.input(s))
        .collect::<Result<_, _>>()
        .map_err(err)?;
    // One indicator column per distinct (feature, set).
    let mut indicators: HashMap<(usize, &[u32]), u32> = HashMap::new();
    let mut table_values = 0usize;
    for tree in &ensemble.trees {
        for node in &tree.nodes {
            if let Node::Split {
                feature,
                test: Test::InSet(set),
                ..
            } = node
            {
                if indicators.contains_key(&(*feature, set.as_slice())) {
                    continue;
                }
                let column = *columns
                    .get(*feature)
                    .ok_or_else(|| ImportError::Lowering(format!("feature {feature} is not an input")))?;
                let top = set.last().copied().unwrap_or(0);
                if top > MAX_CATEGORY {
                    return Err(ImportError::Unsupported {
                        format: ensemble.source,
                        what: format!("a categorical split on category {top} (at most {MAX_CATEGORY})"),
                    });
                }
                table_values += top as usize + 3;
                if table_values > MAX_TABLE_VALUES {
                    return Err(ImportError::Unsupported {
                        format: ensemble.source,
                        what: format!("categorical splits whose sets hold more than {MAX_TABLE_VALUES} categories in all"),
                    });
                }
                let mut edges = vec![(-1.0f32).next_up()];
                edges.extend((1..=top + 1).map(|k| k as f32));
                let mut table = vec![0.0f32; top as usize + 3];
                for &c in set {
                    table[c as usize + 1] = 1.0;
                }
                let bucket = b.push(Op::Bucketize { x: column, edges }).map_err(err)?;
                let flag = b
                    .push(Op::Lookup {
                        x: bucket,
                        table,
                        default: 0.0,
                    })
                    .map_err(err)?;
                indicators.insert((*feature, set.as_slice()), columns.len() as u32);
                columns.push(flag);
            }
        }
    }
    let x = b.push(Op::Concat { parts: columns }).map_err(err)?;
    let forest = forest(ensemble, &indicators)?;
    let raw = b
        .push(Op::Trees {
            x,
            forest: Box::new(forest),
            walk: TreeWalk::default(),
        })
        .map_err(err)?;
    match ensemble.link {
        Link::Identity => b.output("prediction", raw),
        Link::Exp => {
            let value = b
                .push(Op::Unary {
                    func: UnaryFn::Exp,
                    x: raw,
                })
                .map_err(err)?;
            b.output("prediction", value);
        }
        Link::Sigmoid | Link::Softmax => {
            let proba = if ensemble.link == Link::Sigmoid {
                let p1 = b
                    .push(Op::Unary {
                        func: UnaryFn::Sigmoid,
                        x: raw,
                    })
                    .map_err(err)?;
                let one = b.push(Op::Const { values: vec![1.0] }).map_err(err)?;
                let p0 = b.binary(BinaryOp::Sub, one, p1).map_err(err)?;
                b.push(Op::Concat { parts: vec![p0, p1] }).map_err(err)?
            } else {
                b.push(Op::Softmax { x: raw }).map_err(err)?
            };
            let class = b.push(Op::Argmax { x: proba }).map_err(err)?;
            b.output("class", class);
            b.output("proba", proba);
        }
    }
    b.finish().map_err(err)
}

/// The IR forest of `ensemble`, categorical splits reading the indicator
/// columns `indicators` names.
fn forest(ensemble: &Ensemble, indicators: &HashMap<(usize, &[u32]), u32>) -> Result<Forest, ImportError> {
    let width = ensemble.n_outputs;
    let mut forest = Forest {
        nodes: Vec::new(),
        roots: Vec::new(),
        leaves: Vec::new(),
        base: ensemble.base.iter().map(|&v| v as f32).collect(),
    };
    for (t, tree) in ensemble.trees.iter().enumerate() {
        check_tree(&tree.nodes).map_err(|m| ImportError::Lowering(format!("tree {t}: {m}")))?;
        if tree.output >= width {
            return Err(ImportError::Lowering(format!(
                "tree {t} adds to output {} of {width}",
                tree.output
            )));
        }
        let offset = forest.nodes.len() as u32;
        forest.roots.push(offset);
        // Breadth-first order: `order[k]` is the source node placed k-th.
        let mut order = vec![0usize];
        let mut place = vec![0u32; tree.nodes.len()];
        let mut k = 0;
        while k < order.len() {
            place[order[k]] = offset + k as u32;
            if let Node::Split { left, right, .. } = tree.nodes[order[k]] {
                order.extend([left, right]);
            }
            k += 1;
        }
        for &i in &order {
            let node = match &tree.nodes[i] {
                Node::Leaf(v) => {
                    let at = forest.leaves.len();
                    forest.leaves.resize(at + width, 0.0);
                    forest.leaves[at + tree.output] = (v * ensemble.leaf_scale) as f32;
                    TreeNode::Leaf { value: at as u32 }
                }
                Node::Split {
                    feature,
                    test,
                    missing_left,
                    left,
                    right,
                } => {
                    let (feature, threshold, missing_left, left, right) = match test {
                        Test::LessOrEqual(t) => (*feature as u32, at_most(*t), *missing_left, *left, *right),
                        Test::Less(t) => (*feature as u32, below(*t), *missing_left, *left, *right),
                        // The indicator is 1 in the set: `<= 0.5` is the source's right.
                        Test::InSet(set) => {
                            (indicators[&(*feature, set.as_slice())], 0.5, false, *right, *left)
                        }
                    };
                    TreeNode::Split {
                        feature,
                        threshold,
                        missing_left,
                        left: place[left],
                        right: place[right],
                    }
                }
            };
            forest.nodes.push(node);
        }
    }
    Ok(forest)
}
