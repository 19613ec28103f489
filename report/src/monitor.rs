//! `mlg monitor`: offline drift of a file of new rows against a deployed
//! artifact's training profile (PSI and KS per feature, as `mlg serve` computes
//! over its sliding window), as a terminal table and a self-contained HTML page;
//! with labels, their live quality too ([`crate::quality`]). The input may be
//! `mlg serve`'s prediction log: its `mlg_` keys are the log's own, not
//! columns, and are not reported as ignored.

use mlg::error::{Error, Result};
use mlg_runtime::drift::{self, min_alert_rows, DriftConfig, DriftReport, FeatureBins};
use mlg_runtime::stream::{Format, RowChunks, DEFAULT_CHUNK_ROWS};
use mlg_runtime::{artifact, Artifact, Column, ColumnData, Frame};
use std::collections::HashMap;
use std::fmt::Write;
use std::path::Path;

/// The result of comparing new rows with an artifact's training profile.
#[derive(Clone, Debug)]
pub struct Monitoring {
    /// The artifact's path as given.
    pub artifact_path: String,
    /// The new rows' path as given.
    pub input_path: String,
    /// The artifact (its profile, schema and name).
    pub artifact: Artifact,
    /// Thresholds used: the artifact's `monitor = drift(...)`, or the defaults.
    pub config: DriftConfig,
    /// PSI, KS and alerts per feature.
    pub report: DriftReport,
    /// Training and new row counts per bucket, per feature.
    pub bins: Vec<FeatureBins>,
    /// The input's columns the model does not read, ignored (at most 20).
    pub ignored_columns: Vec<String>,
    /// Quality of the rows against their labels, when labels were given.
    pub quality: Option<crate::quality::OfflineQuality>,
    /// Per profiled feature, its input anomalies ([`mlg_runtime::anomaly`]).
    pub anomalies: Vec<(String, mlg_runtime::anomaly::Counts)>,
}

impl Monitoring {
    /// True when any feature alerts.
    pub fn alert(&self) -> bool {
        self.report.alert
    }

    /// True when the quality of the labelled rows alerts.
    pub fn quality_alert(&self) -> bool {
        self.quality.as_ref().is_some_and(|q| q.report.alert)
    }
}

/// Reads the artifact at `artifact_path` and the rows of `input` (`.csv` or
/// `.jsonl`, typed by the artifact's input schema) and compares them.
pub fn monitor(artifact_path: &Path, input: &Path) -> Result<Monitoring> {
    monitor_labelled(artifact_path, input, None)
}

/// [`monitor`], and with `labels` (a CSV of the same rows' true labels) the
/// rows' quality against them.
pub fn monitor_labelled(artifact_path: &Path, input: &Path, labels: Option<&Path>) -> Result<Monitoring> {
    let artifact = artifact::read(artifact_path)?;
    if artifact.profile.is_empty() {
        return Err(Error::Usage(format!(
            "`{}` holds no training profile (it was written by an older mlg, format version 1): \
             deploy the model again to monitor drift",
            artifact_path.display()
        )));
    }
    let (frame, ignored_columns) = read_rows(&artifact, input)?;
    let config = artifact.drift_config();
    let report = drift::compare(&artifact.profile, &frame, &config);
    let bins = drift::bins(&artifact.profile, &frame);
    let quality = labels
        .map(|labels| crate::quality::score(&artifact, &frame, labels))
        .transpose()?;
    let check = mlg_runtime::anomaly::AnomalyCheck::new(&artifact.profile);
    let anomalies = check
        .features()
        .map(String::from)
        .zip(check.count(&frame))
        .collect();
    Ok(Monitoring {
        anomalies,
        quality,
        artifact_path: artifact_path.display().to_string(),
        input_path: input.display().to_string(),
        artifact,
        config,
        report,
        bins,
        ignored_columns,
    })
}

/// Reads every row of `input` into one frame with the artifact's input
/// columns, and names the input's other columns (ignored).
fn read_rows(artifact: &Artifact, input: &Path) -> Result<(Frame, Vec<String>)> {
    let format = Format::from_path(input).ok_or_else(|| {
        Error::Usage(format!(
            "cannot tell the format of the input `{}`: name it .csv or .jsonl",
            input.display()
        ))
    })?;
    let file = std::fs::File::open(input).map_err(|source| Error::Io {
        path: input.to_path_buf(),
        source,
    })?;
    let name = input.display().to_string();
    let mut chunks = RowChunks::new(file, format, &name, artifact.schema(), DEFAULT_CHUNK_ROWS)?;
    let mut parts = Vec::new();
    while let Some(frame) = chunks.next_chunk()? {
        parts.push(frame);
    }
    let mut extra = chunks.extra_columns();
    extra.retain(|name| !name.starts_with("mlg_"));
    Ok((concat(artifact, &parts), extra))
}

