//! Retention plans with exactly `restic forget`'s semantics: every rule is
//! checked against every snapshot and the results are ORed, one snapshot can
//! fill a daily, a weekly, a monthly and a yearly slot at once, calendar
//! buckets use each snapshot's own recorded UTC offset, and `within` spans
//! count back from the newest snapshot that is not in the future.
//! Snapshots are grouped first, by `host,paths` unless the policy's
//! `group_by` says otherwise, and each group is planned on its own, as
//! `restic forget` does.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use time::{Date, Duration, OffsetDateTime, format_description::well_known::Rfc3339};

use crate::error::{Error, Result};

/// A calendar span such as `1y2m3d3h`, applied like Go's `AddDate` (so
/// October 31 minus one month is October 1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CalendarSpan {
    /// Years.
    pub years: i32,
    /// Months.
    pub months: i32,
    /// Days.
    pub days: i32,
    /// Hours.
    pub hours: i32,
}

impl CalendarSpan {
    fn is_zero(&self) -> bool {
        *self == CalendarSpan::default()
    }

    /// Parse `1y2m3d3h` (any subset, in that order), as restic's flags take.
    pub fn parse(s: &str) -> Result<CalendarSpan> {
        let bad = || {
            Error::invalid(format!(
                "invalid span {s:?}: use numbers with y, m, d, h in that order, e.g. 7d or 1y2m"
            ))
        };
        let mut span = CalendarSpan::default();
        let mut num = String::new();
        let mut last_unit = 0;
        for c in s.trim().chars() {
            if c.is_ascii_digit() {
                num.push(c);
                continue;
            }
            let unit = match c {
                'y' => 1,
                'm' => 2,
                'd' => 3,
                'h' => 4,
                _ => return Err(bad()),
            };
            if num.is_empty() || unit <= last_unit {
                return Err(bad());
            }
            let n: i32 = num.parse().map_err(|_| bad())?;
            match unit {
                1 => span.years = n,
                2 => span.months = n,
                3 => span.days = n,
                _ => span.hours = n,
            }
            num.clear();
            last_unit = unit;
        }
        if !num.is_empty() || last_unit == 0 {
            return Err(bad());
        }
        Ok(span)
    }

    /// `t` moved back by this span (Go's `AddDate(-y,-m,-d).Add(-h)`).
    fn before(&self, t: OffsetDateTime) -> Option<OffsetDateTime> {
        let months = t.year() as i64 * 12 + (t.month() as i64 - 1)
            - self.years as i64 * 12
            - self.months as i64;
        let year = months.div_euclid(12) as i32;
        let month = time::Month::try_from((months.rem_euclid(12) + 1) as u8).ok()?;
        let first = Date::from_calendar_date(year, month, 1).ok()?;
        let day = first.checked_add(Duration::days(t.day() as i64 - 1 - self.days as i64))?;
        let moved = t.replace_date(day);
        moved.checked_sub(Duration::hours(self.hours as i64))
    }
}

impl std::fmt::Display for CalendarSpan {
    /// restic's form: `1y2m3d3h`, zero parts left out.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut any = false;
        for (n, u) in [
            (self.years, 'y'),
            (self.months, 'm'),
            (self.days, 'd'),
            (self.hours, 'h'),
        ] {
            if n != 0 {
                write!(f, "{n}{u}")?;
                any = true;
            }
        }
        if !any {
            f.write_str("0h")?;
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for CalendarSpan {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Text(String),
            Parts {
                #[serde(default)]
                years: i32,
                #[serde(default)]
                months: i32,
                #[serde(default)]
                days: i32,
                #[serde(default)]
                hours: i32,
            },
        }
        match Form::deserialize(d)? {
            Form::Text(s) => CalendarSpan::parse(&s).map_err(serde::de::Error::custom),
            Form::Parts {
                years,
                months,
                days,
                hours,
            } => Ok(CalendarSpan {
                years,
                months,
                days,
                hours,
            }),
        }
    }
}

/// A keep count as people write it (`restic forget --keep-daily
/// unlimited`): a whole number of 0 or more, or `unlimited` (or -1), which
/// is -1 in a [`RetentionPolicy`].
pub fn parse_keep_count(text: &str) -> Result<i64> {
    match text.trim() {
        "unlimited" => Ok(-1),
        t => t.parse::<i64>().ok().filter(|n| *n >= -1).ok_or_else(|| {
            Error::invalid(format!(
                "keep count {text:?}: give a count of 0 or more, or unlimited"
            ))
        }),
    }
}

