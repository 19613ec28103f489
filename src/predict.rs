//! `mlg predict`: streams rows from a CSV, JSON-lines or Parquet file through a
//! compiled model, chunk by chunk (a Parquet file row group by row group,
//! [`crate::predict_parquet`]), so memory stays constant whatever the input's
//! size.
//! Predictions go to CSV, JSON lines or Parquet (by `--output`'s extension) or,
//! without `--output`, to stdout as CSV.
//!
//! Each chunk of [`mlg_runtime::stream::DEFAULT_CHUNK_ROWS`] rows becomes a frame
//! typed by the artifact's input schema. Reading, predicting and writing run on
//! three threads a few chunks apart (at most `READ_AHEAD` chunks read ahead,
//! two predicted ahead of the writer), and `mlg predict` compiles the model
//! while the first chunks are read. The output goes to a temporary file beside
//! `--output` that is renamed over it only once every row succeeded, so an
//! error never leaves a partial file.
//!
//! Rows the model cannot predict (their outputs are not finite: say, a missing
//! value the model has no imputation for) follow `--on-invalid`: `error` (the
//! default) fails naming their lines and columns, `skip` drops them and `null`
//! writes an empty prediction for them; both report them on stderr.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
pub use mlg::error::UnpredictableRows;
use mlg::error::{Error, Result};
use mlg_runtime::files::AtomicFile;
use mlg_runtime::invalid::REPORTED_ROWS;
use mlg_runtime::stream::{Format, OutputFormat, PredictionWriter, RowChunks, DEFAULT_CHUNK_ROWS};
use mlg_runtime::{InvalidRow, Model, OnInvalid, Predictions, RuntimeError};
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::Path;

/// Options of [`predict_file`].
#[derive(Clone, Debug)]
pub struct PredictOptions {
    /// Also write one `proba_<label>` column per class (`--proba`; an error
    /// for a regressor).
    pub proba: bool,
    /// Rows per chunk.
    pub chunk_rows: usize,
    /// Show a progress bar on stderr (only drawn when stderr is a terminal).
    pub progress: bool,
    /// What to do with rows the model cannot predict (`--on-invalid`).
    pub on_invalid: OnInvalid,
    /// Refuse an input with columns the model does not read
    /// (`--strict-columns`); otherwise they are ignored and listed in
    /// [`Predicted::ignored`].
    pub strict_columns: bool,
    /// A column of the input written first in the output, as read (`--id`),
    /// so predictions can be joined back to their rows.
    pub id: Option<String>,
}

impl Default for PredictOptions {
    fn default() -> PredictOptions {
        PredictOptions {
            proba: false,
            chunk_rows: DEFAULT_CHUNK_ROWS,
            progress: false,
            on_invalid: OnInvalid::Error,
            strict_columns: false,
            id: None,
        }
    }
}

/// What [`predict_file`] did: rows read, and the rows the model could not
/// predict (dropped by `--on-invalid skip`, written empty by `null`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Predicted {
    /// Input rows read.
    pub rows: u64,
    /// Input rows the model could not predict.
    pub invalid: u64,
    /// The first of them (at most [`REPORTED_ROWS`]): line in the input and reason.
    pub first_invalid: Vec<(u64, String)>,
    /// The policy that handled them.
    pub on_invalid: OnInvalid,
    /// The input's columns the model does not read, ignored (at most 20).
    pub ignored: Vec<String>,
}

