//! mlg: one `.mlg` file declares a whole ML workflow; mlg checks it, trains and
//! evaluates it, and compiles the fitted inference path to native code.
//!
//! This crate is the library: the checked session, the executor and
//! `explain`. Reports and pages are `mlg-report`; the command line is
//! `mlg-cli`. See `ARCHITECTURE.md` at the repository root.
//!
//! ```no_run
//! let wf = mlg::Workflow::from_file("examples/iris.mlg")?;
//! let out = mlg::executor::run(&wf, &mlg::RunOptions::default())?;
//! for e in &out.evaluations {
//!     println!("{} {:?}", e.model, e.metrics.keys().collect::<Vec<_>>());
//! }
//! # Ok::<(), mlg::Error>(())
//! ```

pub mod error;
pub mod executor;
pub mod explain;
pub mod files;
pub mod keep;
pub mod mode;
pub mod observer;
pub mod pattern;
pub mod profile;
pub mod session;
pub mod shard;

pub use error::{Error, Result};
pub use executor::{RunOptions, RunOutput};
pub use observer::{Observer, Silent, Task};
pub use session::Workflow;
