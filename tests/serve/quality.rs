//! Live quality and the prediction log, through the `mlg` binary and a real
//! HTTP client: `/predict` echoes row ids, `POST /feedback` joins labels to
//! them and moves the quality gauges (unknown ids are counted, not errors),
//! labels that go wrong raise the quality alert, input anomalies are counted
//! per feature, and `--log` writes every sampled request's rows, complete
//! after a graceful stop, rotated by size.

use super::exposition::Metrics;
use super::support::{data_frame, fixture, input_names, json_row, Server};
use mlg_runtime::quality::QualityConfig;
use mlg_runtime::{ColumnData, Model};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A copy of the artifact `source` with quality settings and an evaluated
/// `metric` (accuracy or rmse) of `baseline`, written as `name`.
fn with_quality(source: &Path, name: &str, metric: &str, baseline: f64, window: usize) -> PathBuf {
    let mut artifact = mlg_runtime::artifact::read(source).unwrap();
    artifact.metrics.insert(metric.to_string(), baseline);
    artifact.quality = Some(QualityConfig {
        window,
        accuracy_drop: 0.05,
        rmse_rise: 0.2,
    });
    let path = fixture().dir.join(name);
    mlg_runtime::artifact::write(&path, &artifact).unwrap();
    path
}

/// The data file's rows as JSON objects, each with `id` = `prefix` + row,
/// and its target column as numbers.
fn rows_with_ids(model: &Model, file: &str, prefix: &str) -> (Vec<Value>, Vec<f64>) {
    let frame = data_frame(model, file);
    let names = input_names(model);
    let rows = (0..frame.n_rows)
        .map(|r| {
            let mut row = json_row(&frame, &names, r);
            row["id"] = json!(format!("{prefix}{r}"));
            row
        })
        .collect();
    let ColumnData::Numeric(target) = &frame.column("target").unwrap().data else {
        panic!("a numeric target");
    };
    (rows, target.clone())
}

/// The data file's rows as JSON objects of the model's input columns.
fn rows_of(model: &Model, file: &str) -> Vec<Value> {
    let frame = data_frame(model, file);
    let names = input_names(model);
    (0..frame.n_rows).map(|r| json_row(&frame, &names, r)).collect()
}

fn metrics(server: &Server) -> Metrics {
    Metrics::parse(server.get("/metrics").body)
}

#[test]
fn feedback_joins_labels_and_moves_the_accuracy_gauge() {
    let f = fixture();
    let artifact = with_quality(&f.iris_lr, "iris_quality.mlgc", "accuracy", 0.97, 100);
    let model = Model::load(&artifact).unwrap();
    let server = Server::start(&artifact, &[]);
    let (rows, target) = rows_with_ids(&model, "iris.csv", "r");

    let answer = server
        .post("/predict", &json!({ "rows": rows }).to_string())
        .json();
    let ids: Vec<String> = (0..rows.len()).map(|r| format!("r{r}")).collect();
    assert_eq!(answer["ids"], json!(ids));
    let predicted = answer["predictions"].as_array().unwrap();
    let labels: Vec<Value> = target.iter().map(|&t| json!(t as i64)).collect();
    let correct = predicted
        .iter()
        .zip(&labels)
        .filter(|(p, l)| p.as_str() == Some(&l.to_string()))
        .count();
    assert!(correct > 130, "the model learned iris: {correct} of 150");

    let feedback: Vec<Value> = ids
        .iter()
        .zip(&labels)
        .map(|(id, l)| json!({"id": id, "label": l}))
        .collect();
    let reply = server.post("/feedback", &json!(feedback).to_string());
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json(), json!({"joined": 150, "unknown_ids": 0}));
    let m = metrics(&server);
    assert_eq!(m.must("mlg_feedback_total", &[("result", "joined")]), 150.0);
    // The window holds the last 100 labelled rows.
    assert_eq!(m.must("mlg_quality_window_rows", &[]), 100.0);
    let last: usize = predicted[50..]
        .iter()
        .zip(&labels[50..])
        .filter(|(p, l)| p.as_str() == Some(&l.to_string()))
        .count();
    let accuracy = m.must("mlg_quality", &[("metric", "accuracy")]);
    assert!(
        (accuracy - last as f64 / 100.0).abs() < 1e-12,
        "{accuracy} vs {last}/100"
    );
    assert!(m.must("mlg_quality", &[("metric", "f1")]) > 0.8);
    assert_eq!(m.must("mlg_quality_baseline", &[("metric", "accuracy")]), 0.97);
    assert_eq!(m.must("mlg_quality_pending_ids", &[]), 0.0);

    // A label for an unknown id, and a second label for a joined one: counted.
    let reply = server.post(
        "/feedback",
        r#"[{"id": "nope", "label": 1}, {"id": "r0", "label": 0}]"#,
    );
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), json!({"joined": 0, "unknown_ids": 2}));
    assert_eq!(
        metrics(&server).must("mlg_feedback_total", &[("result", "unknown_id")]),
        2.0
    );

    // A malformed item refuses the body, naming it.
    let reply = server.post("/feedback", r#"[{"id": "r1", "label": 1}, {"id": "r2"}]"#);
    assert_eq!(reply.status, 422);
    assert_eq!(reply.json()["error"], "feedback[1]: missing `label`");
    assert_eq!(server.get("/model").json()["quality"]["source"], "artifact");
}

