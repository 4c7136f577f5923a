//! EventBridge schedule expressions, checked before any AWS call so that a
//! typo fails in a second instead of halfway through an apply.

/// The form EventBridge takes, for what the original accepted: a cron with
/// `*` in both day fields gets `?` in day-of-week (EventBridge needs exactly
/// one `?`); surrounding blanks and runs of spaces go.
pub fn normalise(expr: &str) -> String {
    let expr = expr.trim();
    if let Some(body) = expr.strip_prefix("cron(").and_then(|s| s.strip_suffix(')')) {
        let mut fields: Vec<&str> = body.split_whitespace().collect();
        if fields.len() == 6 && fields[2] == "*" && fields[4] == "*" {
            fields[4] = "?";
        }
        return format!("cron({})", fields.join(" "));
    }
    if let Some(body) = expr.strip_prefix("rate(").and_then(|s| s.strip_suffix(')')) {
        return format!(
            "rate({})",
            body.split_whitespace().collect::<Vec<_>>().join(" ")
        );
    }
    expr.to_string()
}

/// Returns a message saying what is wrong, or Ok.
pub fn validate(expr: &str) -> Result<(), String> {
    let expr = expr.trim();
    if let Some(body) = expr.strip_prefix("cron(").and_then(|s| s.strip_suffix(')')) {
        return validate_cron(body);
    }
    if let Some(body) = expr.strip_prefix("rate(").and_then(|s| s.strip_suffix(')')) {
        return validate_rate(body);
    }
    Err(format!(
        "`{expr}` is not a schedule expression; write `cron(MIN HOUR DOM MON DOW YEAR)` or `rate(N minutes|hours|days)`"
    ))
}

fn validate_rate(body: &str) -> Result<(), String> {
    let parts: Vec<&str> = body.split_whitespace().collect();
    let [n, unit] = parts.as_slice() else {
        return Err(format!(
            "`rate({body})` must be `rate(N unit)`, for example `rate(5 minutes)`"
        ));
    };
    let n: u64 = n
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("`rate({body})`: `{n}` is not a positive whole number"))?;
    let singular = matches!(*unit, "minute" | "hour" | "day");
    let plural = matches!(*unit, "minutes" | "hours" | "days");
    if !singular && !plural {
        return Err(format!(
            "`rate({body})`: the unit must be minute(s), hour(s) or day(s)"
        ));
    }
    if (n == 1) != singular {
        let want = if n == 1 {
            "singular (`1 minute`)"
        } else {
            "plural (`5 minutes`)"
        };
        return Err(format!("`rate({body})`: the unit must be {want}"));
    }
    Ok(())
}

fn validate_cron(body: &str) -> Result<(), String> {
    let fields: Vec<&str> = body.split_whitespace().collect();
    if fields.len() != 6 {
        return Err(format!(
            "`cron({body})` has {} fields; EventBridge cron takes 6: minutes hours day-of-month month day-of-week year",
            fields.len()
        ));
    }
    let names = [
        "minutes",
        "hours",
        "day-of-month",
        "month",
        "day-of-week",
        "year",
    ];
    for (field, name) in fields.iter().zip(names) {
        let allowed =
            |c: char| c.is_ascii_alphanumeric() || matches!(c, '*' | ',' | '-' | '/' | '?' | '#');
        if !field.chars().all(allowed) {
            return Err(format!(
                "`cron({body})`: the {name} field `{field}` has a character cron does not allow"
            ));
        }
        if field.contains('?') && !matches!(name, "day-of-month" | "day-of-week") {
            return Err(format!(
                "`cron({body})`: `?` is only allowed in day-of-month or day-of-week"
            ));
        }
    }
    check_range(fields[0], 0, 59, "minutes", body)?;
    check_range(fields[1], 0, 23, "hours", body)?;
    if (fields[2] == "?") == (fields[4] == "?") {
        return Err(format!(
            "`cron({body})`: exactly one of day-of-month and day-of-week must be `?`"
        ));
    }
    Ok(())
}

