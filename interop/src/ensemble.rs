//! The tree ensemble every importer reads a foreign model into, before it is
//! lowered to the inference IR (`lower.rs`): trees of splits on numbered
//! input features with `f64` thresholds and leaf values as the source wrote
//! them, each tree adding to one raw output, and the link that turns raw
//! outputs into predictions. The importers know their formats; `lower.rs`
//! alone knows the IR.

/// How a split decides where a row goes.
#[derive(Clone, Debug, PartialEq)]
pub enum Test {
    /// `x <= threshold` goes left (LightGBM).
    LessOrEqual(f64),
    /// `x < threshold` goes left (XGBoost).
    Less(f64),
    /// `x`, truncated toward zero to an integer (`static_cast<int>`), in the
    /// set goes left; a negative `x`, one of 2^31 or more, or NaN goes right.
    /// LightGBM's categorical split.
    InSet(Vec<u32>),
}

/// One node of a tree; node 0 is the root.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// A split of feature `feature`.
    Split {
        /// The index of the input feature tested.
        feature: usize,
        /// The test.
        test: Test,
        /// Where a NaN goes: left when true. Ignored by [`Test::InSet`],
        /// whose rule says where NaN goes.
        missing_left: bool,
        /// The node index for rows that pass the test.
        left: usize,
        /// The node index for the others.
        right: usize,
    },
    /// A leaf adding `value` to the tree's output.
    Leaf(f64),
}

/// One tree: its nodes and the raw output it adds to.
#[derive(Clone, Debug, PartialEq)]
pub struct Tree {
    /// The raw output (class, for multiclass models) the tree adds to.
    pub output: usize,
    /// The nodes, the root first.
    pub nodes: Vec<Node>,
}

/// What turns the raw outputs (base plus every tree's leaf) into the
/// prediction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Link {
    /// A regression value as is.
    Identity,
    /// A regression value `exp(raw)` (Poisson, gamma, Tweedie).
    Exp,
    /// A binary classifier: `P(class 1) = sigmoid(raw)` over one output.
    Sigmoid,
    /// A multiclass classifier: `softmax(raw)` over one output per class.
    Softmax,
}

/// A foreign tree ensemble as the importers read it.
#[derive(Clone, Debug, PartialEq)]
pub struct Ensemble {
    /// Where it came from, for messages: `LightGBM`, `XGBoost`.
    pub source: &'static str,
    /// The input feature names, in the model's feature order.
    pub features: Vec<String>,
    /// Raw outputs: 1, or the number of classes for [`Link::Softmax`].
    pub n_outputs: usize,
    /// The raw outputs' starting values (width `n_outputs`).
    pub base: Vec<f64>,
    /// Every tree's leaves are multiplied by this (LightGBM's `average_output`
    /// forests: 1 / iterations); 1 otherwise.
    pub leaf_scale: f64,
    /// The trees in the order they are summed.
    pub trees: Vec<Tree>,
    /// The link from raw outputs to predictions.
    pub link: Link,
}

impl Test {
    /// Whether `x` goes left, NaN aside (see [`Node::Split`]).
    pub fn passes(&self, x: f64) -> bool {
        match self {
            Test::LessOrEqual(t) => x <= *t,
            Test::Less(t) => x < *t,
            Test::InSet(set) => {
                // C++'s `static_cast<int>` truncates; out of range is negative on x86.
                let t = x.trunc();
                (0.0..2_147_483_648.0).contains(&t) && set.binary_search(&(t as u32)).is_ok()
            }
        }
    }
}

impl Ensemble {
    /// The raw outputs for one row of features, in `f64` as the source
    /// libraries compute them: the reference the lowered graph is tested
    /// against. Errors name a tree whose nodes do not form a tree.
    pub fn raw(&self, row: &[f64]) -> Result<Vec<f64>, String> {
        let mut out = self.base.clone();
        for (t, tree) in self.trees.iter().enumerate() {
            let mut at = 0usize;
            // A tree of n nodes reaches a leaf within n steps.
            for _ in 0..=tree.nodes.len() {
                match tree.nodes.get(at) {
                    Some(Node::Leaf(v)) => {
                        let slot = out.get_mut(tree.output).ok_or_else(|| {
                            format!("tree {t} adds to output {} of {}", tree.output, self.n_outputs)
                        })?;
                        *slot += v * self.leaf_scale;
                        break;
                    }
                    Some(Node::Split {
                        feature,
                        test,
                        missing_left,
                        left,
                        right,
                    }) => {
                        let x = *row
                            .get(*feature)
                            .ok_or_else(|| format!("tree {t} reads feature {feature}"))?;
                        let go_left = match test {
                            Test::InSet(_) => test.passes(x),
                            _ if x.is_nan() => *missing_left,
                            _ => test.passes(x),
                        };
                        at = if go_left { *left } else { *right };
                    }
                    None => return Err(format!("tree {t} has no node {at}")),
                }
            }
        }
        Ok(out)
    }

    /// The prediction for one row: the value (regression), or the class
    /// probabilities (classification).
    pub fn predict(&self, row: &[f64]) -> Result<Vec<f64>, String> {
        let raw = self.raw(row)?;
        Ok(match self.link {
            Link::Identity => raw,
            Link::Exp => raw.iter().map(|v| v.exp()).collect(),
            Link::Sigmoid => {
                let p = 1.0 / (1.0 + (-raw[0]).exp());
                vec![1.0 - p, p]
            }
            Link::Softmax => {
                let max = raw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let e: Vec<f64> = raw.iter().map(|v| (v - max).exp()).collect();
                let sum: f64 = e.iter().sum();
                e.iter().map(|v| v / sum).collect()
            }
        })
    }
}
