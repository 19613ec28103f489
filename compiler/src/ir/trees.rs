//! The tree-ensemble operator's tables: [`TreeNode`], how compiled code walks
//! them ([`TreeWalk`]), their invariants (checked by the verifier) and their
//! reference evaluation (used by the interpreter).
//!
//! One [`Op::Trees`](super::Op::Trees) holds every tree of a decision tree,
//! random forest or boosted ensemble as node arrays, so a model of any size is
//! one node of the graph and one loop (or one block of branches) in native
//! code, not thousands of `select`s.

use serde::{Deserialize, Serialize};

/// One node of a tree table. Children are absolute indices into the op's
/// `nodes`, always greater than the parent's index and inside the parent's
/// tree.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum TreeNode {
    /// Rows with `x[feature] <= threshold` go to `left`, others to `right`; a
    /// NaN `x[feature]` goes to `left` when `missing_left`, else to `right`.
    Split {
        /// The index into `x` compared.
        feature: u32,
        /// Values up to and including it go left.
        threshold: f32,
        /// Whether a NaN goes left.
        missing_left: bool,
        /// The node for `x[feature] <= threshold`.
        left: u32,
        /// The node for `x[feature] > threshold`.
        right: u32,
    },
    /// Adds `leaves[value..value + k]` to the sum (`k` = the op's width).
    Leaf {
        /// The offset of the leaf's values in the forest's `leaves`.
        value: u32,
    },
}

/// How a backend evaluates the trees; chosen by the `tree_layout` pass from a
/// cost model and shown by `explain`. Any choice gives the same values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TreeWalk {
    /// A loop over the trees that walks each row down the node table in data
    /// memory, several rows in step (compile time independent of model size).
    #[default]
    Table,
    /// Every split as a native compare-and-branch (fastest for small models;
    /// code size grows with the node count).
    Branches,
    /// One-output forests only: every leaf links to the next tree's root, so
    /// each row takes only the splits on its own paths, adding each record's
    /// value as it goes (fastest where rows stop far above the trees' depth,
    /// as in leaf-wise boosted trees).
    Chain,
}

impl TreeWalk {
    /// The name used by the text form.
    pub fn name(self) -> &'static str {
        match self {
            TreeWalk::Table => "table",
            TreeWalk::Branches => "branches",
            TreeWalk::Chain => "chain",
        }
    }
}

/// The tree tables of one [`Op::Trees`](super::Op::Trees).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Forest {
    /// Every tree's nodes; tree `t` owns `roots[t]..roots[t + 1]` (the last
    /// runs to the end), its root first.
    pub nodes: Vec<TreeNode>,
    /// First node of each tree: `roots[0] = 0`, strictly increasing.
    pub roots: Vec<u32>,
    /// Leaf values, `k` per leaf.
    pub leaves: Vec<f32>,
    /// The starting value of the sum (width `k`).
    pub base: Vec<f32>,
}

impl Forest {
    /// Number of outputs `k`.
    pub fn width(&self) -> usize {
        self.base.len()
    }

    /// The node range of tree `t`.
    pub fn tree(&self, t: usize) -> std::ops::Range<usize> {
        let end = self.roots.get(t + 1).map_or(self.nodes.len(), |&r| r as usize);
        self.roots[t] as usize..end
    }

    /// The greatest number of splits on a root-to-leaf path of tree `t`.
    pub fn depth(&self, t: usize) -> usize {
        let range = self.tree(t);
        let mut depth = vec![0usize; range.len()];
        let mut deepest = 0;
        for i in range.clone() {
            let here = depth[i - range.start];
            deepest = deepest.max(here);
            if let TreeNode::Split { left, right, .. } = self.nodes[i] {
                depth[left as usize - range.start] = here + 1;
                depth[right as usize - range.start] = here + 1;
            }
        }
        deepest
    }

    /// Every tree's [`depth`](Self::depth).
    pub fn depths(&self) -> Vec<usize> {
        (0..self.roots.len()).map(|t| self.depth(t)).collect()
    }

    /// Checks the table invariants against an input of width `d`; the message
    /// names the first broken one.
    pub fn check(&self, d: usize) -> Result<(), String> {
        let k = self.width();
        if k == 0 {
            return Err("empty base (width 0)".into());
        }
        if self.roots.first() != Some(&0) {
            return Err("roots must start at node 0".into());
        }
        if self.roots.windows(2).any(|w| w[0] >= w[1]) {
            return Err("roots must be strictly increasing".into());
        }
        if self.roots.last().is_some_and(|&r| r as usize >= self.nodes.len()) {
            return Err(format!("a root is past the last of {} nodes", self.nodes.len()));
        }
        if !self.leaves.len().is_multiple_of(k) {
            return Err(format!(
                "{} leaf values are not a multiple of width {k}",
                self.leaves.len()
            ));
        }
        let mut reached = vec![false; self.nodes.len()];
        for t in 0..self.roots.len() {
            let range = self.tree(t);
            reached[range.start] = true;
            for i in range.clone() {
                if !reached[i] {
                    return Err(format!("node {i} of tree {t} is not reachable from its root"));
                }
                match self.nodes[i] {
                    TreeNode::Split {
                        feature, left, right, ..
                    } => {
                        if feature as usize >= d {
                            return Err(format!("node {i} splits on feature {feature} of {d}"));
                        }
                        for child in [left, right] {
                            let c = child as usize;
                            if c <= i || c >= range.end || reached[c] {
                                return Err(format!(
                                    "node {i} has child {child} outside {}..{} or shared",
                                    i + 1,
                                    range.end
                                ));
                            }
                            reached[c] = true;
                        }
                    }
                    TreeNode::Leaf { value } => {
                        if !(value as usize).is_multiple_of(k) || value as usize + k > self.leaves.len() {
                            return Err(format!(
                                "node {i} has leaf value offset {value} outside the leaves"
                            ));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The leaf offset tree `t` sends row `x` to.
    #[inline]
    pub fn leaf_of(&self, t: usize, x: &[f32]) -> usize {
        let mut i = self.roots[t] as usize;
        loop {
            match self.nodes[i] {
                TreeNode::Split {
                    feature,
                    threshold,
                    missing_left,
                    left,
                    right,
                } => {
                    let v = x[feature as usize];
                    let go_left = v <= threshold || (v.is_nan() && missing_left);
                    i = if go_left { left } else { right } as usize;
                }
                TreeNode::Leaf { value } => return value as usize,
            }
        }
    }

    /// The reference evaluation: `out = base`, then for every tree in order
    /// `out[c] += leaves[leaf + c]` in `f32`.
    pub fn eval(&self, x: &[f32], out: &mut [f32]) {
        let k = self.width();
        out[..k].copy_from_slice(&self.base);
        for t in 0..self.roots.len() {
            let leaf = self.leaf_of(t, x);
            for (o, v) in out[..k].iter_mut().zip(&self.leaves[leaf..leaf + k]) {
                *o += v;
            }
        }
    }
}
