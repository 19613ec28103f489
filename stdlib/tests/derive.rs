//! `derive`: hand-computed values, missing-value propagation, the small-power
//! rule for negative bases, errors, and agreement of `transform` with the
//! lowered graph on the interpreter and Cranelift (bit-equal to each other).

mod common;

use common::{lowered, num, numeric_frame as frame, run_backends};
use mlg_compiler::workflow::catalog::{Params, Value};
use mlg_compiler::workflow::derive::ORDER_PARAM;
use mlg_runtime::frame::{Column, Frame};
use mlg_stdlib::op::{FittedTransform, OpError, Target};
use mlg_stdlib::transform;

const NAN: f64 = f64::NAN;

/// The checker's encoding of `derive(name = "text", ...)`.
fn params(cols: &[(&str, &str)]) -> Params {
    let mut p: Params = cols
        .iter()
        .map(|(n, t)| (n.to_string(), Value::Str(t.to_string())))
        .collect();
    let order: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
    p.insert(ORDER_PARAM.to_string(), Value::Str(order.join(",")));
    p
}

fn fit(cols: &[(&str, &str)], frame: &Frame) -> Result<Box<dyn FittedTransform>, OpError> {
    let target = Target::Values(vec![0.0; frame.n_rows]);
    let names: Vec<String> = frame.names().iter().map(|s| s.to_string()).collect();
    transform("derive", &params(cols))?.fit(frame, &names, &target)
}

/// Equal as numbers, NaN equal to NaN.
fn same(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let ok = g == w || (g.is_nan() && w.is_nan()) || (g - w).abs() <= 1e-12 * w.abs().max(1.0);
        assert!(ok, "row {i}: got {g}, want {w}");
    }
}

/// Runs the lowered graph on every row with the interpreter and Cranelift:
/// the two must agree bit for bit (NaN with NaN), and match `transform` to
/// f32 precision.
fn assert_lowering_agrees(fitted: &dyn FittedTransform, frame: &Frame) {
    let expected = fitted.transform(frame).expect("transform");
    let rows = run_backends(lowered(fitted, frame), frame);
    let (columns, interp, native) = (&rows.names, &rows.interp, &rows.native);
    assert_eq!(*columns, expected.names(), "lowered columns follow the frame");
    for (k, name) in columns.iter().enumerate() {
        let want = num(&expected, name);
        for i in 0..frame.n_rows {
            let (a, b) = (interp[i * columns.len() + k], native[i * columns.len() + k]);
            assert!(
                a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                "{name} row {i}: {a} vs {b}"
            );
            let w = want[i];
            let close = (a.is_nan() && w.is_nan())
                || f64::from(a) == w
                || (f64::from(a) - w).abs() <= 1e-5 * w.abs().max(1.0);
            assert!(close, "{name} row {i}: graph {a} vs transform {w}");
        }
    }
}

#[test]
fn arithmetic_matches_hand_computed_values() {
    let f = frame(&[
        ("mass", &[3750.0, 3800.0, 3250.0, NAN]),
        ("bill", &[39.1, 39.5, 40.3, 36.7]),
    ]);
    let fitted = fit(&[("ratio", "mass / bill ^ 2"), ("twice", "2 * ratio - -1")], &f).expect("fit");
    let out = fitted.transform(&f).expect("transform");
    assert_eq!(out.names(), ["mass", "bill", "ratio", "twice"]);
    // 3750 / 39.1^2 = 3750 / 1528.81 = 2.452888...
    let ratio = [3750.0 / 1528.81, 3800.0 / 1560.25, 3250.0 / 1624.09, NAN];
    same(num(&out, "ratio"), &ratio);
    same(num(&out, "twice"), &ratio.map(|r| 2.0 * r + 1.0));
    assert_eq!(
        out.column("ratio").expect("ratio").missing,
        [false, false, false, true]
    );
    assert_lowering_agrees(fitted.as_ref(), &f);
}

#[test]
fn powers_functions_and_precedence() {
    let f = frame(&[("x", &[-2.0, 0.0, 3.0, 0.25]), ("y", &[1.0, -1.0, 2.0, 0.5])]);
    let cols = [
        ("cube", "x ^ 3"),      // repeated multiplication: (-2)^3 = -8
        ("neg_sq", "-x ^ 2"),   // -(x^2)
        ("frac", "x ^ 0.5"),    // IR pow: NaN for a negative base
        ("zero", "x ^ 0"),      // 1 for every present value
        ("tower", "2 ^ 3 ^ 2"), // 2^(3^2) = 512
        ("f", "log(abs(x) + 1) + sqrt(abs(y)) * exp(0)"),
        ("m", "min(x, y) + max(x, y)"),
    ];
    let fitted = fit(&cols, &f).expect("fit");
    let out = fitted.transform(&f).expect("transform");
    same(num(&out, "cube"), &[-8.0, 0.0, 27.0, 0.015625]);
    same(num(&out, "neg_sq"), &[-4.0, -0.0, -9.0, -0.0625]);
    same(num(&out, "frac"), &[NAN, 0.0, 3f64.sqrt(), 0.5]);
    same(num(&out, "zero"), &[1.0; 4]);
    same(num(&out, "tower"), &[512.0; 4]);
    let fx = [
        3f64.ln() + 1.0,
        0.0 + 1.0,
        4f64.ln() + 2f64.sqrt(),
        1.25f64.ln() + 0.5f64.sqrt(),
    ];
    same(num(&out, "f"), &fx);
    same(num(&out, "m"), &[-1.0, -1.0, 5.0, 0.75]);
    assert_lowering_agrees(fitted.as_ref(), &f);
}

