//! The run report: tables for the terminal, JSON for machines (see
//! `docs/report.md`); [`crate::report_html`] renders the HTML page.

use crate::executor::evaluate::Evaluation;
use crate::executor::rank::by_rank;
use crate::executor::{RunOutput, Search, Selection};
use serde::Serialize;

/// The JSON report of one `mlg run`.
#[derive(Clone, Debug, Serialize)]
pub struct Report<'a> {
    /// The `.mlg` file as given.
    pub workflow: &'a str,
    /// The version of mlg that ran it.
    pub mlg_version: &'static str,
    /// Every evaluation, in statement order.
    pub evaluations: &'a [Evaluation],
    /// Every selection, in the order they ran.
    pub selections: &'a [Selection],
    /// Every search, in the order they ran.
    pub searches: &'a [Search],
    /// Paths of the artifacts written.
    pub artifacts: Vec<String>,
    /// Paths of the profile pages written.
    pub profiles: Vec<String>,
}

impl<'a> Report<'a> {
    /// The report of `out` for the workflow file `workflow`.
    pub fn new(workflow: &'a str, out: &'a RunOutput) -> Report<'a> {
        Report {
            workflow,
            mlg_version: env!("CARGO_PKG_VERSION"),
            evaluations: &out.evaluations,
            selections: &out.selections,
            searches: &out.searches,
            artifacts: out.artifacts.iter().map(|p| p.display().to_string()).collect(),
            profiles: out.profiles.iter().map(|p| p.display().to_string()).collect(),
        }
    }

    /// Pretty JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

/// Consecutive runs of evaluations from the same statement.
pub fn statements(evaluations: &[Evaluation]) -> Vec<&[Evaluation]> {
    let mut groups = Vec::new();
    let mut start = 0;
    for i in 1..=evaluations.len() {
        if i == evaluations.len() || evaluations[i].statement != evaluations[start].statement {
            if i > start {
                groups.push(&evaluations[start..i]);
            }
            start = i;
        }
    }
    groups
}

/// How a metric ranks, for headings.
pub fn direction(metric: &str) -> &'static str {
    if mlg_stdlib::metrics::higher_is_better(metric) {
        "higher is better"
    } else {
        "lower is better"
    }
}

/// The results tables: per statement, a heading naming the ranking metric,
/// then one row per model in rank order (`*` marks the best) with every
/// metric as `mean ± std` — or `estimate (mean ± std)` when the method's
/// estimate differs from the mean — and the mean fit time per split.
pub fn table(evaluations: &[Evaluation]) -> String {
    let mut out = String::new();
    for (n, group) in statements(evaluations).into_iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        out.push_str(&format!(
            "{}: {}, ranked by {} ({})\n",
            group[0].statement,
            group[0].method,
            group[0].ranked_by,
            direction(&group[0].ranked_by)
        ));
        out.push_str(&group_table(group));
    }
    out
}