/// A retention policy, as `restic forget` takes it. Counts are how many
/// buckets to keep; `-1` means unlimited.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct RetentionPolicy {
    /// The newest n snapshots.
    pub keep_last: Option<i64>,
    /// The newest snapshot of each of the last n hours that have one.
    pub keep_hourly: Option<i64>,
    /// ... days.
    pub keep_daily: Option<i64>,
    /// ... ISO weeks.
    pub keep_weekly: Option<i64>,
    /// ... months.
    pub keep_monthly: Option<i64>,
    /// ... years.
    pub keep_yearly: Option<i64>,
    /// Every snapshot newer than this span before the newest snapshot.
    pub keep_within: Option<CalendarSpan>,
    /// One per hour within the span.
    pub keep_within_hourly: Option<CalendarSpan>,
    /// One per day within the span.
    pub keep_within_daily: Option<CalendarSpan>,
    /// One per week within the span.
    pub keep_within_weekly: Option<CalendarSpan>,
    /// One per month within the span.
    pub keep_within_monthly: Option<CalendarSpan>,
    /// One per year within the span.
    pub keep_within_yearly: Option<CalendarSpan>,
    /// Snapshots having every tag of one of these lists (`""` matches untagged ones).
    pub keep_tags: Vec<Vec<String>>,
    /// How snapshots are grouped before the rules apply to each group, as
    /// `restic forget --group-by`: `host`, `paths`, `tags`, a comma list of
    /// them, or `""` for one group. Default `host,paths`, restic's.
    pub group_by: Option<String>,
    /// Which restic's rules to follow: `"0.14"` (Debian 12's restic: a
    /// bucket not filled keeps nothing more) or `"current"` (restic 0.16 and
    /// later, the default: such a bucket also keeps its oldest snapshot,
    /// "oldest daily snapshot").
    pub restic_compat: Option<String>,
}

/// How snapshots are grouped (restic's `--group-by`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct GroupBy {
    host: bool,
    paths: bool,
    tags: bool,
}

impl GroupBy {
    fn parse(text: &str) -> Result<GroupBy> {
        let mut g = GroupBy {
            host: false,
            paths: false,
            tags: false,
        };
        for key in text.split(',').map(str::trim).filter(|k| !k.is_empty()) {
            match key {
                "host" => g.host = true,
                "paths" => g.paths = true,
                "tags" => g.tags = true,
                _ => {
                    return Err(Error::invalid(format!(
                        "group_by {text:?}: {key:?} is not a key; use host, paths, tags, a comma list of them, or \"\" for one group"
                    )));
                }
            }
        }
        Ok(g)
    }

    /// The group a snapshot belongs to (paths and tags sorted, as restic's key).
    fn key(self, s: &Snapshot) -> RetentionGroupKey {
        let sorted = |v: &[String]| {
            let mut v = v.to_vec();
            v.sort();
            v
        };
        RetentionGroupKey {
            host: self.host.then(|| s.hostname.clone().unwrap_or_default()),
            paths: self.paths.then(|| sorted(&s.paths)),
            tags: self.tags.then(|| sorted(&s.tags)),
        }
    }
}

/// What a group's snapshots share: the keys `group_by` names (`None` for
/// those it does not).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RetentionGroupKey {
    /// The host name, when grouping by host.
    pub host: Option<String>,
    /// The backed-up paths, sorted, when grouping by paths.
    pub paths: Option<Vec<String>>,
    /// The tags, sorted, when grouping by tags.
    pub tags: Option<Vec<String>>,
}

/// One group's plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RetentionGroup {
    /// What its snapshots share.
    pub key: RetentionGroupKey,
    /// Kept, newest first.
    pub keep: Vec<Kept>,
    /// To remove, newest first.
    pub remove: Vec<Snapshot>,
    /// The group's newest snapshot not in the future: its `within` spans count from it.
    pub latest: Option<String>,
}

/// One snapshot: `restic snapshots --json` output is accepted as it is
/// (other fields are ignored; `"tags": null` is no tags).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Snapshot {
    /// Its id, if it has one.
    pub id: Option<String>,
    /// RFC 3339 time with its UTC offset, which decides its calendar buckets.
    pub time: String,
    /// Its tags.
    pub tags: Vec<String>,
    /// The host that made it (restic's `hostname`), if known.
    pub hostname: Option<String>,
    /// The paths it backed up (restic's `paths`).
    pub paths: Vec<String>,
}

/// A snapshot as read: tags and paths may be missing or `null`.
#[derive(Deserialize)]
struct RawSnapshot {
    #[serde(default)]
    id: Option<String>,
    time: String,
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default)]
    hostname: Option<String>,
    #[serde(default)]
    paths: Option<Vec<String>>,
}

