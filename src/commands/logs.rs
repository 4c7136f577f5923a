//! `logs`: a task's CloudWatch log lines between two times, optionally
//! followed until interrupted.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use anyhow::Result;

use super::context::{Candidates, Ctx};
use crate::aws::AwsResultExt;
use crate::error::UserError;
use crate::settings::Settings;

/// `5m`, `2h`, `1d` ago, or an RFC 3339 time.
pub fn parse_time(s: &str, now: SystemTime) -> Result<SystemTime, UserError> {
    let t = s.trim();
    if let Ok(d) = humantime::parse_duration(t) {
        return Ok(now - d);
    }
    humantime::parse_rfc3339_weak(t).map_err(|_| {
        UserError::new(format!("`{s}` is not a time; write a duration ago (`5m`, `2h`, `1d`) or an RFC 3339 time (`2026-11-24T10:00:00Z`)"))
    })
}

fn millis(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn stamp(ms: i64) -> String {
    let t = SystemTime::UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64);
    humantime::format_rfc3339_millis(t).to_string()
}

pub struct LogArgs<'a> {
    pub task: Option<&'a str>,
    pub start: Option<&'a str>,
    pub end: Option<&'a str>,
    pub follow: bool,
    pub filter: Option<&'a str>,
}

pub async fn run(settings: &Settings, args: LogArgs<'_>) -> Result<u8> {
    let ctx = Ctx::open(settings).await?;
    let now = SystemTime::now();
    // `logs 1h` on a one-task stack: the first word is a time, not a task.
    let args = match args.task {
        Some(word)
            if !ctx.spec.tasks.iter().any(|t| t.key == word)
                && parse_time(word, now).is_ok()
                && args.end.is_none() =>
        {
            LogArgs {
                task: None,
                start: Some(word),
                end: args.start,
                ..args
            }
        }
        _ => args,
    };
    let task = ctx.pick(args.task, Candidates::Any)?;
    let start = millis(parse_time(args.start.unwrap_or("5m"), now)?);
    let end = args
        .end
        .map(|e| parse_time(e, now))
        .transpose()?
        .map(millis);
    if end.is_some_and(|e| e < start) {
        return Err(UserError::new("the end time is before the start time").into());
    }
    let prefix = format!("{}/{}/", ctx.spec.log_stream_prefix(task), task.name);
    let mut seen: HashSet<String> = HashSet::new();
    let mut from = start;
    let interrupt = tokio::signal::ctrl_c();
    tokio::pin!(interrupt);
    loop {
        let mut token: Option<String> = None;
        loop {
            let out = ctx
                .aws
                .logs
                .filter_log_events()
                .log_group_name(&ctx.spec.log_group)
                .log_stream_name_prefix(&prefix)
                .start_time(from)
                .set_end_time(end)
                .set_filter_pattern(args.filter.map(str::to_string))
                .set_next_token(token.clone())
                .send()
                .await
                .ctx("logs FilterLogEvents")?;
            for e in out.events() {
                let id = e.event_id().unwrap_or_default().to_string();
                if !seen.insert(id) {
                    continue;
                }
                let ts = e.timestamp().unwrap_or_default();
                from = from.max(ts);
                let stream = e.log_stream_name().unwrap_or_default();
                let message = e.message().unwrap_or_default().trim_end();
                // Under JSON, JSON Lines: one object per event, as it arrives.
                settings.out.stream(
                    || {
                        format!(
                            "{} {} {}",
                            stamp(ts),
                            stream.strip_prefix(&prefix).unwrap_or(stream),
                            message
                        )
                    },
                    || serde_json::json!({"time": stamp(ts), "stream": stream, "message": message}),
                );
            }
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        if !args.follow {
            return Ok(0);
        }
        tokio::select! {
            _ = &mut interrupt => return Ok(0),
            _ = tokio::time::sleep(settings.poll_time) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(100_000);
        assert_eq!(
            parse_time("5m", now).unwrap(),
            now - Duration::from_secs(300)
        );
        assert_eq!(
            parse_time("1d", now).unwrap(),
            now - Duration::from_secs(86_400)
        );
        assert_eq!(
            millis(parse_time("1970-01-01T00:00:10Z", now).unwrap()),
            10_000
        );
        assert!(parse_time("yesterday", now).is_err());
    }
}
