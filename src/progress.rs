//! Progress bars on fits and folds (indicatif); hidden under `--quiet` and when
//! stdout is not a terminal.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// Hands out progress bars that draw only when enabled and stdout is a terminal.
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

    /// A bar counting folds; its length is set once the splits are known.
    pub fn bar(&self, message: &str) -> ProgressBar {
        let Some(multi) = &self.multi else {
            return ProgressBar::hidden();
        };
        let bar = multi.add(ProgressBar::new(0));
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg:40} [{bar:30}] {pos}/{len} {elapsed}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(message.to_string());
        bar
    }

    /// A spinner for a single long step.
    pub fn spinner(&self, message: &str) -> ProgressBar {
        let Some(multi) = &self.multi else {
            return ProgressBar::hidden();
        };
        let bar = multi.add(ProgressBar::new_spinner());
        bar.set_message(message.to_string());
        bar.enable_steady_tick(std::time::Duration::from_millis(100));
        bar
    }
}
