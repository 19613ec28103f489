//! The quantized tree ensemble ([`Op::QuantTrees`](super::Op::QuantTrees)):
//! thresholds as `u16` bin indices into one sorted edge list per feature, and
//! leaf values as `f16` or as `i8` with one scale per tree. Its reference
//! evaluation, its invariants, the quantization of a [`Forest`] and the exact
//! [`Forest`] it stands for (which backends without a native walk compile).
//!
//! Binning is exact: with `edges` sorted and distinct, `bin(v) = #{e : e <
//! v}` and `v <= edges[j]` hold together for every non-NaN `v` (all edges
//! below `v` are then below `edges[j]`, so there are at most `j` of them; and
//! `v > edges[j]` puts `edges[0..=j]` below `v`). So only the leaves lose
//! precision, and only by their format's rounding.

use serde::{Deserialize, Serialize};

use super::{Forest, TreeNode};

/// Most distinct thresholds of one feature: bins are `0..=MAX_EDGES`.
pub const MAX_EDGES: usize = u16::MAX as usize;

/// One node of a quantized tree table; children as in [`TreeNode`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum QuantNode {
    /// Rows whose `x[feature]` falls in bin `bin` or lower (`x[feature] <=
    /// edges[feature][bin]`) go to `left`; a NaN goes `left` when
    /// `missing_left`.
    Split {
        /// The index into `x` compared.
        feature: u32,
        /// The index of the threshold in `edges[feature]`.
        bin: u16,
        /// Whether a NaN goes left.
        missing_left: bool,
        /// The node for bins up to `bin`.
        left: u32,
        /// The node for bins above `bin`.
        right: u32,
    },
    /// Adds the `k` leaf values from offset `value` (see [`QuantLeaves`]).
    Leaf {
        /// The offset of the leaf's codes.
        value: u32,
    },
}

/// How leaf values are stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum QuantLeaves {
    /// IEEE half-precision bits; the value is exactly [`f16_to_f32`] of them.
    F16(Vec<u16>),
    /// The value of code `q` in tree `t` is `(q as f32) * scales[t]`.
    Int8 {
        /// One code per leaf value.
        values: Vec<i8>,
        /// One positive finite scale per tree.
        scales: Vec<f32>,
    },
}

impl QuantLeaves {
    /// Number of leaf values.
    pub fn len(&self) -> usize {
        match self {
            QuantLeaves::F16(v) => v.len(),
            QuantLeaves::Int8 { values, .. } => values.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The format's name in the text form.
    pub fn name(&self) -> &'static str {
        match self {
            QuantLeaves::F16(_) => "f16",
            QuantLeaves::Int8 { .. } => "int8",
        }
    }

    /// Value `i` of tree `t`, in `f32`.
    #[inline]
    pub fn value(&self, t: usize, i: usize) -> f32 {
        match self {
            QuantLeaves::F16(v) => f16_to_f32(v[i]),
            QuantLeaves::Int8 { values, scales } => f32::from(values[i]) * scales[t],
        }
    }

    /// Bytes of storage per leaf value.
    pub fn bytes_per_value(&self) -> usize {
        match self {
            QuantLeaves::F16(_) => 2,
            QuantLeaves::Int8 { .. } => 1,
        }
    }
}

/// The leaf format [`QuantForest::quantize`] produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeafFormat {
    /// Half precision (round to nearest even).
    F16,
    /// `i8` codes, `scale = max |v| / 127` per tree.
    Int8,
}

/// The tables of one [`Op::QuantTrees`](super::Op::QuantTrees).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuantForest {
    /// Per feature of `x`: its distinct split thresholds, ascending, never NaN,
    /// at most [`MAX_EDGES`] (empty for a feature no split reads).
    pub edges: Vec<Vec<f32>>,
    /// Every tree's nodes, laid out as [`Forest::nodes`].
    pub nodes: Vec<QuantNode>,
    /// First node of each tree, as [`Forest::roots`].
    pub roots: Vec<u32>,
    /// Leaf values, `k` per leaf.
    pub leaves: QuantLeaves,
    /// The starting value of the sum (width `k`).
    pub base: Vec<f32>,
}

/// Exact conversion of half-precision bits to `f32` (every `f16` is an
/// `f32`); infinities and NaN come out as large finite numbers, which the
/// quantization never stores.
#[inline]
pub fn f16_to_f32(h: u16) -> f32 {
    // Shifting the exponent and mantissa into f32 position and scaling by
    // 2^112 rebiases the exponent (15 -> 127) and turns f16 subnormals into
    // the f32 normals they stand for, exactly.
    let magnitude = f32::from_bits(u32::from(h & 0x7fff) << 13) * f32::from_bits(0x7780_0000);
    f32::from_bits(magnitude.to_bits() | (u32::from(h & 0x8000) << 16))
}

