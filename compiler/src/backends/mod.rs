//! Backends that execute the inference IR over rows in the row ABI: the reference
//! interpreter, the Cranelift JIT and (feature `cuda`) CUDA kernels; [`best`]
//! picks CUDA where it works and Cranelift otherwise.

// The one place unsafe code is allowed: calling a JIT-compiled function through
// a raw pointer (Cranelift), and launching CUDA kernels on device buffers, have
// no safe API. Each unsafe block states its contract in a `// SAFETY:` comment.
#![allow(unsafe_code)]

pub mod cranelift;
// Source generation is always built; the device side needs feature `cuda`.
pub mod cuda;
pub mod interpreter;

use thiserror::Error;

/// Why a batch could not be run.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ExecError {
    /// Rows would overlap: the stride is shorter than a row.
    #[error("row stride {stride} is smaller than the {inputs} input slots")]
    Stride {
        /// The row stride given.
        stride: usize,
        /// The input slots per row.
        inputs: usize,
    },
    /// The input buffer ends before the last row does.
    #[error("input buffer holds {len} values but {n_rows} rows with stride {stride} need {needed}")]
    InputTooShort {
        /// The input buffer's length.
        len: usize,
        /// The rows asked for.
        n_rows: usize,
        /// The row stride given.
        stride: usize,
        /// The length those rows need.
        needed: usize,
    },
    /// The output buffer cannot hold every row's outputs.
    #[error("output buffer holds {len} values but {n_rows} rows of {outputs} outputs need {needed}")]
    OutputTooShort {
        /// The output buffer's length.
        len: usize,
        /// The rows asked for.
        n_rows: usize,
        /// The outputs per row.
        outputs: usize,
        /// The length those rows need.
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

/// Which backend [`best`] chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendKind {
    /// `cuda::CudaGraph` on CUDA device 0 (feature `cuda`).
    Cuda,
    /// [`cranelift::CompiledGraph`] on the host CPU.
    Cranelift,
}

impl BackendKind {
    /// `"cuda"` or `"cranelift"`.
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Cuda => "cuda",
            BackendKind::Cranelift => "cranelift",
        }
    }
}

/// The executable [`best`] chose, itself an [`Executable`].
pub struct Best {
    /// The compiled graph.
    pub executable: Box<dyn Executable>,
    /// Which backend compiled it.
    pub backend: BackendKind,
    /// Why CUDA was not used, when it was not.
    pub cuda_unavailable: Option<cuda::CudaError>,
}

impl Best {
    /// The chosen backend's name: `"cuda"` or `"cranelift"`.
    pub fn name(&self) -> &'static str {
        self.backend.name()
    }
}

impl Executable for Best {
    fn n_inputs(&self) -> usize {
        self.executable.n_inputs()
    }

    fn n_outputs(&self) -> usize {
        self.executable.n_outputs()
    }

    fn run(&self, input: &[f32], n_rows: usize, row_stride: usize, out: &mut [f32]) -> Result<(), ExecError> {
        self.executable.run(input, n_rows, row_stride, out)
    }
}

impl std::fmt::Debug for Best {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Best")
            .field("backend", &self.backend)
            .field("cuda_unavailable", &self.cuda_unavailable)
            .finish_non_exhaustive()
    }
}

/// Compiles `graph` for the best backend this build and machine offer: CUDA
/// when the `cuda` feature is on and `cuda::compile` succeeds (a device, its
/// driver and NVRTC are there and every op is supported), else Cranelift, with
/// the reason CUDA was passed over in [`Best::cuda_unavailable`]. Fails only
/// when Cranelift cannot compile the graph either.
pub fn best(graph: &crate::ir::Graph) -> Result<Best, cranelift::CodegenError> {
    #[cfg(feature = "cuda")]
    let cuda_unavailable = match cuda::compile(graph) {
        Ok(compiled) => {
            return Ok(Best {
                executable: Box::new(compiled),
                backend: BackendKind::Cuda,
                cuda_unavailable: None,
            })
        }
        Err(e) => e,
    };
    #[cfg(not(feature = "cuda"))]
    let cuda_unavailable = cuda::CudaError::NotBuilt;
    Ok(Best {
        executable: Box::new(cranelift::compile(graph)?),
        backend: BackendKind::Cranelift,
        cuda_unavailable: Some(cuda_unavailable),
    })
}
