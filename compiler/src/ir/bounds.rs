//! Bounds on the magnitude of the values a graph computes, valid for every
//! input row (NaN and infinities included), or for every row whose inputs
//! lie within given bounds: enough to prove that a tree ensemble's outputs
//! are finite without running it on any row, or a linear model's on rows
//! whose largest values are known.
//!
//! The analysis is deliberately small and conservative. A node has a bound
//! only when its op is one of those below and its operands' bounds let it
//! have one; every other op (a division, a logarithm, ...) has none, because
//! some input can make it overflow or give NaN. A bounded value is never NaN.
//!
//! | op | bound |
//! | --- | --- |
//! | `input` | the bound given for its slot (none by default) |
//! | `fill_nan` | the operand's (a bounded operand holds no NaN) |
//! | `scale` | the operand's times the largest factor, plus the largest offset |
//! | `affine` | per output, `|bias|` plus the operand's times the row's summed `|weight|`; the largest |
//! | `const` | the largest magnitude, when every value is finite |
//! | `concat` | the largest of its parts' |
//! | `trees` | `max |base|` plus each tree's largest leaf magnitude, whatever the input |
//! | `sigmoid`, `softmax` | 1, for a bounded operand |
//! | `neg`, `abs` | the operand's |
//! | `exp` | `exp` of the operand's |
//! | `add`, `sub` | the sum of the operands' |
//! | `mul` | the product of the operands' |
//! | `min`, `max`, `select` (of the two values) | the larger of the operands' |
//! | `compare`, `one_hot` | 1, whatever the input |
//! | `argmax` | the operand's width less one, whatever the input |

use super::{BinaryOp, Graph, Op, UnaryFn};

/// Bounds at most this large are taken as finite: the ops compute in `f32`
/// and round, and the margin keeps every rounded result below `f32::MAX`.
const FINITE_BELOW: f64 = f32::MAX as f64 / 4.0;

/// The largest magnitude in `values` when all are finite.
fn largest(values: &[f32]) -> Option<f64> {
    values
        .iter()
        .all(|v| v.is_finite())
        .then(|| values.iter().fold(0.0f64, |m, v| m.max(f64::from(v.abs()))))
}

/// For every node of `graph`, `Some(b)` when each of its values is finite with
/// magnitude at most `b` for every input row, per the module's table; `None`
/// when no such bound is known.
pub fn bounds(graph: &Graph) -> Vec<Option<f64>> {
    bounds_given(graph, &[])
}

/// [`bounds`] over the rows whose input slot `i` holds finite values of
/// magnitude at most `inputs[i]` (no NaN) where that is `Some`; a slot
/// beyond `inputs` or `None` is unbounded.
pub fn bounds_given(graph: &Graph, inputs: &[Option<f64>]) -> Vec<Option<f64>> {
    let mut out: Vec<Option<f64>> = Vec::with_capacity(graph.nodes.len());
    for node in &graph.nodes {
        let of = |id: super::NodeId| out.get(id.index()).copied().flatten();
        let bound = match &node.op {
            Op::Input { slot } => inputs.get(*slot as usize).copied().flatten(),
            Op::Const { values } => largest(values),
            Op::FillNan { x, .. } => of(*x),
            Op::Scale { x, mul, add } => of(*x)
                .zip(largest(mul))
                .zip(largest(add))
                .map(|((b, m), a)| b * m + a),
            Op::Affine { x, weights, bias, .. } => {
                let width = bias.len().max(1);
                let inner = weights.len() / width;
                of(*x)
                    .filter(|_| weights.iter().all(|w| w.is_finite()))
                    .and_then(|b| {
                        bias.iter().enumerate().try_fold(0.0f64, |m, (r, &c)| {
                            let row = &weights[r * inner..(r + 1) * inner];
                            let sum = row.iter().map(|w| f64::from(w.abs())).sum::<f64>();
                            c.is_finite().then(|| m.max(f64::from(c.abs()) + b * sum))
                        })
                    })
            }
            Op::Concat { parts } => parts.iter().try_fold(0.0f64, |m, &p| of(p).map(|b| m.max(b))),
            Op::Trees { forest, .. } => Some(forest_bound(forest)),
            Op::QuantTrees { forest, .. } => Some(forest_bound(&forest.dequantize())),
            Op::Unary { func, x } => match func {
                UnaryFn::Sigmoid => of(*x).map(|_| 1.0),
                UnaryFn::Neg | UnaryFn::Abs => of(*x),
                UnaryFn::Floor => of(*x).map(|m| m + 1.0),
                UnaryFn::Exp => of(*x).map(f64::exp),
                UnaryFn::Log | UnaryFn::Log1p | UnaryFn::Sqrt => None,
            },
            Op::Binary { op, a, b } => match (op, of(*a), of(*b)) {
                (BinaryOp::Add | BinaryOp::Sub, Some(a), Some(b)) => Some(a + b),
                (BinaryOp::Mul, Some(a), Some(b)) => Some(a * b),
                (BinaryOp::Min | BinaryOp::Max, Some(a), Some(b)) => Some(a.max(b)),
                _ => None,
            },
            Op::Softmax { x } => of(*x).map(|_| 1.0),
            Op::Select { a, b, .. } => of(*a).zip(of(*b)).map(|(a, b)| a.max(b)),
            Op::Compare { .. } | Op::OneHot { .. } => Some(1.0),
            Op::Argmax { x } => graph
                .nodes
                .get(x.index())
                .map(|n| f64::from(n.width.saturating_sub(1))),
            _ => None,
        };
        out.push(bound.filter(|b| b.is_finite() && *b <= FINITE_BELOW));
    }
    out
}