/// The half-precision bits nearest `v` (ties to even), or `None` when `|v|`
/// rounds beyond the largest half (65504) or is not finite.
pub fn f32_to_f16(v: f32) -> Option<u16> {
    if !v.is_finite() {
        return None;
    }
    let sign = ((v.to_bits() >> 16) & 0x8000) as u16;
    let a = f64::from(v.abs());
    if a == 0.0 {
        return Some(sign);
    }
    // Quantum of the f16 binade holding `a` (subnormals share 2^-24).
    let exp = a.log2().floor().max(-14.0);
    let quantum = (exp - 10.0).exp2();
    let mut m = (a / quantum).round_ties_even();
    let mut e = exp as i32;
    if m >= 2048.0 {
        m /= 2.0;
        e += 1;
    }
    if e > 15 {
        return None;
    }
    let bits = if m < 1024.0 {
        m as u16
    } else {
        (((e + 15) as u16) << 10) | (m as u16 - 1024)
    };
    Some(sign | bits)
}

impl QuantForest {
    /// Number of outputs `k`.
    pub fn width(&self) -> usize {
        self.base.len()
    }

    /// The node range of tree `t`.
    pub fn tree(&self, t: usize) -> std::ops::Range<usize> {
        let end = self.roots.get(t + 1).map_or(self.nodes.len(), |&r| r as usize);
        self.roots[t] as usize..end
    }

    /// The bin of `v` for feature `f`: the number of edges below it (NaN has
    /// none: callers test NaN first).
    #[inline]
    pub fn bin(&self, f: usize, v: f32) -> usize {
        self.edges[f].partition_point(|&e| e < v)
    }

    /// Quantizes `forest` (which must satisfy [`Forest::check`] for width
    /// `d`): thresholds become bins of per-feature edge lists, leaves take
    /// `format`. Fails when a threshold is NaN, a feature has more than
    /// [`MAX_EDGES`] distinct thresholds, a leaf value is not finite (or,
    /// for `f16`, beyond its range), or, for `int8`, two trees share leaf
    /// values.
    pub fn quantize(forest: &Forest, d: usize, format: LeafFormat) -> Result<QuantForest, String> {
        let mut edges = vec![Vec::new(); d];
        for node in &forest.nodes {
            if let TreeNode::Split {
                feature, threshold, ..
            } = *node
            {
                if threshold.is_nan() {
                    return Err(format!("a split on feature {feature} has a NaN threshold"));
                }
                edges[feature as usize].push(threshold);
            }
        }
        for (f, e) in edges.iter_mut().enumerate() {
            e.sort_by(f32::total_cmp);
            // -0.0 and 0.0 compare equal: one edge.
            e.dedup_by(|a, b| a == b);
            if e.len() > MAX_EDGES {
                return Err(format!(
                    "feature {f} has {} distinct thresholds, more than the {MAX_EDGES} a u16 bin holds",
                    e.len()
                ));
            }
        }
        let nodes = forest
            .nodes
            .iter()
            .map(|node| match *node {
                TreeNode::Split {
                    feature,
                    threshold,
                    missing_left,
                    left,
                    right,
                } => QuantNode::Split {
                    feature,
                    bin: edges[feature as usize].partition_point(|&e| e < threshold) as u16,
                    missing_left,
                    left,
                    right,
                },
                TreeNode::Leaf { value } => QuantNode::Leaf { value },
            })
            .collect();
        if let Some(v) = forest.leaves.iter().find(|v| !v.is_finite()) {
            return Err(format!("a leaf value is {v}"));
        }
        let leaves = match format {
            LeafFormat::F16 => QuantLeaves::F16(
                forest
                    .leaves
                    .iter()
                    .map(|&v| f32_to_f16(v).ok_or_else(|| format!("leaf value {v} is beyond f16's range")))
                    .collect::<Result<_, _>>()?,
            ),
            LeafFormat::Int8 => {
                leaf_owners(forest)?;
                int8_leaves(forest)
            }
        };
        Ok(QuantForest {
            edges,
            nodes,
            roots: forest.roots.clone(),
            leaves,
            base: forest.base.clone(),
        })
    }

    /// The forest with the same decisions and the decoded leaf values:
    /// thresholds `edges[f][bin]`, so its [`Forest::eval`] equals
    /// [`Self::eval`] bit for bit.
    pub fn dequantize(&self) -> Forest {
        let k = self.width().max(1);
        let mut leaves = vec![0.0f32; self.leaves.len()];
        for t in 0..self.roots.len() {
            for node in &self.nodes[self.tree(t)] {
                if let QuantNode::Leaf { value } = *node {
                    let at = value as usize;
                    for (i, slot) in leaves.iter_mut().enumerate().skip(at).take(k) {
                        *slot = self.leaves.value(t, i);
                    }
                }
            }
        }
        Forest {
            nodes: self
                .nodes
                .iter()
                .map(|node| match *node {
                    QuantNode::Split {
                        feature,
                        bin,
                        missing_left,
                        left,
                        right,
                    } => TreeNode::Split {
                        feature,
                        threshold: self.edges[feature as usize][bin as usize],
                        missing_left,
                        left,
                        right,
                    },
                    QuantNode::Leaf { value } => TreeNode::Leaf { value },
                })
                .collect(),
            roots: self.roots.clone(),
            leaves,
            base: self.base.clone(),
        }
    }

