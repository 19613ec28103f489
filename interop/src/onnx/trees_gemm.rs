//! A tree ensemble in standard ONNX ops (the "GEMM" form of Hummingbird,
//! Nakandala et al. 2020), for runtimes without `ai.onnx.ml` trees.
//!
//! With `T` trees, each padded to `I` splits and `L` leaves:
//!
//! 1. `A = Gather(x, feature of every split)`, `[N, T·I]`;
//!    `c = IsNaN(A) ? missing_left : (A <= threshold)` as 0/1, reshaped to
//!    `[N, T, 1, I]`.
//! 2. A leaf is reached when every split on its path goes its way:
//!    `S = c · M + R` with `M[t, i, l] = +1` when leaf `l` lies left of split
//!    `i`, `-1` when right, and `R[t, l]` the right turns on its path, so
//!    `S[l]` counts the path's splits that go the leaf's way; the leaf is
//!    reached when `S[l]` equals its depth (padding leaves have depth -1).
//!    The counts are small integers, exact in `f32`.
//! 3. `out = base + sum over t of reached · V[t]`, with `V[t, l]` the leaf's
//!    values.
//!
//! The sums run in another order than mlg's tree-by-tree `f32` sum, so
//! outputs agree to rounding, not bit for bit. Memory is `T·I·L` floats for
//! `M`: a model beyond [`MAX_GEMM_VALUES`] is refused in this form.

use super::export::{attr_i, Builder};
use mlg_compiler::ir::{Forest, TreeNode};

/// The most values `M` may hold (256 MiB of `f32`).
pub const MAX_GEMM_VALUES: usize = 1 << 26;

impl Builder {
    /// `forest` over `x` in standard ops, or `None` when `M` would pass
    /// [`MAX_GEMM_VALUES`].
    pub(super) fn trees_gemm(&mut self, x: &str, forest: &Forest) -> Option<String> {
        let t_count = forest.roots.len();
        let k = forest.width();
        // Per tree: its splits and leaves in node order.
        let mut splits: Vec<Vec<usize>> = Vec::with_capacity(t_count);
        let mut leaves: Vec<Vec<usize>> = Vec::with_capacity(t_count);
        for t in 0..t_count {
            let (mut s, mut l) = (Vec::new(), Vec::new());
            for i in forest.tree(t) {
                match forest.nodes[i] {
                    TreeNode::Split { .. } => s.push(i),
                    TreeNode::Leaf { .. } => l.push(i),
                }
            }
            splits.push(s);
            leaves.push(l);
        }
        let i_max = splits.iter().map(Vec::len).max().unwrap_or(0);
        let l_max = leaves.iter().map(Vec::len).max().unwrap_or(0).max(1);
        if t_count.checked_mul(i_max.max(1))?.checked_mul(l_max)? > MAX_GEMM_VALUES {
            return None;
        }
        // Leaf values and paths.
        let mut values = vec![0.0f32; t_count * l_max * k];
        let mut m = vec![0.0f32; t_count * i_max * l_max];
        let mut right_turns = vec![0.0f32; t_count * l_max];
        let mut depth = vec![-1.0f32; t_count * l_max];
        for t in 0..t_count {
            let root = forest.tree(t).start;
            // The path to every node: (split's position, went left).
            let mut path: Vec<Vec<(usize, bool)>> = vec![Vec::new(); forest.tree(t).len()];
            let split_at = |i: usize| splits[t].iter().position(|&s| s == i);
            for i in forest.tree(t) {
                if let TreeNode::Split { left, right, .. } = forest.nodes[i] {
                    let here = split_at(i).unwrap_or(0);
                    let mut to_left = path[i - root].clone();
                    to_left.push((here, true));
                    let mut to_right = path[i - root].clone();
                    to_right.push((here, false));
                    path[left as usize - root] = to_left;
                    path[right as usize - root] = to_right;
                }
            }
            for (l, &node) in leaves[t].iter().enumerate() {
                let at = t * l_max + l;
                let steps = &path[node - root];
                depth[at] = steps.len() as f32;
                for &(s, went_left) in steps {
                    m[(t * i_max + s) * l_max + l] = if went_left { 1.0 } else { -1.0 };
                    if !went_left {
                        right_turns[at] += 1.0;
                    }
                }
                if let TreeNode::Leaf { value } = forest.nodes[node] {
                    let v = value as usize;
                    values[at * k..at * k + k].copy_from_slice(&forest.leaves[v..v + k]);
                }
            }
        }
        let (t, i, l) = (t_count as i64, i_max as i64, l_max as i64);
        let reached = if i_max == 0 {
            // Stumps of one leaf each: every tree's leaf 0 is reached.
            let mut first = vec![0.0f32; t_count * l_max];
            for tree in 0..t_count {
                first[tree * l_max] = 1.0;
            }
            self.floats(&first, &[1, t, 1, l])
        } else {
            let mut feature = vec![0i64; t_count * i_max];
            let mut threshold = vec![0.0f32; t_count * i_max];
            let mut missing = vec![0.0f32; t_count * i_max];
            for tree in 0..t_count {
                for (s, &node) in splits[tree].iter().enumerate() {
                    if let TreeNode::Split {
                        feature: f,
                        threshold: th,
                        missing_left,
                        ..
                    } = forest.nodes[node]
                    {
                        feature[tree * i_max + s] = i64::from(f);
                        threshold[tree * i_max + s] = th;
                        missing[tree * i_max + s] = f32::from(u8::from(missing_left));
                    }
                }
            }
            let n_splits = (t_count * i_max) as i64;
            let feature = self.ints(&feature, &[n_splits]);
            let a = self.op("Gather", &[x, &feature], vec![attr_i("axis", 1)]);
            let threshold = self.floats(&threshold, &[1, n_splits]);
            let le = self.op("LessOrEqual", &[&a, &threshold], vec![]);
            let le = self.cast(&le);
            let isnan = self.op("IsNaN", &[&a], vec![]);
            let missing = self.floats(&missing, &[1, n_splits]);
            let c = self.op("Where", &[&isnan, &missing, &le], vec![]);
            let shape = self.ints(&[-1, t, 1, i], &[4]);
            let c = self.op("Reshape", &[&c, &shape], vec![]);
            let m = self.floats(&m, &[t, i, l]);
            let s = self.op("MatMul", &[&c, &m], vec![]);
            let r = self.floats(&right_turns, &[t, 1, l]);
            let s = self.op("Add", &[&s, &r], vec![]);
            let d = self.floats(&depth, &[t, 1, l]);
            let hit = self.op("Equal", &[&s, &d], vec![]);
            self.cast(&hit)
        };
        let v = self.floats(&values, &[t, l, k as i64]);
        let per_tree = self.op("MatMul", &[&reached, &v], vec![]);
        let axes = self.ints(&[1, 2], &[2]);
        let sum = self.op("ReduceSum", &[&per_tree, &axes], vec![attr_i("keepdims", 0)]);
        let base = self.floats(&forest.base, &[1, k as i64]);
        Some(self.op("Add", &[&sum, &base], vec![]))
    }
}
