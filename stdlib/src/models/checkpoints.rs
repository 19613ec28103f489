//! Checkpoints of the iterative solvers (L-BFGS, Newton, proximal Newton,
//! conjugate gradient) of a deployed fit ([`mlg_runtime::checkpoint`]), and
//! the fingerprint of the settings and data every checkpointed fit checks.
//! Each solver, after an iteration that is due, hands over what its next
//! iteration reads (the point, the iterations done, and its own memory:
//! L-BFGS's curvature pairs, conjugate gradient's direction and last step);
//! the objective and gradient are computed again from the point on resume,
//! which gives the same bits, so the resumed solver takes the steps the
//! uninterrupted one takes and ends at the same coefficients.

use crate::op::{Matrix, OpError, Target};
use crate::registry::invalid;
use mlg_runtime::checkpoint::{
    fingerprint, fingerprint_f64s, fingerprint_u32s, Saver, Slot, WordReader, Words,
};
use mlg_runtime::collective::Collective;

/// A solver's link to its checkpoint: the state to resume from, if any, and
/// where to save the next. [`SolverCheckpoint::none`] does nothing.
#[derive(Debug, Default)]
pub(crate) struct SolverCheckpoint {
    saver: Option<Saver>,
    restored: Option<Vec<u8>>,
    /// Where it is saved (for errors).
    path: Option<String>,
    /// The first save that failed; the fit then fails with it.
    failed: Option<String>,
}

impl SolverCheckpoint {
    /// No checkpoint: nothing restored, nothing saved.
    pub(crate) fn none() -> Self {
        SolverCheckpoint::default()
    }

    /// The checkpoint of a deployed fit (the run's slot, when it has one) of
    /// the fit whose fingerprint `print()` gives (computed only then), saved every `every` iterations (about once a minute
    /// without it); on `--resume`, its state. In a distributed job rank 0
    /// reads it and sends it to every rank.
    pub(crate) fn open(op: &str, print: impl FnOnce() -> u64, every: Option<usize>) -> Result<Self, OpError> {
        let Some(slot) = mlg_runtime::checkpoint::slot() else {
            return Ok(Self::none());
        };
        let print = print();
        let comm = mlg_runtime::collective::current();
        let ranks: Option<&dyn Collective> = (comm.size() > 1).then_some(&*comm);
        let restored = mlg_runtime::checkpoint::restore(&slot, print, ranks).map_err(|e| invalid(op, e))?;
        Ok(SolverCheckpoint {
            path: Some(slot.path.display().to_string()),
            saver: Some(Saver::new(Slot::clone(&slot), print, every)),
            restored,
            failed: None,
        })
    }

    /// The restored state's words, once (`None` without one).
    pub(crate) fn take(&mut self) -> Option<Vec<u8>> {
        self.restored.take()
    }

    /// After `iterations` iterations: saves `state()` when it is due.
    pub(crate) fn after(&mut self, iterations: usize, state: impl FnOnce() -> Words) {
        if self.failed.is_some() {
            return;
        }
        if let Some(saver) = self.saver.as_mut() {
            if let Err(e) = saver.after(iterations, || state().into_bytes()) {
                self.failed = Some(e.to_string());
            }
        }
    }

    /// A restored state that the solver could not read: the file belongs to
    /// another fit or is damaged.
    pub(crate) fn unreadable(&self, op: &str) -> OpError {
        invalid(
            op,
            format!(
                "checkpoint `{}` does not hold this fit's solver state; delete it",
                self.path.as_deref().unwrap_or("?")
            ),
        )
    }

    /// `Ok` unless a save failed, which is the fit's error.
    pub(crate) fn finish(self, op: &str) -> Result<(), OpError> {
        match self.failed {
            Some(e) => Err(invalid(op, e)),
            None => Ok(()),
        }
    }
}

/// Reads `words` with `read`, which must use every word.
pub(crate) fn decode<T>(words: &[u8], read: impl FnOnce(&mut WordReader<'_>) -> Option<T>) -> Option<T> {
    let mut r = WordReader::new(words);
    let v = read(&mut r)?;
    r.is_done().then_some(v)
}

/// What a resumed fit must match to continue from a checkpoint: the
/// settings (`settings`, the model's `Debug` form), the rows and the target.
pub(crate) fn fingerprint_of(settings: &str, x: &Matrix, y: &Target) -> u64 {
    let head = format!("{settings} rows={} cols={}", x.rows, x.cols);
    let h = fingerprint_f64s(fingerprint(head.as_bytes()), &x.data);
    match y {
        Target::Classes { codes, .. } => fingerprint_u32s(h, codes),
        Target::Values(v) => fingerprint_f64s(h, v),
    }
}
