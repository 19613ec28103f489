//! Inline SVG charts with numeric axes for the evaluation page: score per
//! split (one line per model), ROC curves and predicted-vs-actual scatter.
//! Built on the profile page's SVG helpers; all text is escaped.

use crate::page::escape;
use crate::page::svg::{empty_chart, nice_step, open, truncate, CHAR_WIDTH};
use crate::profile::format_number;
use std::fmt::Write;

/// Series colours (Tableau 10), reused in order.
pub const PALETTE: [&str; 10] = [
    "#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d",
    "#bab0ac",
];

/// The most ticks an axis draws.
pub(super) const MAX_TICKS: usize = 24;

/// One ROC curve: its name, `(fpr, tpr)` points and area.
pub type Curve = (String, Vec<(f64, f64)>, f64);

/// The most points a scatter plot draws (evenly strided beyond that).
pub const MAX_SCATTER_POINTS: usize = 2000;

/// A plot area with linear x and y scales and its tick labels.
pub(crate) struct Axes {
    pub(crate) left: f64,
    pub(crate) top: f64,
    pub(crate) width: f64,
    pub(crate) height: f64,
    pub(crate) x: (f64, f64),
    pub(crate) y: (f64, f64),
}

impl Axes {
    pub(crate) fn px(&self, x: f64) -> f64 {
        self.left + (x - self.x.0) / (self.x.1 - self.x.0) * self.width
    }

    pub(crate) fn py(&self, y: f64) -> f64 {
        self.top + self.height - (y - self.y.0) / (self.y.1 - self.y.0) * self.height
    }

    /// Grid lines and tick labels on both axes, and the axis titles.
    pub(crate) fn draw(&self, svg: &mut String, x_title: &str, y_title: &str, integer_x: bool) {
        let y_step = nice_step(self.y.1 - self.y.0, 4.0);
        let mut t = (self.y.0 / y_step).ceil() * y_step;
        // Tick counts are bounded even for a degenerate step (overflowed span).
        for _ in 0..MAX_TICKS {
            if t > self.y.1 + y_step * 1e-9 {
                break;
            }
            let y = self.py(t);
            let _ = writeln!(
                svg,
                "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" class=\"grid\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                self.left,
                self.left + self.width,
                self.left - 6.0,
                y + 4.0,
                format_number(round_tick(t, y_step))
            );
            t += y_step;
        }
        let x_step = if integer_x {
            nice_step(self.x.1 - self.x.0, 8.0).max(1.0)
        } else {
            nice_step(self.x.1 - self.x.0, 5.0)
        };
        let base = self.top + self.height;
        let mut t = (self.x.0 / x_step).ceil() * x_step;
        for _ in 0..MAX_TICKS {
            if t > self.x.1 + x_step * 1e-9 {
                break;
            }
            let x = self.px(t);
            let _ = writeln!(
                svg,
                "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{base:.1}\" y2=\"{:.1}\" class=\"axis\"/>\
                 <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                base + 4.0,
                base + 16.0,
                format_number(round_tick(t, x_step))
            );
            t += x_step;
        }
        let _ = writeln!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"none\" class=\"frame\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"title\">{}</text>\
             <text x=\"12\" y=\"{:.1}\" text-anchor=\"middle\" class=\"title\" transform=\"rotate(-90 12 {:.1})\">{}</text>",
            self.left,
            self.top,
            self.width,
            self.height,
            self.left + self.width / 2.0,
            base + 32.0,
            escape(x_title),
            self.top + self.height / 2.0,
            self.top + self.height / 2.0,
            escape(y_title)
        );
    }
}

/// `t` rounded to the tick step's precision (no `0.30000000000000004`).
fn round_tick(t: f64, step: f64) -> f64 {
    let digits = (-step.log10().floor()).max(0.0) as i32 + 1;
    let scale = 10f64.powi(digits);
    (t * scale).round() / scale
}

/// The range of `values` padded by 5% (at least ±0.5 around a single value).
pub(crate) fn padded(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return None;
    }
    let pad = if hi > lo {
        (hi - lo) * 0.05
    } else {
        0.5_f64.max(lo.abs() * 0.05)
    };
    Some((lo - pad, hi + pad))
}

/// A legend of `(name, colour)` entries stacked at `(x, top)`.
pub(crate) fn legend(svg: &mut String, x: f64, top: f64, entries: &[(String, &str)]) {
    for (i, (name, colour)) in entries.iter().enumerate() {
        let y = top + 16.0 * i as f64;
        let _ = writeln!(
            svg,
            "<g class=\"legend\"><rect x=\"{x:.1}\" y=\"{:.1}\" width=\"12\" height=\"4\" fill=\"{colour}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
            y + 4.0,
            x + 17.0,
            y + 9.0,
            escape(&truncate(name, 28))
        );
    }
}

/// Room for a legend of `names` to the right of a plot.
pub(crate) fn legend_width(names: impl Iterator<Item = usize>) -> f64 {
    names.map(|n| n.min(28)).max().unwrap_or(0) as f64 * CHAR_WIDTH + 30.0
}

