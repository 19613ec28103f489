//! Fuzz target: the ONNX importer (`mlg import model.onnx`), from bytes: a
//! model that decodes and lowers is optimized and validated as an
//! artifact, then compiled and run on a row of zeros and a row of NaNs.
//! Nothing may panic; a model that imports must compile and predict.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlg_interop::{onnx_artifact, ImportOptions};

fuzz_target!(|bytes: &[u8]| {
    let Ok(artifact) = onnx_artifact(bytes, "fuzz", &ImportOptions::default()) else {
        return;
    };
    let model = mlg_runtime::Model::from_artifact(artifact).expect("an imported artifact compiles");
    for v in [0.0f32, f32::NAN] {
        let row = vec![v; model.inputs().len()];
        model.predict_rows(&row, 1).expect("an imported model predicts a row");
    }
});
