//! Elastic net against scikit-learn's `ElasticNet` on standardized diabetes,
//! its optimality conditions, the lasso special case, and parameter errors.

use super::*;
use crate::models::logistic::testdata::{load, standardize_columns};
use crate::models::Lasso;
use mlg_compiler::workflow::catalog::Value;

fn params(items: &[(&str, Value)]) -> Params {
    items.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

/// Standardized (population std) diabetes features and the target.
fn diabetes() -> (Matrix, Vec<f64>) {
    let (mut x, y) = load("diabetes");
    standardize_columns(&mut x);
    (x, y)
}

fn fit(items: &[(&str, Value)], x: &Matrix, y: &[f64]) -> FittedLinear {
    ElasticNet::new(&params(items))
        .expect("params")
        .fit_linear(x, &Target::Values(y.to_vec()))
        .expect("fit")
}

/// Coefficients of `ElasticNet(alpha, l1_ratio, fit_intercept, tol=1e-14,
/// max_iter=1000000)` on `(X - mean) / std` of diabetes (with `fit_intercept =
/// False` the target is centred first), from /tmp/skv/bin/python (scikit-learn
/// 1.9.1) running /tmp/linref/ref.py:
/// `ElasticNet(alpha=a, l1_ratio=r, fit_intercept=fi, tol=1e-14,
/// max_iter=1000000).fit(X, y if fi else y - y.mean()).coef_`.
const SKLEARN: [(f64, f64, bool, [f64; 10]); 3] = [
    (
        1.0,
        0.5,
        true,
        [
            0.637824669562498,
            -5.691797194423998,
            18.097526985873362,
            11.405596257393498,
            -0.24097470272665758,
            -2.3664270267034473,
            -8.221762156507694,
            5.2971347947375085,
            15.44821306726167,
            5.057306990093658,
        ],
    ),
    (
        0.1,
        0.3,
        true,
        [
            -0.010112038398919224,
            -10.199268785732603,
            23.791890806064693,
            14.589284544044979,
            -5.074915274579582,
            -2.682080301419435,
            -8.764850710120655,
            5.326576138776443,
            22.053571376124854,
            3.8965606142845477,
        ],
    ),
    (
        0.5,
        0.8,
        false,
        [
            0.0,
            -9.182833984007946,
            23.1903301719914,
            14.001691335775813,
            -3.0968244235457596,
            -2.952283854097636,
            -9.358531711531592,
            4.325084228732655,
            20.93941129863088,
            3.8683896203262074,
        ],
    ),
];

/// `intercept_` with an intercept: the mean of y (the features are centred).
const INTERCEPT: f64 = 152.13348416289602;

#[test]
fn elastic_net_matches_sklearn_on_standardized_diabetes() {
    let (x, y) = diabetes();
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    let centred: Vec<f64> = y.iter().map(|v| v - mean).collect();
    for (alpha, l1_ratio, intercept, want) in SKLEARN {
        let items = [
            ("alpha", Value::Float(alpha)),
            ("l1_ratio", Value::Float(l1_ratio)),
            ("fit_intercept", Value::Bool(intercept)),
            ("tol", Value::Float(1e-10)),
        ];
        let fitted = fit(&items, &x, if intercept { &y } else { &centred });
        for (j, (got, want)) in fitted.weights.iter().zip(want).enumerate() {
            assert!(
                (got - want).abs() <= 1e-6 * want.abs().max(1.0),
                "alpha {alpha} l1_ratio {l1_ratio}: coefficient {j} {got} vs {want}"
            );
            assert_eq!(*got == 0.0, want == 0.0, "zero pattern at {j}");
        }
        let b = if intercept { INTERCEPT } else { 0.0 };
        assert!((fitted.intercept - b).abs() < 1e-8, "{}", fitted.intercept);
        // Stationarity: x_jᵀr / n = l2 w_j + l1 sign(w_j), |x_jᵀr / n - l2 w_j| <= l1 at 0.
        let target = if intercept { &y } else { &centred };
        let pred = fitted.predict(&x);
        let n = x.rows as f64;
        let (l1, l2) = (alpha * l1_ratio, alpha * (1.0 - l1_ratio));
        for j in 0..x.cols {
            let xr: f64 = (0..x.rows)
                .map(|i| x.row(i)[j] * (target[i] - pred[i]))
                .sum::<f64>()
                / n;
            let w = fitted.weights[j];
            let slack = xr - l2 * w;
            if w == 0.0 {
                assert!(slack.abs() <= l1 + 1e-7, "KKT at zero {j}: {slack}");
            } else {
                assert!((slack - l1 * w.signum()).abs() < 1e-7, "KKT {j}: {slack}");
            }
        }
    }
}

#[test]
fn l1_ratio_one_is_the_lasso_and_zero_is_ridge() {
    let (x, y) = diabetes();
    let target = Target::Values(y.clone());
    for alpha in [0.1, 1.0] {
        let enet = fit(
            &[("alpha", Value::Float(alpha)), ("l1_ratio", Value::Float(1.0))],
            &x,
            &y,
        );
        let lasso = Lasso::new(&params(&[("alpha", Value::Float(alpha))]))
            .unwrap()
            .fit_linear(&x, &target)
            .unwrap();
        assert_eq!(enet, lasso);
    }
    // l1_ratio 0: (1/(2n))‖r‖² + alpha/2 ‖w‖², i.e. ridge with alpha · n.
    let alpha = 0.3;
    let enet = fit(
        &[
            ("alpha", Value::Float(alpha)),
            ("l1_ratio", Value::Float(0.0)),
            ("tol", Value::Float(1e-12)),
        ],
        &x,
        &y,
    );
    let ridge_params = params(&[("alpha", Value::Float(alpha * x.rows as f64))]);
    let ridge = crate::models::Ridge::new(&ridge_params)
        .unwrap()
        .fit_linear(&x, &target)
        .unwrap();
    for (a, b) in enet.weights.iter().zip(&ridge.weights) {
        assert!((a - b).abs() < 1e-6 * b.abs().max(1.0), "{a} vs {b}");
    }
}

#[test]
fn elastic_net_parameter_errors() {
    for (name, value, message) in [
        ("l1_ratio", Value::Float(1.5), "l1_ratio must be in [0, 1]"),
        ("l1_ratio", Value::Float(-0.1), "l1_ratio must be in [0, 1]"),
        ("alpha", Value::Float(-1.0), "alpha must be"),
        ("max_iter", Value::Int(0), "max_iter must be at least 1"),
        ("tol", Value::Float(0.0), "tol must be"),
        ("l1_ratio", Value::Str("half".into()), "must be a number"),
    ] {
        let err = ElasticNet::new(&params(&[(name, value)])).expect_err(name);
        assert!(err.to_string().contains(message), "{err}");
        assert!(err.to_string().starts_with("elastic_net:"), "{err}");
    }
    let est = ElasticNet::new(&Params::new()).unwrap();
    let x = Matrix {
        rows: 2,
        cols: 1,
        data: vec![1.0, 2.0],
    };
    let classes = Target::Classes {
        codes: vec![0, 1],
        labels: vec!["a".into(), "b".into()],
    };
    assert!(est.fit_linear(&x, &classes).is_err());
    assert!(est.fit_linear(&x, &Target::Values(vec![1.0, f64::NAN])).is_err());
    assert_eq!(est.task(), Task::Regression);
}

#[test]
fn registry_and_catalog_know_elastic_net() {
    use mlg_compiler::workflow::catalog::Catalog;
    let spec = crate::catalog::StdCatalog
        .get("elastic_net")
        .expect("catalog entry");
    let names: Vec<&str> = spec.params.iter().map(|p| p.name).collect();
    assert_eq!(
        names,
        [
            "alpha",
            "l1_ratio",
            "fit_intercept",
            "max_iter",
            "tol",
            "checkpoint_iterations"
        ]
    );
    let est = crate::registry::estimator("elastic_net", &params(&[("l1_ratio", Value::Float(0.2))]));
    assert_eq!(est.expect("estimator").task(), Task::Regression);
    let logistic = crate::catalog::StdCatalog
        .get("logistic_regression")
        .expect("entry");
    let names: Vec<&str> = logistic.params.iter().map(|p| p.name).collect();
    assert_eq!(
        names,
        [
            "c",
            "max_iter",
            "tol",
            "fit_intercept",
            "penalty",
            "solver",
            "seed",
            "checkpoint_iterations",
            "class_weight"
        ]
    );
}

/// A deployed fit saves the sweeps done, the coefficients and the residual
/// after every third sweep; resumed from the last one it ends with the
/// coefficients of the fit that was never interrupted, and a state of
/// another size is refused naming the file.
#[test]
fn a_resumed_descent_ends_where_the_uninterrupted_one_does() {
    use mlg_runtime::checkpoint::{with_slot, Slot, WordReader, Words};
    let (x, y) = diabetes();
    let target = Target::Values(y);
    let dir = std::env::temp_dir().join(format!("mlg-descent-checkpoint-{}", std::process::id()));
    let path = dir.join("enet.ckpt");
    let slot = |resume| Slot {
        path: path.clone(),
        resume,
        writer: true,
    };
    let model = ElasticNet::new(&params(&[
        ("alpha", Value::Float(0.05)),
        ("tol", Value::Float(1e-12)),
        ("checkpoint_iterations", Value::Int(3)),
    ]))
    .expect("params");
    let plain = model.fit_linear(&x, &target).expect("fit");
    let first = with_slot(slot(false), || model.fit_linear(&x, &target)).expect("fit");
    assert_eq!(first, plain, "saving changes nothing");
    let (print, payload) = crate::testing::saved_checkpoint(&path);
    let done = WordReader::new(&payload).usize().expect("sweeps");
    assert!(done >= 3 && done.is_multiple_of(3), "saved after {done} sweeps");
    let resumed = with_slot(slot(true), || model.fit_linear(&x, &target)).expect("resumed");
    assert_eq!(resumed, plain, "resumed after {done} sweeps");
    // It read the file: a coefficient moved there shows.
    let mut moved = payload.clone();
    let w0 = f64::from_le_bytes(moved[16..24].try_into().expect("word"));
    moved[16..24].copy_from_slice(&(w0 + 1.0).to_le_bytes());
    mlg_runtime::checkpoint::save(&path, print, &moved).expect("save");
    let other = with_slot(slot(true), || model.fit_linear(&x, &target)).expect("resumed");
    assert_ne!(other, plain);
    let mut short = Words::new();
    short.usize(done).f64s(&[0.0; 2]).f64s(&[0.0; 2]);
    mlg_runtime::checkpoint::save(&path, print, &short.into_bytes()).expect("save");
    let err = with_slot(slot(true), || model.fit_linear(&x, &target))
        .unwrap_err()
        .to_string();
    assert!(err.contains("enet.ckpt") && err.contains("delete it"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
