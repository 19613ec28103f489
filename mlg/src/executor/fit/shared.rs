//! Fits shared within one run. A `compress` variant fits exactly as its base
//! model does (every step rewrites the fitted graph but `prune(ccp_alpha =
//! ...)`, `prune(trees = f)` and `prune(..., finetune = e)`, which set fit
//! parameters and so change the key), so in a workflow with `compress`
//! statements the first fit of a model on some rows is kept (in the session's [`Keep`]), and every chain
//! that fits the same model on the same rows reuses it and applies only its
//! own steps. Ensembles are kept too, for `distill` students that learn
//! from them.

use super::{Chain, ChainKind, FittedChain, Transform};
use crate::error::Result;
use crate::keep::Keep;
use mlg_compiler::passes::Calibration;
use mlg_stdlib::op::Target;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;
use std::time::Instant;

/// A fitted chain and the seconds its fit took.
#[derive(Clone)]
pub struct SharedFit {
    /// The fitted chain. Its `transforms` are those of the chain that fitted
    /// it first: a chain that reuses it applies its own.
    pub fitted: Arc<FittedChain>,
    /// Seconds the fit took (when reused, the first fit's).
    pub seconds: f64,
}

impl Chain<'_> {
    /// [`Chain::fit`], reusing the run's fit of the same model on the same rows
    /// when the chain has [`Chain::shared`] fits and runs in one process (the
    /// ranks of a job fit together, so they never skip a fit on their own).
    /// Returns the fit and the compiler transforms to compile it with: this
    /// chain's own, since a reused fit carries those of the chain that made
    /// it, and their calibration rows.
    pub fn fit_shared(
        &self,
        target: &Target,
        rows: &[usize],
    ) -> Result<(SharedFit, Vec<Transform>, Option<Calibration>)> {
        let (fit, transforms) = self.fit_or_reuse(target, rows)?;
        let calibration = self.calibration(&transforms, rows)?;
        Ok((fit, transforms, calibration))
    }

    /// [`Chain::fit_shared`] without the calibration rows.
    fn fit_or_reuse(&self, target: &Target, rows: &[usize]) -> Result<(SharedFit, Vec<Transform>)> {
        if let (ChainKind::Model { steps, model, .. }, Some(keep)) = (&self.kind, self.shared) {
            if mlg_runtime::collective::current().size() == 1 {
                let (params, transforms) = self.compressed_params(model)?;
                let key = format!(
                    "{:p}|{}|{:?}|{}|{:?}|{:?}|{:?}",
                    Arc::as_ptr(&self.frame),
                    self.target,
                    steps,
                    model.op.op,
                    params,
                    model.task,
                    model.distill
                );
                let fit = get_or_fit(keep, &key, rows, || self.fit(target, rows))?;
                return Ok((fit, transforms));
            }
        }
        // An ensemble (a `distill` teacher, say) is kept under its stage,
        // which names its members: stages are fixed outside search trials.
        if let (ChainKind::Ensemble { stage, .. }, Some(keep)) = (&self.kind, self.shared) {
            if mlg_runtime::collective::current().size() == 1 {
                let key = format!(
                    "{:p}|{}|ensemble|{stage:?}",
                    Arc::as_ptr(&self.frame),
                    self.target
                );
                let fit = get_or_fit(keep, &key, rows, || self.fit(target, rows))?;
                let transforms = fit.fitted.transforms.clone();
                return Ok((fit, transforms));
            }
        }
        let started = Instant::now();
        let fitted = self.fit(target, rows)?;
        let transforms = fitted.transforms.clone();
        let fit = SharedFit {
            fitted: Arc::new(fitted),
            seconds: started.elapsed().as_secs_f64(),
        };
        Ok((fit, transforms))
    }
}

/// The fit of the chain described by `chain` (its frame, target, features
/// steps, model and fit parameters) on `rows`: the one `keep` holds, or
/// `fit()`'s, kept when it succeeds. Two callers racing on one key may both
/// fit; the first to finish is kept.
pub fn get_or_fit(
    keep: &Keep,
    chain: &str,
    rows: &[usize],
    fit: impl FnOnce() -> Result<FittedChain>,
) -> Result<SharedFit> {
    let key = key(chain, rows);
    if let Some(kept) = keep.get::<SharedFit>(&key) {
        return Ok((*kept).clone());
    }
    let started = Instant::now();
    let fitted = Arc::new(fit()?);
    let made = SharedFit {
        fitted,
        seconds: started.elapsed().as_secs_f64(),
    };
    Ok((*keep.keep(key, Arc::new(made))).clone())
}

/// The key of `chain` on `rows`: the rows as their count and two independent
/// 64-bit hashes (FNV-1a and SipHash), since a collision would be a wrong
/// answer.
fn key(chain: &str, rows: &[usize]) -> String {
    let mut fnv: u64 = 0xcbf2_9ce4_8422_2325;
    for &r in rows {
        for b in (r as u64).to_le_bytes() {
            fnv = (fnv ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    let mut sip = DefaultHasher::new();
    rows.hash(&mut sip);
    format!("fit|{chain}|{}|{fnv:016x}|{:016x}", rows.len(), sip.finish())
}
