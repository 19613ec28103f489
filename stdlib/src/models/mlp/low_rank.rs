//! Low-rank factorization with recovery (`low_rank(rank = k, finetune = e)`
//! on an MLP): after the usual training, every layer whose rank-`k` form is
//! cheaper (`k (in + out) < in · out`, the rule of the compiler's `low-rank`
//! pass) becomes its best rank-`k` approximation (truncated SVD,
//! Eckart–Young), then the network trains `e` more epochs with those layers
//! projected back onto rank `k` after every optimizer step (projected
//! gradient descent; a fresh optimizer, the model's own learning rate and
//! stopping rule). The compiler's `low-rank` pass then splits each such layer
//! into its two factors, exactly up to `f32` rounding, since its rank is `k`.
//! The factors are not trained as two layers of their own (a linear
//! bottleneck): the full matrix trains and is projected, which searches the
//! same set of rank-`k` matrices without a second layer type.

use super::Layer;
use faer::Mat;

/// Low-rank factorization with recovery, from the executor's fit parameters
/// [`LOW_RANK_RANK`] and [`LOW_RANK_FINETUNE`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LowRankFit {
    /// The rank of every layer it makes cheaper, at least 1.
    pub rank: usize,
    /// Epochs trained with the rank held.
    pub finetune: usize,
}

/// The fit parameter of the rank (set by `low_rank(rank = k, finetune = e)`,
/// not a catalog parameter).
pub const LOW_RANK_RANK: &str = "low_rank_rank";
/// The fit parameter of the fine-tuning epochs.
pub const LOW_RANK_FINETUNE: &str = "low_rank_finetune";

/// Per layer, `Some(k)` where its rank-`k` form is cheaper, as the
/// compiler's `low-rank` pass decides.
pub(super) fn ranks(layers: &[Layer], k: usize) -> Vec<Option<usize>> {
    layers
        .iter()
        .map(|l| (k * (l.inputs + l.outputs) < l.inputs * l.outputs).then_some(k))
        .collect()
}

/// Replaces every layer with a rank by its best approximation of that rank
/// (a layer whose SVD fails, or with a non-finite weight, is left as it is).
pub(super) fn project(layers: &mut [Layer], ranks: &[Option<usize>]) {
    for (layer, &k) in layers.iter_mut().zip(ranks) {
        if let Some(k) = k {
            truncate(&mut layer.weights, layer.outputs, layer.inputs, k);
        }
    }
}

/// `w` (`out × inw`, row-major) to `U_k S_k V_kᵀ`.
fn truncate(w: &mut [f64], out: usize, inw: usize, k: usize) {
    if !w.iter().all(|v| v.is_finite()) {
        return;
    }
    let m = Mat::from_fn(out, inw, |r, c| w[r * inw + c]);
    let Ok(svd) = m.thin_svd() else {
        return;
    };
    let s: Vec<f64> = svd.S().column_vector().iter().copied().collect();
    let (u, v) = (svd.U(), svd.V());
    let k = k.min(s.len());
    for r in 0..out {
        for c in 0..inw {
            w[r * inw + c] = (0..k).map(|q| u[(r, q)] * s[q] * v[(c, q)]).sum();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_projected_layer_has_the_rank_and_keeps_the_largest_direction() {
        // Rank 2: rows (1, 0, 0, 0), (0, 0.1, 0, 0), (1, 0, 0, 0) ...
        let mut layers = vec![Layer {
            inputs: 4,
            outputs: 4,
            weights: vec![
                2.0, 0.0, 0.0, 0.0, //
                0.0, 0.1, 0.0, 0.0, //
                2.0, 0.0, 0.0, 0.0, //
                0.0, 0.0, 0.0, 0.0,
            ],
            bias: vec![0.0; 4],
        }];
        let ranks = ranks(&layers, 1);
        assert_eq!(ranks, vec![Some(1)]);
        project(&mut layers, &ranks);
        let w = &layers[0].weights;
        assert!((w[0] - 2.0).abs() < 1e-12 && (w[8] - 2.0).abs() < 1e-12, "{w:?}");
        assert!(w[5].abs() < 1e-12, "the small direction is gone: {w:?}");
        // A 1 x 4 layer gets cheaper at no rank.
        let narrow = Layer {
            inputs: 4,
            outputs: 1,
            weights: vec![1.0; 4],
            bias: vec![0.0],
        };
        assert_eq!(super::ranks(&[narrow], 1), vec![None]);
    }
}
