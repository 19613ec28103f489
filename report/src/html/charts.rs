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
        for t in y_ticks(self.y) {
            let y = self.py(t);
            let _ = writeln!(
                svg,
                "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" class=\"grid\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                self.left,
                self.left + self.width,
                self.left - 6.0,
                y + 4.0,
                format_number(t)
            );
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

/// The y axis's tick values over `y`, rounded to the step's precision.
fn y_ticks(y: (f64, f64)) -> Vec<f64> {
    let step = nice_step(y.1 - y.0, 4.0);
    let mut t = (y.0 / step).ceil() * step;
    let mut ticks = Vec::new();
    // Tick counts are bounded even for a degenerate step (overflowed span).
    for _ in 0..MAX_TICKS {
        if t > y.1 + step * 1e-9 {
            break;
        }
        ticks.push(round_tick(t, step));
        t += step;
    }
    ticks
}

/// The room left of a plot whose y axis spans `y`: the widest tick label
/// plus the rotated axis title, so long labels (`125000`) never overlap it.
pub(crate) fn left_margin(y: (f64, f64)) -> f64 {
    let widest = y_ticks(y)
        .into_iter()
        .map(|t| format_number(t).chars().count())
        .max()
        .unwrap_or(0);
    (widest as f64 * CHAR_WIDTH + 30.0).max(56.0)
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

/// The longest legend entry drawn, in characters (longer ones end in `…`).
const LEGEND_CHARS: usize = 44;

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
            escape(&truncate(name, LEGEND_CHARS))
        );
    }
}

/// Room for a legend of `names` to the right of a plot.
pub(crate) fn legend_width(names: impl Iterator<Item = usize>) -> f64 {
    names.map(|n| n.min(LEGEND_CHARS)).max().unwrap_or(0) as f64 * CHAR_WIDTH + 30.0
}

/// `range` widened, about its middle, to span at least a tenth of the
/// values' scale (the unit interval for scores within it), so that splits
/// differing in the fourth decimal do not fill the whole chart.
fn unzoomed(range: (f64, f64)) -> (f64, f64) {
    let (lo, hi) = range;
    let unit = lo >= -0.05 && hi <= 1.05;
    let least = if unit { 0.1 } else { 0.1 * lo.abs().max(hi.abs()) };
    if hi - lo >= least || !least.is_finite() || least == 0.0 {
        return range;
    }
    let middle = (lo + hi) / 2.0;
    let (mut lo, mut hi) = (middle - least / 2.0, middle + least / 2.0);
    if unit && hi > 1.0 {
        (lo, hi) = (lo - (hi - 1.0), 1.0);
    }
    if unit && lo < 0.0 {
        (lo, hi) = (0.0, hi - lo);
    }
    (lo, hi)
}

