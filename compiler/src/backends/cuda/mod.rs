//! The CUDA backend: the inference graph as one NVRTC-compiled kernel, one
//! thread per row.
//!
//! [`source`] (always built) turns a verified [`Graph`](crate::ir::Graph) into
//! the CUDA C of the `mlg_rows` kernel; [`CudaError`] (always built) says why a
//! graph or a machine cannot take that path. With the cargo feature `cuda`,
//! `compile` probes for the driver and a device, compiles the source with
//! NVRTC and loads it, and `CudaGraph` runs batches on the device as an
//! [`Executable`](super::Executable). cudarc loads the CUDA libraries at run time,
//! so the feature builds and its tests pass on machines without CUDA; use
//! [`super::best`] to get the CUDA graph where it works and the Cranelift one
//! otherwise.

mod error;
#[cfg(feature = "cuda")]
mod runtime;
pub mod source;

pub use error::CudaError;
#[cfg(feature = "cuda")]
pub use runtime::{compile, compile_ptx, device_name, CudaGraph};
pub use source::{kernel_source, KERNEL_NAME, NVRTC_OPTIONS};

/// Whether this build includes the device side of the backend (feature `cuda`).
pub const BUILT: bool = cfg!(feature = "cuda");
