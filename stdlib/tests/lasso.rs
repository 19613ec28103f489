//! The `lasso` model: coefficients against scikit-learn's `Lasso`, exact zeros,
//! the closed form on an orthogonal design, optimality (KKT) conditions,
//! parameter checks, the lowered graph, and L1-based selection through
//! `select_from_model`.
//!
//! Reference numbers come from scikit-learn 1.9.1 (numpy only, no pandas) on
//! `tests/data/diabetes.csv`, features = every column but `target`,
//! standardized as `(X - X.mean(0)) / X.std(0)` (population std):
//! `Lasso(alpha=a, tol=1e-12, max_iter=1000000).fit(X, y)` reading `coef_` and
//! `intercept_` (a tight tolerance so that both sides sit at the optimum; the
//! default `tol=1e-4` stops scikit-learn ~0.03 short on `s1` at alpha 0.1), and
//! `SelectFromModel(Lasso(alpha=a), threshold=1e-5).fit(X, y)
//! .get_support(indices=True)` with scikit-learn's defaults.

mod common;

use common::{assert_close, load_dataset, params, run_model_graph, to_matrix};
use mlg_compiler::workflow::catalog::{Catalog, OpKind, Params, Task, Value};
use mlg_runtime::frame::{Column, Frame};
use mlg_stdlib::catalog::StdCatalog;
use mlg_stdlib::models::{FittedLinear, Lasso};
use mlg_stdlib::op::{FittedModel, Matrix, Target};
use mlg_stdlib::select::SelectFromModel;
use mlg_stdlib::{estimator, transform};

/// Every column standardized with the population standard deviation.
fn standardized(frame: &Frame) -> Frame {
    let columns = frame
        .columns
        .iter()
        .map(|c| {
            let v = c.as_numeric().expect("numeric");
            let n = v.len() as f64;
            let mean = v.iter().sum::<f64>() / n;
            let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
            Column::numeric(c.name.clone(), v.iter().map(|x| (x - mean) / sd).collect())
        })
        .collect();
    Frame::new(columns, frame.n_rows)
}

fn diabetes() -> (Frame, Vec<f64>) {
    let (frame, y) = load_dataset("diabetes");
    (standardized(&frame), y)
}

fn lasso(items: &[(&str, Value)]) -> Lasso {
    Lasso::new(&params(items)).expect("params")
}

fn fit(items: &[(&str, Value)], x: &Matrix, y: &[f64]) -> FittedLinear {
    lasso(items)
        .fit_linear(x, &Target::Values(y.to_vec()))
        .expect("fit")
}

fn assert_weights(got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len());
    for (j, (g, w)) in got.iter().zip(want).enumerate() {
        assert_close(*g, *w, tol, &format!("coefficient {j}"));
    }
}

/// Checks the lasso optimality conditions on the centred data: for every
/// column, `x_jᵀ(y - Xw)/n = alpha · sign(w_j)` when `w_j ≠ 0`, and
/// `|x_jᵀ(y - Xw)/n| <= alpha` when `w_j = 0`.
fn assert_kkt(x: &Matrix, y: &[f64], fit: &FittedLinear, alpha: f64, tol: f64) {
    let n = x.rows as f64;
    let residual: Vec<f64> = fit.predict(x).iter().zip(y).map(|(p, t)| t - p).collect();
    for j in 0..x.cols {
        let grad = (0..x.rows).map(|i| x.row(i)[j] * residual[i]).sum::<f64>() / n;
        let w = fit.weights[j];
        if w == 0.0 {
            assert!(grad.abs() <= alpha + tol, "column {j}: |{grad}| > {alpha}");
        } else {
            assert_close(grad, alpha * w.signum(), tol, &format!("KKT of column {j}"));
        }
    }
}

const ALPHA_01: [f64; 10] = [
    -0.27755227838416074,
    -11.16077941615291,
    24.853286360954925,
    15.24210711098981,
    -26.477593360873446,
    13.756707649466133,
    0.0,
    7.043017538093265,
    31.588975454661462,
    3.158795911438168,
];

const ALPHA_1: [f64; 10] = [
    0.0,
    -9.319329544909776,
    24.83150372818554,
    14.088985512284724,
    -4.838946192438972,
    0.0,
    -10.622756297297798,
    0.0,
    24.420933398189778,
    2.5618755134460107,
];

/// intercept_ at both alphas (the mean of y, since X is centred).
const INTERCEPT: f64 = 152.13348416289602;

