//! The text and value of a date: ISO-8601 text to the number a date
//! column and a date input slot ([`crate::ir::SlotKind::Date`]) carry —
//! whole hours since 1970-01-01T00:00 UTC — and the calendar arithmetic of
//! `derive`'s date functions on it, in `f64`.
//!
//! Accepted text: `YYYY-MM-DD`, optionally followed by `T` or a space and
//! `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fraction`, optionally followed by `Z` or
//! an offset `±HH:MM` / `±HHMM` / `±HH` (applied, so the hour is UTC's).
//! Minutes and seconds are dropped after the offset is applied. Years run
//! from [`FIRST_YEAR`] to [`LAST_YEAR`]: every value then stays an integer
//! below 2^24 in magnitude, so the compiled `f32` arithmetic of the date
//! functions gives exactly what [`civil`] gives here.
//!
//! The calendar is Howard Hinnant's proleptic-Gregorian day arithmetic
//! (`days_from_civil` / `civil_from_days`), written with floor divisions
//! only so the IR (which has `Div` and `Floor`) computes it the same way.

/// The first year a date may have.
pub const FIRST_YEAR: i64 = 1900;
/// The last year a date may have.
pub const LAST_YEAR: i64 = 2199;

/// Days from 1970-01-01 to the civil date `y-m-d` (`m` in 1..=12).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days in month `m` of year `y`.
fn month_days(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The digits of `s` as a number, when `s` is `n` ASCII digits.
fn digits(s: &str, n: usize) -> Option<i64> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
}

/// The hours since 1970-01-01T00:00 UTC of ISO-8601 `text` (see the module
/// doc), or `None` when it is not such a date or its year is out of range.
pub fn parse(text: &str) -> Option<f64> {
    let text = text.trim();
    let (date, time) = match text.get(10..11) {
        Some("T" | "t" | " ") => (&text[..10], &text[11..]),
        None if text.len() == 10 => (text, ""),
        _ => return None,
    };
    if text.len() > 10 && time.is_empty() {
        return None;
    }
    let (y, m, d) = (
        digits(date.get(..4)?, 4)?,
        digits(date.get(5..7)?, 2)?,
        digits(date.get(8..10)?, 2)?,
    );
    if &date[4..5] != "-" || &date[7..8] != "-" {
        return None;
    }
    if !(FIRST_YEAR..=LAST_YEAR).contains(&y) || !(1..=12).contains(&m) || d < 1 || d > month_days(y, m) {
        return None;
    }
    let (clock, offset) = split_offset(time)?;
    let (hour, minute) = if clock.is_empty() {
        (0, 0)
    } else {
        let hour = digits(clock.get(..2)?, 2)?;
        let minute = digits(clock.get(3..5)?, 2)?;
        if &clock[2..3] != ":" || hour > 23 || minute > 59 {
            return None;
        }
        match clock.get(5..) {
            Some("") => {}
            Some(rest) => {
                let seconds = rest.strip_prefix(':')?;
                let (whole, fraction) = seconds.split_once('.').unwrap_or((seconds, "0"));
                if digits(whole, 2)? > 60
                    || fraction.is_empty()
                    || !fraction.bytes().all(|b| b.is_ascii_digit())
                {
                    return None;
                }
            }
            None => return None,
        }
        (hour, minute)
    };
    let minutes = (days_from_civil(y, m, d) * 24 + hour) * 60 + minute - offset;
    let hours = minutes.div_euclid(60);
    // The range holds in UTC, after the offset.
    let first = days_from_civil(FIRST_YEAR, 1, 1) * 24;
    let end = days_from_civil(LAST_YEAR + 1, 1, 1) * 24;
    (first..end).contains(&hours).then_some(hours as f64)
}

/// `time` split into its clock and its offset from UTC in minutes (`Z`
/// or none: 0); `None` when the offset is malformed.
fn split_offset(time: &str) -> Option<(&str, i64)> {
    if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        return Some((clock, 0));
    }
    let Some(at) = time.rfind(['+', '-']) else {
        return Some((time, 0));
    };
    let (clock, offset) = time.split_at(at);
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let body = &offset[1..];
    // Every offset is ASCII; byte slices below then cut between characters.
    if !body.is_ascii() {
        return None;
    }
    let (h, m) = match body.len() {
        5 if &body[2..3] == ":" => (digits(&body[..2], 2)?, digits(&body[3..], 2)?),
        4 => (digits(&body[..2], 2)?, digits(&body[2..], 2)?),
        2 => (digits(body, 2)?, 0),
        _ => return None,
    };
    (h <= 23 && m <= 59 && !clock.is_empty()).then_some((clock, sign * (h * 60 + m)))
}

