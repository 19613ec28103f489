//! Random forests and extra trees on rows spread over ranks (threads with
//! `mlg_runtime::collective::Local`) must grow one process's forest: the
//! same trees bit for bit for classifiers without class weights (their sums
//! are integer counts); otherwise the same splits and rows in every node,
//! with sums and predictions equal to rounding.

use mlg_compiler::workflow::catalog::{Params, Value};
use mlg_stdlib::models::forest::{FittedForest, RandomForest};
use mlg_stdlib::models::tree::TreeNode;
use mlg_stdlib::op::{FittedModel, Target};
use ranks_support::{close, data, on_ranks, rows};
use std::sync::Arc;

mod ranks_support;

/// A forest of `kind` with the shared settings and `extra` parameters.
fn forest(kind: &str, extra: &[(&str, Value)]) -> RandomForest {
    let mut params = Params::new();
    params.insert("trees".into(), Value::Int(6));
    params.insert("seed".into(), Value::Int(7));
    params.insert("min_samples_leaf".into(), Value::Int(3));
    for (k, v) in extra {
        params.insert((*k).into(), v.clone());
    }
    match kind {
        "rf_clf" => RandomForest::classifier(&params),
        "rf_reg" => RandomForest::regressor(&params),
        "et_clf" => RandomForest::extra_classifier(&params),
        _ => RandomForest::extra_regressor(&params),
    }
    .expect("valid forest")
}

/// The forest fitted on `size` ranks, one per rank, each holding its share.
fn on(size: usize, model: &RandomForest, x: &Arc<Vec<f64>>, d: usize, y: &Target) -> Vec<FittedForest> {
    let (model, x, y) = (model.clone(), x.clone(), Arc::new(y.clone()));
    let n = y.len();
    on_ranks(size, n, move |r| {
        let part = match y.as_ref() {
            Target::Classes { codes, labels } => Target::Classes {
                codes: codes[r.clone()].to_vec(),
                labels: labels.clone(),
            },
            Target::Values(v) => Target::Values(v[r.clone()].to_vec()),
        };
        model.fit_forest(&rows(&x, d, r), &part).expect("fit on ranks")
    })
}

/// Panics naming the first tree and node where `got` and `want` differ.
fn same(got: &FittedForest, want: &FittedForest, what: &str) {
    for (t, (a, b)) in got.trees.iter().zip(&want.trees).enumerate() {
        for (i, (x, y)) in a.nodes.iter().zip(&b.nodes).enumerate() {
            assert_eq!(x, y, "{what}: tree {t}, node {i}");
        }
        assert_eq!(a, b, "{what}: tree {t}");
    }
    assert_eq!(got, want, "{what}");
}

/// Panics naming the first tree and node where `got` and `want` split
/// differently or hold other rows (their sums may differ by rounding).
fn same_shape(got: &FittedForest, want: &FittedForest, what: &str) {
    assert_eq!(got.trees.len(), want.trees.len(), "{what}");
    for (t, (a, b)) in got.trees.iter().zip(&want.trees).enumerate() {
        assert_eq!(a.nodes.len(), b.nodes.len(), "{what}: tree {t}");
        for (i, (x, y)) in a.nodes.iter().zip(&b.nodes).enumerate() {
            let shape = |n: &TreeNode| {
                (
                    n.split
                        .as_ref()
                        .map(|s| (s.feature, s.threshold32, s.left, s.right)),
                    n.n_samples,
                )
            };
            assert_eq!(shape(x), shape(y), "{what}: tree {t}, node {i}");
        }
    }
}

#[test]
fn forests_on_ranks_equal_one_process() {
    let (n, d) = (3000, 6);
    let (x, score) = data(n, d);
    let codes: Vec<u32> = score
        .iter()
        .map(|s| u32::from(*s > -1.0) + u32::from(*s > 1.0))
        .collect();
    let labels: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
    let classes = Target::Classes { codes, labels };
    let values = Target::Values(score);
    let x = Arc::new(x);
    let all = rows(&x, d, 0..n);
    let hist = ("splitter", Value::Str("hist".into()));
    let cases: Vec<(RandomForest, &Target)> = vec![
        // sqrt features: the visited features' histograms per node.
        (
            forest("rf_clf", &[hist.clone(), ("oob_score", Value::Bool(true))]),
            &classes,
        ),
        // every feature: full histograms, the larger child by subtraction.
        (
            forest(
                "rf_clf",
                &[
                    hist.clone(),
                    ("max_features", Value::Str("all".into())),
                    ("criterion", Value::Str("entropy".into())),
                ],
            ),
            &classes,
        ),
        (
            forest(
                "rf_clf",
                &[
                    hist.clone(),
                    ("class_weight", Value::Str("balanced_subsample".into())),
                ],
            ),
            &classes,
        ),
        (forest("et_clf", &[("max_depth", Value::Int(8))]), &classes),
        (
            forest("rf_reg", &[hist, ("oob_score", Value::Bool(true))]),
            &values,
        ),
        (forest("et_reg", &[("bootstrap", Value::Bool(true))]), &values),
    ];
    for (model, y) in cases {
        let one = model.fit_forest(&all, y).expect("fit");
        let want = one.predict(&all);
        for size in [2, 3] {
            let fitted = on(size, &model, &x, d, y);
            for f in &fitted {
                assert_eq!(f.trees, fitted[0].trees, "every rank holds the same forest");
            }
            let got = &fitted[0];
            match y {
                Target::Classes { .. } if !format!("{model:?}").contains("BalancedSubsample") => {
                    same(got, &one, &format!("{} on {size} ranks", model.op()));
                }
                _ => {
                    same_shape(got, &one, &format!("{} on {size} ranks", model.op()));
                    let p = got.predict(&all);
                    close(&p, &want, 1e-9);
                    let (a, b) = (got.oob_score, one.oob_score);
                    assert_eq!(a.is_some(), b.is_some());
                    if let (Some(a), Some(b)) = (a, b) {
                        assert!((a - b).abs() <= 1e-9, "oob {a} vs {b}");
                    }
                }
            }
        }
        // The forest learned the target.
        match y {
            Target::Classes { codes, .. } => {
                let hits = want.iter().zip(codes).filter(|(p, &c)| **p as u32 == c).count();
                assert!(hits as f64 / n as f64 > 0.8, "{}: {hits} of {n}", model.op());
            }
            Target::Values(v) => {
                let mean = v.iter().sum::<f64>() / n as f64;
                let res: f64 = want.iter().zip(v).map(|(p, t)| (p - t).powi(2)).sum();
                let tot: f64 = v.iter().map(|t| (t - mean).powi(2)).sum();
                assert!(1.0 - res / tot > 0.8, "{}: R² {}", model.op(), 1.0 - res / tot);
            }
        }
    }
}

#[test]
fn a_rank_with_a_bad_target_fails_every_rank() {
    let (n, d) = (400, 3);
    let (x, score) = data(n, d);
    let mut y = score.clone();
    y[n - 1] = f64::NAN;
    let model = forest("rf_reg", &[("splitter", Value::Str("hist".into()))]);
    let (x, y) = (Arc::new(x), Arc::new(y));
    let errors = on_ranks(2, n, move |r| {
        let part = Target::Values(y[r.clone()].to_vec());
        model
            .fit_forest(&rows(&x, d, r), &part)
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
    for e in &errors {
        let message = e.as_ref().expect_err("every rank fails");
        assert!(message.contains("missing or infinite"), "{message}");
    }
    assert!(errors[0].as_ref().unwrap_err().contains("rank 1"), "{errors:?}");
}
