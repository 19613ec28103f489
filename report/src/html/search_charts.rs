//! The two charts of a search section: convergence (every trial's first
//! objective and the best so far among complete full-budget trials) and the
//! Pareto chart of the first two objectives.

use super::charts::{left_margin, legend, legend_width, padded, Axes, PALETTE};
use super::search::{by_number, maximizes, number, objective, objective_title, BEST, HIGHLIGHT, MUTED};
use crate::page::escape;
use crate::page::svg::{empty_chart, open};
use crate::report::{full_budget, share};
use mlg::executor::{Search, TrialResult};
use std::fmt::Write;

/// The best first objective so far among the complete full-budget trials
/// with a finite value, at each trial that improved on it: `(trial, best)`.
pub(super) fn best_so_far(s: &Search) -> Vec<(usize, f64)> {
    let maximize = maximizes(s, 0);
    let mut steps: Vec<(usize, f64)> = Vec::new();
    for t in by_number(s) {
        let v = objective(t, 0);
        if t.status != "complete" || !full_budget(t) || !v.is_finite() {
            continue;
        }
        let better = match steps.last() {
            None => true,
            Some((_, best)) if maximize => v > *best,
            Some((_, best)) => v < *best,
        };
        if better {
            steps.push((t.trial, v));
        }
    }
    steps
}

/// The convergence chart: trial number across, the first objective up; a
/// dot per complete trial (muted below the full budget, a hollow one for a
/// pruned or failed trial that has a value, none without), the best trial
/// ringed, and a step line of the best so far among complete full-budget
/// trials.
pub fn convergence(s: &Search) -> String {
    let label = format!("Convergence of search {}", s.name);
    let trials = by_number(s);
    let Some(y) = padded(trials.iter().map(|t| objective(t, 0))) else {
        return empty_chart("chart convergence", &label, "no trial scores to chart");
    };
    let last = trials.iter().map(|t| t.trial).max().unwrap_or(1).max(1);
    let lower = trials
        .iter()
        .any(|t| t.status == "complete" && !full_budget(t) && objective(t, 0).is_finite());
    let mut entries = vec![("full budget".to_string(), PALETTE[0])];
    if lower {
        entries.push(("lower budget".to_string(), MUTED));
    }
    entries.push(("best so far".to_string(), HIGHLIGHT));
    let legend_w = legend_width(entries.iter().map(|(n, _)| n.chars().count()));
    let axes = Axes {
        left: left_margin(y),
        top: 12.0,
        width: 420.0,
        height: 200.0,
        x: (0.5, last as f64 + 0.5),
        y,
    };
    let mut svg = open(
        axes.left + axes.width + 16.0 + legend_w,
        262.0,
        "chart convergence",
        &label,
    );
    axes.draw(&mut svg, "trial", &objective_title(s, 0), true);
    let steps = best_so_far(s);
    let mut line: Vec<(f64, f64)> = Vec::new();
    for (trial, best) in &steps {
        if let Some((_, previous)) = line.last().copied() {
            line.push((*trial as f64, previous));
        }
        line.push((*trial as f64, *best));
    }
    if let Some((x, best)) = line.last().copied() {
        if (last as f64) > x {
            line.push((last as f64, best));
        }
    }
    let points: Vec<String> = line
        .iter()
        .map(|(x, y)| format!("{:.1},{:.1}", axes.px(*x), axes.py(*y)))
        .collect();
    let _ = writeln!(
        svg,
        "<polyline class=\"best-so-far\" points=\"{}\" fill=\"none\" stroke=\"{HIGHLIGHT}\" stroke-width=\"1.5\"/>",
        points.join(" ")
    );
    for t in &trials {
        let v = objective(t, 0);
        if !v.is_finite() {
            continue;
        }
        let (class, paint) = match (t.status.as_str(), full_budget(t)) {
            ("complete", true) => ("full", format!("fill=\"{}\"", PALETTE[0])),
            ("complete", false) => ("lower", format!("fill=\"{MUTED}\"")),
            _ => ("hollow", format!("fill=\"none\" stroke=\"{MUTED}\"")),
        };
        let ring = if t.trial == s.best_trial {
            format!(" stroke=\"{BEST}\" stroke-width=\"2\"")
        } else {
            String::new()
        };
        let mut notes = Vec::new();
        if t.status != "complete" {
            notes.push(t.status.clone());
        }
        if !full_budget(t) {
            notes.push(format!("budget {}", share(t.budget)));
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join(", "))
        };
        let _ = writeln!(
            svg,
            "<circle class=\"point {class}\" data-trial=\"{}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" {paint}{ring}>\
             <title>trial #{}: {}{}</title></circle>",
            t.trial,
            axes.px(t.trial as f64),
            axes.py(v),
            t.trial,
            number(v),
            escape(&notes)
        );
    }
    legend(&mut svg, axes.left + axes.width + 16.0, axes.top, &entries);
    svg.push_str("</svg>\n");
    svg
}

