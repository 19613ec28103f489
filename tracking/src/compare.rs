//! Two runs side by side: every metric estimate with its change (B − A),
//! and the parameters that differ, as a text table and as an HTML page.

use crate::record::fmt;
use crate::{clock, RunRow, Store, TrackingError};
use mlg_report::page::{escape, STYLE};
use std::collections::BTreeMap;

/// One metric estimate of either run.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricDelta {
    /// The statement, model and metric, as `statement model metric`.
    pub key: (String, String, String),
    /// Run A's estimate.
    pub a: Option<f64>,
    /// Run B's estimate.
    pub b: Option<f64>,
}

impl MetricDelta {
    /// B − A when both runs have it.
    pub fn delta(&self) -> Option<f64> {
        Some(self.b? - self.a?)
    }
}

/// A parameter whose value differs (or that only one run has).
#[derive(Clone, Debug, PartialEq)]
pub struct ParamDiff {
    /// `STAGE.NAME`.
    pub key: String,
    /// Run A's value.
    pub a: Option<String>,
    /// Run B's value.
    pub b: Option<String>,
}

/// The comparison of run A with run B.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// Run A.
    pub a: RunRow,
    /// Run B.
    pub b: RunRow,
    /// Every metric estimate of either run, in A's order then B's.
    pub metrics: Vec<MetricDelta>,
    /// The parameters that differ, by key.
    pub params: Vec<ParamDiff>,
}

impl Store {
    /// Compares runs `a` and `b` (IDs or unique prefixes).
    pub fn compare(&self, a: &str, b: &str) -> Result<Comparison, TrackingError> {
        let (a, b) = (self.run(a)?, self.run(b)?);
        let mut metrics: Vec<MetricDelta> = Vec::new();
        for (side, run) in [(0, &a), (1, &b)] {
            for m in self.metrics(&run.id)?.into_iter().filter(|m| m.fold.is_none()) {
                let key = (m.statement, m.model, m.metric);
                let at = match metrics.iter().position(|d| d.key == key) {
                    Some(i) => i,
                    None => {
                        metrics.push(MetricDelta {
                            key,
                            a: None,
                            b: None,
                        });
                        metrics.len() - 1
                    }
                };
                if side == 0 {
                    metrics[at].a = Some(m.value);
                } else {
                    metrics[at].b = Some(m.value);
                }
            }
        }
        let pa: BTreeMap<String, String> = self
            .params(&a.id)?
            .into_iter()
            .map(|p| (p.key, p.value))
            .collect();
        let pb: BTreeMap<String, String> = self
            .params(&b.id)?
            .into_iter()
            .map(|p| (p.key, p.value))
            .collect();
        let mut keys: Vec<&String> = pa.keys().chain(pb.keys()).collect();
        keys.sort();
        keys.dedup();
        let params = keys
            .into_iter()
            .filter(|k| pa.get(*k) != pb.get(*k))
            .map(|k| ParamDiff {
                key: k.clone(),
                a: pa.get(k).cloned(),
                b: pb.get(k).cloned(),
            })
            .collect();
        Ok(Comparison {
            a,
            b,
            metrics,
            params,
        })
    }
}

/// A score, or `-` when the run lacks it.
fn cell(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_string(), fmt)
}

/// B − A with its sign, or `-`.
fn delta_cell(delta: Option<f64>) -> String {
    delta.map_or_else(|| "-".to_string(), |d| format!("{d:+.4}"))
}

/// One header line per run.
fn run_line(label: &str, run: &RunRow) -> String {
    format!(
        "run {label}  {}  {}  {}  {}",
        run.short_id(),
        clock::utc(run.started_at),
        run.status,
        run.workflow
    )
}

/// `same` or `differs`.
fn same(a: &str, b: &str) -> &'static str {
    if a == b {
        "same"
    } else {
        "differs"
    }
}

