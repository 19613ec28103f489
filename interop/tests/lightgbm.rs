//! LightGBM text models imported and compiled: on the fixtures that
//! `scripts/lightgbm_fixtures.py` made (binary with missing values,
//! multiclass, regression with a categorical feature, Poisson, random-forest
//! mode), the reference evaluation agrees with LightGBM's own outputs to
//! 1e-9 and the compiled artifact to 1e-5 (probabilities; relative for
//! values), classes exactly; malformed and unsupported models are refused
//! with an error naming the tree and field.

use mlg_interop::{import, lightgbm, ImportError, ImportOptions, Link};
use mlg_runtime::Model;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/interop")
        .join(name)
}

/// The fixture CSV: its feature rows (NaN for an empty cell) and the named
/// reference columns, split at the first column named `prediction`,
/// `proba_*` or `margin*`.
/// Named reference columns.
type Columns = Vec<(String, Vec<f64>)>;

fn rows(name: &str) -> (Vec<Vec<f64>>, Columns) {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let n = header
        .iter()
        .position(|h| *h == "prediction" || h.starts_with("proba_") || h.starts_with("margin"))
        .unwrap();
    let mut x = Vec::new();
    let mut refs: Columns = header[n..].iter().map(|h| (h.to_string(), Vec::new())).collect();
    for line in lines {
        let cells: Vec<f64> = line.split(',').map(|c| c.parse().unwrap_or(f64::NAN)).collect();
        x.push(cells[..n].to_vec());
        for (k, r) in refs.iter_mut().enumerate() {
            r.1.push(cells[n + k]);
        }
    }
    (x, refs)
}

fn column<'r>(refs: &'r [(String, Vec<f64>)], name: &str) -> &'r [f64] {
    &refs.iter().find(|r| r.0 == name).unwrap().1
}

/// Imports fixture `name` and checks it against LightGBM's outputs.
fn agrees(name: &str, link: Link, outputs: usize) {
    let text = std::fs::read_to_string(fixture(&format!("{name}.txt"))).unwrap();
    let ensemble = lightgbm::parse(&text).unwrap();
    assert_eq!(ensemble.link, link, "{name}");
    assert_eq!(ensemble.n_outputs, outputs, "{name}");
    let (x, refs) = rows(&format!("{name}.csv"));
    let classes = match link {
        Link::Sigmoid => 2,
        Link::Softmax => outputs,
        _ => 0,
    };
    // The f64 reference reads the format as LightGBM does.
    for (i, row) in x.iter().enumerate() {
        let p = ensemble.predict(row).unwrap();
        let raw = ensemble.raw(row).unwrap();
        if classes == 0 {
            let want = column(&refs, "prediction")[i];
            assert!(
                (p[0] - want).abs() <= 1e-9 * want.abs().max(1.0),
                "{name} row {i}: {} vs {want}",
                p[0]
            );
            // LightGBM's raw score of an averaged forest is not averaged.
            if ensemble.leaf_scale == 1.0 {
                let margin = column(&refs, "margin")[i];
                assert!(
                    (raw[0] - margin).abs() <= 1e-9 * margin.abs().max(1.0),
                    "{name} row {i} margin"
                );
            }
        } else {
            for (c, p) in p.iter().enumerate() {
                let want = column(&refs, &format!("proba_{c}"))[i];
                assert!(
                    (p - want).abs() <= 1e-9,
                    "{name} row {i} class {c}: {p} vs {want}"
                );
            }
        }
    }
    // The compiled artifact, in f32.
    let artifact = import(&fixture(&format!("{name}.txt")), &ImportOptions::default()).unwrap();
    // Columns no split reads are pruned from the inputs.
    let slots: Vec<usize> = artifact
        .graph
        .inputs
        .iter()
        .map(|s| ensemble.features.iter().position(|f| *f == s.name).unwrap())
        .collect();
    assert!(
        !slots.is_empty() && slots.windows(2).all(|w| w[0] < w[1]),
        "{name}: {slots:?}"
    );
    let model = Model::from_artifact(artifact).unwrap();
    let flat: Vec<f32> = x
        .iter()
        .flat_map(|r| slots.iter().map(|&s| r[s] as f32))
        .collect();
    let out = model.predict_rows(&flat, x.len()).unwrap();
    let width = model.n_outputs();
    for (i, row) in out.chunks_exact(width).enumerate() {
        if classes == 0 {
            let want = column(&refs, "prediction")[i];
            let got = f64::from(row[0]);
            assert!(
                (got - want).abs() <= 1e-5 * want.abs().max(1.0),
                "{name} row {i}: {got} vs {want}"
            );
        } else {
            let mut best = (0, f64::NEG_INFINITY);
            for c in 0..classes {
                let want = column(&refs, &format!("proba_{c}"))[i];
                let got = f64::from(row[1 + c]);
                assert!(
                    (got - want).abs() <= 1e-5,
                    "{name} row {i} class {c}: {got} vs {want}"
                );
                if want > best.1 {
                    best = (c, want);
                }
            }
            assert_eq!(row[0] as usize, best.0, "{name} row {i}: class");
        }
    }
}

