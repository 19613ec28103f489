//! `TreeEnsembleRegressor` and `TreeEnsembleClassifier` (`ai.onnx.ml`) as
//! one IR `trees` op, with ONNX Runtime's aggregation:
//!
//! - splits `BRANCH_LEQ` and `BRANCH_LT` keep their true branch on the
//!   left; `BRANCH_GTE` and `BRANCH_GT` become `<` and `<=` with the
//!   branches swapped; a NaN goes to the true branch when
//!   `nodes_missing_value_tracks_true` says so, else to the false one;
//!   `BRANCH_EQ` and `BRANCH_NEQ` are refused;
//! - a regressor sums its leaves (`SUM`) or averages them over the trees
//!   (`AVERAGE`), then adds `base_values`;
//! - a classifier of three or more classes adds `base_values` to each
//!   class's sum, labels the largest and applies `post_transform`;
//! - a two-class classifier whose weights all go to class id 0 has one
//!   score `s` (plus `base_values[0]`): its scores are `[1 - s, s]` when
//!   every weight is non-negative (label: `s > 0.5`), else
//!   `[sigmoid(-s), sigmoid(s)]` under `LOGISTIC` or `[-s, s]` (label:
//!   `s > 0`). With weights for both ids and no `base_values`, the scores
//!   are the two sums, transformed, and the label is `s_1 > 0`. Other
//!   two-class forms are refused.

use super::tensor::Attrs;
use super::{class_labels, Lowering, Value};
use crate::error::ImportError;
use crate::lower::{at_most, below};
use crate::onnx::proto::NodeProto;
use mlg_compiler::ir::{BinaryOp, CompareOp, Forest, NodeId, Op, TreeNode, TreeWalk, UnaryFn};
use std::collections::HashMap;

/// One source node, before layout.
#[derive(Clone, Copy, Debug)]
enum Src {
    Split {
        feature: u32,
        threshold: f32,
        missing_left: bool,
        left: usize,
        right: usize,
    },
    Leaf,
}

