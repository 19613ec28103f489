//! The AVX register state the compiled code is entered with.
//!
//! Code that leaves the upper halves of the AVX registers dirty (no
//! `vzeroupper` on its way out) leaves that state to the rest of the thread,
//! and to threads it spawns, which inherit it; Cranelift's code then runs two
//! orders of magnitude slower, although the interpreter and a plain Rust
//! float loop did not slow down (which of its instructions pay was not pinned
//! down). faer's SVD is such code: after one `thin_svd` on the calling
//! thread, a compiled 30 x 64 affine took 237 µs per row instead of 1.26 µs
//! on this machine kind, and 1.18 µs when the call clears the state first
//! (`cargo run --release -p mlg-compiler --example avx_state`,
//! `benches/results/avx_state.md`). A host
//! process may run any such code before it calls a model, so every call into
//! compiled code clears the state first.

/// Zeroes the upper halves of the AVX registers when the CPU has AVX; a no-op
/// otherwise. The calling convention already treats them as clobbered by a call.
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn clear_upper_state() {
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU has AVX, the only requirement of `vzeroupper`.
        unsafe { zero_upper() }
    }
}

/// Nothing to clear off x86-64.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
pub(crate) fn clear_upper_state() {}

/// `vzeroupper`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
fn zero_upper() {
    std::arch::x86_64::_mm256_zeroupper();
}
