//! The confusion-matrix heatmap and the feature-importance bar chart of the
//! evaluation page (inline SVG, text escaped).

use super::charts::MAX_TICKS;
use crate::page::escape;
use crate::page::svg::{empty_chart, nice_step, open, truncate, BAR_FILL, CHAR_WIDTH};
use crate::profile::format_number;
use mlg::executor::{ConfusionMatrix, FeatureScore};
use std::fmt::Write;

/// The most features an importance chart shows (the most important ones).
pub const MAX_FEATURES: usize = 20;

/// Blue shade for a fraction in `[0, 1]`: white at 0, dark blue at 1.
fn blue(t: f64) -> String {
    let t = t.clamp(0.0, 1.0);
    let (from, to) = ([247.0, 251.0, 255.0], [8.0, 69.0, 148.0]);
    let c: Vec<u8> = (0..3)
        .map(|i| (from[i] + (to[i] - from[i]) * t).round() as u8)
        .collect();
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

/// The confusion matrix as a heatmap: rows are true labels, columns predicted
/// labels, each cell labelled with its count and shaded by its share of the
/// row (the class's recall on the diagonal).
pub fn confusion(cm: &ConfusionMatrix, label: &str) -> String {
    const MAX_NAME: usize = 16;
    let n = cm.labels.len();
    if n == 0 {
        return empty_chart("chart confusion", label, "no classes");
    }
    let cell = if n <= 8 {
        48.0
    } else {
        (400.0 / n as f64).max(14.0)
    };
    let names: Vec<String> = cm.labels.iter().map(|l| truncate(l, MAX_NAME)).collect();
    let label_w = names.iter().map(|s| s.chars().count()).max().unwrap_or(1) as f64 * CHAR_WIDTH;
    let (left, top) = (label_w + 30.0, 24.0);
    let grid = cell * n as f64;
    let below = label_w * std::f64::consts::FRAC_1_SQRT_2 + 34.0;
    let mut svg = open(left + grid + 16.0, top + grid + below, "chart confusion", label);
    let _ = writeln!(
        svg,
        "<text x=\"{:.1}\" y=\"14\" text-anchor=\"middle\" class=\"title\">predicted</text>\
         <text x=\"10\" y=\"{:.1}\" text-anchor=\"middle\" class=\"title\" transform=\"rotate(-90 10 {:.1})\">true</text>",
        left + grid / 2.0,
        top + grid / 2.0,
        top + grid / 2.0
    );
    for (t, row) in cm.counts.iter().enumerate() {
        let total: u64 = row.iter().sum();
        let y = top + cell * t as f64;
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left - 6.0,
            y + cell / 2.0 + 4.0,
            escape(&names[t])
        );
        for (p, &count) in row.iter().enumerate() {
            let share = if total == 0 {
                0.0
            } else {
                count as f64 / total as f64
            };
            let x = left + cell * p as f64;
            let ink = if share > 0.5 { "#ffffff" } else { "#222222" };
            let _ = write!(
                svg,
                "<g class=\"cell\" data-true=\"{t}\" data-predicted=\"{p}\"><title>true {} → predicted {}: {count}</title>\
                 <rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{cell:.1}\" height=\"{cell:.1}\" fill=\"{}\" stroke=\"#ffffff\"/>",
                escape(&cm.labels[t]),
                escape(&cm.labels[p]),
                blue(share)
            );
            if cell >= 24.0 {
                let _ = write!(
                    svg,
                    "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{ink}\">{count}</text>",
                    x + cell / 2.0,
                    y + cell / 2.0 + 4.0
                );
            }
            svg.push_str("</g>\n");
        }
    }
    for (p, name) in names.iter().enumerate() {
        let (x, y) = (left + cell * p as f64 + cell / 2.0 + 4.0, top + grid + 10.0);
        let _ = writeln!(
            svg,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"end\" transform=\"rotate(-45 {x:.1} {y:.1})\">{}</text>",
            escape(name)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// Horizontal bars of the [`MAX_FEATURES`] first `scores` (callers pass them
/// most important first): a bar from zero to the mean, a whisker of ± one
/// standard deviation, the value at the end. Negative means (a permutation
/// that helped) extend left of the zero line.
pub fn importance(scores: &[FeatureScore], class: &str, label: &str) -> String {
    let shown = &scores[..scores.len().min(MAX_FEATURES)];
    if shown.is_empty() {
        return empty_chart(class, label, "no importances");
    }
    const MAX_NAME: usize = 24;
    let lo = shown.iter().map(|s| s.mean - s.std).fold(0.0, f64::min);
    let hi = shown.iter().map(|s| s.mean + s.std).fold(0.0, f64::max);
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo, lo + 1.0) };
    let longest = shown
        .iter()
        .map(|s| s.feature.chars().count().min(MAX_NAME))
        .max()
        .unwrap_or(1);
    let left = longest as f64 * CHAR_WIDTH + 14.0;
    let (plot_w, row, top) = (300.0, 18.0, 6.0);
    let px = |v: f64| left + (v - lo) / (hi - lo) * plot_w;
    let height = top + row * shown.len() as f64 + 26.0;
    let mut svg = open(left + plot_w + 70.0, height, class, label);
    for (i, s) in shown.iter().enumerate() {
        let y = top + row * i as f64;
        let (a, b) = (px(s.mean.min(0.0)), px(s.mean.max(0.0)));
        let _ = writeln!(
            svg,
            "<g class=\"feature\" data-feature=\"{f}\"><title>{f}: {} ± {}</title>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{a:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{BAR_FILL}\"/>\
             <line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#333\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
            format_number(s.mean),
            format_number(s.std),
            left - 6.0,
            y + 13.0,
            escape(&truncate(&s.feature, MAX_NAME)),
            y + 3.0,
            (b - a).max(0.5),
            row - 6.0,
            px(s.mean - s.std),
            px(s.mean + s.std),
            y + row / 2.0,
            y + row / 2.0,
            px(hi) + 6.0,
            y + 13.0,
            format_number(round3(s.mean)),
            f = escape(&s.feature),
        );
    }
    let base = top + row * shown.len() as f64;
    let zero = px(0.0);
    let _ = writeln!(
        svg,
        "<line x1=\"{zero:.1}\" x2=\"{zero:.1}\" y1=\"{top:.1}\" y2=\"{base:.1}\" class=\"axis\"/>\
         <line x1=\"{left:.1}\" x2=\"{:.1}\" y1=\"{base:.1}\" y2=\"{base:.1}\" class=\"axis\"/>",
        left + plot_w
    );
    let step = nice_step(hi - lo, 4.0);
    let mut t = (lo / step).ceil() * step;
    // The tick count is bounded even for a degenerate step (overflowed span).
    for _ in 0..MAX_TICKS {
        if t > hi + step * 1e-9 {
            break;
        }
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            px(t),
            base + 14.0,
            format_number(round3(t))
        );
        t += step;
    }
    svg.push_str("</svg>\n");
    svg
}

/// `v` to three significant decimals for labels.
fn round3(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let digits = 3 - v.abs().log10().ceil() as i32;
    let scale = 10f64.powi(digits.max(0));
    (v * scale).round() / scale
}
