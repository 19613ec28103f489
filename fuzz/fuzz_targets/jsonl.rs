//! Fuzz target: the streaming JSON-lines reader of `mlg predict`
//! (RowChunks::json_lines) against a small schema, in chunks of 3 rows; every
//! chunk keeps the frame invariant and has as many rows as lines reported.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlg_fuzz::{check_frame, slots};
use mlg_runtime::stream::RowChunks;

fuzz_target!(|data: &[u8]| {
    let slots = slots();
    let mut chunks = RowChunks::json_lines(data, "fuzz.jsonl", &slots, 3);
    while let Ok(Some(frame)) = chunks.next_chunk() {
        check_frame(&frame);
        assert_eq!(frame.columns.len(), slots.len());
        assert_eq!(chunks.chunk_lines().len(), frame.n_rows);
    }
});
