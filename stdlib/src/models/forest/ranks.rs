//! A forest on rows spread over the ranks of a distributed job: which global
//! rows this rank holds, and the bootstrap sample one process would draw,
//! replayed by every rank over the global row numbers so each keeps the
//! counts of its own rows. Every tree then grows from statistics summed over
//! the ranks (`tree/ranks.rs`), so the forest is one process's: bit for bit
//! for a classifier without class weights (its sums are integers), to
//! rounding otherwise, and the same on any number of ranks.

use crate::eval::rng::SplitMix64;
use crate::op::OpError;
use crate::registry::invalid;
use mlg_runtime::collective::{counts, Collective};

/// This rank's rows among every rank's.
#[derive(Clone, Copy)]
pub(super) struct Share<'a> {
    /// The job's ranks; `None` in one process.
    pub comm: Option<&'a dyn Collective>,
    /// Global number of this rank's first row.
    pub offset: usize,
    /// Rows of every rank.
    pub total: usize,
}

impl<'a> Share<'a> {
    /// The share of this rank's `n` rows: the whole data in one process
    /// (`comm` of one rank or `None`).
    pub(super) fn of(comm: Option<&'a dyn Collective>, n: usize) -> Self {
        match comm.filter(|c| c.size() > 1) {
            Some(c) => {
                let all = counts(c, n);
                Share {
                    comm: Some(c),
                    offset: all[..c.rank()].iter().sum(),
                    total: all.iter().sum(),
                }
            }
            None => Share {
                comm: None,
                offset: 0,
                total: n,
            },
        }
    }

    /// The bootstrap counts of this rank's `n` rows: `total` draws with
    /// replacement over the global rows from `rng`, as one process draws
    /// them, each rank keeping the draws that fall on its rows.
    pub(super) fn bootstrap(&self, rng: &mut SplitMix64, n: usize) -> Vec<f64> {
        let mut weight = vec![0.0; n];
        for _ in 0..self.total {
            let r = rng.below(self.total as u64) as usize;
            if let Some(w) = r.checked_sub(self.offset).and_then(|i| weight.get_mut(i)) {
                *w += 1.0;
            }
        }
        weight
    }

    /// `outcome` on every rank when it is `Ok` on every rank; otherwise the
    /// first failing rank's error, on every rank (so none goes on to a
    /// collective the others never reach).
    pub(super) fn agree<T>(&self, op: &str, outcome: Result<T, OpError>) -> Result<T, OpError> {
        let Some(comm) = self.comm else {
            return outcome;
        };
        let failed = comm.failures(outcome.as_ref().map(|_| ()).map_err(ToString::to_string));
        match failed.into_iter().next() {
            None => outcome,
            Some((rank, _)) if rank == comm.rank() => outcome,
            Some((rank, message)) => Err(invalid(op, format!("rank {rank}: {message}"))),
        }
    }
}
