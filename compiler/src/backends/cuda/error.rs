//! [`CudaError`]: every way the CUDA backend can refuse a graph or fail on a device.
//!
//! Always compiled (no cudarc types inside), so that source generation and its
//! `Unsupported` answer work and are tested without the `cuda` feature.

use thiserror::Error;

use crate::backends::ExecError;
use crate::ir::VerifyError;

/// Why a graph could not be compiled for, or run on, a CUDA device.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CudaError {
    /// The graph does not verify.
    #[error("invalid graph: {0}")]
    Verify(#[from] VerifyError),
    /// The graph holds an op the CUDA kernel generator does not emit; use the
    /// Cranelift backend (see `backends::best`).
    #[error("the CUDA backend does not support the `{op}` op; use the Cranelift backend")]
    Unsupported {
        /// The op's mnemonic, as in the IR text form.
        op: &'static str,
    },
    /// The batch's buffers do not fit its shape.
    #[error(transparent)]
    Exec(#[from] ExecError),
    /// This build has no CUDA backend.
    #[error("mlg was built without the `cuda` feature; rebuild with `--features cuda` to run on a GPU")]
    NotBuilt,
    /// The CUDA driver library (`libcuda.so` / `nvcuda.dll`) could not be loaded.
    #[error("no CUDA driver: the CUDA driver library could not be loaded (is an NVIDIA driver installed?)")]
    NoDriver,
    /// The driver loaded but reports no usable device.
    #[error("no CUDA device: {0}")]
    NoDevice(String),
    /// The NVRTC library (`libnvrtc.so`) could not be loaded.
    #[error("no NVRTC: the CUDA runtime compiler library (libnvrtc) could not be loaded (install the CUDA toolkit or the nvidia-cuda-nvrtc package and put it on the library path)")]
    NoNvrtc,
    /// NVRTC rejected the generated source; `log` is its compile log.
    #[error("NVRTC could not compile the generated kernel: {message}\n{log}")]
    Nvrtc {
        /// What failed (program creation, compilation, PTX retrieval).
        message: String,
        /// NVRTC's compile log (empty when there is none).
        log: String,
    },
    /// A CUDA driver call failed (context, module load, memory, copies).
    #[error("CUDA driver error while {during}: {message}")]
    Driver {
        /// What the backend was doing.
        during: &'static str,
        /// The driver's error.
        message: String,
    },
    /// The kernel launch, or the kernel itself, failed.
    #[error("CUDA kernel launch failed: {0}")]
    Launch(String),
    /// cudarc panicked (for example on a driver symbol missing from an old driver).
    #[error("the CUDA library panicked while {during}: {message}")]
    Panicked {
        /// What the backend was doing.
        during: &'static str,
        /// The panic message.
        message: String,
    },
}

impl CudaError {
    /// True when the error only says that this machine cannot run CUDA (no
    /// feature, driver, device or NVRTC) rather than that something went wrong.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            CudaError::NotBuilt | CudaError::NoDriver | CudaError::NoDevice(_) | CudaError::NoNvrtc
        )
    }
}
