//! Feature-construction steps (`polynomial`, `interactions`): column names and
//! order against the checker's schema rule, values against scikit-learn, and
//! agreement between `transform`, the interpreted lowered graph and Cranelift.
//!
//! Reference values come from scikit-learn 1.9.1:
//! `PolynomialFeatures(degree=d, interaction_only=io, include_bias=False)
//! .fit_transform(P)` with `P = [[1.5, -2, 3], [0.5, 4, -1], [2, 0.25, 5]]`
//! and `get_feature_names_out(["a", "b", "c"])` (sklearn writes `a b` where
//! mlg writes `a*b`).

mod common;

use common::{assert_lowering_agrees, lowering_for, params};
use mlg_compiler::ir::{BinaryOp, Op};
use mlg_compiler::workflow::catalog::{Catalog, ColumnInfo, ColumnKind, Default, Params, Schema, Value};
use mlg_compiler::workflow::columns::apply_rule;
use mlg_runtime::frame::{Column, Frame};
use mlg_stdlib::catalog::StdCatalog;
use mlg_stdlib::op::{FittedTransform, OpError, Target};
use mlg_stdlib::transform;

const NAN: f64 = f64::NAN;

/// a, a categorical k, b, c, then an unselected numeric z.
fn frame_of(rows: &[[f64; 3]]) -> Frame {
    let n = rows.len();
    let col = |j: usize, name: &str| Column::numeric(name, rows.iter().map(|r| r[j]).collect());
    let k = Column::categorical("k", vec![0; n], vec!["x".into()], vec![false; n]);
    let z = Column::numeric("z", (0..n).map(|i| i as f64).collect());
    Frame::new(vec![col(0, "a"), k, col(1, "b"), col(2, "c"), z], n)
}

fn sample() -> Frame {
    frame_of(&[[1.5, -2.0, 3.0], [0.5, 4.0, -1.0], [2.0, 0.25, 5.0]])
}

const SELECTED: [&str; 3] = ["a", "b", "c"];

fn fit(op: &str, p: &[(&str, Value)], frame: &Frame) -> Result<Box<dyn FittedTransform>, OpError> {
    common::fit(op, p, frame, &SELECTED)
}

/// The checked parameters the checker would pass: the catalog defaults of `op`
/// overridden by `given`.
fn checked(op: &str, given: &[(&str, Value)]) -> Params {
    let spec = StdCatalog.get(op).expect("in the catalog");
    spec.params
        .iter()
        .filter_map(|p| {
            let given = given.iter().find(|(n, _)| *n == p.name).map(|(_, v)| v.clone());
            let value = given.or(match p.default {
                Default::Int(i) => Some(Value::Int(i)),
                Default::Bool(b) => Some(Value::Bool(b)),
                _ => None,
            })?;
            Some((p.name.to_string(), value))
        })
        .collect()
}

/// Fits `op`, checks the appended names against the checker's schema rule and
/// `want_names`, the appended values against `want` (rows of products), and
/// the lowering against `transform` and Cranelift.
fn check(op: &str, given: &[(&str, Value)], want_names: &[&str], want: &[&[f64]]) {
    let frame = sample();
    let fitted = fit(op, given, &frame).expect("fit");
    let out = fitted.transform(&frame).expect("transform");
    let mut names: Vec<&str> = vec!["a", "k", "b", "c", "z"];
    names.extend_from_slice(want_names);
    assert_eq!(out.names(), names);

    // The checker's schema for the same step names the same columns.
    let schema = Schema {
        columns: frame
            .columns
            .iter()
            .map(|c| ColumnInfo {
                name: c.name.clone(),
                kind: if c.is_numeric() {
                    ColumnKind::Numeric
                } else {
                    ColumnKind::Categorical
                },
                missing: 0,
                levels: Vec::new(),
            })
            .collect(),
        rows: frame.n_rows,
    };
    let kind = StdCatalog.get(op).expect("spec").kind;
    let mlg_compiler::workflow::catalog::OpKind::Transform { rule, .. } = kind else {
        panic!("{op} is not a features step")
    };
    let checked_schema =
        apply_rule(rule, &schema, &SELECTED.map(String::from), &checked(op, given)).expect("schema");
    let checked_names: Vec<&str> = checked_schema.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(checked_names, names);

    for (i, row) in want.iter().enumerate() {
        for (j, name) in want_names.iter().enumerate() {
            let got = out.column(name).and_then(Column::as_numeric).expect("numeric")[i];
            assert!(
                (got - row[j]).abs() <= 1e-12,
                "{name}[{i}]: {got} vs sklearn {}",
                row[j]
            );
        }
    }
    assert_backends_agree(fitted.as_ref(), &frame, want_names.len());
    let with_nan = frame_of(&[[NAN, 2.0, -3.0], [1.25, NAN, 0.5], [-1.0, 3.0, 2.0]]);
    assert_backends_agree(fitted.as_ref(), &with_nan, want_names.len());
}

/// Lowers `fitted` (one `Binary Mul` node per appended product, thanks to
/// prefix sharing) and checks that the interpreter and Cranelift give identical
/// rows that match `transform`, NaN included.
fn assert_backends_agree(fitted: &dyn FittedTransform, frame: &Frame, n_products: usize) {
    let mut lowering = lowering_for(frame);
    let n_inputs = lowering.builder.graph().nodes.len();
    fitted.lower(&mut lowering).expect("lower");
    let added = &lowering.builder.graph().nodes[n_inputs..];
    assert_eq!(added.len(), n_products);
    assert!(added.iter().all(|n| matches!(
        n.op,
        Op::Binary {
            op: BinaryOp::Mul,
            ..
        }
    )));
    assert_lowering_agrees(lowering, fitted, frame, 1e-5);
}