/// Score per split: one line with markers per `(model, scores)` series, split
/// number on the x axis. Series are nudged apart sideways so tied models stay
/// visible, and one equal to an earlier series is drawn dashed and named in
/// the legend as the same.
pub fn fold_lines(series: &[(String, Vec<f64>)], metric: &str, label: &str) -> String {
    let n = series.iter().map(|(_, s)| s.len()).max().unwrap_or(0);
    let Some(y) = padded(series.iter().flat_map(|(_, s)| s.iter().copied())) else {
        return empty_chart("chart folds", label, "no scores to chart");
    };
    let y = unzoomed(y);
    let entries: Vec<(String, &str)> = series
        .iter()
        .enumerate()
        .map(|(k, (model, scores))| {
            let colour = PALETTE[k % PALETTE.len()];
            match series[..k].iter().find(|(_, earlier)| earlier == scores) {
                Some((same, _)) => (format!("{model} (same as {same})"), colour),
                None => (model.clone(), colour),
            }
        })
        .collect();
    let legend_w = legend_width(entries.iter().map(|(m, _)| m.chars().count()));
    let axes = Axes {
        left: left_margin(y),
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
    // Sideways nudge per series, in pixels: at most a third of a split's width.
    let spread = (axes.width / n.max(1) as f64 / 3.0).min(4.0 * series.len() as f64);
    let nudge = |k: usize| {
        if series.len() < 2 {
            0.0
        } else {
            spread * (k as f64 / (series.len() - 1) as f64 - 0.5)
        }
    };
    for (k, (model, scores)) in series.iter().enumerate() {
        let colour = entries[k].1;
        let dx = nudge(k);
        let dashed = if entries[k].0 == *model {
            ""
        } else {
            " stroke-dasharray=\"5 3\""
        };
        let points: Vec<String> = scores
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_finite())
            .map(|(i, s)| format!("{:.1},{:.1}", axes.px(i as f64 + 1.0) + dx, axes.py(*s)))
            .collect();
        let _ = writeln!(
            svg,
            "<g class=\"series\" data-model=\"{}\"><polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\"{dashed}/>",
            escape(model),
            points.join(" ")
        );
        if scores.len() <= 60 {
            for (i, s) in scores.iter().enumerate().filter(|(_, s)| s.is_finite()) {
                let _ = writeln!(
                    svg,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{colour}\"><title>{} split {}: {}</title></circle>",
                    axes.px(i as f64 + 1.0) + dx,
                    axes.py(*s),
                    escape(model),
                    i + 1,
                    format_number(*s)
                );
            }
        }
        svg.push_str("</g>\n");
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
        .map(|(k, (name, _, auc))| {
            let name = truncate(name, LEGEND_CHARS - 12);
            (format!("{name} (AUC {auc:.3})"), PALETTE[k % PALETTE.len()])
        })
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
        left: left_margin(range),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_scores_are_not_zoomed_into_the_whole_chart() {
        let (lo, hi) = unzoomed((0.555, 0.565));
        assert!(
            (hi - lo - 0.1).abs() < 1e-12 && (lo - 0.51).abs() < 1e-12,
            "{lo} {hi}"
        );
        // Clamped to the unit interval, and wide ranges are kept.
        let (lo, hi) = unzoomed((0.97, 1.0));
        assert!((lo - 0.9).abs() < 1e-12 && hi == 1.0, "{lo} {hi}");
        assert_eq!(unzoomed((0.2, 0.9)), (0.2, 0.9));
        let (lo, hi) = unzoomed((5000.0, 5010.0));
        assert!((hi - lo - 501.0).abs() < 1e-9, "{lo} {hi}");
    }

    #[test]
    fn the_left_margin_fits_six_digit_tick_labels() {
        assert_eq!(left_margin((0.0, 1.0)), 56.0);
        let wide = left_margin((100_000.0, 250_000.0));
        assert!(wide >= 6.0 * CHAR_WIDTH + 30.0, "{wide}");
        let chart = fold_lines(&[("m".into(), vec![120_000.0, 180_000.0])], "rmse", "x");
        assert!(
            chart.contains(&format!("x=\"{:.1}\"", wide - 6.0)),
            "ticks end left of the plot"
        );
    }

    #[test]
    fn tied_series_stay_visible_and_are_named() {
        let scores = vec![0.9, 0.95, 0.93];
        let chart = fold_lines(
            &[
                ("a".into(), scores.clone()),
                ("b".into(), scores),
                ("c".into(), vec![0.8, 0.85, 0.9]),
            ],
            "accuracy",
            "x",
        );
        assert!(chart.contains("b (same as a)"), "{chart}");
        assert_eq!(chart.matches("stroke-dasharray=\"5 3\"").count(), 1);
        // The two tied lines do not share their points.
        let points = |model: &str| {
            let at = chart.find(&format!("data-model=\"{model}\"")).unwrap();
            let rest = &chart[at..];
            let start = rest.find("points=\"").unwrap() + 8;
            rest[start..start + rest[start..].find('"').unwrap()].to_string()
        };
        assert_ne!(points("a"), points("b"));
    }

    #[test]
    fn a_long_roc_legend_keeps_its_auc() {
        let name = "a_model_with_a_rather_long_name_that_goes_on_and_on".to_string();
        let chart = roc(&[(name, vec![(0.0, 0.0), (1.0, 1.0)], 0.5)], "x");
        assert!(chart.contains("(AUC 0.500)"), "{chart}");
    }
}
