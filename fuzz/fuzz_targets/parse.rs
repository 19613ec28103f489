//! Fuzz target: the `.mlg` parser alone (fast), plus the line/column of every
//! diagnostic span, as the renderer computes it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let source = String::from_utf8_lossy(data);
    if let Err(d) = mlg_dsl::parse(&source) {
        if let Some(span) = d.span() {
            span.line_col(&source);
        }
        for label in &d.labels {
            label.span.line_col(&source);
        }
    }
});
