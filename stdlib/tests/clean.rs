//! Cleaning steps (`drop_duplicates`, `drop_outliers`): the rows kept at fit
//! time (`training_rows`), identity at transform and lowering time, and errors.
//!
//! Outlier bounds were computed with numpy 2 (`np.nanpercentile(v, [25, 75])`
//! for the IQR fences; `np.nanmean` / `np.nanstd` (ddof 0) for z-scores) on the
//! `outlier_frame()` columns; the kept rows follow from those bounds.

mod common;

use common::{fit, lowering_for, params};
use mlg_compiler::workflow::catalog::Value;
use mlg_runtime::frame::{Column, Frame};
use mlg_stdlib::clean::{DropOutliers, FittedDropOutliers, OutlierMethod};
use mlg_stdlib::op::{FittedTransform, OpError};
use mlg_stdlib::transform;

const NAN: f64 = f64::NAN;

fn kept(fitted: &dyn FittedTransform) -> Vec<usize> {
    fitted.training_rows().expect("a row filter").to_vec()
}

/// Asserts the step changes nothing at predict time: `transform` is the
/// identity and lowering appends no node and rebinds no column.
fn assert_identity_at_predict(fitted: &dyn FittedTransform, frame: &Frame) {
    // Debug forms, since NaN != NaN under PartialEq.
    let out = fitted.transform(frame).expect("transform");
    assert_eq!(format!("{out:?}"), format!("{frame:?}"));
    let mut lowering = lowering_for(frame);
    let before = (lowering.builder.graph().clone(), lowering.columns.clone());
    fitted.lower(&mut lowering).expect("lower");
    assert_eq!(lowering.builder.graph(), &before.0);
    assert_eq!(lowering.columns, before.1);
}

fn duplicate_frame() -> Frame {
    let levels = vec!["red".to_string(), "blue".to_string()];
    Frame::new(
        vec![
            Column::numeric("x", vec![1.0, 1.0, NAN, 2.0, NAN, 1.0, -0.0, 0.0, 1.0]),
            Column::categorical(
                "c",
                vec![0, 0, 1, 1, 1, 1, 0, 0, 0],
                levels,
                // Row 8's code 0 is masked missing, so it differs from "red".
                vec![false, false, false, false, false, false, false, false, true],
            ),
            Column::numeric("y", vec![5.0, 5.0, 7.0, 7.0, 7.0, 6.0, 3.0, 3.0, 5.0]),
        ],
        9,
    )
}

#[test]
fn drop_duplicates_keeps_first_occurrences() {
    let frame = duplicate_frame();
    // Over x, c, y: row 1 repeats row 0; row 4 repeats row 2 (missing equals
    // missing); row 7 repeats row 6 (-0.0 equals 0.0); row 8 has c missing.
    let fitted = fit("drop_duplicates", &[], &frame, &["x", "c", "y"]).unwrap();
    assert_eq!(kept(fitted.as_ref()), [0, 2, 3, 5, 6, 8]);
    assert_identity_at_predict(fitted.as_ref(), &frame);

    // Over c alone: red, blue, then the missing value.
    let fitted = fit("drop_duplicates", &[], &frame, &["c"]).unwrap();
    assert_eq!(kept(fitted.as_ref()), [0, 2, 8]);
    // Over x alone: 1, NaN, 2, -0.0.
    let fitted = fit("drop_duplicates", &[], &frame, &["x"]).unwrap();
    assert_eq!(kept(fitted.as_ref()), [0, 2, 3, 6]);
    // An empty selection keeps every row.
    let fitted = fit("drop_duplicates", &[], &frame, &[]).unwrap();
    assert_eq!(kept(fitted.as_ref()), (0..9).collect::<Vec<_>>());
    // A missing column is named.
    let err = fit("drop_duplicates", &[], &frame, &["nope"]).unwrap_err();
    assert!(
        matches!(&err, OpError::Column { column, .. } if column == "nope"),
        "{err:?}"
    );
}

fn outlier_frame() -> Frame {
    Frame::new(
        vec![
            Column::numeric("x", vec![1.0, 2.0, 2.5, 3.0, NAN, 2.2, 40.0, 1.8, -15.0, 2.9]),
            Column::numeric(
                "y",
                vec![10.0, 11.0, 10.5, 9.5, 10.2, 100.0, 10.1, NAN, 10.3, 9.9],
            ),
            Column::categorical("k", vec![0; 10], vec!["a".into()], vec![false; 10]),
        ],
        10,
    )
}

fn fit_outliers(method: OutlierMethod, frame: &Frame, cols: &[&str]) -> FittedDropOutliers {
    let selected: Vec<String> = cols.iter().map(|s| s.to_string()).collect();
    DropOutliers { method }.fit_bounds(frame, &selected).expect("fit")
}

