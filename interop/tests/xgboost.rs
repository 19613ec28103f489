//! The XGBoost JSON importer against models XGBoost itself wrote
//! (tests/fixtures/interop/xgboost_*, made by scripts/xgboost_fixtures.py):
//! the ensemble's reference evaluator must reproduce XGBoost's predictions and
//! margins on the rows saved with each model, and broken or unsupported files
//! must be refused with an error naming the problem.

use std::path::PathBuf;

use mlg_interop::{xgboost, Ensemble, ImportError, Link, Node};
use serde_json::{json, Value};

/// The fixture `xgboost_<name>.<ext>`, as text.
fn read(name: &str, ext: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/interop")
        .join(format!("xgboost_{name}.{ext}"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The fixture's CSV: the header and the rows, an empty cell read as NaN.
fn csv(name: &str) -> (Vec<String>, Vec<Vec<f64>>) {
    let text = read(name, "csv");
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(str::to_string).collect();
    let rows = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let row: Vec<f64> = l
                .split(',')
                .map(|c| {
                    if c.is_empty() {
                        f64::NAN
                    } else {
                        c.parse().unwrap()
                    }
                })
                .collect();
            assert_eq!(row.len(), header.len(), "{name}.csv: {l}");
            row
        })
        .collect();
    (header, rows)
}

/// Parses fixture `name` and checks every CSV row against XGBoost's outputs.
fn check(name: &str, link: Link, n_outputs: usize, n_trees: usize) -> Ensemble {
    let model = xgboost::parse(&read(name, "json")).unwrap();
    let (header, rows) = csv(name);
    assert_eq!(model.source, "XGBoost");
    assert_eq!(model.link, link);
    assert_eq!(model.n_outputs, n_outputs);
    assert_eq!(model.base.len(), n_outputs);
    assert_eq!(model.trees.len(), n_trees);
    let n = model.features.len();
    assert_eq!(model.features[..], header[..n], "feature names");
    let column = |prefix: &str| -> Vec<usize> {
        (0..header.len())
            .filter(|&i| header[i].starts_with(prefix))
            .collect()
    };
    let (proba, prediction, margin) = (column("proba_"), column("prediction"), column("margin_"));
    assert_eq!(margin.len(), n_outputs);
    assert!(rows.len() >= 50 && rows.iter().any(|r| r[..n].iter().any(|x| x.is_nan())));
    for (i, row) in rows.iter().enumerate() {
        let raw = model.raw(&row[..n]).unwrap();
        for (k, &c) in margin.iter().enumerate() {
            // XGBoost sums in f32: allow its rounding on large margins.
            let tolerance = 1e-5 * row[c].abs().max(1.0);
            assert!(
                (raw[k] - row[c]).abs() <= tolerance,
                "{name} row {i} margin {k}: {} vs {}",
                raw[k],
                row[c]
            );
        }
        let predicted = model.predict(&row[..n]).unwrap();
        if link == Link::Identity || link == Link::Exp {
            let (got, want) = (predicted[0], row[prediction[0]]);
            assert!(
                (got - want).abs() <= 1e-4 * want.abs().max(1.0),
                "{name} row {i}: {got} vs {want}"
            );
        } else {
            assert_eq!(predicted.len(), proba.len());
            for (k, &c) in proba.iter().enumerate() {
                let (got, want) = (predicted[k], row[c]);
                assert!(
                    (got - want).abs() <= 1e-5,
                    "{name} row {i} proba {k}: {got} vs {want}"
                );
            }
        }
    }
    compiled(
        name,
        &model,
        &rows,
        if proba.is_empty() { &prediction } else { &proba },
    );
    model
}

/// The imported artifact, compiled, on the fixture's rows: XGBoost's
/// probabilities within 1e-5 (and its most likely class), or its values
/// within 1e-5 relative.
fn compiled(name: &str, model: &Ensemble, rows: &[Vec<f64>], reference: &[usize]) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/interop")
        .join(format!("xgboost_{name}.json"));
    let artifact = mlg_interop::import(&path, &mlg_interop::ImportOptions::default()).unwrap();
    // Columns no split reads are pruned from the inputs.
    let slots: Vec<usize> = artifact
        .graph
        .inputs
        .iter()
        .map(|s| model.features.iter().position(|f| *f == s.name).unwrap())
        .collect();
    let compiled = mlg_runtime::Model::from_artifact(artifact).unwrap();
    let flat: Vec<f32> = rows
        .iter()
        .flat_map(|r| slots.iter().map(|&s| r[s] as f32))
        .collect();
    let out = compiled.predict_rows(&flat, rows.len()).unwrap();
    let classifier = reference.len() > 1;
    for (i, (got, row)) in out.chunks_exact(compiled.n_outputs()).zip(rows).enumerate() {
        let values = if classifier { &got[1..] } else { got };
        for (k, &c) in reference.iter().enumerate() {
            let (got, want) = (f64::from(values[k]), row[c]);
            let tolerance = if classifier {
                1e-5
            } else {
                1e-5 * want.abs().max(1.0)
            };
            assert!(
                (got - want).abs() <= tolerance,
                "{name} row {i} output {k}: compiled {got} vs {want}"
            );
        }
        if classifier {
            let best = (0..reference.len()).fold(0, |b, k| {
                if row[reference[k]] > row[reference[b]] {
                    k
                } else {
                    b
                }
            });
            assert_eq!(got[0] as usize, best, "{name} row {i}: class");
        }
    }
}

