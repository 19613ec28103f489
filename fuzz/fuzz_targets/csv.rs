//! Fuzz target: the CSV loader, inferring every column's kind and with declared
//! kinds (`x` numeric, `c` categorical, `d` date); a frame it returns keeps
//! the frame invariant. The same bytes as text are a date the calendar
//! places in range, or no date.
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
        ("d".to_string(), ColumnKind::Date),
    ];
    if let Ok(frame) = read_csv_typed_from(data, "fuzz.csv", &kinds) {
        check_frame(&frame);
    }
    // Any text: a date or None, never a panic; a date is in range.
    if let Some(hours) = std::str::from_utf8(data).ok().and_then(mlg_runtime::dates::parse) {
        let (year, ..) = mlg_runtime::dates::civil(hours);
        assert!((1900.0..=2199.0).contains(&year), "{hours}");
    }
});
