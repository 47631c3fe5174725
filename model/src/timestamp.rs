//! Moments in time as Conduit keeps them: milliseconds since the Unix epoch (what the database
//! stores), written in one place as the spec's ISO 8601 UTC text with milliseconds.
//!
//! The calendar arithmetic is Howard Hinnant's `civil_from_days`/`days_from_civil` (public
//! domain, <https://howardhinnant.github.io/date_algorithms.html>), a dozen lines that keep a
//! date library out of the browser's WASM bundle; the tests check them against the `time` crate.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

const MILLIS_PER_DAY: i64 = 86_400_000;

/// A moment, to the millisecond. Serialized as `2026-01-02T03:04:05.678Z`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl Timestamp {
    pub const fn from_unix_millis(millis: i64) -> Timestamp {
        Timestamp(millis)
    }

    pub const fn unix_millis(self) -> i64 {
        self.0
    }

    /// The date as Conduit shows it: "January 20, 2026".
    pub fn human_date(self) -> String {
        let (year, month, day) = civil_from_days(self.0.div_euclid(MILLIS_PER_DAY));
        format!("{} {day}, {year}", MONTHS[month as usize - 1])
    }

    /// Reads the text [`Display`](fmt::Display) writes, and nothing else.
    pub fn parse(text: &str) -> Option<Timestamp> {
        let bytes = text.as_bytes();
        let shape = "dddd-dd-ddTdd:dd:dd.dddZ";
        if bytes.len() != shape.len()
            || !shape.bytes().zip(bytes).all(|(want, &got)| match want {
                b'd' => got.is_ascii_digit(),
                other => other == got,
            })
        {
            return None;
        }
        let number = |range: std::ops::Range<usize>| text[range].parse::<i64>().ok();
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        let (hour, minute, second, milli) = (
            number(11..13)?,
            number(14..16)?,
            number(17..19)?,
            number(20..23)?,
        );
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
            2 => 28,
            _ => return None,
        };
        if day < 1 || day > days_in_month || hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let seconds = hour * 3600 + minute * 60 + second;
        Some(Timestamp(
            days_from_civil(year, month as u32, day as u32) * MILLIS_PER_DAY
                + seconds * 1000
                + milli,
        ))
    }
}

impl Timestamp {
    /// The ISO text in a fixed buffer, digit by digit: a page of articles writes two per article,
    /// and `write!` with padded fields cost several times as many instructions. `None` for a year
    /// outside 0 to 9999, which four digits cannot hold.
    fn iso_bytes(self) -> Option<[u8; 24]> {
        let (year, month, day) = civil_from_days(self.0.div_euclid(MILLIS_PER_DAY));
        if !(0..=9999).contains(&year) {
            return None;
        }
        let of_day = self.0.rem_euclid(MILLIS_PER_DAY);
        let (seconds, milli) = (of_day / 1000, of_day % 1000);
        let mut out = *b"0000-00-00T00:00:00.000Z";
        let mut put = |at: usize, width: usize, mut value: i64| {
            for i in (at..at + width).rev() {
                out[i] = b'0' + (value % 10) as u8;
                value /= 10;
            }
        };
        put(0, 4, year);
        put(5, 2, i64::from(month));
        put(8, 2, i64::from(day));
        put(11, 2, seconds / 3600);
        put(14, 2, seconds / 60 % 60);
        put(17, 2, seconds % 60);
        put(20, 3, milli);
        Some(out)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(bytes) = self.iso_bytes() {
            // ASCII digits and separators only.
            return f.write_str(std::str::from_utf8(&bytes).map_err(|_| fmt::Error)?);
        }
        let (year, month, day) = civil_from_days(self.0.div_euclid(MILLIS_PER_DAY));
        let of_day = self.0.rem_euclid(MILLIS_PER_DAY);
        let (seconds, milli) = (of_day / 1000, of_day % 1000);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{milli:03}Z",
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60
        )
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.iso_bytes() {
            Some(bytes) => serializer
                .serialize_str(std::str::from_utf8(&bytes).map_err(serde::ser::Error::custom)?),
            None => serializer.collect_str(self),
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Timestamp::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "not a timestamp like 2026-01-02T03:04:05.678Z: {text}"
            ))
        })
    }
}

/// The (year, month, day) of a count of days since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The count of days since 1970-01-01 of a (year, month, day).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = year - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the server wrote with the `time` crate before this module.
    fn with_time_crate(millis: i64) -> String {
        let format = time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        );
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
            .unwrap()
            .format(&format)
            .unwrap()
    }

    #[test]
    fn formats_and_reads_back_like_the_time_crate_from_year_0_to_9999() {
        // 0000-01-01 to 9999-12-31, in steps that land on every field's edges over the range.
        let (first, last) = (-62_167_219_200_000_i64, 253_402_300_799_999_i64);
        let step = 7_919_993_317; // a prime number of milliseconds, about 92 days
        let mut millis = first;
        while millis <= last {
            let text = Timestamp::from_unix_millis(millis).to_string();
            assert_eq!(text, with_time_crate(millis), "{millis}");
            assert_eq!(Timestamp::parse(&text), Some(Timestamp(millis)), "{text}");
            millis += step;
        }
        for millis in [first, last, 0, -1, 951_782_400_000, 1_709_164_800_000] {
            let text = Timestamp::from_unix_millis(millis).to_string();
            assert_eq!(text, with_time_crate(millis), "{millis}");
            assert_eq!(Timestamp::parse(&text), Some(Timestamp(millis)));
        }
    }

    #[test]
    fn reads_only_what_it_writes() {
        for text in [
            "2026-02-30T00:00:00.000Z",
            "2025-02-29T00:00:00.000Z",
            "2026-13-01T00:00:00.000Z",
            "2026-01-01T24:00:00.000Z",
            "2026-01-01T00:00:00Z",
            "2026-01-01 00:00:00.000Z",
            "+2026-01-01T00:00:00.000Z",
            "garbage",
        ] {
            assert_eq!(Timestamp::parse(text), None, "{text}");
        }
        assert!(Timestamp::parse("2024-02-29T23:59:59.999Z").is_some());
    }

    #[test]
    fn dates_read_as_people_write_them() {
        let at = |text| Timestamp::parse(text).unwrap().human_date();
        assert_eq!(at("2026-01-20T03:04:05.678Z"), "January 20, 2026");
        assert_eq!(at("2025-12-02T00:00:00.000Z"), "December 2, 2025");
        let json = serde_json::to_string(&Timestamp(1_767_323_045_678)).unwrap();
        assert_eq!(json, r#""2026-01-02T03:04:05.678Z""#);
        assert_eq!(
            serde_json::from_str::<Timestamp>(&json).unwrap(),
            Timestamp(1_767_323_045_678)
        );
    }
}
