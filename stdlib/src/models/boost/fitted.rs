//! The fitted ensemble: `f32` trees, prediction that reproduces the lowered
//! graph bit for bit, lowering to nested `Select`s, and gain importances.
//!
//! Raw score `k` of a row is `baseline[k]` plus the leaf value of every tree of
//! output `k` in round order, accumulated in `f32` exactly as the graph's
//! chain of `Add`s; a split sends `x as f32 <= threshold` left (NaN goes
//! where `missing_left` says), a categorical split the codes of its set
//! (lowered as a `Lookup` indicator, see [`super::categorical`]). Classifier heads are [`lower_class_head`]'s, and prediction
//! evaluates them with the interpreter's own functions.

use super::categorical::{contains, lower_sets, BinSet};
use crate::models::lower_class_head;
use crate::models::tree::{empty_forest, push_tree, push_trees};
use crate::op::{FittedModel, Matrix, OpError};
use crate::registry::invalid;
use mlg_compiler::ir::{interp, GraphBuilder, NodeId, Op};

/// One node of a fitted tree: an `f32` split or a leaf value.
#[derive(Clone, Debug, PartialEq)]
pub struct BoostNode {
    /// `(feature, threshold, left, right)`: `x[feature] as f32 <= threshold`
    /// goes to `left`. Children have larger indices than their parent.
    pub split: Option<(usize, f32, usize, usize)>,
    /// Whether a missing (NaN) feature goes left at the split; at a
    /// categorical split, also an unseen category (a code outside the set's
    /// feature's levels, as `-1`).
    pub missing_left: bool,
    /// A categorical split: bit `c` set when category code `c` goes left
    /// (then the threshold is unused).
    pub left_codes: Option<BinSet>,
    /// The leaf's raw-score contribution (learning rate applied).
    pub value: f32,
}

impl BoostNode {
    /// Whether `v` (feature `f` of a row, `levels` the feature's levels
    /// when categorical) goes left at this node's split.
    #[inline]
    fn goes_left(&self, v: f32, threshold: f32, levels: Option<usize>) -> bool {
        match &self.left_codes {
            Some(set) => {
                let known = v >= 0.0 && v.fract() == 0.0 && levels.is_some_and(|n| v < n as f32);
                if known {
                    contains(set, v as u8)
                } else {
                    self.missing_left
                }
            }
            None => v <= threshold || (v.is_nan() && self.missing_left),
        }
    }
}

/// One regression tree of the ensemble; `nodes[0]` is the root.
#[derive(Clone, Debug, PartialEq)]
pub struct BoostTree {
    /// The nodes; children come after their parent.
    pub nodes: Vec<BoostNode>,
}

impl BoostTree {
    /// The leaf value reached by a row of `f32` features, of which those
    /// with `categories[f] = Some(levels)` hold category codes.
    pub fn value(&self, row: &[f32], categories: &[Option<usize>]) -> f32 {
        let mut node = &self.nodes[0];
        while let Some((f, t, l, r)) = node.split {
            let v = row.get(f).copied().unwrap_or(f32::NAN);
            let left = node.goes_left(v, t, categories.get(f).copied().flatten());
            node = &self.nodes[if left { l } else { r }];
        }
        node.value
    }
}

/// A fitted gradient-boosting model. Invariant: `trees` and `baseline` have
/// one entry per raw score (1 for regressors and binary classifiers, one per
/// class otherwise), every tree has at least one node and its splits index
/// features `< n_features`; a classifier has at least two `classes`.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedBoost {
    /// The operator name used in errors.
    pub op: &'static str,
    /// Whether the raw scores are turned into class probabilities.
    pub classifier: bool,
    /// The input width the model was fitted on.
    pub n_features: usize,
    /// Class codes seen in training, ascending (empty for a regressor).
    pub classes: Vec<u32>,
    /// Labels of the target (class probabilities are placed in label order).
    pub n_labels: usize,
    /// Baseline raw score per output.
    pub baseline: Vec<f32>,
    /// `trees[k]`: the trees of raw score `k`, in round order.
    pub trees: Vec<Vec<BoostTree>>,
    /// Total split gain per feature.
    pub gains: Vec<f64>,
    /// Boosting rounds fitted (fewer than `rounds` after early stopping).
    pub rounds: usize,
    /// Held-out loss after the last round, when early stopping was on.
    pub validation_loss: Option<f64>,
    /// Per feature, its levels when it holds category codes (empty when
    /// none does).
    pub categories: Vec<Option<usize>>,
}

impl FittedBoost {
    /// The raw scores of one row (margin, class scores or prediction), in
    /// `f32` as the lowered graph computes them.
    pub fn raw_scores(&self, row: &[f64]) -> Vec<f32> {
        let x: Vec<f32> = row.iter().map(|&v| v as f32).collect();
        self.trees
            .iter()
            .zip(&self.baseline)
            .map(|(trees, &b)| trees.iter().fold(b, |acc, t| acc + t.value(&x, &self.categories)))
            .collect()
    }