impl Comparison {
    /// The comparison as aligned text.
    pub fn text(&self) -> String {
        let mut out = format!("{}\n{}\n", run_line("A", &self.a), run_line("B", &self.b));
        out.push_str(&format!(
            "source {}, data {}\n\n",
            same(&self.a.source_hash, &self.b.source_hash),
            same(&self.a.data_hash, &self.b.data_hash)
        ));
        let rows: Vec<[String; 4]> = self
            .metrics
            .iter()
            .map(|m| {
                let (s, model, metric) = &m.key;
                [
                    format!("{s} {model} {metric}"),
                    cell(m.a),
                    cell(m.b),
                    delta_cell(m.delta()),
                ]
            })
            .collect();
        out.push_str(&table(["metric", "A", "B", "B - A"], &rows));
        out.push('\n');
        if self.params.is_empty() {
            out.push_str("no parameter differs\n");
        } else {
            let rows: Vec<[String; 3]> = self
                .params
                .iter()
                .map(|p| {
                    let v = |x: &Option<String>| x.clone().unwrap_or_else(|| "-".into());
                    [p.key.clone(), v(&p.a), v(&p.b)]
                })
                .collect();
            out.push_str("parameters that differ\n");
            out.push_str(&table(["parameter", "A", "B"], &rows));
        }
        out
    }

    /// The comparison as a self-contained HTML page.
    pub fn html(&self) -> String {
        let title = format!("mlg runs compare {} {}", self.a.short_id(), self.b.short_id());
        let mut body = String::new();
        for (label, run) in [("A", &self.a), ("B", &self.b)] {
            body.push_str(&format!(
                "<p class=\"meta\">run {label}: <code>{}</code> · {} · {} · {}{}</p>\n",
                escape(&run.id),
                escape(&clock::utc(run.started_at)),
                run.status,
                escape(&run.workflow),
                run.headline
                    .as_ref()
                    .map(|h| format!(" · {}", escape(h)))
                    .unwrap_or_default()
            ));
        }
        body.push_str(&format!(
            "<p class=\"meta\">source {}, data {}</p>\n<h2>Metrics</h2>\n<table class=\"summary\">\
             <tr><th>statement</th><th>model</th><th>metric</th><th class=\"num\">A</th>\
             <th class=\"num\">B</th><th class=\"num\">B − A</th></tr>\n",
            same(&self.a.source_hash, &self.b.source_hash),
            same(&self.a.data_hash, &self.b.data_hash)
        ));
        for m in &self.metrics {
            let (s, model, metric) = &m.key;
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td></tr>\n",
                escape(s),
                escape(model),
                escape(metric),
                cell(m.a),
                cell(m.b),
                delta_cell(m.delta())
            ));
        }
        body.push_str("</table>\n<h2>Parameters that differ</h2>\n");
        if self.params.is_empty() {
            body.push_str("<p>None.</p>\n");
        } else {
            body.push_str("<table class=\"summary\"><tr><th>parameter</th><th>A</th><th>B</th></tr>\n");
            for p in &self.params {
                let v = |x: &Option<String>| escape(x.as_deref().unwrap_or("-"));
                body.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                    escape(&p.key),
                    v(&p.a),
                    v(&p.b)
                ));
            }
            body.push_str("</table>\n");
        }
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\
             <style>{STYLE}</style></head><body>\n<h1>{t}</h1>\n{body}</body></html>\n",
            t = escape(&title)
        )
    }
}

/// Aligned columns: a column whose cells are all numbers (or `-`) is
/// right-aligned, any other left-aligned.
pub(crate) fn table<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
    let mut widths: [usize; N] = header.map(|h| h.chars().count());
    let mut numeric = [true; N];
    for row in rows {
        for i in 0..N {
            widths[i] = widths[i].max(row[i].chars().count());
            numeric[i] &= row[i] == "-" || row[i].trim_end_matches('s').parse::<f64>().is_ok();
        }
    }
    let line = |cells: Vec<&str>| {
        let parts: Vec<String> = (0..N)
            .map(|i| {
                let (c, w) = (cells[i], widths[i]);
                if numeric[i] {
                    format!("{c:>w$}")
                } else {
                    format!("{c:<w$}")
                }
            })
            .collect();
        format!("{}\n", parts.join("  ").trim_end())
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}
