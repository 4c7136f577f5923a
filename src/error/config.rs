//! Config errors are user errors: one line that names the file, the key and
//! the fix, and exit code 2. They never leave the file touched, because they
//! are raised before anything is written.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct ConfigError {
    pub file: PathBuf,
    pub line: Option<usize>,
    /// Dotted path of the offending key (`tasks.web.cpu`), empty for the file.
    pub key: String,
    pub problem: String,
    pub hint: Option<String>,
    /// The file's other errors, reported with this one (each on its line);
    /// boxed so that a `Result` carrying one stays small.
    more: Option<Box<Others>>,
}

/// A file's further errors (a thin box keeps `Result<_, ConfigError>` small).
#[derive(Debug, Clone)]
struct Others(Vec<ConfigError>);

impl ConfigError {
    pub fn new(file: &Path, key: impl Into<String>, problem: impl Into<String>) -> Self {
        ConfigError {
            file: file.to_path_buf(),
            line: None,
            key: key.into(),
            problem: problem.into(),
            hint: None,
            more: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The other errors found in the same file.
    pub fn others(&self) -> &[ConfigError] {
        self.more.as_deref().map_or(&[], |o| o.0.as_slice())
    }

    pub fn with_others(mut self, others: Vec<ConfigError>) -> Self {
        self.more = (!others.is_empty()).then(|| Box::new(Others(others)));
        self
    }

    pub fn at_line(mut self, line: Option<usize>) -> Self {
        self.line = line;
        self
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.key.is_empty() {
            write!(f, ": `{}`", self.key)?;
        }
        write!(f, ": {}", self.problem)?;
        if let Some(hint) = &self.hint {
            write!(f, "; {hint}")?;
        }
        for other in self.others() {
            write!(f, "\nerror: {other}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}