    /// Class probabilities of one row in label order (`n_labels` of them),
    /// exactly as the graph's [`lower_class_head`] computes them.
    pub fn proba(&self, row: &[f64]) -> Vec<f32> {
        let scores = self.raw_scores(row);
        if scores.len() == 1 {
            let p1 = interp::sigmoid(scores[0]);
            let p0 = 1.0 - p1;
            (0..self.n_labels as u32)
                .map(|label| {
                    if label == self.classes[0] {
                        p0
                    } else if label == self.classes[1] {
                        p1
                    } else {
                        0.0
                    }
                })
                .collect()
        } else {
            let mut soft = vec![0.0; scores.len()];
            interp::softmax(&scores, &mut soft);
            let k = self.classes.len();
            if k == self.n_labels {
                return soft;
            }
            let mut place = vec![0.0f32; self.n_labels * k];
            for (c, &label) in self.classes.iter().enumerate() {
                place[label as usize * k + c] = 1.0;
            }
            let mut out = vec![0.0; self.n_labels];
            interp::affine(&soft, &place, &vec![0.0; self.n_labels], &[], &mut out);
            out
        }
    }

    /// Total number of trees.
    pub fn n_trees(&self) -> usize {
        self.trees.iter().map(Vec::len).sum()
    }
}

impl FittedModel for FittedBoost {
    /// Classifier: the label code of the largest probability (first on
    /// ties, as the graph's `Argmax`). Regressor: the raw score.
    fn predict(&self, x: &Matrix) -> Vec<f64> {
        (0..x.rows)
            .map(|i| {
                if self.classifier {
                    f64::from(interp::argmax(&self.proba(x.row(i))))
                } else {
                    self.raw_scores(x.row(i))
                        .first()
                        .map_or(f64::NAN, |&v| f64::from(v))
                }
            })
            .collect()
    }

    /// Per raw score: one `Op::Trees` starting at the baseline and holding
    /// that score's trees in round order. Regressor: `("prediction", sum)`;
    /// classifier: [`lower_class_head`] over the margin or the `Concat` of the
    /// class scores. Errors when `features` does not have width `n_features`.
    fn lower(&self, builder: &mut GraphBuilder, features: NodeId) -> Result<Vec<(String, NodeId)>, OpError> {
        let op = self.op;
        let err = |source| OpError::Lowering {
            op: op.to_string(),
            source,
        };
        crate::models::check_feature_width(builder, op, features, self.n_features)?;
        // Categorical splits compare an indicator appended to the input.
        let key = |n: &BoostNode| {
            n.left_codes
                .zip(n.split)
                .map(|(set, (f, ..))| (f, set, n.missing_left))
        };
        let all_nodes = self.trees.iter().flatten().flat_map(|t| &t.nodes);
        let indicators = lower_sets(op, builder, features, &self.categories, all_nodes.filter_map(key))?;
        let (input, width) = if indicators.nodes.is_empty() {
            (features, self.n_features)
        } else {
            let mut parts = vec![features];
            parts.extend(&indicators.nodes);
            let wide = builder.push(Op::Concat { parts }).map_err(err)?;
            (wide, self.n_features + indicators.nodes.len())
        };
        let mut sums = Vec::with_capacity(self.trees.len());
        for (trees, &b) in self.trees.iter().zip(&self.baseline) {
            let mut forest = empty_forest(vec![b]);
            for tree in trees {
                push_tree(
                    &mut forest,
                    tree.nodes.iter().map(|n| match (key(n), n.split) {
                        (Some(k), Some((_, _, l, r))) => {
                            let column = self.n_features + indicators.index(&k);
                            (Some((column, 0.5, l, r)), false, std::slice::from_ref(&n.value))
                        }
                        _ => (n.split, n.missing_left, std::slice::from_ref(&n.value)),
                    }),
                );
            }
            sums.push(push_trees(op, builder, input, width, forest)?);
        }
        if !self.classifier {
            let Some(&prediction) = sums.first() else {
                return Err(invalid(op, "the model has no raw score"));
            };
            return Ok(vec![("prediction".to_string(), prediction)]);
        }
        let scores = if sums.len() == 1 {
            sums[0]
        } else {
            builder.push(Op::Concat { parts: sums }).map_err(err)?
        };
        lower_class_head(builder, op, scores, &self.classes, self.n_labels)
    }

    /// Total split gain per feature, normalised to sum 1 (all zero when no
    /// tree split).
    fn importances(&self) -> Option<Vec<f64>> {
        let total: f64 = self.gains.iter().sum();
        Some(
            self.gains
                .iter()
                .map(|&g| if total > 0.0 { g / total } else { 0.0 })
                .collect(),
        )
    }

    /// `("rounds", fitted rounds)`, plus `("validation_loss", loss)` when
    /// early stopping scored a held-out set.
    fn fit_scores(&self) -> Vec<(String, f64)> {
        let mut out = vec![("rounds".to_string(), self.rounds as f64)];
        if let Some(v) = self.validation_loss {
            out.push(("validation_loss".to_string(), v));
        }
        out
    }
}