impl Predicted {
    /// A note for stderr when some rows could not be predicted, e.g.
    /// "in.csv: skipped 2 rows the model cannot predict:" then one line per row.
    pub fn note(&self, input: &Path) -> Option<String> {
        let ignored = (!self.ignored.is_empty()).then(|| {
            let names: Vec<String> = self.ignored.iter().map(|c| format!("`{c}`")).collect();
            format!(
                "{}: ignored {} column{} the model does not read: {} (--strict-columns refuses them)",
                input.display(),
                self.ignored.len(),
                if self.ignored.len() == 1 { "" } else { "s" },
                names.join(", ")
            )
        });
        if self.invalid == 0 {
            return ignored;
        }
        let done = match self.on_invalid {
            OnInvalid::Skip => "skipped",
            _ => "wrote an empty prediction for",
        };
        let rows = if self.invalid == 1 { "row" } else { "rows" };
        let mut note = format!(
            "{}: {done} {} {rows} the model cannot predict:",
            input.display(),
            self.invalid
        );
        for (line, reason) in &self.first_invalid {
            note.push_str(&format!("\n  line {line}: {reason}"));
        }
        let shown = self.first_invalid.len() as u64;
        if self.invalid > shown {
            note.push_str(&format!("\n  ... and {} more", self.invalid - shown));
        }
        if let Some(ignored) = ignored {
            note = format!("{ignored}\n{note}");
        }
        Some(note)
    }
}

/// Where [`predict_file`] reads its chunks of rows: a CSV or JSON-lines
/// [`RowChunks`], or a Parquet file's row groups.
pub trait Chunks: Send {
    /// The next chunk of rows, or `None` at the end of the input.
    fn next_chunk(&mut self) -> std::result::Result<Option<mlg_runtime::Frame>, mlg_runtime::DataError>;
    /// The 1-based line (a Parquet file: row) of each row of the last chunk.
    fn chunk_lines(&self) -> &[u64];
    /// Data rows read so far.
    fn rows_read(&self) -> u64;
    /// Input bytes consumed so far (for progress).
    fn bytes_read(&self) -> u64;
    /// The input's columns the model does not read, seen so far.
    fn extra_columns(&self) -> Vec<String>;
}

impl<R: std::io::Read + Send> Chunks for RowChunks<R> {
    fn next_chunk(&mut self) -> std::result::Result<Option<mlg_runtime::Frame>, mlg_runtime::DataError> {
        RowChunks::next_chunk(self)
    }

    fn chunk_lines(&self) -> &[u64] {
        RowChunks::chunk_lines(self)
    }

    fn rows_read(&self) -> u64 {
        RowChunks::rows_read(self)
    }

    fn bytes_read(&self) -> u64 {
        RowChunks::bytes_read(self)
    }

    fn extra_columns(&self) -> Vec<String> {
        RowChunks::extra_columns(self)
    }
}

/// The row format of the input `path` by its extension (`None`: Parquet), or
/// a usage error.
fn input_format_of(path: &Path) -> Result<Option<Format>> {
    match OutputFormat::from_path(path) {
        Some(OutputFormat::Parquet) => Ok(None),
        _ => Format::from_path(path).map(Some).ok_or_else(|| {
            Error::Usage(format!(
                "cannot tell the format of the input `{}`: name it .csv, .jsonl or .parquet",
                path.display()
            ))
        }),
    }
}

/// The format of the output `path` by its extension, or a usage error.
fn output_format_of(path: &Path) -> Result<OutputFormat> {
    OutputFormat::from_path(path).ok_or_else(|| {
        Error::Usage(format!(
            "cannot tell the format of the output `{}`: name it .csv, .jsonl or .parquet",
            path.display()
        ))
    })
}

/// Predicts every row of `input` (`.csv`, `.jsonl` or `.parquet`) with `model` and writes
/// the predictions to `output` (`.csv`, `.jsonl` or `.parquet`, by extension)
/// or, when `None`, as CSV to stdout. Rows the model cannot predict follow
/// `options.on_invalid`; with [`OnInvalid::Error`] they fail the run with
/// [`UnpredictableRows`] and `output` is left untouched, as on any other error.
pub fn predict_file(
    model: &Model,
    input: &Path,
    output: Option<&Path>,
    options: &PredictOptions,
) -> Result<Predicted> {
    predict_with(Predictor::Model(model), input, output, options)
}

/// [`predict_file`] with the model of `artifact`, compiled on this thread
/// while another reads and parses the first rows (`mlg predict`).
pub fn predict_artifact(
    artifact: mlg_runtime::Artifact,
    input: &Path,
    output: Option<&Path>,
    options: &PredictOptions,
) -> Result<Predicted> {
    predict_with(Predictor::Artifact(Box::new(artifact)), input, output, options)
}