#[test]
fn a_binary_model_with_missing_values_matches_lightgbm() {
    agrees("lightgbm_binary", Link::Sigmoid, 1);
}

#[test]
fn a_multiclass_model_matches_lightgbm() {
    agrees("lightgbm_multiclass", Link::Softmax, 3);
}

#[test]
fn categorical_splits_match_lightgbm_on_nan_negative_and_fractional_codes() {
    agrees("lightgbm_regression_cat", Link::Identity, 1);
}

#[test]
fn poisson_and_random_forest_models_match_lightgbm() {
    agrees("lightgbm_poisson", Link::Exp, 1);
    agrees("lightgbm_rf", Link::Identity, 1);
}

/// `text` edited by `edit`, parsed: the error's message.
fn refused(edit: impl Fn(&str) -> String) -> String {
    let text = std::fs::read_to_string(fixture("lightgbm_binary.txt")).unwrap();
    match lightgbm::parse(&edit(&text)) {
        Ok(_) => String::from("accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn malformed_and_unsupported_models_are_refused_naming_what() {
    type Edit = Box<dyn Fn(&str) -> String>;
    let cases: Vec<(Edit, &str)> = vec![
        (Box::new(|t| t[..t.len() / 2].to_string()), "LightGBM model: tree"),
        (
            Box::new(|t| t.replacen("tree\n", "forest\n", 1)),
            "starts with the line `tree`",
        ),
        (
            Box::new(|t| t.replacen("left_child=1 ", "left_child=99 ", 1)),
            "child 99 is out of range",
        ),
        (
            Box::new(|t| t.replacen("left_child=1 ", "left_child=0 ", 1)),
            "not a tree",
        ),
        (
            Box::new(|t| t.replacen("split_feature=", "split_feature=123456 ", 1)),
            "field `split_feature`",
        ),
        (
            Box::new(|t| t.replacen("threshold=", "threshold=abc ", 1)),
            "`abc` is not a number",
        ),
        (
            Box::new(|t| t.replacen("objective=binary", "objective=multiclassova", 1)),
            "objective `multiclassova` is not supported",
        ),
        (
            Box::new(|t| t.replacen("is_linear=0", "is_linear=1", 1)),
            "linear trees",
        ),
        (
            Box::new(|t| t.replacen("max_feature_idx=7", "max_feature_idx=9", 1)),
            "8 feature names",
        ),
        (Box::new(|t| t.replace("Tree=", "Tree-")), "no trees"),
    ];
    for (edit, want) in cases {
        let message = refused(edit);
        assert!(message.contains(want), "wanted {want:?} in {message:?}");
    }
    let error = import(&fixture("no_such_model.txt"), &ImportOptions::default()).unwrap_err();
    assert!(matches!(error, ImportError::Io { .. }), "{error}");
    let options = ImportOptions {
        columns: Some(vec!["a".into(), "b".into()]),
    };
    let error = import(&fixture("lightgbm_binary.txt"), &options).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("--columns names 2 columns, but the LightGBM model has 8 features"),
        "{error}"
    );
}