/// Score per split: one line with markers per `(model, scores)` series, split
/// number on the x axis.
pub fn fold_lines(series: &[(String, Vec<f64>)], metric: &str, label: &str) -> String {
    let n = series.iter().map(|(_, s)| s.len()).max().unwrap_or(0);
    let Some(y) = padded(series.iter().flat_map(|(_, s)| s.iter().copied())) else {
        return empty_chart("chart folds", label, "no scores to chart");
    };
    let legend_w = legend_width(series.iter().map(|(m, _)| m.chars().count()));
    let axes = Axes {
        left: 56.0,
        top: 12.0,
        width: 420.0,
        height: 200.0,
        x: (0.5, n as f64 + 0.5),
        y,
    };
    let mut svg = open(
        axes.left + axes.width + 16.0 + legend_w,
        262.0,
        "chart folds",
        label,
    );
    axes.draw(&mut svg, "split", metric, true);
    let mut entries = Vec::new();
    for (k, (model, scores)) in series.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        let points: Vec<String> = scores
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_finite())
            .map(|(i, s)| format!("{:.1},{:.1}", axes.px(i as f64 + 1.0), axes.py(*s)))
            .collect();
        let _ = writeln!(
            svg,
            "<g class=\"series\" data-model=\"{}\"><polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\"/>",
            escape(model),
            points.join(" ")
        );
        if scores.len() <= 60 {
            for (i, s) in scores.iter().enumerate().filter(|(_, s)| s.is_finite()) {
                let _ = writeln!(
                    svg,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{colour}\"><title>{} split {}: {}</title></circle>",
                    axes.px(i as f64 + 1.0),
                    axes.py(*s),
                    escape(model),
                    i + 1,
                    format_number(*s)
                );
            }
        }
        svg.push_str("</g>\n");
        entries.push((model.clone(), colour));
    }
    legend(&mut svg, axes.left + axes.width + 16.0, axes.top, &entries);
    svg.push_str("</svg>\n");
    svg
}

/// ROC curves `(name, points, auc)` in the unit square, with the chance diagonal.
pub fn roc(curves: &[Curve], label: &str) -> String {
    if curves.is_empty() {
        return empty_chart(
            "chart roc",
            label,
            "ROC needs both classes among the held-out rows",
        );
    }
    let entries: Vec<(String, &str)> = curves
        .iter()
        .enumerate()
        .map(|(k, (name, _, auc))| (format!("{name} (AUC {auc:.3})"), PALETTE[k % PALETTE.len()]))
        .collect();
    let legend_w = legend_width(entries.iter().map(|(n, _)| n.chars().count()));
    let axes = Axes {
        left: 56.0,
        top: 12.0,
        width: 260.0,
        height: 260.0,
        x: (0.0, 1.0),
        y: (0.0, 1.0),
    };
    let mut svg = open(
        axes.left + axes.width + 16.0 + legend_w,
        322.0,
        "chart roc",
        label,
    );
    axes.draw(&mut svg, "false positive rate", "true positive rate", false);
    let _ = writeln!(
        svg,
        "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" class=\"axis\" stroke-dasharray=\"4 3\"/>",
        axes.px(0.0),
        axes.py(0.0),
        axes.px(1.0),
        axes.py(1.0)
    );
    for (k, (name, points, _)) in curves.iter().enumerate() {
        let path: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", axes.px(*x), axes.py(*y)))
            .collect();
        let _ = writeln!(
            svg,
            "<polyline class=\"curve\" data-class=\"{}\" points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.8\"/>",
            escape(name),
            path.join(" "),
            PALETTE[k % PALETTE.len()]
        );
    }
    legend(&mut svg, axes.left + axes.width + 16.0, axes.top, &entries);
    svg.push_str("</svg>\n");
    svg
}

/// Predicted (y) against actual (x) values with the `y = x` line; at most
/// [`MAX_SCATTER_POINTS`] points, evenly strided.
pub fn scatter(truth: &[f64], predicted: &[f64], label: &str) -> String {
    let pairs: Vec<(f64, f64)> = truth
        .iter()
        .zip(predicted)
        .filter(|(t, p)| t.is_finite() && p.is_finite())
        .map(|(t, p)| (*t, *p))
        .collect();
    let Some(range) = padded(pairs.iter().flat_map(|(t, p)| [*t, *p])) else {
        return empty_chart("chart scatter", label, "no predictions to chart");
    };
    let axes = Axes {
        left: 56.0,
        top: 12.0,
        width: 280.0,
        height: 280.0,
        x: range,
        y: range,
    };
    let mut svg = open(axes.left + axes.width + 16.0, 342.0, "chart scatter", label);
    axes.draw(&mut svg, "actual", "predicted", false);
    let _ = writeln!(
        svg,
        "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" class=\"axis\" stroke-dasharray=\"4 3\"/>",
        axes.px(range.0),
        axes.py(range.0),
        axes.px(range.1),
        axes.py(range.1)
    );
    let stride = pairs.len().div_ceil(MAX_SCATTER_POINTS).max(1);
    for (t, p) in pairs.iter().step_by(stride) {
        let _ = writeln!(
            svg,
            "<circle class=\"point\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.2\" fill=\"{}\" fill-opacity=\"0.55\"/>",
            axes.px(*t),
            axes.py(*p),
            PALETTE[0]
        );
    }
    svg.push_str("</svg>\n");
    svg
}
