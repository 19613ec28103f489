//! The self-contained HTML drift report of `mlg monitor`: inline CSS and SVG, no
//! scripts. A summary table, then per feature the training and new shares of
//! every bucket side by side, the PSI and KS values and an alert badge. Built on
//! the profile page's style and SVG helpers.

use crate::monitor::Monitoring;
use crate::page::svg::{nice_step, open, truncate, BAR_FILL, CHART_WIDTH, CHAR_WIDTH};
use crate::page::{escape, STYLE};
use crate::profile::format_number;
use mlg_runtime::drift::{min_alert_rows, FeatureBins, FeatureDrift};
use mlg_runtime::profile::{FeatureProfile, FeatureStats};
use std::fmt::Write;

/// Bar colour of the new rows' shares.
const NEW_FILL: &str = "#f58518";
/// Extra style of the drift page.
const DRIFT_STYLE: &str = "\
.alert{background:#fbe3e3;color:#a12622}.ok{background:#e3f4e6;color:#22743a}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px;vertical-align:middle}
tr.alerting td{color:#a12622;font-weight:600}
";

/// Renders the whole page.
pub fn render(m: &Monitoring) -> String {
    let mut page = String::new();
    let input = escape(&m.input_path);
    let model = escape(&m.artifact.name);
    let verdict = if m.alert() {
        "<span class=\"badge alert\">drift alert</span>"
    } else {
        "<span class=\"badge ok\">no drift alert</span>"
    };
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Drift of {input} against {model}</title>\n<style>\n{STYLE}{DRIFT_STYLE}</style>\n</head>\n<body>\n\
         <h1>Drift report: <code>{input}</code>{verdict}</h1>\n\
         <p class=\"meta\">{} new rows against the training profile ({} rows) of model <code>{model}</code> \
         in <code>{}</code> · alert when PSI &gt; {} or KS &gt; {}, with at least {} rows · \
         lineage: source {}, data {}</p>\n",
        m.report.rows,
        m.artifact.profile.rows,
        escape(&m.artifact_path),
        format_number(m.config.psi),
        format_number(m.config.ks),
        min_alert_rows(m.config.window),
        escape(or_unknown(&m.artifact.lineage.source_hash)),
        escape(or_unknown(&m.artifact.lineage.data_hash)),
    );
    summary(&mut page, m);
    page.push_str(
        "<section id=\"features\">\n<h2>Features</h2>\n<p class=\"meta legend\">Share of rows per bucket:\
         <span style=\"background:#4c78a8\"></span>training<span style=\"background:#f58518\"></span>new</p>\n\
         <div class=\"grid\">\n",
    );
    for (i, ((drift, bins), feature)) in m
        .report
        .features
        .iter()
        .zip(&m.bins)
        .zip(&m.artifact.profile.features)
        .enumerate()
    {
        article(&mut page, i, drift, bins, feature);
    }
    page.push_str("</div>\n</section>\n</body>\n</html>\n");
    page
}

fn or_unknown(text: &str) -> &str {
    if text.is_empty() {
        "unknown"
    } else {
        text
    }
}

/// `KS` as text, `-` when not computed.
fn ks_text(drift: &FeatureDrift) -> String {
    drift.ks.map_or("-".to_string(), |k| format!("{k:.4}"))
}

/// One line per feature: kind, PSI, KS, alert.
fn summary(page: &mut String, m: &Monitoring) {
    page.push_str(
        "<section id=\"summary\">\n<h2>Summary</h2>\n<table class=\"summary\">\n<thead><tr><th>Feature</th>\
         <th>Type</th><th class=\"num\">PSI</th><th class=\"num\">KS</th><th>Alert</th></tr></thead>\n<tbody>\n",
    );
    for (i, (drift, feature)) in m
        .report
        .features
        .iter()
        .zip(&m.artifact.profile.features)
        .enumerate()
    {
        let _ = writeln!(
            page,
            "<tr{}><td><a href=\"#feature-{i}\">{}</a></td><td>{}</td><td class=\"num\">{:.4}</td>\
             <td class=\"num\">{}</td><td>{}</td></tr>",
            if drift.alert { " class=\"alerting\"" } else { "" },
            escape(&drift.feature),
            kind(feature),
            drift.psi,
            ks_text(drift),
            if drift.alert { "drift alert" } else { "" },
        );
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}

fn kind(feature: &FeatureProfile) -> &'static str {
    match feature.stats {
        FeatureStats::Numeric(_) => "numeric",
        FeatureStats::Categorical(_) => "categorical",
    }
}

