//! [`CronSchedule`]: a cron expression in a timezone, and its ticks.
//!
//! Accepted forms (the `croner` crate's, which follows Vixie cron):
//! - 5 fields, minute first: `m h dom mon dow` (ticks at second 0);
//! - 6 fields, seconds first: `s m h dom mon dow`;
//! - 7 fields, seconds first and a year last: `s m h dom mon dow year`;
//! - the nicknames `@yearly`, `@monthly`, `@weekly`, `@daily`, `@hourly`.
//!
//! Day of week 0 and 7 are Sunday (as in crontab, not the `cron` crate's
//! 1 = Sunday). A day of month and a day of week both restricted match
//! either, as crontab does. Times are evaluated in the schedule's timezone,
//! so `0 9 * * *` in `Europe/Paris` ticks at 09:00 Paris time across
//! daylight-saving changes.

use std::fmt;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use croner::Cron;

use crate::{Error, Result};

/// A parsed cron expression and the IANA timezone it is read in.
#[derive(Clone)]
pub struct CronSchedule {
    cron: Cron,
    tz: Tz,
}

impl CronSchedule {
    /// Parses `expr` (5, 6 or 7 fields) read in `timezone` (an IANA name such
    /// as `Europe/Paris`; `None` or `"UTC"` for UTC).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the problem: an expression that does not
    /// parse, or an unknown timezone.
    pub fn parse(expr: &str, timezone: Option<&str>) -> Result<Self> {
        let tz = match timezone.map(str::trim) {
            None | Some("") => Tz::UTC,
            Some(name) => name.parse::<Tz>().map_err(|_| {
                Error::InvalidInput(format!(
                    "unknown timezone {name:?}: expected an IANA name such as \"Europe/Paris\" or \"UTC\""
                ))
            })?,
        };
        let fields = expr.split_whitespace().count();
        if !expr.trim_start().starts_with('@') && !(5..=7).contains(&fields) {
            return Err(Error::InvalidInput(format!(
                "invalid cron expression {expr:?}: expected 5 fields (minute first), 6 (seconds first) or 7 (seconds first, year last), got {fields}"
            )));
        }
        let cron = expr
            .parse::<Cron>()
            .map_err(|e| Error::InvalidInput(format!("invalid cron expression {expr:?}: {e}")))?;
        Ok(Self { cron, tz })
    }

    /// The timezone's IANA name.
    #[must_use]
    pub fn timezone(&self) -> &'static str {
        self.tz.name()
    }

    /// The first tick strictly after `ms` (Unix ms), or `None` if the
    /// expression never matches again (e.g. a year in the past).
    #[must_use]
    pub fn next_after(&self, ms: i64) -> Option<i64> {
        // Ticks fall on whole seconds: the first one after the second that
        // holds `ms` is also the first one after `ms`.
        let start = self.at(ms.div_euclid(1000) * 1000)?;
        let next = self.cron.find_next_occurrence(&start, false).ok()?;
        Some(next.timestamp_millis())
    }

    /// The last tick at or before `ms` (Unix ms), or `None` if there is none.
    #[must_use]
    pub fn latest_at_or_before(&self, ms: i64) -> Option<i64> {
        let start = self.at(ms.div_euclid(1000) * 1000)?;
        let prev = self.cron.find_previous_occurrence(&start, true).ok()?;
        Some(prev.timestamp_millis())
    }

    fn at(&self, ms: i64) -> Option<DateTime<Tz>> {
        DateTime::<Utc>::from_timestamp_millis(ms)
            .map(|t| self.tz.from_utc_datetime(&t.naive_utc()))
    }
}

impl fmt::Debug for CronSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CronSchedule")
            .field("expr", &self.cron.pattern.as_str())
            .field("timezone", &self.tz.name())
            .finish()
    }
}

#[cfg(test)]
#[path = "cron_tests.rs"]
mod tests;