#[test]
fn lasso_matches_sklearn_on_standardized_diabetes() {
    let (frame, y) = diabetes();
    let x = to_matrix(&frame);
    for (alpha, want) in [(0.1, ALPHA_01), (1.0, ALPHA_1)] {
        let fitted = fit(&[("alpha", Value::Float(alpha))], &x, &y);
        assert_weights(&fitted.weights, &want, 1e-8);
        assert_close(fitted.intercept, INTERCEPT, 1e-8, "intercept");
        // scikit-learn's exact zeros are exact zeros here too, and only those.
        for (j, w) in want.iter().enumerate() {
            assert_eq!(
                fitted.weights[j] == 0.0,
                *w == 0.0,
                "zero pattern at {j}, alpha {alpha}"
            );
        }
        assert_kkt(&x, &y, &fitted, alpha, 1e-7);
        // The FittedModel view: |coef| as importances, coef as the one row.
        let importances = fitted.importances().expect("importances");
        assert_weights(&importances, &want.map(f64::abs), 1e-6);
        assert_eq!(fitted.coefficients(), Some(vec![fitted.weights.clone()]));
    }
    // At alpha 0.1 only s3 (column 6) is zero; at alpha 1.0 age, s2 and s4 are.
    let zeros = |w: &[f64]| (0..w.len()).filter(|&j| w[j] == 0.0).collect::<Vec<_>>();
    assert_eq!(zeros(&fit(&[("alpha", Value::Float(0.1))], &x, &y).weights), [6]);
    assert_eq!(zeros(&fit(&[], &x, &y).weights), [0, 5, 7]);
}

#[test]
fn lasso_without_intercept_on_centred_data_matches_sklearn() {
    // Lasso(alpha=1.0, fit_intercept=False, tol=1e-12): the same coefficients as
    // with an intercept (standardized X is centred), intercept_ 0.0. With y
    // centred as well the two fits coincide exactly.
    let (frame, y) = diabetes();
    let x = to_matrix(&frame);
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    let centred: Vec<f64> = y.iter().map(|v| v - mean).collect();
    let fitted = fit(&[("fit_intercept", Value::Bool(false))], &x, &centred);
    assert_eq!(fitted.intercept, 0.0);
    assert_weights(&fitted.weights, &ALPHA_1, 1e-6);
    // Uncentred y without an intercept: the KKT conditions still hold.
    let raw = fit(&[("fit_intercept", Value::Bool(false))], &x, &y);
    assert_eq!(raw.intercept, 0.0);
    assert_kkt(&x, &y, &raw, 1.0, 1e-7);
}

#[test]
fn lasso_soft_thresholds_on_an_orthogonal_design() {
    // Columns orthogonal, centred, with xᵀx = n: w_j = S(x_jᵀy / n, alpha).
    // n = 4, x0 = [1, -1, 1, -1], x1 = [1, 1, -1, -1], x2 = [1, -1, -1, 1].
    let x = Matrix {
        rows: 4,
        cols: 3,
        data: vec![1.0, 1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0, -1.0, -1.0, -1.0, 1.0],
    };
    // y = 10 + 3 x0 - 0.5 x1 + 1.2 x2 → x_jᵀy / n = [3, -0.5, 1.2].
    let y: Vec<f64> = (0..4)
        .map(|i| 10.0 + 3.0 * x.row(i)[0] - 0.5 * x.row(i)[1] + 1.2 * x.row(i)[2])
        .collect();
    let fitted = fit(&[("alpha", Value::Float(1.0))], &x, &y);
    assert_weights(&fitted.weights, &[2.0, 0.0, 0.2], 1e-12);
    assert_eq!(fitted.weights[1], 0.0);
    assert_close(fitted.intercept, 10.0, 1e-12, "intercept");
    // alpha = 0 is least squares; a large alpha zeroes everything and predicts ȳ.
    let ols = fit(&[("alpha", Value::Float(0.0))], &x, &y);
    assert_weights(&ols.weights, &[3.0, -0.5, 1.2], 1e-12);
    let flat = fit(&[("alpha", Value::Float(5.0))], &x, &y);
    assert_eq!(flat.weights, [0.0, 0.0, 0.0]);
    assert_eq!(flat.predict(&x), [10.0; 4]);
}

#[test]
fn lasso_constant_columns_and_targets() {
    // A constant column gets weight 0; a constant target gives all zeros.
    let x = Matrix {
        rows: 5,
        cols: 2,
        data: vec![1.0, 7.0, 2.0, 7.0, 3.0, 7.0, 4.0, 7.0, 5.0, 7.0],
    };
    let y = [2.0, 4.0, 6.0, 8.0, 10.0];
    let fitted = fit(&[("alpha", Value::Float(0.5))], &x, &y);
    // x0 centred = [-2..2], xᵀx/n = 2, xᵀy/n = 4 → w0 = (4 - 0.5) / 2 = 1.75.
    assert_weights(&fitted.weights, &[1.75, 0.0], 1e-12);
    assert_close(fitted.intercept, 6.0 - 1.75 * 3.0, 1e-12, "intercept");
    let flat = fit(&[("alpha", Value::Float(0.5))], &x, &[3.0; 5]);
    assert_eq!(flat.weights, [0.0, 0.0]);
    assert_eq!(flat.intercept, 3.0);
}