/// The trees of `attrs` (leaf weights under `prefix`: `target` or `class`)
/// over a row of width `d`, each leaf of width `k`: the forest (base 0) and
/// the number of trees.
fn forest(attrs: &Attrs, prefix: &str, d: usize, k: usize) -> Result<(Forest, usize), ImportError> {
    let tree_ids = attrs.ints("nodes_treeids");
    let n = tree_ids.len();
    let node_ids = attrs.ints("nodes_nodeids");
    let features = attrs.ints("nodes_featureids");
    let modes = attrs.strings("nodes_modes");
    let mut thresholds: Vec<f64> = attrs.floats("nodes_values").into_iter().map(f64::from).collect();
    if thresholds.is_empty() {
        if let Some(t) = attrs.tensor("nodes_values_as_tensor")? {
            thresholds = t.nums(&attrs.at)?.to_vec();
        }
    }
    let trues = attrs.ints("nodes_truenodeids");
    let falses = attrs.ints("nodes_falsenodeids");
    let mut missing = attrs.ints("nodes_missing_value_tracks_true");
    if missing.is_empty() {
        missing = vec![0; n];
    }
    if n == 0 {
        return Err(attrs.malformed("no tree nodes"));
    }
    for (name, len) in [
        ("nodes_nodeids", node_ids.len()),
        ("nodes_featureids", features.len()),
        ("nodes_modes", modes.len()),
        ("nodes_values", thresholds.len()),
        ("nodes_truenodeids", trues.len()),
        ("nodes_falsenodeids", falses.len()),
        ("nodes_missing_value_tracks_true", missing.len()),
    ] {
        attrs.check_len(name, len, n)?;
    }
    // Trees in order of first appearance; nodes by (tree, node id).
    let mut trees: Vec<i64> = Vec::new();
    let mut index: HashMap<(i64, i64), usize> = HashMap::new();
    for i in 0..n {
        if !trees.contains(&tree_ids[i]) {
            trees.push(tree_ids[i]);
        }
        if index.insert((tree_ids[i], node_ids[i]), i).is_some() {
            return Err(attrs.malformed(format!("tree {} has node {} twice", tree_ids[i], node_ids[i])));
        }
    }
    let child = |i: usize, id: i64| {
        index.get(&(tree_ids[i], id)).copied().ok_or_else(|| {
            attrs.malformed(format!(
                "tree {} node {} has no child {id}",
                tree_ids[i], node_ids[i]
            ))
        })
    };
    let mut src = Vec::with_capacity(n);
    for i in 0..n {
        let at = || format!("tree {} node {}", tree_ids[i], node_ids[i]);
        let mode = modes[i].as_str();
        if mode == "LEAF" {
            src.push(Src::Leaf);
            continue;
        }
        let feature = usize::try_from(features[i])
            .ok()
            .filter(|&f| f < d)
            .ok_or_else(|| {
                attrs.malformed(format!("{}: feature {} of a row of width {d}", at(), features[i]))
            })?;
        let (t, f) = (child(i, trues[i])?, child(i, falses[i])?);
        let tracks = missing[i] != 0;
        let v = thresholds[i];
        let (threshold, left, right, missing_left) = match mode {
            "BRANCH_LEQ" => (at_most(v), t, f, tracks),
            "BRANCH_LT" => (below(v), t, f, tracks),
            "BRANCH_GT" => (at_most(v), f, t, !tracks),
            "BRANCH_GTE" => (below(v), f, t, !tracks),
            other => return Err(attrs.unsupported(format!("{}: the split mode {other}", at()))),
        };
        if v.is_nan() {
            return Err(attrs.malformed(format!("{}: a NaN threshold", at())));
        }
        src.push(Src::Split {
            feature: feature as u32,
            threshold,
            missing_left,
            left,
            right,
        });
    }
    // Leaf weights.
    let w_trees = attrs.ints(&format!("{prefix}_treeids"));
    let w_nodes = attrs.ints(&format!("{prefix}_nodeids"));
    let w_ids = attrs.ints(&format!("{prefix}_ids"));
    let mut weights: Vec<f64> = attrs
        .floats(&format!("{prefix}_weights"))
        .into_iter()
        .map(f64::from)
        .collect();
    if weights.is_empty() {
        if let Some(t) = attrs.tensor(&format!("{prefix}_weights_as_tensor"))? {
            weights = t.nums(&attrs.at)?.to_vec();
        }
    }
    for (name, len) in [
        ("treeids", w_trees.len()),
        ("nodeids", w_nodes.len()),
        ("weights", weights.len()),
    ] {
        attrs.check_len(&format!("{prefix}_{name}"), len, w_ids.len())?;
    }
    let mut leaf_values: HashMap<usize, Vec<f64>> = HashMap::new();
    for j in 0..w_ids.len() {
        let i = *index.get(&(w_trees[j], w_nodes[j])).ok_or_else(|| {
            attrs.malformed(format!(
                "a weight for tree {} node {}, which does not exist",
                w_trees[j], w_nodes[j]
            ))
        })?;
        if !matches!(src[i], Src::Leaf) {
            return Err(attrs.malformed(format!(
                "a weight for tree {} node {}, which is not a leaf",
                w_trees[j], w_nodes[j]
            )));
        }
        let out = usize::try_from(w_ids[j])
            .ok()
            .filter(|&o| o < k)
            .ok_or_else(|| attrs.malformed(format!("a weight for output {} of {k}", w_ids[j])))?;
        leaf_values.entry(i).or_insert_with(|| vec![0.0; k])[out] += weights[j];
    }
    // Layout: each tree breadth first from its root (the node no other names).
    let mut is_child = vec![false; n];
    for s in &src {
        if let Src::Split { left, right, .. } = *s {
            is_child[left] = true;
            is_child[right] = true;
        }
    }
    let mut out = Forest {
        nodes: Vec::new(),
        roots: Vec::new(),
        leaves: Vec::new(),
        base: vec![0.0; k],
    };
    let mut placed = vec![false; n];
    // Each tree's root candidates, found in one pass (not one pass per tree).
    let mut tops: HashMap<i64, Vec<usize>> = HashMap::new();
    for i in (0..n).filter(|&i| !is_child[i]) {
        tops.entry(tree_ids[i]).or_default().push(i);
    }
    for &tree in &trees {
        let roots = tops.remove(&tree).unwrap_or_default();
        let [root] = roots.as_slice() else {
            return Err(attrs.malformed(format!(
                "tree {tree} has {} roots (a cycle, or nodes not reached)",
                roots.len()
            )));
        };
        let offset = out.nodes.len();
        out.roots.push(offset as u32);
        let mut order = vec![*root];
        let mut k_at = 0;
        while k_at < order.len() {
            let i = order[k_at];
            if std::mem::replace(&mut placed[i], true) {
                return Err(attrs.malformed(format!("tree {tree}: node {} is reached twice", node_ids[i])));
            }
            if let Src::Split { left, right, .. } = src[i] {
                order.extend([left, right]);
            }
            k_at += 1;
        }
        let mut place = HashMap::new();
        for (p, &i) in order.iter().enumerate() {
            place.insert(i, (offset + p) as u32);
        }
        for &i in &order {
            out.nodes.push(match src[i] {
                Src::Leaf => {
                    let at = out.leaves.len();
                    let v = leaf_values.get(&i).cloned().unwrap_or_else(|| vec![0.0; k]);
                    out.leaves.extend(v.iter().map(|&x| x as f32));
                    TreeNode::Leaf { value: at as u32 }
                }
                Src::Split {
                    feature,
                    threshold,
                    missing_left,
                    left,
                    right,
                } => TreeNode::Split {
                    feature,
                    threshold,
                    missing_left,
                    left: place[&left],
                    right: place[&right],
                },
            });
        }
    }
    if let Some(i) = (0..n).find(|&i| !placed[i]) {
        return Err(attrs.malformed(format!(
            "tree {} node {} is not reached from its root",
            tree_ids[i], node_ids[i]
        )));
    }
    out.check(d).map_err(|m| attrs.malformed(m))?;
    Ok((out, trees.len()))
}

