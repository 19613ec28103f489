//! The rows a boosting fit holds out for early stopping, and the rows each
//! round's subsample keeps. In one process: a seeded shuffle of the rows,
//! then `round(fraction · n_c)` rows of every class `c` (classifiers) or
//! `ceil(fraction · n)` rows (regressors) held out, as scikit-learn's
//! stratified split does; a subsample draws `round(fraction · n)` training
//! rows without replacement.
//!
//! On rows spread over the ranks both are one process's choices over the
//! global rows (numbered rank after rank), each rank keeping its own: the
//! held-out rows need every row's class for the strata (gathered, 4 bytes a
//! row; a regressor needs only the row counts), a subsample only the global
//! count of training rows and the generator, which every rank draws alike.
//! Every rank's training rows, in order, are then one process's training
//! rows, so the bins, the trees and the held-out scores are one process's.

use crate::eval::rng::SplitMix64;
use mlg_runtime::collective::{concat_u32, counts, Collective};

/// This rank's training and held-out rows (local, ascending), and where its
/// training rows sit among every rank's.
pub(super) struct Holdout {
    /// Training rows.
    pub train: Vec<usize>,
    /// Held-out rows.
    pub val: Vec<usize>,
    /// Every rank's training rows.
    pub total_train: usize,
    /// Every rank's held-out rows.
    pub total_val: usize,
    /// The global number (among the training rows) of this rank's first.
    pub train_offset: usize,
}

impl Holdout {
    /// Every row trains, none is held out.
    pub fn none(comm: Option<&dyn Collective>, n: usize) -> Holdout {
        let (offset, total) = match comm {
            Some(comm) => {
                let counts = counts(comm, n);
                (counts[..comm.rank()].iter().sum(), counts.iter().sum())
            }
            None => (0, n),
        };
        Holdout {
            train: (0..n).collect(),
            val: Vec::new(),
            total_train: total,
            total_val: 0,
            train_offset: offset,
        }
    }

    /// The split of the module doc for `fraction` and `seed`, of this rank's
    /// targets `y` (class indices when `classes > 0`, else values) among
    /// every rank's of `comm` (or alone without it).
    pub fn split(
        comm: Option<&dyn Collective>,
        y: &[f64],
        classes: usize,
        fraction: f64,
        seed: u64,
    ) -> Holdout {
        let n = y.len();
        let (offset, global): (usize, Vec<u32>) = match comm {
            None => (0, strata(y, classes)),
            Some(comm) => {
                let counts = counts(comm, n);
                let offset = counts[..comm.rank()].iter().sum();
                let all = if classes > 0 {
                    concat_u32(comm, &strata(y, classes))
                } else {
                    vec![0; counts.iter().sum()]
                };
                (offset, all)
            }
        };
        let held = held_out(&global, classes, fraction, seed);
        let (train, val) = (0..n).partition(|&r| !held[offset + r]);
        let total_val = held.iter().filter(|&&h| h).count();
        Holdout {
            train,
            val,
            total_train: held.len() - total_val,
            total_val,
            train_offset: held[..offset].iter().filter(|&&h| !h).count(),
        }
    }

    /// This rank's training rows (indices into [`Holdout::train`],
    /// ascending) of a round's subsample of `fraction` of every rank's, or
    /// `None` for all; `rng` draws as in one process.
    pub fn sample(&self, fraction: f64, rng: &mut SplitMix64) -> Option<Vec<u32>> {
        if fraction >= 1.0 {
            return None;
        }
        let n = self.total_train;
        let m = ((fraction * n as f64).round() as usize).clamp(1, n.max(1));
        let mut all: Vec<u32> = (0..n as u32).collect();
        for i in 0..m.min(n) {
            let j = i + rng.below((n - i) as u64) as usize;
            all.swap(i, j);
        }
        all.truncate(m);
        all.sort_unstable();
        if self.train_offset == 0 && self.train.len() == n {
            return Some(all);
        }
        let mine = self.train_offset as u32..(self.train_offset + self.train.len()) as u32;
        Some(
            all.into_iter()
                .filter(|g| mine.contains(g))
                .map(|g| g - mine.start)
                .collect(),
        )
    }
}

