//! Linear extractors (`pca`, `whiten`, `truncated_svd`, `lda`): fitted
//! components and transformed values against scikit-learn on the bundled iris
//! data, column placement, errors, and agreement of `transform`, the reference
//! interpreter and the Cranelift backend (rows with NaN included).

mod common;

use common::{assert_close, assert_graph_agrees, load_dataset, names, params};
use mlg_compiler::workflow::catalog::Value;
use mlg_runtime::frame::{Column, Frame};
use mlg_stdlib::extract::{Lda, Pca, TruncatedSvd};
use mlg_stdlib::op::{FittedTransform, OpError, Target};
use mlg_stdlib::transform;

fn iris() -> (Frame, Vec<String>, Target) {
    let (frame, y) = load_dataset("iris");
    let selected = frame.names().iter().map(|s| s.to_string()).collect();
    let codes = y.iter().map(|&v| v as u32).collect();
    (
        frame,
        selected,
        Target::Classes {
            codes,
            labels: names(&["setosa", "versicolor", "virginica"]),
        },
    )
}

/// Iris with an `id` column in front, a categorical column in the middle, and
/// one missing petal length (row 3).
fn mixed_iris() -> Frame {
    let (mut frame, _, _) = iris();
    let n = frame.n_rows;
    if let Some(Column {
        data: mlg_runtime::frame::ColumnData::Numeric(v),
        missing,
        ..
    }) = frame.columns.get_mut(2)
    {
        v[3] = f64::NAN;
        missing[3] = true;
    }
    frame
        .columns
        .insert(0, Column::numeric("id", (0..n).map(|i| i as f64).collect()));
    let codes = (0..n).map(|i| (i % 2) as u32).collect();
    frame.columns.insert(
        2,
        Column::categorical("k", codes, names(&["p", "q"]), vec![false; n]),
    );
    frame
}

/// Rows 0, 50 and 100 of the `prefix` outputs of `out`.
fn rows(out: &Frame, prefix: &str, n: usize) -> Vec<Vec<f64>> {
    [0, 50, 100]
        .iter()
        .map(|&i| {
            (1..=n)
                .map(|k| {
                    out.column(&format!("{prefix}{k}"))
                        .and_then(Column::as_numeric)
                        .expect("output")[i]
                })
                .collect()
        })
        .collect()
}

fn assert_matrix(got: &[Vec<f64>], want: &[&[f64]], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g.len(), w.len(), "{what} row {i}");
        for (j, (a, b)) in g.iter().zip(w.iter()).enumerate() {
            assert_close(*a, *b, tol, &format!("{what}[{i}][{j}]"));
        }
    }
}

#[test]
fn pca_matches_sklearn_on_iris() {
    let (frame, selected, _) = iris();
    let fit = Pca::new(&params(&[]))
        .expect("params")
        .fit_pca(&frame, &selected)
        .expect("fit");
    // sklearn 1.9 PCA().fit(X) on tests/data/iris.csv: components_,
    // explained_variance_, explained_variance_ratio_ (svd_flip on Vt rows).
    let components: [&[f64]; 4] = [
        &[
            0.36138659178536503,
            -0.08452251406457323,
            0.8566706059498357,
            0.3582891971515514,
        ],
        &[
            0.6565887712868267,
            0.7301614347850441,
            -0.17337266279585187,
            -0.0754810199174412,
        ],
        &[
            -0.5820298513060406,
            0.5979108301000163,
            0.07623607582089935,
            0.5458314320201875,
        ],
        &[
            0.31548719290405713,
            -0.3197231036662191,
            -0.4798389869946453,
            0.7536574252639666,
        ],
    ];
    assert_matrix(&fit.components, &components, 1e-9, "components");
    let ev = [
        4.22824170603484,
        0.2426707479286119,
        0.07820950004290811,
        0.02383509297344581,
    ];
    let ratio = [
        0.9246187232017341,
        0.05306648311706383,
        0.01710260980792752,
        0.00521218387327465,
    ];
    for k in 0..4 {
        assert_close(fit.explained_variance[k], ev[k], 1e-10, "explained variance");
        assert_close(fit.explained_variance_ratio[k], ratio[k], 1e-12, "ratio");
    }
    let out = fit.projection.transform(&frame).expect("transform");
    assert_eq!(out.names(), vec!["pc1", "pc2", "pc3", "pc4"]);
    // PCA().fit(X).transform(X[[0, 50, 100]]).
    let want: [&[f64]; 3] = [
        &[
            -2.6841256259695383,
            0.31939724658508517,
            -0.027914827589424207,
            0.0022624370713214548,
        ],
        &[
            1.284825688858347,
            0.6851604704673022,
            -0.40656802546771376,
            0.01852528792332587,
        ],
        &[
            2.531192727803626,
            -0.009849109498764719,
            0.7601654272458918,
            -0.029055572778811302,
        ],
    ];
    assert_matrix(&rows(&out, "pc", 4), &want, 1e-9, "pca transform");
}