/// The card of one feature: statistics beside the paired bucket chart.
fn article(
    page: &mut String,
    index: usize,
    drift: &FeatureDrift,
    bins: &FeatureBins,
    feature: &FeatureProfile,
) {
    let badge = if drift.alert {
        "<span class=\"badge alert\">drift alert</span>"
    } else {
        "<span class=\"badge ok\">ok</span>"
    };
    let _ = write!(
        page,
        "<article id=\"feature-{index}\">\n<h3>{}<span class=\"badge {k}\">{k}</span>{badge}</h3>\n\
         <div class=\"body\">\n<table class=\"stats\">\n",
        escape(&drift.feature),
        k = kind(feature),
    );
    let row = |page: &mut String, label: &str, value: String| {
        let _ = writeln!(page, "<tr><th>{label}</th><td class=\"num\">{value}</td></tr>");
    };
    row(page, "PSI", format!("{:.4}", drift.psi));
    row(page, "KS", ks_text(drift));
    let new_rows: u64 = bins.actual.iter().sum();
    let new_missing = bins.actual.last().copied().unwrap_or(0);
    row(
        page,
        "Training rows",
        (feature.count + feature.missing).to_string(),
    );
    row(page, "Training missing", feature.missing.to_string());
    row(page, "New rows", new_rows.to_string());
    row(page, "New missing", new_missing.to_string());
    if let FeatureStats::Numeric(n) = &feature.stats {
        row(page, "Training mean", format_number(n.mean));
        row(page, "Training std", format_number(n.std));
    }
    page.push_str("</table>\n");
    let label = format!("Training and new shares of {}", drift.feature);
    page.push_str(&paired_bars(bins, &label));
    page.push_str("</div>\n</article>\n");
}

/// Share of `count` in `total` (0 for an empty side).
fn share(count: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        count as f64 / total as f64
    }
}

/// A horizontal chart with two bars per bucket, the training share above the
/// new share; buckets empty on both sides are left out.
fn paired_bars(bins: &FeatureBins, label: &str) -> String {
    let (te, ta) = (bins.expected.iter().sum::<u64>(), bins.actual.iter().sum::<u64>());
    let rows: Vec<(&str, f64, f64)> = bins
        .labels
        .iter()
        .zip(bins.expected.iter().zip(&bins.actual))
        .filter(|(_, (e, a))| **e > 0 || **a > 0)
        .map(|(l, (e, a))| (l.as_str(), share(*e, te), share(*a, ta)))
        .collect();
    const MAX_LABEL: usize = 22;
    let longest = rows
        .iter()
        .map(|(l, _, _)| l.chars().count().min(MAX_LABEL))
        .max()
        .unwrap_or(1);
    let left = (longest as f64 * CHAR_WIDTH + 14.0).max(40.0);
    let (row_h, top, axis) = (28.0, 6.0, 22.0);
    let height = top + row_h * rows.len().max(1) as f64 + axis;
    let plot_w = CHART_WIDTH - left - 52.0;
    let max = rows.iter().map(|(_, e, a)| e.max(*a)).fold(0.0, f64::max);
    let step = nice_step(max, 4.0);
    let x_top = if max > 0.0 {
        (max / step).ceil() * step
    } else {
        1.0
    };
    let x = |v: f64| left + v / x_top * plot_w;
    let mut svg = open(CHART_WIDTH, height, "chart", label);
    let base = top + row_h * rows.len() as f64;
    let mut tick = 0.0;
    while tick <= x_top + 1e-12 {
        let _ = writeln!(
            svg,
            "<line x1=\"{xx:.1}\" x2=\"{xx:.1}\" y1=\"{top}\" y2=\"{base:.1}\" class=\"grid\"/>\
             <text x=\"{xx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}%</text>",
            base + 14.0,
            format_number((tick * 1000.0).round() / 10.0),
            xx = x(tick)
        );
        tick += step;
    }
    for (i, (name, e, a)) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let _ = writeln!(
            svg,
            "<g><title>{}: training {:.1}%, new {:.1}%</title>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{left:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"11\" fill=\"{BAR_FILL}\"/>\
             <rect x=\"{left:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"11\" fill=\"{NEW_FILL}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"muted\">{:.1}%</text>\
             <text x=\"{:.1}\" y=\"{:.1}\">{:.1}%</text></g>",
            escape(name),
            e * 100.0,
            a * 100.0,
            left - 6.0,
            y + 16.0,
            escape(&truncate(name, MAX_LABEL)),
            y + 2.0,
            x(*e) - left,
            y + 13.0,
            x(*a) - left,
            x(*e) + 4.0,
            y + 11.0,
            e * 100.0,
            x(*a) + 4.0,
            y + 23.0,
            a * 100.0,
        );
    }
    svg.push_str("</svg>\n");
    svg
}
