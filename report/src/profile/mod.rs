//! The data profile page: [`mlg::profile::Profile`] rendered as one
//! self-contained HTML page with inline SVG charts (`mlg profile DATA.csv
//! --html report.html`, and the `profile` step of a workflow).

pub mod html;

pub use mlg::profile::*;

use mlg::error::Result;
use std::path::Path;

/// Reads the CSV at `data`, profiles it and writes the HTML page to `html`
/// atomically; returns the profile.
pub fn run(data: &Path, target: Option<&str>, html: &Path) -> Result<Profile> {
    let frame = mlg_runtime::csv::read_csv(data)?;
    let profile = profile(&frame, &data.display().to_string(), target)?;
    mlg::files::write_atomic(html, html::render(&profile).as_bytes())?;
    Ok(profile)
}

/// Writes `profile`'s HTML page to `path` atomically.
pub fn write(path: &Path, profile: &Profile) -> Result<()> {
    mlg::files::write_atomic(path, html::render(profile).as_bytes())
}

/// An [`mlg::Observer`] that writes the pages of a workflow's `profile`
/// steps and shows no progress: pass it to [`mlg::executor::run_with`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Pages;

impl mlg::Observer for Pages {
    fn profile_page(&self, path: &Path, profile: &Profile) -> Result<()> {
        write(path, profile)
    }
}
