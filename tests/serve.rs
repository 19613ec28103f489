//! `mlg serve` end to end, through the `mlg` binary and a real HTTP client: every
//! endpoint, predictions equal to `Model::predict` in the row and columnar
//! forms, each bad-request status, `/metrics` against the requests made, reload
//! under load (HTTP with the admin token, and SIGHUP), drift alerts, and
//! graceful shutdown on SIGTERM. `serve/limits.rs` holds the hardening tests:
//! timeouts, the connection limit, `/reload` auth, shutdown deadlines and flag
//! validation.

#[path = "cli_support/mod.rs"]
mod cli_support;
#[path = "serve/exposition.rs"]
mod exposition;
#[path = "serve/limits.rs"]
mod limits;
#[path = "serve/quality.rs"]
mod quality;
#[path = "serve/support.rs"]
mod support;

use exposition::Metrics;
use mlg_runtime::{Model, Predictions};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use support::{data_frame, fixture, input_names, json_row, token_file, Server, TOKEN};

/// The iris rows as JSON row objects, and the frame they came from.
fn iris_rows(model: &Model) -> (Vec<Value>, mlg_runtime::Frame) {
    let frame = data_frame(model, "iris.csv");
    let names = input_names(model);
    let rows = (0..frame.n_rows).map(|r| json_row(&frame, &names, r)).collect();
    (rows, frame)
}

/// Asserts a `/predict` answer equals `expected` row for row: labels (or
/// values) and probabilities, to the last bit of the `f32`.
fn assert_same(answer: &Value, expected: &Predictions) {
    let predictions = answer["predictions"].as_array().expect("predictions");
    assert_eq!(predictions.len(), expected.n_rows);
    for (r, prediction) in predictions.iter().enumerate() {
        let row = expected.row(r).unwrap();
        if expected.is_classification() {
            assert_eq!(
                prediction.as_str(),
                Some(expected.prediction_text(r).as_str()),
                "row {r}"
            );
            let probabilities: Vec<f32> = answer["probabilities"][r]
                .as_array()
                .expect("a probability row")
                .iter()
                .map(|p| p.as_f64().unwrap() as f32)
                .collect();
            assert_eq!(probabilities, row[1..], "row {r}");
        } else {
            assert_eq!(prediction.as_f64().map(|v| v as f32), Some(row[0]), "row {r}");
        }
    }
    if expected.is_classification() {
        assert_eq!(answer["classes"], json!(expected.classes));
    } else {
        assert!(answer.get("probabilities").is_none());
    }
}

fn metrics(server: &Server) -> Metrics {
    let reply = server.get("/metrics");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type, "text/plain; version=0.0.4; charset=utf-8");
    Metrics::parse(reply.body)
}

