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

    /// The class-weighted draw of a bootstrap over every rank's rows
    /// (`codes` this rank's classes): see [`Share::weighted_bootstrap`].
    pub(super) fn weighted_draw(&self, codes: &[u32], per_class: &[f64]) -> WeightedDraw {
        let k = per_class.len();
        let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); k];
        for (r, &c) in codes.iter().enumerate() {
            by_class[c as usize].push(r);
        }
        let (size, rank) = self.comm.map_or((1, 0), |c| (c.size(), c.rank()));
        // Rows of each class on each rank, rank-major (an all-gather by sum).
        let mut table = vec![0u64; size * k];
        for (c, rows) in by_class.iter().enumerate() {
            table[rank * k + c] = rows.len() as u64;
        }
        if let Some(comm) = self.comm {
            comm.all_reduce_u64(&mut table);
        }
        let global: Vec<u64> = (0..k)
            .map(|c| (0..size).map(|r| table[r * k + c]).sum())
            .collect();
        let first = (0..k)
            .map(|c| (0..rank).map(|r| table[r * k + c]).sum())
            .collect();
        let mut mass = Vec::with_capacity(k);
        let mut total = 0.0;
        for (w, &count) in per_class.iter().zip(&global) {
            total += w * count as f64;
            mass.push(total);
        }
        WeightedDraw {
            by_class,
            global,
            first,
            mass,
        }
    }

    /// The bootstrap counts of this rank's `n` rows when a row of class `c`
    /// is drawn with probability proportional to the class's weight (as
    /// scikit-learn 1.8 and later draw a forest's bootstrap by sample
    /// weight): `total` draws of a class by its weighted mass, then of one
    /// of that class's global rows uniformly, replayed by every rank as one
    /// process draws them.
    pub(super) fn weighted_bootstrap(&self, draw: &WeightedDraw, rng: &mut SplitMix64, n: usize) -> Vec<f64> {
        let mut weight = vec![0.0; n];
        let total_mass = draw.mass.last().copied().unwrap_or(0.0);
        for _ in 0..self.total {
            let u = rng.next_f64() * total_mass;
            // The first class whose cumulative mass exceeds u: never one of
            // zero mass.
            let c = draw.mass.partition_point(|&m| m <= u).min(draw.mass.len() - 1);
            let j = rng.below(draw.global[c].max(1));
            let local = j
                .checked_sub(draw.first[c])
                .and_then(|i| draw.by_class[c].get(i as usize));
            if let Some(&r) = local {
                weight[r] += 1.0;
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

/// What [`Share::weighted_bootstrap`] draws from: this rank's rows of each
/// class, every class's row count over the ranks, this rank's first index
/// among them, and the cumulative weighted mass of the classes.
pub(super) struct WeightedDraw {
    by_class: Vec<Vec<usize>>,
    global: Vec<u64>,
    first: Vec<u64>,
    mass: Vec<f64>,
}