/// The strata of `y`: class indices, or all zeros for a regressor.
fn strata(y: &[f64], classes: usize) -> Vec<u32> {
    if classes > 0 {
        y.iter().map(|&c| c as u32).collect()
    } else {
        vec![0; y.len()]
    }
}

/// Which rows of `strata` (every row's class index, when `classes > 0`) are
/// held out.
fn held_out(strata: &[u32], classes: usize, fraction: f64, seed: u64) -> Vec<bool> {
    let n = strata.len();
    let mut order: Vec<usize> = (0..n).collect();
    SplitMix64::new(seed).shuffle(&mut order);
    let mut held = vec![false; n];
    if classes == 0 {
        let n_val = (fraction * n as f64).ceil() as usize;
        order.iter().take(n_val).for_each(|&r| held[r] = true);
    } else {
        let mut counts = vec![0usize; classes];
        strata.iter().for_each(|&c| counts[c as usize] += 1);
        let mut quota: Vec<usize> = counts
            .iter()
            .map(|&c| (fraction * c as f64).round() as usize)
            .collect();
        for &r in &order {
            let c = strata[r] as usize;
            if quota[c] > 0 {
                quota[c] -= 1;
                held[r] = true;
            }
        }
    }
    held
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlg_runtime::collective::{share, Local};

    /// On 2 and 3 ranks, the held-out rows and every round's sample are one
    /// process's, rank by rank.
    #[test]
    fn ranks_hold_out_and_sample_one_process_rows() {
        let n = 101;
        let y: Vec<f64> = (0..n).map(|i| ((i * 7) % 3) as f64).collect();
        for classes in [0, 3] {
            let one = Holdout::split(None, &y, classes, 0.2, 5);
            assert_eq!(one.total_val, one.val.len());
            assert!(one.val.len() >= 20 && one.val.len() <= 22, "{}", one.val.len());
            let mut rng = SplitMix64::new(9);
            let want: Vec<Vec<u32>> = (0..3)
                .map(|_| one.sample(0.5, &mut rng).expect("sample"))
                .collect();
            for size in [2, 3] {
                let y = y.clone();
                let parts = Local::run(size, move |rank| {
                    let r = share(n, size, rank);
                    let comm = mlg_runtime::collective::current();
                    let h = Holdout::split(Some(&*comm), &y[r.clone()], classes, 0.2, 5);
                    let mut rng = SplitMix64::new(9);
                    let samples: Vec<Vec<u32>> = (0..3)
                        .map(|_| {
                            h.sample(0.5, &mut rng)
                                .expect("sample")
                                .iter()
                                .map(|&i| (r.start + h.train[i as usize]) as u32)
                                .collect()
                        })
                        .collect();
                    let global = |rows: &[usize]| rows.iter().map(|i| r.start + i).collect::<Vec<_>>();
                    (global(&h.train), global(&h.val), samples, h.total_val)
                });
                let train: Vec<usize> = parts.iter().flat_map(|p| p.0.clone()).collect();
                let val: Vec<usize> = parts.iter().flat_map(|p| p.1.clone()).collect();
                assert_eq!((train, val), (one.train.clone(), one.val.clone()));
                for (round, want) in want.iter().enumerate() {
                    let got: Vec<u32> = parts.iter().flat_map(|p| p.2[round].clone()).collect();
                    let want: Vec<u32> = want.iter().map(|&i| one.train[i as usize] as u32).collect();
                    assert_eq!(got, want, "round {round} on {size} ranks");
                }
                assert!(parts.iter().all(|p| p.3 == one.total_val));
            }
        }
    }
}
