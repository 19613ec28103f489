//! Lowering a fitted tree to the inference IR as nested `Select`s, and the
//! tree's [`FittedModel`] implementation.

use super::*;
use crate::op::OpError;
use crate::registry::invalid;
use mlg_compiler::ir::{CompareOp, GraphBuilder, NodeId, Op};

/// The width-1 parts of the `features` `Concat` (`n_features` of them), or an
/// error for operator `op`.
pub(crate) fn feature_parts(
    op: &str,
    builder: &GraphBuilder,
    features: NodeId,
    n_features: usize,
) -> Result<Vec<NodeId>, OpError> {
    let parts = match &builder.graph().node(features).op {
        Op::Concat { parts } => parts.clone(),
        other => {
            return Err(invalid(
                op,
                format!(
                    "the feature vector must be a concat of columns, got `{}`",
                    other.mnemonic()
                ),
            ))
        }
    };
    if parts.len() != n_features || parts.iter().any(|&p| builder.width(p) != 1) {
        return Err(invalid(
            op,
            format!(
                "feature vector has {} parts, the model was fitted on {} single-column features",
                parts.len(),
                n_features
            ),
        ));
    }
    Ok(parts)
}

impl FittedTree {
    /// The tree's nested `Select`s over the feature `parts`: a leaf is a
    /// `Const` of its value, a split is `Select { cond: Compare(Le, x_j, Const
    /// t32), a: left, b: right }`. Returns the root node (leaf values: class
    /// probabilities or `[mean]`).
    pub(crate) fn lower_value(
        &self,
        op: &str,
        builder: &mut GraphBuilder,
        parts: &[NodeId],
    ) -> Result<NodeId, OpError> {
        let lowering = |source| OpError::Lowering {
            op: op.to_string(),
            source,
        };
        // Children have larger indices than their parent: build in reverse.
        let mut built: Vec<Option<NodeId>> = vec![None; self.nodes.len()];
        for i in (0..self.nodes.len()).rev() {
            let node = &self.nodes[i];
            let id = match &node.split {
                None => builder
                    .push(Op::Const {
                        values: node.value.iter().map(|&v| v as f32).collect(),
                    })
                    .map_err(lowering)?,
                Some(s) => {
                    let (Some(a), Some(b)) = (built[s.left], built[s.right]) else {
                        return Err(invalid(op, format!("node {i} has a child that was not built")));
                    };
                    let t = builder
                        .push(Op::Const {
                            values: vec![s.threshold32],
                        })
                        .map_err(lowering)?;
                    let cond = builder
                        .push(Op::Compare {
                            op: CompareOp::Le,
                            a: parts[s.feature],
                            b: t,
                        })
                        .map_err(lowering)?;
                    builder.push(Op::Select { cond, a, b }).map_err(lowering)?
                }
            };
            built[i] = Some(id);
        }
        built
            .first()
            .copied()
            .flatten()
            .ok_or_else(|| invalid(op, "the tree has no nodes"))
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

    /// Nested `Select`s over the width-1 parts of the `features` `Concat`: a
    /// leaf is a `Const` of its value, a split is `Select { cond: Compare(Le,
    /// x_j, Const t32), a: left, b: right }`. Classifier: `("class",
    /// Argmax(proba))`, `("proba", proba)`; regressor: `("prediction", value)`.
    /// Errors when `features` is not a `Concat` of `n_features` width-1 nodes.
    fn lower(&self, builder: &mut GraphBuilder, features: NodeId) -> Result<Vec<(String, NodeId)>, OpError> {
        let op = if self.classifier { CLASSIFIER } else { REGRESSOR };
        let parts = feature_parts(op, builder, features, self.n_features)?;
        let root = self.lower_value(op, builder, &parts)?;
        let lowering = |source| OpError::Lowering {
            op: op.to_string(),
            source,
        };
        if self.classifier {
            let class = builder.push(Op::Argmax { x: root }).map_err(lowering)?;
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
