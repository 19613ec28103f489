//! Check-time warnings (issue 20, item 2): an ID column, a row number, a
//! date read as text and a categorical of many levels that reach a model are
//! named by `mlg check` with their fix, the workflow still checks, and a
//! features stage that drops a column silences its warning.

#[path = "cli_support/mod.rs"]
mod cli_support;

use cli_support::{fresh_dir, mlg, ok};
use std::path::Path;

/// 120 customers: an ID, a row number, a signup date (one of them no real
/// date, so the column stays text), one of 60 cities, a tenure and whether
/// they left.
fn write_customers(dir: &Path) {
    let mut csv = String::from("customer_id,row,signup,city,plan,tenure,left\n");
    for i in 0..120u32 {
        csv.push_str(&format!(
            "C{:05},{},2024-{:02}-{:02},city{},{},{},{}\n",
            (i * 7919) % 100_000,
            i + 1,
            if i == 50 { 2 } else { 1 + i % 12 },
            if i == 50 { 30 } else { 1 + i % 28 },
            i % 60,
            ["basic", "pro"][(i % 2) as usize],
            (i * 13) % 71,
            ["no", "yes"][usize::from(i % 3 == 0)]
        ));
    }
    std::fs::write(dir.join("data/customers.csv"), csv).unwrap();
}

const WORKFLOW: &str = "\
data customers = csv(\"data/customers.csv\", target = \"left\")
features prep = customers -> DROP one_hot(categorical) -> standardize(numeric)
model lr = logistic_regression(prep)
evaluate lr with kfold(3) metrics accuracy
";

fn check(drop: &str) -> (String, String) {
    let dir = fresh_dir("warnings");
    write_customers(&dir);
    let source = WORKFLOW.replace("DROP ", drop);
    std::fs::write(dir.join("customers.mlg"), source).unwrap();
    let out = mlg(&["check", "customers.mlg"], &dir);
    let stdout = ok(&out);
    (stdout, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn id_like_and_many_level_columns_are_warned_about_with_their_fix() {
    let (stdout, stderr) = check("");
    assert_eq!(stdout.trim(), "customers.mlg: ok (4 stages, 4 warnings)");
    insta::assert_snapshot!("check_warnings", stderr);
}

#[test]
fn a_dropped_column_is_not_warned_about() {
    let (stdout, stderr) = check("drop(cols(\"customer_id\", \"row\", \"signup\")) -> ");
    assert_eq!(
        stdout.trim(),
        "customers.mlg: ok (4 stages, 1 warning)",
        "{stderr}"
    );
    assert!(
        stderr.contains("column `city` of `customers` has 60 levels"),
        "{stderr}"
    );
    assert!(!stderr.contains("`customer_id` of"), "{stderr}");
}
