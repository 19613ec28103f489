//! Magnitude pruning with recovery (`prune(magnitude = f, finetune = e,
//! steps = n)` on an MLP): after the usual training, `n` times, each layer's
//! smallest weights are set to zero up to the share `s_t = f (1 - (1 -
//! t/n)^3)` of Zhu & Gupta's gradual schedule ("To prune, or not to prune",
//! 2017), and the network trains `e` more epochs with those weights held at
//! zero (a fresh optimizer each time, the model's own learning rate and
//! stopping rule). The last step reaches `f`. Ties go to the lower index, as
//! in the compiler's `prune-magnitude` pass, so pruning the fitted model
//! again to `f` changes nothing.

use super::{FittedMlp, Layer, Mlp};
use crate::op::{Matrix, OpError, Target};

/// Pruning with recovery, from the executor's fit parameters
/// [`PRUNE_MAGNITUDE`], [`PRUNE_FINETUNE`] and [`PRUNE_STEPS`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prune {
    /// The final share of each layer's weights set to zero, in `(0, 1)`.
    pub fraction: f64,
    /// Epochs trained after each pruning step.
    pub finetune: usize,
    /// Pruning steps (1: prune once, then fine-tune).
    pub steps: usize,
}

/// The fit parameter of the final pruned share (set by `prune(magnitude =
/// f, finetune = e)`, not a catalog parameter).
pub const PRUNE_MAGNITUDE: &str = "prune_magnitude";
/// The fit parameter of the epochs after each pruning step.
pub const PRUNE_FINETUNE: &str = "prune_finetune";
/// The fit parameter of the number of pruning steps.
pub const PRUNE_STEPS: &str = "prune_steps";

/// Where a constrained retraining starts: the layers, what holds after
/// every optimizer step, and how many epochs it runs.
pub(super) struct Start {
    pub(super) layers: Vec<Layer>,
    pub(super) constraint: Constraint,
    pub(super) epochs: usize,
}

/// What a retraining holds after every optimizer step.
pub(super) enum Constraint {
    /// The masked weights (`true`: pruned, one mask per layer) stay zero.
    Mask(Vec<Vec<bool>>),
    /// Each layer with a rank stays projected onto it (see
    /// [`super::low_rank`]).
    Rank(Vec<Option<usize>>),
}

impl Constraint {
    /// Makes `layers` satisfy the constraint.
    pub(super) fn apply(&self, layers: &mut [Layer]) {
        match self {
            Constraint::Mask(masks) => apply(layers, masks),
            Constraint::Rank(ranks) => super::low_rank::project(layers, ranks),
        }
    }
}

impl Mlp {
    /// Trains, then prunes and fine-tunes by `self.prune` when set, then
    /// factorizes and fine-tunes by `self.low_rank` when set; `soft` as in
    /// [`Mlp::fit_mlp_soft`]. The fit reports every epoch it ran.
    pub(super) fn fit_pruned(
        &self,
        x: &Matrix,
        y: &Target,
        soft: Option<&[f64]>,
    ) -> Result<FittedMlp, OpError> {
        let mut fitted = self.fit_mlp_on(x, y, soft, None)?;
        let mut epochs = fitted.epochs_run;
        if let Some(prune) = self.prune {
            let steps = prune.steps.max(1);
            for t in 1..=steps {
                let share = prune.fraction * (1.0 - (1.0 - t as f64 / steps as f64).powi(3));
                let masks = masks(&fitted.layers, share);
                apply(&mut fitted.layers, &masks);
                if prune.finetune == 0 {
                    continue;
                }
                let start = Start {
                    layers: std::mem::take(&mut fitted.layers),
                    constraint: Constraint::Mask(masks),
                    epochs: prune.finetune,
                };
                fitted = self.fit_mlp_on(x, y, soft, Some(start))?;
                epochs += fitted.epochs_run;
            }
        }
        if let Some(low) = self.low_rank {
            let ranks = super::low_rank::ranks(&fitted.layers, low.rank);
            super::low_rank::project(&mut fitted.layers, &ranks);
            if low.finetune > 0 {
                let start = Start {
                    layers: std::mem::take(&mut fitted.layers),
                    constraint: Constraint::Rank(ranks),
                    epochs: low.finetune,
                };
                fitted = self.fit_mlp_on(x, y, soft, Some(start))?;
                epochs += fitted.epochs_run;
            }
        }
        fitted.epochs_run = epochs;
        Ok(fitted)
    }
}

/// Per layer, `true` at the `floor(share · n)` weights of smallest magnitude
/// (ties by lower index).
pub(super) fn masks(layers: &[Layer], share: f64) -> Vec<Vec<bool>> {
    layers
        .iter()
        .map(|layer| {
            let w = &layer.weights;
            let k = ((share.clamp(0.0, 1.0) * w.len() as f64).floor() as usize).min(w.len());
            let mut order: Vec<usize> = (0..w.len()).collect();
            order.sort_by(|&a, &b| w[a].abs().total_cmp(&w[b].abs()).then(a.cmp(&b)));
            let mut mask = vec![false; w.len()];
            order[..k].iter().for_each(|&j| mask[j] = true);
            mask
        })
        .collect()
}

/// Sets the masked weights of every layer to zero.
pub(super) fn apply(layers: &mut [Layer], masks: &[Vec<bool>]) {
    for (layer, mask) in layers.iter_mut().zip(masks) {
        for (w, &m) in layer.weights.iter_mut().zip(mask) {
            if m {
                *w = 0.0;
            }
        }
    }
}
