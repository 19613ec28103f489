//! Fuzz target: the `POST /predict` body decoder against a small schema. A body
//! it accepts gives `n_rows * slots` row values, a frame of `n_rows` rows, and,
//! in the row form, one row per element of the `rows` array; strict parsing
//! (`--strict-columns`, taken on odd-length inputs) accepts only bodies the
//! lenient one accepts, ignoring no column. Row ids come one per row or not
//! at all. The same bytes as a `POST /feedback` body parse or are refused,
//! with no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlg_fuzz::{check_frame, slots};
use mlg_serve::request::{parse, Schema};
use std::sync::OnceLock;

fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| Schema::new(&slots()))
}

fuzz_target!(|data: &[u8]| {
    let schema = schema();
    let strict = data.len() % 2 == 1;
    if let Ok(labels) = mlg_serve::feedback::parse(data, strict) {
        assert!(labels.len() <= mlg_serve::feedback::MAX_LABELS);
    }
    let Ok(batch) = parse(schema, data, strict) else {
        return;
    };
    if strict {
        assert!(batch.ignored.is_empty(), "strict parsing ignores nothing");
        assert!(parse(schema, data, false).is_ok(), "lenient parsing accepts what strict does");
    }
    assert_eq!(batch.rows.len(), batch.n_rows * schema.slots().len());
    assert_eq!(batch.frame.n_rows, batch.n_rows);
    assert!(batch.ids.is_empty() || batch.ids.len() == batch.n_rows, "one id per row");
    assert_eq!(batch.frame.columns.len(), schema.slots().len());
    check_frame(&batch.frame);
    if let Ok(serde_json::Value::Object(body)) = serde_json::from_slice(data) {
        if let Some(serde_json::Value::Array(rows)) = body.get("rows") {
            assert_eq!(batch.n_rows, rows.len(), "rows in the body");
        }
    }
});