/// The model a stream predicts with.
enum Predictor<'m> {
    /// Compiled already.
    Model(&'m Model),
    /// To be compiled once the reading has started.
    Artifact(Box<mlg_runtime::Artifact>),
}

impl Predictor<'_> {
    /// The model's name, class labels and input slots.
    fn schema(&self) -> (&str, &[String], &[mlg_compiler::ir::InputSlot]) {
        match self {
            Predictor::Model(m) => (m.name(), m.classes(), m.inputs()),
            Predictor::Artifact(a) => (&a.name, &a.classes, &a.graph.inputs),
        }
    }
}

/// [`predict_file`] with either kind of [`Predictor`].
fn predict_with(
    model: Predictor<'_>,
    input: &Path,
    output: Option<&Path>,
    options: &PredictOptions,
) -> Result<Predicted> {
    let (model_name, classes, inputs) = model.schema();
    let (classes, inputs) = (classes.to_vec(), inputs.to_vec());
    let in_format = input_format_of(input)?;
    let out_format = match output {
        Some(path) => output_format_of(path)?,
        None => OutputFormat::Csv,
    };
    let proba = options.proba;
    if proba && classes.is_empty() {
        return Err(Error::Usage(format!(
            "--proba: model `{model_name}` is a regressor; it has no class probabilities"
        )));
    }
    let file = File::open(input).map_err(|source| Error::Io {
        path: input.to_path_buf(),
        source,
    })?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let name = input.display().to_string();
    // The ID is read as one more column, after the model's: as text, every
    // value an unseen level of a categorical slot without levels.
    let mut slots = inputs.clone();
    if let Some(id) = &options.id {
        slots.push(mlg_compiler::ir::InputSlot {
            name: id.clone(),
            kind: mlg_compiler::ir::SlotKind::Categorical { levels: Vec::new() },
        });
    }
    let mut chunks: Box<dyn Chunks> = match in_format {
        Some(format) => Box::new(RowChunks::new(file, format, &name, &slots, options.chunk_rows)?),
        None => {
            let names: Vec<String> = slots.iter().map(|s| s.name.clone()).collect();
            Box::new(crate::predict_parquet::ParquetRows::open(input, names)?)
        }
    };
    let bar = progress_bar(options.progress, total);
    let run = Stream {
        classes: &classes,
        format: out_format,
        proba,
        bar: &bar,
        on_invalid: options.on_invalid,
        strict_columns: options.strict_columns,
        id: options.id.as_deref(),
        input: &name,
        output,
    };
    let result = match output {
        Some(path) => write_file(path, |out| run.run(model, chunks.as_mut(), out, path)),
        None => {
            let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout());
            let stdout_path = Path::new("<stdout>");
            run.run(model, chunks.as_mut(), &mut out, stdout_path)
                .and_then(|done| {
                    out.flush()
                        .map(|()| done)
                        .map_err(write_error(Path::new("<stdout>")))
                })
        }
    };
    bar.finish_and_clear();
    result.map(|mut done| {
        done.ignored = chunks.extra_columns();
        done
    })
}

/// One streaming run: where rows come from and how predictions are written.
struct Stream<'a> {
    /// The model's class labels (none for a regressor).
    classes: &'a [String],
    format: OutputFormat,
    proba: bool,
    bar: &'a ProgressBar,
    on_invalid: OnInvalid,
    /// Refuse columns the model does not read.
    strict_columns: bool,
    /// The input column passed through first (`--id`).
    id: Option<&'a str>,
    /// The input as named in messages.
    input: &'a str,
    output: Option<&'a Path>,
}

