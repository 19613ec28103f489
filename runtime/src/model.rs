//! A loaded, compiled model: what a service links to turn frames or rows into
//! predictions.
//!
//! [`Model::predict`] takes anything that implements [`Input`]: a [`Frame`], one
//! [`Row`], or a slice, array or `Vec` of rows. One row is encoded into a buffer
//! on the stack and run on the calling thread; larger inputs are encoded into one
//! buffer and run over row chunks in parallel.
//!
//! No prediction is silently wrong: a row whose outputs are not finite (say, a
//! missing value where the model has no imputation) is refused by
//! [`Model::predict`] with [`RuntimeError::InvalidRows`] naming the row and the
//! columns; [`Model::predict_with`] and [`Model::predict_encoded`] take an
//! [`OnInvalid`] policy to drop such rows or keep them as NaN instead (see
//! [`crate::invalid`]).

use crate::artifact::{self, Artifact};
use crate::frame::Frame;
use crate::invalid::{invalid_indices, InvalidRow, InvalidRows, MissingProbe, OnInvalid, REPORTED_ROWS};
use crate::record::{Row, RowEncoder};
use crate::rows::encode_rows_into;
use crate::RuntimeError;
use mlg_compiler::backends::cranelift::{compile, CompiledGraph};
use mlg_compiler::backends::Executable;
use mlg_compiler::ir::{InputSlot, SlotKind};
use mlg_compiler::workflow::catalog::ColumnKind;
use std::path::Path;
use std::sync::Arc;

pub use crate::predictions::Predictions;

/// Input slots up to which one row is encoded on the stack.
const STACK_SLOTS: usize = 64;

/// An artifact together with its natively compiled inference function.
/// `Send + Sync`: one model may serve many threads at once.
pub struct Model {
    artifact: Artifact,
    compiled: CompiledGraph,
    rows: RowEncoder,
    /// Column names and classes of every result, with no rows.
    empty: Predictions,
    /// Which inputs the model takes missing, learned when first needed.
    probe: MissingProbe,
}

/// `Model` is shared across threads by services; keep it that way.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Model>();
};

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("name", &self.artifact.name)
            .field("task", &self.artifact.task)
            .field("inputs", &self.artifact.graph.inputs.len())
            .finish_non_exhaustive()
    }
}

impl Model {
    /// Reads the artifact at `path` (see [`artifact::read`]) and compiles it.
    pub fn load(path: impl AsRef<Path>) -> Result<Model, RuntimeError> {
        Model::from_artifact(artifact::read(path.as_ref())?)
    }

    /// Validates `artifact` (graph and output convention) and compiles its graph.
    pub fn from_artifact(artifact: Artifact) -> Result<Model, RuntimeError> {
        artifact::validate(&artifact)?;
        let compiled = compile(&artifact.graph)?;
        let rows = RowEncoder::new(&artifact.graph.inputs);
        let empty = Predictions::new(artifact.classes.clone(), 0, Vec::new());
        let probe = MissingProbe::new(artifact.graph.inputs.len());
        Ok(Model {
            artifact,
            compiled,
            rows,
            empty,
            probe,
        })
    }

    /// The artifact this model was built from.
    pub fn artifact(&self) -> &Artifact {
        &self.artifact
    }

    /// The model's name.
    pub fn name(&self) -> &str {
        &self.artifact.name
    }

    /// `"classification"` or `"regression"`.
    pub fn task(&self) -> &str {
        &self.artifact.task
    }

    /// Class labels in output order (empty for regression).
    pub fn classes(&self) -> &[String] {
        &self.artifact.classes
    }

    /// The input slots: the columns a frame must provide, in row-ABI order.
    pub fn inputs(&self) -> &[InputSlot] {
        &self.artifact.graph.inputs
    }

    /// Each input column's kind, for [`crate::csv::read_csv_typed`].
    pub fn input_kinds(&self) -> Vec<(String, ColumnKind)> {
        self.inputs()
            .iter()
            .map(|s| {
                let kind = match s.kind {
                    SlotKind::Numeric => ColumnKind::Numeric,
                    SlotKind::Categorical { .. } => ColumnKind::Categorical,
                    SlotKind::Date => ColumnKind::Date,
                };
                (s.name.clone(), kind)
            })
            .collect()
    }

    /// Time Cranelift took to compile the graph when the model was built.
    pub fn compile_time(&self) -> std::time::Duration {
        self.compiled.compile_time()
    }

