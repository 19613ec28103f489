//! Fuzz target: the CSV loader, inferring every column's kind and with declared
//! kinds (`x` numeric, `c` categorical); a frame it returns keeps the frame
//! invariant.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlg_compiler::workflow::catalog::ColumnKind;
use mlg_fuzz::check_frame;
use mlg_runtime::csv::{read_csv_from, read_csv_typed_from};

fuzz_target!(|data: &[u8]| {
    if let Ok(frame) = read_csv_from(data, "fuzz.csv") {
        check_frame(&frame);
    }
    let kinds = [
        ("x".to_string(), ColumnKind::Numeric),
        ("c".to_string(), ColumnKind::Categorical),
    ];
    if let Ok(frame) = read_csv_typed_from(data, "fuzz.csv", &kinds) {
        check_frame(&frame);
    }
});
