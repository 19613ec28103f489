//! The run report: tables for the terminal, JSON for machines (see
//! `docs/report.md`); [`crate::report_html`] renders the HTML page.

pub use crate::ties::{tie_note, tied_for_best, tied_trials};
use mlg::executor::by_rank;
use mlg::executor::Evaluation;
use mlg::executor::{Distribution, RunOutput, Search, Selection};
use mlg::executor::{Objective, TrialResult};
use mlg_compiler::workflow::catalog::Catalog;
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
    /// How a job of many MPI ranks ran (absent in one process).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distributed: Option<&'a Distribution>,
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
            distributed: out.distributed.as_ref(),
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

/// ` (tied with #3, #7: the earliest trial wins)` when other trials tie with
/// the best, else nothing.
fn tie_text(s: &Search) -> String {
    let tied = tied_trials(s);
    if tied.is_empty() {
        return String::new();
    }
    let list: Vec<String> = tied.iter().map(|t| format!("#{t}")).collect();
    format!(" (tied with {}: the earliest trial wins)", list.join(", "))
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
        for m in std::iter::once(e.ranked_by.as_str()).chain(e.metric_names()) {
            if !metrics.contains(&m) {
                metrics.push(m);
            }
        }
    }
    let mut header: Vec<String> = ["rank", "model", "operator"].map(String::from).to_vec();
    header.extend(metrics.iter().map(|m| m.to_string()));
    header.push("fit s/fold".into());
    let mut rows = vec![header];
    let tied = tied_for_best(group);
    for i in by_rank(group) {
        let e = &group[i];
        let marker = match (e.best, tied.contains(&i)) {
            (true, _) => " *",
            (false, true) => " =",
            (false, false) => "",
        };
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
    if let Some(note) = tie_note(group, &tied) {
        out.push_str(&note);
        out.push('\n');
    }
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
                .map(|(name, s)| format!("{name} {}", crate::numbers::fit_score(s)))
                .collect();
            out.push_str(&format!("fit scores of {}: {}\n", e.model, scores.join(", ")));
        }
    }
    out.push_str(&crate::compression::table(group));
    for e in by_rank(group).into_iter().map(|i| &group[i]) {
        if let Some(warning) = never_predicted_warning(e) {
            out.push_str(&format!("warning: {warning}\n"));
        }
    }
    out
}

/// The warning for a classifier that never predicts some class of its
/// held-out rows, with the fix: `class_weight = "balanced"` where the
/// operator takes it. `None` when it predicts every class.
pub fn never_predicted_warning(e: &Evaluation) -> Option<String> {
    let missing = &e.never_predicted;
    if missing.is_empty() {
        return None;
    }
    let classes: Vec<String> = missing
        .iter()
        .map(|m| format!("\"{}\" ({} held-out rows)", m.label, m.rows))
        .collect();
    let weighs = mlg_stdlib::catalog::StdCatalog
        .get(&e.operator)
        .is_some_and(|spec| spec.params.iter().any(|p| p.name == "class_weight"));
    let fix = if weighs {
        format!(
            "set class_weight = \"balanced\" on {} to weigh rare classes up",
            e.model
        )
    } else {
        "a model that takes class_weight (logistic_regression, svm, the trees, forests and \
         gradient_boosting_classifier) can weigh rare classes up"
            .to_string()
    };
    Some(format!(
        "{} never predicts {} in {}; {fix}",
        e.model,
        classes.join(", "),
        e.statement
    ))
}

/// Left-aligned columns two spaces apart; a rule under the header when `rule`.
pub(crate) fn align(rows: &[Vec<String>], rule: bool) -> String {
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
        let Some(b) = &s.budget else {
            out.push_str(&format!(
                "select {}: chose {} by {} ({}, {}): {}\n",
                s.name,
                s.chosen,
                s.metric,
                direction(&s.metric),
                s.method,
                scores.join(", ")
            ));
            continue;
        };
        out.push_str(&format!(
            "budget {}: chose {}, the {} of the {} candidate(s) within {} of {}'s {} {:.4} ({}, {})\n",
            s.name,
            s.chosen,
            if b.objective == "latency" {
                "fastest"
            } else {
                "smallest"
            },
            b.within.len(),
            b.budget,
            b.base,
            s.metric,
            b.base_score,
            direction(&s.metric),
            s.method,
        ));
        out.push_str(&crate::compression::table(&s.candidates));
        for (model, why) in &b.failed {
            out.push_str(&format!("not applicable: {model}: {why}\n"));
        }
    }
    out
}

/// A point's parameters as `k=v, ...` (`none` for a parameter left out).
fn point(params: &std::collections::BTreeMap<String, serde_json::Value>) -> String {
    let shown: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", crate::numbers::param_text(v, true)))
        .collect();
    shown.join(", ")
}

