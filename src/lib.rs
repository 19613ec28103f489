//! mlg: one `.mlg` file declares a whole ML workflow; mlg checks it, trains and
//! evaluates it, and compiles the fitted inference path to native code.
//!
//! ```no_run
//! let wf = mlg::Workflow::from_file("examples/iris.mlg")?;
//! let out = mlg::executor::run(&wf, &mlg::RunOptions::default())?;
//! println!("{}", mlg::report::table(&out.evaluations));
//! # Ok::<(), mlg::Error>(())
//! ```

pub mod bench;
pub mod diagnostics;
pub mod error;
pub mod executor;
pub mod explain;
pub mod files;
pub mod monitor;
mod monitor_html;
pub mod predict;
pub mod profile;
pub mod progress;
pub mod report;
pub mod report_html;
mod stdlib_checks;
pub mod workflow;

pub use error::{Error, Result};
pub use executor::{RunOptions, RunOutput};
pub use workflow::Workflow;
