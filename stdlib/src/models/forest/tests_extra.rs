//! Extra trees: fold scores close to scikit-learn's `ExtraTrees*(
//! n_estimators=100, random_state=0)` on the predefined folds (iris accuracy
//! 0.9533, diabetes R² 0.4263), determinism for a fixed seed on any thread
//! count, random thresholds, and the lowered graph against `predict`.

use super::tests::assert_graph_matches;
use super::*;
use crate::models::tree::tests::{accuracy, classes, folds, load, params, r2, take};
use mlg_compiler::workflow::catalog::Value;

/// Mean fold score of `forest` on `name`'s predefined folds: accuracy for a
/// classifier, R² for a regressor.
fn fold_mean(forest: &RandomForest, name: &str) -> f64 {
    let (x, y) = load(name);
    let fold = folds(name, x.rows);
    let classifier = forest.tree.criterion.is_classifier();
    let mut total = 0.0;
    for k in 0..5 {
        let (train, test): (Vec<usize>, Vec<usize>) = (0..x.rows).partition(|&i| fold[i] != k);
        let ytr: Vec<f64> = train.iter().map(|&i| y[i]).collect();
        let target = if classifier {
            let mut t = classes(&y);
            if let Target::Classes { codes, .. } = &mut t {
                *codes = train.iter().map(|&i| codes[i]).collect();
            }
            t
        } else {
            Target::Values(ytr)
        };
        let fitted = forest.fit_forest(&take(&x, &train), &target).expect("fit");
        let pred = fitted.predict(&take(&x, &test));
        let truth: Vec<f64> = test.iter().map(|&i| y[i]).collect();
        total += if classifier {
            accuracy(&pred, &truth)
        } else {
            r2(&pred, &truth)
        };
    }
    total / 5.0
}

#[test]
fn extra_trees_score_like_sklearn_on_folds() {
    let clf = RandomForest::extra_classifier(&params(&[])).expect("params");
    let acc = fold_mean(&clf, "iris");
    println!("extra trees iris fold accuracy {acc}");
    assert!((acc - 0.9533).abs() <= 0.025, "iris accuracy {acc}");
    let reg = RandomForest::extra_regressor(&params(&[])).expect("params");
    let score = fold_mean(&reg, "diabetes");
    println!("extra trees diabetes fold R² {score}");
    assert!((score - 0.4263).abs() <= 0.04, "diabetes R² {score}");
}

#[test]
fn extra_trees_are_deterministic_per_seed() {
    let (x, y) = load("iris");
    let y = classes(&y);
    let forest = |seed: i64| {
        RandomForest::extra_classifier(&params(&[("trees", Value::Int(15)), ("seed", Value::Int(seed))]))
            .expect("params")
    };
    let a = forest(4).fit_forest(&x, &y).expect("fit");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    let b = pool.install(|| forest(4).fit_forest(&x, &y)).expect("fit");
    assert_eq!(a, b);
    let c = forest(5).fit_forest(&x, &y).expect("fit");
    assert_ne!(a.trees, c.trees);
    // Random thresholds: unlike the midpoints of a random forest, they need
    // not lie halfway between two training values.
    let (x, yd) = load("diabetes");
    let fitted =
        RandomForest::extra_regressor(&params(&[("trees", Value::Int(3)), ("max_depth", Value::Int(3))]))
            .expect("params")
            .fit_forest(&x, &Target::Values(yd))
            .expect("fit");
    let off_midpoint = fitted
        .trees
        .iter()
        .flat_map(|t| &t.nodes)
        .filter_map(|n| n.split.as_ref())
        .any(|s| {
            let col: Vec<f64> = (0..x.rows)
                .map(|i| f64::from(x.row(i)[s.feature] as f32))
                .collect();
            let below = col
                .iter()
                .copied()
                .filter(|&v| v <= s.threshold)
                .fold(f64::MIN, f64::max);
            let above = col
                .iter()
                .copied()
                .filter(|&v| v > s.threshold)
                .fold(f64::MAX, f64::min);
            s.threshold != below / 2.0 + above / 2.0
        });
    assert!(off_midpoint);
}

#[test]
fn lowered_extra_trees_equal_predict() {
    let (x, y) = load("breast_cancer");
    let clf = RandomForest::extra_classifier(&params(&[
        ("trees", Value::Int(8)),
        ("max_depth", Value::Int(6)),
        ("bootstrap", Value::Bool(true)),
        ("oob_score", Value::Bool(true)),
    ]))
    .expect("params")
    .fit_forest(&x, &classes(&y))
    .expect("fit");
    assert_graph_matches(&clf, &x);
    assert_eq!(clf.fit_scores()[0].0, "oob_accuracy");
    assert!(clf.fit_scores()[0].1 > 0.85);
    let (x, y) = load("diabetes");
    let reg = RandomForest::extra_regressor(&params(&[
        ("trees", Value::Int(8)),
        ("criterion", Value::Str("absolute_error".into())),
        ("max_depth", Value::Int(4)),
    ]))
    .expect("params")
    .fit_forest(&x, &Target::Values(y))
    .expect("fit");
    assert_graph_matches(&reg, &x);
}
