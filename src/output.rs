//! Output policy: stdout carries the data (plans, tables, JSON, logs);
//! diagnostics go to stderr through tracing. Colour only when asked for or
//! when stdout is a terminal, never when `NO_COLOR` is set, and the output
//! reads the same without it.

use std::io::IsTerminal;

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
