//! Nonlinear steps (`log1p`, `power`, `normalize`, `discretize`,
//! `clip_outliers`): fitted numbers and transforms against scikit-learn /
//! numpy, missing values, errors, and agreement of `transform` with the lowered
//! graph on the interpreter and on Cranelift (which must agree with each other).
//!
//! Reference values come from scikit-learn 1.9.1 / numpy 2.4.6 / scipy 1.17.1
//! in a throwaway venv (`python3 -m venv /tmp/skv && /tmp/skv/bin/pip install
//! scikit-learn`), e.g. `PowerTransformer().fit(X).lambdas_`,
//! `KBinsDiscretizer(n_bins=4, encode="ordinal", strategy="quantile")`,
//! `Normalizer(norm="l1").fit_transform(R)` and `np.percentile(col, [25, 75])`,
//! printed with `repr` on the columns below.

mod common;

use common::{fit, lowered, num, numeric_frame as frame, run_backends};
use mlg_compiler::workflow::catalog::Value;
use mlg_runtime::frame::{Column, Frame};
use mlg_stdlib::nonlinear::power::optimal_lambda;
use mlg_stdlib::op::{FittedTransform, OpError};

const NAN: f64 = f64::NAN;
const A: [f64; 10] = [0.5, 1.2, 3.4, 0.1, 7.8, 2.2, 0.9, 15.0, 4.4, 1.1];
const B: [f64; 10] = [-3.1, -0.5, 0.0, 0.7, 1.9, -1.2, 2.5, 4.0, -0.2, 10.0];
const C: [f64; 11] = [1.0, 2.0, 2.0, 2.0, 3.0, 4.0, 5.0, 8.0, 9.0, 20.0, 2.0];
const D: [f64; 11] = [0.3, -1.7, 2.9, 4.4, 0.0, 1.1, -0.6, 3.3, 2.0, 5.5, 1.0];

/// `|a - b| <= rel * max(|a|, |b|) + abs`, NaN equal to NaN, equal infinities equal.
fn near(a: f64, b: f64, rel: f64, abs: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    a == b || (a - b).abs() <= rel * a.abs().max(b.abs()) + abs
}

/// [`near`] elementwise, with `rel` as both the relative and the absolute tolerance.
fn assert_near(got: &[f64], want: &[f64], rel: f64) {
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(near(*g, *w, rel, rel), "element {i}: got {g}, want {w}");
    }
}

/// Lowers `fitted` over `frame`'s columns (one output per column), runs the
/// graph on every row with the interpreter and with Cranelift, and checks that
/// both backends agree to 1e-6 and reproduce `fitted.transform(frame)` to `rel`.
fn assert_lowering_agrees(fitted: &dyn FittedTransform, frame: &Frame, rel: f64) {
    let expected = fitted.transform(frame).expect("transform");
    let rows = run_backends(lowered(fitted, frame), frame);
    let (columns, interp, native) = (&rows.names, &rows.interp, &rows.native);
    for (k, name) in columns.iter().enumerate() {
        let column = expected.column(name).expect("column kept");
        let want = column.as_numeric().expect("numeric");
        for i in 0..frame.n_rows {
            let (a, b) = (interp[i * columns.len() + k], native[i * columns.len() + k]);
            assert!(
                near(f64::from(a), f64::from(b), 1e-6, 1e-7),
                "{name} row {i}: interpreter {a} vs cranelift {b}"
            );
            let w = if column.missing[i] { NAN } else { want[i] };
            assert!(
                near(f64::from(a), w, rel, 1e-5),
                "{name} row {i}: graph {a} vs transform {w}"
            );
        }
    }
}

#[test]
fn log1p_maps_values_and_keeps_missing() {
    let f = frame(&[("x", &[0.0, 1.0, std::f64::consts::E - 1.0, -1.0, -2.0, NAN, 3.5])]);
    let fitted = fit("log1p", &[], &f, &["x"]).expect("fit");
    let out = fitted.transform(&f).expect("transform");
    let want = [0.0, 2f64.ln(), 1.0, f64::NEG_INFINITY, NAN, NAN, 4.5f64.ln()];
    assert_near(num(&out, "x"), &want, 1e-15);
    let missing = &out.column("x").expect("x").missing;
    assert_eq!(missing, &[false, false, false, false, true, true, false]);
    assert_lowering_agrees(fitted.as_ref(), &f, 1e-6);
}

