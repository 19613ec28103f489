//! Predictions written chunk by chunk as CSV, JSON lines or (with the
//! `parquet` feature, in `write_parquet.rs`) Parquet.

use super::OutputFormat;
use crate::predictions::Predictions;
use std::io::Write;

/// Where predictions go.
enum Sink<W: Write> {
    Csv(Box<::csv::Writer<W>>),
    /// CSV of a classifier's labels alone: each row is its class's record,
    /// written once as the `csv` crate writes it, copied per row.
    CsvLabels(Box<CsvLabels<W>>),
    JsonLines(W),
    #[cfg(feature = "parquet")]
    Parquet(Box<super::write_parquet::ParquetSink<W>>),
}

/// Writes predictions chunk by chunk: a `prediction` column (the class label for
/// classifiers, the number for regressors), then, when asked for and the model is
/// a classifier, one `proba_<label>` column per class. CSV gets a header row; JSON
/// lines get one object per row. Numbers use the shortest text that reads back to
/// the same `f32`; non-finite numbers are written empty (CSV) or `null` (JSON).
///
/// Parquet gets the same columns, Snappy-compressed: `prediction` is `Utf8` (the
/// label, as CSV writes it) for classifiers and `Float32` for regressors, each
/// `proba_<label>` is `Float32`; a non-finite number, or a classifier row with no
/// valid class (an invalid row kept by [`crate::OnInvalid::Null`]), is a null.
/// Each [`PredictionWriter::write`] appends one record batch; row groups hold at
/// most 65,536 rows (fewer when 32 MiB of encoded data is reached first), which
/// bounds the memory the writer holds.
pub struct PredictionWriter<W: Write> {
    sink: Sink<W>,
    columns: Vec<String>,
    proba: bool,
    /// Whether the first column is a passed-through row ID.
    id: bool,
    /// One row's fields as text, end to end, and where each ends: reused
    /// from row to row so writing allocates nothing per value.
    text: String,
    ends: Vec<usize>,
}

impl<W: Write + Send> PredictionWriter<W> {
    /// A writer for a model with `classes` (empty: a regressor) in `format` (a
    /// [`super::Format`] or an [`OutputFormat`]); writes the CSV header at once.
    /// [`OutputFormat::Parquet`] without the crate's `parquet` feature is an
    /// [`std::io::ErrorKind::Unsupported`] error.
    pub fn new(
        out: W,
        format: impl Into<OutputFormat>,
        classes: &[String],
        proba: bool,
    ) -> std::io::Result<Self> {
        PredictionWriter::with_id(out, format, classes, proba, None)
    }

