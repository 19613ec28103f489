//! Evaluation splits: sizes, disjointness, coverage, stratification balance,
//! determinism and errors.

use mlg_stdlib::eval::Split;
use mlg_stdlib::{holdout, kfold, predefined};

/// Train and test are sorted, disjoint and together cover `0..n`.
fn assert_partition(split: &Split, n: usize) {
    assert!(split.train.windows(2).all(|w| w[0] < w[1]) && split.test.windows(2).all(|w| w[0] < w[1]));
    let mut all: Vec<usize> = split.train.iter().chain(&split.test).copied().collect();
    all.sort_unstable();
    assert_eq!(all, (0..n).collect::<Vec<_>>());
}

fn count(rows: &[usize], strata: &[u32], class: u32) -> usize {
    rows.iter().filter(|&&r| strata[r] == class).count()
}

/// 10 rows of class 0, 7 of class 1, 5 of class 2, interleaved.
fn strata() -> Vec<u32> {
    let mut s = vec![0u32; 10];
    s.extend([1; 7]);
    s.extend([2; 5]);
    let mut rng = mlg_stdlib::eval::rng::SplitMix64::new(99);
    rng.shuffle(&mut s);
    s
}

#[test]
fn kfold_sizes_coverage_and_determinism() {
    let folds = kfold(23, 5, true, 7, None).unwrap();
    assert_eq!(folds.len(), 5);
    let sizes: Vec<usize> = folds.iter().map(|s| s.test.len()).collect();
    assert_eq!(sizes, [5, 5, 5, 4, 4]);
    let mut tested: Vec<usize> = folds.iter().flat_map(|s| s.test.clone()).collect();
    tested.sort_unstable();
    assert_eq!(tested, (0..23).collect::<Vec<_>>());
    folds.iter().for_each(|s| assert_partition(s, 23));
    assert_eq!(folds, kfold(23, 5, true, 7, None).unwrap());
    assert_ne!(folds, kfold(23, 5, true, 8, None).unwrap());
    // Without shuffling, folds are contiguous chunks.
    let plain = kfold(10, 3, false, 0, None).unwrap();
    assert_eq!(plain[0].test, [0, 1, 2, 3]);
    assert_eq!(plain[2].test, [7, 8, 9]);
}

#[test]
fn stratified_kfold_balances_classes() {
    let s = strata();
    let folds = kfold(22, 3, true, 1, Some(&s)).unwrap();
    let mut tested = Vec::new();
    for split in &folds {
        assert_partition(split, 22);
        tested.extend(split.test.iter().copied());
        for (class, n_c) in [(0, 10), (1, 7), (2, 5)] {
            let c = count(&split.test, &s, class);
            assert!(
                c == n_c / 3 || c == n_c.div_ceil(3),
                "class {class}: {c} of {n_c} in a fold"
            );
        }
    }
    tested.sort_unstable();
    assert_eq!(tested, (0..22).collect::<Vec<_>>());
    let sizes: Vec<usize> = folds.iter().map(|f| f.test.len()).collect();
    assert!(
        sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1,
        "{sizes:?}"
    );
    assert_eq!(folds, kfold(22, 3, true, 1, Some(&s)).unwrap());
}

#[test]
fn kfold_errors() {
    let s = strata();
    assert!(kfold(10, 1, true, 0, None).is_err());
    assert!(kfold(3, 4, true, 0, None).is_err());
    let err = kfold(22, 6, true, 0, Some(&s)).unwrap_err();
    assert!(err.to_string().contains("smallest class has 5"), "{err}");
    assert!(kfold(5, 2, true, 0, Some(&[0, 1])).is_err());
}

#[test]
fn holdout_plain_and_stratified() {
    let split = &holdout(50, 0.2, 3, None).unwrap()[0];
    assert_partition(split, 50);
    assert_eq!(split.test.len(), 10);
    assert_eq!(holdout(50, 0.2, 3, None).unwrap()[0], *split);
    assert_ne!(holdout(50, 0.2, 4, None).unwrap()[0], *split);
    assert_eq!(holdout(10, 0.25, 0, None).unwrap()[0].test.len(), 3);

    let s = strata();
    let split = &holdout(22, 0.5, 5, Some(&s)).unwrap()[0];
    assert_partition(split, 22);
    assert_eq!(split.test.len(), 11);
    // 10·½ = 5 and 5·½ = 2.5, 7·½ = 3.5: the half-rows go by largest remainder.
    assert_eq!(count(&split.test, &s, 0), 5);
    assert!((3..=4).contains(&count(&split.test, &s, 1)));
    assert!((2..=3).contains(&count(&split.test, &s, 2)));

    assert!(holdout(10, 0.0, 0, None).is_err());
    assert!(holdout(10, 1.0, 0, None).is_err());
    assert!(holdout(1, 0.5, 0, None).is_err());
    assert!(holdout(5, 0.5, 0, Some(&[0, 1])).is_err());
}

#[test]
fn predefined_folds() {
    let ids = [2, 0, 1, -1, 0, 2, 1, 0];
    let folds = predefined(&ids).unwrap();
    assert_eq!(folds.len(), 3);
    assert_eq!(folds[0].test, [1, 4, 7]);
    assert_eq!(folds[1].test, [2, 6]);
    assert_eq!(folds[2].test, [0, 5]);
    // Row 3 (id -1) always trains.
    assert!(folds.iter().all(|f| f.train.contains(&3)));
    folds.iter().for_each(|f| assert_partition(f, 8));
    assert!(predefined(&[-1, -1]).is_err());
    assert!(predefined(&[0, 0, 0]).is_err());
    assert!(predefined(&[]).is_err());
}
