//! Hand-written inline SVG charts shared by every page: the axes, ticks and
//! frames, histograms, horizontal bar charts and the correlation heatmap.
//! Every piece of text from the data is escaped.

use super::escape;
use crate::profile::{format_number, Correlations, Histogram};
use std::fmt::Write;

/// Width of the per-column charts, in pixels.
pub(crate) const CHART_WIDTH: f64 = 420.0;
/// Approximate advance of one character at the 11px chart font.
pub(crate) const CHAR_WIDTH: f64 = 6.4;
/// Bar colour of histograms and bar charts.
pub(crate) const BAR_FILL: &str = "#4c78a8";

/// Opens an `<svg>` element of the given size; `label` becomes its accessible name.
pub(crate) fn open(width: f64, height: f64, class: &str, label: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"{class}\" width=\"{width:.0}\" \
         height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" role=\"img\" \
         aria-label=\"{}\">\n",
        escape(label)
    )
}

/// `text` cut to `max` characters, with an ellipsis when it was longer.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// A round step (1, 2 or 5 times a power of ten) near `span / intervals`, for axis ticks.
pub(crate) fn nice_step(span: f64, intervals: f64) -> f64 {
    if span <= 0.0 || !span.is_finite() {
        return 1.0;
    }
    let raw = span / intervals;
    let power = 10f64.powf(raw.log10().floor());
    let unit = raw / power;
    let nice = if unit <= 1.0 {
        1.0
    } else if unit <= 2.0 {
        2.0
    } else if unit <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

/// A small chart that says there is nothing to draw.
pub fn empty_chart(class: &str, label: &str, message: &str) -> String {
    let mut svg = open(CHART_WIDTH, 40.0, class, label);
    let _ = writeln!(
        svg,
        "<text x=\"8\" y=\"24\" class=\"muted\">{}</text>\n</svg>",
        escape(message)
    );
    svg
}

/// A histogram: vertical bars over equal-width bins, count axis on the left and
/// round value ticks along the bottom.
pub fn histogram(hist: &Histogram, class: &str, label: &str) -> String {
    let (width, height) = (CHART_WIDTH, 220.0);
    let (left, right, top, bottom) = (48.0, 24.0, 12.0, 34.0);
    let (plot_w, plot_h) = (width - left - right, height - top - bottom);
    let max = hist.counts.iter().copied().max().unwrap_or(0);
    if max == 0 {
        return empty_chart(class, label, "no values to chart");
    }
    let step = nice_step(max as f64, 4.0).max(1.0);
    let y_top = (max as f64 / step).ceil() * step;
    let y = |count: f64| top + plot_h - count / y_top * plot_h;
    let mut svg = open(width, height, class, label);
    let mut tick = 0.0;
    while tick <= y_top + 1e-9 {
        let _ = writeln!(
            svg,
            "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" class=\"grid\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left + plot_w,
            left - 6.0,
            y(tick) + 4.0,
            format_number(tick),
            yy = y(tick)
        );
        tick += step;
    }
    let bins = hist.counts.len().max(1) as f64;
    let (bin_w, value_w) = (plot_w / bins, (hist.hi - hist.lo) / bins);
    for (i, &count) in hist.counts.iter().enumerate() {
        let (a, b) = (hist.lo + value_w * i as f64, hist.lo + value_w * (i + 1) as f64);
        let close = if i + 1 == hist.counts.len() { ']' } else { ')' };
        let _ = writeln!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{BAR_FILL}\">\
             <title>[{}, {}{close}: {count}</title></rect>",
            left + bin_w * i as f64 + 0.5,
            y(count as f64),
            (bin_w - 1.0).max(0.5),
            plot_h - (y(count as f64) - top),
            format_number(a),
            format_number(b),
        );
    }
    let base = top + plot_h;
    let _ = writeln!(
        svg,
        "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{base}\" y2=\"{base}\" class=\"axis\"/>",
        left + plot_w
    );
    let x_step = nice_step(hist.hi - hist.lo, 6.0);
    let first = (hist.lo / x_step).ceil();
    for k in 0..12 {
        let value = (first + f64::from(k)) * x_step;
        if value > hist.hi + x_step * 1e-9 {
            break;
        }
        let x = left + (value - hist.lo) / (hist.hi - hist.lo) * plot_w;
        let _ = writeln!(
            svg,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{base}\" y2=\"{:.1}\" class=\"axis\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            base + 4.0,
            base + 17.0,
            format_number(value)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// A horizontal bar chart of `(label, count)` pairs, one row per pair, with the
/// label on the left and the count at the end of each bar.
pub fn bars(counts: &[(String, usize)], class: &str, label: &str) -> String {
    let max = counts.iter().map(|(_, c)| *c).max().unwrap_or(0);
    if counts.is_empty() || max == 0 {
        return empty_chart(class, label, "no values to chart");
    }
    const MAX_LABEL: usize = 18;
    let longest = counts
        .iter()
        .map(|(l, _)| l.chars().count().min(MAX_LABEL))
        .max()
        .unwrap_or(1);
    let left = (longest as f64 * CHAR_WIDTH + 14.0).max(40.0);
    let count_room = format!("{max}").len() as f64 * CHAR_WIDTH + 10.0;
    let (row, top) = (20.0, 6.0);
    let height = top * 2.0 + row * counts.len() as f64;
    let plot_w = CHART_WIDTH - left - count_room - 6.0;
    let mut svg = open(CHART_WIDTH, height, class, label);
    for (i, (level, count)) in counts.iter().enumerate() {
        let y = top + row * i as f64;
        let w = (*count as f64 / max as f64 * plot_w).max(if *count > 0 { 1.0 } else { 0.0 });
        let _ = writeln!(
            svg,
            "<g><title>{}: {count}</title>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{left:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{BAR_FILL}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{count}</text></g>",
            escape(level),
            left - 6.0,
            y + 14.0,
            escape(&truncate(level, MAX_LABEL)),
            y + 3.0,
            row - 6.0,
            left + w + 4.0,
            y + 14.0,
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// The diverging colour of correlation `r` in [-1, 1]: blue through white to red.
pub fn correlation_colour(r: f64) -> String {
    let r = r.clamp(-1.0, 1.0);
    let (white, end) = (
        [247.0, 247.0, 247.0],
        if r < 0.0 {
            [33.0, 102.0, 172.0]
        } else {
            [178.0, 24.0, 43.0]
        },
    );
    let t = r.abs();
    let c: Vec<u8> = (0..3)
        .map(|i| (white[i] + (end[i] - white[i]) * t).round() as u8)
        .collect();
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

/// The correlation heatmap: one cell per pair of numeric columns, coloured by the
/// coefficient and labelled with it, names on the left and (rotated) below, and a
/// colour legend from −1 to 1 on the right.
pub fn heatmap(corr: &Correlations) -> String {
    const MAX_NAME: usize = 22;
    let n = corr.names.len();
    let cell = if n <= 10 {
        56.0
    } else {
        (560.0 / n as f64).max(14.0)
    };
    let show_values = cell >= 30.0;
    let names: Vec<String> = corr.names.iter().map(|s| truncate(s, MAX_NAME)).collect();
    let longest = names.iter().map(|s| s.chars().count()).max().unwrap_or(1) as f64;
    let label_len = longest * CHAR_WIDTH;
    let (left, top) = (label_len + 14.0, 10.0);
    let grid = cell * n as f64;
    let below = label_len * std::f64::consts::FRAC_1_SQRT_2 + 24.0;
    let legend_x = left + grid + 24.0;
    let width = legend_x + 70.0;
    let height = (top + grid + below).max(top + 220.0);
    let mut svg = open(width, height, "chart heatmap", "Pearson correlation heatmap");
    for (i, row) in corr.values.iter().enumerate() {
        let y = top + cell * i as f64;
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left - 6.0,
            y + cell / 2.0 + 4.0,
            escape(&names[i])
        );
        for (j, value) in row.iter().enumerate() {
            let x = left + cell * j as f64;
            let (fill, text) = match value {
                Some(r) => (correlation_colour(*r), format!("{r:.2}")),
                None => ("#d9d9d9".to_string(), "n/a".to_string()),
            };
            let ink = if value.is_some_and(|r| r.abs() > 0.55) {
                "#ffffff"
            } else {
                "#222222"
            };
            let _ = write!(
                svg,
                "<g><title>{} × {}: {text}</title><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{cell:.1}\" \
                 height=\"{cell:.1}\" fill=\"{fill}\" stroke=\"#ffffff\"/>",
                escape(&corr.names[i]),
                escape(&corr.names[j]),
            );
            if show_values {
                let _ = write!(
                    svg,
                    "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{ink}\">{text}</text>",
                    x + cell / 2.0,
                    y + cell / 2.0 + 4.0
                );
            }
            svg.push_str("</g>\n");
        }
    }
    for (j, name) in names.iter().enumerate() {
        let (x, y) = (left + cell * j as f64 + cell / 2.0 + 4.0, top + grid + 10.0);
        let _ = writeln!(
            svg,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"end\" transform=\"rotate(-45 {x:.1} {y:.1})\">{}</text>",
            escape(name)
        );
    }
    legend(&mut svg, legend_x, top, 200.0);
    svg.push_str("</svg>\n");
    svg
}

/// A vertical colour legend from +1 (top) to −1 (bottom) at `(x, top)`.
fn legend(svg: &mut String, x: f64, top: f64, height: f64) {
    const STEPS: usize = 40;
    let step_h = height / STEPS as f64;
    for k in 0..STEPS {
        let r = 1.0 - 2.0 * (k as f64 + 0.5) / STEPS as f64;
        let _ = writeln!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{:.2}\" width=\"16\" height=\"{:.2}\" fill=\"{}\"/>",
            top + step_h * k as f64,
            step_h + 0.3,
            correlation_colour(r)
        );
    }
    let _ = writeln!(
        svg,
        "<rect x=\"{x:.1}\" y=\"{top:.1}\" width=\"16\" height=\"{height:.1}\" fill=\"none\" class=\"frame\"/>"
    );
    for (k, label) in ["1", "0.5", "0", "−0.5", "−1"].iter().enumerate() {
        let y = top + height * k as f64 / 4.0;
        let _ = writeln!(
            svg,
            "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" class=\"axis\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{label}</text>",
            x + 16.0,
            x + 20.0,
            x + 23.0,
            y + 4.0
        );
    }
}
