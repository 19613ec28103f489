//! ISA selection and JIT module setup: compiles one row function into executable
//! memory that the returned [`JitFunction`] owns.

use cranelift_codegen::ir::Function;
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, DataDescription, Linkage, Module};

use super::CodegenError;

/// Functions with more instructions than this get the linear-time single-pass
/// register allocator: the backtracking one is super-linear and spent seconds
/// on the unrolled kernel expansions of support-vector models.
pub(crate) const SINGLE_PASS_REGALLOC_INSTS: usize = 20_000;

/// How Cranelift treats one row function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IsaChoice {
    /// The single-pass register allocator instead of the backtracking one.
    pub single_pass: bool,
    /// `opt_level=speed` (the e-graph mid-end) instead of `none`. A table walk
    /// compiles better without it: the e-graph places every pure instruction
    /// just before its first use, so the select of each row's step sinks to the
    /// loop's back edge, the rows' loaded node words all live at once and spill.
    /// On the benchmark forest the 8-row step loop is 58 instructions without it
    /// and 85 with it; with 16 rows in step the walk runs 1.4x faster without it
    /// (`benches/results/walk_ab.md` has the A/B of both changes together).
    pub optimize: bool,
}

impl Default for IsaChoice {
    fn default() -> Self {
        IsaChoice {
            single_pass: false,
            optimize: true,
        }
    }
}

/// The host ISA with non-PIC code and no colocated libcalls (as `cranelift-jit`
/// requires), and the register allocator and optimization level of `choice`.
pub(crate) fn host_isa_with(choice: IsaChoice) -> Result<OwnedTargetIsa, CodegenError> {
    let mut flags = settings::builder();
    let regalloc = if choice.single_pass {
        "single_pass"
    } else {
        "backtracking"
    };
    let opt_level = if choice.optimize { "speed" } else { "none" };
    for (name, value) in [
        ("opt_level", opt_level),
        ("use_colocated_libcalls", "false"),
        ("is_pic", "false"),
        ("regalloc_algorithm", regalloc),
        // Tree tiles keep large buffers on the stack: probe every page of a
        // large frame, so that an overflow faults on the guard page.
        ("enable_probestack", "true"),
        ("probestack_strategy", "inline"),
    ] {
        flags
            .set(name, value)
            .map_err(|e| CodegenError::Settings(format!("{name}={value}: {e}")))?;
    }
    let isa_builder = cranelift_native::builder().map_err(|m| CodegenError::Host(m.to_string()))?;
    isa_builder
        .finish(settings::Flags::new(flags))
        .map_err(|e| CodegenError::Host(e.to_string()))
}

/// [`host_isa_with`] the default choice: backtracking allocator, `opt_level=speed`.
pub(crate) fn host_isa() -> Result<OwnedTargetIsa, CodegenError> {
    host_isa_with(IsaChoice::default())
}

/// The contents of one read-only data object of the row function: any array of
/// `f32` or `u32` words in host byte order, aligned to a 64-byte cache line.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct DataObject {
    bytes: Vec<u8>,
}

impl DataObject {
    /// The bytes of `words` in host byte order.
    pub(crate) fn from_u32s(words: &[u32]) -> Self {
        DataObject {
            bytes: words.iter().flat_map(|w| w.to_ne_bytes()).collect(),
        }
    }

    /// Raw bytes.
    pub(crate) fn from_bytes(bytes: Vec<u8>) -> Self {
        DataObject { bytes }
    }

    /// The bytes of `values` in host byte order.
    pub(crate) fn from_f32s(values: &[f32]) -> Self {
        DataObject {
            bytes: values.iter().flat_map(|v| v.to_ne_bytes()).collect(),
        }
    }
}

/// A finalized function in its own JIT module; the module's memory is freed on drop.
pub(crate) struct JitFunction {
    /// `Some` until drop; taken there to free the code memory.
    module: Option<JITModule>,
    code: *const u8,
}

impl JitFunction {
    /// Compiles `func` (built for `isa`) and finalizes it into executable memory,
    /// together with the read-only data objects `data` it refers to as `u1:i`.
    pub(crate) fn compile(
        isa: OwnedTargetIsa,
        func: Function,
        data: Vec<DataObject>,
    ) -> Result<JitFunction, CodegenError> {
        let mut module = JITModule::new(JITBuilder::with_isa(isa, default_libcall_names()));
        match define_data(&mut module, data).and_then(|()| define(&mut module, func)) {
            Ok(code) => Ok(JitFunction {
                module: Some(module),
                code,
            }),
            Err(e) => {
                // SAFETY: nothing from this module has been handed out or executed.
                unsafe { module.free_memory() };
                Err(e)
            }
        }
    }

    /// The entry address of the finalized function.
    pub(crate) fn code(&self) -> *const u8 {
        self.code
    }
}

/// Declares and defines one read-only data object per entry, in order, so that
/// entry `i` gets `DataId` `i` (the `u1:i` the row function refers to).
fn define_data(module: &mut JITModule, data: Vec<DataObject>) -> Result<(), CodegenError> {
    let module_err = |e: cranelift_module::ModuleError| CodegenError::Module(format!("{e:?}"));
    for (i, object) in data.into_iter().enumerate() {
        let id = module
            .declare_data(&format!("mlg_data_{i}"), Linkage::Local, false, false)
            .map_err(module_err)?;
        if id.as_u32() as usize != i {
            return Err(CodegenError::Module(format!(
                "data object {i} got id {}",
                id.as_u32()
            )));
        }
        // An empty object still gets a few bytes, so that it has an address.
        let mut bytes = object.bytes;
        if bytes.is_empty() {
            bytes.extend_from_slice(&[0; 4]);
        }
        let mut desc = DataDescription::new();
        desc.set_align(64);
        desc.define(bytes.into_boxed_slice());
        module.define_data(id, &desc).map_err(module_err)?;
    }
    Ok(())
}

/// Declares, defines and finalizes `func` in `module`; returns its address.
fn define(module: &mut JITModule, func: Function) -> Result<*const u8, CodegenError> {
    let module_err = |e: cranelift_module::ModuleError| CodegenError::Module(format!("{e:?}"));
    let id = module
        .declare_function("mlg_rows", Linkage::Local, &func.signature)
        .map_err(module_err)?;
    let mut ctx = module.make_context();
    ctx.func = func;
    module.define_function(id, &mut ctx).map_err(module_err)?;
    module.clear_context(&mut ctx);
    module.finalize_definitions().map_err(module_err)?;
    Ok(module.get_finalized_function(id))
}

impl Drop for JitFunction {
    fn drop(&mut self) {
        if let Some(module) = self.module.take() {
            // SAFETY: `&mut self` proves no call into the code is running, and the
            // code pointer dies with `self`.
            unsafe { module.free_memory() };
        }
    }
}