#[test]
fn binary_logistic_matches_xgboost() {
    let model = check("binary", Link::Sigmoid, 1, 20);
    assert_eq!(
        model.features,
        (0..8).map(|i| format!("x{i}")).collect::<Vec<_>>()
    );
}

#[test]
fn multiclass_softprob_matches_xgboost() {
    let model = check("multiclass", Link::Softmax, 3, 30);
    // No feature names in the file: f0, f1, ...
    assert_eq!(
        model.features,
        (0..9).map(|i| format!("f{i}")).collect::<Vec<_>>()
    );
    let outputs: Vec<usize> = model.trees.iter().map(|t| t.output).collect();
    assert_eq!(outputs[..6], [0, 1, 2, 0, 1, 2]);
}

#[test]
fn squared_error_regression_matches_xgboost() {
    let model = check("regression", Link::Identity, 1, 20);
    assert_eq!(model.features.len(), 10);
}

#[test]
fn poisson_matches_xgboost() {
    check("poisson", Link::Exp, 1, 8);
}

/// The binary fixture as a JSON value, to break.
fn binary() -> Value {
    serde_json::from_str(&read("binary", "json")).unwrap()
}

/// Tree `t` of `doc`.
fn tree(doc: &mut Value, t: usize) -> &mut Value {
    &mut doc["learner"]["gradient_booster"]["model"]["trees"][t]
}

/// The `Malformed` error parsing `doc` gives, as `(at, message)`.
fn malformed(doc: &str) -> (String, String) {
    match xgboost::parse(doc) {
        Err(ImportError::Malformed { at, message, .. }) => (at, message),
        other => panic!("expected Malformed, got {other:?}"),
    }
}