#[test]
fn endpoints_answer_and_predictions_equal_the_model() {
    let f = fixture();
    let model = Model::load(&f.penguins).unwrap();
    let server = Server::start(&f.penguins, &[]);

    let health = server.get("/health");
    assert_eq!(
        (health.status, health.content_type.as_str()),
        (200, "application/json")
    );
    assert_eq!(health.json(), json!({"status": "ok", "model": "lr"}));

    let described = server.get("/model").json();
    assert_eq!(described["name"], "lr");
    assert_eq!(described["task"], "classification");
    assert_eq!(described["classes"], json!(model.classes()));
    assert_eq!(described["mlg_version"], model.artifact().mlg_version);
    let inputs = described["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), model.inputs().len());
    let island = inputs
        .iter()
        .find(|i| i["name"] == "island")
        .expect("island is an input");
    assert_eq!(island["kind"], "categorical");
    assert!(island["levels"].as_array().unwrap().contains(&json!("Torgersen")));
    assert_eq!(
        inputs.iter().find(|i| i["name"] == "bill_length_mm").unwrap()["kind"],
        "numeric"
    );
    assert!(described["lineage"].is_object());
    assert_eq!(described["monitor"]["source"], "default");

    // Every data row (missing values as null), as rows and as columns.
    let frame = data_frame(&model, "penguins.csv");
    let expected = model.predict(&frame).unwrap();
    let names = input_names(&model);
    let rows: Vec<Value> = (0..frame.n_rows).map(|r| json_row(&frame, &names, r)).collect();
    assert!(rows
        .iter()
        .any(|r| r.as_object().unwrap().values().any(Value::is_null)));
    let reply = server.post("/predict", &json!({ "rows": rows }).to_string());
    assert_eq!(
        (reply.status, reply.content_type.as_str()),
        (200, "application/json")
    );
    assert_same(&reply.json(), &expected);

    let mut columns = serde_json::Map::new();
    for name in &names {
        columns.insert(name.clone(), rows.iter().map(|r| r[name].clone()).collect());
    }
    let reply = server.post("/predict", &json!({ "columns": columns }).to_string());
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_same(&reply.json(), &expected);

    // One row at a time takes the single-row path.
    for r in [0, 3, 200] {
        let reply = server.post("/predict", &json!({ "rows": [rows[r]] }).to_string());
        assert_same(&reply.json(), &model.predict(&frame.take(&[r])).unwrap());
    }

    // An unseen level is predicted like `Model::predict` predicts it.
    let mut unseen = rows[0].clone();
    unseen["island"] = json!("Atlantis");
    let reply = server.post("/predict", &json!({ "rows": [unseen] }).to_string());
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["predictions"].as_array().unwrap().len(), 1);

    let empty = server.post("/predict", r#"{"rows": []}"#).json();
    assert_eq!(empty["predictions"], json!([]));
}

#[test]
fn a_regressor_answers_values() {
    let f = fixture();
    let model = Model::load(&f.diabetes).unwrap();
    let server = Server::start(&f.diabetes, &[]);
    let frame = data_frame(&model, "diabetes.csv").take(&(0..40).collect::<Vec<_>>());
    let names = input_names(&model);
    let rows: Vec<Value> = (0..frame.n_rows).map(|r| json_row(&frame, &names, r)).collect();
    let reply = server.post("/predict", &json!({ "rows": rows }).to_string());
    assert_same(&reply.json(), &model.predict(&frame).unwrap());
    let m = metrics(&server);
    assert_eq!(m.must("mlg_prediction_value_count", &[]), 40.0);
    assert_eq!(m.buckets("mlg_prediction_value", &[]).last().unwrap().1, 40.0);
    assert!(m.by_label("mlg_predictions_total", "class").is_empty());
}

#[test]
fn bad_requests_get_json_errors_and_the_server_stays_up() {
    let f = fixture();
    let server = Server::start(&f.penguins, &["--max-body", "4096", "--strict-columns"]);
    let model = Model::load(&f.penguins).unwrap();
    let frame = data_frame(&model, "penguins.csv");
    let good = json_row(&frame, &input_names(&model), 0);
    // The good row, then a copy with `key` set to `value` (removed for null).
    let with = |key: &str, value: Value| {
        let mut row = good.clone();
        match value {
            Value::Null => {
                row.as_object_mut().unwrap().remove(key);
            }
            v => row[key] = v,
        }
        json!({ "rows": [good, row] }).to_string()
    };
    let too_large = format!("{{\"rows\": [{}]}}", vec![good.to_string(); 40].join(","));
    let mismatched = json!({"columns": {"island": ["Dream"], "bill_length_mm": [1.0, 2.0]}}).to_string();
    let cases: Vec<(String, u16, Option<&str>)> = vec![
        ("{\"rows\": [".into(), 400, None),
        ("not json".into(), 400, None),
        ("{\"row\": []}".into(), 400, None),
        ("{\"rows\": {}}".into(), 400, None),
        (with("flipper_colour", json!(1)), 422, Some("flipper_colour")),
        (with("sex", Value::Null), 422, Some("sex")),
        (with("bill_length_mm", json!("long")), 422, Some("bill_length_mm")),
        (with("island", json!(3)), 422, Some("island")),
        (with("year", json!([2007])), 422, Some("year")),
        (mismatched, 422, Some("bill_length_mm")),
        (too_large, 413, None),
    ];
    for (body, status, column) in cases {
        let reply = server.post("/predict", &body);
        assert_eq!(reply.status, status, "{body}: {}", reply.body);
        assert_eq!(reply.content_type, "application/json");
        let error = reply.json()["error"]
            .as_str()
            .expect("an error message")
            .to_string();
        if let Some(column) = column {
            assert!(error.contains(&format!("`{column}`")), "{error}");
        }
    }
    for (method, path, status) in [
        ("GET", "/nowhere", 404),
        ("GET", "/predict", 405),
        ("POST", "/health", 405),
    ] {
        let reply = if method == "GET" {
            server.get(path)
        } else {
            server.post(path, "{}")
        };
        assert_eq!(reply.status, status, "{method} {path}");
        assert!(reply.json()["error"].is_string());
    }
    assert_eq!(server.get("/health").status, 200);
    let m = metrics(&server);
    assert_eq!(
        m.must(
            "mlg_requests_total",
            &[("endpoint", "predict"), ("status", "422")]
        ),
        6.0
    );
    assert_eq!(
        m.must(
            "mlg_requests_total",
            &[("endpoint", "predict"), ("status", "413")]
        ),
        1.0
    );
    assert_eq!(
        m.must("mlg_requests_total", &[("endpoint", "other"), ("status", "404")]),
        1.0
    );
}

#[test]
fn extra_columns_are_ignored_and_listed_unless_strict_columns() {
    let f = fixture();
    let model = Model::load(&f.iris_lr).unwrap();
    let (rows, _) = iris_rows(&model);
    let mut row = rows[0].clone();
    row["customer_id"] = json!("c-17");
    let body = json!({ "rows": [rows[0], row] }).to_string();
    let server = Server::start(&f.iris_lr, &[]);
    let reply = server.post("/predict", &body);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let answer = reply.json();
    assert_eq!(answer["ignored_columns"], json!(["customer_id"]));
    let predictions = answer["predictions"].as_array().unwrap();
    assert_eq!(predictions[0], predictions[1], "the extra column changes nothing");
    let plain = server
        .post("/predict", &json!({ "rows": [rows[0]] }).to_string())
        .json();
    assert!(plain.get("ignored_columns").is_none(), "{plain}");
    drop(server);
    let strict = Server::start(&f.iris_lr, &["--strict-columns"]);
    let reply = strict.post("/predict", &body);
    assert_eq!(reply.status, 422, "{}", reply.body);
    let error = reply.json()["error"].as_str().unwrap().to_string();
    assert!(
        error.contains("unknown column `customer_id`") && error.contains("--strict-columns"),
        "{error}"
    );
}

#[test]
fn metrics_count_the_requests_made() {
    let f = fixture();
    let model = Model::load(&f.iris_lr).unwrap();
    let server = Server::start(&f.iris_lr, &[]);
    let (rows, frame) = iris_rows(&model);
    for row in &rows[..7] {
        assert_eq!(
            server
                .post("/predict", &json!({ "rows": [row] }).to_string())
                .status,
            200
        );
    }
    assert_eq!(
        server
            .post("/predict", &json!({ "rows": rows[..30] }).to_string())
            .status,
        200
    );
    assert_eq!(server.post("/predict", "{").status, 400);
    for _ in 0..3 {
        server.get("/health");
    }
    server.get("/model");

    let m = metrics(&server);
    let count = |endpoint: &str, status: &str| {
        m.value(
            "mlg_requests_total",
            &[("endpoint", endpoint), ("status", status)],
        )
    };
    assert_eq!(count("predict", "200"), Some(8.0));
    assert_eq!(count("predict", "400"), Some(1.0));
    assert_eq!(count("health", "200"), Some(3.0));
    assert_eq!(count("model", "200"), Some(1.0));
    assert_eq!(count("metrics", "200"), None, "a scrape is counted once answered");
    let latency = m.buckets("mlg_request_duration_seconds", &[("endpoint", "predict")]);
    assert_eq!(latency.last().unwrap(), &(f64::INFINITY, 9.0));
    assert_eq!(
        m.must("mlg_request_duration_seconds_count", &[("endpoint", "predict")]),
        9.0
    );
    assert_eq!(m.must("mlg_batch_rows_count", &[]), 8.0);
    assert_eq!(m.must("mlg_batch_rows_sum", &[]), 37.0);
    assert_eq!(m.buckets("mlg_batch_rows", &[])[0], (1.0, 7.0));

    let expected = model
        .predict(&frame.take(&(0..30).chain(0..7).collect::<Vec<_>>()))
        .unwrap();
    let by_class = m.by_label("mlg_predictions_total", "class");
    assert_eq!(
        by_class.keys().collect::<Vec<_>>(),
        model.classes().iter().collect::<Vec<_>>()
    );
    for (class, count) in &by_class {
        let want = (0..expected.n_rows)
            .filter(|&r| expected.prediction_text(r) == *class)
            .count();
        assert_eq!(*count, want as f64, "class {class}");
    }
    assert_eq!(m.must("mlg_model_reloads_total", &[]), 0.0);
    assert_eq!(
        m.must(
            "mlg_model_info",
            &[("name", "lr"), ("version", env!("CARGO_PKG_VERSION"))]
        ),
        1.0
    );
    assert_eq!(m.must("mlg_drift_alert", &[]), 0.0);
    assert_eq!(m.by_label("mlg_drift_psi", "feature").len(), 4);
    assert_eq!(m.by_label("mlg_drift_ks", "feature").len(), 4);

    let again = metrics(&server);
    assert_eq!(
        again.value(
            "mlg_requests_total",
            &[("endpoint", "metrics"), ("status", "200")]
        ),
        Some(1.0)
    );
}

#[test]
fn reload_under_load_swaps_models_without_a_failed_request() {
    let f = fixture();
    let lr = Model::load(&f.iris_lr).unwrap();
    let weak = Model::load(&f.iris_weak).unwrap();
    let (rows, frame) = iris_rows(&lr);
    let lr_out = lr.predict(&frame).unwrap();
    let weak_out = weak.predict(&frame).unwrap();
    assert_ne!(lr_out.values, weak_out.values, "the two models must differ");
    let served = f.dir.join(format!("served-{}.mlgc", std::process::id()));
    std::fs::copy(&f.iris_lr, &served).unwrap();
    let token_file = token_file().to_str().unwrap().to_string();
    let server = Arc::new(Server::start(&served, &["--admin-token-file", &token_file]));

    let stop = Arc::new(AtomicBool::new(false));
    let (ok, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let rows = Arc::new(rows);
    let clients: Vec<_> = (0..4)
        .map(|t| {
            let (server, stop, ok, failed, rows) = (
                server.clone(),
                stop.clone(),
                ok.clone(),
                failed.clone(),
                rows.clone(),
            );
            let (lr_probas, weak_probas) = (lr_out.values.clone(), weak_out.values.clone());
            std::thread::spawn(move || {
                let mut r = t * 37;
                while !stop.load(Ordering::Relaxed) {
                    r = (r + 1) % rows.len();
                    let reply = server.try_post("/predict", &json!({ "rows": [rows[r]] }).to_string());
                    let good = reply.is_ok_and(|reply| {
                        if reply.status != 200 {
                            return false;
                        }
                        let p = &reply.json()["probabilities"][0];
                        let p: Vec<f32> = p
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|v| v.as_f64().unwrap() as f32)
                            .collect();
                        p == lr_probas[r * 4 + 1..r * 4 + 4] || p == weak_probas[r * 4 + 1..r * 4 + 4]
                    });
                    let counter = if good { &ok } else { &failed };
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let pause = || std::thread::sleep(Duration::from_millis(300));
    pause();
    let first = server.reload(Some(TOKEN), "");
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.json()["reloads"], 1);
    assert_eq!(first.json()["model"], "lr");
    pause();
    // A reload loads the configured file again: replace its contents.
    std::fs::copy(&f.iris_weak, &served).unwrap();
    let second = server.reload(Some(TOKEN), "");
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(second.json()["model"], "weak");
    pause();
    stop.store(true, Ordering::Relaxed);
    clients.into_iter().for_each(|c| c.join().unwrap());
    assert_eq!(
        failed.load(Ordering::Relaxed),
        0,
        "failed requests during reloads"
    );
    assert!(ok.load(Ordering::Relaxed) > 20, "too few requests: {ok:?}");

    let all = json!({ "rows": *rows }).to_string();
    assert_same(&server.post("/predict", &all).json(), &weak_out);
    assert_eq!(metrics(&server).must("mlg_model_reloads_total", &[]), 2.0);
    assert_eq!(server.get("/health").json()["model"], "weak");

    // A corrupt artifact is refused and the second model keeps serving.
    let mut bytes = std::fs::read(&f.iris_lr).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&served, bytes).unwrap();
    let refused = server.reload(Some(TOKEN), "");
    assert_eq!(refused.status, 500);
    assert!(
        refused.json()["error"].as_str().unwrap().contains("corrupt"),
        "{}",
        refused.body
    );
    assert_same(&server.post("/predict", &all).json(), &weak_out);
    assert_eq!(metrics(&server).must("mlg_model_reloads_total", &[]), 2.0);

    // SIGHUP loads the configured file again: point it back at the first model.
    std::fs::copy(&f.iris_lr, &served).unwrap();
    server.signal("HUP");
    assert!(
        server.eventually(|| server.get("/health").json()["model"] == "lr"),
        "SIGHUP did not reload"
    );
    assert_same(&server.post("/predict", &all).json(), &lr_out);
    assert_eq!(metrics(&server).must("mlg_model_reloads_total", &[]), 3.0);
}

#[test]
fn drift_alerts_on_shifted_rows_only() {
    let f = fixture();
    let model = Model::load(&f.iris_lr).unwrap();
    let server = Server::start(&f.iris_lr, &[]);
    let (rows, _) = iris_rows(&model);

    assert_eq!(
        server
            .post("/predict", &json!({ "rows": rows }).to_string())
            .status,
        200
    );
    let m = metrics(&server);
    assert_eq!(m.must("mlg_drift_window_rows", &[]), 150.0);
    assert_eq!(m.must("mlg_drift_alert", &[]), 0.0);
    for (feature, psi) in m.by_label("mlg_drift_psi", "feature") {
        assert!(psi < 0.05, "{feature}: PSI {psi} on the training rows");
    }
    assert!(
        server.events("drift_alert").is_empty(),
        "{:?}",
        server.stderr_lines()
    );

    let shifted: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r["petal_length_cm"] = json!(r["petal_length_cm"].as_f64().unwrap() + 4.0);
            r
        })
        .collect();
    assert_eq!(
        server
            .post("/predict", &json!({ "rows": shifted }).to_string())
            .status,
        200
    );
    let m = metrics(&server);
    assert_eq!(m.must("mlg_drift_alert", &[]), 1.0);
    assert!(m.must("mlg_drift_psi", &[("feature", "petal_length_cm")]) > 0.2);
    assert!(m.must("mlg_drift_psi", &[("feature", "sepal_width_cm")]) < 0.05);
    assert!(server.eventually(|| !server.events("drift_alert").is_empty()));
    let alerts = server.events("drift_alert");
    assert_eq!(alerts.len(), 1, "one line per feature turning on: {alerts:?}");
    let alert = &alerts[0];
    assert_eq!(alert["level"], "warn");
    assert_eq!(alert["feature"], "petal_length_cm");
    assert!(alert["psi"].as_f64().unwrap() > 0.2);
    assert!(alert["ks"].as_f64().is_some());
    assert_eq!(alert["window"], 1000);
}

#[test]
fn sigterm_finishes_the_request_in_flight_then_exits_0() {
    let f = fixture();
    let model = Model::load(&f.iris_lr).unwrap();
    let mut server = Server::start(&f.iris_lr, &[]);
    let (rows, _) = iris_rows(&model);
    let body = json!({ "rows": [rows[0]] }).to_string();
    let mut stream = std::net::TcpStream::connect(server.addr()).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let head = format!(
        "POST /predict HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let (start, rest) = body.split_at(body.len() / 2);
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(start.as_bytes()).unwrap();
    // Give the server time to accept the connection and read the request head.
    std::thread::sleep(Duration::from_millis(500));
    server.signal("TERM");
    assert!(server.eventually(|| !server.events("shutdown").is_empty()));
    stream.write_all(rest.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"predictions\":[\""), "{answer}");
    let status = server
        .wait_exit(Duration::from_secs(20))
        .expect("the server exits");
    assert_eq!(status.code(), Some(0), "{:?}", server.stderr_lines());
}

#[test]
fn rows_the_model_cannot_predict_are_never_a_class() {
    let f = fixture();
    // Iris has no imputation: a missing value makes the row unpredictable,
    // and /model says so per input.
    let server = Server::start(&f.iris_lr, &[]);
    let description = server.get("/model").json();
    let inputs = description["inputs"].as_array().unwrap();
    assert!(inputs.iter().all(|i| i["missing"] == "refused"), "{description}");
    let penguins = Server::start(&f.penguins, &[]);
    let description = penguins.get("/model").json();
    let inputs = description["inputs"].as_array().unwrap();
    assert!(inputs.iter().all(|i| i["missing"] == "imputed"), "{description}");
    let model = Model::load(&f.iris_lr).unwrap();
    let (rows, _) = iris_rows(&model);
    let mut missing = rows[1].clone();
    missing["petal_length_cm"] = Value::Null;
    let body = json!({ "rows": [rows[0], missing, rows[2]] }).to_string();

    let reply = server.post("/predict", &body);
    assert_eq!(reply.status, 422, "{}", reply.body);
    let error = reply.json()["error"].as_str().unwrap().to_string();
    assert!(error.contains("1 of 3 rows cannot be predicted"), "{error}");
    assert!(
        error.contains("row 1: column `petal_length_cm` is missing and the model has no imputation"),
        "{error}"
    );

    let reply = server.post("/predict?on_invalid=null", &body);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let answer = reply.json();
    let predictions = answer["predictions"].as_array().unwrap();
    assert!(
        predictions[0].is_string() && predictions[2].is_string(),
        "{answer}"
    );
    assert!(predictions[1].is_null(), "{answer}");
    assert!(answer["probabilities"][1]
        .as_array()
        .unwrap()
        .iter()
        .all(Value::is_null));
    assert_eq!(answer["invalid"][0]["row"], json!(1));
    assert!(answer["invalid"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("`petal_length_cm`"));
    // A fully valid batch has no `invalid` key.
    let valid = json!({ "rows": [rows[0]] }).to_string();
    assert!(server
        .post("/predict?on_invalid=null", &valid)
        .json()
        .get("invalid")
        .is_none());

    for query in ["on_invalid=skip", "on_invalid=maybe", "explain=true"] {
        let reply = server.post(&format!("/predict?{query}"), &valid);
        assert_eq!(reply.status, 400, "{query}: {}", reply.body);
    }

    // Numbers beyond f32 are refused by name, not turned into infinity.
    let mut huge = rows[0].clone();
    huge["sepal_width_cm"] = json!(1e39);
    let reply = server.post("/predict", &json!({ "rows": [huge] }).to_string());
    assert_eq!(reply.status, 422, "{}", reply.body);
    let error = reply.json()["error"].as_str().unwrap().to_string();
    assert!(
        error.contains("`sepal_width_cm`") && error.contains("1e39"),
        "{error}"
    );
}
