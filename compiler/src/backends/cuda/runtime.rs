//! The device side of the CUDA backend (feature `cuda`): driver and device
//! probing, NVRTC compilation, module loading, and [`CudaGraph`], which copies
//! a batch to the device, launches `mlg_rows` and copies the outputs back.
//!
//! Every cudarc call runs under `catch_unwind`: cudarc panics when a library or
//! a driver symbol is missing, and the backend turns that into a
//! [`CudaError`] instead (the CUDA driver library is probed with
//! `is_culib_present` before any context is created).

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use cudarc::driver::{CudaContext, CudaFunction, DriverError, LaunchConfig, PushKernelArg};
use cudarc::nvrtc::{CompileError, CompileOptions, Ptx};

use super::error::CudaError;
use super::source::{kernel_source, KERNEL_NAME, NVRTC_OPTIONS};
use crate::backends::interpreter::Interpreter;
use crate::backends::{check_buffers, cranelift, ExecError, Executable};
use crate::ir::Graph;

/// Threads per block: one row each (128 leaves registers to spare for big graphs).
const BLOCK_THREADS: u32 = 128;
/// At most this many blocks; the kernel's grid-stride loop covers the rest.
const MAX_BLOCKS: usize = 1 << 20;

/// Runs `f`, turning a panic inside cudarc into [`CudaError::Panicked`].
fn guarded<T>(during: &'static str, f: impl FnOnce() -> Result<T, CudaError>) -> Result<T, CudaError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        Err(CudaError::Panicked {
            during,
            message: panic_message(payload.as_ref()),
        })
    })
}

/// The text of a panic payload.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into())
}

/// Maps a driver error to [`CudaError::Driver`] for `during`.
fn driver(during: &'static str) -> impl Fn(DriverError) -> CudaError {
    move |e| CudaError::Driver {
        during,
        message: describe(&e),
    }
}

/// A driver error's name and description, e.g. `CUDA_ERROR_NO_DEVICE (no CUDA-capable device is detected)`.
fn describe(e: &DriverError) -> String {
    match (e.error_name(), e.error_string()) {
        (Ok(name), Ok(text)) => format!("{} ({})", name.to_string_lossy(), text.to_string_lossy()),
        _ => format!("{e:?}"),
    }
}

/// A context on device 0, after checking that the driver library loads and
/// that it sees a device.
fn context() -> Result<Arc<CudaContext>, CudaError> {
    guarded("opening the CUDA device", || {
        // SAFETY: only tries to load the driver library; no CUDA call is made.
        if !unsafe { cudarc::driver::sys::is_culib_present() } {
            return Err(CudaError::NoDriver);
        }
        let count = CudaContext::device_count().map_err(|e| CudaError::NoDevice(describe(&e)))?;
        if count < 1 {
            return Err(CudaError::NoDevice("the driver reports no CUDA device".into()));
        }
        CudaContext::new(0)
            .map_err(|e| CudaError::NoDevice(format!("device 0 could not be opened: {}", describe(&e))))
    })
}

/// The name of CUDA device 0 (fails like [`compile`] when there is none).
pub fn device_name() -> Result<String, CudaError> {
    let ctx = context()?;
    guarded("reading the device name", || {
        ctx.name().map_err(driver("reading the device name"))
    })
}

/// Compiles `graph`'s kernel source to PTX text with NVRTC for `arch` (e.g.
/// `"compute_90"`; `None`: NVRTC's default). Needs only the NVRTC library, no
/// driver or device.
pub fn compile_ptx(graph: &Graph, arch: Option<&str>) -> Result<String, CudaError> {
    let source = kernel_source(graph)?;
    Ok(nvrtc(&source, arch)?.to_src())
}

