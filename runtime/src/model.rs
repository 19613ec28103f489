//! A loaded, compiled model: what a service links to turn frames into predictions.

use crate::artifact::{self, Artifact};
use crate::frame::Frame;
use crate::rows::encode_rows;
use crate::RuntimeError;
use mlg_compiler::backends::cranelift::{compile, CompiledGraph};
use mlg_compiler::backends::Executable;
use mlg_compiler::ir::{InputSlot, SlotKind};
use mlg_compiler::workflow::catalog::ColumnKind;
use std::path::Path;

pub use crate::predictions::Predictions;

/// An artifact together with its natively compiled inference function.
/// `Send + Sync`: one model may serve many threads at once.
pub struct Model {
    artifact: Artifact,
    compiled: CompiledGraph,
}

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
        Ok(Model { artifact, compiled })
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

    /// Predicts every row of `frame` (columns matched by name, extra ones ignored),
    /// running the compiled function over row chunks in parallel; row order is kept.
    pub fn predict(&self, frame: &Frame) -> Result<Predictions, RuntimeError> {
        let rows = encode_rows(frame, self.inputs())?;
        let values = self.predict_rows(&rows, frame.n_rows)?;
        Ok(Predictions::new(
            self.artifact.classes.clone(),
            frame.n_rows,
            values,
        ))
    }

    /// Runs the compiled function on `n_rows` packed row-ABI rows (`rows.len()` must
    /// be `n_rows * inputs().len()`) and returns the packed output rows
    /// (`n_rows * n_outputs()` values).
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

    /// The serving entry point: runs one row-ABI row (`inputs().len()` values)
    /// into `out` (`n_outputs()` values) on the calling thread, without
    /// allocating.
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