#[test]
fn comparisons_logic_and_if_propagate_missing_values() {
    let f = frame(&[
        ("flipper", &[210.0, 190.0, NAN, 200.0, 230.0]),
        ("year", &[2007.0, 2009.0, 2008.0, NAN, 2008.0]),
    ]);
    let cols = [
        ("big", "if flipper > 200 then 1 else 0"),
        ("band", "flipper >= 195 and flipper <= 215 or year == 2009"),
        ("odd", "not year != 2008"),
        ("pick", "if year < 2008 then flipper else -flipper"),
        ("safe", "if flipper > 0 then log(flipper - 200) else 0"),
        ("lo", "min(flipper, year)"),
        ("hi", "max(year, flipper)"),
    ];
    let fitted = fit(&cols, &f).expect("fit");
    let out = fitted.transform(&f).expect("transform");
    same(num(&out, "big"), &[1.0, 0.0, NAN, 0.0, 1.0]);
    // Row 2: flipper missing -> NaN even though `year == 2009` is false.
    same(num(&out, "band"), &[1.0, 1.0, NAN, NAN, 0.0]);
    same(num(&out, "odd"), &[0.0, 0.0, 1.0, NAN, 1.0]);
    same(num(&out, "pick"), &[210.0, -190.0, NAN, NAN, -230.0]);
    // The selected branch decides: log(-10) is NaN, log(0) is -inf.
    same(
        num(&out, "safe"),
        &[10f64.ln(), NAN, NAN, f64::NEG_INFINITY, 30f64.ln()],
    );
    same(num(&out, "lo"), &[210.0, 190.0, NAN, NAN, 230.0]);
    same(num(&out, "hi"), &[2007.0, 2009.0, NAN, NAN, 2008.0]);
    assert_eq!(
        out.column("big").expect("big").missing,
        [false, false, true, false, false]
    );
    assert_lowering_agrees(fitted.as_ref(), &f);
}

#[test]
fn backticked_columns_and_many_rows_agree_with_the_graph() {
    let n = 200;
    let a: Vec<f64> = (0..n).map(|i| (f64::from(i * 37 % 101) - 50.0) / 7.0).collect();
    let b: Vec<f64> = (0..n)
        .map(|i| {
            if i % 13 == 0 {
                NAN
            } else {
                (f64::from(i * 53 % 89) - 44.0) / 3.0
            }
        })
        .collect();
    let f = frame(&[("island=Dream", &a), ("b", &b)]);
    let cols = [
        ("e1", "`island=Dream` * b - b / (abs(`island=Dream`) + 1) ^ 2"),
        (
            "e2",
            "if `island=Dream` > b then exp(b / 10) else sqrt(abs(b)) ^ 3",
        ),
        (
            "e3",
            "(e1 > 0 or not b < -3) + max(e2, 1) - min(`island=Dream`, 2) ^ 1.5",
        ),
    ];
    let fitted = fit(&cols, &f).expect("fit");
    assert_lowering_agrees(fitted.as_ref(), &f);
}

#[test]
fn errors_name_the_problem() {
    let f = Frame::new(
        vec![
            Column::numeric("x", vec![1.0, 2.0]),
            Column::categorical(
                "island",
                vec![0, 1],
                vec!["A".into(), "B".into()],
                vec![false, false],
            ),
        ],
        2,
    );
    let err = fit(&[("y", "x / island")], &f).expect_err("categorical");
    assert!(
        matches!(&err, OpError::Column { column, .. } if column == "island"),
        "{err}"
    );
    let err = fit(&[("y", "z + 1")], &f).expect_err("missing column");
    assert!(
        matches!(&err, OpError::Column { column, .. } if column == "z"),
        "{err}"
    );
    let err = fit(&[("x", "1")], &f).expect_err("existing name");
    assert!(err.to_string().contains("already exists"), "{err}");
    let err = fit(&[("y", "1 +")], &f).expect_err("bad expression");
    assert!(matches!(err, OpError::Invalid { .. }), "{err}");
    // A later column may use an earlier one, never the reverse.
    assert!(fit(&[("a", "x + 1"), ("b", "a * 2")], &f).is_ok());
    assert!(fit(&[("a", "b + 1"), ("b", "x * 2")], &f).is_err());
    // The order parameter is required and must list every expression.
    let mut p = params(&[("y", "x")]);
    p.remove(ORDER_PARAM);
    assert!(transform("derive", &p).is_err());
    let mut p = params(&[("y", "x")]);
    p.insert("w".into(), Value::Str("x".into()));
    assert!(transform("derive", &p).is_err());
    // Transforming a frame without a used column fails instead of guessing.
    let fitted = fit(&[("y", "x * 2")], &f).expect("fit");
    let other = frame(&[("q", &[1.0])]);
    assert!(fitted.transform(&other).is_err());
}

