//! Lowering fitted trees to the inference IR's tree-ensemble op
//! ([`Op::Trees`]), and the decision tree's [`FittedModel`] implementation.

use super::*;
use crate::op::OpError;
use crate::registry::invalid;
use mlg_compiler::ir::{Forest, GraphBuilder, NodeId, Op, TreeNode as IrNode, TreeWalk};

/// An empty ensemble of width `k` whose sum starts at `base`.
pub(crate) fn empty_forest(base: Vec<f32>) -> Forest {
    Forest {
        nodes: Vec::new(),
        roots: Vec::new(),
        leaves: Vec::new(),
        base,
    }
}

/// Appends one tree to `forest`: `nodes[i]` is `(split, missing_left, leaf
/// value)` with `split = (feature, threshold, left, right)` (children after
/// their parent, indices within the tree); a leaf's value has the forest's
/// width. A NaN feature value goes left where `missing_left`, else right, as
/// in the fitted models' own prediction.
pub(crate) fn push_tree<'a>(
    forest: &mut Forest,
    nodes: impl ExactSizeIterator<Item = (Option<(usize, f32, usize, usize)>, bool, &'a [f32])>,
) {
    let offset = forest.nodes.len() as u32;
    forest.roots.push(offset);
    for (split, missing_left, value) in nodes {
        let node = match split {
            Some((feature, threshold, left, right)) => IrNode::Split {
                feature: feature as u32,
                threshold,
                missing_left,
                left: offset + left as u32,
                right: offset + right as u32,
            },
            None => {
                let at = forest.leaves.len() as u32;
                forest.leaves.extend_from_slice(value);
                IrNode::Leaf { value: at }
            }
        };
        forest.nodes.push(node);
    }
}

/// Pushes `Op::Trees` over the width-`n_features` `features` (walk chosen
/// later by the `tree_layout` pass), or an error for operator `op` when the
/// widths disagree or the tables are malformed.
pub(crate) fn push_trees(
    op: &str,
    builder: &mut GraphBuilder,
    features: NodeId,
    n_features: usize,
    forest: Forest,
) -> Result<NodeId, OpError> {
    crate::models::check_feature_width(builder, op, features, n_features)?;
    if forest.roots.is_empty() {
        return Err(invalid(op, "the model has no trees"));
    }
    builder
        .push(Op::Trees {
            x: features,
            forest: Box::new(forest),
            walk: TreeWalk::default(),
        })
        .map_err(|source| OpError::Lowering {
            op: op.to_string(),
            source,
        })
}

impl FittedTree {
    /// Appends this tree (leaf values: class probabilities or `[mean]`, as
    /// `f32`) to `forest`.
    pub(crate) fn push_to(&self, forest: &mut Forest) {
        let values: Vec<Vec<f32>> = self
            .nodes
            .iter()
            .map(|n| {
                if n.split.is_none() {
                    n.value.iter().map(|&v| v as f32).collect()
                } else {
                    Vec::new()
                }
            })
            .collect();
        push_tree(
            forest,
            self.nodes.iter().zip(&values).map(|(n, v)| {
                let split = n
                    .split
                    .as_ref()
                    .map(|s| (s.feature, s.threshold32, s.left, s.right));
                (split, false, v.as_slice())
            }),
        );
    }

    /// Width of the leaf values (labels, or 1 for a regressor).
    pub(crate) fn value_width(&self) -> usize {
        self.nodes.first().map_or(1, |n| n.value.len())
    }
}

impl FittedModel for FittedTree {
    /// Classifier: the class code with the largest leaf probability (lower
    /// code on ties, compared as `f32` like the graph). Regressor: the leaf mean.
    fn predict(&self, x: &Matrix) -> Vec<f64> {
        (0..x.rows)
            .map(|i| {
                let value = self.predict_value(x.row(i));
                if self.classifier {
                    argmax_f32(value) as f64
                } else {
                    value.first().copied().unwrap_or(f64::NAN)
                }
            })
            .collect()
    }

    /// One `Op::Trees` over `features` (width `n_features`) holding this tree,
    /// starting from 0. Classifier: `("class", Argmax(proba))`, `("proba",
    /// proba)`; regressor: `("prediction", value)`.
    fn lower(&self, builder: &mut GraphBuilder, features: NodeId) -> Result<Vec<(String, NodeId)>, OpError> {
        let op = if self.classifier { CLASSIFIER } else { REGRESSOR };
        let mut forest = empty_forest(vec![0.0; self.value_width()]);
        self.push_to(&mut forest);
        let root = push_trees(op, builder, features, self.n_features, forest)?;
        if self.classifier {
            let class = builder
                .push(Op::Argmax { x: root })
                .map_err(|source| OpError::Lowering {
                    op: op.to_string(),
                    source,
                })?;
            Ok(vec![("class".to_string(), class), ("proba".to_string(), root)])
        } else {
            Ok(vec![("prediction".to_string(), root)])
        }
    }

    /// scikit-learn's `feature_importances_` (normalised impurity decrease).
    fn importances(&self) -> Option<Vec<f64>> {
        Some(self.feature_importances.clone())
    }
}
