//! The self-contained HTML profile page: inline CSS, inline SVG charts, no scripts
//! and no external assets.

use super::{
    alerts, format_number, is_id_like, ColumnProfile, ColumnStats, Profile, TargetDistribution,
    TargetProfile, MAX_COLUMN_CARDS,
};
use crate::page::{escape, svg, STYLE};
use std::fmt::Write;

/// Rows of a categorical column's level table (the chart shows more).
const TABLE_LEVELS: usize = 10;

/// Renders the whole profile page.
pub fn render(profile: &Profile) -> String {
    let mut page = String::new();
    let source = escape(&profile.source);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Profile of {source}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n\
         <h1>Data profile: <code>{source}</code></h1>\n"
    );
    alert_section(&mut page, profile);
    overview(&mut page, profile);
    if let Some(target) = &profile.target {
        target_section(&mut page, target);
    }
    correlation_section(&mut page, profile);
    page.push_str("<section id=\"columns\">\n<h2>Columns</h2>\n");
    let carded = profile.columns.len().min(MAX_COLUMN_CARDS);
    if carded < profile.columns.len() {
        let _ = writeln!(
            page,
            "<p class=\"meta\">Charts for the first {carded} of {} columns; the overview lists every column.</p>",
            profile.columns.len()
        );
    }
    page.push_str("<div class=\"grid\">\n");
    for (i, column) in profile.columns.iter().take(carded).enumerate() {
        column_article(&mut page, i, column, profile.n_rows);
    }
    page.push_str("</div>\n</section>\n</body>\n</html>\n");
    page
}

/// The kind of a column as shown on the page.
fn kind(column: &ColumnProfile) -> &'static str {
    match column.stats {
        ColumnStats::Numeric(_) => "numeric",
        ColumnStats::Categorical(_) => "categorical",
    }
}

/// `part` as a percentage of `whole`.
fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "0%".into();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

/// The profile's alerts, one line each with the fix; nothing when none.
fn alert_section(page: &mut String, profile: &Profile) {
    let found = alerts(profile);
    if found.is_empty() {
        return;
    }
    let _ = writeln!(
        page,
        "<section id=\"alerts\">\n<h2>Alerts ({})</h2>\n<ul class=\"alerts\">",
        found.len()
    );
    for alert in &found {
        let _ = writeln!(
            page,
            "<li><span class=\"badge\">{}</span> {}</li>",
            alert.kind.name(),
            escape(&alert.message)
        );
    }
    page.push_str("</ul>\n</section>\n");
}

