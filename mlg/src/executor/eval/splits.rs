//! The train/test splits of an evaluation method (`holdout`, `kfold`,
//! `repeated_kfold`, `bootstrap`, `predefined_folds`) for one chain's data rows.

use crate::error::{Error, Result};
use mlg_compiler::workflow::stage::OpUse;
use mlg_stdlib::eval::Split;
use mlg_stdlib::op::Target;
use std::path::Path;

/// The seed a method was given (0 when it takes none).
pub fn method_seed(method: &OpUse) -> u64 {
    method.params.get("seed").and_then(|v| v.as_i64()).unwrap_or(0) as u64
}

/// True when `method` reports Efron's .632 estimate (`bootstrap(oob = true)`).
pub fn is_632(method: &OpUse) -> bool {
    method.op == "bootstrap" && method.params.get("oob").and_then(|v| v.as_bool()).unwrap_or(true)
}

/// The splits of `method` for `n` data rows with `target`; `fold_file` is the
/// resolved file of `predefined_folds`. Classification targets are
/// stratified unless the method says `stratified = false`.
pub fn splits(method: &OpUse, fold_file: Option<&Path>, n: usize, target: &Target) -> Result<Vec<Split>> {
    let params = &method.params;
    let seed = method_seed(method);
    let int =
        |name: &str, default: i64| params.get(name).and_then(|v| v.as_i64()).unwrap_or(default) as usize;
    let strata = match target {
        Target::Classes { codes, .. }
            if params.get("stratified").and_then(|v| v.as_bool()).unwrap_or(true) =>
        {
            Some(codes.as_slice())
        }
        _ => None,
    };
    let op = method.op.as_str();
    let result = match op {
        "holdout" => mlg_stdlib::eval::holdout(
            n,
            params.get("test").and_then(|v| v.as_f64()).unwrap_or(0.2),
            seed,
            strata,
        ),
        "kfold" => {
            let shuffle = params.get("shuffle").and_then(|v| v.as_bool()).unwrap_or(true);
            mlg_stdlib::eval::kfold(n, int("k", 5), shuffle, seed, strata)
        }
        "repeated_kfold" => mlg_stdlib::eval::repeated_kfold(n, int("k", 5), int("repeats", 3), seed, strata),
        "bootstrap" => mlg_stdlib::eval::bootstrap(
            n,
            int("n", 100),
            seed,
            params.get("oob").and_then(|v| v.as_bool()).unwrap_or(true),
        ),
        "predefined_folds" => {
            let path = fold_file.ok_or_else(|| Error::Usage("predefined_folds without a file".into()))?;
            mlg_stdlib::eval::predefined(&super::folds::read_fold_ids(path, n)?)
        }
        other => return Err(Error::Usage(format!("unknown evaluation method `{other}`"))),
    };
    result.map_err(|e| Error::op(op, e))
}
