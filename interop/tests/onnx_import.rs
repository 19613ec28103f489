//! ONNX models imported and compiled: the skl2onnx exports of scikit-learn
//! pipelines that `scripts/sklearn_onnx_fixtures.py` made reproduce
//! scikit-learn's own outputs (probabilities within 1e-5, classes exactly,
//! regression values within 1e-5 relative); a `LabelEncoder` maps its keys;
//! a truncated file, an unknown operator, an unsupported attribute value,
//! a repeated key and a wrong `--columns` count are refused naming what is
//! wrong.

use mlg_interop::onnx::proto::{AttributeProto, ModelProto, NodeProto};
use mlg_interop::{import, ImportError, ImportOptions};
use mlg_runtime::Model;
use prost::Message;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/interop")
        .join(name)
}

/// The fixture CSV: the header and its rows (NaN for an empty cell).
fn csv(name: &str) -> (Vec<String>, Vec<Vec<f64>>) {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| l.split(',').map(|c| c.parse().unwrap_or(f64::NAN)).collect())
        .collect();
    (header, rows)
}

/// Imports `sklearn_{name}.onnx`, runs the compiled artifact on the CSV's
/// inputs and checks it against scikit-learn's outputs.
fn agrees(name: &str) {
    let artifact = import(
        &fixture(&format!("sklearn_{name}.onnx")),
        &ImportOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    let (header, rows) = csv(&format!("sklearn_{name}.csv"));
    let col = |h: &str| header.iter().position(|c| c == h);
    // The single input `X` is read as columns X_0, X_1, ...; unused ones are pruned.
    let slots: Vec<usize> = artifact
        .graph
        .inputs
        .iter()
        .map(|s| col(&s.name.replace("X_", "x")).unwrap_or_else(|| panic!("{name}: input {}", s.name)))
        .collect();
    let classes = artifact.classes.clone();
    let model = Model::from_artifact(artifact).unwrap();
    let flat: Vec<f32> = rows
        .iter()
        .flat_map(|r| slots.iter().map(|&s| r[s] as f32))
        .collect();
    let out = model.predict_rows(&flat, rows.len()).unwrap();
    let width = model.n_outputs();
    for (i, (got, row)) in out.chunks_exact(width).zip(&rows).enumerate() {
        if classes.is_empty() {
            let want = row[col("prediction").unwrap()];
            let got = f64::from(got[0]);
            assert!(
                (got - want).abs() <= 1e-5 * want.abs().max(1.0),
                "{name} row {i}: {got} vs {want}"
            );
            continue;
        }
        let label = row[col("label").unwrap()];
        assert_eq!(
            classes[got[0] as usize],
            format!("{label}"),
            "{name} row {i}: class"
        );
        // An SVM without probabilities scores [decision, -decision].
        if let Some(k) = col("decision") {
            assert!(
                (f64::from(got[1]) - row[k]).abs() <= 1e-5 * row[k].abs().max(1.0),
                "{name} row {i}: decision"
            );
        }
        for c in 0..classes.len() {
            let Some(k) = col(&format!("proba_{c}")) else {
                continue;
            };
            let p = f64::from(got[1 + c]);
            assert!(
                (p - row[k]).abs() <= 1e-5,
                "{name} row {i} class {c}: {p} vs {}",
                row[k]
            );
        }
    }
}

#[test]
fn scaled_logistic_regression_matches_scikit_learn() {
    agrees("logistic_binary");
}

#[test]
fn imputed_multiclass_logistic_regression_with_missing_values_matches() {
    agrees("logistic_multiclass");
}

#[test]
fn a_zipmap_output_is_read_as_the_probabilities() {
    agrees("logistic_zipmap");
}

#[test]
fn scaled_ridge_and_normalized_linear_regression_match() {
    agrees("linear_regression");
    agrees("normalizer_linear");
}

#[test]
fn a_decision_tree_and_forests_match() {
    agrees("tree_classifier");
    agrees("forest_classifier");
    agrees("forest_regressor");
}

#[test]
fn gradient_boosting_matches_binary_multiclass_and_regression() {
    agrees("gbm_classifier");
    agrees("gbm_multiclass");
    agrees("gbm_regressor");
}

#[test]
fn hist_gradient_boosting_with_missing_values_matches() {
    agrees("histgb_classifier");
}

#[test]
fn mlps_with_relu_and_tanh_match() {
    agrees("mlp_classifier");
    agrees("mlp_regressor");
}

#[test]
fn rbf_support_vector_machines_match() {
    agrees("svr");
    agrees("svc_binary");
}

fn load(name: &str) -> ModelProto {
    ModelProto::decode(std::fs::read(fixture(name)).unwrap().as_slice()).unwrap()
}

fn import_bytes(bytes: &[u8], tag: &str, options: &ImportOptions) -> Result<(), ImportError> {
    let dir = std::env::temp_dir().join(format!("mlg-onnx-import-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path: &Path = &dir.join("model.onnx");
    std::fs::write(path, bytes).unwrap();
    let result = import(path, options).map(|_| ());
    std::fs::remove_dir_all(&dir).unwrap();
    result
}

/// A model `x [N, 1] -> LabelEncoder -> y [N, 1]` with `attributes`, built
/// from the linear-regression fixture's `[N, 1]` output description.
fn label_encoder(attributes: Vec<AttributeProto>) -> Vec<u8> {
    let mut model = load("sklearn_linear_regression.onnx");
    let graph = model.graph.as_mut().unwrap();
    let mut column = graph.output[0].clone();
    column.name = Some("x".into());
    let mut y = column.clone();
    y.name = Some("y".into());
    graph.input = vec![column];
    graph.output = vec![y];
    graph.initializer.clear();
    graph.node = vec![NodeProto {
        input: vec!["x".into()],
        output: vec!["y".into()],
        op_type: Some("LabelEncoder".into()),
        domain: Some("ai.onnx.ml".into()),
        attribute: attributes,
        ..Default::default()
    }];
    model.encode_to_vec()
}

fn floats(name: &str, v: Vec<f32>) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        floats: v,
        ..Default::default()
    }
}

fn ints(name: &str, v: Vec<i64>) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        ints: v,
        ..Default::default()
    }
}