/// `floor(a / b)` as the IR computes it (`Div`, then `Floor`).
fn floor_div(a: f64, b: f64) -> f64 {
    (a / b).floor()
}

/// The hour of the day (0–23) of `hours` since the epoch; NaN stays NaN.
pub fn hour(hours: f64) -> f64 {
    hours - 24.0 * floor_div(hours, 24.0)
}

/// Whole days since 1970-01-01 of `hours` since the epoch.
pub fn days(hours: f64) -> f64 {
    floor_div(hours, 24.0)
}

/// The day of the week, Monday 0 to Sunday 6 (1970-01-01 was a Thursday).
pub fn weekday(hours: f64) -> f64 {
    let d = days(hours) + 3.0;
    d - 7.0 * floor_div(d, 7.0)
}

/// `(year, month 1–12, day 1–31)` of `hours` since the epoch, each NaN for
/// NaN: Hinnant's `civil_from_days` in floor divisions.
pub fn civil(hours: f64) -> (f64, f64, f64) {
    let z = days(hours) + 719_468.0;
    let era = floor_div(z, 146_097.0);
    let doe = z - era * 146_097.0;
    let yoe = floor_div(
        doe - floor_div(doe, 1460.0) + floor_div(doe, 36_524.0) - floor_div(doe, 146_096.0),
        365.0,
    );
    let doy = doe - (365.0 * yoe + floor_div(yoe, 4.0) - floor_div(yoe, 100.0));
    let mp = floor_div(5.0 * doy + 2.0, 153.0);
    let day = doy - floor_div(153.0 * mp + 2.0, 5.0) + 1.0;
    let later = if mp >= 10.0 { 1.0 } else { 0.0 };
    let month = mp + 3.0 - 12.0 * later;
    let year = yoe + era * 400.0 + later;
    (year, month, day)
}

/// Whether every one of `levels` (at least one) is an ISO-8601 date
/// [`parse`] reads: a text column to read as dates.
pub fn all_dates(levels: &[String]) -> bool {
    !levels.is_empty() && levels.iter().all(|l| parse(l).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_and_times_parse_to_utc_hours() {
        assert_eq!(parse("1970-01-01"), Some(0.0));
        assert_eq!(parse("1970-01-02T01:59:59"), Some(25.0));
        assert_eq!(parse("2024-02-29 13:05"), parse("2024-02-29T13:00:00.250"));
        assert_eq!(parse("2024-03-01T00:30:00+01:00"), parse("2024-02-29T23:00Z"));
        assert_eq!(parse("1969-12-31T23:00"), Some(-1.0));
        assert_eq!(
            parse("2199-12-31T22:00-01:00"),
            Some(((days_from_civil(2200, 1, 1)) * 24 - 1) as f64)
        );
        assert_eq!(parse("2199-12-31T23:30-05:00"), None, "2200 in UTC");
        assert_eq!(parse("1900-01-01T00:00+01:00"), None, "1899 in UTC");
        // Text that is not ASCII where digits belong is no date, not a panic.
        for odd in [
            "2024-01-01T10:00+1é3",
            "2024-01-01T10:00-é:",
            "2024-01-0é",
            "2024-01-01Té0:00",
            "2024-01-01T1é:00",
        ] {
            assert_eq!(parse(odd), None, "{odd}");
        }
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "24-01-01",
            "2024-01-01T25:00",
            "1899-12-31",
            "2024-01-01X",
            "2024/01/01",
            "",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn calendar_parts_round_trip_every_day_of_the_range() {
        let mut weekday_expected = 0.0; // 1900-01-01 was a Monday.
        for y in FIRST_YEAR..=LAST_YEAR {
            for m in 1..=12 {
                for d in 1..=month_days(y, m) {
                    let h = (days_from_civil(y, m, d) * 24 + 17) as f64;
                    assert_eq!(civil(h), (y as f64, m as f64, d as f64));
                    assert_eq!(hour(h), 17.0);
                    assert_eq!(weekday(h), weekday_expected, "{y}-{m}-{d}");
                    weekday_expected = (weekday_expected + 1.0) % 7.0;
                }
            }
        }
        let (y, m, d) = civil(f64::NAN);
        assert!(y.is_nan() && m.is_nan() && d.is_nan() && weekday(f64::NAN).is_nan());
    }
}