impl Stream<'_> {
    /// Reads, predicts and writes chunk by chunk; write errors name `path`.
    /// Three threads form a pipeline, each a chunk or two apart: one reads
    /// and parses chunk `k + 1` while this one predicts chunk `k` and another
    /// formats and writes chunk `k - 1`. A model still to be compiled is
    /// compiled here while the first chunks are read.
    fn run<W: Write + Send>(
        &self,
        model: Predictor<'_>,
        chunks: &mut dyn Chunks,
        out: W,
        path: &Path,
    ) -> Result<Predicted> {
        let io = write_error(path);
        let writer =
            PredictionWriter::with_id(out, self.format, self.classes, self.proba, self.id).map_err(&io)?;
        let (sender, receiver) = std::sync::mpsc::sync_channel::<(Predictions, Option<Vec<String>>)>(2);
        let (read_sender, read) = std::sync::mpsc::sync_channel::<ReadChunk>(READ_AHEAD);
        std::thread::scope(|scope| {
            let written = scope.spawn(move || -> std::io::Result<()> {
                let mut writer = writer;
                for (predictions, ids) in receiver {
                    match ids {
                        Some(ids) => writer.write_with_ids(&predictions, &ids)?,
                        None => writer.write(&predictions)?,
                    }
                }
                writer.finish().map(drop)
            });
            let strict = self.strict_columns.then_some(self.input);
            scope.spawn(move || read_ahead(chunks, &read_sender, strict));
            // An error returns before the scope joins: `read` is dropped
            // first, which stops the reading thread.
            let compiled;
            let model = match model {
                Predictor::Model(model) => model,
                Predictor::Artifact(artifact) => {
                    compiled = Model::from_artifact(*artifact)?;
                    &compiled
                }
            };
            let predicted = self.predict_all(model, read, &sender);

            drop(sender);
            let written = match written.join() {
                Ok(written) => written,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            // A write error stops the reading early; report it, not the
            // stop it caused.
            match (predicted, written) {
                (_, Err(e)) => Err(io(e)),
                (predicted, Ok(())) => predicted,
            }
        })
    }

    /// Predicts every chunk `read` gives, sending the predictions to the
    /// writer (which may have stopped on an error: then this stops too).
    /// Returning early drops `read`, which stops the reading thread.
    fn predict_all(
        &self,
        model: &Model,
        read: std::sync::mpsc::Receiver<ReadChunk>,
        sender: &std::sync::mpsc::SyncSender<(Predictions, Option<Vec<String>>)>,
    ) -> Result<Predicted> {
        let mut done = Predicted {
            on_invalid: self.on_invalid,
            ..Predicted::default()
        };
        for chunk in read {
            let chunk = chunk?;
            let lines = &chunk.lines;
            let line_of = |row: &InvalidRow| lines.get(row.row).copied().unwrap_or(0);
            let predictions = match model.predict_with(&chunk.frame, self.on_invalid) {
                Ok(predictions) => predictions,
                Err(RuntimeError::InvalidRows(invalid)) => {
                    return Err(Error::from(UnpredictableRows {
                        file: self.input.to_string(),
                        count: invalid.count,
                        first: invalid.first.iter().map(|r| (line_of(r), r.reason())).collect(),
                        last_line: lines.last().copied().unwrap_or(0),
                        output: self.output.map(Path::to_path_buf),
                    }));
                }
                Err(e) => return Err(e.into()),
            };
            done.invalid += predictions.invalid.len() as u64;
            let room = REPORTED_ROWS.saturating_sub(done.first_invalid.len());
            done.first_invalid.extend(
                predictions
                    .invalid
                    .iter()
                    .take(room)
                    .map(|r| (line_of(r), r.reason())),
            );
            let ids =
                match self.id {
                    None => None,
                    Some(id) => Some(id_texts(&chunk.frame, id).ok_or_else(|| {
                        Error::Usage(format!("--id: `{}` has no column `{id}`", self.input))
                    })?),
                };
            let ids = ids.map(|mut ids| {
                if self.on_invalid == OnInvalid::Skip {
                    let mut skipped = predictions.invalid.iter().map(|r| r.row).peekable();
                    let mut row = 0;
                    ids.retain(|_| {
                        row += 1;
                        skipped.next_if_eq(&(row - 1)).is_none()
                    });
                }
                ids
            });
            if sender.send((predictions, ids)).is_err() {
                break;
            }
            done.rows = chunk.rows_read;
            self.bar.set_position(chunk.bytes_read);
            self.bar.set_message(format!("{} rows", chunk.rows_read));
        }
        Ok(done)
    }
}