#[test]
fn lasso_lowered_graph_matches_predict() {
    let (frame, y) = diabetes();
    let x = to_matrix(&frame);
    let fitted = fit(&[("alpha", Value::Float(1.0))], &x, &y);
    let (names, rows) = run_model_graph(&fitted, &x);
    assert_eq!(names, ["prediction"]);
    for (row, want) in rows.iter().zip(fitted.predict(&x)) {
        assert!(
            (f64::from(row[0]) - want).abs() < 1e-4 * want.abs().max(1.0),
            "{} vs {want}",
            row[0]
        );
    }
}

#[test]
fn lasso_parameter_errors() {
    let cases: [(&str, Value, &str); 5] = [
        ("alpha", Value::Float(-0.1), "alpha must be a finite number >= 0"),
        (
            "alpha",
            Value::Float(f64::INFINITY),
            "alpha must be a finite number >= 0",
        ),
        ("max_iter", Value::Int(0), "max_iter must be at least 1"),
        ("tol", Value::Float(0.0), "tol must be a finite number > 0"),
        (
            "alpha",
            Value::Str("big".into()),
            "parameter `alpha` must be a number",
        ),
    ];
    for (name, value, message) in cases {
        let err = Lasso::new(&params(&[(name, value)])).expect_err(name);
        assert!(err.to_string().contains(message), "{err}");
        assert!(err.to_string().starts_with("lasso: "), "{err}");
    }
    let x = Matrix {
        rows: 2,
        cols: 1,
        data: vec![1.0, f64::NAN],
    };
    let err = lasso(&[])
        .fit_linear(&x, &Target::Values(vec![1.0, 2.0]))
        .expect_err("nan");
    assert!(err.to_string().contains("impute before this model"), "{err}");
    let classes = Target::Classes {
        codes: vec![0, 1],
        labels: vec!["a".into(), "b".into()],
    };
    let ok = Matrix {
        rows: 2,
        cols: 1,
        data: vec![1.0, 2.0],
    };
    let err = lasso(&[]).fit_linear(&ok, &classes).expect_err("classes");
    assert!(err.to_string().contains("needs a numeric target"), "{err}");
}

#[test]
fn lasso_max_iter_caps_the_sweeps() {
    // One sweep from zero on correlated columns cannot reach the optimum.
    let (frame, y) = diabetes();
    let x = to_matrix(&frame);
    let one = fit(
        &[("alpha", Value::Float(0.1)), ("max_iter", Value::Int(1))],
        &x,
        &y,
    );
    let gap = one
        .weights
        .iter()
        .zip(ALPHA_01)
        .map(|(g, w)| (g - w).abs())
        .fold(0.0, f64::max);
    assert!(gap > 1.0, "one sweep is already at the optimum ({gap})");
}

#[test]
fn registry_and_catalog_know_lasso() {
    let p: Params = params(&[("alpha", Value::Float(0.1))]);
    let model = estimator("lasso", &p).expect("estimator");
    assert_eq!(model.task(), Task::Regression);
    let spec = StdCatalog.get("lasso").expect("catalog entry");
    assert_eq!(
        spec.kind,
        OpKind::Model {
            task: Task::Regression
        }
    );
    let names: Vec<&str> = spec.params.iter().map(|p| p.name).collect();
    assert_eq!(
        names,
        [
            "alpha",
            "fit_intercept",
            "max_iter",
            "tol",
            "checkpoint_iterations"
        ]
    );
    let nested = Value::Model {
        op: "lasso".to_string(),
        params: p,
    };
    let sfm = params(&[("model", nested), ("threshold", Value::Str("1e-5".into()))]);
    assert!(transform("select_from_model", &sfm).is_ok());
}

fn select(alpha: f64) -> Vec<String> {
    let (frame, y) = diabetes();
    let nested = Value::Model {
        op: "lasso".to_string(),
        params: params(&[("alpha", Value::Float(alpha))]),
    };
    let step = SelectFromModel::new(&params(&[
        ("model", nested),
        ("threshold", Value::Str("1e-5".into())),
    ]))
    .expect("params");
    let names: Vec<String> = frame.names().iter().map(|s| s.to_string()).collect();
    step.select(&frame, &names, &Target::Values(y)).expect("fit").kept
}

#[test]
fn select_from_model_with_lasso_keeps_sklearns_columns() {
    let columns = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"];
    let pick = |idx: &[usize]| idx.iter().map(|&j| columns[j].to_string()).collect::<Vec<_>>();
    // get_support(indices=True) of SelectFromModel(Lasso(alpha), threshold=1e-5).
    assert_eq!(select(0.1), pick(&[0, 1, 2, 3, 4, 5, 7, 8, 9]));
    assert_eq!(select(1.0), pick(&[1, 2, 3, 4, 6, 8, 9]));
    assert_eq!(select(5.0), pick(&[1, 2, 3, 6, 8]));
    assert_eq!(select(10.0), pick(&[2, 3, 6, 8]));
}
