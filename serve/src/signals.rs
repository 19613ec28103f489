//! Signal handling: shutdown on SIGTERM or SIGINT (Ctrl-C off Unix), reload on
//! SIGHUP.

use crate::state::AppState;
use std::sync::Arc;

/// The shutdown signals, installed when made.
pub struct Shutdown {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl Shutdown {
    /// Installs the handlers (inside the runtime).
    pub fn install() -> std::io::Result<Shutdown> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Shutdown {
                term: signal(SignalKind::terminate())?,
                interrupt: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Shutdown {})
    }

    /// Waits for the next shutdown signal; returns its name.
    pub async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.term.recv() => "SIGTERM",
                _ = self.interrupt.recv() => "SIGINT",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "ctrl-c"
        }
    }
}

/// Reloads the configured artifact on every SIGHUP.
#[cfg(unix)]
pub fn reload_on_hangup(state: Arc<AppState>) -> std::io::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hangup = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        while hangup.recv().await.is_some() {
            // The outcome is logged by `reload`.
            let _ = state.reload().await;
        }
    });
    Ok(())
}

/// No SIGHUP off Unix.
#[cfg(not(unix))]
pub fn reload_on_hangup(_: Arc<AppState>) -> std::io::Result<()> {
    Ok(())
}
