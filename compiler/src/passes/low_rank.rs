//! Low-rank factorization: every dense layer whose truncated SVD is cheaper
//! becomes two narrower layers (an opt-in, lossy transform).

use faer::Mat;

use super::{Pass, Rebuild, Transformed};
use crate::ir::{Graph, NodeId, Op};

/// How many singular values a factorized layer keeps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rank {
    /// Exactly this many (at least 1).
    Fixed(usize),
    /// The fewest whose squares sum to at least this share, in `(0, 1]`, of
    /// the squared Frobenius norm (the "energy") of the layer's weights.
    Energy(f64),
}

/// Replaces every [`Op::Affine`] `y = W x' + b` (`W` of `out x in`, `x'` the
/// operand with `missing` filled) whose rank-`k` form is cheaper by two affines
/// `h = Vkᵀ x'` (width `k`, no bias, the original `missing`) and
/// `y = (Uk Sk) h + b`, where `W = U S Vᵀ` is the thin SVD computed in `f64`
/// (faer) and `Uk`, `Sk`, `Vk` keep the `k` largest singular values, `k` as
/// [`Rank`] says. Cheaper means fewer multiply-adds: `k (in + out) < in out`,
/// which needs `k < min(in, out)`. A layer with a non-finite weight,
/// [`Op::QuantAffine`] and every other op are copied.
///
/// Contract: lossy by design: each factorized layer computes the best rank-`k`
/// approximation of `W` (Eckart–Young), rounded to `f32`; a layer of rank at
/// most `k` is reproduced up to rounding. Output widths are unchanged. Changed
/// exactly when some layer is factorized; otherwise the graph is handed back.
#[derive(Clone, Copy, Debug)]
pub struct LowRank {
    /// The rank rule.
    pub rank: Rank,
}

/// One factorized layer: `(k, first weights k x in, second weights out x k)`.
type Factors = (usize, Vec<f32>, Vec<f32>);

impl LowRank {
    /// The factors of `weights` (`out` rows) when its rank-`k` form is cheaper
    /// (a layer with a non-finite weight is left alone).
    fn factor(&self, weights: &[f32], out: usize) -> Option<Factors> {
        let inw = weights.len().checked_div(out)?;
        let cheaper = |k: usize| k * (inw + out) < inw * out;
        if matches!(self.rank, Rank::Fixed(k) if !cheaper(k)) || !weights.iter().all(|w| w.is_finite()) {
            return None;
        }
        let w = Mat::from_fn(out, inw, |r, c| f64::from(weights[r * inw + c]));
        let svd = w.thin_svd().ok()?;
        let s: Vec<f64> = svd.S().column_vector().iter().copied().collect();
        let k = match self.rank {
            Rank::Fixed(k) => k.max(1),
            Rank::Energy(share) => {
                let target = share * s.iter().map(|v| v * v).sum::<f64>();
                let mut kept = 0.0;
                let needed = s
                    .iter()
                    .take_while(|v| {
                        let below = kept < target;
                        kept += *v * *v;
                        below
                    })
                    .count();
                needed.max(1)
            }
        };
        if !cheaper(k) || k >= s.len() {
            return None;
        }
        let (u, v, s) = (svd.U(), svd.V(), &s);
        let first = (0..k)
            .flat_map(|q| (0..inw).map(move |c| v[(c, q)] as f32))
            .collect();
        let second = (0..out)
            .flat_map(|r| (0..k).map(move |q| (u[(r, q)] * s[q]) as f32))
            .collect();
        Some((k, first, second))
    }

    /// Whether [`LowRank::factor`] factorizes `weights` (`out` rows); a fixed
    /// rank needs no SVD to tell.
    fn factorizes(&self, weights: &[f32], out: usize) -> bool {
        match self.rank {
            Rank::Fixed(k) => {
                let Some(inw) = weights.len().checked_div(out) else {
                    return false;
                };
                let k = k.max(1);
                k * (inw + out) < inw * out && k < inw.min(out) && weights.iter().all(|w| w.is_finite())
            }
            Rank::Energy(_) => self.factor(weights, out).is_some(),
        }
    }

    /// How many of `graph`'s layers the pass factorizes.
    pub fn factorized_layers(&self, graph: &Graph) -> usize {
        graph
            .nodes
            .iter()
            .filter(|n| match &n.op {
                Op::Affine { weights, bias, .. } => self.factorizes(weights, bias.len()),
                _ => false,
            })
            .count()
    }
}

impl Pass for LowRank {
    fn name(&self) -> &'static str {
        "low-rank"
    }

    fn rewrite(&self, graph: Graph) -> Transformed<Graph> {
        let mut out = Rebuild::new(&graph);
        let mut factored = false;
        for (i, node) in graph.nodes.iter().enumerate() {
            let op = out.remap(&node.op);
            let new = match &op {
                Op::Affine {
                    x,
                    weights,
                    bias,
                    missing,
                } => match self.factor(weights, bias.len()) {
                    Some((k, first, second)) => {
                        factored = true;
                        let h = out.push(
                            Op::Affine {
                                x: *x,
                                weights: first,
                                bias: vec![0.0; k],
                                missing: missing.clone(),
                            },
                            k as u32,
                        );
                        out.push(
                            Op::Affine {
                                x: h,
                                weights: second,
                                bias: bias.clone(),
                                missing: Vec::new(),
                            },
                            node.width,
                        )
                    }
                    None => out.push(op, node.width),
                },
                _ => out.push(op, node.width),
            };
            out.set(NodeId(i as u32), new);
        }
        if factored {
            Transformed::yes(out.finish(&graph))
        } else {
            Transformed::no(graph)
        }
    }
}
