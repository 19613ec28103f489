//! Date columns end to end: ISO-8601 text read as dates (inferred, or
//! declared with `types`), `derive`'s date functions and `date_parts`, a
//! model trained on them, and the deployed artifact taking date text from CSV, JSON lines
//! and HTTP; with clear errors for a date used as a number, a date
//! function on a number, and text that is no date.

#[path = "cli_support/mod.rs"]
mod cli_support;
#[path = "serve/support.rs"]
#[allow(dead_code)]
mod support;

use cli_support::{fails, fresh_dir, mlg, ok};
use std::path::{Path, PathBuf};

/// A generated churn table: `signup` (dates with and without a time),
/// `last_seen` (date and time), `plan` and `spend`; a customer churns when
/// they signed up on a weekend or were last seen more than 200 days later
/// (the one or the other), which no model sees without the calendar.
fn write_users(dir: &Path) {
    let mut text = String::from("signup,last_seen,plan,spend,churn\n");
    let mut state = 7u64;
    let mut next = |n: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % n
    };
    // 2020-01-01 is day 18262 since the epoch.
    for i in 0..600 {
        let signup = 18_262 * 24 + next(3 * 365 * 24) as i64;
        let last = signup + next(400 * 24) as i64;
        let weekend = (signup / 24 + 3) % 7 >= 5;
        let gap = last / 24 - signup / 24;
        let churn = if weekend ^ (gap > 200) { "yes" } else { "no" };
        let date = |h: i64, time: bool| {
            let (y, m, d) = mlg_runtime::dates::civil(h as f64);
            match time {
                true => format!("{y}-{m:02}-{d:02}T{:02}:00:00", h % 24),
                false => format!("{y}-{m:02}-{d:02}"),
            }
        };
        let plan = if next(2) == 0 { "basic" } else { "pro" };
        text.push_str(&format!(
            "{},{},{plan},{}.5,{churn}\n",
            date(signup, i % 3 != 0),
            date(last, true).replace('T', " "),
            10 + next(90)
        ));
    }
    std::fs::write(dir.join("users.csv"), text).unwrap();
}

const FEATURES: &str = "features f = users\n\
  -> derive(\n\
       signup_weekday = \"weekday(signup)\",\n\
       signup_month = \"month(signup)\",\n\
       gap = \"days_between(signup, last_seen)\",\n\
       seen = \"epoch(last_seen)\",\n\
     )\n\
  -> drop(cols(\"signup\", \"last_seen\"))\n\
  -> one_hot(categorical)\n";

fn workspace(source: &str) -> PathBuf {
    let dir = fresh_dir("dates");
    write_users(&dir);
    std::fs::write(dir.join("dates.mlg"), source).unwrap();
    dir
}

