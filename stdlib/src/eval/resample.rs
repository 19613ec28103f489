//! Resampling methods built on the basic splits: repeated k-fold
//! (scikit-learn's `RepeatedKFold` / `RepeatedStratifiedKFold`) and the
//! bootstrap with out-of-bag test rows (Efron's .632 estimator).

use super::rng::SplitMix64;
use super::{kfold, Split};
use crate::op::OpError;
use crate::registry::invalid;

/// Weight of the resubstitution (training-set) score in Efron's .632 estimate;
/// the out-of-bag score gets `1 - RESUBSTITUTION_WEIGHT` = 0.632.
pub const RESUBSTITUTION_WEIGHT: f64 = 0.368;

/// The seed of repeat `r` of a repeated method seeded with `seed`: the `r`-th
/// output of a [`SplitMix64`] seeded with `seed`, so every repeat reshuffles
/// differently and the whole sequence is fixed by `seed`.
pub fn repeat_seed(seed: u64, r: usize) -> u64 {
    let mut rng = SplitMix64::new(seed);
    let mut out = rng.next_u64();
    for _ in 0..r {
        out = rng.next_u64();
    }
    out
}

/// `repeats` rounds of shuffled [`kfold`] (stratified when `strata` is given),
/// round `r` shuffled with [`repeat_seed`]`(seed, r)`: `k * repeats` splits, the
/// `k` of each round partitioning the rows, rounds in order. Errors as
/// [`kfold`] does, and when `repeats` is 0.
pub fn repeated_kfold(
    n: usize,
    k: usize,
    repeats: usize,
    seed: u64,
    strata: Option<&[u32]>,
) -> Result<Vec<Split>, OpError> {
    if repeats == 0 {
        return Err(invalid("repeated_kfold", "repeats must be at least 1"));
    }
    let mut splits = Vec::with_capacity(k * repeats);
    for r in 0..repeats {
        let round =
            kfold(n, k, true, repeat_seed(seed, r), strata).map_err(|e| rename(e, "repeated_kfold"))?;
        splits.extend(round);
    }
    Ok(splits)
}

/// `resamples` bootstrap splits of `n` rows: each draws `n` rows uniformly with
/// replacement (seeded by `seed`, one generator for the whole sequence) as its
/// training rows — sorted ascending, repeats kept, so a row drawn twice trains
/// twice — and tests on the rows never drawn (out-of-bag), or on every row when
/// `oob` is false. A draw whose out-of-bag set is empty is redrawn from the same
/// generator. Errors when `n < 2` or `resamples` is 0.
pub fn bootstrap(n: usize, resamples: usize, seed: u64, oob: bool) -> Result<Vec<Split>, OpError> {
    if n < 2 {
        return Err(invalid("bootstrap", format!("needs at least 2 rows, got {n}")));
    }
    if resamples == 0 {
        return Err(invalid(
            "bootstrap",
            "n (the number of resamples) must be at least 1",
        ));
    }
    let mut rng = SplitMix64::new(seed);
    let mut splits = Vec::with_capacity(resamples);
    while splits.len() < resamples {
        let mut drawn = vec![0u32; n];
        for _ in 0..n {
            drawn[rng.below(n as u64) as usize] += 1;
        }
        let out_of_bag: Vec<usize> = (0..n).filter(|&r| drawn[r] == 0).collect();
        if out_of_bag.is_empty() {
            continue; // probability n!/n^n: negligible beyond a handful of rows
        }
        let train: Vec<usize> = (0..n)
            .flat_map(|r| std::iter::repeat_n(r, drawn[r] as usize))
            .collect();
        let test = if oob { out_of_bag } else { (0..n).collect() };
        splits.push(Split { train, test });
    }
    Ok(splits)
}

/// Efron's .632 estimate from the resubstitution score (model fitted and scored
/// on every row) and the mean out-of-bag score:
/// `0.368 * resubstitution + 0.632 * out_of_bag`.
pub fn estimate_632(resubstitution: f64, out_of_bag: f64) -> f64 {
    RESUBSTITUTION_WEIGHT * resubstitution + (1.0 - RESUBSTITUTION_WEIGHT) * out_of_bag
}

/// `e` reported under operator name `op` (the user wrote `op`, not `kfold`).
fn rename(e: OpError, op: &str) -> OpError {
    match e {
        OpError::Invalid { message, .. } => invalid(op, message),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_kfold_partitions_each_round_and_reshuffles() {
        let strata: Vec<u32> = (0..30).map(|i| (i % 3) as u32).collect();
        let splits = repeated_kfold(30, 5, 3, 7, Some(&strata)).unwrap();
        assert_eq!(splits.len(), 15);
        for round in splits.chunks(5) {
            let mut tested: Vec<usize> = round.iter().flat_map(|s| s.test.clone()).collect();
            tested.sort_unstable();
            assert_eq!(tested, (0..30).collect::<Vec<_>>());
        }
        assert_ne!(splits[0].test, splits[5].test);
        assert_eq!(splits, repeated_kfold(30, 5, 3, 7, Some(&strata)).unwrap());
        assert!(repeated_kfold(30, 5, 0, 7, None).is_err());
        let err = repeated_kfold(3, 5, 2, 7, None).unwrap_err().to_string();
        assert!(err.contains("repeated_kfold"), "{err}");
    }

    #[test]
    fn bootstrap_draws_n_rows_and_tests_out_of_bag() {
        let splits = bootstrap(50, 20, 1, true).unwrap();
        assert_eq!(splits.len(), 20);
        for s in &splits {
            assert_eq!(s.train.len(), 50);
            assert!(s.train.windows(2).all(|w| w[0] <= w[1]));
            assert!(!s.test.is_empty());
            assert!(s.test.iter().all(|r| s.train.binary_search(r).is_err()));
            let distinct = {
                let mut d = s.train.clone();
                d.dedup();
                d.len()
            };
            assert_eq!(distinct + s.test.len(), 50);
        }
        let all = bootstrap(50, 2, 1, false).unwrap();
        assert_eq!(all[0].test, (0..50).collect::<Vec<_>>());
        assert_eq!(all[0].train, splits[0].train);
        assert!(bootstrap(1, 5, 0, true).is_err());
        assert!(bootstrap(10, 0, 0, true).is_err());
    }

    #[test]
    fn estimate_632_weights() {
        assert!((estimate_632(1.0, 0.5) - (0.368 + 0.316)).abs() < 1e-12);
    }
}