/// Row and column counts, and the one-line-per-column summary table.
fn overview(page: &mut String, profile: &Profile) {
    let numeric = profile.columns.iter().filter(|c| kind(c) == "numeric").count();
    let missing: usize = profile.columns.iter().map(|c| c.missing).sum();
    let _ = write!(
        page,
        "<p class=\"meta\">{} rows · {} columns ({numeric} numeric, {} categorical) · \
         {missing} missing cells ({})</p>\n<section id=\"overview\">\n<h2>Overview</h2>\n\
         <table class=\"summary\">\n<thead><tr><th>Column</th><th>Type</th><th class=\"num\">Missing</th>\
         <th class=\"num\">Distinct</th><th class=\"num\">Missing %</th></tr></thead>\n<tbody>\n",
        profile.n_rows,
        profile.columns.len(),
        profile.columns.len() - numeric,
        percent(missing, profile.n_rows * profile.columns.len()),
    );
    for (i, column) in profile.columns.iter().enumerate() {
        let name = if i < MAX_COLUMN_CARDS {
            format!("<a href=\"#col-{i}\">{}</a>", escape(&column.name))
        } else {
            escape(&column.name)
        };
        let _ = writeln!(
            page,
            "<tr><td class=\"name\">{name}</td><td>{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            kind(column),
            column.missing,
            column.distinct,
            percent(column.missing, profile.n_rows),
        );
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}

/// The target's distribution chart.
fn target_section(page: &mut String, target: &TargetProfile) {
    let name = escape(&target.name);
    let _ = writeln!(
        page,
        "<section id=\"target\">\n<h2>Target: <code>{name}</code></h2>\n\
         <p class=\"meta\">{} missing</p>",
        target.missing
    );
    let label = format!("Distribution of target {}", target.name);
    let chart = match &target.distribution {
        TargetDistribution::Counts(counts) => svg::bars(counts, "chart target", &label),
        TargetDistribution::Histogram(hist) => svg::histogram(hist, "chart target", &label),
    };
    page.push_str(&chart);
    page.push_str("</section>\n");
}

/// The correlation heatmap, or a note when there are too few numeric columns.
fn correlation_section(page: &mut String, profile: &Profile) {
    page.push_str(
        "<section id=\"correlations\">\n<h2>Correlations</h2>\n\
         <p class=\"meta\">Pearson coefficients between numeric columns, each over the rows \
         where both values are present.</p>\n",
    );
    let corr = &profile.correlations;
    if corr.names.len() < corr.numeric_columns {
        let _ = writeln!(
            page,
            "<p class=\"meta\">Showing the {} numeric columns of highest variance out of {}.</p>",
            corr.names.len(),
            corr.numeric_columns
        );
    }
    if corr.names.len() < 2 {
        page.push_str("<p>Fewer than two numeric columns: no correlations to show.</p>\n");
    } else {
        page.push_str(&svg::heatmap(&profile.correlations));
    }
    page.push_str("</section>\n");
}

/// One `<tr>` of a statistics table.
fn stat_row(page: &mut String, label: &str, value: &str) {
    let _ = writeln!(page, "<tr><th>{label}</th><td class=\"num\">{value}</td></tr>");
}

/// The card of one column: statistics (or level counts) beside its chart.
fn column_article(page: &mut String, index: usize, column: &ColumnProfile, n_rows: usize) {
    let name = escape(&column.name);
    let kind = kind(column);
    let _ = write!(
        page,
        "<article class=\"column\" id=\"col-{index}\">\n<h3>{name}<span class=\"badge {kind}\">{kind}</span></h3>\n\
         <div class=\"body\">\n<table class=\"stats\">\n"
    );
    stat_row(
        page,
        "Missing",
        &format!("{} ({})", column.missing, percent(column.missing, n_rows)),
    );
    stat_row(page, "Distinct", &column.distinct.to_string());
    let label = format!("Distribution of {}", column.name);
    let chart = match &column.stats {
        ColumnStats::Numeric(None) => {
            page.push_str("</table>\n");
            svg::empty_chart("chart", &label, "no finite values")
        }
        ColumnStats::Numeric(Some(stats)) => {
            stat_row(page, "Count", &stats.count.to_string());
            if stats.non_finite > 0 {
                stat_row(page, "Infinite", &stats.non_finite.to_string());
            }
            stat_row(page, "Min", &format_number(stats.min));
            for (p, value) in &stats.quantiles {
                stat_row(
                    page,
                    &format!("{}%", format_number(p * 100.0)),
                    &format_number(*value),
                );
            }
            stat_row(page, "Max", &format_number(stats.max));
            stat_row(page, "Mean", &format_number(stats.mean));
            stat_row(page, "Std", &format_number(stats.std));
            page.push_str("</table>\n");
            svg::histogram(&stats.histogram, "chart", &label)
        }
        ColumnStats::Categorical(stats) => {
            page.push_str(
                "</table>\n<table class=\"levels\">\n<thead><tr><th>Level</th>\
                 <th class=\"num\">Count</th><th class=\"num\">%</th></tr></thead>\n<tbody>\n",
            );
            let present = n_rows - column.missing;
            for (level, count) in stats.top.iter().take(TABLE_LEVELS) {
                let _ = writeln!(
                    page,
                    "<tr><td class=\"level\" title=\"{l}\">{l}</td><td class=\"num\">{count}</td>\
                     <td class=\"num\">{}</td></tr>",
                    percent(*count, present),
                    l = escape(level),
                );
            }
            let hidden = column.distinct.saturating_sub(TABLE_LEVELS);
            if hidden > 0 {
                let rest: usize =
                    stats.top.iter().skip(TABLE_LEVELS).map(|(_, c)| c).sum::<usize>() + stats.other;
                let _ = writeln!(
                    page,
                    "<tr><td><em>{hidden} more levels</em></td><td class=\"num\">{rest}</td>\
                     <td class=\"num\">{}</td></tr>",
                    percent(rest, present)
                );
            }
            page.push_str("</tbody>\n</table>\n");
            if is_id_like(column, n_rows) {
                // Bars of one row each say nothing.
                svg::empty_chart("chart", &label, "every value distinct")
            } else {
                svg::bars(&stats.top, "chart", &label)
            }
        }
    };
    page.push_str(&chart);
    page.push_str("</div>\n</article>\n");
}
