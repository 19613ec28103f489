//! Categorical encoders (`ordinal`, `target_encode`): fitted numbers against
//! scikit-learn / numpy, transform semantics, errors, and agreement of
//! `transform`, the reference interpreter and the Cranelift backend.

mod common;

use common::{assert_close, assert_graph_agrees, cat, names, num, params};
use mlg_compiler::workflow::catalog::Value;
use mlg_runtime::frame::{Column, Frame};
use mlg_stdlib::encode::{Ordinal, TargetEncode};
use mlg_stdlib::op::{FittedTransform, OpError, Target};
use mlg_stdlib::transform;

/// Training frame: `c` has dictionary [red, green, blue, zzz] (not sorted, and
/// `zzz` never occurs in training), plus a numeric pass-through column.
fn colour_frame() -> Frame {
    Frame::new(
        vec![
            Column::numeric("x", vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
            cat(
                "c",
                &[0, 1, 2, 1, 0, 0],
                &["red", "green", "blue", "zzz"],
                &[false, false, false, false, false, true],
            ),
        ],
        6,
    )
}

#[test]
fn ordinal_matches_sklearn_ordinal_encoder() {
    let frame = colour_frame();
    let fitted = Ordinal.fit_map(&frame, &names(&["c"])).expect("fit");
    // sklearn OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)
    // fitted on [red, green, blue, green, red]: categories_ = [blue, green, red];
    // transform([blue, red, zzz, green]) = [0, 2, -1, 1].
    let levels: Vec<(&str, f64)> = fitted.columns[0]
        .levels
        .iter()
        .map(|(l, _, v)| (l.as_str(), *v))
        .collect();
    assert_eq!(levels, vec![("blue", 0.0), ("green", 1.0), ("red", 2.0)]);
    let test = Frame::new(
        vec![
            Column::numeric("x", vec![0.0; 5]),
            cat(
                "c",
                &[2, 0, 3, 1, 0],
                &["red", "green", "blue", "zzz"],
                &[false, false, false, false, true],
            ),
        ],
        5,
    );
    let out = fitted.transform(&test).expect("transform");
    assert_eq!(out.names(), vec!["x", "c"]);
    // blue, red, zzz (unseen), green, missing (-1 by this crate's convention).
    assert_eq!(num(&out, "c"), &[0.0, 2.0, -1.0, 1.0, -1.0]);
    assert_eq!(out.column("c").expect("c").missing_count(), 0);
    assert_graph_agrees(&fitted, &test, 1e-5);
    assert_graph_agrees(&fitted, &frame, 1e-5);
}

#[test]
fn ordinal_matches_levels_by_name_across_dictionaries() {
    let fitted = Ordinal.fit_map(&colour_frame(), &names(&["c"])).expect("fit");
    let other = Frame::new(
        vec![cat("c", &[0, 1, 2], &["blue", "purple", "red"], &[false; 3])],
        3,
    );
    let out = fitted.transform(&other).expect("transform");
    assert_eq!(num(&out, "c"), &[0.0, -1.0, 2.0]);
}

#[test]
fn encoders_of_an_all_missing_column_emit_the_default() {
    let frame = Frame::new(vec![cat("c", &[0, 0, 1], &["a", "b"], &[true; 3])], 3);
    let fitted = Ordinal.fit_map(&frame, &names(&["c"])).expect("fit");
    assert!(fitted.columns[0].levels.is_empty());
    let test = Frame::new(vec![cat("c", &[0, 1, 0], &["a", "b"], &[false, false, true])], 3);
    assert_eq!(
        num(&fitted.transform(&test).expect("transform"), "c"),
        &[-1.0, -1.0, -1.0]
    );
    assert_graph_agrees(&fitted, &test, 1e-5);
    let target = Target::Values(vec![1.0, 2.0, 6.0]);
    let te = TargetEncode::new(&params(&[])).expect("params");
    let fitted = te.fit_map(&frame, &names(&["c"]), &target).expect("fit");
    assert_eq!(
        num(&fitted.transform(&test).expect("transform"), "c"),
        &[3.0, 3.0, 3.0]
    );
    assert_graph_agrees(&fitted, &test, 1e-5);
}

#[test]
fn ordinal_rejects_numeric_columns_via_registry() {
    let frame = colour_frame();
    let err = transform("ordinal", &params(&[]))
        .expect("ordinal exists")
        .fit(&frame, &names(&["x"]), &Target::Values(vec![0.0; 6]))
        .expect_err("numeric column");
    assert!(
        matches!(&err, OpError::Column { column, .. } if column == "x"),
        "{err}"
    );
}

fn target_frame() -> Frame {
    // c = [a, b, a, c, b, a, missing] over dictionary [a, b, c, d].
    Frame::new(
        vec![cat(
            "c",
            &[0, 1, 0, 2, 1, 0, 0],
            &["a", "b", "c", "d"],
            &[false, false, false, false, false, false, true],
        )],
        7,
    )
}

#[test]
fn target_encode_binary_matches_m_estimate() {
    let frame = target_frame();
    let target = Target::Classes {
        codes: vec![1, 0, 1, 0, 1, 0, 1],
        labels: names(&["no", "yes"]),
    };
    let te = TargetEncode::new(&params(&[("smoothing", Value::Float(2.0))])).expect("params");
    let fitted = te.fit_map(&frame, &names(&["c"]), &target).expect("fit");
    // numpy: g = mean(y) = 4/7; level value = (sum_y + m g) / (n + m), m = 2.
    let map = &fitted.columns[0];
    assert_close(map.default, 0.5714285714285714, 1e-12, "global");
    let want = [
        ("a", 0.6285714285714286),
        ("b", 0.5357142857142857),
        ("c", 0.38095238095238093),
    ];
    assert_eq!(map.levels.len(), 3);
    for ((level, _, v), (name, w)) in map.levels.iter().zip(want) {
        assert_eq!(level, name);
        assert_close(*v, w, 1e-12, name);
    }
    let test = Frame::new(
        vec![cat(
            "c",
            &[2, 3, 0, 0, 1],
            &["a", "b", "c", "d"],
            &[false, false, false, true, false],
        )],
        5,
    );
    let out = fitted.transform(&test).expect("transform");
    let got = num(&out, "c");
    // c, d (unseen → g), a, missing (→ g), b.
    for (g, w) in got.iter().zip([
        0.38095238095238093,
        0.5714285714285714,
        0.6285714285714286,
        0.5714285714285714,
        0.5357142857142857,
    ]) {
        assert_close(*g, w, 1e-12, "encoded");
    }
    assert_graph_agrees(&fitted, &test, 1e-5);
}

#[test]
fn target_encode_regression_default_smoothing() {
    let frame = target_frame();
    let target = Target::Values(vec![3.0, -1.0, 2.5, 10.0, 0.5, 4.0, 7.0]);
    let fitted = transform("target_encode", &params(&[]))
        .expect("exists")
        .fit(&frame, &names(&["c"]), &target)
        .expect("fit");
    let out = fitted.transform(&frame).expect("transform");
    // numpy with m = 10: a 3.587912087912088, b 3.053571428571429,
    // c 4.285714285714286, global 3.7142857142857144.
    let want = [
        3.587912087912088,
        3.053571428571429,
        3.587912087912088,
        4.285714285714286,
        3.053571428571429,
        3.587912087912088,
        3.7142857142857144,
    ];
    for (g, w) in num(&out, "c").iter().zip(want) {
        assert_close(*g, w, 1e-12, "encoded");
    }
    assert_graph_agrees(fitted.as_ref(), &frame, 1e-5);
}

#[test]
fn target_encode_errors() {
    let frame = target_frame();
    let multi = Target::Classes {
        codes: vec![0, 1, 2, 0, 1, 2, 0],
        labels: names(&["a", "b", "c"]),
    };
    let te = transform("target_encode", &params(&[])).expect("exists");
    let err = te.fit(&frame, &names(&["c"]), &multi).expect_err("multiclass");
    assert!(
        err.to_string()
            .contains("multiclass target encoding is not supported"),
        "{err}"
    );
    let err = TargetEncode::new(&params(&[("smoothing", Value::Float(-1.0))])).expect_err("negative");
    assert!(err.to_string().contains("smoothing"), "{err}");
    let short = Target::Values(vec![1.0; 3]);
    assert!(te.fit(&frame, &names(&["c"]), &short).is_err());
}

#[test]
fn catalog_entries_resolve_and_construct_with_defaults() {
    use mlg_compiler::workflow::catalog::Catalog;
    for spec in mlg_stdlib::encode::SPECS {
        assert!(
            mlg_stdlib::catalog::StdCatalog.get(spec.name).is_some(),
            "{}",
            spec.name
        );
        assert!(transform(spec.name, &params(&[])).is_ok(), "{}", spec.name);
    }
}