/// Each row's ID in `frame`'s last column named `id` (the one read for
/// `--id`, after any model input of that name), as text; missing is empty.
fn id_texts(frame: &mlg_runtime::Frame, id: &str) -> Option<Vec<String>> {
    let column = frame.columns.iter().rev().find(|c| c.name == id)?;
    let text = |row: usize| -> String {
        if column.missing[row] {
            return String::new();
        }
        match &column.data {
            mlg_runtime::ColumnData::Numeric(values) => values[row].to_string(),
            mlg_runtime::ColumnData::Categorical { codes, levels } => {
                levels.get(codes[row] as usize).cloned().unwrap_or_default()
            }
        }
    };
    Some((0..frame.n_rows).map(text).collect())
}

/// Chunks the reading thread may hold ready ahead of the predicting one
/// (about 1.5 MB each for 8,192 rows of 20 numbers): enough that a batch's
/// parse never leaves the prediction waiting.
const READ_AHEAD: usize = 4;

/// A chunk as the reading thread hands it on, or the error that stopped it.
type ReadChunk = std::result::Result<Read, mlg_runtime::DataError>;

/// One chunk of rows with where it came from.
struct Read {
    frame: mlg_runtime::Frame,
    /// The 1-based line (a Parquet file: row) of each row.
    lines: Vec<u64>,
    /// Data rows read once this chunk is.
    rows_read: u64,
    /// Input bytes consumed once this chunk is.
    bytes_read: u64,
}

/// Reads every chunk into `to` until the input ends, an error (sent on as
/// the last item) stops it, or the receiver hangs up. With `strict` (the
/// input's name), a chunk whose input has columns the model does not read is
/// that error instead.
fn read_ahead(chunks: &mut dyn Chunks, to: &std::sync::mpsc::SyncSender<ReadChunk>, strict: Option<&str>) {
    let refused = |chunks: &dyn Chunks| {
        let file = strict?;
        let columns = chunks.extra_columns();
        (!columns.is_empty()).then(|| mlg_runtime::DataError::ExtraColumns {
            file: file.to_string(),
            columns,
        })
    };
    // A CSV header's extra columns are known before any row.
    if let Some(error) = refused(chunks) {
        let _ = to.send(Err(error));
        return;
    }
    loop {
        let item = match chunks.next_chunk() {
            Ok(None) => return,
            Ok(Some(frame)) => match refused(chunks) {
                Some(error) => Err(error),
                None => Ok(Read {
                    frame,
                    lines: chunks.chunk_lines().to_vec(),
                    rows_read: chunks.rows_read(),
                    bytes_read: chunks.bytes_read(),
                }),
            },
            Err(e) => Err(e),
        };
        let stop = item.is_err();
        if to.send(item).is_err() || stop {
            return;
        }
    }
}

/// Maps an I/O error while writing to `path`.
fn write_error(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Runs `body` on an [`AtomicFile`] for `path` (a recognisable temporary file
/// beside it, see `mlg_runtime::files`), then renames it over `path`; on any
/// error the temporary file is removed and `path` left untouched.
fn write_file<T>(path: &Path, body: impl FnOnce(&mut AtomicFile) -> Result<T>) -> Result<T> {
    let io = write_error(path);
    let mut out = AtomicFile::create(path).map_err(&io)?;
    let rows = body(&mut out)?;
    out.commit().map_err(&io)?;
    Ok(rows)
}

/// A bar over the input's bytes showing rows done, on stderr; hidden unless
/// `enabled` and stderr is a terminal.
fn progress_bar(enabled: bool, total_bytes: u64) -> ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total_bytes), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} predicting [{bar:30}] {percent:>3}% {msg} {elapsed}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
