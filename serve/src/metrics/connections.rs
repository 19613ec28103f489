//! Connection counters: how many are open, how many were shed over the limit
//! and how many timeouts closed.

use super::header;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// What became of a connection over the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shed {
    /// A `GET /health` answered 200 anyway.
    Health,
    /// Answered 503 with `Retry-After`.
    Busy,
    /// Closed unanswered: the answer could not be written.
    Closed,
}

impl Shed {
    const ALL: [Shed; 3] = [Shed::Health, Shed::Busy, Shed::Closed];

    fn label(self) -> &'static str {
        match self {
            Shed::Health => "health",
            Shed::Busy => "503",
            Shed::Closed => "none",
        }
    }
}

/// The connection counters.
#[derive(Debug, Default)]
pub struct Connections {
    open: AtomicU64,
    shed: [AtomicU64; 3],
    timed_out: AtomicU64,
}

impl Connections {
    /// Counts a connection as open (until [`Connections::closed`]).
    pub fn opened(&self) {
        self.open.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts an open connection as closed.
    pub fn closed(&self) {
        self.open.fetch_sub(1, Ordering::Relaxed);
    }

    /// Connections being served now.
    pub fn open(&self) -> u64 {
        self.open.load(Ordering::Relaxed)
    }

    /// Counts one connection over the limit.
    pub fn shed(&self, outcome: Shed) {
        self.shed[outcome as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Connections over the limit that met `outcome` so far.
    pub fn shed_count(&self, outcome: Shed) -> u64 {
        self.shed[outcome as usize].load(Ordering::Relaxed)
    }

    /// Counts one connection closed by the header or send timeout.
    pub fn timed_out(&self) {
        self.timed_out.fetch_add(1, Ordering::Relaxed);
    }

    /// Writes the connection families.
    pub(super) fn render(&self, out: &mut String) {
        header(
            out,
            "mlg_connections_open",
            "gauge",
            "Connections being served (at most --max-connections).",
        );
        let _ = writeln!(out, "mlg_connections_open {}", self.open());
        header(
            out,
            "mlg_connections_shed_total",
            "counter",
            "Connections over --max-connections, by answer: health (200), 503, none (closed).",
        );
        for outcome in Shed::ALL {
            let _ = writeln!(
                out,
                "mlg_connections_shed_total{{answer=\"{}\"}} {}",
                outcome.label(),
                self.shed_count(outcome)
            );
        }
        header(
            out,
            "mlg_connections_timed_out_total",
            "counter",
            "Connections closed by --header-timeout or a response left unread for --body-timeout.",
        );
        let _ = writeln!(
            out,
            "mlg_connections_timed_out_total {}",
            self.timed_out.load(Ordering::Relaxed)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_render() {
        let c = Connections::default();
        c.opened();
        c.opened();
        c.closed();
        c.shed(Shed::Busy);
        c.shed(Shed::Busy);
        c.shed(Shed::Health);
        c.timed_out();
        let mut out = String::new();
        c.render(&mut out);
        assert!(out.contains("mlg_connections_open 1\n"), "{out}");
        assert!(out.contains("mlg_connections_shed_total{answer=\"503\"} 2\n"));
        assert!(out.contains("mlg_connections_shed_total{answer=\"health\"} 1\n"));
        assert!(out.contains("mlg_connections_shed_total{answer=\"none\"} 0\n"));
        assert!(out.contains("mlg_connections_timed_out_total 1\n"));
        c.closed();
        assert_eq!(c.open(), 0);
    }
}
