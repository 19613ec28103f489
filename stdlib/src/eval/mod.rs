//! Evaluation splits: holdout, (stratified) k-fold and predefined folds here,
//! repeated k-fold and the bootstrap in [`resample`]. Every split lists sorted
//! row indices into the evaluated frame; seeded shuffles use
//! [`rng::SplitMix64`], so splits are reproducible across platforms.

pub mod resample;
pub mod rng;
mod spec;

pub use resample::{bootstrap, repeated_kfold};
pub(crate) use spec::DEFS;

use crate::op::OpError;
use crate::registry::invalid;
use rng::SplitMix64;

/// One train/test partition of the rows `0..n`, each side sorted ascending.
/// The sides are disjoint and repeat no row, except for [`bootstrap`] splits,
/// whose training rows repeat the rows drawn more than once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    /// The rows fitted on, ascending.
    pub train: Vec<usize>,
    /// The rows scored, ascending.
    pub test: Vec<usize>,
}

/// One split holding out `ceil(test * n)` of `n` rows (`0 < test < 1`), chosen by
/// a shuffle seeded with `seed`. With `strata` (one class code per row) every
/// class contributes its share of test rows (largest-remainder rounding), so
/// class proportions are kept. Errors when either side would be empty or the
/// arguments are out of range.
pub fn holdout(n: usize, test: f64, seed: u64, strata: Option<&[u32]>) -> Result<Vec<Split>, OpError> {
    if !(test > 0.0 && test < 1.0) {
        return Err(invalid(
            "holdout",
            format!("test fraction must be in (0, 1), got {test}"),
        ));
    }
    let n_test = (test * n as f64).ceil() as usize;
    if n_test == 0 || n_test >= n {
        return Err(invalid(
            "holdout",
            format!("holding out {test} of {n} rows leaves an empty train or test set"),
        ));
    }
    let mut rng = SplitMix64::new(seed);
    let mut test_rows = Vec::with_capacity(n_test);
    match strata {
        None => {
            let mut rows: Vec<usize> = (0..n).collect();
            rng.shuffle(&mut rows);
            test_rows.extend_from_slice(&rows[..n_test]);
        }
        Some(strata) => {
            let classes = group_by_class("holdout", n, strata)?;
            let exact: Vec<f64> = classes
                .iter()
                .map(|rows| rows.len() as f64 * n_test as f64 / n as f64)
                .collect();
            let mut take: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
            let mut order: Vec<usize> = (0..classes.len()).collect();
            // Largest fractional part first; ties go to the lower class code.
            order.sort_by(|&a, &b| {
                (exact[b] - exact[b].floor())
                    .total_cmp(&(exact[a] - exact[a].floor()))
                    .then(a.cmp(&b))
            });
            let mut remaining = n_test - take.iter().sum::<usize>();
            for &c in order.iter().cycle() {
                if remaining == 0 {
                    break;
                }
                if take[c] < classes[c].len() {
                    take[c] += 1;
                    remaining -= 1;
                }
            }
            for (c, mut rows) in classes.into_iter().enumerate() {
                rng.shuffle(&mut rows);
                test_rows.extend_from_slice(&rows[..take[c]]);
            }
        }
    }
    let mut is_test = vec![false; n];
    test_rows.iter().for_each(|&r| is_test[r] = true);
    Ok(vec![split_from_mask(&is_test)])
}

/// `k` folds over `n` rows; fold `f`'s split tests on its rows and trains on all
/// others. Without `strata`, the (optionally shuffled) rows are cut into `k`
/// contiguous chunks, the first `n % k` one row longer (scikit-learn's `KFold`).
/// With `strata`, each class's rows (shuffled when `shuffle`) are dealt round-robin
/// to the folds, continuing from where the previous class stopped, so fold `f`
/// gets `⌊n_c/k⌋` or `⌈n_c/k⌉` rows of class `c` and fold sizes differ by at most
/// one. Errors when `k < 2`, `k > n`, or (stratified) `k` exceeds the smallest
/// class count.
pub fn kfold(
    n: usize,
    k: usize,
    shuffle: bool,
    seed: u64,
    strata: Option<&[u32]>,
) -> Result<Vec<Split>, OpError> {
    if k < 2 {
        return Err(invalid("kfold", format!("k must be at least 2, got {k}")));
    }
    if k > n {
        return Err(invalid(
            "kfold",
            format!("k = {k} folds need at least {k} rows, got {n}"),
        ));
    }
    let mut rng = SplitMix64::new(seed);
    let mut fold_of = vec![0usize; n];
    match strata {
        None => {
            let mut rows: Vec<usize> = (0..n).collect();
            if shuffle {
                rng.shuffle(&mut rows);
            }
            let mut start = 0;
            for f in 0..k {
                let size = n / k + usize::from(f < n % k);
                rows[start..start + size].iter().for_each(|&r| fold_of[r] = f);
                start += size;
            }
        }
        Some(strata) => {
            let classes = group_by_class("kfold", n, strata)?;
            let smallest = classes.iter().map(Vec::len).min().unwrap_or(0);
            if k > smallest {
                return Err(invalid(
                    "kfold",
                    format!("stratified k = {k} folds need at least {k} rows of every class; the smallest class has {smallest}"),
                ));
            }
            let mut next = 0usize;
            for mut rows in classes {
                if shuffle {
                    rng.shuffle(&mut rows);
                }
                for r in rows {
                    fold_of[r] = next;
                    next = (next + 1) % k;
                }
            }
        }
    }
    Ok((0..k)
        .map(|f| split_from_mask(&fold_of.iter().map(|&g| g == f).collect::<Vec<_>>()))
        .collect())
}

/// Folds given per row: fold `f` tests on the rows whose id is `f` and trains on
/// every other row; folds come in ascending id order. A negative id means "always
/// train". Errors when no row has a fold or a fold would leave no training rows.
pub fn predefined(fold_ids: &[i64]) -> Result<Vec<Split>, OpError> {
    let mut ids: Vec<i64> = fold_ids.iter().copied().filter(|&f| f >= 0).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(invalid("predefined_folds", "no row has a non-negative fold id"));
    }
    let mut splits = Vec::with_capacity(ids.len());
    for f in ids {
        let split = split_from_mask(&fold_ids.iter().map(|&g| g == f).collect::<Vec<_>>());
        if split.train.is_empty() {
            return Err(invalid(
                "predefined_folds",
                format!("fold {f} holds every row, leaving nothing to train on"),
            ));
        }
        splits.push(split);
    }
    Ok(splits)
}

/// Rows grouped by class, classes in ascending code order (codes that occur only),
/// each group ascending.
fn group_by_class(op: &str, n: usize, strata: &[u32]) -> Result<Vec<Vec<usize>>, OpError> {
    if strata.len() != n {
        return Err(invalid(op, format!("{} class codes for {n} rows", strata.len())));
    }
    let mut classes: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
    for (row, &c) in strata.iter().enumerate() {
        classes.entry(c).or_default().push(row);
    }
    Ok(classes.into_values().collect())
}

/// The split whose test rows are those where `is_test` holds.
fn split_from_mask(is_test: &[bool]) -> Split {
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for (row, &t) in is_test.iter().enumerate() {
        if t {
            test.push(row);
        } else {
            train.push(row);
        }
    }
    Split { train, test }
}
