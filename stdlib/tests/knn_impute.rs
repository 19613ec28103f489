//! `impute(strategy = "knn")`: imputed values against scikit-learn's
//! `KNNImputer`, errors, and agreement between `transform` and the lowered graph.

mod common;

use common::{abi_row, lowered, names, params, run_lowered_columns};
use mlg_compiler::workflow::catalog::Value;
use mlg_runtime::frame::{Column, Frame};
use mlg_stdlib::op::{FittedTransform, OpError, Target};
use mlg_stdlib::transform;

const COLS: [&str; 4] = [
    "bill_length_mm",
    "bill_depth_mm",
    "flipper_length_mm",
    "body_mass_g",
];

/// Penguins' four numeric columns with extra NaNs: row `i` loses column 0 when
/// `i % 7 == 3`, column 3 when `i % 11 == 5`, columns 1 and 2 when `i % 13 == 2`.
fn penguins() -> Frame {
    let path = format!("{}/../examples/data/penguins.csv", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut cols: Vec<Vec<f64>> = vec![Vec::new(); 4];
    for (i, line) in text.lines().skip(1).filter(|l| !l.trim().is_empty()).enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        for (j, col) in cols.iter_mut().enumerate() {
            let mut v = fields[j + 1].trim().parse::<f64>().unwrap_or(f64::NAN);
            let blank =
                (j == 0 && i % 7 == 3) || (j == 3 && i % 11 == 5) || ((j == 1 || j == 2) && i % 13 == 2);
            if blank {
                v = f64::NAN;
            }
            col.push(v);
        }
    }
    let n = cols[0].len();
    let columns = COLS
        .iter()
        .zip(cols)
        .map(|(name, v)| Column::numeric(*name, v))
        .collect();
    Frame::new(columns, n)
}

fn fit_knn(frame: &Frame, cols: &[&str], k: i64) -> Result<Box<dyn FittedTransform>, OpError> {
    let p = params(&[("strategy", Value::Str("knn".into())), ("k", Value::Int(k))]);
    transform("impute", &p)?.fit(frame, &names(cols), &Target::Values(vec![0.0; frame.n_rows]))
}

/// `(row, column, value)` of the missing cells of [`penguins`] after
/// `KNNImputer(n_neighbors=5).fit(X).transform(X)` (scikit-learn 1.x, float64),
/// computed with `/tmp/skv/bin/python` from the same matrix. Ten cells are left
/// out: their 5th and 6th nearest candidates are tied, and scikit-learn's
/// `argpartition` breaks such ties arbitrarily (mlg takes the lower row).
const SKLEARN_PENGUINS_K5: &[(usize, usize, f64)] = &[
    (2, 1, 17.939999999999998),
    (2, 2, 189.2),
    (3, 0, 43.87721088435374),
    (3, 1, 17.173015873015874),
    (3, 2, 201.02857142857144),
    (3, 3, 4207.2347266881025),
    (5, 3, 3830.0),
    (10, 0, 40.779999999999994),
    (15, 1, 17.8),
    (15, 2, 190.0),
    (16, 3, 3875.0),
    (17, 0, 42.64),
    (24, 0, 40.5),
    (27, 3, 3525.0),
    (28, 1, 18.4),
    (28, 2, 189.6),
    (31, 0, 39.019999999999996),
    (38, 0, 40.11999999999999),
    (38, 3, 3655.0),
    (41, 1, 17.840000000000003),
    (41, 2, 187.6),
    (45, 0, 41.14),
    (49, 3, 3905.0),
    (52, 0, 40.04),
    (54, 1, 17.32),
    (54, 2, 186.6),
    (59, 0, 39.71999999999999),
    (60, 3, 3120.0),
    (66, 0, 39.1),
    (67, 1, 17.64),
    (67, 2, 200.8),
    (71, 3, 3830.0),
    (73, 0, 45.71999999999999),
    (80, 1, 17.28),
    (80, 2, 186.8),
    (82, 3, 3450.0),
    (87, 0, 41.04),
    (94, 0, 40.779999999999994),
    (101, 0, 49.18),
    (104, 3, 3570.0),
    (106, 1, 18.520000000000003),
    (106, 2, 191.6),
    (108, 0, 40.82000000000001),
    (115, 0, 44.64),
    (119, 1, 18.46),
    (119, 2, 195.6),
    (122, 0, 40.08),
    (126, 3, 3535.0),
    (129, 0, 45.42),
    (132, 1, 18.580000000000002),
    (132, 2, 192.2),
    (136, 0, 40.26),
    (137, 3, 3715.0),
    (143, 0, 38.38),
    (145, 1, 18.839999999999996),
    (145, 2, 191.8),
    (150, 0, 42.46),
    (157, 0, 46.580000000000005),
    (158, 1, 15.580000000000002),
    (158, 2, 210.6),
    (159, 3, 4245.0),
    (164, 0, 44.56),
    (170, 3, 4325.0),
    (171, 2, 218.4),
    (178, 0, 45.7),
    (181, 3, 5370.0),
    (184, 1, 15.8),
    (184, 2, 210.4),
    (185, 0, 48.5),
    (192, 0, 43.94),
    (192, 3, 4365.0),
    (197, 1, 16.720000000000002),
    (197, 2, 205.2),
    (199, 0, 50.260000000000005),
    (203, 3, 5260.0),
    (206, 0, 46.2),
    (210, 1, 17.72),
    (210, 2, 201.4),
    (213, 0, 48.6),
    (214, 3, 4780.0),
    (220, 0, 47.5),
    (223, 1, 14.7),
    (223, 2, 215.8),
    (225, 3, 4370.0),
    (227, 0, 49.1),
    (234, 0, 45.48),
    (236, 3, 4920.0),
    (241, 0, 50.48),
    (247, 3, 5000.0),
    (248, 0, 47.220000000000006),
    (249, 1, 14.5),
    (249, 2, 214.2),
    (255, 0, 50.839999999999996),
    (258, 3, 4005.0),
    (262, 0, 46.0),
    (262, 1, 14.62),
    (262, 2, 218.0),
    (269, 0, 48.31999999999999),
    (269, 3, 5520.0),
    (271, 0, 43.87721088435374),
    (271, 1, 17.173015873015874),
    (271, 2, 201.02857142857144),
    (271, 3, 4207.2347266881025),
    (275, 1, 16.979999999999997),
    (275, 2, 214.4),
    (276, 0, 39.76),
    (280, 3, 3960.0),
    (283, 0, 43.3),
    (288, 1, 15.9),
    (288, 2, 204.6),
    (290, 0, 41.67999999999999),
    (291, 3, 4280.0),
    (297, 0, 42.46),
    (301, 1, 18.759999999999998),
    (301, 2, 203.4),
    (302, 3, 4330.0),
    (304, 0, 40.940000000000005),
    (311, 0, 46.4),
    (313, 3, 4030.0),
    (314, 1, 15.580000000000002),
    (314, 2, 210.6),
    (318, 0, 41.660000000000004),
    (324, 3, 3680.0),
    (325, 0, 46.06),
    (327, 1, 18.839999999999996),
    (327, 2, 206.0),
    (332, 0, 40.459999999999994),
    (335, 3, 4550.0),
    (339, 0, 46.379999999999995),
    (340, 1, 17.34),
    (340, 2, 200.0),
];