#[test]
fn power_matches_sklearn_power_transformer() {
    let f = frame(&[("a", &A), ("b", &B)]);
    let fitted = fit("power", &[], &f, &["a", "b"]).expect("fit");
    // PowerTransformer().fit(X).lambdas_; both searches stop within scipy's
    // tolerance 1.48e-8 of the optimum, so they agree to a few 1e-8.
    for (col, lambda) in [(&A, -0.3949931271987258), (&B, 0.6045496184061647)] {
        let got = optimal_lambda(col);
        assert!((got - lambda).abs() < 5e-8, "λ {got} vs sklearn {lambda}");
    }
    let out = fitted.transform(&f).expect("transform");
    let want_a = [
        -1.0653535856945466,
        -0.42505829297180553,
        0.5139189404013442,
        -1.6597537260595308,
        1.2280045530679384,
        0.1142793205269463,
        -0.6587836080981055,
        1.7049083036956787,
        0.7456010820851587,
        -0.4977629869530788,
    ];
    let want_b = [
        -2.002380090847415,
        -0.4417148590607029,
        -0.22191159194441898,
        0.030290970906230705,
        0.3805287670233395,
        -0.8011051492436128,
        0.5333491670046809,
        0.8755589178547765,
        -0.30560574526256956,
        1.9529896135696918,
    ];
    assert_near(num(&out, "a"), &want_a, 1e-7);
    assert_near(num(&out, "b"), &want_b, 1e-7);
    // pt.transform([[-2, -5], [30, 20]]): values outside the training range.
    let new = frame(&[("a", &[-2.0, 30.0, NAN]), ("b", &[-5.0, 20.0, 1.9])]);
    let out = fitted.transform(&new).expect("transform");
    assert_near(
        num(&out, "a"),
        &[-13.237194461248231, 2.1165602300024355, NAN],
        1e-7,
    );
    assert_near(
        num(&out, "b")[..2].as_ref(),
        &[-3.4534645374858317, 3.312291012448956],
        1e-7,
    );
    assert_eq!(
        num(&out, "b")[2],
        num(&fitted.transform(&f).expect("transform"), "b")[4],
        "x = 1.9 in B"
    );
    assert_lowering_agrees(fitted.as_ref(), &f, 1e-5);
    assert_lowering_agrees(fitted.as_ref(), &new, 1e-5);
}

#[test]
fn power_without_standardize_and_with_missing_values() {
    let f = frame(&[("a", &A), ("b", &B)]);
    let fitted = fit("power", &[("standardize", Value::Bool(false))], &f, &["b"]).expect("fit");
    let out = fitted.transform(&f).expect("transform");
    // PowerTransformer(standardize=False).fit(X).transform(X)[:, 1]
    let want = [
        -4.416666831063835,
        -0.5452485117428896,
        0.0,
        0.6256188720766825,
        1.4944259630465127,
        -1.4367594680081959,
        1.8735153949142271,
        2.7224079514393633,
        -0.2076134405871262,
        5.395104727296985,
    ];
    assert_near(num(&out, "b"), &want, 1e-7);
    assert_eq!(num(&out, "a"), &A, "unselected columns pass through");
    assert_lowering_agrees(fitted.as_ref(), &f, 1e-5);

    // X[3, 0] = NaN: λ is fitted on the other nine values (-0.5388178066133493).
    let mut a = A;
    a[3] = NAN;
    let f = frame(&[("a", &a)]);
    let fitted = fit("power", &[], &f, &["a"]).expect("fit");
    let observed: Vec<f64> = a.iter().copied().filter(|v| !v.is_nan()).collect();
    assert!((optimal_lambda(&observed) - -0.5388178066133493).abs() < 5e-8);
    let out = fitted.transform(&f).expect("transform");
    assert!(num(&out, "a")[3].is_nan());
    assert_lowering_agrees(fitted.as_ref(), &f, 1e-5);
}

#[test]
fn power_keeps_constant_columns_at_lambda_one() {
    let f = frame(&[("k", &[2.0, 2.0, 2.0, NAN])]);
    let fitted = fit("power", &[], &f, &["k"]).expect("fit");
    let out = fitted.transform(&f).expect("transform");
    assert_near(num(&out, "k"), &[0.0, 0.0, 0.0, NAN], 1e-12);
    assert_lowering_agrees(fitted.as_ref(), &f, 1e-6);
}

