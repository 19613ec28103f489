//! A tree ensemble as `ai.onnx.ml`'s `TreeEnsembleRegressor` (opset 3), for
//! `mlg export --tree-ensemble`: one node per tree node, `BRANCH_LEQ` splits
//! with the split's NaN side in `nodes_missing_value_tracks_true`, node ids
//! counted from each tree's root, every nonzero leaf value as a target
//! weight (a leaf of zeros keeps one zero weight, so every leaf has one),
//! `base_values` and `SUM`. ONNX Runtime runs it; tract does not.

use super::export::{attr_floats, attr_i, attr_ints, attr_s, attr_strings, Builder, ML};
use mlg_compiler::ir::{Forest, TreeNode};

impl Builder {
    /// `forest` over `x` as an `ai.onnx.ml` `TreeEnsembleRegressor`.
    pub(super) fn trees_ml(&mut self, x: &str, forest: &Forest) -> String {
        self.ml = true;
        let width = forest.width();
        let (mut tree_ids, mut node_ids, mut features, mut modes, mut values) =
            (vec![], vec![], vec![], vec![], vec![]);
        let (mut trues, mut falses, mut missing) = (vec![], vec![], vec![]);
        let (mut t_tree, mut t_node, mut t_id, mut t_weight) = (vec![], vec![], vec![], vec![]);
        for t in 0..forest.roots.len() {
            let range = forest.tree(t);
            let root = range.start;
            for i in range {
                let local = (i - root) as i64;
                tree_ids.push(t as i64);
                node_ids.push(local);
                match forest.nodes[i] {
                    TreeNode::Split {
                        feature,
                        threshold,
                        missing_left,
                        left,
                        right,
                    } => {
                        features.push(i64::from(feature));
                        modes.push("BRANCH_LEQ");
                        values.push(threshold);
                        trues.push(i64::from(left) - root as i64);
                        falses.push(i64::from(right) - root as i64);
                        missing.push(i64::from(missing_left));
                    }
                    TreeNode::Leaf { value } => {
                        features.push(0);
                        modes.push("LEAF");
                        values.push(0.0);
                        trues.push(0);
                        falses.push(0);
                        missing.push(0);
                        let leaf = &forest.leaves[value as usize..value as usize + width];
                        let mut any = false;
                        for (k, &w) in leaf.iter().enumerate() {
                            if w != 0.0 || (!any && k + 1 == width) {
                                t_tree.push(t as i64);
                                t_node.push(local);
                                t_id.push(k as i64);
                                t_weight.push(w);
                                any = true;
                            }
                        }
                    }
                }
            }
        }
        let attributes = vec![
            attr_i("n_targets", width as i64),
            attr_s("aggregate_function", "SUM"),
            attr_s("post_transform", "NONE"),
            attr_floats("base_values", forest.base.clone()),
            attr_ints("nodes_treeids", tree_ids),
            attr_ints("nodes_nodeids", node_ids),
            attr_ints("nodes_featureids", features),
            attr_strings("nodes_modes", modes),
            attr_floats("nodes_values", values),
            attr_ints("nodes_truenodeids", trues),
            attr_ints("nodes_falsenodeids", falses),
            attr_ints("nodes_missing_value_tracks_true", missing),
            attr_ints("target_treeids", t_tree),
            attr_ints("target_nodeids", t_node),
            attr_ints("target_ids", t_id),
            attr_floats("target_weights", t_weight),
        ];
        self.op_in(ML, "TreeEnsembleRegressor", &[x], attributes)
    }
}