/// Stacks frames that share their columns (as the chunk reader makes them),
/// merging categorical dictionaries by level text.
fn concat(artifact: &Artifact, parts: &[Frame]) -> Frame {
    let n_rows = parts.iter().map(|f| f.n_rows).sum();
    let columns = artifact
        .schema()
        .iter()
        .enumerate()
        .map(|(j, slot)| {
            let mut values = Vec::new();
            let mut codes = Vec::new();
            let mut levels: Vec<String> = Vec::new();
            let mut index: HashMap<String, u32> = HashMap::new();
            let mut missing = Vec::with_capacity(n_rows);
            let mut numeric = true;
            for part in parts {
                let Some(column) = part.columns.get(j) else {
                    continue;
                };
                missing.extend_from_slice(&column.missing);
                match &column.data {
                    ColumnData::Numeric(v) => values.extend_from_slice(v),
                    ColumnData::Categorical { codes: c, levels: l } => {
                        numeric = false;
                        let map: Vec<u32> = l
                            .iter()
                            .map(|level| {
                                *index.entry(level.clone()).or_insert_with(|| {
                                    levels.push(level.clone());
                                    levels.len() as u32 - 1
                                })
                            })
                            .collect();
                        codes.extend(c.iter().map(|c| map.get(*c as usize).copied().unwrap_or(0)));
                    }
                }
            }
            if numeric {
                Column {
                    name: slot.name.clone(),
                    data: ColumnData::Numeric(values),
                    missing,
                }
            } else {
                Column::categorical(slot.name.clone(), codes, levels, missing)
            }
        })
        .collect();
    Frame::new(columns, n_rows)
}

/// The terminal table: one line per feature (PSI, KS, alert), then a verdict
/// line that says `drift alert` and names the features when any alerts.
pub fn table(m: &Monitoring) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "drift of {} ({} rows) against the training profile of {} ({} rows)",
        m.input_path, m.report.rows, m.artifact_path, m.artifact.profile.rows
    );
    let _ = writeln!(
        out,
        "thresholds: psi > {}, ks > {}; alerts need at least {} rows\n",
        m.config.psi,
        m.config.ks,
        min_alert_rows(m.config.window)
    );
    let width = m
        .report
        .features
        .iter()
        .map(|f| f.feature.chars().count())
        .max()
        .unwrap_or(0)
        .max("feature".len());
    let _ = writeln!(out, "{:width$}  {:>8}  {:>8}  alert", "feature", "psi", "ks");
    for f in &m.report.features {
        let ks = f.ks.map_or("-".to_string(), |k| format!("{k:.4}"));
        let alert = if f.alert { "ALERT" } else { "" };
        let line = format!("{:width$}  {:>8.4}  {ks:>8}  {alert}", f.feature, f.psi);
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out.push('\n');
    let alerting: Vec<&str> = m.report.alerting().map(|f| f.feature.as_str()).collect();
    let needed = min_alert_rows(m.config.window);
    if alerting.is_empty() && m.report.rows < needed {
        let _ = writeln!(
            out,
            "no drift alert (only {} rows; alerts need at least {needed})",
            m.report.rows
        );
    } else if alerting.is_empty() {
        out.push_str("no drift alert\n");
    } else {
        let _ = writeln!(out, "drift alert: {}", alerting.join(", "));
    }
    let odd: Vec<String> = m
        .anomalies
        .iter()
        .flat_map(|(feature, counts)| {
            mlg_runtime::anomaly::KINDS
                .iter()
                .zip(counts)
                .filter(|(_, n)| **n > 0)
                .map(move |(kind, n)| format!("{feature}: {n} {kind}"))
        })
        .collect();
    if !odd.is_empty() {
        let _ = writeln!(
            out,
            "input anomalies (values the training rows never showed): {}",
            odd.join(", ")
        );
    }
    out
}

/// Writes the self-contained HTML drift report of `m` to `path`.
pub fn write_html(path: &Path, m: &Monitoring) -> Result<()> {
    mlg::files::write_atomic(path, crate::monitor_html::render(m).as_bytes())
}
