//! How the executor tells the outside world what it is doing: progress of
//! long tasks, notes for the user, and the pages a workflow's `profile`
//! steps ask for. The library draws nothing and writes no page itself; the
//! command line implements [`Observer`] with progress bars and HTML (the way
//! DataFusion hands an observer to its optimizer).

use crate::profile::Profile;
use std::path::Path;

/// One long task: a bar when its length is known, a spinner otherwise.
/// Called from worker threads, so it is `Send + Sync`.
pub trait Task: Send + Sync {
    /// Sets the number of steps to `n`.
    fn set_length(&self, n: u64);
    /// Adds `n` steps to the length.
    fn add_length(&self, n: u64);
    /// Marks `n` more steps done.
    fn advance(&self, n: u64);
    /// Replaces the task's message.
    fn set_message(&self, message: String);
    /// Ends the task and removes it from view.
    fn finish(&self);
}

/// What the executor reports while it runs. Every method has a default that
/// shows nothing, except [`Observer::note`], which prints to stderr.
pub trait Observer: Sync {
    /// A task counting steps (folds, trials), labelled `message`.
    fn bar(&self, message: &str) -> Box<dyn Task> {
        let _ = message;
        Box::new(Hidden)
    }

    /// A task of one long step, labelled `message`.
    fn spinner(&self, message: &str) -> Box<dyn Task> {
        let _ = message;
        Box::new(Hidden)
    }

    /// A note for the user (a resumed log that did not match, say).
    fn note(&self, text: &str) {
        eprintln!("note: {text}");
    }

    /// The profile a `profile` step computed, to be written to `path`. By
    /// default nothing is written.
    fn profile_page(&self, path: &Path, profile: &Profile) -> crate::Result<()> {
        let _ = (path, profile);
        Ok(())
    }
}

/// An observer that shows nothing and writes no page (notes still go to
/// stderr): what [`crate::executor::run`] uses.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Observer for Silent {}

/// A task that shows nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Hidden;

impl Task for Hidden {
    fn set_length(&self, _: u64) {}
    fn add_length(&self, _: u64) {}
    fn advance(&self, _: u64) {}
    fn set_message(&self, _: String) {}
    fn finish(&self) {}
}