#[test]
fn penguins_match_sklearn_knn_imputer() {
    let frame = penguins();
    let fitted = fit_knn(&frame, &COLS, 5).expect("fit");
    let out = fitted.transform(&frame).expect("transform");
    for &(r, j, want) in SKLEARN_PENGUINS_K5 {
        let got = out.column(COLS[j]).and_then(Column::as_numeric).expect("numeric")[r];
        assert!(
            (got - want).abs() <= 1e-5 * want.abs(),
            "row {r} {}: {got} vs sklearn {want}",
            COLS[j]
        );
    }
    for name in COLS {
        let col = out.column(name).expect("column");
        assert!(col.missing.iter().all(|m| !m), "{name} still has missing values");
    }
}

#[test]
fn transform_agrees_with_lowered_graph() {
    let frame = penguins();
    for k in [1, 3, 5, 400] {
        let fitted = fit_knn(&frame, &COLS, k).expect("fit");
        let out = fitted.transform(&frame).expect("transform");
        let (names, rows) = run_lowered_columns(lowered(fitted.as_ref(), &frame), &frame);
        assert_eq!(names, COLS);
        for (i, row) in rows.iter().enumerate() {
            for (j, &g) in row.iter().enumerate() {
                let want = out.column(COLS[j]).and_then(Column::as_numeric).expect("numeric")[i] as f32;
                let tol = 1e-5 * g.abs().max(want.abs()) + 1e-6;
                assert!(
                    (g - want).abs() <= tol,
                    "k {k} row {i} col {j}: graph {g} vs transform {want}"
                );
            }
        }
        // Rows without missing values pass through the graph unchanged.
        let input = abi_row(&frame, 0);
        assert_eq!(rows[0], input);
    }
}

#[test]
fn categorical_column_is_an_error_naming_it() {
    let frame = Frame::new(
        vec![
            Column::numeric("a", vec![1.0, f64::NAN]),
            Column::categorical("c", vec![0, 1], vec!["x".into(), "y".into()], vec![false, false]),
        ],
        2,
    );
    let err = fit_knn(&frame, &["a", "c"], 1).expect_err("categorical");
    assert!(err.to_string().contains("`c`"), "{err}");
}

#[test]
fn bad_k_and_empty_column_are_errors() {
    let frame = Frame::new(vec![Column::numeric("a", vec![f64::NAN, f64::NAN])], 2);
    assert!(fit_knn(&frame, &["a"], 0).is_err());
    let err = fit_knn(&frame, &["a"], 2).expect_err("no observed values");
    assert!(err.to_string().contains("`a`"), "{err}");
}

#[test]
fn too_many_training_rows_suggest_another_strategy() {
    let n = 50_001;
    let frame = Frame::new(vec![Column::numeric("a", vec![1.0; n])], n);
    let err = fit_knn(&frame, &["a"], 5).expect_err("too many rows");
    assert!(err.to_string().contains("strategy"), "{err}");
}
