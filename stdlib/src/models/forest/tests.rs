//! Random forests: out-of-bag scores against cross-validation, class weights,
//! the shared histogram binning, criteria, parameter errors, the catalog, and
//! the lowered graph against `predict`.
//!
//! Cross-validation references (scikit-learn 1.9.1, `RandomForest*(
//! n_estimators=100, random_state=0)` on `examples/data/<name>.folds.csv`):
//! breast_cancer accuracy 0.9649 (`oob_score_` on all rows 0.9684), diabetes
//! R² 0.4194 (`oob_score_` 0.4217).

use super::bench::make_classification;
use super::*;
use crate::models::tree::tests::{accuracy, classes, folds, load, params, run_graph, take};
use crate::registry::estimator;
use mlg_compiler::workflow::catalog::{Catalog, OpKind, Value};

fn s(v: &str) -> Value {
    Value::Str(v.into())
}

/// Asserts that the lowered forest gives `predict` on every row of `x`.
pub(super) fn assert_graph_matches(forest: &FittedForest, x: &Matrix) {
    let pred = forest.predict(x);
    for (i, row) in run_graph(forest, x).iter().enumerate() {
        assert_eq!(f64::from(row[0]), pred[i], "row {i}");
        if forest.classifier {
            assert_eq!(
                &row[1..],
                forest.predict_value(x.row(i)).as_slice(),
                "proba of row {i}"
            );
        }
    }
}

#[test]
fn oob_scores_are_close_to_cross_validation() {
    let (x, y) = load("breast_cancer");
    let fitted = RandomForest::classifier(&params(&[("oob_score", Value::Bool(true))]))
        .expect("params")
        .fit_forest(&x, &classes(&y))
        .expect("fit");
    let scores = fitted.fit_scores();
    println!("breast_cancer {scores:?}");
    assert_eq!(scores.len(), 1);
    assert_eq!(scores[0].0, "oob_accuracy");
    assert!(
        (scores[0].1 - 0.9649).abs() <= 0.025,
        "OOB accuracy {}",
        scores[0].1
    );

    let (x, y) = load("diabetes");
    let reg = RandomForest::regressor(&params(&[("oob_score", Value::Bool(true))])).expect("params");
    let fitted = reg.fit_forest(&x, &Target::Values(y.clone())).expect("fit");
    let (name, r2) = fitted.fit_scores()[0].clone();
    println!("diabetes {name} {r2}");
    assert_eq!(name, "oob_r2");
    assert!((r2 - 0.4194).abs() <= 0.05, "OOB R² {r2}");
    // The score does not depend on the thread count.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    let one = pool
        .install(|| reg.fit_forest(&x, &Target::Values(y)))
        .expect("fit");
    assert_eq!(one.oob_score, fitted.oob_score);
    // Without oob_score there is nothing to report.
    let plain = RandomForest::regressor(&params(&[("trees", Value::Int(3))]))
        .expect("params")
        .fit_forest(&x, &Target::Values(vec![1.0; x.rows]))
        .expect("fit");
    assert!(plain.fit_scores().is_empty());
}

#[test]
fn balanced_class_weights_raise_minority_recall() {
    // 10 % minority class with overlapping features.
    let (x, codes) = make_classification(1500, 11);
    let keep: Vec<usize> = (0..x.rows).filter(|&i| codes[i] == 0 || i % 9 == 0).collect();
    let x = take(&x, &keep);
    let codes: Vec<u32> = keep.iter().map(|&i| codes[i]).collect();
    let y = Target::Classes {
        codes: codes.clone(),
        labels: vec!["0".into(), "1".into()],
    };
    let recall = |extra: bool, cw: &str| {
        let items = params(&[
            ("trees", Value::Int(20)),
            ("max_depth", Value::Int(3)),
            ("class_weight", s(cw)),
        ]);
        let forest = if extra {
            RandomForest::extra_classifier(&items)
        } else {
            RandomForest::classifier(&items)
        }
        .expect("params");
        let pred = forest.fit_forest(&x, &y).expect("fit").predict(&x);
        let hits = pred
            .iter()
            .zip(&codes)
            .filter(|(p, &c)| c == 1 && **p == 1.0)
            .count();
        hits as f64 / codes.iter().filter(|&&c| c == 1).count() as f64
    };
    for extra in [false, true] {
        let none = recall(extra, "none");
        for cw in ["balanced", "balanced_subsample"] {
            let weighted = recall(extra, cw);
            assert!(
                weighted > none + 0.1,
                "extra {extra}: {cw} {weighted} vs none {none}"
            );
        }
    }
}

