//! Feature-selection filters (`variance_threshold`, `drop_correlated`,
//! `select_k_best`): scores and kept columns against scikit-learn / numpy,
//! errors, and agreement of `transform`, the reference interpreter and the
//! Cranelift backend.

mod common;

use common::{assert_close, assert_graph_agrees, load_dataset, names, params};
use mlg_compiler::workflow::catalog::Value;
use mlg_runtime::frame::{Column, Frame};
use mlg_stdlib::op::{FittedTransform, OpError, Target};
use mlg_stdlib::select::{DropCorrelated, FittedSelect, SelectKBest, VarianceThreshold};
use mlg_stdlib::transform;

fn scores(fitted: &FittedSelect) -> Vec<f64> {
    fitted.scores.iter().map(|(_, s)| *s).collect()
}

fn assert_scores(got: &[f64], want: &[f64], rel: f64) {
    assert_eq!(got.len(), want.len());
    for (j, (g, w)) in got.iter().zip(want).enumerate() {
        assert_close(*g, *w, rel * w.abs().max(1.0), &format!("score {j}"));
    }
}

fn variance_frame() -> Frame {
    let nan = f64::NAN;
    Frame::new(
        vec![
            Column::numeric("a", vec![1.0, 2.0, 3.0, 4.0, 6.0]),
            Column::categorical("k", vec![0, 1, 0, 1, 0], names(&["p", "q"]), vec![false; 5]),
            Column::numeric("b", vec![5.0; 5]),
            Column::numeric("c", vec![0.0, 1.0, 0.0, 0.0, 1.0]),
            Column::numeric("d", vec![2.0, nan, 2.0, 4.0, 2.0]),
        ],
        5,
    )
}

#[test]
fn variance_threshold_matches_sklearn() {
    let frame = variance_frame();
    let selected = names(&["a", "b", "c", "d"]);
    // sklearn VarianceThreshold(0.0).fit(X).variances_ = [2.96, 0, 0.24, 0.75]
    // (NaN ignored), support [T, F, T, T]; with threshold 0.3: [T, F, F, T].
    let zero = VarianceThreshold::new(&params(&[])).expect("params");
    let fitted = zero.select(&frame, &selected).expect("fit");
    assert_scores(&scores(&fitted), &[2.96, 0.0, 0.24, 0.75], 1e-12);
    assert_eq!(fitted.kept, names(&["a", "c", "d"]));
    assert_eq!(fitted.dropped, names(&["b"]));
    let out = fitted.transform(&frame).expect("transform");
    assert_eq!(out.names(), vec!["a", "k", "c", "d"]);
    assert_graph_agrees(&fitted, &frame, 1e-5);

    let high = VarianceThreshold::new(&params(&[("threshold", Value::Float(0.3))])).expect("params");
    let fitted = high.select(&frame, &selected).expect("fit");
    assert_eq!(fitted.kept, names(&["a", "d"]));
    assert_graph_agrees(&fitted, &frame, 1e-5);
}

#[test]
fn variance_threshold_errors() {
    let err = VarianceThreshold::new(&params(&[("threshold", Value::Float(-0.5))])).expect_err("negative");
    assert!(
        matches!(&err, OpError::Invalid { message, .. } if message.contains("threshold")),
        "{err}"
    );
    let frame = variance_frame();
    let step = transform("variance_threshold", &params(&[])).expect("exists");
    let err = step
        .fit(&frame, &names(&["k"]), &Target::Values(vec![0.0; 5]))
        .expect_err("categorical");
    assert!(
        matches!(&err, OpError::Column { column, .. } if column == "k"),
        "{err}"
    );
}