    /// Values per output row (`1 + classes` for classifiers, `1` for regressors).
    pub fn n_outputs(&self) -> usize {
        self.compiled.n_outputs()
    }

    /// Per input (in [`Model::inputs`] order), whether the model gives a finite
    /// prediction when that input alone is missing: `Some(true)` when it
    /// imputes (or ignores) it, `Some(false)` when it has no imputation for it,
    /// `None` when the probe cannot tell (see [`crate::invalid`]). Probed once,
    /// on first need.
    pub fn takes_missing(&self) -> Vec<Option<bool>> {
        let all: Vec<usize> = (0..self.inputs().len()).collect();
        self.probe
            .takes_missing(&all, &self.compiled, self.inputs(), &self.artifact.profile)
    }

    /// Predicts every row of `input` — a [`Frame`] (columns matched by name,
    /// extra ones ignored), one [`Row`], or a slice, array or `Vec` of rows —
    /// keeping row order. One row runs on the calling thread without building a
    /// frame; more run over row chunks in parallel. Errors name the column at
    /// fault: [`crate::DataError`] for frames, [`crate::RowError`] for rows, and
    /// [`RuntimeError::InvalidRows`] when any row's outputs are not finite
    /// ([`OnInvalid::Error`]); every returned value is finite.
    pub fn predict<I: Input + ?Sized>(&self, input: &I) -> Result<Predictions, RuntimeError> {
        self.predict_with(input, OnInvalid::Error)
    }

    /// [`Model::predict`] with a choice of what to do with rows whose outputs
    /// are not finite: fail ([`OnInvalid::Error`]), drop them
    /// ([`OnInvalid::Skip`]) or keep them as NaN ([`OnInvalid::Null`]); the
    /// dropped or kept rows are listed in [`Predictions::invalid`].
    pub fn predict_with<I: Input + ?Sized>(
        &self,
        input: &I,
        on_invalid: OnInvalid,
    ) -> Result<Predictions, RuntimeError> {
        let n_rows = input.n_rows();
        let width = self.compiled.n_inputs();
        if n_rows == 1 && width <= STACK_SLOTS {
            let mut buffer = [0.0f32; STACK_SLOTS];
            let row = &mut buffer[..width];
            input.encode_into(self, row)?;
            let mut values = vec![0.0f32; self.compiled.n_outputs()];
            self.compiled.run(row, 1, width, &mut values)?;
            return self.checked(row, 1, values, on_invalid);
        }
        let total = n_rows.checked_mul(width).ok_or(RuntimeError::InputShape {
            len: usize::MAX,
            n_rows,
            width,
            expected: usize::MAX,
        })?;
        let mut rows = vec![0.0f32; total];
        input.encode_into(self, &mut rows)?;
        let values = self.predict_rows(&rows, n_rows)?;
        self.checked(&rows, n_rows, values, on_invalid)
    }

    /// The serving entry point for rows already in the row ABI: runs `n_rows`
    /// packed rows (`rows.len()` must be `n_rows * inputs().len()`; one row
    /// runs on the calling thread, more in parallel) and applies `on_invalid`
    /// as [`Model::predict_with`] does.
    pub fn predict_encoded(
        &self,
        rows: &[f32],
        n_rows: usize,
        on_invalid: OnInvalid,
    ) -> Result<Predictions, RuntimeError> {
        let values = if n_rows == 1 {
            let mut out = vec![0.0f32; self.compiled.n_outputs()];
            self.predict_row_into(rows, &mut out)?;
            out
        } else {
            self.predict_rows(rows, n_rows)?
        };
        self.checked(rows, n_rows, values, on_invalid)
    }

    /// The predictions of `n_rows` encoded `rows` with outputs `values`, with
    /// the rows whose outputs are not finite handled by `on_invalid`.
    fn checked(
        &self,
        rows: &[f32],
        n_rows: usize,
        mut values: Vec<f32>,
        on_invalid: OnInvalid,
    ) -> Result<Predictions, RuntimeError> {
        let n_out = self.compiled.n_outputs();
        let bad = invalid_indices(&values, n_out);
        if bad.is_empty() {
            return Ok(self.predictions(n_rows, values));
        }
        let described = match on_invalid {
            OnInvalid::Error => &bad[..bad.len().min(REPORTED_ROWS)],
            OnInvalid::Skip | OnInvalid::Null => &bad[..],
        };
        let invalid = self.describe(rows, described);
        let kept = match on_invalid {
            OnInvalid::Error => {
                return Err(RuntimeError::InvalidRows(InvalidRows {
                    count: bad.len(),
                    n_rows,
                    first: invalid,
                }))
            }
            OnInvalid::Null => {
                for &row in &bad {
                    values[row * n_out..(row + 1) * n_out].fill(f32::NAN);
                }
                n_rows
            }
            OnInvalid::Skip => {
                let mut next_bad = bad.iter().peekable();
                let mut kept = 0;
                for row in 0..n_rows {
                    if next_bad.next_if_eq(&&row).is_some() {
                        continue;
                    }
                    values.copy_within(row * n_out..(row + 1) * n_out, kept * n_out);
                    kept += 1;
                }
                values.truncate(kept * n_out);
                kept
            }
        };
        let mut predictions = self.predictions(kept, values);
        predictions.invalid = invalid;
        Ok(predictions)
    }