#[test]
fn labels_that_go_wrong_raise_the_quality_alert() {
    let f = fixture();
    let artifact = with_quality(&f.iris_lr, "iris_alert.mlgc", "accuracy", 0.97, 100);
    let model = Model::load(&artifact).unwrap();
    let server = Server::start(&artifact, &[]);
    let post_and_label = |prefix: &str, shift: i64| {
        let (rows, target) = rows_with_ids(&model, "iris.csv", prefix);
        assert_eq!(
            server
                .post("/predict", &json!({ "rows": rows }).to_string())
                .status,
            200
        );
        let feedback: Vec<Value> = target
            .iter()
            .enumerate()
            .map(|(r, &t)| json!({"id": format!("{prefix}{r}"), "label": (t as i64 + shift) % 3}))
            .collect();
        let reply = server.post("/feedback", &json!({ "feedback": feedback }).to_string());
        assert_eq!(reply.json()["joined"], 150);
    };
    post_and_label("a", 0);
    assert_eq!(metrics(&server).must("mlg_quality_alert", &[]), 0.0);
    assert!(server.events("quality_alert").is_empty());
    // The world changed: every label is now the next class.
    post_and_label("b", 1);
    let m = metrics(&server);
    assert_eq!(m.must("mlg_quality_alert", &[]), 1.0);
    assert!(m.must("mlg_quality", &[("metric", "accuracy")]) < 0.1);
    assert!(server.eventually(|| !server.events("quality_alert").is_empty()));
    let alert = &server.events("quality_alert")[0];
    assert_eq!(alert["level"], "warn");
    assert_eq!(alert["baseline"], 0.97);
    assert_eq!(alert["rows"], 100);
}

