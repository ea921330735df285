//! What the families share about time: one duration grammar (with one
//! rule for zero), calendar intervals, RFC 3339 formatting, calendar dates,
//! and "now".
//!
//! Every family that reads a duration (a drill's objective, a rule's `for`,
//! a probe's timeout, a policy's interval, a server's reuse window) reads it
//! here, so `1h30m` means the same everywhere and only the caller decides
//! whether zero is allowed.

use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime, UtcOffset};

use crate::error::{Error, Result};

/// Whether a duration may be zero: a timeout or an objective may not; a
/// rule's `for` (fire at once) or a reuse window (never reuse) may.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zero {
    /// `0` is an error.
    Refused,
    /// `0`, `0s`, `0m` … are zero seconds.
    Allowed,
}

/// Parse a duration into seconds: a sum of `<number><unit>` parts with the
/// units `d`, `h`, `m`, `s` (`2h`, `90m`, `1h30m`, `1.5h`, `45s`), or a bare
/// number of seconds (`3600`). Negative, infinite and (unless `zero`
/// allows it) zero durations are errors that name the text and the form.
pub fn parse_duration(text: &str, zero: Zero) -> Result<f64> {
    let bad = || {
        Error::invalid(format!(
            "invalid duration {text:?}: use e.g. 2h, 90m, 1h30m or 45s{}",
            if zero == Zero::Allowed { " (or 0)" } else { "" }
        ))
    };
    let t = text.trim();
    let total = if let Ok(secs) = t.parse::<f64>() {
        secs
    } else {
        let mut total = 0.0;
        let mut num = String::new();
        for c in t.chars() {
            if c.is_ascii_digit() || c == '.' {
                num.push(c);
                continue;
            }
            let unit = match c {
                'd' => 86_400.0,
                'h' => 3_600.0,
                'm' => 60.0,
                's' => 1.0,
                _ => return Err(bad()),
            };
            let n: f64 = num.parse().map_err(|_| bad())?;
            total += n * unit;
            num.clear();
        }
        if !num.is_empty() || t.is_empty() {
            return Err(bad());
        }
        total
    };
    let ok = total.is_finite() && (total > 0.0 || (zero == Zero::Allowed && total == 0.0));
    ok.then_some(total).ok_or_else(bad)
}

/// Format a time as RFC 3339 UTC with nanoseconds: `2026-12-02T01:02:03.000000004Z`.
/// (Called for every file of every walk, so the calendar arithmetic is done
/// here, days to civil date after Howard Hinnant's algorithm, instead of
/// through a general formatter.)
pub fn format_rfc3339_nanos(secs: i64, nanos: u32) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{nanos:09}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Parse an RFC 3339 time (what [`format_rfc3339_nanos`] writes, and any
/// other offset) into seconds and nanoseconds since the epoch.
pub fn parse_rfc3339(s: &str) -> Option<(i64, u32)> {
    let t = OffsetDateTime::parse(s, &Rfc3339).ok()?;
    Some((t.unix_timestamp(), t.nanosecond()))
}

/// Seconds since the epoch as RFC 3339 UTC with milliseconds
/// (`2026-12-02T03:00:00.250Z`), as reports and events write times.
pub fn format_rfc3339(seconds: f64) -> String {
    let secs = seconds.floor() as i64;
    let millis = ((seconds - seconds.floor()) * 1000.0).round().min(999.0) as u32;
    let full = format_rfc3339_nanos(secs, millis * 1_000_000);
    format!("{}.{millis:03}Z", &full[..19])
}

/// Seconds since the epoch as RFC 3339 at a UTC offset of `offset_minutes`,
/// to the second (`2026-01-01T09:00:00+09:00`), as git records a commit's
/// or tag's time.
pub fn format_rfc3339_at(seconds: i64, offset_minutes: i32) -> String {
    let offset =
        UtcOffset::from_whole_seconds(offset_minutes.saturating_mul(60)).unwrap_or(UtcOffset::UTC);
    OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|d| d.to_offset(offset).format(&Rfc3339).ok())
        .unwrap_or_else(|| seconds.to_string())
}

/// The calendar date an RFC 3339 time names in its own offset (the first
/// ten characters, `YYYY-MM-DD`), as changelogs date a release.
pub fn rfc3339_date(text: &str) -> &str {
    text.get(..10).unwrap_or(text)
}