#[test]
fn polynomial_degree_2_matches_sklearn() {
    check(
        "polynomial",
        &[],
        &["a^2", "a*b", "a*c", "b^2", "b*c", "c^2"],
        &[
            &[2.25, -3.0, 4.5, 4.0, -6.0, 9.0],
            &[0.25, 2.0, -0.5, 16.0, -4.0, 1.0],
            &[4.0, 0.5, 10.0, 0.0625, 1.25, 25.0],
        ],
    );
}

#[test]
fn polynomial_degree_3_matches_sklearn() {
    check(
        "polynomial",
        &[("degree", Value::Int(3))],
        &[
            "a^2", "a*b", "a*c", "b^2", "b*c", "c^2", "a^3", "a^2*b", "a^2*c", "a*b^2", "a*b*c", "a*c^2",
            "b^3", "b^2*c", "b*c^2", "c^3",
        ],
        &[
            &[
                2.25, -3.0, 4.5, 4.0, -6.0, 9.0, 3.375, -4.5, 6.75, 6.0, -9.0, 13.5, -8.0, 12.0, -18.0, 27.0,
            ],
            &[
                0.25, 2.0, -0.5, 16.0, -4.0, 1.0, 0.125, 1.0, -0.25, 8.0, -2.0, 0.5, 64.0, -16.0, 4.0, -1.0,
            ],
            &[
                4.0, 0.5, 10.0, 0.0625, 1.25, 25.0, 8.0, 1.0, 20.0, 0.125, 2.5, 50.0, 0.015625, 0.3125, 6.25,
                125.0,
            ],
        ],
    );
}

#[test]
fn polynomial_interaction_only_matches_sklearn() {
    check(
        "polynomial",
        &[("degree", Value::Int(3)), ("interaction_only", Value::Bool(true))],
        &["a*b", "a*c", "b*c", "a*b*c"],
        &[
            &[-3.0, 4.5, -6.0, -9.0],
            &[2.0, -0.5, -4.0, -2.0],
            &[0.5, 10.0, 1.25, 2.5],
        ],
    );
    // degree 1 appends nothing.
    check("polynomial", &[("degree", Value::Int(1))], &[], &[]);
}

#[test]
fn interactions_match_sklearn_and_the_checker() {
    // `check` also verifies the checker's schema from the catalog defaults.
    check(
        "interactions",
        &[],
        &["a*b", "a*c", "b*c"],
        &[&[-3.0, 4.5, -6.0], &[2.0, -0.5, -4.0], &[0.5, 10.0, 1.25]],
    );
}

#[test]
fn products_with_a_missing_factor_are_missing() {
    let frame = sample();
    let fitted = fit("polynomial", &[], &frame).unwrap();
    let probe = frame_of(&[[NAN, 2.0, -3.0]]);
    let out = fitted.transform(&probe).unwrap();
    for (name, want) in [
        ("a^2", NAN),
        ("a*b", NAN),
        ("b^2", 4.0),
        ("b*c", -6.0),
        ("c^2", 9.0),
    ] {
        let col = out.column(name).unwrap();
        let got = col.as_numeric().unwrap()[0];
        assert_eq!(col.missing[0], want.is_nan(), "{name} missing flag");
        assert!(
            got == want || (got.is_nan() && want.is_nan()),
            "{name}: {got} vs {want}"
        );
    }
}

#[test]
fn parameter_and_column_errors() {
    let invalid = |op: &str, p: &[(&str, Value)], name: &str| {
        let err = transform(op, &params(p)).err().expect("an error");
        assert!(matches!(err, OpError::Invalid { .. }), "{err:?}");
        assert!(err.to_string().contains(name), "{err}");
    };
    invalid("polynomial", &[("degree", Value::Int(0))], "`degree`");
    invalid("polynomial", &[("degree", Value::Int(9))], "`degree`");
    invalid(
        "polynomial",
        &[("interaction_only", Value::Int(1))],
        "`interaction_only`",
    );
    invalid("interactions", &[("degree", Value::Int(3))], "`degree`");
    invalid(
        "interactions",
        &[("interaction_only", Value::Bool(false))],
        "`interaction_only`",
    );

    let target = Target::Values(vec![0.0; 3]);
    let step = transform("polynomial", &params(&[])).unwrap();
    let err = step
        .fit(&sample(), &["a".into(), "k".into()], &target)
        .unwrap_err();
    assert!(
        matches!(&err, OpError::Column { column, .. } if column == "k"),
        "{err:?}"
    );

    // A product name that already names a column.
    let mut clash = sample();
    clash.columns.push(Column::numeric("a^2", vec![0.0; 3]));
    let err = step.fit(&clash, &["a".into()], &target).unwrap_err();
    assert!(
        matches!(&err, OpError::Column { column, .. } if column == "a^2"),
        "{err:?}"
    );
    let err = fit("interactions", &[], &sample())
        .unwrap()
        .transform(&{
            let mut f = sample();
            f.columns.push(Column::numeric("b*c", vec![0.0; 3]));
            f
        })
        .unwrap_err();
    assert!(err.to_string().starts_with("interactions"), "{err}");

    // Too many products is refused before they are built.
    let wide = Frame::new(
        (0..500)
            .map(|j| Column::numeric(format!("x{j}"), vec![1.0]))
            .collect(),
        1,
    );
    let names: Vec<String> = (0..500).map(|j| format!("x{j}")).collect();
    let err = step.fit(&wide, &names, &Target::Values(vec![0.0])).unwrap_err();
    assert!(err.to_string().contains("125250 products"), "{err}");
}