fn assert_bounds(fitted: &FittedDropOutliers, want: &[(&str, f64, f64)]) {
    assert_eq!(fitted.bounds.len(), want.len());
    for (b, (column, lower, upper)) in fitted.bounds.iter().zip(want) {
        assert_eq!(b.column, *column);
        assert!(
            (b.lower - lower).abs() <= 1e-12,
            "{column} lower {} vs numpy {lower}",
            b.lower
        );
        assert!(
            (b.upper - upper).abs() <= 1e-12,
            "{column} upper {} vs numpy {upper}",
            b.upper
        );
    }
}

#[test]
fn drop_outliers_iqr_fences_match_numpy() {
    let frame = outlier_frame();
    let fitted = fit_outliers(OutlierMethod::Iqr { k: 1.5 }, &frame, &["x", "y"]);
    assert_bounds(&fitted, &[("x", 0.15000000000000013, 4.55), ("y", 9.25, 11.25)]);
    // Dropped: 5 (y = 100), 6 (x = 40), 8 (x = -15); rows 4 and 7 have a
    // missing value, which never causes a drop.
    assert_eq!(fitted.kept, [0, 1, 2, 3, 4, 7, 9]);
    assert_eq!(fitted.n_rows, 10);

    let fitted = fit_outliers(OutlierMethod::Iqr { k: 3.0 }, &frame, &["x", "y"]);
    assert_bounds(
        &fitted,
        &[("x", -1.4999999999999998, 6.199999999999999), ("y", 8.5, 12.0)],
    );

    // Over y alone only row 5 goes; over x alone rows 6 and 8.
    assert_eq!(
        fit_outliers(OutlierMethod::Iqr { k: 1.5 }, &frame, &["y"]).kept,
        [0, 1, 2, 3, 4, 6, 7, 8, 9]
    );
    assert_eq!(
        fit_outliers(OutlierMethod::Iqr { k: 1.5 }, &frame, &["x"]).kept,
        [0, 1, 2, 3, 4, 5, 7, 9]
    );
}

#[test]
fn drop_outliers_zscore_bounds_match_numpy() {
    let frame = outlier_frame();
    let fitted = fit_outliers(OutlierMethod::ZScore { z: 2.0 }, &frame, &["x", "y"]);
    assert_bounds(
        &fitted,
        &[
            ("x", -22.839475609793418, 31.8172533875712),
            ("y", -36.28941262413149, 76.62274595746483),
        ],
    );
    // x = -15 is within two standard deviations; 40 and 100 are not.
    assert_eq!(fitted.kept, [0, 1, 2, 3, 4, 7, 8, 9]);
    let fitted = fit_outliers(OutlierMethod::ZScore { z: 1.0 }, &frame, &["x", "y"]);
    assert_bounds(
        &fitted,
        &[
            ("x", -9.175293360452265, 18.153071138230043),
            ("y", -8.061372978732408, 48.39470631206575),
        ],
    );
    assert_eq!(fitted.kept, [0, 1, 2, 3, 4, 7, 9]);
}

#[test]
fn drop_outliers_through_the_registry() {
    let frame = outlier_frame();
    // Defaults: iqr, k = 1.5.
    let fitted = fit("drop_outliers", &[], &frame, &["x", "y"]).unwrap();
    assert_eq!(kept(fitted.as_ref()), [0, 1, 2, 3, 4, 7, 9]);
    assert_identity_at_predict(fitted.as_ref(), &frame);
    let p = [("method", Value::Str("zscore".into())), ("z", Value::Int(2))];
    let fitted = fit("drop_outliers", &p, &frame, &["x", "y"]).unwrap();
    assert_eq!(kept(fitted.as_ref()), [0, 1, 2, 3, 4, 7, 8, 9]);
    assert_identity_at_predict(fitted.as_ref(), &frame);
    // A column with no observed values drops nothing.
    let empty = Frame::new(vec![Column::numeric("m", vec![NAN; 3])], 3);
    let fitted = fit("drop_outliers", &[], &empty, &["m"]).unwrap();
    assert_eq!(kept(fitted.as_ref()), [0, 1, 2]);
}

#[test]
fn drop_outliers_errors() {
    let frame = outlier_frame();
    let err = fit("drop_outliers", &[], &frame, &["k"]).unwrap_err();
    assert!(
        matches!(&err, OpError::Column { column, .. } if column == "k"),
        "{err:?}"
    );
    for (name, value) in [("k", Value::Float(-1.0)), ("z", Value::Float(f64::NAN))] {
        let err = transform("drop_outliers", &params(&[(name, value)]))
            .err()
            .expect("error");
        assert!(matches!(err, OpError::Invalid { .. }), "{err:?}");
        assert!(err.to_string().contains(&format!("`{name}`")), "{err}");
    }
    let err = transform("drop_outliers", &params(&[("method", Value::Str("mad".into()))]))
        .err()
        .expect("error");
    assert!(err.to_string().contains("`method`"), "{err}");
    // z = 0 keeps only values equal to the mean: here none in both columns.
    let p = [("method", Value::Str("zscore".into())), ("z", Value::Int(0))];
    let err = fit("drop_outliers", &p, &frame, &["x", "y"]).unwrap_err();
    assert!(
        err.to_string().contains("every one of the 10 training rows"),
        "{err}"
    );
}