/// The UTC calendar date of a time in seconds since the epoch (the earliest
/// date for one out of range).
pub fn date_of(seconds: i64) -> Date {
    OffsetDateTime::from_unix_timestamp(seconds)
        .map(|t| t.date())
        .unwrap_or(Date::MIN)
}

/// Today's date, UTC.
pub fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// A date as `YYYY-MM-DD` (what release sections and bags write).
pub fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Now, in seconds since the epoch (with the clock's fraction).
pub fn now_seconds() -> f64 {
    let now = OffsetDateTime::now_utc();
    now.unix_timestamp() as f64 + f64::from(now.nanosecond()) / 1e9
}

/// A calendar interval in days, as review policies write it: `90 days`, `6 months` (30 days each),
/// `1 year` (365), `2 weeks`, or a bare number of days.
pub fn parse_interval(s: &str) -> Result<u32, String> {
    let bad = || format!("{s:?} is not an interval: write e.g. 90 days, 6 months or 1 year");
    let t = s.trim().to_ascii_lowercase();
    let (n, unit) = match t.split_once(char::is_whitespace) {
        Some((n, u)) => (n, u.trim()),
        None => {
            let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
            (&t[..split], t[split..].trim())
        }
    };
    let n: u32 = n.parse().map_err(|_| bad())?;
    let per = match unit.trim_end_matches('s') {
        "" | "d" | "day" => 1,
        "w" | "week" => 7,
        "month" | "mo" => 30,
        "y" | "year" => 365,
        _ => return Err(bad()),
    };
    n.checked_mul(per).filter(|d| *d > 0).ok_or_else(bad)
}

/// A calendar date: `YYYY-MM-DD` (strictly), or g3doc's `YYYY-mon-DD`
/// (`2020-sep-21`). The error says what was read and the form to write.
pub fn parse_date(text: &str) -> std::result::Result<Date, String> {
    let bad = || format!("{text:?} is not a date: write YYYY-MM-DD");
    let parts: Vec<&str> = text.trim().split('-').collect();
    let [y, m, d] = parts[..] else {
        return Err(bad());
    };
    if y.len() != 4 || d.len() != 2 {
        return Err(bad());
    }
    let year: i32 = y.parse().map_err(|_| bad())?;
    let day: u8 = d.parse().map_err(|_| bad())?;
    let month = if m.len() == 2 && m.bytes().all(|b| b.is_ascii_digit()) {
        Month::try_from(m.parse::<u8>().map_err(|_| bad())?).map_err(|_| bad())?
    } else {
        const NAMES: [&str; 12] = [
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ];
        let n = NAMES
            .iter()
            .position(|n| m.eq_ignore_ascii_case(n))
            .ok_or_else(bad)?;
        Month::try_from(n as u8 + 1).map_err(|_| bad())?
    };
    Date::from_calendar_date(year, month, day).map_err(|_| bad())
}

/// A US-style `MM/DD/YYYY` date (one-digit month and day too), the form
/// Microsoft Learn documents for `ms.date`.
pub fn parse_month_day_year(text: &str) -> std::result::Result<Date, String> {
    let bad = || format!("{text:?} is not a date: write MM/DD/YYYY");
    let parts: Vec<&str> = text.trim().split('/').collect();
    let [m, d, y] = parts[..] else {
        return Err(bad());
    };
    let digits = |s: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(m, 1..=2) || !digits(d, 1..=2) || !digits(y, 4..=4) {
        return Err(bad());
    }
    let month = Month::try_from(m.parse::<u8>().map_err(|_| bad())?).map_err(|_| bad())?;
    Date::from_calendar_date(
        y.parse().map_err(|_| bad())?,
        month,
        d.parse().map_err(|_| bad())?,
    )
    .map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn us_dates_as_ms_date_writes_them() {
        let d = |y, m, day| Date::from_calendar_date(y, Month::try_from(m).unwrap(), day).unwrap();
        assert_eq!(parse_month_day_year("03/14/2024"), Ok(d(2024, 3, 14)));
        assert_eq!(parse_month_day_year("9/2/2023"), Ok(d(2023, 9, 2)));
        for bad in ["14/03/2024", "2024-03-14", "03/14/24", "02/30/2024", "3/4"] {
            assert!(parse_month_day_year(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn one_grammar_and_one_rule_for_zero() {
        for z in [Zero::Refused, Zero::Allowed] {
            assert_eq!(parse_duration("2h", z).unwrap(), 7200.0);
            assert_eq!(parse_duration("1h30m", z).unwrap(), 5400.0);
            assert_eq!(parse_duration("45s", z).unwrap(), 45.0);
            assert_eq!(parse_duration("90", z).unwrap(), 90.0);
            assert_eq!(parse_duration("1.5h", z).unwrap(), 5400.0);
            assert_eq!(parse_duration("1d", z).unwrap(), 86_400.0);
            for bad in ["", "h", "2x", "-1", "2h3", "nan", "inf", "-0s"] {
                assert!(parse_duration(bad, z).is_err(), "{bad}");
            }
        }
        for zero in ["0", "0s", "0m", "0h0m", " 0 "] {
            assert_eq!(parse_duration(zero, Zero::Allowed).unwrap(), 0.0, "{zero}");
            let e = parse_duration(zero, Zero::Refused).unwrap_err();
            assert!(e.to_string().contains("use e.g. 2h"), "{e}");
        }
    }

    #[test]
    fn rfc3339_and_dates() {
        assert_eq!(format_rfc3339(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_rfc3339(1_764_644_400.25), "2025-12-02T03:00:00.250Z");
        assert!(now_seconds() > 1_764_644_400.0);
        assert_eq!(
            parse_date("2026-01-05").unwrap(),
            Date::from_calendar_date(2026, Month::January, 5).unwrap()
        );
        assert_eq!(
            parse_date("2020-sep-21").unwrap(),
            Date::from_calendar_date(2020, Month::September, 21).unwrap()
        );
        for bad in [
            "2026-1-5",
            "2026-02-30",
            "05/01/2026",
            "yesterday",
            "2026-13-01",
        ] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn mtimes_format_like_rfc3339_across_the_calendar() {
        let fmt =
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
        for secs in [
            0i64,
            -1,
            951_782_400, // 2000-02-29
            1_767_225_599,
            4_102_444_800,   // 2100-01-01
            -2_208_988_800,  // 1900-01-01
            253_402_300_799, // 9999-12-31T23:59:59
        ] {
            let t = time::OffsetDateTime::from_unix_timestamp(secs).unwrap();
            let want = format!("{}.000000007Z", t.format(&fmt).unwrap());
            assert_eq!(format_rfc3339_nanos(secs, 7), want, "{secs}");
            assert_eq!(parse_rfc3339(&want), Some((secs, 7)));
        }
    }

    #[test]
    fn dates_and_offsets_from_seconds() {
        // 2026-01-01T00:00:00Z, as UTC, Tokyo and New York write it.
        let t = 1_767_225_600;
        assert_eq!(format_rfc3339_at(t, 0), "2026-01-01T00:00:00Z");
        assert_eq!(format_rfc3339_at(t, 540), "2026-01-01T09:00:00+09:00");
        assert_eq!(format_rfc3339_at(t, -300), "2025-12-31T19:00:00-05:00");
        // git stores offsets it was given; one past ±25:59 is shown as UTC.
        assert_eq!(format_rfc3339_at(t, 100 * 60), "2026-01-01T00:00:00Z");
        assert_eq!(rfc3339_date("2025-12-31T19:00:00-05:00"), "2025-12-31");
        assert_eq!(rfc3339_date("short"), "short");
        assert_eq!(format_date(date_of(t)), "2026-01-01");
        assert_eq!(format_date(date_of(t - 1)), "2025-12-31");
        assert_eq!(date_of(i64::MAX), Date::MIN);
        assert_eq!(parse_date(&format_date(today())), Ok(today()));
    }

    #[test]
    fn calendar_intervals_in_days() {
        assert_eq!(parse_interval("6 months"), Ok(180));
        assert_eq!(parse_interval("90 days"), Ok(90));
        assert_eq!(parse_interval("1 year"), Ok(365));
        assert_eq!(parse_interval("2 weeks"), Ok(14));
        assert_eq!(parse_interval("30"), Ok(30));
        assert!(parse_interval("soon").is_err() && parse_interval("0 days").is_err());
    }
}
