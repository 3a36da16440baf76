//! Dutch working days, for the deadline of a data-subject request (PRV-1): ten working days
//! after receipt, shown beside the one-month limit of AVG art. 12(3).
//!
//! A working day is a weekday that is not a public holiday. The holidays are those of the
//! Algemene termijnenwet art. 3: New Year, Easter Monday, Ascension, Whit Monday, Christmas and
//! Boxing Day, King's Day and 5 May; Good Friday counts by art. 3(2). Whether Good Friday and
//! Liberation Day are days off is a matter of the collective agreement, so both are settings.
//! Easter Sunday and Whit Sunday are listed too: they are Sundays, but a holiday list that leaves
//! them out reads as a mistake.
//!
//! Pure functions on dates, computed here rather than taken from a crate: no maintained crate
//! covers the Dutch days for future years (see the field research note, §4).
use chrono::{Datelike, Duration, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// Whether 5 May (Bevrijdingsdag) is a day off.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LiberationDay {
    /// Every year.
    Always,
    /// Every fifth year (2025, 2030, …), as most collective agreements have it.
    #[default]
    Lustrum,
    Never,
}

/// The holidays that are settings rather than law.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HolidaySettings {
    /// Good Friday counts as a holiday (Algemene termijnenwet art. 3(2) has it so).
    pub good_friday: bool,
    pub liberation_day: LiberationDay,
}

impl Default for HolidaySettings {
    fn default() -> Self {
        HolidaySettings {
            good_friday: true,
            liberation_day: LiberationDay::Lustrum,
        }
    }
}

/// How many working days a request may take (PRV-1).
pub const REQUEST_WORKING_DAYS: u32 = 10;

/// Easter Sunday of `year` by the anonymous Gregorian computus (Meeus/Jones/Butcher).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    // The formula only yields 22 March to 25 April, which always exist.
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).unwrap_or_default()
}

/// King's Day: 27 April, or Saturday 26 April when the 27th is a Sunday (the rule since 2014;
/// a new monarch's birthday changes it, and this function with it).
pub fn kings_day(year: i32) -> NaiveDate {
    let day = ymd(year, 4, 27);
    if day.weekday() == Weekday::Sun {
        day - Duration::days(1)
    } else {
        day
    }
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    // Only called with fixed dates that exist in every year.
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default()
}

/// The public holidays of `year` under `settings`, in date order, with their Dutch names.
pub fn holidays(year: i32, settings: HolidaySettings) -> Vec<(NaiveDate, &'static str)> {
    let easter = easter_sunday(year);
    let mut days = vec![
        (ymd(year, 1, 1), "Nieuwjaarsdag"),
        (easter, "Eerste Paasdag"),
        (easter + Duration::days(1), "Tweede Paasdag"),
        (kings_day(year), "Koningsdag"),
        (easter + Duration::days(39), "Hemelvaartsdag"),
        (easter + Duration::days(49), "Eerste Pinksterdag"),
        (easter + Duration::days(50), "Tweede Pinksterdag"),
        (ymd(year, 12, 25), "Eerste Kerstdag"),
        (ymd(year, 12, 26), "Tweede Kerstdag"),
    ];
    if settings.good_friday {
        days.push((easter - Duration::days(2), "Goede Vrijdag"));
    }
    let liberation = match settings.liberation_day {
        LiberationDay::Always => true,
        LiberationDay::Lustrum => year.rem_euclid(5) == 0,
        LiberationDay::Never => false,
    };
    if liberation {
        days.push((ymd(year, 5, 5), "Bevrijdingsdag"));
    }
    days.sort();
    days
}

pub fn is_holiday(date: NaiveDate, settings: HolidaySettings) -> bool {
    holidays(date.year(), settings)
        .iter()
        .any(|(day, _)| *day == date)
}

pub fn is_working_day(date: NaiveDate, settings: HolidaySettings) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !is_holiday(date, settings)
}

/// The `n`th working day after `start` (`start` itself does not count, whatever it is).
pub fn add_working_days(start: NaiveDate, n: u32, settings: HolidaySettings) -> NaiveDate {
    let mut date = start;
    let mut left = n;
    while left > 0 {
        date = date.succ_opt().unwrap_or(date);
        if is_working_day(date, settings) {
            left -= 1;
        }
    }
    date
}

/// One month after `date` (AVG art. 12(3)): the same day number in the next month, or that
/// month's last day when it has no such day (31 January → 28 or 29 February).
pub fn one_month_after(date: NaiveDate) -> NaiveDate {
    months_after(date, 1)
}