#[test]
fn normalize_matches_sklearn_normalizer() {
    let f = frame(&[
        ("p", &[3.0, 0.0, 1.0, -0.5, NAN]),
        ("q", &[-4.0, 0.0, 2.0, 0.25, 1.0]),
        ("r", &[0.0, 0.0, -2.0, 0.0, 1.0]),
        ("other", &[7.0, 7.0, 7.0, 7.0, 7.0]),
    ]);
    let third = 1.0 / 3.0;
    let cases: [(&str, [[f64; 3]; 4]); 3] = [
        (
            "l2",
            [
                [0.6, -0.8, 0.0],
                [0.0, 0.0, 0.0],
                [third, 2.0 * third, -2.0 * third],
                [-0.8944271909999159, 0.4472135954999579, 0.0],
            ],
        ),
        (
            "l1",
            [
                [0.42857142857142855, -0.5714285714285714, 0.0],
                [0.0, 0.0, 0.0],
                [0.2, 0.4, -0.4],
                [-2.0 * third, third, 0.0],
            ],
        ),
        (
            "max",
            [
                [0.75, -1.0, 0.0],
                [0.0, 0.0, 0.0],
                [0.5, 1.0, -1.0],
                [-1.0, 0.5, 0.0],
            ],
        ),
    ];
    for (norm, want) in cases {
        let p = [("norm", Value::Str(norm.into()))];
        let fitted = fit("normalize", &p, &f, &["p", "q", "r"]).expect("fit");
        let out = fitted.transform(&f).expect("transform");
        for (k, name) in ["p", "q", "r"].iter().enumerate() {
            let got = num(&out, name);
            let mut expect: Vec<f64> = want.iter().map(|row| row[k]).collect();
            expect.push(NAN);
            assert_near(got, &expect, 1e-15);
            assert!(
                out.column(name).expect("col").missing[4],
                "{norm}: NaN row is missing"
            );
        }
        assert_eq!(num(&out, "other"), &[7.0; 5]);
        assert_lowering_agrees(fitted.as_ref(), &f, 1e-6);
    }
}

