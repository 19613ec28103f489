//! The example service on the iris model: every answer equals `Model::predict`
//! on the same rows, in request order, and bad requests get an error line
//! without stopping the service.

use mlg_runtime::csv::read_csv;
use mlg_runtime::{ColumnData, Frame, Model};
use serde_json::{json, Map, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Trains `examples/iris.mlg`'s `lr` and writes its artifact into `dir`.
fn iris_artifact(dir: &Path) -> PathBuf {
    let wf = mlg::Workflow::from_file(root().join("examples/iris.mlg")).expect("iris.mlg checks");
    let model = wf.compile("lr").expect("iris lr compiles");
    let path = dir.join("iris.mlgc");
    mlg_runtime::artifact::write(&path, model.artifact()).expect("artifact written");
    path
}

/// Row `i` of `frame` as a JSON object of the columns `names`.
fn json_row(frame: &Frame, names: &[String], i: usize) -> Value {
    let mut row = Map::new();
    for name in names {
        let column = frame.column(name).expect("column exists");
        let value = match &column.data {
            _ if column.missing[i] => Value::Null,
            ColumnData::Numeric(v) => json!(v[i]),
            ColumnData::Categorical { codes, levels } => json!(levels[codes[i] as usize]),
        };
        row.insert(name.clone(), value);
    }
    Value::Object(row)
}

/// Runs the service on `input` and returns its stdout lines and exit status.
fn run(args: &[&str], input: &str) -> (Vec<String>, std::process::ExitStatus, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mlg-embed-example"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("service starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_string();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let output = child.wait_with_output().expect("service exits");
    feeder.join().expect("feeder");
    let stdout = String::from_utf8(output.stdout).expect("utf-8 output");
    let stderr = String::from_utf8(output.stderr).expect("utf-8 errors");
    (
        stdout.lines().map(str::to_string).collect(),
        output.status,
        stderr,
    )
}

#[test]
fn answers_equal_model_predict_in_request_order() {
    let dir = tempfile::tempdir().unwrap();
    let artifact = iris_artifact(dir.path());
    let model = Model::load(&artifact).unwrap();
    let frame = read_csv(&root().join("examples/data/iris.csv")).unwrap();
    let expected = model.predict(&frame).unwrap();
    let names: Vec<String> = model.inputs().iter().map(|s| s.name.clone()).collect();

    // One request per row, then the whole batch, then bad requests, with a
    // blank line among them.
    let mut lines: Vec<String> = (0..frame.n_rows)
        .map(|i| json!({"id": i, "rows": [json_row(&frame, &names, i)]}).to_string())
        .collect();
    let all: Vec<Value> = (0..frame.n_rows).map(|i| json_row(&frame, &names, i)).collect();
    lines.push(json!({"id": "all", "rows": all}).to_string());
    lines.push(String::new());
    lines.push("{\"rows\": [".to_string());
    let mut unknown = json_row(&frame, &names, 0);
    unknown["petal_colour"] = json!(1.0);
    lines.push(json!({"id": "unknown", "rows": [unknown]}).to_string());
    let mut wrong = json_row(&frame, &names, 0);
    wrong[names[0].as_str()] = json!("long");
    lines.push(json!({"id": "wrong", "rows": [json_row(&frame, &names, 1), wrong]}).to_string());
    lines.push(json!({"id": "last", "rows": [json_row(&frame, &names, 2)]}).to_string());

    let artifact_arg = artifact.to_str().unwrap();
    let (out, status, stderr) = run(&[artifact_arg, "--workers", "4"], &(lines.join("\n") + "\n"));
    assert!(status.success(), "{stderr}");
    let answers: Vec<Value> = out
        .iter()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(
        answers.len(),
        frame.n_rows + 5,
        "one answer per non-blank request"
    );

    let classes = model.classes();
    let check = |answer: &Value, rows: std::ops::Range<usize>| {
        let predictions = answer["predictions"].as_array().expect("predictions");
        let probabilities = answer["probabilities"].as_array().expect("probabilities");
        assert_eq!(predictions.len(), rows.len());
        for (k, i) in rows.enumerate() {
            assert_eq!(
                predictions[k].as_str(),
                Some(expected.prediction_text(i).as_str()),
                "row {i}"
            );
            let want = &expected.row(i).unwrap()[1..];
            let got: Vec<f32> = probabilities[k]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_f64().unwrap() as f32)
                .collect();
            assert_eq!(got, want, "row {i}");
            assert_eq!(got.len(), classes.len());
        }
    };
    for (i, answer) in answers.iter().take(frame.n_rows).enumerate() {
        assert_eq!(answer["id"], json!(i), "answers keep request order");
        check(answer, i..i + 1);
    }
    assert_eq!(answers[frame.n_rows]["id"], "all");
    check(&answers[frame.n_rows], 0..frame.n_rows);

    let malformed = &answers[frame.n_rows + 1];
    assert!(
        malformed["error"].as_str().unwrap().starts_with("malformed JSON"),
        "{malformed}"
    );
    let unknown = answers[frame.n_rows + 2]["error"].as_str().unwrap();
    assert!(unknown.contains("unknown column `petal_colour`"), "{unknown}");
    let wrong = answers[frame.n_rows + 3]["error"].as_str().unwrap();
    assert!(
        wrong.contains(&format!("rows[1]: column `{}` expects a number", names[0])),
        "{wrong}"
    );
    assert_eq!(answers[frame.n_rows + 4]["id"], "last");
    check(&answers[frame.n_rows + 4], 2..3);
}

#[test]
fn a_bad_artifact_or_usage_fails_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.mlgc");
    let (out, status, stderr) = run(&[missing.to_str().unwrap()], "");
    assert_eq!(status.code(), Some(1));
    assert!(out.is_empty());
    assert!(stderr.contains("missing.mlgc"), "{stderr}");

    let corrupt = dir.path().join("corrupt.mlgc");
    std::fs::write(&corrupt, b"not an artifact at all").unwrap();
    let (_, status, stderr) = run(&[corrupt.to_str().unwrap()], "");
    assert_eq!(status.code(), Some(1));
    assert!(stderr.contains("artifact"), "{stderr}");

    let (_, status, stderr) = run(&["a.mlgc", "--workers", "0"], "");
    assert_eq!(status.code(), Some(2));
    assert!(stderr.contains("--workers needs a positive number"), "{stderr}");
}