fn correlated_frame() -> Frame {
    let a: Vec<f64> = (1..=8).map(f64::from).collect();
    let b = vec![2.1, 3.8, 6.05, 8.0, 10.3, 11.9, 14.2, 15.85];
    let c = vec![3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
    let d = vec![-0.5, -2.5, -2.5, -4.5, -4.5, -6.5, -6.5, -8.5];
    Frame::new(
        vec![
            Column::numeric("a", a),
            Column::numeric("b", b),
            Column::numeric("c", c),
            Column::numeric("d", d),
        ],
        8,
    )
}

#[test]
fn drop_correlated_greedy_order() {
    let frame = correlated_frame();
    let selected = names(&["a", "b", "c", "d"]);
    // numpy corrcoef: r(a,b) = 0.9993765039334637, r(a,c) = 0.4774552605594227,
    // r(a,d) = -0.9799578870122229, r(c,d) = -0.476393067340331.
    let fitted = DropCorrelated::new(&params(&[]))
        .expect("params")
        .select(&frame, &selected)
        .expect("fit");
    assert_scores(
        &scores(&fitted),
        &[0.0, 0.9993765039334637, 0.4774552605594227, 0.9799578870122229],
        1e-12,
    );
    assert_eq!(fitted.kept, names(&["a", "c"]));
    assert_eq!(fitted.dropped, names(&["b", "d"]));
    assert_graph_agrees(&fitted, &frame, 1e-5);

    let loose = DropCorrelated::new(&params(&[("threshold", Value::Float(0.99))])).expect("params");
    let fitted = loose.select(&frame, &selected).expect("fit");
    assert_eq!(fitted.kept, names(&["a", "c", "d"]));
    // Selection order decides which of a pair survives.
    let fitted = loose.select(&frame, &names(&["b", "a"])).expect("fit");
    assert_eq!(fitted.kept, names(&["b"]));
    assert!(DropCorrelated::new(&params(&[("threshold", Value::Float(1.5))])).is_err());
}

fn iris() -> (Frame, Target) {
    let (frame, y) = load_dataset("iris");
    let labels = names(&["setosa", "versicolor", "virginica"]);
    (
        frame,
        Target::Classes {
            codes: y.iter().map(|&v| v as u32).collect(),
            labels,
        },
    )
}

fn k_best(p: &[(&str, Value)]) -> SelectKBest {
    SelectKBest::new(&params(p)).expect("params")
}

#[test]
fn select_k_best_f_classif_and_chi2_match_sklearn_on_iris() {
    let (frame, target) = iris();
    let selected: Vec<String> = frame.names().iter().map(|s| s.to_string()).collect();
    // sklearn.feature_selection.f_classif(X, y)[0] on tests/data/iris.csv.
    let fitted = k_best(&[("k", Value::Int(2))])
        .select(&frame, &selected, &target)
        .expect("fit");
    assert_scores(
        &scores(&fitted),
        &[
            119.26450218449871,
            49.16004008961098,
            1180.1611822529776,
            960.0071468018025,
        ],
        1e-9,
    );
    // SelectKBest(f_classif, k=2).get_support(indices=True) = [2, 3].
    assert_eq!(fitted.kept, names(&["petal_length_cm", "petal_width_cm"]));
    assert_graph_agrees(&fitted, &frame, 1e-5);
    // sklearn chi2(X, y)[0]; SelectKBest(chi2, k=1) keeps [2].
    let fitted = k_best(&[("k", Value::Int(1)), ("score", Value::Str("chi2".into()))])
        .select(&frame, &selected, &target)
        .expect("fit");
    assert_scores(
        &scores(&fitted),
        &[
            10.817820878494002,
            3.7107283035324965,
            116.31261309207025,
            67.04836020011118,
        ],
        1e-9,
    );
    assert_eq!(fitted.kept, names(&["petal_length_cm"]));
}

#[test]
fn select_k_best_f_regression_matches_sklearn_on_diabetes() {
    let (frame, y) = load_dataset("diabetes");
    let selected: Vec<String> = frame.names().iter().map(|s| s.to_string()).collect();
    // Default score for a regression target is f_regression; numbers from
    // sklearn.feature_selection.f_regression(X, y)[0] on tests/data/diabetes.csv.
    let fitted = k_best(&[("k", Value::Int(3))])
        .select(&frame, &selected, &Target::Values(y))
        .expect("fit");
    let want = [
        16.101374010745538,
        0.8174234902529466,
        230.6537644941369,
        106.52013085528664,
        20.710567446320027,
        13.746079173190688,
        81.23965867875602,
        100.06926441335226,
        207.27119361706326,
        75.39968319740203,
    ];
    assert_scores(&scores(&fitted), &want, 1e-9);
    // SelectKBest(f_regression, k=3) keeps [2, 3, 8].
    assert_eq!(fitted.kept, names(&["bmi", "bp", "s5"]));
    assert_graph_agrees(&fitted, &frame, 1e-5);
}

#[test]
fn select_k_best_mutual_info_binned_estimator() {
    // Reference: an independent numpy implementation of the documented
    // estimator (10 equal-frequency bins with edges s[j*n//10], discrete MI in
    // nats) — not sklearn's kNN mutual_info_classif.
    let (frame, target) = iris();
    let selected: Vec<String> = frame.names().iter().map(|s| s.to_string()).collect();
    let mi = k_best(&[("k", Value::Int(2)), ("score", Value::Str("mutual_info".into()))]);
    let fitted = mi.select(&frame, &selected, &target).expect("fit");
    assert_scores(
        &scores(&fitted),
        &[
            0.5239631887674641,
            0.29948579747531817,
            0.9093617666398014,
            0.897675371474645,
        ],
        1e-12,
    );
    assert_eq!(fitted.kept, names(&["petal_length_cm", "petal_width_cm"]));

    let (frame, y) = load_dataset("diabetes");
    let selected: Vec<String> = frame.names().iter().map(|s| s.to_string()).collect();
    let fitted = mi.select(&frame, &selected, &Target::Values(y)).expect("fit");
    let want = [
        0.11917620007337777,
        0.007841484908821757,
        0.27540265126085545,
        0.17599604639477234,
        0.11466602009828211,
        0.1225876448146227,
        0.19780140107589145,
        0.18223581612909312,
        0.2879635178429135,
        0.166305913394494,
    ];
    assert_scores(&scores(&fitted), &want, 1e-12);
    assert_eq!(fitted.kept, names(&["bmi", "s5"]));
}

#[test]
fn select_k_best_ties_nan_and_large_k() {
    let frame = Frame::new(
        vec![
            Column::numeric("const", vec![1.0; 6]),
            Column::numeric("u", vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
            Column::numeric("v", vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
        ],
        6,
    );
    let target = Target::Classes {
        codes: vec![0, 0, 0, 1, 1, 1],
        labels: names(&["n", "y"]),
    };
    let selected = names(&["const", "u", "v"]);
    let fitted = k_best(&[("k", Value::Int(1))])
        .select(&frame, &selected, &target)
        .expect("fit");
    // The constant column scores NaN (0/0); u and v tie, the lower index wins.
    assert!(fitted.scores[0].1.is_nan());
    assert_close(fitted.scores[1].1, 13.5, 1e-12, "F(u)"); // SSB 13.5 / (SSW 4 / 4)
    assert_eq!(fitted.kept, names(&["u"]));
    let fitted = k_best(&[("k", Value::Int(10))])
        .select(&frame, &selected, &target)
        .expect("fit");
    assert_eq!(fitted.kept, selected);
}

#[test]
fn select_k_best_errors() {
    let (frame, target) = iris();
    let selected: Vec<String> = frame.names().iter().map(|s| s.to_string()).collect();
    let values = Target::Values(vec![0.5; frame.n_rows]);
    let err = k_best(&[("score", Value::Str("f_classif".into()))])
        .select(&frame, &selected, &values)
        .expect_err("task");
    assert!(err.to_string().contains("needs a classification target"), "{err}");
    let err = k_best(&[("score", Value::Str("f_regression".into()))])
        .select(&frame, &selected, &target)
        .expect_err("task");
    assert!(err.to_string().contains("needs a regression target"), "{err}");
    let mut negative = frame.clone();
    negative.columns[1] = Column::numeric("sepal_width_cm", vec![-1.0; frame.n_rows]);
    let err = k_best(&[("score", Value::Str("chi2".into()))])
        .select(&negative, &selected, &target)
        .expect_err("negative");
    assert!(
        matches!(&err, OpError::Column { column, .. } if column == "sepal_width_cm"),
        "{err}"
    );
    let mut missing = frame.clone();
    missing.columns[0] = Column::numeric("sepal_length_cm", vec![f64::NAN; frame.n_rows]);
    let err = k_best(&[])
        .select(&missing, &selected, &target)
        .expect_err("missing");
    assert!(
        matches!(&err, OpError::Column { column, .. } if column == "sepal_length_cm"),
        "{err}"
    );
    let err = SelectKBest::new(&params(&[("k", Value::Int(0))])).expect_err("k");
    assert!(err.to_string().contains("`k`"), "{err}");
    let err = SelectKBest::new(&params(&[("score", Value::Str("gini".into()))])).expect_err("score");
    assert!(err.to_string().contains("`score`"), "{err}");
}

#[test]
fn catalog_entries_resolve_and_construct_with_defaults() {
    use mlg_compiler::workflow::catalog::Catalog;
    for spec in mlg_stdlib::select::SPECS {
        assert!(
            mlg_stdlib::catalog::StdCatalog.get(spec.name).is_some(),
            "{}",
            spec.name
        );
        // Steps with a required nested model get a plain linear regression.
        let model = Value::Model {
            op: "linear_regression".into(),
            params: params(&[]),
        };
        let given = if spec.params.iter().any(|p| p.name == "model") {
            params(&[("model", model)])
        } else {
            params(&[])
        };
        assert!(transform(spec.name, &given).is_ok(), "{}", spec.name);
    }
}
