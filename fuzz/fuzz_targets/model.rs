//! Fuzz target: an artifact that loads (header made consistent, see
//! `with_fixed_header`) is compiled with Cranelift and run on a few rows (zeros,
//! missing values, unseen codes, huge values), and the missing-value probe
//! runs: a graph the validator accepts must compile and run.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlg_fuzz::with_fixed_header;
use mlg_runtime::artifact::from_bytes;
use mlg_runtime::Model;

fuzz_target!(|data: &[u8]| {
    let bytes = with_fixed_header(data).unwrap_or_else(|| data.to_vec());
    let Ok(artifact) = from_bytes(&bytes) else {
        return;
    };
    let Ok(model) = Model::from_artifact(artifact) else {
        return;
    };
    let width = model.inputs().len();
    let mut rows = Vec::with_capacity(4 * width);
    for value in [0.0f32, f32::NAN, -1.0, 3.0e38] {
        rows.extend(std::iter::repeat(value).take(width));
    }
    if let Ok(out) = model.predict_rows(&rows, 4) {
        assert_eq!(out.len(), 4 * model.n_outputs());
    }
    model.takes_missing();
});