#[test]
fn pca_whiten_and_variance_choice_match_sklearn() {
    let (frame, selected, target) = iris();
    // PCA(whiten=True).fit(X).transform(X[[0, 50, 100]]).
    let want: [&[f64]; 3] = [
        &[
            -1.3053378633198602,
            0.6483693157802353,
            -0.09981715675505924,
            0.014654401400506,
        ],
        &[
            0.6248335037697881,
            1.3908605355438066,
            -1.4537959870861157,
            0.11999317405535527,
        ],
        &[
            1.2309638844748512,
            -0.01999347350371584,
            2.7181809154331544,
            -0.18820060536473524,
        ],
    ];
    let pca = transform("pca", &params(&[("whiten", Value::Bool(true))])).expect("exists");
    let out = pca
        .fit(&frame, &selected, &target)
        .expect("fit")
        .transform(&frame)
        .expect("transform");
    assert_matrix(&rows(&out, "pc", 4), &want, 1e-8, "pca whiten");
    let whiten = transform("whiten", &params(&[])).expect("exists");
    let out = whiten
        .fit(&frame, &selected, &target)
        .expect("fit")
        .transform(&frame)
        .expect("transform");
    assert_eq!(out.names(), vec!["w1", "w2", "w3", "w4"]);
    assert_matrix(&rows(&out, "w", 4), &want, 1e-8, "whiten");
    // PCA(n_components=0.95).n_components_ = 2; PCA(n_components=0.99) = 3.
    for (v, n) in [(0.95, 2), (0.99, 3), (1.0, 4)] {
        let pca = Pca::new(&params(&[("variance", Value::Float(v))])).expect("params");
        let fit = pca.fit_pca(&frame, &selected).expect("fit");
        assert_eq!(fit.projection.outputs.len(), n, "variance {v}");
    }
    let two = Pca::new(&params(&[("n", Value::Int(2))]))
        .expect("params")
        .fit_pca(&frame, &selected)
        .expect("fit");
    assert_eq!(two.projection.outputs, names(&["pc1", "pc2"]));
}

#[test]
fn truncated_svd_matches_sklearn() {
    let (frame, selected, _) = iris();
    let (fit, singular) = TruncatedSvd::new(&params(&[]))
        .expect("params")
        .fit_svd(&frame, &selected)
        .expect("fit");
    // sklearn TruncatedSVD(n_components=2, algorithm="arpack").fit(X):
    // components_, singular_values_, transform(X[[0, 50, 100]]).
    let components: [&[f64]; 2] = [
        &[
            0.7511081623657749,
            0.38008617227464286,
            0.5130088591504666,
            0.1679075355850823,
        ],
        &[
            -0.28417490219416575,
            -0.5467445011086014,
            0.7086645549289329,
            0.34367080768930663,
        ],
    ];
    assert_matrix(&fit.weights, &components, 1e-9, "components");
    assert_close(singular[0], 95.95991387196453, 1e-9, "s1");
    assert_close(singular[1], 17.761033657328568, 1e-9, "s2");
    let out = fit.transform(&frame).expect("transform");
    assert_eq!(out.names(), vec!["svd1", "svd2"]);
    let want: [&[f64]; 3] = [
        &[5.912747140954372, -2.302033216631983],
        &[9.12024507566559, 0.07305582002432923],
        &[9.484087785276207, 1.516605611315235],
    ];
    assert_matrix(&rows(&out, "svd", 2), &want, 1e-9, "svd transform");
}

#[test]
fn lda_matches_sklearn_up_to_sign() {
    let (frame, selected, target) = iris();
    let (fit, ratio) = Lda::new(&params(&[]))
        .expect("params")
        .fit_lda(&frame, &selected, &target)
        .expect("fit");
    // sklearn LinearDiscriminantAnalysis(solver="svd").fit(X, y):
    // explained_variance_ratio_ = [0.9912126049653671, 0.00878739503463278];
    // transform(X[[0, 50, 100]]) below. Both of sklearn's scalings_ columns
    // have a negative largest-magnitude entry (-2.839, -2.868); this crate
    // signs that entry positive, so both discriminants come out negated.
    assert_close(ratio[0], 0.9912126049653671, 1e-10, "ratio 1");
    assert_close(ratio[1], 0.00878739503463278, 1e-10, "ratio 2");
    let out = fit.transform(&frame).expect("transform");
    assert_eq!(out.names(), vec!["ld1", "ld2"]);
    let sklearn: [[f64; 2]; 3] = [
        [8.14364756447061, -0.30347065512173005],
        [-1.4740908099973824, -0.02883355616887508],
        [-7.919064594647546, -2.161457187993653],
    ];
    let negated: Vec<Vec<f64>> = sklearn.iter().map(|r| r.iter().map(|v| -v).collect()).collect();
    let want: Vec<&[f64]> = negated.iter().map(Vec::as_slice).collect();
    assert_matrix(&rows(&out, "ld", 2), &want, 1e-8, "lda transform");
    let one = Lda::new(&params(&[("n", Value::Int(1))])).expect("params");
    let (fit, _) = one.fit_lda(&frame, &selected, &target).expect("fit");
    assert_eq!(fit.outputs, names(&["ld1"]));
}