/// `months` months after `date`, clamped to the last day of the month like [`one_month_after`].
pub fn months_after(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months)).unwrap_or(date)
}

/// The dates a request received on `received` must be answered by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Deadlines {
    /// Ten working days after receipt: the platform's promise.
    pub due: NaiveDate,
    /// One month after receipt: the legal limit.
    pub legal_limit: NaiveDate,
}

pub fn deadlines(received: NaiveDate, settings: HolidaySettings) -> Deadlines {
    Deadlines {
        due: add_working_days(received, REQUEST_WORKING_DAYS, settings),
        legal_limit: one_month_after(received),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const DEFAULT: HolidaySettings = HolidaySettings {
        good_friday: true,
        liberation_day: LiberationDay::Lustrum,
    };

    /// The table of the field research note, §4, and a few years either side.
    #[test]
    fn prv_1_easter_and_the_days_that_hang_on_it_match_the_test_vectors() {
        let vectors = [
            // year, Easter, Ascension, Whit Monday
            (2024, d(2024, 3, 31), d(2024, 5, 9), d(2024, 5, 20)),
            (2025, d(2025, 4, 20), d(2025, 5, 29), d(2025, 6, 9)),
            (2026, d(2026, 4, 5), d(2026, 5, 14), d(2026, 5, 25)),
            (2027, d(2027, 3, 28), d(2027, 5, 6), d(2027, 5, 17)),
            (2030, d(2030, 4, 21), d(2030, 5, 30), d(2030, 6, 10)),
            (2031, d(2031, 4, 13), d(2031, 5, 22), d(2031, 6, 2)),
            (2038, d(2038, 4, 25), d(2038, 6, 3), d(2038, 6, 14)),
        ];
        for (year, easter, ascension, whit_monday) in vectors {
            assert_eq!(easter_sunday(year), easter, "Easter {year}");
            let days = holidays(year, DEFAULT);
            assert!(days.contains(&(ascension, "Hemelvaartsdag")), "{year}");
            assert!(
                days.contains(&(whit_monday, "Tweede Pinksterdag")),
                "{year}"
            );
            assert!(days.contains(&(easter + Duration::days(1), "Tweede Paasdag")));
            assert!(days.contains(&(easter - Duration::days(2), "Goede Vrijdag")));
        }
        // The computus's extremes: 22 March (1818, 2285) and 25 April (1943, 2038).
        assert_eq!(easter_sunday(2285), d(2285, 3, 22));
        assert_eq!(easter_sunday(1943), d(1943, 4, 25));
    }

    #[test]
    fn prv_1_kings_day_moves_to_saturday_only_when_27_april_is_a_sunday() {
        assert_eq!(kings_day(2025), d(2025, 4, 26), "27 April 2025 is a Sunday");
        assert_eq!(kings_day(2026), d(2026, 4, 27), "Monday");
        assert_eq!(kings_day(2027), d(2027, 4, 27), "Tuesday");
        assert_eq!(
            kings_day(2030),
            d(2030, 4, 27),
            "a Saturday stays a Saturday"
        );
        assert_eq!(kings_day(2031), d(2031, 4, 26), "27 April 2031 is a Sunday");
        assert!(!is_working_day(d(2026, 4, 27), DEFAULT));
        assert!(is_working_day(d(2026, 4, 28), DEFAULT));
        assert!(
            is_working_day(d(2027, 4, 26), DEFAULT),
            "a Monday before a Tuesday King's Day"
        );
    }

    #[test]
    fn prv_1_liberation_day_follows_its_setting() {
        let with = |liberation_day| HolidaySettings {
            good_friday: true,
            liberation_day,
        };
        // 2025 is a lustrum year (Monday 5 May); 2026 is not (Tuesday).
        assert!(!is_working_day(d(2025, 5, 5), with(LiberationDay::Lustrum)));
        assert!(is_working_day(d(2026, 5, 5), with(LiberationDay::Lustrum)));
        assert!(!is_working_day(d(2026, 5, 5), with(LiberationDay::Always)));
        assert!(is_working_day(d(2025, 5, 5), with(LiberationDay::Never)));
        // 2030 is a lustrum year, but 5 May is a Sunday: no working day is lost.
        assert_eq!(d(2030, 5, 5).weekday(), Weekday::Sun);
        assert_eq!(
            add_working_days(d(2030, 5, 2), 2, with(LiberationDay::Lustrum)),
            add_working_days(d(2030, 5, 2), 2, with(LiberationDay::Never)),
        );
    }

    #[test]
    fn prv_1_good_friday_follows_its_setting() {
        let off = HolidaySettings {
            good_friday: false,
            ..DEFAULT
        };
        assert!(!is_working_day(d(2026, 4, 3), DEFAULT));
        assert!(is_working_day(d(2026, 4, 3), off));
    }

    #[test]
    fn prv_1_weekends_new_year_and_christmas_are_not_working_days() {
        assert!(!is_working_day(d(2026, 11, 28), DEFAULT), "Saturday");
        assert!(!is_working_day(d(2026, 11, 29), DEFAULT), "Sunday");
        assert!(is_working_day(d(2026, 11, 30), DEFAULT));
        assert!(!is_working_day(d(2027, 1, 1), DEFAULT));
        assert!(!is_working_day(d(2026, 12, 25), DEFAULT));
        assert!(
            !is_working_day(d(2026, 12, 26), DEFAULT),
            "Saturday and Boxing Day"
        );
        assert!(
            !is_working_day(d(2025, 12, 26), DEFAULT),
            "Friday, Boxing Day"
        );
    }

    #[test]
    fn prv_1_the_deadline_is_ten_working_days_after_receipt() {
        // An ordinary fortnight: Wednesday 25 November 2026 → Wednesday 9 December.
        assert_eq!(deadlines(d(2026, 11, 25), DEFAULT).due, d(2026, 12, 9));
        // Received on a Saturday: the count starts on Monday.
        assert_eq!(deadlines(d(2026, 11, 28), DEFAULT).due, d(2026, 12, 11));
        // Over Christmas and New Year 2026: 25, 26 Dec (Fri, Sat) and 1 Jan (Fri) are off.
        // From Monday 21 Dec: 22 23 24 28 29 30 31, 4 5 6 → Wednesday 6 January 2027.
        assert_eq!(deadlines(d(2026, 12, 21), DEFAULT).due, d(2027, 1, 6));
        // Easter 2026: Good Friday 3 April and Easter Monday 6 April are off.
        // From Wednesday 1 April: 2, 7 8 9 10, 13 14 15 16 17 → Friday 17 April.
        assert_eq!(deadlines(d(2026, 4, 1), DEFAULT).due, d(2026, 4, 17));
        // April–May 2026: King's Day (Mon 27 Apr) and Ascension (Thu 14 May) are off,
        // 5 May (Tue) is not in a year outside the lustrum.
        // From Friday 24 April: 28 29 30, 1, 4 5 6 7 8, 11 → Monday 11 May.
        assert_eq!(deadlines(d(2026, 4, 24), DEFAULT).due, d(2026, 5, 11));
        let always = HolidaySettings {
            liberation_day: LiberationDay::Always,
            ..DEFAULT
        };
        assert_eq!(deadlines(d(2026, 4, 24), always).due, d(2026, 5, 12));
        // May 2027: Ascension (Thu 6 May) and Whit Monday (17 May) are off.
        // From Monday 3 May: 4 5 7, 10 11 12 13 14, 18 19 → Wednesday 19 May.
        assert_eq!(deadlines(d(2027, 5, 3), DEFAULT).due, d(2027, 5, 19));
        // 2025: Saturday King's Day costs nothing; lustrum 5 May (Mon) is off.
        // From Friday 25 April: 28 29 30, 1 2, 6 7 8 9, 12 → Monday 12 May.
        assert_eq!(deadlines(d(2025, 4, 25), DEFAULT).due, d(2025, 5, 12));
    }

    #[test]
    fn prv_1_the_legal_limit_is_one_month_same_day_or_the_months_last_day() {
        assert_eq!(one_month_after(d(2026, 11, 25)), d(2026, 12, 25));
        assert_eq!(one_month_after(d(2027, 1, 31)), d(2027, 2, 28));
        assert_eq!(one_month_after(d(2028, 1, 31)), d(2028, 2, 29), "leap year");
        assert_eq!(one_month_after(d(2026, 3, 31)), d(2026, 4, 30));
        assert_eq!(one_month_after(d(2026, 12, 15)), d(2027, 1, 15));
        let both = deadlines(d(2026, 11, 25), DEFAULT);
        assert!(both.due < both.legal_limit);
    }

    #[test]
    fn prv_1_settings_read_from_configuration_words() {
        let s: HolidaySettings =
            serde_json::from_str(r#"{"good_friday":false,"liberation_day":"always"}"#).unwrap();
        assert_eq!(s.liberation_day, LiberationDay::Always);
        assert!(!s.good_friday);
        assert_eq!(
            serde_json::from_str::<HolidaySettings>("{}").unwrap(),
            HolidaySettings::default()
        );
        assert!(serde_json::from_str::<HolidaySettings>(r#"{"liberation_day":"often"}"#).is_err());
    }
}