fn group_table(group: &[Evaluation]) -> String {
    let mut metrics: Vec<&str> = Vec::new();
    for e in group {
        for m in std::iter::once(&e.ranked_by).chain(e.metrics.keys()) {
            if !metrics.contains(&m.as_str()) {
                metrics.push(m);
            }
        }
    }
    let mut header: Vec<String> = ["rank", "model", "operator"].map(String::from).to_vec();
    header.extend(metrics.iter().map(|m| m.to_string()));
    header.push("fit s/fold".into());
    let mut rows = vec![header];
    for i in by_rank(group) {
        let e = &group[i];
        let marker = if e.best { " *" } else { "" };
        let model = match &e.selected {
            Some(chosen) => format!("{} = {chosen}", e.model),
            None => e.model.clone(),
        };
        let mut row = vec![format!("{}{marker}", e.rank), model, e.operator.clone()];
        for m in &metrics {
            row.push(match e.metrics.get(*m) {
                Some(s) if s.resubstitution.is_some() => {
                    format!("{:.4} ({:.4} ± {:.4})", s.estimate, s.mean, s.std)
                }
                Some(s) => format!("{:.4} ± {:.4}", s.mean, s.std),
                None => "-".into(),
            });
        }
        row.push(format!("{:.4}", e.fit_seconds));
        rows.push(row);
    }
    let mut out = align(&rows, true);
    for e in by_rank(group).into_iter().map(|i| &group[i]) {
        if let Some(cm) = &e.confusion_matrix {
            out.push_str(&format!(
                "confusion matrix of {} (rows: true, columns: predicted; summed over held-out rows)\n",
                e.model
            ));
            let mut rows = vec![std::iter::once(String::new())
                .chain(cm.labels.iter().cloned())
                .collect::<Vec<_>>()];
            for (label, counts) in cm.labels.iter().zip(&cm.counts) {
                rows.push(
                    std::iter::once(label.clone())
                        .chain(counts.iter().map(|c| c.to_string()))
                        .collect(),
                );
            }
            out.push_str(&align(&rows, false));
        }
        if !e.fit_scores.is_empty() {
            let scores: Vec<String> = e
                .fit_scores
                .iter()
                .map(|(name, s)| match name.as_str() {
                    // Counts: whole numbers unless folds differ.
                    "size_bytes" | "nonzero_weights" if s.std == 0.0 => format!("{name} {:.0}", s.mean),
                    "size_bytes" | "nonzero_weights" => format!("{name} {:.1} ± {:.1}", s.mean, s.std),
                    _ => format!("{name} {:.4} ± {:.4}", s.mean, s.std),
                })
                .collect();
            out.push_str(&format!("fit scores of {}: {}\n", e.model, scores.join(", ")));
        }
    }
    out
}

/// Left-aligned columns two spaces apart; a rule under the header when `rule`.
fn align(rows: &[Vec<String>], rule: bool) -> String {
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (n, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
        if n == 0 && rule {
            let line: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            out.push_str(&line.join("  "));
            out.push('\n');
        }
    }
    out
}

/// One line per select stage: the winner, then every candidate's estimate.
pub fn selections(selections: &[Selection]) -> String {
    let mut out = String::new();
    for s in selections {
        let scores: Vec<String> = by_rank(&s.candidates)
            .into_iter()
            .map(|i| {
                let e = &s.candidates[i];
                let score = e.ranking_score().map_or("-".to_string(), |v| format!("{v:.4}"));
                format!("{} {score}", e.model)
            })
            .collect();
        out.push_str(&format!(
            "select {}: chose {} by {} ({}, {}): {}\n",
            s.name,
            s.chosen,
            s.metric,
            direction(&s.metric),
            s.method,
            scores.join(", ")
        ));
    }
    out
}

/// A point's parameters as `k=v, ...` (`none` for a parameter left out).
fn point(params: &std::collections::BTreeMap<String, serde_json::Value>) -> String {
    let shown: Vec<String> = params
        .iter()
        .map(|(k, v)| match v {
            serde_json::Value::Null => format!("{k}=none"),
            v => format!("{k}={v}"),
        })
        .collect();
    shown.join(", ")
}

/// Per search stage: a line naming the best trial, then one line per trial
/// in enumeration order (`*` marks the best) with its parameters and score.
pub fn searches(searches: &[Search]) -> String {
    let mut out = String::new();
    for s in searches {
        out.push_str(&format!(
            "search {}: {} over {} ({}), {} trials by {} ({}, {}): best #{} {{{}}} {:.4}\n",
            s.name,
            s.strategy,
            s.base,
            s.operator,
            s.trials.len(),
            s.metric,
            direction(&s.metric),
            s.method,
            s.best_trial,
            point(&s.best_params),
            s.best_score
        ));
        for t in &s.trials {
            let marker = if t.trial == s.best_trial { " *" } else { "" };
            out.push_str(&format!(
                "  #{}{marker} {{{}}} {:.4} ± {:.4} (rank {})\n",
                t.trial,
                point(&t.params),
                t.mean,
                t.std,
                t.rank
            ));
        }
    }
    out
}
