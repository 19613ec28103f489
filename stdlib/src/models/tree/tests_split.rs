//! Split searches and parameters: the histogram splitter against the exact
//! one, the quantile bins, `splitter = "auto"`, `max_features` on a single
//! tree, and parameter errors.

use super::bins::{Bins, MAX_BINS};
use super::tests::{accuracy, classes, load, params, r2, take};
use super::*;
use crate::models::forest::bench::make_classification;
use crate::op::{FittedModel, Target};
use mlg_compiler::workflow::catalog::Value;

fn tree(items: &[(&str, Value)], classifier: bool) -> DecisionTree {
    let p = params(items);
    if classifier {
        DecisionTree::classifier(&p)
    } else {
        DecisionTree::regressor(&p)
    }
    .expect("params")
}

fn s(v: &str) -> Value {
    Value::Str(v.into())
}

#[test]
fn hist_equals_exact_when_every_value_has_its_bin() {
    // Iris has fewer than 255 distinct values per feature: the bins hold the
    // exact splitter's candidates, and class counts sum exactly.
    let (x, y) = load("iris");
    let y = classes(&y);
    let exact = tree(&[("splitter", s("exact"))], true)
        .fit_tree(&x, &y)
        .expect("fit");
    let hist = tree(&[("splitter", s("hist"))], true)
        .fit_tree(&x, &y)
        .expect("fit");
    assert_eq!(exact, hist);
}

#[test]
fn hist_accuracy_is_close_to_exact() {
    let (x, codes) = make_classification(6000, 5);
    let train: Vec<usize> = (0..4000).collect();
    let test: Vec<usize> = (4000..6000).collect();
    let y = Target::Classes {
        codes: codes[..4000].to_vec(),
        labels: vec!["0".into(), "1".into()],
    };
    let want: Vec<f64> = codes[4000..].iter().map(|&c| f64::from(c)).collect();
    let (xtr, xte) = (take(&x, &train), take(&x, &test));
    let mut acc = Vec::new();
    for splitter in ["exact", "hist"] {
        let fitted = tree(&[("splitter", s(splitter)), ("max_depth", Value::Int(8))], true)
            .fit_tree(&xtr, &y)
            .expect("fit");
        acc.push(accuracy(&fitted.predict(&xte), &want));
    }
    assert!(acc[0] > 0.75, "exact accuracy {}", acc[0]);
    assert!(
        (acc[0] - acc[1]).abs() <= 0.02,
        "exact {} vs hist {}",
        acc[0],
        acc[1]
    );

    // Regression: R² on held-out diabetes folds stays close too.
    let (x, yv) = load("diabetes");
    let (train, test): (Vec<usize>, Vec<usize>) = (0..x.rows).partition(|i| i % 4 != 0);
    let ytr = Target::Values(train.iter().map(|&i| yv[i]).collect());
    let truth: Vec<f64> = test.iter().map(|&i| yv[i]).collect();
    let mut scores = Vec::new();
    for splitter in ["exact", "hist"] {
        let fitted = tree(&[("splitter", s(splitter)), ("max_depth", Value::Int(3))], false)
            .fit_tree(&take(&x, &train), &ytr)
            .expect("fit");
        scores.push(r2(&fitted.predict(&take(&x, &test)), &truth));
    }
    assert!(
        (scores[0] - scores[1]).abs() <= 0.05,
        "R² exact {} vs hist {}",
        scores[0],
        scores[1]
    );
}

#[test]
fn quantile_bins_are_ordered_and_consistent() {
    let (x, _) = make_classification(3000, 1);
    let data = TreeData::new("t", "u", &x, &Target::Values(vec![0.0; x.rows]), false, false).expect("data");
    let bins = Bins::new(&data.cols, data.n, data.d);
    for j in 0..data.d {
        let edges = &bins.edges32[j];
        assert!(
            edges.len() < MAX_BINS && edges.len() > 200,
            "feature {j}: {} edges",
            edges.len()
        );
        assert!(edges.windows(2).all(|w| w[0] < w[1]));
        let mut counts = vec![0usize; edges.len() + 1];
        for (r, &code) in bins.codes(j, data.n).iter().enumerate() {
            let v = data.col(j)[r];
            let b = usize::from(code);
            assert!(b == edges.len() || v <= edges[b]);
            assert!(b == 0 || v > edges[b - 1]);
            counts[b] += 1;
        }
        // Quantile bins: no bin holds much more than its share of rows.
        assert!(
            counts.iter().all(|&c| c <= 3 * data.n / MAX_BINS + 2),
            "feature {j}"
        );
    }
}