#[test]
fn regression_feedback_scores_mae_and_rmse() {
    let f = fixture();
    let artifact = with_quality(&f.diabetes, "diabetes_quality.mlgc", "rmse", 55.0, 500);
    let model = Model::load(&artifact).unwrap();
    let server = Server::start(&artifact, &[]);
    let (mut rows, target) = rows_with_ids(&model, "diabetes.csv", "");
    rows.truncate(200);
    // Numeric ids: 7 and "7" name the same row.
    for (r, row) in rows.iter_mut().enumerate() {
        row["id"] = json!(r);
    }
    let answer = server
        .post("/predict", &json!({ "rows": rows }).to_string())
        .json();
    assert_eq!(answer["ids"][7], "7");
    let predicted: Vec<f64> = answer["predictions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| f64::from(p.as_f64().unwrap() as f32))
        .collect();
    let feedback: Vec<Value> = (0..200)
        .map(|r| json!({"id": r.to_string(), "label": target[r]}))
        .collect();
    assert_eq!(
        server.post("/feedback", &json!(feedback).to_string()).json()["joined"],
        200
    );
    let n = 200.0;
    let mae = predicted
        .iter()
        .zip(&target)
        .map(|(p, t)| (p - t).abs())
        .sum::<f64>()
        / n;
    let rmse = (predicted
        .iter()
        .zip(&target)
        .map(|(p, t)| (p - t).powi(2))
        .sum::<f64>()
        / n)
        .sqrt();
    let m = metrics(&server);
    assert!((m.must("mlg_quality", &[("metric", "mae")]) - mae).abs() < 1e-9 * mae);
    assert!((m.must("mlg_quality", &[("metric", "rmse")]) - rmse).abs() < 1e-9 * rmse);
    // RMSE about 54 against the baseline's 55: within 20 %.
    assert_eq!(m.must("mlg_quality_alert", &[]), 0.0);
    let reply = server.post("/feedback", r#"{"id": 1, "label": "high"}"#);
    assert_eq!(reply.status, 422);
    assert!(
        reply.body.contains("must be a number (the model is a regressor)"),
        "{}",
        reply.body
    );
}

#[test]
fn input_anomalies_are_counted_per_feature_and_kind() {
    let f = fixture();
    let model = Model::load(&f.penguins).unwrap();
    let server = Server::start(&f.penguins, &[]);
    let rows = rows_of(&model, "penguins.csv");
    assert_eq!(
        server
            .post("/predict", &json!({ "rows": rows }).to_string())
            .status,
        200
    );
    let m = metrics(&server);
    for feature in input_names(&model) {
        for kind in mlg_runtime::anomaly::KINDS {
            let count = m.must(
                "mlg_input_anomalies_total",
                &[("feature", &feature), ("kind", kind)],
            );
            assert_eq!(count, 0.0, "{feature} {kind}: the training rows are no anomaly");
        }
    }
    let mut odd = rows[0].clone();
    odd["island"] = json!("Atlantis");
    odd["bill_length_mm"] = json!(500.0);
    let odd_rows = vec![odd.clone(), odd];
    assert_eq!(
        server
            .post("/predict", &json!({ "rows": odd_rows }).to_string())
            .status,
        200
    );
    let m = metrics(&server);
    let count = |feature: &str, kind: &str| {
        m.must(
            "mlg_input_anomalies_total",
            &[("feature", feature), ("kind", kind)],
        )
    };
    assert_eq!(count("island", "unseen_category"), 2.0);
    assert_eq!(count("bill_length_mm", "out_of_range"), 2.0);
    assert_eq!(count("bill_depth_mm", "out_of_range"), 0.0);
}

/// Every line of the log files `path`, `path.1`, ... parsed.
fn log_lines(path: &Path) -> Vec<Value> {
    let mut files = vec![path.to_path_buf()];
    for n in 1..=5 {
        files.push(PathBuf::from(format!("{}.{n}", path.display())));
    }
    let mut lines = Vec::new();
    for file in files.iter().rev().filter(|f| f.exists()) {
        let text = std::fs::read_to_string(file).unwrap();
        for line in text.lines() {
            lines.push(serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")));
        }
    }
    lines
}

#[test]
fn the_prediction_log_holds_every_sampled_request_after_a_graceful_stop() {
    let f = fixture();
    let model = Model::load(&f.penguins).unwrap();
    let log = f.dir.join("predictions.jsonl");
    let _ = std::fs::remove_file(&log);
    let mut server = Server::start(&f.penguins, &["--log", log.to_str().unwrap()]);
    let rows = rows_of(&model, "penguins.csv");
    let mut answers = Vec::new();
    for (i, chunk) in rows[..60].chunks(20).enumerate() {
        let mut chunk = chunk.to_vec();
        chunk[0]["id"] = json!(format!("c{i}"));
        let answer = server
            .post("/predict", &json!({ "rows": chunk }).to_string())
            .json();
        answers.extend(answer["predictions"].as_array().unwrap().clone());
    }
    server.signal("TERM");
    assert!(server
        .wait_exit(Duration::from_secs(20))
        .is_some_and(|s| s.success()));
    let lines = log_lines(&log);
    assert_eq!(lines.len(), 60);
    for (r, line) in lines.iter().enumerate() {
        assert_eq!(line["mlg_prediction"], answers[r], "row {r}");
        assert_eq!(line["mlg_model"], "lr");
        assert_eq!(line["mlg_model_version"].as_str().unwrap().len(), 16);
        assert!(line["mlg_latency_ms"].as_f64().unwrap() >= 0.0);
        for name in input_names(&model) {
            assert_eq!(line[&name], rows[r][&name], "row {r}, column {name}");
        }
    }
    assert_eq!(lines[20]["mlg_id"], "c1");
    assert!(lines[21].get("mlg_id").is_none());
    // `mlg monitor` reads the log as it is; its own keys are not columns.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mlg"))
        .args([
            "monitor",
            f.penguins.to_str().unwrap(),
            "--input",
            log.to_str().unwrap(),
            "--no-fail",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout.contains("(60 rows) against the training profile"),
        "{stdout}"
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("ignored"));
}

#[test]
fn the_prediction_log_samples_requests_and_rotates_by_size() {
    let f = fixture();
    let model = Model::load(&f.iris_lr).unwrap();
    let log = f.dir.join("sampled.jsonl");
    let args = [
        "--log",
        log.to_str().unwrap(),
        "--log-sample",
        "0.5",
        "--log-max-bytes",
        "4096",
    ];
    let mut server = Server::start(&f.iris_lr, &args);
    let rows = rows_of(&model, "iris.csv");
    for row in &rows[..100] {
        assert_eq!(
            server
                .post("/predict", &json!({ "rows": [row] }).to_string())
                .status,
            200
        );
    }
    let m = metrics(&server);
    assert!(server.eventually(|| metrics(&server).must("mlg_prediction_log_rows_total", &[]) >= 40.0));
    assert_eq!(m.must("mlg_prediction_log_dropped_total", &[]), 0.0);
    server.signal("TERM");
    assert!(server
        .wait_exit(Duration::from_secs(20))
        .is_some_and(|s| s.success()));
    let lines = log_lines(&log);
    assert!(
        (45..=55).contains(&lines.len()),
        "{} of 100 requests logged at 0.5",
        lines.len()
    );
    assert!(
        PathBuf::from(format!("{}.1", log.display())).exists(),
        "rotated at 4 KiB"
    );
    assert!(std::fs::metadata(&log).unwrap().len() <= 4096);
}
