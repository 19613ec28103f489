//! Fuzz target: the model importers (`mlg import`), from bytes: a LightGBM
//! text model or an XGBoost JSON model is parsed, and one that parses is
//! evaluated by the reference evaluator on a row of zeros and of NaNs,
//! lowered, optimized and validated as an artifact. Nothing may panic; a
//! model that lowers must compile and predict that row without error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlg_interop::{artifact, lightgbm, xgboost, ImportOptions};

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let parsed = if text.trim_start().starts_with('{') {
        xgboost::parse(text)
    } else {
        lightgbm::parse(text)
    };
    let Ok(ensemble) = parsed else {
        return;
    };
    let n = ensemble.features.len();
    for v in [0.0, f64::NAN] {
        let _ = ensemble.predict(&vec![v; n]);
    }
    let Ok(artifact) = artifact(ensemble, "fuzz", text, &ImportOptions::default()) else {
        return;
    };
    let model = mlg_runtime::Model::from_artifact(artifact).expect("an imported artifact compiles");
    let row = vec![0.0f32; model.inputs().len()];
    model.predict_rows(&row, 1).expect("an imported model predicts a row");
});
