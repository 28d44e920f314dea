use chrono::{NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::CronSchedule;
use crate::Error;

/// Unix ms of a UTC wall-clock time.
fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
        .single()
        .expect("valid time")
        .timestamp_millis()
}

fn schedule(expr: &str, tz: Option<&str>) -> CronSchedule {
    CronSchedule::parse(expr, tz).expect("valid schedule")
}

#[test]
fn five_fields_are_minute_first_at_second_zero() {
    let s = schedule("*/15 * * * *", None);
    let t = utc(2026, 1, 5, 10, 7, 30) + 123;
    assert_eq!(s.next_after(t), Some(utc(2026, 1, 5, 10, 15, 0)));
    assert_eq!(s.latest_at_or_before(t), Some(utc(2026, 1, 5, 10, 0, 0)));
}

#[test]
fn six_fields_are_seconds_first() {
    let s = schedule("*/10 * * * * *", None);
    let t = utc(2026, 1, 5, 10, 7, 30);
    assert_eq!(
        s.next_after(t),
        Some(utc(2026, 1, 5, 10, 7, 40)),
        "strictly after"
    );
    assert_eq!(s.latest_at_or_before(t), Some(t), "at counts");
    assert_eq!(s.next_after(t + 999), Some(utc(2026, 1, 5, 10, 7, 40)));
    assert_eq!(s.latest_at_or_before(t + 999), Some(t));
}

#[test]
fn every_second_ticks_each_second() {
    let s = schedule("* * * * * *", None);
    let t = utc(2026, 1, 5, 10, 0, 0) + 500;
    assert_eq!(s.next_after(t), Some(utc(2026, 1, 5, 10, 0, 1)));
    assert_eq!(s.latest_at_or_before(t), Some(utc(2026, 1, 5, 10, 0, 0)));
}

#[test]
fn seven_fields_take_a_year() {
    let s = schedule("0 30 12 1 6 * 2027", None);
    let t = utc(2026, 1, 5, 10, 0, 0);
    assert_eq!(s.next_after(t), Some(utc(2027, 6, 1, 12, 30, 0)));
    assert_eq!(s.latest_at_or_before(t), None, "no tick before 2027");
    let past = schedule("0 0 0 1 1 * 2020", None);
    assert_eq!(past.next_after(t), None, "never again");
}

#[test]
fn day_of_week_follows_crontab() {
    // 2026-01-05 is a Monday; 1 is Monday and 0 and 7 are Sunday, as in crontab.
    let monday = schedule("0 9 * * 1", None);
    assert_eq!(
        monday.next_after(utc(2026, 1, 3, 0, 0, 0)),
        Some(utc(2026, 1, 5, 9, 0, 0))
    );
    for sunday in ["0 9 * * 0", "0 9 * * 7", "0 9 * * SUN"] {
        assert_eq!(
            schedule(sunday, None).next_after(utc(2026, 1, 5, 0, 0, 0)),
            Some(utc(2026, 1, 11, 9, 0, 0)),
            "{sunday}"
        );
    }
}

#[test]
fn timezone_moves_the_wall_clock() {
    let paris = schedule("0 9 * * *", Some("Europe/Paris"));
    assert_eq!(paris.timezone(), "Europe/Paris");
    // Winter: Paris is UTC+1.
    assert_eq!(
        paris.next_after(utc(2026, 1, 5, 0, 0, 0)),
        Some(utc(2026, 1, 5, 8, 0, 0))
    );
    // Summer: UTC+2, and the schedule follows the change.
    assert_eq!(
        paris.next_after(utc(2026, 7, 5, 0, 0, 0)),
        Some(utc(2026, 7, 5, 7, 0, 0))
    );
    assert_eq!(schedule("0 9 * * *", None).timezone(), "UTC");
}

#[test]
fn a_skipped_local_hour_is_not_a_tick_twice() {
    // 2026-03-29 02:00 does not exist in Paris (clocks jump to 03:00).
    let paris = schedule("30 * * * *", Some("Europe/Paris"));
    let tz: Tz = "Europe/Paris".parse().expect("tz");
    let before = tz
        .from_local_datetime(
            &NaiveDate::from_ymd_opt(2026, 3, 29)
                .and_then(|d| d.and_hms_opt(1, 45, 0))
                .expect("date"),
        )
        .single()
        .expect("unambiguous")
        .timestamp_millis();
    let next = paris.next_after(before).expect("a tick");
    let after = paris.next_after(next).expect("a tick");
    assert_eq!(after - next, 3_600_000, "one hour of real time apart");
}

#[test]
fn bad_expressions_and_timezones_are_named() {
    for bad in [
        "",
        "* * * *",
        "* * * * * * * *",
        "61 * * * *",
        "* * * * * * abc",
        "nonsense",
    ] {
        match CronSchedule::parse(bad, None) {
            Err(Error::InvalidInput(msg)) => {
                assert!(msg.starts_with("invalid cron expression"), "{bad:?}: {msg}");
            }
            other => panic!("{bad:?} should be refused, got {other:?}"),
        }
    }
    match CronSchedule::parse("* * * * *", Some("Mars/Olympus")) {
        Err(Error::InvalidInput(msg)) => assert!(msg.contains("Mars/Olympus"), "{msg}"),
        other => panic!("unknown timezone accepted: {other:?}"),
    }
}

#[test]
fn nicknames_are_accepted() {
    let s = schedule("@hourly", None);
    assert_eq!(
        s.next_after(utc(2026, 1, 5, 10, 7, 0)),
        Some(utc(2026, 1, 5, 11, 0, 0))
    );
}