/// Lowers a tree-ensemble node.
pub(super) fn lower(
    low: &mut Lowering,
    node: &NodeProto,
    op: &str,
    attrs: &Attrs,
) -> Result<(), ImportError> {
    let at = attrs.at.as_str();
    let x = low.row_only(node, 0, at)?;
    let d = low.width(x);
    let base: Vec<f32> = attrs.floats("base_values");
    let post = attrs.string("post_transform", "NONE");
    let trees_op = |low: &mut Lowering, forest: Forest| {
        low.push(
            Op::Trees {
                x,
                forest: Box::new(forest),
                walk: TreeWalk::default(),
            },
            at,
        )
    };
    if op == "TreeEnsembleRegressor" {
        let k = attrs.int("n_targets", 1).max(1) as usize;
        if post != "NONE" {
            return Err(attrs.unsupported(format!("TreeEnsembleRegressor with post_transform {post}")));
        }
        let (mut forest, n_trees) = forest(attrs, "target", d, k)?;
        // ONNX Runtime adds base values only when there is one per target.
        let base = if base.len() == k { base } else { vec![0.0; k] };
        let y = match attrs.string("aggregate_function", "SUM").as_str() {
            "SUM" => {
                forest.base = base;
                trees_op(low, forest)?
            }
            "AVERAGE" => {
                let sum = trees_op(low, forest)?;
                let mul = vec![1.0 / n_trees as f32; k];
                low.push(
                    Op::Scale {
                        x: sum,
                        mul,
                        add: base,
                    },
                    at,
                )?
            }
            other => return Err(attrs.unsupported(format!("aggregate_function {other}"))),
        };
        low.bind(node, 0, Value::Row(y));
        return Ok(());
    }
    let classes = class_labels(attrs, "classlabels_int64s", "classlabels_strings");
    let c = classes.len();
    if c < 2 {
        return Err(attrs.malformed(format!("{c} class labels")));
    }
    let ids = attrs.ints("class_ids");
    let all_zero = ids.iter().all(|&i| i == 0);
    let (index, scores) = if c > 2 {
        let (mut forest, _) = forest(attrs, "class", d, c)?;
        if !base.is_empty() {
            attrs.check_len("base_values", base.len(), c)?;
            forest.base = base;
        }
        let raw = trees_op(low, forest)?;
        let index = low.push(Op::Argmax { x: raw }, at)?;
        (index, super::ml::post_transform(low, raw, attrs)?)
    } else if all_zero {
        let (mut forest, _) = forest(attrs, "class", d, 1)?;
        match base.len() {
            0 => {}
            1 => forest.base = base,
            n => {
                return Err(
                    attrs.unsupported(format!("a two-class ensemble with one score and {n} base values"))
                )
            }
        }
        let positive = attrs.floats("class_weights").iter().all(|&w| w >= 0.0);
        let s = trees_op(low, forest)?;
        binary(low, s, positive, &post, attrs)?
    } else if base.is_empty() {
        let (forest, _) = forest(attrs, "class", d, 2)?;
        let raw = trees_op(low, forest)?;
        // The label is `s_1 > 0`: column 1 of the sums.
        let s1 = low.push(
            Op::Affine {
                x: raw,
                weights: vec![0.0, 1.0],
                bias: vec![0.0],
                missing: Vec::new(),
            },
            at,
        )?;
        let index = low.compare_to(CompareOp::Gt, s1, 0.0, at)?;
        (index, super::ml::post_transform(low, raw, attrs)?)
    } else {
        return Err(attrs.unsupported("a two-class ensemble with weights for both classes and base values"));
    };
    low.integral.insert(index);
    low.bind(node, 0, Value::Label { index, classes });
    low.bind(node, 1, Value::Row(scores));
    Ok(())
}

/// The two-class scores and label from one score `s` (see the module doc).
fn binary(
    low: &mut Lowering,
    s: NodeId,
    positive: bool,
    post: &str,
    attrs: &Attrs,
) -> Result<(NodeId, NodeId), ImportError> {
    let at = attrs.at.as_str();
    if post == "PROBIT" || post == "SOFTMAX_ZERO" {
        return Err(attrs.unsupported(format!("post_transform {post}")));
    }
    let cut = if positive { 0.5 } else { 0.0 };
    let index = low.compare_to(CompareOp::Gt, s, cut, at)?;
    let (p0, p1) = if positive {
        let one = low.push(Op::Const { values: vec![1.0] }, at)?;
        (
            low.push(
                Op::Binary {
                    op: BinaryOp::Sub,
                    a: one,
                    b: s,
                },
                at,
            )?,
            s,
        )
    } else {
        let neg = low.push(
            Op::Unary {
                func: UnaryFn::Neg,
                x: s,
            },
            at,
        )?;
        if post == "LOGISTIC" {
            let p0 = low.push(
                Op::Unary {
                    func: UnaryFn::Sigmoid,
                    x: neg,
                },
                at,
            )?;
            (
                p0,
                low.push(
                    Op::Unary {
                        func: UnaryFn::Sigmoid,
                        x: s,
                    },
                    at,
                )?,
            )
        } else {
            (neg, s)
        }
    };
    let scores = low.push(Op::Concat { parts: vec![p0, p1] }, at)?;
    Ok((index, scores))
}
