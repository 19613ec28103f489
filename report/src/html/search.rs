//! The section of a `search` stage on the evaluation page: what was searched
//! and how, the best parameters, a convergence chart (every trial's first
//! objective and the best so far), a Pareto chart when there are several
//! objectives, and the trial table. All text is escaped; values that are not
//! finite (pruned or failed trials) show as an en dash and are left out of
//! the charts.

use super::anchor;
use super::charts::PALETTE;
use super::search_charts::{convergence, pareto};
use crate::page::escape;
use crate::profile::format_number;
use crate::report::{
    direction, full_budget, objective_value, one_line, other_objectives, row_fits, share, status_counts,
    trial_numbers,
};
use mlg::executor::{Search, TrialResult};
use std::fmt::Write;

/// What a value that is not finite shows as.
const DASH: &str = "–";
/// Trials that are not the point of a chart: lower budgets, dominated ones.
pub(super) const MUTED: &str = "#bab0ac";
/// The best-so-far line and the Pareto front.
pub(super) const HIGHLIGHT: &str = PALETTE[1];
/// The ring around the best trial (the colour of the `best` badge).
pub(super) const BEST: &str = "#54a24b";

/// Styles of the search section.
pub(super) const STYLE: &str = "\
table.params td,table.params th{border-bottom:1px solid #f0f0f0;padding-right:12px}
table.trials td,table.trials th{border-bottom:1px solid #eee;padding-right:14px}
tr.pruned td,tr.failed td,tr.lower td{color:#777}
.badge.resumed{background:#e3ecf7;color:#2a5585}
.badge.failed{background:#fbe3e3;color:#a33}
.badge.pruned{background:#f0f0f0;color:#555}
table.trials .badge{margin:0 4px 0 0}
";

/// A number to 4 decimals, an en dash when not finite.
fn fixed(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.4}")
    } else {
        DASH.into()
    }
}

/// A number for a tooltip, an en dash when not finite.
pub(super) fn number(v: f64) -> String {
    if v.is_finite() {
        format_number(v)
    } else {
        DASH.into()
    }
}

/// A parameter value as shown: `none` for `null`, strings without quotes.
fn param(v: &serde_json::Value) -> String {
    crate::numbers::param_text(v, false)
}

/// A trial's value of objective `i` (its mean score without objectives).
pub(super) fn objective(t: &TrialResult, i: usize) -> f64 {
    match t.objectives.get(i) {
        Some(v) => *v,
        None if i == 0 => t.mean,
        None => f64::NAN,
    }
}

/// Whether objective `i` is maximized (the metric's direction when the
/// search lists no objectives).
pub(super) fn maximizes(s: &Search, i: usize) -> bool {
    match s.objectives.get(i) {
        Some(o) => o.direction != "minimize",
        None => mlg_stdlib::metrics::higher_is_better(&s.metric),
    }
}

/// Objective `i`'s name and direction, for axis titles.
pub(super) fn objective_title(s: &Search, i: usize) -> String {
    match s.objectives.get(i) {
        Some(o) => format!("{} ({})", o.name, o.direction),
        None => format!("{} ({})", s.metric, direction(&s.metric)),
    }
}

/// The trials in trial-number order.
pub(super) fn by_number(s: &Search) -> Vec<&TrialResult> {
    let mut trials: Vec<&TrialResult> = s.trials.iter().collect();
    trials.sort_by_key(|t| t.trial);
    trials
}

/// The section of search `s`.
pub(super) fn section(page: &mut String, s: &Search) {
    let _ = writeln!(
        page,
        "<section class=\"search\" id=\"search-{}\">\n<h2>Search <code>{}</code></h2>\n\
         <p class=\"meta\"><code>{}</code> search over <code>{}</code> ({}) under <code>{}</code>, \
         by {} ({}).</p>",
        anchor(&s.name),
        escape(&s.name),
        escape(&s.strategy),
        escape(&s.base),
        escape(&s.operator),
        escape(&s.method),
        escape(&s.metric),
        direction(&s.metric)
    );
    let counts: Vec<String> = status_counts(&s.trials)
        .iter()
        .map(|(status, n)| format!("{n} {}", escape(status)))
        .collect();
    let mut facts = vec![
        format!("{} trials: {}", s.trials.len(), counts.join(", ")),
        format!("cost {} row-fits", row_fits(s.cost)),
    ];
    if let Some(stopped) = &s.stopped {
        facts.push(format!("stopped early: {}", escape(&one_line(stopped))));
    }
    if s.resumed > 0 {
        facts.push(format!("{} resumed from the log", s.resumed));
    }
    if let Some(log) = &s.log {
        facts.push(format!("log <code>{}</code>", escape(&log.display().to_string())));
    }
    let _ = writeln!(page, "<p class=\"meta\">{}.</p>", facts.join("; "));
    if s.objectives.len() > 1 {
        let objectives: Vec<String> = s
            .objectives
            .iter()
            .map(|o| format!("{} ({})", escape(&o.name), escape(&o.direction)))
            .collect();
        let front = if s.pareto.is_empty() {
            "none".to_string()
        } else {
            trial_numbers(&s.pareto)
        };
        let _ = writeln!(
            page,
            "<p class=\"meta\">Objectives: {}; Pareto front: {front}.</p>",
            objectives.join(", ")
        );
    }
    let _ = writeln!(
        page,
        "<p class=\"meta\">Best: trial #{} (<code>{}</code>), {} <strong>{}</strong>.</p>",
        s.best_trial,
        escape(&s.model),
        escape(&s.metric),
        fixed(s.best_score)
    );
    let tied = crate::report::tied_trials(s);
    if !tied.is_empty() {
        let list: Vec<String> = tied.iter().map(|t| format!("#{t}")).collect();
        let _ = writeln!(
            page,
            "<p class=\"meta tie\">Tied with trial{} {} on {}: the earliest trial wins.</p>",
            if tied.len() == 1 { "" } else { "s" },
            list.join(", "),
            escape(&s.metric)
        );
    }
    if !s.best_params.is_empty() {
        page.push_str("<h3>Best parameters</h3>\n<table class=\"params\">\n<tbody>\n");
        for (name, value) in &s.best_params {
            let _ = writeln!(
                page,
                "<tr><th>{}</th><td>{}</td></tr>",
                escape(name),
                escape(&param(value))
            );
        }
        page.push_str("</tbody>\n</table>\n");
    }
    page.push_str("<h3>Convergence</h3>\n");
    page.push_str(&convergence(s));
    if s.objectives.len() > 1 {
        page.push_str("<h3>Pareto front</h3>\n");
        page.push_str(&pareto(s));
    }
    trial_table(page, s);
    page.push_str("</section>\n");
}

/// The trials in trial order: one column per parameter, the budget, the
/// score, the other objectives, the status and the rank; the best row
/// highlighted.
fn trial_table(page: &mut String, s: &Search) {
    let mut params: Vec<&str> = Vec::new();
    for t in &s.trials {
        for k in t.params.keys() {
            if !params.contains(&k.as_str()) {
                params.push(k);
            }
        }
    }
    params.sort_unstable();
    let others = other_objectives(s);
    page.push_str(
        "<h3>Trials</h3>\n<table class=\"ranking trials\">\n<thead><tr><th class=\"num\">Trial</th>",
    );
    for p in &params {
        let _ = write!(page, "<th>{}</th>", escape(p));
    }
    let _ = write!(
        page,
        "<th class=\"num\">Budget</th><th class=\"num\">{}</th>",
        escape(&s.metric)
    );
    for (_, o) in &others {
        let _ = write!(page, "<th class=\"num\">{}</th>", escape(&o.name));
    }
    page.push_str("<th>Status</th><th class=\"num\">Rank</th></tr></thead>\n<tbody>\n");
    let tied = crate::report::tied_trials(s);
    for t in by_number(s) {
        let best = t.trial == s.best_trial;
        let class = if best {
            "best"
        } else if tied.contains(&t.trial) {
            "tie"
        } else if t.status != "complete" {
            // Only known statuses become classes; others need no style.
            match t.status.as_str() {
                "pruned" => "pruned",
                "failed" => "failed",
                _ => "",
            }
        } else if !full_budget(t) {
            "lower"
        } else {
            ""
        };
        let class = if class.is_empty() {
            String::new()
        } else {
            format!(" class=\"{class}\"")
        };
        let _ = write!(
            page,
            "<tr{class} data-trial=\"{n}\"><td class=\"num\">{n}</td>",
            n = t.trial
        );
        for p in &params {
            let cell = t.params.get(*p).map(param).unwrap_or_default();
            let _ = write!(page, "<td>{}</td>", escape(&cell));
        }
        let score = if t.mean.is_finite() {
            format!("{:.4} ± {}", t.mean, fixed(t.std))
        } else {
            DASH.to_string()
        };
        let _ = write!(
            page,
            "<td class=\"num\">{}</td><td class=\"num\">{score}</td>",
            if t.budget.is_finite() {
                share(t.budget)
            } else {
                DASH.to_string()
            }
        );
        for (i, o) in &others {
            let value = t
                .objectives
                .get(*i)
                .and_then(|v| objective_value(&o.name, *v))
                .unwrap_or_else(|| DASH.to_string());
            let _ = write!(page, "<td class=\"num\">{value}</td>");
        }
        let mut status = match t.status.as_str() {
            "complete" => "complete".to_string(),
            status => format!("<span class=\"badge {0}\">{0}</span>", escape(status)),
        };
        if best {
            status.push_str(" <span class=\"badge best\">best</span>");
        }
        if tied.contains(&t.trial) || (best && !tied.is_empty()) {
            status.push_str(" <span class=\"badge tie\">tie</span>");
        }
        if t.resumed {
            status.push_str(" <span class=\"badge resumed\">resumed</span>");
        }
        let error = t
            .error
            .as_ref()
            .map(|e| format!(" <small>{}</small>", escape(&one_line(e))))
            .unwrap_or_default();
        let rank = if t.rank > 0 {
            t.rank.to_string()
        } else {
            DASH.to_string()
        };
        let _ = writeln!(page, "<td>{status}{error}</td><td class=\"num\">{rank}</td></tr>");
    }
    page.push_str("</tbody>\n</table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::html::search_charts::best_so_far;
    use crate::report::tests::sample;
    use mlg::executor::RunOutput;

    /// The `<svg ...>...</svg>` elements of class `class` in `page`.
    fn svgs<'a>(page: &'a str, class: &str) -> Vec<&'a str> {
        let open = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"{class}\"");
        page.match_indices(&open)
            .map(|(i, _)| {
                let end = page[i..].find("</svg>").expect("closed svg");
                &page[i..i + end]
            })
            .collect()
    }

    fn page_of(s: Search) -> String {
        let out = RunOutput {
            searches: vec![s],
            ..RunOutput::default()
        };
        super::super::render("tune.mlg", &out)
    }

    #[test]
    fn section_with_both_charts_and_the_trial_table() {
        let page = page_of(sample());
        assert!(
            page.contains("<section class=\"search\" id=\"search-tuned\">"),
            "{page}"
        );
        assert!(page.contains("<h2>Search <code>tuned</code></h2>"));
        assert!(page.contains("by accuracy (higher is better)"));
        assert!(page.contains("6 trials: 4 complete, 1 pruned, 1 failed; cost 467 row-fits"));
        assert!(page.contains("stopped early: no improvement in 3 trials; 1 resumed from the log"));
        assert!(page.contains("log <code>out/tuned.trials.jsonl</code>"));
        assert!(page.contains("Pareto front: #1, #5."));
        assert!(page.contains("<table class=\"params\">"));
        assert!(page.contains("<tr><th>kernel</th><td>none</td></tr>"));

        let convergence = svgs(&page, "chart convergence");
        assert_eq!(convergence.len(), 1);
        let c = convergence[0];
        // #1, #2 (lower budget), #5, #6; pruned #3 and failed #4 have no value.
        assert_eq!(c.matches("<circle").count(), 4, "{c}");
        assert_eq!(c.matches("class=\"point full\"").count(), 3);
        assert_eq!(c.matches("class=\"point lower\"").count(), 1);
        assert!(c.contains("data-trial=\"5\"") && c.contains(&format!("stroke=\"{BEST}\"")));
        assert!(c.contains("class=\"best-so-far\""));

        let pareto = svgs(&page, "chart pareto");
        assert_eq!(pareto.len(), 1);
        let p = pareto[0];
        // The complete full-budget trials #1, #5, #6; the front is #1 and #5.
        assert_eq!(p.matches("<circle").count(), 3, "{p}");
        assert_eq!(p.matches("class=\"point front\"").count(), 2);
        assert!(p.contains("accuracy (maximize)") && p.contains("latency_us (minimize)"));
        // A front of two points: the points and one corner.
        let front = p.split("class=\"front\" points=\"").nth(1).unwrap();
        let front = &front[..front.find('"').unwrap()];
        assert_eq!(front.split(' ').count(), 3, "{front}");

        let table = &page[page.find("<table class=\"ranking trials\">").unwrap()..];
        let table = &table[..table.find("</table>").unwrap()];
        assert_eq!(
            table.matches("<tr data-trial").count() + table.matches("<tr class").count(),
            6
        );
        let rows: Vec<usize> = table
            .match_indices("data-trial=\"")
            .map(|(i, m)| table[i + m.len()..].split('"').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(rows, vec![1, 2, 3, 4, 5, 6]);
        assert!(table.contains("<tr class=\"best\" data-trial=\"5\">"));
        assert!(table.contains("<span class=\"badge resumed\">resumed</span>"));
        assert!(table.contains("<span class=\"badge pruned\">pruned</span>"));
        assert!(table.contains("&lt;degree&gt; too high"));
        assert!(table.contains("<td class=\"num\">0.333</td>"));
        assert!(table.contains("<td class=\"num\">200.00</td>"));

        assert!(page.contains("<td>a&lt;b</td>"), "{page}");
        assert!(!page.contains("a<b"));
        assert!(!page.contains("NaN"), "{page}");
        assert!(!page.contains("inf"));
    }

    #[test]
    fn best_so_far_follows_the_direction() {
        let mut s = sample();
        assert_eq!(best_so_far(&s), vec![(1, 0.90), (5, 0.95)]);
        s.metric = "log_loss".into();
        s.objectives[0].name = "log_loss".into();
        s.objectives[0].direction = "minimize".into();
        // #2 is lower-budget: it does not count.
        assert_eq!(best_so_far(&s), vec![(1, 0.90), (6, 0.88)]);
        s.objectives.clear();
        assert_eq!(best_so_far(&s), vec![(1, 0.90), (6, 0.88)]);
        let page = page_of(s);
        assert!(page.contains("by log_loss (lower is better)"));
        assert!(!page.contains("chart pareto"));
        assert!(!page.contains("NaN"));
    }

    #[test]
    fn charts_cope_with_one_trial_equal_scores_and_no_scores() {
        let mut one = sample();
        one.trials.truncate(1);
        for chart in [convergence(&one), pareto(&one)] {
            assert_eq!(chart.matches("<circle").count(), 1, "{chart}");
            assert!(!chart.contains("NaN") && !chart.contains("inf"), "{chart}");
        }

        let mut equal = sample();
        for t in &mut equal.trials {
            if t.status == "complete" {
                t.mean = 0.9;
                t.objectives = vec![0.9, 50.0];
            }
        }
        for chart in [convergence(&equal), pareto(&equal)] {
            assert!(chart.contains("<circle"), "{chart}");
            assert!(!chart.contains("NaN") && !chart.contains("inf"), "{chart}");
        }

        let mut none = sample();
        for t in &mut none.trials {
            t.status = "failed".into();
            t.mean = f64::NAN;
            t.objectives = vec![f64::NAN, f64::NAN];
            t.rank = 0;
        }
        none.best_score = f64::NAN;
        none.cost = f64::NAN;
        let page = page_of(none);
        assert!(page.contains("no trial scores to chart"));
        assert!(page.contains("no complete trials to chart"));
        assert!(!page.contains("NaN"), "{page}");

        let mut empty = sample();
        empty.trials.clear();
        empty.best_params.clear();
        let page = page_of(empty);
        assert!(page.contains("<section class=\"search\""));
        assert!(!page.contains("NaN"));
    }
}