/// The `Unsupported` error parsing `doc` gives: what is refused.
fn unsupported(doc: &Value) -> String {
    match xgboost::parse(&doc.to_string()) {
        Err(ImportError::Unsupported { what, .. }) => what,
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

#[test]
fn refuses_text_that_is_not_json() {
    let (at, message) = malformed("tree\nversion=v4\n");
    assert!(
        at.contains("line 1") && message.contains("not JSON"),
        "{at}: {message}"
    );
}

#[test]
fn refuses_truncated_json() {
    let text = read("binary", "json");
    let (_, message) = malformed(&text[..text.len() / 2]);
    assert!(message.contains("not JSON"), "{message}");
}

#[test]
fn refuses_a_child_out_of_range() {
    let mut doc = binary();
    tree(&mut doc, 3)["left_children"][0] = json!(1000);
    let (at, message) = malformed(&doc.to_string());
    assert_eq!(at, "tree 3");
    assert!(message.contains("left child 1000 is out of range"), "{message}");
    tree(&mut doc, 3)["left_children"][0] = json!(-7);
    let (_, message) = malformed(&doc.to_string());
    assert!(message.contains("left child -7"), "{message}");
}

#[test]
fn refuses_a_cycle() {
    let mut doc = binary();
    // Node 1 (a split) sends its right branch back to the root.
    assert_ne!(tree(&mut doc, 2)["left_children"][1], json!(-1));
    tree(&mut doc, 2)["right_children"][1] = json!(0);
    let (at, message) = malformed(&doc.to_string());
    assert_eq!(at, "tree 2");
    assert!(message.contains("node 0 is reached twice"), "{message}");
    // A node that is its own child.
    let mut doc = binary();
    tree(&mut doc, 0)["left_children"][0] = json!(0);
    let (_, message) = malformed(&doc.to_string());
    assert!(message.contains("reached twice"), "{message}");
}

#[test]
fn refuses_mismatched_array_lengths() {
    let mut doc = binary();
    tree(&mut doc, 5)["split_conditions"]
        .as_array_mut()
        .unwrap()
        .pop();
    let (at, message) = malformed(&doc.to_string());
    assert_eq!(at, "tree 5");
    assert!(message.contains("split_conditions"), "{message}");
}

#[test]
fn refuses_bad_references_from_the_model() {
    let mut doc = binary();
    tree(&mut doc, 1)["split_indices"][0] = json!(8);
    let (at, message) = malformed(&doc.to_string());
    assert!(
        at == "tree 1" && message.contains("split_indices 8"),
        "{at}: {message}"
    );

    let mut doc = binary();
    doc["learner"]["gradient_booster"]["model"]["tree_info"][4] = json!(1);
    let (at, message) = malformed(&doc.to_string());
    assert!(at.contains("tree_info[4]"), "{at}: {message}");

    let mut doc = binary();
    doc["learner"]["learner_model_param"]["base_score"] = json!("[1.5E0]");
    let (at, message) = malformed(&doc.to_string());
    assert!(
        at.contains("base_score") && message.contains("(0, 1)"),
        "{at}: {message}"
    );

    let mut doc = binary();
    doc["learner"].as_object_mut().unwrap().remove("gradient_booster");
    let (_, message) = malformed(&doc.to_string());
    assert!(message.contains("gradient_booster"), "{message}");
}

#[test]
fn refuses_unknown_and_unsupported_objectives() {
    for name in [
        "rank:pairwise",
        "binary:hinge",
        "reg:logistic",
        "survival:cox",
        "my:objective",
    ] {
        let mut doc = binary();
        doc["learner"]["objective"]["name"] = json!(name);
        let what = unsupported(&doc);
        assert!(what.contains(name), "{what}");
    }
}

#[test]
fn refuses_dart_and_gblinear() {
    for name in ["dart", "gblinear"] {
        let mut doc = binary();
        doc["learner"]["gradient_booster"]["name"] = json!(name);
        let what = unsupported(&doc);
        assert!(what.contains(name), "{what}");
    }
}

#[test]
fn refuses_categorical_splits_and_vector_leaves() {
    let mut doc = binary();
    tree(&mut doc, 4)["split_type"][0] = json!(1);
    let what = unsupported(&doc);
    assert!(what.contains("categorical splits (node 0 of tree 4)"), "{what}");

    let mut doc = binary();
    tree(&mut doc, 0)["tree_param"]["size_leaf_vector"] = json!("2");
    assert!(unsupported(&doc).contains("size_leaf_vector 2"));

    let mut doc = binary();
    doc["learner"]["learner_model_param"]["num_target"] = json!("2");
    assert!(unsupported(&doc).contains("num_target 2"));
}

#[test]
fn reads_older_base_scores_and_pruned_trees() {
    // XGBoost 2.x writes a bare scalar; binary:logistic's 0.5 is the margin 0.
    let mut doc = binary();
    doc["learner"]["learner_model_param"]["base_score"] = json!("5E-1");
    assert_eq!(xgboost::parse(&doc.to_string()).unwrap().base, vec![0.0]);

    // A pruned tree keeps its deleted nodes in the arrays: a root that became a
    // leaf leaves every other node unreachable, and they are dropped.
    let mut doc = binary();
    tree(&mut doc, 0)["left_children"][0] = json!(-1);
    tree(&mut doc, 0)["right_children"][0] = json!(-1);
    tree(&mut doc, 0)["split_conditions"][0] = json!(0.25);
    let model = xgboost::parse(&doc.to_string()).unwrap();
    assert_eq!(model.trees[0].nodes, vec![Node::Leaf(0.25f32.into())]);
}

#[test]
fn survives_hostile_edits_and_every_truncation() {
    let keys = [
        "left_children",
        "right_children",
        "split_indices",
        "default_left",
        "split_type",
    ];
    let values = [
        json!(-2),
        json!(-1),
        json!(0),
        json!(1),
        json!(30),
        json!(31),
        json!(u64::MAX),
        json!("x"),
    ];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = |n: usize| {
        // xorshift: deterministic, no dependency.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    for _ in 0..500 {
        let mut doc = binary();
        let t = next(20);
        let key = keys[next(keys.len())];
        let len = tree(&mut doc, t)[key].as_array().unwrap().len();
        tree(&mut doc, t)[key][next(len)] = values[next(values.len())].clone();
        // Either refused, or a proper tree the evaluator walks.
        if let Ok(model) = xgboost::parse(&doc.to_string()) {
            model.raw(&[0.5; 8]).unwrap();
            model.raw(&[f64::NAN; 8]).unwrap();
        }
    }
    let text = read("poisson", "json");
    for cut in (0..text.len()).step_by(37) {
        assert!(xgboost::parse(&text[..cut]).is_err());
    }
}
