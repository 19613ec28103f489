//! Writing output files so that a failure never leaves a half-written file or
//! destroys the previous one: the CLI's side of [`mlg_runtime::files`].

use crate::error::{Error, Result};
use std::path::Path;

/// Writes `bytes` to `path` atomically with [`mlg_runtime::files::write_atomic`]
/// (a recognisable temporary file beside it, renamed over it; stale
/// temporary files of killed runs are removed); errors name `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    mlg_runtime::files::write_atomic(path, bytes).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}
