//! Wall-clock time as Unix seconds and its UTC text form, and whether a
//! recorded process still runs (to tell a running run from an interrupted one).

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, with a fractional part.
pub(crate) fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// `YYYY-MM-DD HH:MM:SS` in UTC for Unix seconds `t` (the calendar of
/// [`mlg_compiler::dates::civil`], exact in `f64` for any whole hour).
pub fn utc(t: f64) -> String {
    let secs = t.floor() as i64;
    let (year, month, day) = mlg_compiler::dates::civil(secs.div_euclid(3600) as f64);
    let rem = secs.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// This machine's host name ("" when the system does not say).
pub(crate) fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_default()
}

/// Whether process `pid` of host `host` may still be running: false only
/// when it is this host and the process is known gone (Linux's `/proc`).
pub(crate) fn may_run(pid: i64, host_name: &str) -> bool {
    if host_name != host() || !std::path::Path::new("/proc/self").exists() {
        return true;
    }
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

#[cfg(test)]
mod tests {
    use super::utc;

    #[test]
    fn utc_text_matches_known_instants() {
        assert_eq!(utc(0.0), "1970-01-01 00:00:00");
        assert_eq!(utc(951_782_400.0), "2000-02-29 00:00:00");
        assert_eq!(utc(1_796_666_399.5), "2026-12-07 17:59:59");
    }
}
