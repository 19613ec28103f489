//! The `l1` penalty: proximal Newton reproduces scikit-learn's saga solution
//! (coefficients and zero pattern), truncated SGD gets sparse and close.

use super::{accuracy, dataset, fit, text};
use mlg_compiler::workflow::catalog::Value;

/// `LogisticRegression(C=0.1, l1_ratio=1.0, solver="saga", tol=1e-12,
/// max_iter=200000)` on standardized breast_cancer: `coef_`, `intercept_` and
/// the objective `(C Σ logloss + ‖w‖₁) / (C n)`, from /tmp/skv/bin/python
/// (scikit-learn 1.9.1) running /tmp/linref/ref.py.
const SAGA_BREAST_CANCER: [f64; 30] = [
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    -0.5194787779037305,
    0.0,
    0.0,
    -0.31986046217228403,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    -2.2494057518550448,
    -0.7354346559354059,
    0.0,
    0.0,
    -0.18170378152931507,
    0.0,
    -0.025547255406944087,
    -1.0953454239035132,
    -0.16285126610807343,
    0.0,
];
const SAGA_BREAST_CANCER_INTERCEPT: f64 = 0.6936478131330557;
const SAGA_BREAST_CANCER_OBJECTIVE: f64 = 0.20465732948675985;

/// The same with `C=1.0` on iris (multinomial): `coef_` (3 × 4 row-major),
/// `intercept_` and the objective.
const SAGA_IRIS: [f64; 12] = [
    0.0,
    0.9210330295036177,
    -4.7169449457756825,
    0.0,
    0.2154029103305692,
    0.0,
    0.0,
    0.0,
    0.0,
    -0.6984725543616762,
    4.165604975064172,
    5.035106876921921,
];
const SAGA_IRIS_INTERCEPT: [f64; 3] = [0.1331480480672102, 2.885985665079398, -3.019133713146506];
const SAGA_IRIS_OBJECTIVE: f64 = 0.19136378055488834;

fn l1(solver: &str, c: f64) -> [(&'static str, Value); 3] {
    let solver = if solver == "newton" { "newton" } else { "sgd" };
    [
        ("penalty", text("l1")),
        ("solver", text(solver)),
        ("c", Value::Float(c)),
    ]
}

#[test]
fn proximal_newton_matches_saga_on_breast_cancer_and_iris() {
    let (x, y) = dataset("breast_cancer");
    let fitted = fit(&l1("newton", 0.1), &x, &y);
    assert!(fitted.converged && fitted.grad_max <= 1e-8, "{fitted:?}");
    for (j, (got, want)) in fitted.weights.iter().zip(SAGA_BREAST_CANCER).enumerate() {
        assert!((got - want).abs() < 1e-6, "coefficient {j}: {got} vs {want}");
        assert_eq!(*got == 0.0, want == 0.0, "zero pattern at {j}");
    }
    assert!((fitted.intercepts[0] - SAGA_BREAST_CANCER_INTERCEPT).abs() < 1e-6);
    assert!((fitted.mean_objective - SAGA_BREAST_CANCER_OBJECTIVE).abs() < 1e-9);
    assert!(accuracy(&fitted, &x, &y) > 0.95);

    let (x, y) = dataset("iris");
    let fitted = fit(&l1("newton", 1.0), &x, &y);
    assert!(fitted.converged, "{fitted:?}");
    for (j, (got, want)) in fitted.weights.iter().zip(SAGA_IRIS).enumerate() {
        assert!((got - want).abs() < 1e-5, "iris coefficient {j}: {got} vs {want}");
        assert_eq!(*got == 0.0, want == 0.0, "iris zero pattern at {j}");
    }
    // saga's intercepts are not centred; ours sum to 0 (same probabilities).
    let shift = SAGA_IRIS_INTERCEPT.iter().sum::<f64>() / 3.0;
    for (got, want) in fitted.intercepts.iter().zip(SAGA_IRIS_INTERCEPT) {
        assert!(
            (got - (want - shift)).abs() < 1e-5,
            "iris intercept {got} vs {want}"
        );
    }
    assert!((fitted.mean_objective - SAGA_IRIS_OBJECTIVE).abs() < 1e-9);
}

#[test]
fn truncated_sgd_is_sparse_and_close_to_saga() {
    let (x, y) = dataset("breast_cancer");
    let fitted = fit(&l1("sgd", 0.1), &x, &y);
    let zeros = fitted.weights.iter().filter(|w| **w == 0.0).count();
    // Objective within 1e-3 (absolute, mean-loss scale); every coefficient
    // within 0.25 (the pair of nearly collinear "worst radius" / "worst
    // perimeter" features is the slowest to settle), larger ones with saga's sign.
    assert!(zeros >= 15, "only {zeros} exact zeros: {:?}", fitted.weights);
    assert!(
        (fitted.mean_objective - SAGA_BREAST_CANCER_OBJECTIVE).abs() < 1e-3,
        "{}",
        fitted.mean_objective
    );
    for (j, (got, want)) in fitted.weights.iter().zip(SAGA_BREAST_CANCER).enumerate() {
        assert!((got - want).abs() < 0.25, "coefficient {j}: {got} vs {want}");
        if want.abs() > 0.1 {
            assert_eq!(got.signum(), want.signum(), "sign of {j}");
        }
    }
    assert!(accuracy(&fitted, &x, &y) > 0.95);
    // The penalty makes it sparser than l2 (which has no zeros at all).
    let l2 = fit(&[("solver", text("sgd"))], &x, &y);
    assert!(l2.weights.iter().all(|w| *w != 0.0));

    let (x, y) = dataset("iris");
    let fitted = fit(&l1("sgd", 1.0), &x, &y);
    assert!((fitted.mean_objective - SAGA_IRIS_OBJECTIVE).abs() < 1e-3);
    assert!(fitted.weights.iter().filter(|w| **w == 0.0).count() >= 3);
    assert!(accuracy(&fitted, &x, &y) > 0.9);
}
