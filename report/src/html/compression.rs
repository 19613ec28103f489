//! The compression part of an evaluate statement's section: every base model
//! and each of its `compress` variants with the compiled size, the single-row
//! latency and the ranking score side by side (a table, each variant also
//! relative to its base), and score against size (a chart, one colour per
//! base model).

use super::charts::{left_margin, legend, legend_width, padded, Axes, PALETTE};
use crate::compression::compression_rows;
use crate::page::escape;
use crate::page::svg::{empty_chart, open};
use mlg::executor::Evaluation;
use std::fmt::Write;

/// The table and chart of `group`'s compressed models and their bases;
/// nothing when the statement evaluates no `compress` variant.
pub(super) fn section(page: &mut String, group: &[Evaluation]) {
    let rows = compression_rows(group);
    if rows.is_empty() {
        return;
    }
    let metric = &group[0].ranked_by;
    let _ = writeln!(
        page,
        "<h3>Compression</h3>\n<table class=\"compression\">\n<thead><tr><th>Model</th><th>Steps</th>\
         <th class=\"num\">{}</th><th class=\"num\">Size (bytes)</th><th class=\"num\">Nonzero weights</th>\
         <th class=\"num\">Latency (µs)</th></tr></thead>\n<tbody>",
        escape(metric)
    );
    for row in &rows {
        let c = row.compression;
        let ratio = |v: f64, base: Option<f64>| match base {
            Some(b) if b > 0.0 && row.base.is_some() => format!(" <small>({:.2}×)</small>", v / b),
            _ => String::new(),
        };
        let latency = c
            .latency_us
            .map(|l| format!("{l:.3}{}", ratio(l, row.base.and_then(|b| b.latency_us))))
            .unwrap_or_else(|| "–".into());
        let _ = writeln!(
            page,
            "<tr data-model=\"{m}\"><td>{m}</td><td><code>{}</code></td><td class=\"num\">{}</td>\
             <td class=\"num\">{:.0}{}</td><td class=\"num\">{:.0}</td><td class=\"num\">{latency}</td></tr>",
            if c.steps.is_empty() {
                "–".to_string()
            } else {
                escape(&c.steps.join(" -> "))
            },
            row.score.map_or("–".into(), |s| format!("{s:.4}")),
            c.size_bytes,
            ratio(c.size_bytes, row.base.map(|b| b.size_bytes)),
            c.nonzero_weights,
            m = escape(&row.model),
        );
    }
    page.push_str("</tbody>\n</table>\n");
    page.push_str(&size_chart(&rows, metric));
}

/// Score (y) against compiled size (x), one point per model, coloured by its
/// base model.
fn size_chart(rows: &[crate::compression::CompressionRow<'_>], metric: &str) -> String {
    let label = format!("{metric} against compiled size");
    let points: Vec<(f64, f64, &str, &str)> = rows
        .iter()
        .filter_map(|r| {
            Some((
                r.compression.size_bytes,
                r.score?,
                r.model.as_str(),
                r.family.as_str(),
            ))
        })
        .collect();
    let (Some(x), Some(y)) = (
        padded(points.iter().map(|p| p.0)),
        padded(points.iter().map(|p| p.1)),
    ) else {
        return empty_chart("chart compression", &label, "no sizes to chart");
    };
    let mut families: Vec<&str> = Vec::new();
    for p in &points {
        if !families.contains(&p.3) {
            families.push(p.3);
        }
    }
    let legend_w = legend_width(families.iter().map(|f| f.chars().count()));
    let axes = Axes {
        left: left_margin(y),
        top: 12.0,
        width: 420.0,
        height: 240.0,
        x: (x.0.max(0.0), x.1),
        y,
    };
    let mut svg = open(
        axes.left + axes.width + 16.0 + legend_w,
        302.0,
        "chart compression",
        &label,
    );
    axes.draw(&mut svg, "compiled size (bytes)", metric, false);
    for (size, score, model, family) in &points {
        let colour = PALETTE[families.iter().position(|f| f == family).unwrap_or(0) % PALETTE.len()];
        let (cx, cy) = (axes.px(*size), axes.py(*score));
        let _ = writeln!(
            svg,
            "<circle class=\"point\" cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"4\" fill=\"{colour}\"><title>{}</title></circle>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"point-label\">{}</text>",
            escape(model),
            cx + 6.0,
            cy - 6.0,
            escape(model)
        );
    }
    let entries: Vec<(String, &str)> = families
        .iter()
        .enumerate()
        .map(|(i, f)| (f.to_string(), PALETTE[i % PALETTE.len()]))
        .collect();
    legend(&mut svg, axes.left + axes.width + 16.0, axes.top, &entries);
    svg.push_str("</svg>\n");
    svg
}
