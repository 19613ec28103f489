//! The command line's [`Observer`]: progress bars on fits, folds and trials
//! (indicatif), hidden under `--quiet` and when stdout is not a terminal, and
//! the HTML pages of `profile` steps.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use mlg::profile::Profile;
use mlg::{Observer, Task};
use std::io::IsTerminal;
use std::path::Path;

/// Hands out progress bars that draw only when enabled and stdout is a
/// terminal, and writes profile pages.
pub struct Progress {
    multi: Option<MultiProgress>,
}

impl Progress {
    /// Bars are drawn when `enabled` and stdout is a terminal.
    pub fn new(enabled: bool) -> Progress {
        let draw = enabled && std::io::stdout().is_terminal();
        Progress {
            multi: draw.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stdout())),
        }
    }
}

/// An indicatif bar as a [`Task`].
struct Bar(ProgressBar);

/// A bar's look once its length is known; until then it shows a spinner,
/// the count and the time, not an empty `0/0` bar drawn full.
fn with_length(bar: &ProgressBar) {
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg:40} [{bar:30}] {pos}/{len} {elapsed}") {
        bar.set_style(style.progress_chars("=> "));
    }
}

impl Task for Bar {
    fn set_length(&self, n: u64) {
        with_length(&self.0);
        self.0.set_length(n);
    }
    fn add_length(&self, n: u64) {
        if self.0.length().is_none() {
            with_length(&self.0);
        }
        self.0.inc_length(n);
    }
    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
    fn set_message(&self, message: String) {
        self.0.set_message(message);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl Observer for Progress {
    /// A bar counting folds or trials: a spinner and a count until its
    /// length is known, then a bar.
    fn bar(&self, message: &str) -> Box<dyn Task> {
        let Some(multi) = &self.multi else {
            return Box::new(Bar(ProgressBar::hidden()));
        };
        let bar = multi.add(ProgressBar::no_length());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg:40} {pos} {elapsed}") {
            bar.set_style(style);
        }
        bar.set_message(message.to_string());
        Box::new(Bar(bar))
    }

    /// A spinner for a single long step.
    fn spinner(&self, message: &str) -> Box<dyn Task> {
        let Some(multi) = &self.multi else {
            return Box::new(Bar(ProgressBar::hidden()));
        };
        let bar = multi.add(ProgressBar::new_spinner());
        bar.set_message(message.to_string());
        bar.enable_steady_tick(std::time::Duration::from_millis(100));
        Box::new(Bar(bar))
    }

    fn profile_page(&self, path: &Path, profile: &Profile) -> mlg::Result<()> {
        mlg_report::profile::write(path, profile)
    }
}