#[test]
fn discretize_matches_sklearn_kbins_discretizer() {
    let f = frame(&[("c", &C), ("d", &D)]);
    let new = frame(&[
        ("c", &[-100.0, 100.0, 2.0, NAN]),
        ("d", &[-100.0, 100.0, 1.1, 0.0]),
    ]);
    // (strategy, bins, transform(Y) columns c and d, transform([[-100]*2, [100]*2, [2, 1.1]]))
    type Case = (&'static str, i64, [f64; 11], [f64; 11], [f64; 3], [f64; 3]);
    let cases: [Case; 3] = [
        (
            "quantile",
            4,
            [0., 1., 1., 1., 2., 2., 2., 3., 3., 3., 1.],
            [1., 0., 2., 3., 1., 2., 0., 3., 2., 3., 1.],
            [0., 3., 1.],
            [0., 3., 2.],
        ),
        (
            "uniform",
            3,
            [0., 0., 0., 0., 0., 0., 0., 1., 1., 2., 0.],
            [0., 0., 1., 2., 0., 1., 0., 2., 1., 2., 1.],
            [0., 2., 0.],
            [0., 2., 1.],
        ),
        (
            // Edges of c collapse to [1, 2, 4, 8, 20]: four bins, not five.
            "quantile",
            5,
            [0., 1., 1., 1., 1., 2., 2., 3., 3., 3., 1.],
            [1., 0., 3., 4., 1., 2., 0., 4., 3., 4., 2.],
            [0., 3., 1.],
            [0., 4., 2.],
        ),
    ];
    for (strategy, bins, tc, td, nc, nd) in cases {
        let p = [
            ("strategy", Value::Str(strategy.into())),
            ("bins", Value::Int(bins)),
        ];
        let fitted = fit("discretize", &p, &f, &["c", "d"]).expect("fit");
        let out = fitted.transform(&f).expect("transform");
        assert_eq!(num(&out, "c"), &tc, "{strategy} {bins}");
        assert_eq!(num(&out, "d"), &td, "{strategy} {bins}");
        let out = fitted.transform(&new).expect("transform");
        assert_eq!(&num(&out, "c")[..3], &nc, "{strategy} {bins}");
        assert!(num(&out, "c")[3].is_nan(), "missing stays missing");
        assert_eq!(&num(&out, "d")[..3], &nd, "{strategy} {bins}");
        assert_lowering_agrees(fitted.as_ref(), &f, 0.0);
        assert_lowering_agrees(fitted.as_ref(), &new, 0.0);
    }
    // A constant column is one bin.
    let k = frame(&[("k", &[4.0, 4.0, NAN])]);
    let fitted = fit("discretize", &[], &k, &["k"]).expect("fit");
    assert_near(
        num(&fitted.transform(&k).expect("transform"), "k"),
        &[0.0, 0.0, NAN],
        0.0,
    );
}

#[test]
fn clip_outliers_matches_numpy_bounds() {
    let mut c = C.to_vec();
    c.push(NAN);
    let mut d = D.to_vec();
    d.push(-9.0);
    let f = frame(&[("c", &c), ("d", &d)]);
    // np.percentile(C, [25, 75]) = 2, 5: fences -4.75, 13.25 (k = 1.5), -0.25, 8.75 (k = 0.5).
    let fitted = fit("clip_outliers", &[], &f, &["c"]).expect("fit");
    let out = fitted.transform(&f).expect("transform");
    let mut want: Vec<f64> = C.iter().map(|&v| v.min(13.25)).collect();
    want.push(NAN);
    assert_near(num(&out, "c"), &want, 0.0);
    assert_eq!(num(&out, "d"), d.as_slice(), "unselected columns pass through");
    assert_lowering_agrees(fitted.as_ref(), &f, 1e-6);

    let fitted = fit("clip_outliers", &[("k", Value::Float(0.5))], &f, &["c"]).expect("fit");
    let got = num(&fitted.transform(&f).expect("transform"), "c").to_vec();
    assert_eq!(got[0], 1.0);
    assert_eq!(got[7], 8.0);
    assert_eq!(got[9], 8.75);

    // zscore on D with -9 appended: recompute with numpy: mean ± 2 std of d.
    let n = d.len() as f64;
    let mean = d.iter().sum::<f64>() / n;
    let std = (d.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    let p = [("method", Value::Str("zscore".into())), ("z", Value::Float(2.0))];
    let fitted = fit("clip_outliers", &p, &f, &["d"]).expect("fit");
    let got = num(&fitted.transform(&f).expect("transform"), "d").to_vec();
    assert_eq!(got[11], mean - 2.0 * std, "-9 is clipped to the lower bound");
    assert_eq!(got[9], 5.5, "5.5 is inside the band");
    assert!(mean - 2.0 * std > -9.0 && mean - 2.0 * std < -5.0);
    assert_lowering_agrees(fitted.as_ref(), &f, 1e-6);
}

#[test]
fn clip_outliers_zscore_matches_numpy_on_d() {
    // np.mean(D) -/+ 2 np.std(D) = -2.5384041571576237, 5.847495066248532
    let f = frame(&[("d", &[D.as_slice(), &[-3.0, 6.0]].concat())]);
    let fit_frame = frame(&[("d", &D)]);
    let p = [("method", Value::Str("zscore".into())), ("z", Value::Int(2))];
    let fitted = fit("clip_outliers", &p, &fit_frame, &["d"]).expect("fit");
    let got = num(&fitted.transform(&f).expect("transform"), "d").to_vec();
    assert!(near(got[11], -2.5384041571576237, 1e-15, 0.0), "{}", got[11]);
    assert!(near(got[12], 5.847495066248532, 1e-15, 0.0), "{}", got[12]);
    assert_eq!(&got[..11], &D);
}

#[test]
fn errors_name_the_column_or_parameter() {
    let f = Frame::new(
        vec![
            Column::numeric("x", vec![1.0, 2.0]),
            Column::categorical("c", vec![0, 1], vec!["a".into(), "b".into()], vec![false, false]),
        ],
        2,
    );
    for step in ["log1p", "power", "normalize", "discretize", "clip_outliers"] {
        let err = fit(step, &[], &f, &["x", "c"]).expect_err("categorical column");
        assert!(
            matches!(&err, OpError::Column { column, .. } if column == "c"),
            "{step}: {err}"
        );
        let err = fit(step, &[], &f, &["nope"]).expect_err("absent column");
        assert!(err.to_string().contains("nope"), "{step}: {err}");
    }
    let bad = [
        ("normalize", "norm", Value::Str("l3".into())),
        ("discretize", "bins", Value::Int(1)),
        ("discretize", "strategy", Value::Str("kmeans".into())),
        ("clip_outliers", "method", Value::Str("mad".into())),
        ("clip_outliers", "k", Value::Float(-1.0)),
        ("power", "standardize", Value::Int(1)),
    ];
    for (step, name, value) in bad {
        let err = fit(step, &[(name, value)], &f, &["x"]).expect_err("bad parameter");
        assert!(err.to_string().contains(name), "{step}: {err}");
    }
}

#[test]
fn catalog_lists_the_steps_with_their_defaults() {
    let specs = mlg_stdlib::nonlinear::SPECS;
    let names: Vec<&str> = specs.iter().map(|s| s.name).collect();
    assert_eq!(
        names,
        ["log1p", "power", "normalize", "discretize", "clip_outliers"]
    );
    let params: Vec<Vec<&str>> = specs
        .iter()
        .map(|s| s.params.iter().map(|p| p.name).collect())
        .collect();
    assert_eq!(
        params,
        [
            vec![],
            vec!["standardize"],
            vec!["norm"],
            vec!["bins", "strategy"],
            vec!["method", "k", "z"]
        ]
    );
}
