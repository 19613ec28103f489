//! The run report: a table for the terminal and JSON for machines (see
//! `docs/report.md`).

use crate::executor::evaluate::Evaluation;
use crate::executor::RunOutput;
use serde::Serialize;

/// The JSON report of one `mlg run`.
#[derive(Clone, Debug, Serialize)]
pub struct Report<'a> {
    pub workflow: &'a str,
    pub mlg_version: &'static str,
    pub evaluations: &'a [Evaluation],
    pub artifacts: Vec<String>,
    pub profiles: Vec<String>,
}

impl<'a> Report<'a> {
    /// The report of `out` for the workflow file `workflow`.
    pub fn new(workflow: &'a str, out: &'a RunOutput) -> Report<'a> {
        Report {
            workflow,
            mlg_version: env!("CARGO_PKG_VERSION"),
            evaluations: &out.evaluations,
            artifacts: out.artifacts.iter().map(|p| p.display().to_string()).collect(),
            profiles: out.profiles.iter().map(|p| p.display().to_string()).collect(),
        }
    }

    /// Pretty JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

/// The results table: one row per evaluated model, one column per metric
/// (`mean ± std`), then the mean fit time per fold.
pub fn table(evaluations: &[Evaluation]) -> String {
    let mut metrics: Vec<&str> = Vec::new();
    for e in evaluations {
        for m in e.metrics.keys() {
            if !metrics.contains(&m.as_str()) {
                metrics.push(m);
            }
        }
    }
    let mut header: Vec<String> = vec!["model".into(), "operator".into(), "method".into()];
    header.extend(metrics.iter().map(|m| m.to_string()));
    header.push("fit s/fold".into());
    let mut rows = vec![header];
    for e in evaluations {
        let mut row = vec![e.model.clone(), e.operator.clone(), e.method.clone()];
        for m in &metrics {
            row.push(match e.metrics.get(*m) {
                Some(s) => format!("{:.4} ± {:.4}", s.mean, s.std),
                None => "-".into(),
            });
        }
        row.push(format!("{:.4}", e.fit_seconds));
        rows.push(row);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (n, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
        if n == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            out.push_str(&rule.join("  "));
            out.push('\n');
        }
    }
    out
}
