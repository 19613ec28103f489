//! Fitting the connection limit under the process's open-file limit
//! (`RLIMIT_NOFILE`): every connection served, every connection being shed and
//! the server's own files each hold a descriptor, so the soft limit is raised
//! toward the hard limit when that helps, and `--max-connections` is lowered
//! (and the startup log says so) when it still does not fit.

use crate::ServeError;

/// Descriptors kept for everything but client connections: stdio, the
/// listener, the event loop, signal pipes, an artifact being reloaded.
pub const RESERVED_FILES: u64 = 64;

/// Connections over the limit that may be answered 503 at once, for `max`
/// connections served (the same number again may linger while the client
/// reads the answer).
pub fn shed_slots(max: usize) -> usize {
    (max / 2).clamp(16, 1024)
}

/// Descriptors needed to serve `max` connections.
pub fn files_needed(max: usize) -> u64 {
    max as u64 + 2 * shed_slots(max) as u64 + RESERVED_FILES
}

/// The connection limit in force and how it was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Connections served at once.
    pub max_connections: usize,
    /// Over-limit connections answered (503 or health) at once.
    pub shed_slots: usize,
    /// The open-file soft limit now in force (`None` where it is not known).
    pub open_files: Option<u64>,
    /// The soft limit before it was raised, when it was.
    pub raised_from: Option<u64>,
    /// The `--max-connections` asked for, when it had to be lowered.
    pub lowered_from: Option<usize>,
}

/// Raises the open-file soft limit as far as serving `requested` connections
/// needs (never past the hard limit), then fits the connection limit under it.
pub fn budget(requested: usize) -> Result<Budget, ServeError> {
    let (soft, raised_from) = match open_files::raise_to(files_needed(requested)) {
        Some((soft, before)) => (Some(soft), (before != soft).then_some(before)),
        None => (None, None),
    };
    let fitted = match soft {
        Some(soft) => fit(requested, soft).ok_or(ServeError::OpenFiles {
            limit: soft,
            needed: files_needed(1),
        })?,
        None => requested,
    };
    Ok(Budget {
        max_connections: fitted,
        shed_slots: shed_slots(fitted),
        open_files: soft,
        raised_from,
        lowered_from: (fitted != requested).then_some(requested),
    })
}

/// The largest connection limit up to `requested` whose descriptors fit in
/// `limit`; `None` when not even one does.
pub fn fit(requested: usize, limit: u64) -> Option<usize> {
    if files_needed(requested) <= limit {
        return Some(requested);
    }
    // `files_needed` grows with `max`: the largest fitting value by bisection.
    let (mut low, mut high) = (0usize, requested);
    while low < high {
        let mid = low + (high - low).div_ceil(2);
        if files_needed(mid) <= limit {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    (low >= 1).then_some(low)
}

#[cfg(unix)]
mod open_files {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};

    /// Raises the soft `RLIMIT_NOFILE` toward `wanted` (up to the hard limit);
    /// returns the soft limit in force and the one before, or `None` when the
    /// limit cannot be read.
    pub fn raise_to(wanted: u64) -> Option<(u64, u64)> {
        let limit = getrlimit(Resource::Nofile);
        // `None` is `RLIM_INFINITY`, which is `u64::MAX` on Linux.
        let before = limit.current.unwrap_or(u64::MAX);
        let hard = limit.maximum.unwrap_or(u64::MAX);
        let target = wanted.min(hard);
        if target <= before {
            return Some((before, before));
        }
        let raised = Rlimit {
            current: Some(target),
            maximum: limit.maximum,
        };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            Some((target, before))
        } else {
            Some((before, before))
        }
    }
}

#[cfg(not(unix))]
mod open_files {
    /// No `RLIMIT_NOFILE` here.
    pub fn raise_to(_: u64) -> Option<(u64, u64)> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_kept_when_it_fits_and_lowered_when_not() {
        assert_eq!(files_needed(1024), 1024 + 2 * 512 + RESERVED_FILES);
        assert_eq!(fit(1024, 1 << 20), Some(1024));
        let lowered = fit(1024, 1024).unwrap();
        assert!(files_needed(lowered) <= 1024);
        assert!(files_needed(lowered + 1) > 1024);
        assert_eq!(fit(1024, files_needed(1) - 1), None);
        assert_eq!(fit(1, files_needed(1)), Some(1));
    }

    #[test]
    fn shedding_has_a_floor_and_a_ceiling() {
        assert_eq!(shed_slots(1), 16);
        assert_eq!(shed_slots(512), 256);
        assert_eq!(shed_slots(1_000_000), 1024);
    }

    #[cfg(unix)]
    #[test]
    fn the_budget_fits_the_open_file_limit() {
        let budget = budget(64).unwrap();
        assert_eq!(budget.max_connections, 64);
        assert!(budget.open_files.unwrap() >= files_needed(64));
    }
}
