//! The compression table of an `evaluate` statement: which of its models are
//! base models of `compress` variants, and each one's compiled size, nonzero
//! weights and single-row latency next to its score, a variant's also
//! relative to its base's. The terminal table is here; the HTML one is
//! `html/compression.rs`.

use mlg::executor::by_rank;
use mlg::executor::{Compression, Evaluation};

/// One row of the compression table: a model of a statement that compresses
/// it or compresses another model.
pub(crate) struct CompressionRow<'a> {
    /// The model's name.
    pub(crate) model: String,
    /// The base model of its family: itself for a base.
    pub(crate) family: String,
    /// Its size and speed.
    pub(crate) compression: &'a Compression,
    /// Its base model's, for a variant whose base the statement evaluates.
    pub(crate) base: Option<&'a Compression>,
    /// Its ranking score.
    pub(crate) score: Option<f64>,
}

/// The rows of `group`'s compression table: every model that some evaluated
/// `compress` variant compresses, each followed by its variants, in rank
/// order; empty when the statement evaluates no variant.
pub(crate) fn compression_rows(group: &[Evaluation]) -> Vec<CompressionRow<'_>> {
    let ranked: Vec<&Evaluation> = by_rank(group).into_iter().map(|i| &group[i]).collect();
    let family = |e: &Evaluation| -> Option<String> {
        let c = e.compression.as_ref()?;
        Some(c.base.clone().unwrap_or_else(|| e.model.clone()))
    };
    let mut families: Vec<String> = Vec::new();
    for e in &ranked {
        if let (Some(f), Some(Some(_))) = (family(e), e.compression.as_ref().map(|c| &c.base)) {
            if !families.contains(&f) {
                families.push(f);
            }
        }
    }
    let mut rows = Vec::new();
    for f in &families {
        let base = ranked
            .iter()
            .find(|e| &e.model == f && e.compression.as_ref().is_some_and(|c| c.base.is_none()))
            .and_then(|e| e.compression.as_ref());
        let mut members: Vec<&&Evaluation> =
            ranked.iter().filter(|e| family(e).as_ref() == Some(f)).collect();
        // The base first, then its variants in rank order.
        members.sort_by_key(|e| e.compression.as_ref().is_some_and(|c| c.base.is_some()));
        for e in members {
            if let Some(c) = &e.compression {
                rows.push(CompressionRow {
                    model: e.model.clone(),
                    family: f.clone(),
                    compression: c,
                    base: if c.base.is_some() { base } else { None },
                    score: e.ranking_score(),
                });
            }
        }
    }
    rows
}

/// The compression table of `group` for the terminal (see [`compression_rows`]).
pub(crate) fn table(group: &[Evaluation]) -> String {
    let rows = compression_rows(group);
    if rows.is_empty() {
        return String::new();
    }
    let ratio = |v: f64, b: Option<f64>| match b {
        Some(b) if b > 0.0 => format!(" ({:.2}x)", v / b),
        _ => String::new(),
    };
    let mut table = vec![[
        "model",
        "steps",
        &group[0].ranked_by,
        "size_bytes",
        "nonzero_weights",
        "latency_us",
    ]
    .map(String::from)
    .to_vec()];
    for r in &rows {
        let c = r.compression;
        table.push(vec![
            r.model.clone(),
            if c.steps.is_empty() {
                "-".into()
            } else {
                c.steps.join(" -> ")
            },
            r.score.map_or("-".into(), |s| format!("{s:.4}")),
            format!(
                "{:.0}{}",
                c.size_bytes,
                ratio(c.size_bytes, r.base.map(|b| b.size_bytes))
            ),
            format!("{:.0}", c.nonzero_weights),
            c.latency_us.map_or("-".into(), |l| {
                format!("{l:.3}{}", ratio(l, r.base.and_then(|b| b.latency_us)))
            }),
        ]);
    }
    format!(
        "compression (compiled size and single-row latency; a variant's ratio to its base in parentheses)\n{}",
        crate::report::align(&table, true)
    )
}