impl<'de> Deserialize<'de> for Snapshot {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let r = RawSnapshot::deserialize(d)?;
        Ok(Snapshot {
            id: r.id,
            time: r.time,
            tags: r.tags.unwrap_or_default(),
            hostname: r.hostname,
            paths: r.paths.unwrap_or_default(),
        })
    }
}

/// A snapshot to keep, with the rules that keep it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "KeptSnapshot"))]
pub struct Kept {
    /// The snapshot.
    pub snapshot: Snapshot,
    /// restic's reason strings: `daily snapshot`, `oldest yearly snapshot`,
    /// `has tags [foo]`, `within 7d`, `daily within 1m`.
    pub reasons: Vec<String>,
    /// The counts left in each bucket after it (-1: unlimited; exhausted buckets left out).
    pub counters: BTreeMap<String, i64>,
}

/// Which snapshots to keep and which to remove.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RetentionPlan {
    /// Kept, every group's, newest first.
    pub keep: Vec<Kept>,
    /// To remove, every group's, newest first.
    pub remove: Vec<Snapshot>,
    /// The newest snapshot not in the future.
    pub latest: Option<String>,
    /// Each group's plan, in the order of their keys.
    pub groups: Vec<RetentionGroup>,
    /// Snapshots dated in the future (a sign of a wrong clock or of
    /// tampering). They are flagged, not set aside: each is also in `keep`
    /// or `remove`.
    pub future: Vec<Snapshot>,
}

type Bucketer = fn(OffsetDateTime, usize) -> i64;

/// A `keep_within_*` rule while planning: name, span, cutoff, bucketer, last key.
type WithinBucket = (
    &'static str,
    CalendarSpan,
    Option<OffsetDateTime>,
    Bucketer,
    Option<i64>,
);

fn by_nr(_: OffsetDateTime, nr: usize) -> i64 {
    nr as i64
}
fn by_hour(t: OffsetDateTime, _: usize) -> i64 {
    by_day(t, 0) * 100 + t.hour() as i64
}
fn by_day(t: OffsetDateTime, _: usize) -> i64 {
    t.year() as i64 * 10_000 + (t.month() as i64) * 100 + t.day() as i64
}
fn by_week(t: OffsetDateTime, _: usize) -> i64 {
    let (y, w, _) = t.to_iso_week_date();
    y as i64 * 100 + w as i64
}
fn by_month(t: OffsetDateTime, _: usize) -> i64 {
    t.year() as i64 * 100 + t.month() as i64
}
fn by_year(t: OffsetDateTime, _: usize) -> i64 {
    t.year() as i64
}

fn parse_time(s: &str) -> Result<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).map_err(|e| {
        Error::invalid(format!(
            "snapshot time {s:?} is not RFC 3339 (e.g. 2026-12-02T03:00:00+01:00): {e}"
        ))
    })
}

