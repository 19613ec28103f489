//! Model outputs for a batch of rows, and their CSV form.

use crate::invalid::InvalidRow;
use std::io::Write;

/// The outputs of a model for `n_rows` rows, row-major.
///
/// Classifiers: `columns` is `class` (the index into `classes`, as `f32`) then
/// `proba_<label>` per class in `classes` order. Regressors: `columns` is
/// `prediction` and `classes` is empty. `values.len() == n_rows * columns.len()`.
///
/// Every value of a row is finite, except in the rows that
/// [`crate::OnInvalid::Null`] kept as invalid, whose values are all NaN; `invalid`
/// lists the rows (by their index in the input batch) that were dropped
/// ([`crate::OnInvalid::Skip`]) or kept as NaN, and is empty otherwise.
#[derive(Clone, Debug, PartialEq)]
pub struct Predictions {
    /// One name per value column.
    pub columns: Vec<String>,
    /// Number of rows, in input order.
    pub n_rows: usize,
    /// Row-major values, `columns.len()` per row.
    pub values: Vec<f32>,
    /// Class labels in output order; empty for regression.
    pub classes: Vec<String>,
    /// The input rows the model could not predict, in input order.
    pub invalid: Vec<InvalidRow>,
}

impl Predictions {
    /// Predictions over packed output rows of the graph convention documented on
    /// [`crate::Artifact`]: `classes` empty means one `prediction` value per row,
    /// otherwise `class` then one probability per class.
    pub fn new(classes: Vec<String>, n_rows: usize, values: Vec<f32>) -> Predictions {
        let columns = if classes.is_empty() {
            vec!["prediction".to_string()]
        } else {
            std::iter::once("class".to_string())
                .chain(classes.iter().map(|c| format!("proba_{c}")))
                .collect()
        };
        Predictions {
            columns,
            n_rows,
            values,
            classes,
            invalid: Vec::new(),
        }
    }

    /// True for a classifier's predictions.
    pub fn is_classification(&self) -> bool {
        !self.classes.is_empty()
    }

    /// The values of row `row`, or `None` past the end.
    pub fn row(&self, row: usize) -> Option<&[f32]> {
        let width = self.columns.len();
        self.values.get(row * width..(row + 1) * width)
    }

    /// The prediction of row `row` as text: the class label for classifiers (empty
    /// when the class index is not a valid label index), the number for regressors
    /// (empty when it is not finite).
    pub fn prediction_text(&self, row: usize) -> String {
        let Some(&first) = self.row(row).and_then(|r| r.first()) else {
            return String::new();
        };
        if !self.is_classification() {
            return number(first);
        }
        self.label(first).unwrap_or_default().to_string()
    }

    /// Row `row`'s class label, `""` when the row's class is not a valid
    /// index (or the model is a regressor): [`Predictions::prediction_text`]
    /// of a classifier, without the copy.
    pub fn label_of(&self, row: usize) -> &str {
        self.row(row)
            .and_then(|r| r.first())
            .and_then(|&first| self.label(first))
            .unwrap_or_default()
    }

    /// The class label a class-index value denotes, if it is a valid index.
    fn label(&self, value: f32) -> Option<&str> {
        if value >= 0.0 && value.fract() == 0.0 {
            self.classes.get(value as usize).map(String::as_str)
        } else {
            None
        }
    }

    /// Writes the predictions as CSV, rows in input order. Classifiers: columns
    /// `prediction` (the class label) then `proba_<label>` per class; regressors:
    /// `prediction`. Numbers use the shortest text that reads back to the same `f32`;
    /// the NaN values of invalid rows kept by [`crate::OnInvalid::Null`] are empty.
    pub fn write_csv<W: Write>(&self, w: W) -> std::io::Result<()> {
        let mut writer = ::csv::Writer::from_writer(w);
        let mut header = vec!["prediction".to_string()];
        header.extend(self.columns.iter().skip(1).cloned());
        writer.write_record(&header)?;
        let mut record: Vec<String> = Vec::with_capacity(header.len());
        for row in 0..self.n_rows {
            let Some(values) = self.row(row) else { break };
            record.clear();
            record.push(self.prediction_text(row));
            record.extend(values.iter().skip(1).map(|v| number(*v)));
            writer.write_record(&record)?;
        }
        writer.flush()
    }

    /// The CSV text [`Predictions::write_csv`] writes.
    pub fn to_csv_string(&self) -> std::io::Result<String> {
        let mut bytes = Vec::new();
        self.write_csv(&mut bytes)?;
        String::from_utf8(bytes).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }
}

/// A number as CSV text: the shortest text that reads back to the same `f32`,
/// empty when it is not finite.
fn number(v: f32) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        String::new()
    }
}
