//! `mlg monitor --labels`: live quality offline. The artifact's compiled model
//! predicts the new rows, their true labels come from a CSV file of the same
//! rows in the same order, and the pairs are scored as `mlg serve` scores its
//! window ([`mlg_runtime::quality`]), all rows at once, against the evaluated
//! accuracy (or RMSE) stored in the artifact.

use mlg::error::{Error, Result};
use mlg_runtime::quality::{self, Labelled, QualityConfig, QualityReport, QualityWindow};
use mlg_runtime::{Artifact, ColumnData, Frame, Model, OnInvalid};
use std::fmt::Write;
use std::path::Path;

/// The labelled rows' scores.
#[derive(Clone, Debug)]
pub struct OfflineQuality {
    /// The labels' path as given.
    pub labels_path: String,
    /// Thresholds: the artifact's `monitor = quality(...)`, or the defaults.
    pub config: QualityConfig,
    /// Scores and alert over every labelled row.
    pub report: QualityReport,
    /// Rows skipped: a missing label, or a row the model answers with no
    /// prediction (a missing value it cannot impute).
    pub skipped: usize,
}

/// Predicts `frame` with `artifact` and scores it against the labels in
/// `labels` (a CSV whose column named as the artifact's target, or whose only
/// column, holds one label per row of `frame`).
pub fn score(artifact: &Artifact, frame: &Frame, labels: &Path) -> Result<OfflineQuality> {
    let table = mlg_runtime::csv::read_csv(labels)?;
    let shown = labels.display();
    let column = match (table.column(&artifact.target), table.columns.as_slice()) {
        (Some(column), _) => column,
        (None, [only]) => only,
        (None, _) => {
            return Err(Error::Usage(format!(
                "{shown}: no column `{}` (the model's target), and more than one column to choose from",
                artifact.target
            )))
        }
    };
    if table.n_rows != frame.n_rows {
        return Err(Error::Usage(format!(
            "{shown} holds {} labels but the input holds {} rows; give one label per input row, in order",
            table.n_rows, frame.n_rows
        )));
    }
    let model = Model::from_artifact(artifact.clone())?;
    let predictions = model.predict_with(frame, OnInvalid::Null)?;
    let width = model.n_outputs().max(1);
    let classifier = !artifact.classes.is_empty();
    let mut window = QualityWindow::new(artifact.classes.len(), frame.n_rows);
    let mut skipped = 0;
    for (row, output) in predictions.values.chunks_exact(width).enumerate() {
        let label = match (&column.data, classifier) {
            _ if column.missing[row] => None,
            (_, true) => {
                let text = column.display_value(row);
                Some(
                    artifact
                        .classes
                        .iter()
                        .position(|c| *c == text)
                        .map_or(-1.0, |c| c as f64),
                )
            }
            (ColumnData::Numeric(values), false) => Some(values[row]),
            (ColumnData::Categorical { .. }, false) => {
                return Err(Error::Usage(format!(
                    "{shown}: the labels of a regressor must be numbers, but column `{}` holds text \
                     (row {}: `{}`)",
                    column.name,
                    row + 1,
                    column.display_value(row)
                )))
            }
        };
        match label {
            Some(label) if output[0].is_finite() => window.push(Labelled {
                predicted: f64::from(output[0]),
                label,
            }),
            _ => skipped += 1,
        }
    }
    let config = artifact.quality.clone().unwrap_or_default();
    // Scored over every row; alerts need min(window, 100) of them as live.
    let mut report = window.report(&config, quality::baseline(&artifact.metrics, classifier));
    let needed = config.window.min(mlg_runtime::drift::ALERT_MIN_ROWS);
    report.alert &= report.rows >= needed;
    Ok(OfflineQuality {
        labels_path: shown.to_string(),
        config,
        report,
        skipped,
    })
}

/// The quality lines of the `mlg monitor` table.
pub fn table(q: &OfflineQuality) -> String {
    let r = &q.report;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "quality of {} labelled rows ({}{})",
        r.rows,
        q.labels_path,
        if q.skipped > 0 {
            format!("; {} rows without a label or a prediction skipped", q.skipped)
        } else {
            String::new()
        }
    );
    for (name, value) in r.scores() {
        let name = match name {
            "precision" | "recall" | "f1" => format!("{name} (macro)"),
            _ => name.to_string(),
        };
        if let Some(v) = value {
            let _ = writeln!(out, "  {name:18} {v:.4}");
        }
    }
    let classifier = r.accuracy.is_some();
    match r.baseline {
        Some(b) if classifier => {
            let _ = writeln!(
                out,
                "  evaluated accuracy {b:.4}; alert below {:.4} (accuracy_drop {})",
                b - q.config.accuracy_drop,
                q.config.accuracy_drop
            );
        }
        Some(b) => {
            let _ = writeln!(
                out,
                "  evaluated rmse {b:.4}; alert above {:.4} (rmse_rise {})",
                b * (1.0 + q.config.rmse_rise),
                q.config.rmse_rise
            );
        }
        None => {
            let _ = writeln!(
                out,
                "  no evaluated score in the artifact to compare with: no alert"
            );
        }
    }
    out.push('\n');
    out.push_str(if r.alert {
        "quality alert\n"
    } else {
        "no quality alert\n"
    });
    out
}
