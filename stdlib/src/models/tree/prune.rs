//! Minimal cost-complexity pruning (scikit-learn's `ccp_alpha`): cut the
//! weakest link while its effective alpha is at most `ccp_alpha`.

use super::{FittedTree, TreeNode};

/// Prunes `tree` in place the way scikit-learn's `_cost_complexity_prune`
/// does, then renumbers the kept nodes in their original (pre-)order and
/// recomputes the impurity importances.
///
/// With `R(t) = weight(t) · impurity(t) / weight(root)` and, for an internal
/// node, `R(T_t)` the sum of `R` over the leaves below it, the effective alpha
/// of `t` is `(R(t) − R(T_t)) / (leaves(T_t) − 1)`. While the smallest
/// effective alpha (the first node in index order on ties) is at most
/// `ccp_alpha`, that node becomes a leaf (its stored value is already the
/// value of its rows).
pub(crate) fn prune(tree: &mut FittedTree, ccp_alpha: f64) {
    let n = tree.nodes.len();
    if n <= 1 || ccp_alpha <= 0.0 {
        return;
    }
    let total = tree.nodes[0].weight;
    let r_node: Vec<f64> = tree.nodes.iter().map(|t| t.weight * t.impurity / total).collect();
    // Current subtree: `leaf[i]` marks pruned-to-leaf nodes; `alive[i]` nodes
    // still in the tree.
    let mut leaf: Vec<bool> = tree.nodes.iter().map(|t| t.split.is_none()).collect();
    let mut alive = vec![true; n];
    let mut parent = vec![usize::MAX; n];
    for (i, t) in tree.nodes.iter().enumerate() {
        if let Some(s) = &t.split {
            parent[s.left] = i;
            parent[s.right] = i;
        }
    }
    loop {
        // Children come after parents: one reverse sweep gives every branch.
        let mut leaves = vec![0usize; n];
        let mut r_branch = vec![0.0; n];
        for i in (0..n).rev().filter(|&i| alive[i]) {
            match (&tree.nodes[i].split, leaf[i]) {
                (Some(s), false) => {
                    leaves[i] = leaves[s.left] + leaves[s.right];
                    r_branch[i] = r_branch[s.left] + r_branch[s.right];
                }
                _ => {
                    leaves[i] = 1;
                    r_branch[i] = r_node[i];
                }
            }
        }
        let mut weakest: Option<(usize, f64)> = None;
        for i in (0..n).filter(|&i| alive[i] && !leaf[i]) {
            let alpha = (r_node[i] - r_branch[i]) / (leaves[i] - 1) as f64;
            if weakest.is_none_or(|(_, best)| alpha < best) {
                weakest = Some((i, alpha));
            }
        }
        let Some((cut, alpha)) = weakest else { break };
        if alpha > ccp_alpha {
            break;
        }
        leaf[cut] = true;
        // Everything below `cut` leaves the tree; parents precede children.
        let mut inside = vec![false; n];
        inside[cut] = true;
        for j in cut + 1..n {
            if parent[j] != usize::MAX && inside[parent[j]] {
                inside[j] = true;
                alive[j] = false;
            }
        }
    }
    rebuild(tree, &leaf, &alive);
}

/// Keeps the `alive` nodes in order, turning `leaf` ones into leaves, and
/// recomputes the normalised impurity importances.
fn rebuild(tree: &mut FittedTree, leaf: &[bool], alive: &[bool]) {
    let mut new_index = vec![usize::MAX; tree.nodes.len()];
    let mut kept: Vec<TreeNode> = Vec::new();
    for (i, node) in tree.nodes.iter().enumerate() {
        if alive[i] {
            new_index[i] = kept.len();
            let mut node = node.clone();
            if leaf[i] {
                node.split = None;
            }
            kept.push(node);
        }
    }
    for node in &mut kept {
        if let Some(s) = node.split.as_mut() {
            s.left = new_index[s.left];
            s.right = new_index[s.right];
        }
    }
    let total = kept[0].weight;
    let mut importances = vec![0.0; tree.n_features];
    for node in &kept {
        if let Some(s) = &node.split {
            let (l, r) = (&kept[s.left], &kept[s.right]);
            importances[s.feature] +=
                node.weight * node.impurity - l.weight * l.impurity - r.weight * r.impurity;
        }
    }
    importances.iter_mut().for_each(|v| *v /= total);
    let sum: f64 = importances.iter().sum();
    if sum > 0.0 {
        importances.iter_mut().for_each(|v| *v /= sum);
    }
    tree.nodes = kept;
    tree.feature_importances = importances;
}

#[cfg(test)]
mod tests {
    use crate::models::tree::DecisionTree;
    use crate::op::{FittedModel, Target};
    use crate::testing::{accuracy, classes, dataset, params, r2};
    use mlg_compiler::workflow::catalog::Value;

    fn leaves(tree: &crate::models::tree::FittedTree) -> usize {
        tree.nodes.iter().filter(|n| n.split.is_none()).count()
    }

    #[test]
    fn pruning_matches_scikit_learn_on_breast_cancer_and_diabetes() {
        // DecisionTreeClassifier(ccp_alpha=a, random_state=0).fit(X, y) on all
        // rows: (node_count, n_leaves, training accuracy); likewise the
        // regressor on diabetes with training R².
        let (x, y) = dataset("breast_cancer");
        for (alpha, nodes, n_leaves, score) in [
            (0.0, 43, 22, 1.0),
            (0.005, 13, 7, 0.978_910_369),
            (0.01, 11, 6, 0.975_395_430),
            (0.02, 5, 3, 0.940_246_045),
        ] {
            let tree = DecisionTree::classifier(&params(&[("ccp_alpha", Value::Float(alpha))]))
                .expect("params")
                .fit_tree(&x, &classes(&y))
                .expect("fit");
            assert_eq!(
                (tree.nodes.len(), leaves(&tree)),
                (nodes, n_leaves),
                "alpha {alpha}"
            );
            let acc = accuracy(&tree.predict(&x), &y);
            assert!((acc - score).abs() < 1e-6, "alpha {alpha}: accuracy {acc}");
            let total: f64 = tree.feature_importances.iter().sum();
            assert!((total - 1.0).abs() < 1e-12);
        }
        let (x, y) = dataset("diabetes");
        for (alpha, nodes, n_leaves, score) in [(10.0, 187, 94, 0.910_190_178), (50.0, 39, 20, 0.642_540_155)]
        {
            let tree = DecisionTree::regressor(&params(&[("ccp_alpha", Value::Float(alpha))]))
                .expect("params")
                .fit_tree(&x, &Target::Values(y.clone()))
                .expect("fit");
            assert_eq!(
                (tree.nodes.len(), leaves(&tree)),
                (nodes, n_leaves),
                "alpha {alpha}"
            );
            let fit = r2(&tree.predict(&x), &y);
            assert!((fit - score).abs() < 1e-6, "alpha {alpha}: R² {fit}");
        }
    }

    #[test]
    fn negative_alpha_is_an_error() {
        let err =
            DecisionTree::classifier(&params(&[("ccp_alpha", Value::Float(-1.0))])).expect_err("negative");
        assert!(err.to_string().contains("ccp_alpha must be >= 0"), "{err}");
    }
}
