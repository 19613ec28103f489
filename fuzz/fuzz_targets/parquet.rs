//! Fuzz target: the Parquet loader (`read_parquet`, and `read_parquet_row_groups`
//! of the later half of the row groups, through a scratch file).
//! The loader catches panics inside the Parquet/Arrow decoder and reports them
//! as a corrupt file, by design; libfuzzer-sys's hook would abort on those, so
//! this target's hook lets panics raised inside those crates unwind to the
//! loader, silently, and aborts on any other (a panic in mlg's own code is a
//! bug, caught or not).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlg_fuzz::{check_frame, scratch_file};
use std::path::PathBuf;
use std::sync::OnceLock;

/// True for a panic raised inside the parquet or arrow crates: the innermost
/// frame from their sources comes before any frame of mlg's runtime (where a
/// panic is a bug even under the loader's `catch_unwind`). Panics there may
/// surface in `core` (an overflow inside `Iterator::sum`, say), hence the
/// backtrace (costly, so only then) rather than the panic's location.
fn in_decoder(info: &std::panic::PanicHookInfo<'_>) -> bool {
    let file = info.location().map_or("", |l| l.file());
    if file.contains("/parquet-") || file.contains("/arrow-") {
        return true;
    }
    if !file.starts_with("/rustc/") {
        return false;
    }
    let trace = std::backtrace::Backtrace::force_capture().to_string();
    let decoder = ["/parquet-", "/arrow-"]
        .iter()
        .filter_map(|c| trace.find(c))
        .min();
    let ours = trace.find("runtime/src/");
    match (decoder, ours) {
        (Some(d), Some(o)) => d < o,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

fn scratch() -> &'static PathBuf {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !in_decoder(info) {
                hook(info);
            }
        }));
        scratch_file("parquet")
    })
}

fuzz_target!(|data: &[u8]| {
    let path = scratch();
    std::fs::write(path, data).expect("write the scratch file");
    if let Ok(frame) = mlg_runtime::parquet::read_parquet(path) {
        check_frame(&frame);
    }
    // A shard: the later row groups, read from their chunks and the footer only.
    if let Ok(groups) = mlg_runtime::parquet::parquet_row_groups(path) {
        if let Ok(frame) = mlg_runtime::parquet::read_parquet_row_groups(path, groups / 2..groups) {
            check_frame(&frame);
        }
    }
});