/// NVRTC with [`NVRTC_OPTIONS`] (plus `--gpu-architecture=arch`).
fn nvrtc(source: &str, arch: Option<&str>) -> Result<Ptx, CudaError> {
    guarded("compiling with NVRTC", || {
        // SAFETY: only tries to load the NVRTC library.
        if !unsafe { cudarc::nvrtc::sys::is_culib_present() } {
            return Err(CudaError::NoNvrtc);
        }
        let mut options: Vec<String> = NVRTC_OPTIONS.iter().map(|o| o.to_string()).collect();
        if let Some(arch) = arch {
            options.push(format!("--gpu-architecture={arch}"));
        }
        let opts = CompileOptions {
            options,
            name: Some(format!("{KERNEL_NAME}.cu")),
            ..CompileOptions::default()
        };
        cudarc::nvrtc::compile_ptx_with_opts(source, opts).map_err(|e| match e {
            CompileError::CompileError { nvrtc, options, log } => CudaError::Nvrtc {
                message: format!("{nvrtc:?} with options {}", options.join(" ")),
                log: log.to_string_lossy().into_owned(),
            },
            other => CudaError::Nvrtc {
                message: format!("{other:?}"),
                log: String::new(),
            },
        })
    })
}

/// Verifies `graph`, generates its kernel, compiles it with NVRTC for device 0
/// and loads it. Fails with [`CudaError::Unsupported`] or
/// [`CudaError::Verify`] before touching any device, then with
/// [`CudaError::NoDriver`], [`CudaError::NoDevice`] or [`CudaError::NoNvrtc`]
/// when this machine cannot run CUDA (see [`CudaError::is_unavailable`]).
pub fn compile(graph: &Graph) -> Result<CudaGraph, CudaError> {
    let start = Instant::now();
    let source = kernel_source(graph)?;
    let ctx = context()?;
    let (major, minor) = guarded("reading the compute capability", || {
        ctx.compute_capability()
            .map_err(driver("reading the compute capability"))
    })?;
    let arch = format!("compute_{major}{minor}");
    // An NVRTC older than the device does not know its architecture: let it
    // pick its default then (the driver JIT-compiles PTX for newer devices).
    let ptx = match nvrtc(&source, Some(&arch)) {
        Err(CudaError::Nvrtc { log, .. }) if log.contains("gpu-architecture") || log.contains(&arch) => {
            nvrtc(&source, None)?
        }
        other => other?,
    };
    let ptx_text = ptx.to_src();
    let func = guarded("loading the kernel", || {
        let module = ctx.load_module(ptx).map_err(driver("loading the PTX module"))?;
        module
            .load_function(KERNEL_NAME)
            .map_err(driver("loading the kernel function"))
    })?;
    let device = guarded("reading the device name", || {
        ctx.name().map_err(driver("reading the device name"))
    })?;
    Ok(CudaGraph {
        ctx,
        func,
        n_inputs: graph.n_inputs(),
        n_outputs: graph.n_outputs(),
        source,
        ptx: ptx_text,
        arch,
        device,
        compile_time: start.elapsed(),
        graph: graph.clone(),
        fallback: OnceLock::new(),
        last_error: Mutex::new(None),
    })
}

/// A graph compiled to a CUDA kernel on device 0; callable from many threads
/// (each run uses its own stream).
///
/// [`Executable::run`] cannot report a device failure (its error type only
/// describes buffers), so when the device fails mid-run it computes the batch
/// on the CPU instead (Cranelift, or the interpreter if Cranelift refuses the
/// graph) and keeps the device error for [`CudaGraph::last_error`];
/// [`CudaGraph::try_run`] reports it instead.
pub struct CudaGraph {
    ctx: Arc<CudaContext>,
    func: CudaFunction,
    n_inputs: usize,
    n_outputs: usize,
    source: String,
    ptx: String,
    arch: String,
    device: String,
    compile_time: Duration,
    graph: Graph,
    fallback: OnceLock<Box<dyn Executable>>,
    last_error: Mutex<Option<CudaError>>,
}

impl CudaGraph {
    /// Time spent in [`compile`]: verification, source generation, NVRTC and module load.
    pub fn compile_time(&self) -> Duration {
        self.compile_time
    }

    /// The generated CUDA C source.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The PTX NVRTC produced.
    pub fn ptx(&self) -> &str {
        &self.ptx
    }

    /// The device's name, e.g. `NVIDIA H100 80GB HBM3`.
    pub fn device_name(&self) -> &str {
        &self.device
    }

    /// The virtual architecture the kernel was compiled for, e.g. `compute_90`.
    pub fn arch(&self) -> &str {
        &self.arch
    }

    /// The most recent device failure that [`Executable::run`] fell back from.
    pub fn last_error(&self) -> Option<CudaError> {
        self.last_error.lock().ok().and_then(|e| e.clone())
    }