    /// [`PredictionWriter::new`] with, when `id` names one, a first column of
    /// that name holding each row's ID as text (`mlg predict --id`), written
    /// by [`PredictionWriter::write_with_ids`]: a CSV field, a JSON string, a
    /// Parquet `Utf8` value.
    pub fn with_id(
        out: W,
        format: impl Into<OutputFormat>,
        classes: &[String],
        proba: bool,
        id: Option<&str>,
    ) -> std::io::Result<Self> {
        let proba = proba && !classes.is_empty();
        let mut columns: Vec<String> = id.map(String::from).into_iter().collect();
        columns.push("prediction".to_string());
        if proba {
            columns.extend(classes.iter().map(|c| format!("proba_{c}")));
        }
        let sink = match format.into() {
            OutputFormat::Csv if !classes.is_empty() && !proba && id.is_none() => {
                Sink::CsvLabels(Box::new(CsvLabels::new(out, &columns[0], classes)?))
            }
            OutputFormat::Csv => {
                let mut writer = ::csv::Writer::from_writer(out);
                writer.write_record(&columns)?;
                Sink::Csv(Box::new(writer))
            }
            OutputFormat::JsonLines => Sink::JsonLines(out),
            #[cfg(feature = "parquet")]
            OutputFormat::Parquet => Sink::Parquet(Box::new(super::write_parquet::ParquetSink::new(
                out,
                &columns,
                !classes.is_empty(),
                id.is_some(),
            )?)),
            #[cfg(not(feature = "parquet"))]
            OutputFormat::Parquet => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::Unsupported,
                    "Parquet output needs mlg-runtime's `parquet` feature, which this build lacks",
                ));
            }
        };
        Ok(PredictionWriter {
            sink,
            columns,
            proba,
            id: id.is_some(),
            text: String::new(),
            ends: Vec::new(),
        })
    }

    /// The output column names.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// Writes every row of `predictions` (for Parquet, as one record batch).
    /// A writer made with an ID column needs [`PredictionWriter::write_with_ids`].
    pub fn write(&mut self, predictions: &Predictions) -> std::io::Result<()> {
        if self.id {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "this writer has an ID column: write_with_ids gives each row's ID",
            ));
        }
        self.write_rows(predictions, &[])
    }

    /// Writes every row of `predictions` after its ID (`ids[row]`; the
    /// writer must have an ID column, and `ids` one entry per row).
    pub fn write_with_ids(&mut self, predictions: &Predictions, ids: &[String]) -> std::io::Result<()> {
        if !self.id || ids.len() != predictions.n_rows {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "{} IDs for {} rows{}",
                    ids.len(),
                    predictions.n_rows,
                    if self.id {
                        ""
                    } else {
                        ", and this writer has no ID column"
                    }
                ),
            ));
        }
        self.write_rows(predictions, ids)
    }

    /// Writes the rows, each after its ID when `ids` is not empty.
    fn write_rows(&mut self, predictions: &Predictions, ids: &[String]) -> std::io::Result<()> {
        #[cfg(feature = "parquet")]
        if let Sink::Parquet(sink) = &mut self.sink {
            return sink.write(predictions, ids);
        }
        if let Sink::CsvLabels(sink) = &mut self.sink {
            return sink.write(predictions);
        }
        for row in 0..predictions.n_rows {
            let Some(values) = predictions.row(row) else { break };
            let probabilities = if self.proba { &values[1..] } else { &[][..] };
            match &mut self.sink {
                Sink::Csv(writer) => {
                    self.text.clear();
                    self.ends.clear();
                    if let Some(id) = ids.get(row) {
                        self.text.push_str(id);
                        self.ends.push(self.text.len());
                    }
                    let first = values.first().copied().unwrap_or(f32::NAN);
                    if predictions.is_classification() {
                        self.text.push_str(predictions.label_of(row));
                    } else {
                        push_number(&mut self.text, first);
                    }
                    self.ends.push(self.text.len());
                    for v in probabilities {
                        push_number(&mut self.text, *v);
                        self.ends.push(self.text.len());
                    }
                    let text = &self.text;
                    let mut start = 0;
                    writer.write_record(self.ends.iter().map(|&end| {
                        let field = &text[start..end];
                        start = end;
                        field
                    }))?;
                }
                Sink::JsonLines(out) => {
                    let mut line = String::from("{");
                    if let Some(id) = ids.get(row) {
                        line.push_str(&json_string(&self.columns[0]));
                        line.push(':');
                        line.push_str(&json_string(id));
                        line.push(',');
                    }
                    line.push_str("\"prediction\":");
                    let first = values.first().copied().unwrap_or(f32::NAN);
                    if predictions.is_classification() {
                        let label = predictions.prediction_text(row);
                        if label.is_empty() && !predictions.classes.iter().any(String::is_empty) {
                            line.push_str("null");
                        } else {
                            line.push_str(&json_string(&label));
                        }
                    } else {
                        line.push_str(&json_number(first));
                    }
                    let names = self.columns.iter().skip(1 + usize::from(self.id));
                    for (name, v) in names.zip(probabilities) {
                        line.push(',');
                        line.push_str(&json_string(name));
                        line.push(':');
                        line.push_str(&json_number(*v));
                    }
                    line.push_str("}\n");
                    out.write_all(line.as_bytes())?;
                }
                Sink::CsvLabels(_) => break,
                #[cfg(feature = "parquet")]
                Sink::Parquet(_) => break,
            }
        }
        Ok(())
    }

    /// Flushes (for Parquet: writes the last row group and the footer) and
    /// returns the underlying writer.
    pub fn finish(self) -> std::io::Result<W> {
        match self.sink {
            Sink::Csv(writer) => writer.into_inner().map_err(|e| e.into_error()),
            Sink::CsvLabels(sink) => {
                let mut out = sink.out;
                out.flush()?;
                Ok(out)
            }
            Sink::JsonLines(mut out) => {
                out.flush()?;
                Ok(out)
            }
            #[cfg(feature = "parquet")]
            Sink::Parquet(sink) => sink.finish(),
        }
    }
}

/// The CSV output of a classifier without probabilities.
struct CsvLabels<W: Write> {
    out: W,
    /// The record of each class, then that of a row with no valid class.
    records: Vec<Vec<u8>>,
    /// One chunk's text.
    buffer: Vec<u8>,
}

impl<W: Write> CsvLabels<W> {
    /// Writes the header `column` at once.
    fn new(mut out: W, column: &str, classes: &[String]) -> std::io::Result<Self> {
        out.write_all(&csv_record(column)?)?;
        let mut records = classes
            .iter()
            .map(|c| csv_record(c))
            .collect::<std::io::Result<Vec<_>>>()?;
        records.push(csv_record("")?);
        Ok(CsvLabels {
            out,
            records,
            buffer: Vec::new(),
        })
    }

    /// Every row's record, as [`Predictions::label_of`] names its class.
    fn write(&mut self, predictions: &Predictions) -> std::io::Result<()> {
        self.buffer.clear();
        let none = self.records.len() - 1;
        for row in 0..predictions.n_rows {
            let Some(values) = predictions.row(row) else { break };
            let class = values
                .first()
                .copied()
                .filter(|v| *v >= 0.0 && v.fract() == 0.0 && (*v as usize) < none)
                .map_or(none, |v| v as usize);
            self.buffer.extend_from_slice(&self.records[class]);
        }
        self.out.write_all(&self.buffer)
    }
}

/// The bytes the `csv` crate writes for a record of the one field `field`
/// (quoted where it must be; an empty field as `""`).
fn csv_record(field: &str) -> std::io::Result<Vec<u8>> {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    writer.write_record([field])?;
    writer.into_inner().map_err(|e| e.into_error())
}

/// Appends a CSV number: shortest round-trip text, nothing when not finite.
fn push_number(text: &mut String, v: f32) {
    use std::fmt::Write as _;
    if v.is_finite() {
        // Writing into a `String` cannot fail.
        let _ = write!(text, "{v}");
    }
}

/// A JSON number, `null` when not finite.
fn json_number(v: f32) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        "null".into()
    }
}

/// A JSON string literal.
fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}