/// True when every output of `graph` is finite for every input row, by
/// [`bounds`].
pub fn always_finite(graph: &Graph) -> bool {
    finite_given(graph, &[])
}

/// True when every output of `graph` is finite for every row within the
/// input bounds `inputs`, by [`bounds_given`].
pub fn finite_given(graph: &Graph, inputs: &[Option<f64>]) -> bool {
    let bounds = bounds_given(graph, inputs);
    graph
        .outputs
        .iter()
        .all(|o| bounds.get(o.node.index()).copied().flatten().is_some())
}

/// The largest magnitude `forest` can add up to: its base plus every tree's
/// largest leaf value (infinite when one is not finite).
fn forest_bound(forest: &super::Forest) -> f64 {
    let base = forest.base.iter().fold(0.0f64, |m, v| m.max(f64::from(v.abs())));
    let k = forest.width().max(1);
    let leaves = (0..forest.roots.len()).map(|t| {
        let range = forest.tree(t);
        forest.nodes[range]
            .iter()
            .filter_map(|n| match n {
                super::TreeNode::Leaf { value } => {
                    let at = *value as usize;
                    forest.leaves.get(at..at + k)
                }
                super::TreeNode::Split { .. } => None,
            })
            .flatten()
            .fold(0.0f64, |m, v| {
                if v.is_finite() {
                    m.max(f64::from(v.abs()))
                } else {
                    f64::INFINITY
                }
            })
    });
    base + leaves.sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Forest, GraphBuilder, InputSlot, SlotKind, TreeNode};

    /// `n` stumps on `x[0]`, each adding `-leaf` or `leaf`, from base `0.25`.
    fn stumps(n: u32, leaf: f32) -> Forest {
        let mut forest = Forest {
            nodes: Vec::new(),
            roots: Vec::new(),
            leaves: Vec::new(),
            base: vec![0.25],
        };
        for t in 0..n {
            forest.roots.push(3 * t);
            forest.nodes.extend([
                TreeNode::Split {
                    feature: 0,
                    threshold: 0.5,
                    missing_left: true,
                    left: 3 * t + 1,
                    right: 3 * t + 2,
                },
                TreeNode::Leaf { value: 2 * t },
                TreeNode::Leaf { value: 2 * t + 1 },
            ]);
            forest.leaves.extend([-leaf, leaf]);
        }
        forest
    }

    /// A graph of input `x` through `ops` (each given the previous node), its
    /// last node the output.
    fn chain(ops: &[&dyn Fn(crate::ir::NodeId) -> Op]) -> Graph {
        let slot = InputSlot {
            name: "x".into(),
            kind: SlotKind::Numeric,
        };
        let mut g = GraphBuilder::new("t", vec![slot]);
        let mut at = g.input(0).unwrap();
        for op in ops {
            at = g.push(op(at)).unwrap();
        }
        g.output("prediction", at);
        g.finish().unwrap()
    }

    /// A tree classifier's probabilities are finite for any row; leaves that
    /// can add up to overflow are not, and neither is a linear model's score.
    #[test]
    fn trees_then_sigmoid_are_finite_and_an_affine_map_is_not() {
        let trees = |n: u32, leaf: f32| {
            move |x| Op::Trees {
                x,
                forest: Box::new(stumps(n, leaf)),
                walk: Default::default(),
            }
        };
        let sigmoid = |x| Op::Unary {
            func: UnaryFn::Sigmoid,
            x,
        };
        let graph = chain(&[&trees(2, 3.0)]);
        assert_eq!(bounds(&graph)[1], Some(6.25));
        assert!(always_finite(&chain(&[&trees(100, 3.0), &sigmoid])));
        assert!(!always_finite(&chain(&[&trees(2, 3e38)])));
        assert!(!always_finite(&chain(&[&trees(2, f32::INFINITY)])));
        let affine = |x| Op::Affine {
            x,
            weights: vec![2.0],
            bias: vec![1.0],
            missing: Vec::new(),
        };
        assert!(!always_finite(&chain(&[&affine])));
        assert!(!always_finite(&chain(&[&affine, &sigmoid])));
        // Within known input bounds the affine map is bounded, unless they are too large.
        assert_eq!(bounds_given(&chain(&[&affine]), &[Some(10.0)])[1], Some(21.0));
        assert!(finite_given(&chain(&[&affine, &sigmoid]), &[Some(10.0)]));
        assert!(!finite_given(&chain(&[&affine]), &[Some(3e38)]));
        assert!(!finite_given(&chain(&[&affine]), &[None]));
    }
}
