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
