//! The self-contained HTML evaluation page (`mlg run FILE --html page.html`):
//! inline CSS and SVG, no scripts. One section per select stage (the choice
//! and the scores behind it), per search stage (the best trial, convergence
//! and Pareto charts and every trial) and per evaluate statement (ranked table, score
//! per split, and per model the confusion matrix and ROC curves or the
//! predicted-vs-actual scatter, the model's own importances and coefficients,
//! and permutation importance).

mod bars;
mod charts;
mod compression;
mod search;
mod search_charts;

use crate::page::{escape, STYLE};
use crate::report::{direction, statements};
use mlg::executor::by_rank;
use mlg::executor::Evaluation;
use mlg::executor::{Coefficients, HeldOut};
use mlg::executor::{RunOutput, Selection};
use std::fmt::Write;

const EXTRA_STYLE: &str = "\
table.ranking td,table.ranking th{border-bottom:1px solid #eee;padding-right:16px}
tr.best td{background:#eef6e8;font-weight:600}
.badge.best{background:#54a24b;color:#fff}.badge.tie{background:#eeca3b;color:#5a4500}
tr.tie td{background:#fbf6df}
h4{font-size:13px;margin:14px 0 6px;color:#444}
table.coefficients td,table.coefficients th{border-bottom:1px solid #f0f0f0;padding-right:12px}
svg .title{fill:#555}
article p.meta{font-size:13px}
p.warning{background:#fff4e5;border-left:4px solid #e8a33d;padding:6px 10px;margin:6px 0}
h3+svg,table+h3{margin-top:12px}
";

/// The whole page for the run of `workflow` that produced `out`.
pub fn render(workflow: &str, out: &RunOutput) -> String {
    let mut page = String::new();
    let name = escape(workflow);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Evaluation of {name}</title>\n<style>\n{STYLE}{EXTRA_STYLE}{}</style>\n</head>\n<body>\n\
         <h1>Evaluation: <code>{name}</code></h1>\n<p class=\"meta\">mlg {} · {} selection(s) · {} search(es) · {} evaluate statement(s)</p>\n",
        search::STYLE,
        env!("CARGO_PKG_VERSION"),
        out.selections.len(),
        out.searches.len(),
        statements(&out.evaluations).len()
    );
    for selection in &out.selections {
        selection_section(&mut page, selection);
    }
    for s in &out.searches {
        search::section(&mut page, s);
    }
    for group in statements(&out.evaluations) {
        evaluation_section(&mut page, group);
    }
    if out.selections.is_empty() && out.searches.is_empty() && out.evaluations.is_empty() {
        page.push_str("<p>The workflow has no evaluate, select or search statements.</p>\n");
    }
    page.push_str("</body>\n</html>\n");
    page
}

/// An id fragment: letters, digits and `-` only.
fn anchor(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// The ranked table of `group` (best row highlighted and badged).
fn ranking_table(page: &mut String, group: &[Evaluation]) {
    let mut metrics: Vec<&str> = vec![group[0].ranked_by.as_str()];
    for e in group {
        for m in e.metric_names() {
            if !metrics.contains(&m) {
                metrics.push(m);
            }
        }
    }
    page.push_str(
        "<table class=\"ranking\">\n<thead><tr><th class=\"num\">Rank</th><th>Model</th><th>Operator</th>",
    );
    for m in &metrics {
        let _ = write!(page, "<th class=\"num\">{}</th>", escape(m));
    }
    page.push_str("<th class=\"num\">Fit s/split</th></tr></thead>\n<tbody>\n");
    let tied = crate::report::tied_for_best(group);
    for i in by_rank(group) {
        let e = &group[i];
        let (class, badge) = match (e.best, tied.contains(&i)) {
            (true, false) => (" class=\"best\"", " <span class=\"badge best\">best</span>"),
            (true, true) => (
                " class=\"best\"",
                " <span class=\"badge best\">best</span> <span class=\"badge tie\">tie</span>",
            ),
            (false, true) => (" class=\"tie\"", " <span class=\"badge tie\">tie</span>"),
            (false, false) => ("", ""),
        };
        let chosen = e
            .selected
            .as_ref()
            .map(|s| format!(" = {}", escape(s)))
            .unwrap_or_default();
        let _ = write!(
            page,
            "<tr{class} data-model=\"{m}\"><td class=\"num\">{}</td><td>{m}{chosen}{badge}</td><td>{}</td>",
            e.rank,
            escape(&e.operator),
            m = escape(&e.model)
        );
        for m in &metrics {
            let cell = match e.metrics.get(*m) {
                Some(s) if s.resubstitution.is_some() => {
                    format!(
                        "{:.4} <small>({:.4} ± {:.4} out-of-bag)</small>",
                        s.estimate, s.mean, s.std
                    )
                }
                Some(s) => format!("{:.4} ± {:.4}", s.mean, s.std),
                None => "–".into(),
            };
            let _ = write!(page, "<td class=\"num\">{cell}</td>");
        }
        let _ = writeln!(page, "<td class=\"num\">{:.4}</td></tr>", e.fit_seconds);
    }
    page.push_str("</tbody>\n</table>\n");
    if let Some(note) = crate::report::tie_note(group, &tied) {
        let _ = writeln!(page, "<p class=\"meta tie\">{}</p>", escape(&note));
    }
}

/// The score-per-split chart of `group`'s ranking metric.
fn fold_chart(page: &mut String, group: &[Evaluation]) {
    let metric = &group[0].ranked_by;
    let series: Vec<(String, Vec<f64>)> = group
        .iter()
        .map(|e| {
            (
                e.model.clone(),
                e.metrics.get(metric).map(|m| m.folds.clone()).unwrap_or_default(),
            )
        })
        .collect();
    let _ = writeln!(page, "<h3>{} per split</h3>", escape(metric));
    page.push_str(&charts::fold_lines(
        &series,
        metric,
        &format!("{metric} per split"),
    ));
}

fn selection_section(page: &mut String, s: &Selection) {
    let via = if s.model != s.chosen {
        format!(" (which chose <code>{}</code>)", escape(&s.model))
    } else {
        String::new()
    };
    if let Some(b) = &s.budget {
        let _ = writeln!(
            page,
            "<section class=\"selection\" id=\"select-{}\">\n<h2>Compression budget <code>{}</code></h2>\n\
             <p class=\"meta\">Chose <strong class=\"chosen\">{}</strong>, the {} of the {} candidate(s) within \
             <code>{}</code> of <code>{}</code>'s {} {:.4} ({}), under <code>{}</code>.</p>",
            anchor(&s.name),
            escape(&s.name),
            escape(&s.chosen),
            if b.objective == "latency" { "fastest" } else { "smallest" },
            b.within.len(),
            escape(&b.budget),
            escape(&b.base),
            escape(&s.metric),
            b.base_score,
            direction(&s.metric),
            escape(&s.method)
        );
        compression::section(page, &s.candidates);
        if !b.failed.is_empty() {
            page.push_str("<p class=\"meta\">Not applicable:</p>\n<ul>\n");
            for (model, why) in &b.failed {
                let _ = writeln!(page, "<li><code>{}</code>: {}</li>", escape(model), escape(why));
            }
            page.push_str("</ul>\n");
        }
        page.push_str("</section>\n");
        return;
    }
    let _ = writeln!(
        page,
        "<section class=\"selection\" id=\"select-{}\">\n<h2>Selection <code>{}</code></h2>\n\
         <p class=\"meta\">Chose <strong class=\"chosen\">{}</strong>{via} by {} ({}) under <code>{}</code>.</p>",
        anchor(&s.name),
        escape(&s.name),
        escape(&s.chosen),
        escape(&s.metric),
        direction(&s.metric),
        escape(&s.method)
    );
    if !s.candidates.is_empty() {
        ranking_table(page, &s.candidates);
        fold_chart(page, &s.candidates);
    }
    page.push_str("</section>\n");
}

fn evaluation_section(page: &mut String, group: &[Evaluation]) {
    let statement = &group[0].statement;
    let _ = writeln!(
        page,
        "<section class=\"evaluation\" id=\"{}\">\n<h2>{}</h2>\n\
         <p class=\"meta\"><code>{}</code>, ranked by {} ({}).</p>",
        anchor(statement),
        escape(statement),
        escape(&group[0].method),
        escape(&group[0].ranked_by),
        direction(&group[0].ranked_by)
    );
    ranking_table(page, group);
    fold_chart(page, group);
    compression::section(page, group);
    page.push_str("<div class=\"grid\">\n");
    for i in by_rank(group) {
        model_article(page, &group[i]);
    }
    page.push_str("</div>\n</section>\n");
}

fn model_article(page: &mut String, e: &Evaluation) {
    let model = escape(&e.model);
    let _ = writeln!(
        page,
        "<article class=\"model\" id=\"{}-{}\">\n<h3>{model} <small>{}</small></h3>",
        anchor(&e.statement),
        anchor(&e.model),
        escape(&e.operator)
    );
    if let Some(warning) = crate::report::never_predicted_warning(e) {
        let _ = writeln!(page, "<p class=\"warning\">{}</p>", escape(&warning));
    }
    if let Some(cm) = &e.confusion_matrix {
        page.push_str("<h4>Confusion matrix</h4>\n");
        page.push_str(&bars::confusion(cm, &format!("Confusion matrix of {}", e.model)));
    }
    match &e.held_out {
        HeldOut::Classes {
            labels, truth, proba, ..
        } => {
            page.push_str("<h4>ROC curves</h4>\n");
            page.push_str(&charts::roc(
                &roc_curves(labels, truth, proba),
                &format!("ROC curves of {}", e.model),
            ));
        }
        HeldOut::Values { truth, predicted } => {
            page.push_str("<h4>Predicted vs actual</h4>\n");
            page.push_str(&charts::scatter(
                truth,
                predicted,
                &format!("Predicted vs actual of {}", e.model),
            ));
        }
        HeldOut::None => {}
    }
    if !e.fit_scores.is_empty() {
        page.push_str("<h4>Fit scores</h4>\n<table class=\"fit-scores\">\n<tbody>\n");
        for (name, s) in &e.fit_scores {
            let _ = writeln!(
                page,
                "<tr><th>{}</th><td class=\"num\">{}</td></tr>",
                escape(name),
                crate::numbers::fit_score(s)
            );
        }
        page.push_str("</tbody>\n</table>\n");
    }
    if let Some(imp) = &e.importances {
        let _ = writeln!(page, "<h4>Model importances ({})</h4>", escape(&imp.kind));
        page.push_str(&bars::importance(
            &imp.features,
            "chart importances",
            &format!("Importances of {}", e.model),
        ));
    }
    if let Some(coef) = &e.coefficients {
        coefficient_table(page, coef);
    }
    if let Some(perm) = &e.permutation_importance {
        let _ = writeln!(
            page,
            "<h4>Permutation importance</h4>\n<p class=\"meta\">How much worse {} gets (baseline {:.4}) when one raw \
             column is shuffled among the held-out rows; mean ± std over {} splits × {} repeats.</p>",
            escape(&perm.metric),
            perm.baseline,
            perm.splits,
            perm.repeats
        );
        page.push_str(&bars::importance(
            &perm.features,
            "chart permutation",
            &format!("Permutation importance of {}", e.model),
        ));
    }
    page.push_str("</article>\n");
}

/// One ROC curve for a binary target (the second class against the first),
/// one per class (one-vs-rest) otherwise; `(name, points, auc)`.
fn roc_curves(labels: &[String], truth: &[u32], proba: &[f64]) -> Vec<charts::Curve> {
    let k = labels.len();
    if k < 2 || proba.len() != truth.len() * k {
        return Vec::new();
    }
    let classes: Vec<usize> = if k == 2 { vec![1] } else { (0..k).collect() };
    classes
        .into_iter()
        .filter_map(|c| {
            let scores: Vec<(f64, bool)> = truth
                .iter()
                .enumerate()
                .map(|(i, &t)| (proba[i * k + c], t as usize == c))
                .collect();
            let points = mlg_stdlib::metrics::roc_curve(&scores)?;
            let auc = mlg_stdlib::metrics::confusion::trapezoid_area(&points);
            let name = if k == 2 {
                format!("{} vs {}", labels[1], labels[0])
            } else {
                format!("{} vs rest", labels[c])
            };
            Some((name, points, auc))
        })
        .collect()
}

/// The coefficient table: features down, outputs across, `mean ± std`.
fn coefficient_table(page: &mut String, coef: &Coefficients) {
    page.push_str("<h4>Coefficients</h4>\n<table class=\"coefficients\">\n<thead><tr><th>Feature</th>");
    for o in &coef.outputs {
        let _ = write!(page, "<th class=\"num\">{}</th>", escape(o));
    }
    page.push_str("</tr></thead>\n<tbody>\n");
    for (f, feature) in coef.features.iter().enumerate() {
        let _ = write!(page, "<tr><td>{}</td>", escape(feature));
        for o in 0..coef.outputs.len() {
            let _ = write!(
                page,
                "<td class=\"num\">{:.4} ± {:.4}</td>",
                coef.mean[o][f], coef.std[o][f]
            );
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</tbody>\n</table>\n");
}

/// Writes the page of `out` (the run of `workflow`) to `path`, atomically.
pub fn write(path: &std::path::Path, workflow: &str, out: &RunOutput) -> mlg::Result<()> {
    mlg::files::write_atomic(path, render(workflow, out).as_bytes())
}
