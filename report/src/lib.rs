//! mlg-report: what a run, a data file or a drift check looks like to a
//! person. The JSON report and the text tables of `mlg run`
//! ([`report`]), the self-contained HTML evaluation page ([`html`]), the
//! data profile page ([`profile`]), the drift page ([`monitor`]) and the
//! out-of-fold predictions of `mlg run --oof` ([`oof`]). Every
//! page shares one style sheet, escaping and one SVG toolkit ([`page`]).

mod compression;
pub mod html;
pub mod monitor;
mod monitor_html;
mod numbers;
pub mod oof;
pub mod page;
pub mod profile;
pub mod quality;
pub mod report;
mod ties;

pub use report::Report;