    /// Checks the invariants against an input of width `d`; the message names
    /// the first broken one.
    pub fn check(&self, d: usize) -> Result<(), String> {
        if self.edges.len() != d {
            return Err(format!(
                "{} edge lists for an input of width {d}",
                self.edges.len()
            ));
        }
        for (f, e) in self.edges.iter().enumerate() {
            if e.len() > MAX_EDGES || e.iter().any(|v| v.is_nan()) || e.windows(2).any(|w| w[0] >= w[1]) {
                return Err(format!(
                    "the edges of feature {f} are not at most {MAX_EDGES} ascending distinct numbers"
                ));
            }
        }
        for (i, node) in self.nodes.iter().enumerate() {
            if let QuantNode::Split { feature, bin, .. } = *node {
                let n = self.edges.get(feature as usize).map_or(0, Vec::len);
                if bin as usize >= n {
                    return Err(format!(
                        "node {i} has bin {bin} of {n} edges of feature {feature}"
                    ));
                }
            }
        }
        if let QuantLeaves::Int8 { scales, .. } = &self.leaves {
            if scales.len() != self.roots.len() || scales.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
                return Err(format!(
                    "{} leaf scales for {} trees, or one not positive and finite",
                    scales.len(),
                    self.roots.len()
                ));
            }
        }
        let roots_ok = self.roots.first() == Some(&0)
            && self.roots.windows(2).all(|w| w[0] < w[1])
            && self
                .roots
                .last()
                .is_some_and(|&r| (r as usize) < self.nodes.len());
        if !roots_ok {
            return Err(format!(
                "roots must start at node 0 and increase strictly below {} nodes",
                self.nodes.len()
            ));
        }
        // With valid bins, scales and roots, dequantizing cannot fail; the
        // tree structure is the dequantized forest's.
        let plain = self.dequantize();
        plain.check(d)?;
        match self.leaves {
            QuantLeaves::Int8 { .. } => leaf_owners(&plain),
            QuantLeaves::F16(_) => Ok(()),
        }
    }

    /// The reference evaluation: `out = base`, then for every tree in order
    /// `out[c] += value(leaf + c)` in `f32`, each split comparing the row's
    /// bin of its feature with its own.
    pub fn eval(&self, x: &[f32], out: &mut [f32]) {
        let k = self.width();
        out[..k].copy_from_slice(&self.base);
        for t in 0..self.roots.len() {
            let mut i = self.roots[t] as usize;
            let leaf = loop {
                match self.nodes[i] {
                    QuantNode::Split {
                        feature,
                        bin,
                        missing_left,
                        left,
                        right,
                    } => {
                        let v = x[feature as usize];
                        let go_left = if v.is_nan() {
                            missing_left
                        } else {
                            self.bin(feature as usize, v) <= bin as usize
                        };
                        i = if go_left { left } else { right } as usize;
                    }
                    QuantNode::Leaf { value } => break value as usize,
                }
            };
            for (c, o) in out[..k].iter_mut().enumerate() {
                *o += self.leaves.value(t, leaf + c);
            }
        }
    }
}

/// Checks that no leaf value of `forest` (which satisfies [`Forest::check`])
/// is reached from two trees: an `i8` code has its tree's scale.
fn leaf_owners(forest: &Forest) -> Result<(), String> {
    let k = forest.width();
    let mut owner = vec![u32::MAX; forest.leaves.len()];
    for t in 0..forest.roots.len() {
        for node in &forest.nodes[forest.tree(t)] {
            let TreeNode::Leaf { value } = *node else { continue };
            for o in owner.iter_mut().skip(value as usize).take(k) {
                if *o != u32::MAX && *o != t as u32 {
                    return Err(format!("trees {o} and {t} share leaf values at offset {value}"));
                }
                *o = t as u32;
            }
        }
    }
    Ok(())
}

/// `i8` codes of every leaf value with one scale per tree (`max |v| / 127`,
/// `1` for a tree of zeros or one whose scale underflows).
fn int8_leaves(forest: &Forest) -> QuantLeaves {
    let k = forest.width().max(1);
    let mut values = vec![0i8; forest.leaves.len()];
    let mut scales = Vec::with_capacity(forest.roots.len());
    for t in 0..forest.roots.len() {
        let offsets: Vec<usize> = forest.nodes[forest.tree(t)]
            .iter()
            .filter_map(|n| match n {
                TreeNode::Leaf { value } => Some(*value as usize),
                TreeNode::Split { .. } => None,
            })
            .collect();
        let max = offsets
            .iter()
            .flat_map(|&at| &forest.leaves[at..at + k])
            .fold(0.0f32, |m, v| m.max(v.abs()));
        let scale = if max / 127.0 > 0.0 { max / 127.0 } else { 1.0 };
        for &at in &offsets {
            for (q, &v) in values[at..at + k].iter_mut().zip(&forest.leaves[at..at + k]) {
                // In f64 so that the largest value lands on 127 exactly.
                *q = (f64::from(v) / f64::from(scale)).round().clamp(-127.0, 127.0) as i8;
            }
        }
        scales.push(scale);
    }
    QuantLeaves::Int8 { values, scales }
}