    /// Why each of the rows `bad` (indices into the encoded `rows`) is invalid.
    fn describe(&self, rows: &[f32], bad: &[usize]) -> Vec<InvalidRow> {
        let width = self.compiled.n_inputs();
        let at_fault: Vec<Vec<usize>> = bad
            .iter()
            .map(|&row| {
                let values = rows.get(row * width..(row + 1) * width).unwrap_or(&[]);
                (0..values.len()).filter(|&s| !values[s].is_finite()).collect()
            })
            .collect();
        let mut wanted: Vec<usize> = at_fault.iter().flatten().copied().collect();
        wanted.sort_unstable();
        wanted.dedup();
        let takes = self
            .probe
            .takes_missing(&wanted, &self.compiled, self.inputs(), &self.artifact.profile);
        let refused = |slot: &usize| wanted.binary_search(slot).is_ok_and(|i| takes[i] == Some(false));
        let names = self.inputs();
        bad.iter()
            .zip(at_fault)
            .map(|(&row, slots)| InvalidRow {
                row,
                missing: slots.iter().map(|&s| names[s].name.clone()).collect(),
                unimputed: slots
                    .iter()
                    .filter(|s| refused(s))
                    .map(|&s| names[s].name.clone())
                    .collect(),
            })
            .collect()
    }

    /// Predictions of `n_rows` rows over packed output values.
    fn predictions(&self, n_rows: usize, values: Vec<f32>) -> Predictions {
        Predictions {
            n_rows,
            values,
            ..self.empty.clone()
        }
    }

    /// Encodes `row`, the `index`-th of its batch, into `out` (one value per input).
    fn encode_row(&self, row: &Row, index: usize, out: &mut [f32]) -> Result<(), RuntimeError> {
        Ok(self.rows.encode(row, index, out)?)
    }

    /// Runs the compiled function on `n_rows` packed row-ABI rows (`rows.len()` must
    /// be `n_rows * inputs().len()`) and returns the packed output rows
    /// (`n_rows * n_outputs()` values) as they are: an output may be NaN. Use
    /// [`Model::predict_encoded`] to have such rows refused, dropped or marked.
    pub fn predict_rows(&self, rows: &[f32], n_rows: usize) -> Result<Vec<f32>, RuntimeError> {
        let width = self.compiled.n_inputs();
        let expected = n_rows.checked_mul(width);
        if expected != Some(rows.len()) {
            return Err(RuntimeError::InputShape {
                len: rows.len(),
                n_rows,
                width,
                expected: expected.unwrap_or(usize::MAX),
            });
        }
        let mut out = vec![0.0f32; n_rows * self.compiled.n_outputs()];
        if n_rows > 0 {
            self.compiled.run_parallel(rows, n_rows, width, &mut out, None)?;
        }
        Ok(out)
    }

    /// Runs one row-ABI row (`inputs().len()` values) into `out` (`n_outputs()`
    /// values) on the calling thread, without allocating. The outputs are raw
    /// (they may be NaN); [`Model::predict_encoded`] checks them.
    pub fn predict_row_into(&self, row: &[f32], out: &mut [f32]) -> Result<(), RuntimeError> {
        let width = self.compiled.n_inputs();
        if row.len() != width {
            return Err(RuntimeError::InputShape {
                len: row.len(),
                n_rows: 1,
                width,
                expected: width,
            });
        }
        Ok(self.compiled.run(row, 1, width, out)?)
    }
}