#[test]
fn auto_splitter_switches_on_row_count() {
    let t = tree(&[], true);
    assert_eq!(t.resolved_splitter(AUTO_HIST_ROWS - 1), Splitter::Exact);
    assert_eq!(t.resolved_splitter(AUTO_HIST_ROWS), Splitter::Hist);
    let mae = tree(&[("criterion", s("absolute_error"))], false);
    assert_eq!(mae.resolved_splitter(10 * AUTO_HIST_ROWS), Splitter::Exact);
    assert_eq!(
        tree(&[("splitter", s("exact"))], true).resolved_splitter(1 << 30),
        Splitter::Exact
    );
    // Even when set directly, absolute error never takes the histogram path.
    let direct = DecisionTree {
        splitter: Splitter::Hist,
        ..DecisionTree::new(Criterion::AbsoluteError)
    };
    assert_eq!(direct.resolved_splitter(10), Splitter::Exact);
}

#[test]
fn max_features_samples_features_per_node() {
    let (x, y) = load("breast_cancer");
    let y = classes(&y);
    let fit = |seed: i64| {
        tree(&[("max_features", s("sqrt")), ("seed", Value::Int(seed))], true)
            .fit_tree(&x, &y)
            .expect("fit")
    };
    let (a, b, c) = (fit(1), fit(1), fit(2));
    assert_eq!(a, b, "same seed, same tree");
    assert_ne!(a.nodes, c.nodes, "another seed draws other features");
    let all = tree(&[], true).fit_tree(&x, &y).expect("fit");
    assert_ne!(a.nodes, all.nodes);
    // Every tree still fits its training rows (unlimited depth).
    assert_eq!(accuracy(&a.predict(&x), &tests_y(&y)), 1.0);
    // max_features = "all" ignores the seed.
    let seeded = tree(&[("seed", Value::Int(9))], true)
        .fit_tree(&x, &y)
        .expect("fit");
    assert_eq!(all, seeded);
}

fn tests_y(y: &Target) -> Vec<f64> {
    match y {
        Target::Classes { codes, .. } => codes.iter().map(|&c| f64::from(c)).collect(),
        Target::Values(v) => v.clone(),
    }
}

#[test]
fn bad_parameters_are_errors() {
    let bad_clf = [
        ("criterion", s("absolute_error")),
        ("max_features", s("half")),
        ("class_weight", s("balanced_subsample")),
        ("class_weight", s("heavy")),
        ("splitter", s("best")),
        ("seed", Value::Int(-1)),
        ("max_features", Value::Int(3)),
    ];
    for (name, value) in bad_clf {
        let r = DecisionTree::classifier(&params(&[(name, value.clone())]));
        assert!(matches!(r, Err(OpError::Invalid { .. })), "{name} = {value}");
    }
    let bad_reg = [("criterion", s("entropy")), ("class_weight", s("balanced"))];
    for (name, value) in bad_reg {
        let r = DecisionTree::regressor(&params(&[(name, value.clone())]));
        assert!(matches!(r, Err(OpError::Invalid { .. })), "{name} = {value}");
    }
    let r = DecisionTree::regressor(&params(&[
        ("criterion", s("absolute_error")),
        ("splitter", s("hist")),
    ]));
    assert!(matches!(r, Err(OpError::Invalid { .. })));
    // Wrong target kinds are errors, not panics.
    let (x, y) = load("iris");
    assert!(tree(&[], false).fit_tree(&x, &classes(&y)).is_err());
    assert!(tree(&[("splitter", s("hist"))], true)
        .fit_tree(&x, &Target::Values(y))
        .is_err());
}