/// Every date function of date columns `a` and `b` but `epoch`.
const DATE_COLUMNS: [(&str, &str); 6] = [
    ("y", "year(a)"),
    ("m", "month(a)"),
    ("d", "day(a)"),
    ("w", "weekday(a)"),
    ("h", "hour(a)"),
    ("gap", "days_between(a, b)"),
];

/// Hours since the epoch of `text` (a date column's value).
fn hours(text: &str) -> f64 {
    mlg_runtime::dates::parse(text).expect("a date")
}

#[test]
fn date_functions_match_hand_computed_values() {
    let a = [
        hours("2024-02-29T13:45"),
        hours("1970-01-01"),
        hours("1999-12-31T23:59:59Z"),
        NAN,
    ];
    let b = [
        hours("2024-03-01T00:00"),
        hours("1969-12-31T23:00"),
        hours("2000-01-01T00:30+01:00"),
        0.0,
    ];
    let f = frame(&[("a", &a), ("b", &b)]);
    let cols: Vec<(&str, &str)> = DATE_COLUMNS.into_iter().chain([("e", "epoch(b)")]).collect();
    let fitted = fit(&cols, &f).expect("fit");
    let out = fitted.transform(&f).expect("transform");
    same(num(&out, "y"), &[2024.0, 1970.0, 1999.0, NAN]);
    same(num(&out, "m"), &[2.0, 1.0, 12.0, NAN]);
    same(num(&out, "d"), &[29.0, 1.0, 31.0, NAN]);
    // 2024-02-29 was a Thursday, 1970-01-01 too, 1999-12-31 a Friday.
    same(num(&out, "w"), &[3.0, 3.0, 4.0, NAN]);
    same(num(&out, "h"), &[13.0, 0.0, 23.0, NAN]);
    same(
        num(&out, "e"),
        &[19_783.0, -1.0 / 24.0, 10_957.0 - 1.0 / 24.0, 0.0],
    );
    same(num(&out, "gap"), &[1.0, -1.0, 0.0, NAN]);
    assert_lowering_agrees(fitted.as_ref(), &f);
}

/// Every day of the supported range (1900-2199), at an hour that varies:
/// the compiled `f32` calendar gives exactly the `f64` one.
#[test]
fn date_functions_compile_exactly_over_the_whole_range() {
    let first = hours("1900-01-01");
    let last = hours("2199-12-31T23:00");
    let a: Vec<f64> = (0..)
        .map(|day: i32| first + f64::from(day) * 24.0 + f64::from(day * 7 % 24))
        .take_while(|&h| h <= last)
        .collect();
    let b: Vec<f64> = a.iter().rev().copied().collect();
    let f = frame(&[("a", &a), ("b", &b)]);
    let cols = DATE_COLUMNS;
    let fitted = fit(&cols, &f).expect("fit");
    let expected = fitted.transform(&f).expect("transform");
    let rows = run_backends(lowered(fitted.as_ref(), &f), &f);
    let width = rows.names.len();
    for (k, name) in rows
        .names
        .iter()
        .enumerate()
        .filter(|(_, n)| cols.iter().any(|(c, _)| c == n))
    {
        let want = num(&expected, name);
        for (i, &w) in want.iter().enumerate() {
            let (a, b) = (rows.interp[i * width + k], rows.native[i * width + k]);
            assert!(
                f64::from(a) == w && a.to_bits() == b.to_bits(),
                "{name} row {i}: {a} / {b} vs {w}"
            );
        }
    }
}

#[test]
fn date_parts_replace_each_date_by_its_parts_in_place_and_lower_exactly() {
    let d = [hours("2024-02-29T13:45"), NAN, hours("1999-12-31T23:00")];
    let x = [1.0, 2.0, 3.0];
    let f = frame(&[("x", &x), ("d", &d)]);
    let target = Target::Values(vec![0.0; 3]);
    let fitted = transform("date_parts", &Params::new())
        .expect("op")
        .fit(&f, &["d".to_string()], &target)
        .expect("fit");
    let out = fitted.transform(&f).expect("transform");
    assert_eq!(
        out.names(),
        ["x", "d_year", "d_month", "d_day", "d_weekday", "d_hour"]
    );
    same(num(&out, "d_year"), &[2024.0, NAN, 1999.0]);
    same(num(&out, "d_month"), &[2.0, NAN, 12.0]);
    same(num(&out, "d_day"), &[29.0, NAN, 31.0]);
    same(num(&out, "d_weekday"), &[3.0, NAN, 4.0]);
    same(num(&out, "d_hour"), &[13.0, NAN, 23.0]);
    assert_lowering_agrees(fitted.as_ref(), &f);
}