#[test]
fn date_features_train_deploy_and_predict_from_text() {
    let dir = workspace(&format!(
        "data users = csv(\"users.csv\", target = \"churn\")\n{FEATURES}\
         model gb = gradient_boosting_classifier(f, rounds = 50)\n\
         features parts = users -> date_parts() -> one_hot(categorical)\n\
         model by_parts = gradient_boosting_classifier(parts, rounds = 50)\n\
         model plain = gradient_boosting_classifier(f2, rounds = 50)\n\
         features f2 = users -> drop(cols(\"signup\", \"last_seen\")) -> one_hot(categorical)\n\
         evaluate gb, plain, by_parts with kfold(5, seed = 0) metrics accuracy\n\
         deploy gb to \"gb.mlgc\"\n"
    ));
    let explained = ok(&mlg(
        &["explain", "dates.mlg", "--stage", "optimized", "--model", "gb"],
        &dir,
    ));
    assert!(explained.contains("input 0 \"signup\": date"), "{explained}");
    assert!(explained.contains("= floor "), "{explained}");
    let report = dir.join("report.json");
    ok(&mlg(
        &[
            "run",
            "dates.mlg",
            "--quiet",
            "--no-tracking",
            "--report",
            report.to_str().unwrap(),
        ],
        &dir,
    ));
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let accuracy = |model: &str| {
        report["evaluations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["model"] == model)
            .unwrap()["metrics"]["accuracy"]["mean"]
            .as_f64()
            .unwrap()
    };
    assert!(
        accuracy("gb") > 0.95,
        "the calendar gives the rule: {}",
        accuracy("gb")
    );
    assert!(
        accuracy("plain") < 0.7,
        "without dates it is a guess: {}",
        accuracy("plain")
    );
    // date_parts gives the weekday (half the rule), not the days between.
    let by_parts = accuracy("by_parts");
    assert!(
        by_parts > accuracy("plain") + 0.1 && by_parts < accuracy("gb"),
        "{by_parts}"
    );

    // The compiled calendar on date text predicts the training rows as
    // they were learned.
    let csv = ok(&mlg(&["predict", "gb.mlgc", "--input", "users.csv"], &dir));
    let truth = std::fs::read_to_string(dir.join("users.csv")).unwrap();
    let right = csv
        .lines()
        .skip(1)
        .zip(truth.lines().skip(1))
        .filter(|(p, t)| t.ends_with(&format!(",{p}")))
        .count();
    assert!(right >= 590, "{right} of 600");
    std::fs::write(
        dir.join("one.jsonl"),
        "{\"signup\": \"2021-03-06T10:00:00+02:00\", \"last_seen\": \"2021-04-01\", \"plan\": \"pro\", \"spend\": 10}\n\
         {\"signup\": \"2021-03-08\", \"last_seen\": \"2021-04-01 08:00\", \"plan\": \"pro\", \"spend\": 10}\n",
    )
    .unwrap();
    // A Saturday signup seen soon after churns; a Monday one does not.
    let jsonl = ok(&mlg(&["predict", "gb.mlgc", "--input", "one.jsonl"], &dir));
    assert_eq!(jsonl.lines().collect::<Vec<_>>(), ["prediction", "yes", "no"]);

    std::fs::write(
        dir.join("bad.csv"),
        "signup,last_seen,plan,spend\n2021-01-01,2021-02-30,pro,3\n",
    )
    .unwrap();
    let err = fails(&mlg(&["predict", "gb.mlgc", "--input", "bad.csv"], &dir));
    assert!(
        err.contains("column `last_seen` must hold ISO-8601 dates")
            && err.contains("row 1 holds `2021-02-30`"),
        "{err}"
    );

    let server = support::Server::start(&dir.join("gb.mlgc"), &[]);
    let reply = server.post(
        "/predict",
        r#"{"rows": [{"signup": "2021-03-06T10:00", "last_seen": "2021-04-01", "plan": "pro", "spend": 10}]}"#,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.contains("\"yes\""), "{}", reply.body);
    let reply = server.post(
        "/predict",
        r#"{"rows": [{"signup": 1614988800, "last_seen": "2021-04-01", "plan": "pro", "spend": 10}]}"#,
    );
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert!(reply.body.contains("column `signup` is a date"), "{}", reply.body);
    let model = server.get("/model");
    assert!(model.body.contains(r#""kind":"date""#), "{}", model.body);
}

#[test]
fn dates_misused_are_check_errors_and_types_declare_them() {
    let dir = workspace(
        "data users = csv(\"users.csv\", target = \"churn\", types = { signup = \"date\" })\n\
         features f = users -> derive(a = \"signup + 1\", b = \"year(spend)\", c = \"month(signup * 2)\")\n\
         features g = users -> one_hot(categorical)\n\
         model m = logistic_regression(g)\n\
         features p = users -> date_parts(cols(\"spend\"))\n",
    );
    let err = fails(&mlg(&["check", "dates.mlg"], &dir));
    for expected in [
        "`signup` is a date, not a number",
        "`year` takes a date column, but `spend` is numeric",
        "`month` takes a date column, but this is an expression",
        "model `m` needs numeric features, but `signup`, `last_seen` are dates",
        "`date_parts` needs date columns, but `spend` is numeric",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
}