/// A score for the text report: 4 decimals, `-` when not finite.
fn score(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.4}")
    } else {
        "-".into()
    }
}

/// An objective's value (`None` when not finite): sizes in whole bytes,
/// latencies to 2 decimals, metrics to 4.
pub(crate) fn objective_value(name: &str, v: f64) -> Option<String> {
    if !v.is_finite() {
        return None;
    }
    Some(match name {
        "size_bytes" => format!("{v:.0}"),
        "latency_us" => format!("{v:.2}"),
        _ => format!("{v:.4}"),
    })
}

/// A budget share to at most 3 decimals (`0.333`, `0.5`); `-` when not finite.
pub(crate) fn share(v: f64) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    let text = format!("{v:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A training cost in whole row-fits; `-` when not finite.
pub(crate) fn row_fits(cost: f64) -> String {
    if cost.is_finite() {
        format!("{cost:.0}")
    } else {
        "-".into()
    }
}

/// Whether `t` ran at the full training budget.
pub(crate) fn full_budget(t: &TrialResult) -> bool {
    t.budget >= 1.0 - 1e-9
}

/// Trials per status: `complete` always, then `pruned` and `failed` and any
/// other status (in order of appearance) when some trial has it.
pub(crate) fn status_counts(trials: &[TrialResult]) -> Vec<(String, usize)> {
    let mut counts: Vec<(String, usize)> = ["complete", "pruned", "failed"]
        .iter()
        .map(|s| (s.to_string(), 0))
        .collect();
    for t in trials {
        match counts.iter_mut().find(|(s, _)| *s == t.status) {
            Some((_, n)) => *n += 1,
            None => counts.push((t.status.clone(), 1)),
        }
    }
    counts.retain(|(s, n)| *n > 0 || s == "complete");
    counts
}

/// The objectives other than the ranking metric (shown next to the score),
/// with their index in [`Search::objectives`].
pub(crate) fn other_objectives(s: &Search) -> Vec<(usize, &Objective)> {
    s.objectives
        .iter()
        .enumerate()
        .filter(|(_, o)| o.name != s.metric)
        .collect()
}

/// Trial numbers as `#1, #3`.
pub(crate) fn trial_numbers(trials: &[usize]) -> String {
    let shown: Vec<String> = trials.iter().map(|t| format!("#{t}")).collect();
    shown.join(", ")
}

/// An error message on one line.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Per search stage: a line naming the best trial; a line with the trials
/// per status, the total cost in row-fits and, when they apply, why the
/// search stopped early and how many trials were resumed from its log; with
/// several objectives a line naming them and the Pareto front; then one line
/// per trial in trial order (`*` marks the best) with its parameters, score,
/// other objectives, and in parentheses its status when not complete, its
/// budget when below 1, its rank when ranked and whether it was resumed.
pub fn searches(searches: &[Search]) -> String {
    let mut out = String::new();
    for s in searches {
        out.push_str(&format!(
            "search {}: {} over {} ({}), {} trials by {} ({}, {}): best #{} {{{}}} {}{}\n",
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
            score(s.best_score),
            tie_text(s)
        ));
        let counts: Vec<String> = status_counts(&s.trials)
            .iter()
            .map(|(status, n)| format!("{n} {status}"))
            .collect();
        let mut summary = vec![counts.join(", "), format!("cost {} row-fits", row_fits(s.cost))];
        if let Some(stopped) = &s.stopped {
            summary.push(format!("stopped: {}", one_line(stopped)));
        }
        if s.resumed > 0 {
            summary.push(format!("{} resumed", s.resumed));
        }
        out.push_str(&format!("  {}\n", summary.join("; ")));
        if s.objectives.len() > 1 {
            let objectives: Vec<String> = s
                .objectives
                .iter()
                .map(|o| format!("{} ({})", o.name, o.direction))
                .collect();
            out.push_str(&format!(
                "  objectives: {}; Pareto front: {}\n",
                objectives.join(", "),
                if s.pareto.is_empty() {
                    "none".to_string()
                } else {
                    trial_numbers(&s.pareto)
                }
            ));
        }
        let others = other_objectives(s);
        let (trials, hidden) = shown_trials(s);
        for t in trials {
            let marker = if t.trial == s.best_trial { " *" } else { "" };
            let mut line = format!("  #{}{marker} {{{}}} ", t.trial, point(&t.params));
            if t.mean.is_finite() {
                line.push_str(&format!("{:.4} ± {}", t.mean, score(t.std)));
            } else {
                line.push('-');
            }
            for (i, o) in &others {
                if let Some(v) = t.objectives.get(*i).and_then(|v| objective_value(&o.name, *v)) {
                    line.push_str(&format!(", {} {v}", o.name));
                }
            }
            let mut notes = Vec::new();
            match (t.status.as_str(), &t.error) {
                ("complete", _) => {}
                (status, Some(error)) => notes.push(format!("{status}: {}", one_line(error))),
                (status, None) => notes.push(status.to_string()),
            }
            if !full_budget(t) {
                notes.push(format!("budget {}", share(t.budget)));
            }
            if t.rank > 0 {
                notes.push(format!("rank {}", t.rank));
            }
            if t.resumed {
                notes.push("resumed".into());
            }
            if !notes.is_empty() {
                line.push_str(&format!(" ({})", notes.join(", ")));
            }
            out.push_str(&line);
            out.push('\n');
        }
        if hidden > 0 {
            out.push_str(&format!(
                "  ... and {hidden} more trials (every trial: the trial log, `--report` and `--html`)\n"
            ));
        }
    }
    out
}

/// Most trial lines a search prints.
const TRIAL_LINES: usize = 20;

/// The trials a search prints, in trial order, and how many it leaves out:
/// all of them up to [`TRIAL_LINES`]; beyond, the best trial, the Pareto
/// front and the trials that failed, then the rest by budget (largest first)
/// and score.
fn shown_trials(s: &Search) -> (Vec<&TrialResult>, usize) {
    let mut trials: Vec<&TrialResult> = s.trials.iter().collect();
    trials.sort_by_key(|t| t.trial);
    if trials.len() <= TRIAL_LINES {
        return (trials, 0);
    }
    let higher = mlg_stdlib::metrics::higher_is_better(&s.metric);
    let mut by_score: Vec<&TrialResult> = trials.iter().copied().filter(|t| t.mean.is_finite()).collect();
    // Scores at a smaller budget (halving's early rungs) are not comparable:
    // the trials that reached the largest budget come first.
    by_score.sort_by(|a, b| {
        let order = a.mean.total_cmp(&b.mean);
        let score = if higher { order.reverse() } else { order };
        b.budget.total_cmp(&a.budget).then(score)
    });
    let best = trials.iter().copied().filter(|t| t.trial == s.best_trial);
    let pareto = trials.iter().copied().filter(|t| t.pareto);
    let failed = trials.iter().copied().filter(|t| t.status == "failed");
    let mut kept: Vec<usize> = Vec::with_capacity(TRIAL_LINES);
    for t in best.chain(pareto).chain(failed).chain(by_score) {
        if kept.len() == TRIAL_LINES {
            break;
        }
        if !kept.contains(&t.trial) {
            kept.push(t.trial);
        }
    }
    let hidden = trials.len() - kept.len();
    trials.retain(|t| kept.contains(&t.trial));
    (trials, hidden)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn trial(n: usize, params: serde_json::Value, objectives: [f64; 2]) -> TrialResult {
        let params: BTreeMap<String, serde_json::Value> = match params {
            serde_json::Value::Object(map) => map.into_iter().collect(),
            _ => BTreeMap::new(),
        };
        TrialResult {
            trial: n,
            params,
            budget: 1.0,
            mean: objectives[0],
            std: 0.01,
            objectives: objectives.to_vec(),
            status: "complete".into(),
            error: None,
            cost: 100.0,
            seconds: 0.5,
            resumed: false,
            pareto: false,
            rank: 0,
        }
    }

    /// A two-objective search (accuracy up, latency down) over six trials:
    /// #1 and #5 on the front (#5 best, resumed), #2 at a third of the
    /// budget, #3 pruned, #4 failed, #6 dominated by #1; #6's kernel is `a<b`.
    pub(crate) fn sample() -> Search {
        let mut trials = vec![
            trial(1, json!({"c": 0.1, "kernel": "rbf"}), [0.90, 100.0]),
            trial(2, json!({"c": 1.0, "kernel": "rbf"}), [0.85, 90.0]),
            trial(3, json!({"c": 10.0, "kernel": "rbf"}), [f64::NAN, f64::NAN]),
            trial(4, json!({"c": 100.0, "kernel": "poly"}), [f64::NAN, f64::NAN]),
            trial(5, json!({"c": 1.0, "kernel": null}), [0.95, 200.0]),
            trial(6, json!({"c": 0.5, "kernel": "a<b"}), [0.88, 150.0]),
        ];
        trials[0].pareto = true;
        trials[0].rank = 2;
        trials[1].budget = 1.0 / 3.0;
        trials[1].cost = 100.0 / 3.0;
        trials[2].status = "pruned".into();
        trials[2].budget = 1.0 / 3.0;
        trials[2].mean = f64::NAN;
        trials[2].std = f64::NAN;
        trials[3].status = "failed".into();
        trials[3].error = Some("the fit was rejected:\n<degree> too high".into());
        trials[3].mean = f64::NAN;
        trials[3].std = f64::NAN;
        trials[3].objectives = Vec::new();
        trials[4].pareto = true;
        trials[4].rank = 1;
        trials[4].resumed = true;
        trials[5].rank = 3;
        let best_params = trials[4].params.clone();
        Search {
            name: "tuned".into(),
            base: "svm".into(),
            operator: "svm".into(),
            strategy: "hyperband".into(),
            metric: "accuracy".into(),
            method: "kfold(k=3)".into(),
            objectives: vec![
                Objective {
                    name: "accuracy".into(),
                    direction: "maximize".into(),
                },
                Objective {
                    name: "latency_us".into(),
                    direction: "minimize".into(),
                },
            ],
            trials,
            best_trial: 5,
            best_params,
            best_score: 0.95,
            model: "tuned#5".into(),
            pareto: vec![1, 5],
            cost: 466.67,
            stopped: Some("no improvement in 3 trials".into()),
            resumed: 1,
            log: Some("out/tuned.trials.jsonl".into()),
        }
    }

    #[test]
    fn search_report_lines() {
        let text = searches(&[sample()]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3 + 6, "{text}");
        assert_eq!(
            lines[0],
            "search tuned: hyperband over svm (svm), 6 trials by accuracy (higher is better, kfold(k=3)): \
             best #5 {c=1.0, kernel=none} 0.9500"
        );
        assert_eq!(
            lines[1],
            "  4 complete, 1 pruned, 1 failed; cost 467 row-fits; stopped: no improvement in 3 trials; 1 resumed"
        );
        assert_eq!(
            lines[2],
            "  objectives: accuracy (maximize), latency_us (minimize); Pareto front: #1, #5"
        );
        assert_eq!(
            lines[3],
            "  #1 {c=0.1, kernel=\"rbf\"} 0.9000 ± 0.0100, latency_us 100.00 (rank 2)"
        );
        assert_eq!(
            lines[4],
            "  #2 {c=1.0, kernel=\"rbf\"} 0.8500 ± 0.0100, latency_us 90.00 (budget 0.333)"
        );
        assert_eq!(lines[5], "  #3 {c=10.0, kernel=\"rbf\"} - (pruned, budget 0.333)");
        assert_eq!(
            lines[6],
            "  #4 {c=100.0, kernel=\"poly\"} - (failed: the fit was rejected: <degree> too high)"
        );
        assert_eq!(
            lines[7],
            "  #5 * {c=1.0, kernel=none} 0.9500 ± 0.0100, latency_us 200.00 (rank 1, resumed)"
        );
        assert!(!text.contains("NaN"), "{text}");
    }

    #[test]
    fn single_objective_search_lines_stay_short() {
        let mut s = sample();
        s.objectives.truncate(1);
        s.pareto = vec![5];
        s.stopped = None;
        s.resumed = 0;
        for t in &mut s.trials {
            t.objectives.truncate(1);
            t.resumed = false;
        }
        let text = searches(&[s]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1], "  4 complete, 1 pruned, 1 failed; cost 467 row-fits");
        assert_eq!(lines[2], "  #1 {c=0.1, kernel=\"rbf\"} 0.9000 ± 0.0100 (rank 2)");
        assert_eq!(lines[6], "  #5 * {c=1.0, kernel=none} 0.9500 ± 0.0100 (rank 1)");
        assert_eq!(lines.len(), 2 + 6, "{text}");
    }

    #[test]
    fn status_counts_list_complete_always() {
        let mut s = sample();
        s.trials.retain(|t| t.status == "pruned");
        assert_eq!(
            status_counts(&s.trials),
            vec![("complete".to_string(), 0), ("pruned".to_string(), 1)]
        );
        assert_eq!(share(1.0 / 3.0), "0.333");
        assert_eq!(share(0.5), "0.5");
        assert_eq!(row_fits(f64::NAN), "-");
    }

    #[test]
    fn a_long_search_prints_its_best_trials_and_counts_the_rest() {
        let mut s = sample();
        s.objectives.clear();
        s.trials = (1..=30)
            .map(|n| {
                trial(
                    n,
                    json!({"learning_rate": 0.01 * n as f64 + 0.000123456}),
                    [n as f64 / 100.0, 0.0],
                )
            })
            .collect();
        s.best_trial = 30;
        let text = searches(&[s]);
        let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("  #")).collect();
        assert_eq!(lines.len(), 20, "{text}");
        // Higher accuracy is better: trials 11 to 30 are kept, best marked.
        assert!(
            lines[0].starts_with("  #11 {learning_rate=0.1101} 0.1100"),
            "{}",
            lines[0]
        );
        assert!(lines[19].starts_with("  #30 * "), "{}", lines[19]);
        assert!(text.contains("  ... and 10 more trials"), "{text}");
    }
}