impl RetentionPolicy {
    fn counts(&self) -> [(&'static str, Option<i64>); 6] {
        [
            ("last", self.keep_last),
            ("hourly", self.keep_hourly),
            ("daily", self.keep_daily),
            ("weekly", self.keep_weekly),
            ("monthly", self.keep_monthly),
            ("yearly", self.keep_yearly),
        ]
    }

    fn withins(&self) -> [(&'static str, Option<CalendarSpan>); 5] {
        [
            ("hourly", self.keep_within_hourly),
            ("daily", self.keep_within_daily),
            ("weekly", self.keep_within_weekly),
            ("monthly", self.keep_within_monthly),
            ("yearly", self.keep_within_yearly),
        ]
    }

    /// Check the policy: counts are positive or -1, spans are not negative,
    /// and at least one rule keeps something.
    pub fn validate(&self) -> Result<()> {
        for (name, c) in self.counts() {
            if let Some(n) = c
                && n < -1
            {
                return Err(Error::invalid(format!(
                    "keep_{name} is {n}; use a count of 0 or more, or -1 for unlimited"
                )));
            }
        }
        let spans = std::iter::once(("", self.keep_within)).chain(self.withins());
        for (name, s) in spans {
            if let Some(s) = s
                && (s.years < 0 || s.months < 0 || s.days < 0 || s.hours < 0)
            {
                let sep = if name.is_empty() { "" } else { "_" };
                return Err(Error::invalid(format!(
                    "keep_within{sep}{name} has a negative part; spans count back, use positive numbers"
                )));
            }
        }
        GroupBy::parse(self.group_by.as_deref().unwrap_or(DEFAULT_GROUP_BY))?;
        self.oldest_rule()?;
        let keeps = self.counts().iter().any(|(_, c)| c.is_some_and(|n| n != 0))
            || std::iter::once(self.keep_within)
                .chain(self.withins().map(|(_, s)| s))
                .any(|s| s.is_some_and(|s| !s.is_zero()))
            || !self.keep_tags.is_empty();
        if !keeps {
            return Err(Error::invalid(
                "the retention policy keeps nothing, so every snapshot would be removed: give at least one rule, e.g. keep_daily 7",
            ));
        }
        Ok(())
    }
}

/// restic's default grouping.
const DEFAULT_GROUP_BY: &str = "host,paths";

impl RetentionPolicy {
    /// Whether a bucket not filled keeps its oldest snapshot (restic 0.16
    /// and later), from `restic_compat`.
    fn oldest_rule(&self) -> Result<bool> {
        match self.restic_compat.as_deref() {
            None | Some("current") => Ok(true),
            Some("0.14") => Ok(false),
            Some(other) => Err(Error::invalid(format!(
                "restic_compat {other:?}: give \"current\" (restic 0.16 and later) or \"0.14\""
            ))),
        }
    }
}

fn has_tags(s: &Snapshot, list: &[String]) -> bool {
    list.iter().all(|t| {
        if t.is_empty() {
            s.tags.is_empty()
        } else {
            s.tags.contains(t)
        }
    })
}

/// Plan retention for `snapshots` under `policy` (restic's `forget`
/// semantics; see the module docs and the README for where borg differs).
/// `now` (RFC 3339; default the current time) decides which snapshots are in
/// the future.
pub fn plan_retention(
    snapshots: &[Snapshot],
    policy: &RetentionPolicy,
    now: Option<&str>,
) -> Result<RetentionPlan> {
    policy.validate()?;
    let group_by = GroupBy::parse(policy.group_by.as_deref().unwrap_or(DEFAULT_GROUP_BY))?;
    let oldest_rule = policy.oldest_rule()?;
    let now = match now {
        Some(n) => parse_time(n)?,
        None => OffsetDateTime::now_utc(),
    };
    let mut list: Vec<(OffsetDateTime, &Snapshot)> = snapshots
        .iter()
        .map(|s| Ok((parse_time(&s.time)?, s)))
        .collect::<Result<_>>()?;
    // Newest first; equal times keep their input order (Go's sort.Stable).
    list.sort_by_key(|a| std::cmp::Reverse(a.0));
    let latest = list.iter().map(|(t, _)| *t).find(|t| *t <= now);
    let future: Vec<Snapshot> = list
        .iter()
        .filter(|(t, _)| *t > now)
        .map(|(_, s)| (*s).clone())
        .collect();
    let mut grouped: BTreeMap<RetentionGroupKey, Vec<(OffsetDateTime, &Snapshot)>> =
        BTreeMap::new();
    for (t, s) in list {
        grouped.entry(group_by.key(s)).or_default().push((t, s));
    }
    let mut plan = RetentionPlan {
        keep: Vec::new(),
        remove: Vec::new(),
        latest: latest.map(|t| t.format(&Rfc3339).unwrap_or_default()),
        future,
        groups: Vec::new(),
    };
    for (key, list) in grouped {
        let group = plan_group(key, &list, policy, now, oldest_rule);
        plan.keep.extend(group.keep.iter().cloned());
        plan.remove.extend(group.remove.iter().cloned());
        plan.groups.push(group);
    }
    // Every group's, newest first (a stable sort keeps the group order
    // between equal times); each time parsed once more, not per comparison.
    let time_of = |s: &Snapshot| parse_time(&s.time).map(std::cmp::Reverse).ok();
    plan.keep.sort_by_cached_key(|k| time_of(&k.snapshot));
    plan.remove.sort_by_cached_key(time_of);
    Ok(plan)
}

/// One group's plan: restic's rules over its snapshots, newest first.
fn plan_group(
    key: RetentionGroupKey,
    list: &[(OffsetDateTime, &Snapshot)],
    policy: &RetentionPolicy,
    now: OffsetDateTime,
    oldest_rule: bool,
) -> RetentionGroup {
    let latest = list.iter().map(|(t, _)| *t).find(|t| *t <= now);
    let reference = latest.unwrap_or(now);
    let cutoff = |span: &CalendarSpan| span.before(reference);

    let bucketers: [Bucketer; 6] = [by_nr, by_hour, by_day, by_week, by_month, by_year];
    let mut counts: Vec<(&str, i64, Bucketer, Option<i64>)> = policy
        .counts()
        .iter()
        .zip(bucketers)
        .map(|((name, c), f)| (*name, c.unwrap_or(0), f, None))
        .collect();
    let within_bucketers: [Bucketer; 5] = [by_hour, by_day, by_week, by_month, by_year];
    let mut withins: Vec<WithinBucket> = policy
        .withins()
        .iter()
        .zip(within_bucketers)
        .filter_map(|((name, s), f)| {
            s.filter(|s| !s.is_zero())
                .map(|s| (*name, s, cutoff(&s), f, None))
        })
        .collect();
    let within = policy
        .keep_within
        .filter(|s| !s.is_zero())
        .map(|s| (s, cutoff(&s)));

    let mut plan = RetentionGroup {
        key,
        keep: Vec::new(),
        remove: Vec::new(),
        latest: latest.map(|t| t.format(&Rfc3339).unwrap_or_default()),
    };
    let n = list.len();
    for (nr, (t, s)) in list.iter().enumerate() {
        let oldest = oldest_rule && nr + 1 == n;
        let mut reasons = Vec::new();
        for tags in &policy.keep_tags {
            if has_tags(s, tags) {
                reasons.push(format!("has tags [{}]", tags.join(", ")));
            }
        }
        if let Some((span, cut)) = &within
            && cut.is_none_or(|c| *t > c)
        {
            reasons.push(format!("within {span}"));
        }
        for (name, count, bucket, last) in counts.iter_mut() {
            if *count == 0 {
                continue;
            }
            let val = bucket(*t, nr);
            if Some(val) != *last || oldest {
                let again = Some(val) == *last;
                *last = Some(val);
                if *count > 0 {
                    *count -= 1;
                }
                let what = format!("{name} snapshot");
                reasons.push(if again {
                    format!("oldest {what}")
                } else {
                    what
                });
            }
        }
        for (name, span, cut, bucket, last) in withins.iter_mut() {
            if cut.is_some_and(|c| *t <= c) {
                continue;
            }
            let val = bucket(*t, nr);
            if Some(val) != *last || oldest {
                let again = Some(val) == *last;
                *last = Some(val);
                let what = format!("{name} within {span}");
                reasons.push(if again {
                    format!("oldest {what}")
                } else {
                    what
                });
            }
        }
        if reasons.is_empty() {
            plan.remove.push((*s).clone());
        } else {
            let counters = counts
                .iter()
                .filter(|(_, c, _, _)| *c != 0)
                .map(|(name, c, _, _)| (name.to_string(), *c))
                .collect();
            plan.keep.push(Kept {
                snapshot: (*s).clone(),
                reasons,
                counters,
            });
        }
    }
    plan
}

/// Snapshots in either shape a caller has them: a list (of `{id, time,
/// tags, …}` objects) or a JSON text of one (`restic snapshots --json` as it
/// is). The one reading of that argument, for every front.
pub fn snapshots_from_value(value: serde_json::Value) -> Result<Vec<Snapshot>> {
    match value {
        serde_json::Value::String(text) => parse_snapshots(&text),
        list => serde_json::from_value(list).map_err(|e| {
            Error::invalid(format!(
                "snapshots must be a list of {{\"id\", \"time\", \"tags\"}} or its JSON text (restic snapshots --json works): {e}"
            ))
        }),
    }
}

/// Read snapshots from JSON: a list of `{id, time, tags}`, or the output of
/// `restic snapshots --json` as it is.
pub fn parse_snapshots(json: &str) -> Result<Vec<Snapshot>> {
    serde_json::from_str(json).map_err(|e| {
        Error::invalid(format!(
            "snapshots must be a JSON list of {{\"id\", \"time\", \"tags\"}} (restic snapshots --json works): {e}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_parse_print_and_move_like_go() {
        let s = CalendarSpan::parse("1y2m3d3h").unwrap();
        assert_eq!(s.to_string(), "1y2m3d3h");
        assert_eq!(CalendarSpan::parse("13d23h").unwrap().to_string(), "13d23h");
        for bad in ["", "d", "1x", "1d1y", "1y1y", "-1d"] {
            assert!(CalendarSpan::parse(bad).is_err(), "{bad}");
        }
        let t = OffsetDateTime::parse("2015-10-31T10:00:00Z", &Rfc3339).unwrap();
        let m = CalendarSpan::parse("1m").unwrap().before(t).unwrap();
        assert_eq!(m.format(&Rfc3339).unwrap(), "2015-10-01T10:00:00Z");
        let far = CalendarSpan::parse("9999y").unwrap().before(t);
        assert!(far.is_some());
    }
}