#[test]
fn hist_forest_matches_exact_accuracy_and_lowers() {
    let (x, codes) = make_classification(5000, 3);
    let train: Vec<usize> = (0..4000).collect();
    let test: Vec<usize> = (4000..5000).collect();
    let y = Target::Classes {
        codes: codes[..4000].to_vec(),
        labels: vec!["0".into(), "1".into()],
    };
    let want: Vec<f64> = codes[4000..].iter().map(|&c| f64::from(c)).collect();
    let mut acc = Vec::new();
    for splitter in ["exact", "hist"] {
        let fitted = RandomForest::classifier(&params(&[
            ("trees", Value::Int(20)),
            ("max_depth", Value::Int(8)),
            ("splitter", s(splitter)),
        ]))
        .expect("params")
        .fit_forest(&take(&x, &train), &y)
        .expect("fit");
        acc.push(accuracy(&fitted.predict(&take(&x, &test)), &want));
        if splitter == "hist" {
            assert_graph_matches(&fitted, &take(&x, &test));
        }
    }
    assert!(
        acc[0] > 0.8 && (acc[0] - acc[1]).abs() <= 0.03,
        "exact {} hist {}",
        acc[0],
        acc[1]
    );
}

#[test]
fn criteria_learn_and_lower() {
    let (x, y) = load("diabetes");
    let folds = folds("diabetes", x.rows);
    let (train, test): (Vec<usize>, Vec<usize>) = (0..x.rows).partition(|&i| folds[i] != 0);
    let ytr = Target::Values(train.iter().map(|&i| y[i]).collect());
    let fitted = RandomForest::regressor(&params(&[
        ("trees", Value::Int(10)),
        ("criterion", s("absolute_error")),
        ("max_depth", Value::Int(4)),
    ]))
    .expect("params")
    .fit_forest(&take(&x, &train), &ytr)
    .expect("fit");
    let truth: Vec<f64> = test.iter().map(|&i| y[i]).collect();
    let score = crate::models::tree::tests::r2(&fitted.predict(&take(&x, &test)), &truth);
    assert!(score > 0.2, "absolute_error forest R² {score}");
    assert_graph_matches(&fitted, &take(&x, &test));

    let (x, y) = load("iris");
    let fitted = RandomForest::classifier(&params(&[
        ("trees", Value::Int(10)),
        ("criterion", s("entropy")),
        ("class_weight", s("balanced")),
    ]))
    .expect("params")
    .fit_forest(&x, &classes(&y))
    .expect("fit");
    assert!(accuracy(&fitted.predict(&x), &y) > 0.97);
    assert_graph_matches(&fitted, &x);
}

#[test]
fn bad_parameters_are_errors() {
    let invalid = |r: Result<RandomForest, OpError>| matches!(r, Err(OpError::Invalid { .. }));
    let clf = |items: &[(&str, Value)]| RandomForest::classifier(&params(items));
    let reg = |items: &[(&str, Value)]| RandomForest::regressor(&params(items));
    assert!(invalid(clf(&[
        ("oob_score", Value::Bool(true)),
        ("bootstrap", Value::Bool(false))
    ])));
    assert!(invalid(clf(&[("criterion", s("squared_error"))])));
    assert!(invalid(clf(&[("class_weight", s("inverse"))])));
    assert!(invalid(clf(&[("splitter", s("random"))])));
    assert!(invalid(reg(&[("class_weight", s("balanced"))])));
    assert!(invalid(reg(&[
        ("criterion", s("absolute_error")),
        ("splitter", s("hist"))
    ])));
    assert!(invalid(reg(&[("trees", Value::Int(0))])));
    assert!(invalid(RandomForest::extra_classifier(&params(&[(
        "oob_score",
        Value::Bool(true)
    )]))));
    assert!(invalid(RandomForest::extra_regressor(&params(&[(
        "criterion",
        s("gini")
    )]))));
    // A numeric target for a classifier is an error naming the forest.
    let (x, _) = load("iris");
    let err = clf(&[])
        .expect("params")
        .fit_forest(&x, &Target::Values(vec![0.0; x.rows]));
    assert!(
        matches!(err, Err(OpError::Invalid { ref op, .. }) if op == CLASSIFIER),
        "{err:?}"
    );
}

#[test]
fn registry_and_catalog_know_every_forest() {
    use crate::catalog::StdCatalog;
    for name in [CLASSIFIER, REGRESSOR, EXTRA_CLASSIFIER, EXTRA_REGRESSOR] {
        let model = estimator(name, &params(&[])).expect("registry");
        let spec = StdCatalog.get(name).expect("catalog");
        assert_eq!(spec.kind, OpKind::Model { task: model.task() });
        let names: Vec<&str> = spec.params.iter().map(|p| p.name).collect();
        for p in [
            "trees",
            "max_depth",
            "max_features",
            "bootstrap",
            "seed",
            "criterion",
            "oob_score",
        ] {
            assert!(names.contains(&p), "{name} lacks {p}");
        }
        assert_eq!(names.contains(&"splitter"), !name.starts_with("extra"), "{name}");
    }
    let extra = RandomForest::extra_classifier(&params(&[])).expect("params");
    assert_eq!((extra.bootstrap, extra.tree.splitter), (false, Splitter::Random));
    assert_eq!(extra.op(), EXTRA_CLASSIFIER);
}
