//! Backends that execute the inference IR over rows in the row ABI: the reference
//! interpreter and the Cranelift JIT.

pub mod cranelift;
pub mod interpreter;

use thiserror::Error;

/// Why a batch could not be run.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ExecError {
    #[error("row stride {stride} is smaller than the {inputs} input slots")]
    Stride { stride: usize, inputs: usize },
    #[error("input buffer holds {len} values but {n_rows} rows with stride {stride} need {needed}")]
    InputTooShort {
        len: usize,
        n_rows: usize,
        stride: usize,
        needed: usize,
    },
    #[error("output buffer holds {len} values but {n_rows} rows of {outputs} outputs need {needed}")]
    OutputTooShort {
        len: usize,
        n_rows: usize,
        outputs: usize,
        needed: usize,
    },
}

/// Something that maps input rows to output rows.
///
/// Input: `n_rows` rows, row `i` starting at `input[i * row_stride]`, each with
/// [`Executable::n_inputs`] slots. Output: row-major, [`Executable::n_outputs`]
/// values per row, packed.
pub trait Executable: Send + Sync {
    /// Input slots per row.
    fn n_inputs(&self) -> usize;
    /// Output values per row.
    fn n_outputs(&self) -> usize;
    /// Runs every row on the calling thread.
    fn run(&self, input: &[f32], n_rows: usize, row_stride: usize, out: &mut [f32]) -> Result<(), ExecError>;
}

/// Checks that the buffers fit the shape of a batch.
pub fn check_buffers(
    exe: &dyn Executable,
    input: &[f32],
    n_rows: usize,
    row_stride: usize,
    out: &[f32],
) -> Result<(), ExecError> {
    let inputs = exe.n_inputs();
    if row_stride < inputs {
        return Err(ExecError::Stride {
            stride: row_stride,
            inputs,
        });
    }
    // Saturating: a shape too large to address can never fit the buffer.
    let needed = if n_rows == 0 {
        0
    } else {
        (n_rows - 1).saturating_mul(row_stride).saturating_add(inputs)
    };
    if input.len() < needed {
        return Err(ExecError::InputTooShort {
            len: input.len(),
            n_rows,
            stride: row_stride,
            needed,
        });
    }
    let outputs = exe.n_outputs();
    let needed = n_rows.saturating_mul(outputs);
    if out.len() < needed {
        return Err(ExecError::OutputTooShort {
            len: out.len(),
            n_rows,
            outputs,
            needed,
        });
    }
    Ok(())
}
