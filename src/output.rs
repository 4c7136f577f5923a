//! The one printer. Commands hand it what they have to show; it decides
//! the form (text or JSON), the colour and the stream. stdout carries the
//! data (plans, tables, JSON documents, log lines) and, in text mode, the
//! sentences that report a result; under `--output json` stdout carries
//! only JSON and those sentences go to stderr. Problems and diagnostics go
//! to stderr. Colour only when asked for or when stdout is a terminal,
//! never when `NO_COLOR` is set, and the output reads the same without it.
//! Nothing else in the program writes to stdout or stderr (tracing's log
//! lines aside).

use std::fmt::Display;
use std::io::{IsTerminal, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    pub fn resolve(flag: Option<bool>) -> Style {
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match flag {
            Some(explicit) => explicit,
            None => !no_color_env && std::io::stdout().is_terminal(),
        };
        Style { color }
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    pub fn green(&self, s: &str) -> String {
        self.paint("32", s)
    }
    pub fn yellow(&self, s: &str) -> String {
        self.paint("33", s)
    }
    pub fn red(&self, s: &str) -> String {
        self.paint("31", s)
    }
    pub fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    pub fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Printer {
    format: Format,
    style: Style,
}

impl Printer {
    pub fn new(format: Format, style: Style) -> Printer {
        Printer { format, style }
    }

    pub fn json_mode(&self) -> bool {
        self.format == Format::Json
    }

    pub fn style(&self) -> Style {
        self.style
    }

    /// Data: `text` in text mode (one trailing newline ensured), the `json`
    /// document, pretty-printed, under `--output json`.
    pub fn show(
        &self,
        text: impl FnOnce(Style) -> String,
        json: impl FnOnce() -> serde_json::Value,
    ) {
        match self.format {
            Format::Text => out(&text(self.style)),
            Format::Json => out(&pretty(&json())),
        }
    }

    /// Data that exists only as text (a table a JSON document carries
    /// elsewhere, a plan's summary after the plan): nothing under JSON.
    pub fn text(&self, text: impl FnOnce(Style) -> String) {
        if self.format == Format::Text {
            out(&text(self.style));
        }
    }

    /// Data that exists only as JSON in this place (its text form was
    /// shown as it happened).
    pub fn json(&self, json: impl FnOnce() -> serde_json::Value) {
        if self.format == Format::Json {
            out(&pretty(&json()));
        }
    }

    /// One line of streamed data (a log event): the text line, or under
    /// JSON one compact document per line.
    pub fn stream(&self, text: impl FnOnce() -> String, json: impl FnOnce() -> serde_json::Value) {
        match self.format {
            Format::Text => out(&text()),
            Format::Json => out(&json().to_string()),
        }
    }

    /// A sentence that reports a result, or a line beside the data (a
    /// task's log line while `run-task -o json` waits for its result):
    /// stdout in text mode, stderr under JSON (stdout carries only the JSON
    /// document).
    pub fn say(&self, msg: impl Display) {
        match self.format {
            Format::Text => out(&msg.to_string()),
            Format::Json => err(&msg.to_string()),
        }
    }

    /// A problem or a note for people: always stderr.
    pub fn note(&self, msg: impl Display) {
        err(&msg.to_string());
    }

    /// A question on stderr, the answer typed after it.
    pub fn ask(&self, question: impl Display) {
        let mut e = std::io::stderr().lock();
        let _ = write!(e, "{question}");
        let _ = e.flush();
    }

    /// The command's output is this document (YAML, a schema, a script), as
    /// it is, whatever the format.
    pub fn document(&self, text: &str) {
        out(text);
    }
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

/// Writes to stdout with one trailing newline; a closed pipe (`| head`)
/// is not an error worth a panic.
fn out(text: &str) {
    let mut o = std::io::stdout().lock();
    let _ = o.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = o.write_all(b"\n");
    }
    let _ = o.flush();
}

fn err(text: &str) {
    let mut e = std::io::stderr().lock();
    let _ = e.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = e.write_all(b"\n");
    }
}

/// A problem or a note for people, always on stderr, for code that has no
/// printer at hand (the error that ends a command, a failed rollout's
/// explanation): the format does not change where it goes.
pub fn note(msg: impl Display) {
    err(&msg.to_string());
}

pub fn table(header: &[&str]) -> comfy_table::Table {
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::ASCII_MARKDOWN);
    t.set_header(header.to_vec());
    t
}

/// Progress for commands that wait: a spinner on a terminal, plain log lines
/// otherwise (a state line only when it changes).
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    last: std::cell::RefCell<String>,
}

impl Progress {
    pub fn new() -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            {
                b.set_style(style);
            }
            b.enable_steady_tick(std::time::Duration::from_millis(120));
            b
        });
        Progress {
            bar,
            last: std::cell::RefCell::new(String::new()),
        }
    }

    /// The current state, e.g. `rollout IN_PROGRESS, running 0/1`.
    pub fn state(&self, msg: &str) {
        if *self.last.borrow() == msg {
            return;
        }
        *self.last.borrow_mut() = msg.to_string();
        match &self.bar {
            Some(b) => b.set_message(msg.to_string()),
            None => tracing::info!("{msg}"),
        }
    }

    /// The spinner's text only; nothing is printed without a terminal.
    pub fn spin(&self, msg: &str) {
        if let Some(b) = &self.bar {
            b.set_message(msg.to_string());
        }
    }

    /// Something that happened, e.g. a service event; always printed.
    pub fn event(&self, msg: &str) {
        match &self.bar {
            Some(b) => b.println(msg),
            None => tracing::info!("{msg}"),
        }
    }

    /// Prints to stdout without tearing the spinner.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(b) => b.suspend(f),
            None => f(),
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Default for Progress {
    fn default() -> Self {
        Progress::new()
    }
}