    /// Like [`Executable::run`] on the device, reporting a device failure
    /// instead of falling back to the CPU.
    pub fn try_run(
        &self,
        input: &[f32],
        n_rows: usize,
        row_stride: usize,
        out: &mut [f32],
    ) -> Result<(), CudaError> {
        check_buffers(self, input, n_rows, row_stride, out)?;
        if n_rows == 0 || self.n_outputs == 0 {
            return Ok(());
        }
        guarded("running the kernel", || {
            self.launch(input, n_rows, row_stride, out)
        })
    }

    /// Copies the checked batch to the device, runs the kernel and copies the outputs back.
    fn launch(
        &self,
        input: &[f32],
        n_rows: usize,
        row_stride: usize,
        out: &mut [f32],
    ) -> Result<(), CudaError> {
        let needed = (n_rows - 1) * row_stride + self.n_inputs;
        let n_out = n_rows * self.n_outputs;
        let stream = self.ctx.new_stream().map_err(driver("creating a stream"))?;
        // A graph without inputs still gets a (never read) one-value buffer.
        let host_in: &[f32] = if needed == 0 { &[0.0] } else { &input[..needed] };
        let d_in = stream
            .clone_htod(host_in)
            .map_err(driver("copying the rows to the device"))?;
        let mut d_out = stream
            .alloc_zeros::<f32>(n_out)
            .map_err(driver("allocating the outputs"))?;
        let blocks = n_rows.div_ceil(BLOCK_THREADS as usize).min(MAX_BLOCKS) as u32;
        let cfg = LaunchConfig {
            grid_dim: (blocks, 1, 1),
            block_dim: (BLOCK_THREADS, 1, 1),
            shared_mem_bytes: 0,
        };
        let (rows, stride) = (n_rows as u64, row_stride as u64);
        let mut args = stream.launch_builder(&self.func);
        args.arg(&d_in).arg(&rows).arg(&stride).arg(&mut d_out);
        // SAFETY: the arguments match `mlg_rows(const float*, unsigned long long,
        // unsigned long long, float*)`; the kernel reads rows `< n_rows`, slots
        // `< n_inputs` at `row * stride` (all inside the `needed` values copied)
        // and writes `n_rows * n_outputs` values (the size of `d_out`).
        unsafe { args.launch(cfg) }.map_err(|e| CudaError::Launch(describe(&e)))?;
        stream
            .memcpy_dtoh(&d_out, &mut out[..n_out])
            .map_err(|e| CudaError::Launch(format!("copying the outputs back: {}", describe(&e))))?;
        stream
            .synchronize()
            .map_err(|e| CudaError::Launch(format!("running the kernel: {}", describe(&e))))
    }

    /// The CPU executable used when the device fails: Cranelift, else the interpreter.
    fn fallback(&self) -> &dyn Executable {
        self.fallback
            .get_or_init(|| match cranelift::compile(&self.graph) {
                Ok(compiled) => Box::new(compiled),
                Err(_) => match Interpreter::new(self.graph.clone()) {
                    Ok(interp) => Box::new(interp),
                    // `compile` verified the graph, so it verifies again.
                    Err(e) => unreachable!("a compiled graph no longer verifies: {e}"),
                },
            })
            .as_ref()
    }
}

impl Executable for CudaGraph {
    fn n_inputs(&self) -> usize {
        self.n_inputs
    }

    fn n_outputs(&self) -> usize {
        self.n_outputs
    }

    fn run(&self, input: &[f32], n_rows: usize, row_stride: usize, out: &mut [f32]) -> Result<(), ExecError> {
        match self.try_run(input, n_rows, row_stride, out) {
            Ok(()) => Ok(()),
            Err(CudaError::Exec(e)) => Err(e),
            Err(device) => {
                if let Ok(mut last) = self.last_error.lock() {
                    *last = Some(device);
                }
                self.fallback().run(input, n_rows, row_stride, out)
            }
        }
    }
}

impl std::fmt::Debug for CudaGraph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CudaGraph")
            .field("device", &self.device)
            .field("arch", &self.arch)
            .field("n_inputs", &self.n_inputs)
            .field("n_outputs", &self.n_outputs)
            .field("compile_time", &self.compile_time)
            .finish_non_exhaustive()
    }
}