/// The imported model of `bytes` run on the one-column `rows`.
fn run_bytes(bytes: &[u8], rows: &[f32]) -> Vec<f32> {
    let artifact = mlg_interop::onnx_artifact(bytes, "m", &ImportOptions::default()).unwrap();
    let model = Model::from_artifact(artifact).unwrap();
    model.predict_rows(rows, rows.len()).unwrap()
}

#[test]
fn a_label_encoder_maps_keys_and_gives_the_default_elsewhere() {
    // Float keys: compared one by one.
    let bytes = label_encoder(vec![
        floats("keys_floats", vec![1.0, 2.5, -5.0]),
        floats("values_floats", vec![10.0, 20.0, 50.0]),
        AttributeProto {
            name: Some("default_float".into()),
            f: Some(-1.0),
            ..Default::default()
        },
    ]);
    let got = run_bytes(&bytes, &[1.0, 2.5, -5.0, 3.0, f32::NAN]);
    assert_eq!(got, [10.0, 20.0, 50.0, -1.0, -1.0]);
    // Small whole keys: a table; the default of integers is -1.
    let bytes = label_encoder(vec![
        ints("keys_int64s", vec![0, 1, 2, 7]),
        ints("values_int64s", vec![5, 6, 7, 8]),
    ]);
    let got = run_bytes(&bytes, &[0.0, 1.0, 2.0, 7.0, 3.0, f32::NAN, 1.5, -1.0, -0.0]);
    assert_eq!(got, [5.0, 6.0, 7.0, 8.0, -1.0, -1.0, -1.0, -1.0, 5.0]);
    // A key given twice is refused.
    let bytes = label_encoder(vec![
        ints("keys_int64s", vec![1, 1]),
        ints("values_int64s", vec![5, 6]),
    ]);
    let err = mlg_interop::onnx_artifact(&bytes, "m", &ImportOptions::default()).unwrap_err();
    assert!(err.to_string().contains("the key 1 is given twice"), "{err}");
}

#[test]
fn a_truncated_file_is_refused() {
    let bytes = std::fs::read(fixture("sklearn_logistic_binary.onnx")).unwrap();
    let err = import_bytes(&bytes[..bytes.len() / 2], "truncated", &ImportOptions::default()).unwrap_err();
    assert!(err.to_string().contains("not an ONNX protobuf"), "{err}");
}

#[test]
fn an_unknown_operator_is_refused_by_name() {
    let mut model = load("sklearn_mlp_regressor.onnx");
    let graph = model.graph.as_mut().unwrap();
    graph.node[4].op_type = Some("Gelu".into());
    let err = import_bytes(&model.encode_to_vec(), "unknown", &ImportOptions::default()).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("node 4") && text.contains("the operator Gelu"),
        "{text}"
    );
}

#[test]
fn an_unsupported_split_mode_is_refused_by_name() {
    let mut model = load("sklearn_tree_classifier.onnx");
    let node = &mut model.graph.as_mut().unwrap().node[0];
    let modes = node
        .attribute
        .iter_mut()
        .find(|a| a.name.as_deref() == Some("nodes_modes"))
        .unwrap();
    modes.strings[0] = b"BRANCH_EQ".to_vec();
    let err = import_bytes(&model.encode_to_vec(), "mode", &ImportOptions::default()).unwrap_err();
    assert!(err.to_string().contains("the split mode BRANCH_EQ"), "{err}");
}

#[test]
fn a_wrong_column_count_is_refused() {
    let options = ImportOptions {
        columns: Some(vec!["a".into(), "b".into()]),
    };
    let err = import(&fixture("sklearn_logistic_binary.onnx"), &options).unwrap_err();
    assert!(err.to_string().contains("takes 8"), "{err}");
}