/// The Pareto chart of the first two objectives: one dot per complete
/// full-budget trial with both values, the front highlighted and joined by
/// the step line bounding the region it dominates.
pub fn pareto(s: &Search) -> String {
    let label = format!("Pareto front of search {}", s.name);
    if s.objectives.len() < 2 {
        return empty_chart("chart pareto", &label, "a Pareto front needs two objectives");
    }
    let points: Vec<(&TrialResult, f64, f64)> = by_number(s)
        .into_iter()
        .filter(|t| t.status == "complete" && full_budget(t))
        .map(|t| (t, objective(t, 0), objective(t, 1)))
        .filter(|(_, x, y)| x.is_finite() && y.is_finite())
        .collect();
    let (Some(x), Some(y)) = (
        padded(points.iter().map(|p| p.1)),
        padded(points.iter().map(|p| p.2)),
    ) else {
        return empty_chart("chart pareto", &label, "no complete trials to chart");
    };
    let entries = vec![
        ("Pareto front".to_string(), HIGHLIGHT),
        ("other trials".to_string(), MUTED),
    ];
    let legend_w = legend_width(entries.iter().map(|(n, _)| n.chars().count()));
    let axes = Axes {
        left: left_margin(y),
        top: 12.0,
        width: 320.0,
        height: 260.0,
        x,
        y,
    };
    let mut svg = open(
        axes.left + axes.width + 16.0 + legend_w,
        322.0,
        "chart pareto",
        &label,
    );
    axes.draw(&mut svg, &objective_title(s, 0), &objective_title(s, 1), false);
    let mut front: Vec<(f64, f64)> = points
        .iter()
        .filter(|(t, _, _)| t.pareto)
        .map(|(_, x, y)| (*x, *y))
        .collect();
    front.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    // Between neighbours a, b (a left of b) the boundary turns at (a.x, b.y)
    // when x is maximized and at (b.x, a.y) when it is minimized.
    let maximize_x = maximizes(s, 0);
    let mut line: Vec<(f64, f64)> = Vec::new();
    for (k, p) in front.iter().enumerate() {
        if k > 0 {
            let a = front[k - 1];
            line.push(if maximize_x { (a.0, p.1) } else { (p.0, a.1) });
        }
        line.push(*p);
    }
    let path: Vec<String> = line
        .iter()
        .map(|(x, y)| format!("{:.1},{:.1}", axes.px(*x), axes.py(*y)))
        .collect();
    let _ = writeln!(
        svg,
        "<polyline class=\"front\" points=\"{}\" fill=\"none\" stroke=\"{HIGHLIGHT}\" stroke-width=\"1.5\"/>",
        path.join(" ")
    );
    // Dominated trials first, so the front is drawn on top.
    let mut order: Vec<&(&TrialResult, f64, f64)> = points.iter().collect();
    order.sort_by_key(|(t, _, _)| t.pareto);
    for (t, x, y) in order {
        let (class, fill, r) = if t.pareto {
            ("point front", HIGHLIGHT, 4.5)
        } else {
            ("point", MUTED, 3.5)
        };
        let ring = if t.trial == s.best_trial {
            format!(" stroke=\"{BEST}\" stroke-width=\"2\"")
        } else {
            String::new()
        };
        let _ = writeln!(
            svg,
            "<circle class=\"{class}\" data-trial=\"{}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"{r}\" fill=\"{fill}\"{ring}>\
             <title>trial #{}: {} {}, {} {}</title></circle>",
            t.trial,
            axes.px(*x),
            axes.py(*y),
            t.trial,
            escape(&s.objectives[0].name),
            number(*x),
            escape(&s.objectives[1].name),
            number(*y)
        );
    }
    legend(&mut svg, axes.left + axes.width + 16.0, axes.top, &entries);
    svg.push_str("</svg>\n");
    svg
}