/// What [`Model::predict`] accepts: rows that can be written into the row ABI.
///
/// Implemented for [`Frame`], [`Row`], `[Row]`, `[Row; N]`, `Vec<Row>`, and
/// references, boxes and `Arc`s of those. A service with its own row type may
/// implement it to skip building rows: write each row's values in
/// [`Model::inputs`] order (numbers as `f32`, NaN for missing, categorical levels
/// as their index in the slot's levels, `-1` for an unseen level).
pub trait Input {
    /// Number of rows.
    fn n_rows(&self) -> usize;

    /// Writes every row into `out`, row-major, `model.inputs().len()` values per
    /// row; `out` holds exactly `n_rows() * model.inputs().len()` values.
    fn encode_into(&self, model: &Model, out: &mut [f32]) -> Result<(), RuntimeError>;
}

impl Input for Frame {
    fn n_rows(&self) -> usize {
        self.n_rows
    }

    fn encode_into(&self, model: &Model, out: &mut [f32]) -> Result<(), RuntimeError> {
        Ok(encode_rows_into(self, model.inputs(), out)?)
    }
}

impl Input for Row {
    fn n_rows(&self) -> usize {
        1
    }

    fn encode_into(&self, model: &Model, out: &mut [f32]) -> Result<(), RuntimeError> {
        model.encode_row(self, 0, out)
    }
}

impl Input for [Row] {
    fn n_rows(&self) -> usize {
        self.len()
    }

    fn encode_into(&self, model: &Model, out: &mut [f32]) -> Result<(), RuntimeError> {
        let width = model.inputs().len();
        if width == 0 {
            // Rows still must not name columns the model does not take.
            for (index, row) in self.iter().enumerate() {
                model.encode_row(row, index, &mut [])?;
            }
            return Ok(());
        }
        for (index, (row, slots)) in self.iter().zip(out.chunks_exact_mut(width)).enumerate() {
            model.encode_row(row, index, slots)?;
        }
        Ok(())
    }
}

impl<const N: usize> Input for [Row; N] {
    fn n_rows(&self) -> usize {
        N
    }

    fn encode_into(&self, model: &Model, out: &mut [f32]) -> Result<(), RuntimeError> {
        self[..].encode_into(model, out)
    }
}

impl Input for Vec<Row> {
    fn n_rows(&self) -> usize {
        self.len()
    }

    fn encode_into(&self, model: &Model, out: &mut [f32]) -> Result<(), RuntimeError> {
        self[..].encode_into(model, out)
    }
}

impl<T: Input + ?Sized> Input for &T {
    fn n_rows(&self) -> usize {
        (**self).n_rows()
    }

    fn encode_into(&self, model: &Model, out: &mut [f32]) -> Result<(), RuntimeError> {
        (**self).encode_into(model, out)
    }
}

impl<T: Input + ?Sized> Input for &mut T {
    fn n_rows(&self) -> usize {
        (**self).n_rows()
    }

    fn encode_into(&self, model: &Model, out: &mut [f32]) -> Result<(), RuntimeError> {
        (**self).encode_into(model, out)
    }
}

impl<T: Input + ?Sized> Input for Box<T> {
    fn n_rows(&self) -> usize {
        (**self).n_rows()
    }

    fn encode_into(&self, model: &Model, out: &mut [f32]) -> Result<(), RuntimeError> {
        (**self).encode_into(model, out)
    }
}

impl<T: Input + ?Sized> Input for Arc<T> {
    fn n_rows(&self) -> usize {
        (**self).n_rows()
    }

    fn encode_into(&self, model: &Model, out: &mut [f32]) -> Result<(), RuntimeError> {
        (**self).encode_into(model, out)
    }
}

/// Per-row accessors for services reading one prediction at a time.
impl Predictions {
    /// The predicted class label of row `row` (classifiers; `None` for
    /// regressors or past the end).
    pub fn class(&self, row: usize) -> Option<&str> {
        let index = *self.row(row)?.first()?;
        if !self.is_classification() || index < 0.0 || index.fract() != 0.0 {
            return None;
        }
        self.classes.get(index as usize).map(String::as_str)
    }

    /// The predicted value of row `row` (regressors) or its class index
    /// (classifiers); `None` past the end.
    pub fn value(&self, row: usize) -> Option<f32> {
        self.row(row)?.first().copied()
    }

    /// The class probabilities of row `row`, in [`Predictions::classes`] order
    /// (classifiers; `None` for regressors or past the end).
    pub fn probabilities(&self, row: usize) -> Option<&[f32]> {
        if !self.is_classification() {
            return None;
        }
        self.row(row).map(|values| &values[1..])
    }
}
