//! `mlg predict`: streams rows from a CSV or JSON-lines file through a compiled
//! model, chunk by chunk, so memory stays constant whatever the input's size.
//!
//! Each chunk of [`mlg_runtime::stream::DEFAULT_CHUNK_ROWS`] rows becomes a frame
//! typed by the artifact's input schema, is predicted and written before the next
//! is read. The output goes to a temporary file beside `--output` that is renamed
//! over it only once every row succeeded, so an error never leaves a partial file.

use crate::error::{Error, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mlg_runtime::stream::{Format, PredictionWriter, RowChunks, DEFAULT_CHUNK_ROWS};
use mlg_runtime::Model;
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

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
}

impl Default for PredictOptions {
    fn default() -> PredictOptions {
        PredictOptions {
            proba: false,
            chunk_rows: DEFAULT_CHUNK_ROWS,
            progress: false,
        }
    }
}

/// The format of `path` by its extension, or a usage error naming `role`.
fn format_of(path: &Path, role: &str) -> Result<Format> {
    Format::from_path(path).ok_or_else(|| {
        Error::Usage(format!(
            "cannot tell the format of {role} `{}`: name it .csv or .jsonl",
            path.display()
        ))
    })
}

/// Predicts every row of `input` (`.csv` or `.jsonl`) with `model` and writes
/// the predictions to `output` (format by extension) or, when `None`, as CSV to
/// stdout. Returns the number of rows predicted.
pub fn predict_file(
    model: &Model,
    input: &Path,
    output: Option<&Path>,
    options: &PredictOptions,
) -> Result<u64> {
    let in_format = format_of(input, "the input")?;
    let out_format = match output {
        Some(path) => format_of(path, "the output")?,
        None => Format::Csv,
    };
    let proba = options.proba;
    if proba && model.classes().is_empty() {
        return Err(Error::Usage(format!(
            "--proba: model `{}` is a regressor; it has no class probabilities",
            model.name()
        )));
    }
    let file = File::open(input).map_err(|source| Error::Io {
        path: input.to_path_buf(),
        source,
    })?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let name = input.display().to_string();
    let mut chunks = RowChunks::new(file, in_format, &name, model.inputs(), options.chunk_rows)?;
    let bar = progress_bar(options.progress, total);
    let result = match output {
        Some(path) => write_file(path, |out| {
            stream(model, &mut chunks, out, out_format, proba, &bar, path)
        }),
        None => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            let stdout_path = Path::new("<stdout>");
            stream(model, &mut chunks, &mut out, out_format, proba, &bar, stdout_path).and_then(|rows| {
                out.flush()
                    .map(|()| rows)
                    .map_err(write_error(Path::new("<stdout>")))
            })
        }
    };
    bar.finish_and_clear();
    result
}

/// Reads, predicts and writes chunk by chunk; write errors name `path`.
fn stream<W: Write>(
    model: &Model,
    chunks: &mut RowChunks<File>,
    out: W,
    format: Format,
    proba: bool,
    bar: &ProgressBar,
    path: &Path,
) -> Result<u64> {
    let io = write_error(path);
    let mut writer = PredictionWriter::new(out, format, model.classes(), proba).map_err(&io)?;
    while let Some(frame) = chunks.next_chunk()? {
        let predictions = model.predict(&frame)?;
        writer.write(&predictions).map_err(&io)?;
        bar.set_position(chunks.bytes_read());
        bar.set_message(format!("{} rows", chunks.rows_read()));
    }
    writer.finish().map_err(&io)?;
    Ok(chunks.rows_read())
}

/// Maps an I/O error while writing to `path`.
fn write_error(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Runs `body` on a buffered temporary file beside `path`, then renames it over
/// `path`; on any error the temporary file is removed and `path` left untouched.
fn write_file(path: &Path, body: impl FnOnce(&mut BufWriter<File>) -> Result<u64>) -> Result<u64> {
    let io = write_error(path);
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(&io)?;
    }
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".{}.tmp", std::process::id()));
    let temp: PathBuf = path.with_file_name(name);
    let file = File::create(&temp).map_err(&io)?;
    let mut out = BufWriter::new(file);
    let result = body(&mut out).and_then(|rows| {
        let file = out.into_inner().map_err(|e| io(e.into_error()))?;
        file.sync_all().map_err(&io)?;
        std::fs::rename(&temp, path).map_err(&io)?;
        Ok(rows)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
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