#[test]
fn lowered_graphs_agree_with_transform_including_nan_rows() {
    let frame = mixed_iris();
    let selected = names(&[
        "sepal_length_cm",
        "sepal_width_cm",
        "petal_length_cm",
        "petal_width_cm",
    ]);
    let (_, _, target) = iris();
    // Fit on complete rows (row 3 has a missing petal length).
    let complete: Vec<usize> = (0..frame.n_rows).filter(|&i| i != 3).collect();
    let train = frame.take(&complete);
    let train_target = target.take(&complete);
    for (name, p, first) in [
        ("pca", vec![("n", Value::Int(3))], "pc1"),
        ("pca", vec![("whiten", Value::Bool(true))], "pc1"),
        ("whiten", vec![], "w1"),
        ("truncated_svd", vec![("n", Value::Int(2))], "svd1"),
        ("lda", vec![], "ld1"),
    ] {
        let fitted = transform(name, &params(&p))
            .expect("exists")
            .fit(&train, &selected, &train_target)
            .expect("fit");
        let out = fitted.transform(&frame).expect("transform");
        // Outputs replace the inputs at the first one's position.
        let width = out.columns.len() - 2; // all but `id` and `k`
        let mut want = vec!["id".to_string()];
        let prefix = first.trim_end_matches('1');
        want.extend((1..=width).map(|k| format!("{prefix}{k}")));
        want.push("k".to_string());
        assert_eq!(out.names(), want, "{name}");
        let first_out = out.column(first).and_then(Column::as_numeric).expect("output");
        assert!(first_out[3].is_nan() && !first_out[2].is_nan(), "{name}: NaN row");
        assert_graph_agrees(fitted.as_ref(), &frame, 1e-4);
    }
}

#[test]
fn extract_errors() {
    let (frame, selected, target) = iris();
    let regression = Target::Values(vec![1.0; frame.n_rows]);
    let err = transform("lda", &params(&[]))
        .expect("exists")
        .fit(&frame, &selected, &regression)
        .expect_err("task");
    assert!(err.to_string().contains("classification target"), "{err}");
    let err = Lda::new(&params(&[("n", Value::Int(3))]))
        .expect("params")
        .fit_lda(&frame, &selected, &target)
        .expect_err("n");
    assert!(
        matches!(&err, OpError::Invalid { message, .. } if message.contains("`n`")),
        "{err}"
    );
    let err = Pca::new(&params(&[("n", Value::Int(5))]))
        .expect("params")
        .fit_pca(&frame, &selected)
        .expect_err("n");
    assert!(
        matches!(&err, OpError::Invalid { message, .. } if message.contains("`n`")),
        "{err}"
    );
    let err = Pca::new(&params(&[("n", Value::Int(2)), ("variance", Value::Float(0.9))])).expect_err("both");
    assert!(err.to_string().contains("`variance`"), "{err}");
    let err = Pca::new(&params(&[("variance", Value::Float(1.5))])).expect_err("range");
    assert!(err.to_string().contains("`variance`"), "{err}");
    let err = TruncatedSvd::new(&params(&[("n", Value::Int(0))])).expect_err("n");
    assert!(err.to_string().contains("`n`"), "{err}");
    let mixed = mixed_iris();
    let err = transform("pca", &params(&[]))
        .expect("exists")
        .fit(&mixed, &selected, &target)
        .expect_err("missing");
    assert!(
        matches!(&err, OpError::Column { column, .. } if column == "petal_length_cm"),
        "{err}"
    );
    let err = transform("pca", &params(&[]))
        .expect("exists")
        .fit(&mixed, &names(&["k"]), &target)
        .expect_err("categorical");
    assert!(
        matches!(&err, OpError::Column { column, .. } if column == "k"),
        "{err}"
    );
}

#[test]
fn catalog_entries_resolve_and_construct_with_defaults() {
    use mlg_compiler::workflow::catalog::Catalog;
    for spec in mlg_stdlib::extract::SPECS {
        assert!(
            mlg_stdlib::catalog::StdCatalog.get(spec.name).is_some(),
            "{}",
            spec.name
        );
        assert!(transform(spec.name, &params(&[])).is_ok(), "{}", spec.name);
    }
}