fn check_range(field: &str, lo: u32, hi: u32, name: &str, body: &str) -> Result<(), String> {
    for part in field.split([',', '-', '/']) {
        if part == "*" || part.is_empty() {
            continue;
        }
        match part.parse::<u32>() {
            Ok(v) if (lo..=hi).contains(&v) => {}
            _ => {
                return Err(format!(
                    "`cron({body})`: {name} must be between {lo} and {hi}, not `{part}`"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::validate;

    #[test]
    fn good() {
        for e in [
            "cron(0 2 * * ? *)",
            "cron(0/15 9-17 ? * MON-FRI *)",
            "rate(5 minutes)",
            "rate(1 hour)",
            "rate(100 hours)",
        ] {
            assert!(validate(e).is_ok(), "{e}: {:?}", validate(e));
        }
    }

    #[test]
    fn normalised_to_what_eventbridge_takes() {
        use super::normalise;
        assert_eq!(normalise("cron(0 2 * * * *)"), "cron(0 2 * * ? *)");
        assert_eq!(normalise(" cron(0  2 * * ? *) "), "cron(0 2 * * ? *)");
        assert_eq!(normalise("rate(5  minutes)"), "rate(5 minutes)");
        assert!(validate(&normalise("cron(0 2 * * * *)")).is_ok());
    }

    #[test]
    fn bad() {
        for e in [
            "cron(0 2 * * *)",
            "cron(0 2 * * * *)",
            "cron(61 2 * * ? *)",
            "rate(5 minute)",
            "rate(1 hours)",
            "rate(0 days)",
            "rate(5 weeks)",
            "every day",
        ] {
            assert!(validate(e).is_err(), "{e} should fail");
        }
    }
}

/// The next `count` times (seconds since the epoch, UTC) a schedule fires
/// after `after`, for cron expressions; `None` for `rate(...)` (it counts
/// from when the rule was created) and for cron features this does not
/// evaluate (`L`, `W`, `#`).
pub fn next_runs(expr: &str, after: i64, count: usize) -> Option<Vec<i64>> {
    let body = expr.trim().strip_prefix("cron(")?.strip_suffix(')')?;
    let f: Vec<&str> = body.split_whitespace().collect();
    if f.len() != 6 || f.iter().any(|x| x.contains(['L', 'W', '#'])) {
        return None;
    }
    const MONTHS: [&str; 12] = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ];
    const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    let minute = field(f[0], 0, 59, &[], 0)?;
    let hour = field(f[1], 0, 23, &[], 0)?;
    let dom = field(f[2], 1, 31, &[], 0)?;
    let month = field(f[3], 1, 12, &MONTHS, 1)?;
    let dow = field(f[4], 1, 7, &DAYS, 1)?;
    let year = field(f[5], 1970, 2199, &[], 0)?;
    let mut out = Vec::new();
    let mut t = (after / 60 + 1) * 60;
    let limit = after + 5 * 366 * 86_400;
    while out.len() < count && t < limit {
        let days = t.div_euclid(86_400);
        let (y, m, d) = civil(days);
        // 1970-01-01 was a Thursday; EventBridge numbers Sunday as 1.
        let weekday = ((days + 4).rem_euclid(7) + 1) as u32;
        let day_ok = (f[2] == "?" || dom.contains(&d)) && (f[4] == "?" || dow.contains(&weekday));
        if !(year.contains(&(y as u32)) && month.contains(&m) && day_ok) {
            t = (days + 1) * 86_400;
            continue;
        }
        let secs = t.rem_euclid(86_400);
        let (h, mi) = ((secs / 3600) as u32, ((secs % 3600) / 60) as u32);
        if !hour.contains(&h) {
            t = days * 86_400 + (h as i64 + 1) * 3600;
            continue;
        }
        if minute.contains(&mi) {
            out.push(t);
        }
        t += 60;
    }
    Some(out)
}

/// The values a cron field allows (`*`, `?`, lists, ranges, steps, names).
fn field(text: &str, lo: u32, hi: u32, names: &[&str], name_base: u32) -> Option<Vec<u32>> {
    let value = |s: &str| -> Option<u32> {
        names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(s))
            .map(|i| i as u32 + name_base)
            .or_else(|| s.parse().ok())
    };
    let mut out = Vec::new();
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().ok().filter(|s| *s > 0)?),
            None => (part, 1),
        };
        let (a, b) = match range {
            "*" | "?" => (lo, hi),
            r => match r.split_once('-') {
                Some((a, b)) => (value(a)?, value(b)?),
                None if step > 1 => (value(r)?, hi),
                None => (value(r)?, value(r)?),
            },
        };
        out.extend((a..=b).step_by(step as usize));
    }
    Some(out)
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod next_run_tests {
    use super::next_runs;

    #[test]
    fn cron_next_runs() {
        // 2026-12-02T06:00:00Z (a Wednesday).
        let now = 1_796_191_200;
        let runs = next_runs("cron(0 2 * * ? *)", now, 2).unwrap();
        let fmt = |t: &i64| {
            humantime::format_rfc3339_seconds(
                std::time::UNIX_EPOCH + std::time::Duration::from_secs(*t as u64),
            )
            .to_string()
        };
        assert_eq!(
            runs.iter().map(fmt).collect::<Vec<_>>(),
            ["2026-12-03T02:00:00Z", "2026-12-04T02:00:00Z"]
        );
        let weekdays = next_runs("cron(30 9 ? * MON-FRI *)", now, 3).unwrap();
        assert_eq!(
            weekdays.iter().map(fmt).collect::<Vec<_>>(),
            [
                "2026-12-02T09:30:00Z",
                "2026-12-03T09:30:00Z",
                "2026-12-04T09:30:00Z"
            ]
        );
        let quarter = next_runs("cron(0/15 * * * ? *)", now, 2).unwrap();
        assert_eq!(
            quarter.iter().map(fmt).collect::<Vec<_>>(),
            ["2026-12-02T06:15:00Z", "2026-12-02T06:30:00Z"]
        );
        assert!(next_runs("rate(5 minutes)", now, 1).is_none());
        assert!(next_runs("cron(0 0 L * ? *)", now, 1).is_none());
    }
}
