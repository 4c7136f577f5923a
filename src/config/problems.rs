//! The list the config's builders report into. Each section's builder
//! checks everything it can and adds each problem here instead of returning
//! at the first, so a file with five mistakes shows five lines; a value it
//! could not read is replaced by its default, so one mistake does not turn
//! into others further down.

use std::path::Path;

use crate::error::ConfigError;

pub struct Problems<'a> {
    path: &'a Path,
    found: Vec<ConfigError>,
}

impl<'a> Problems<'a> {
    pub fn new(path: &'a Path) -> Self {
        Problems {
            path,
            found: Vec::new(),
        }
    }

    /// A problem with `key`, to be given a hint and added.
    pub fn at(&self, key: impl Into<String>, problem: impl Into<String>) -> ConfigError {
        ConfigError::new(self.path, key, problem)
    }

    pub fn add(&mut self, err: ConfigError) {
        self.found.push(err);
    }

    /// The value, or `None` with its error added.
    pub fn take<T>(&mut self, result: Result<T, ConfigError>) -> Option<T> {
        result.map_err(|e| self.add(e)).ok()
    }

    /// How many problems so far: a builder compares it before and after a
    /// part to know whether that part can be built.
    pub fn count(&self) -> usize {
        self.found.len()
    }

    /// The value when nothing was found, else the first problem carrying
    /// the others (the caller places them in file order).
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, ConfigError> {
        let mut found = self.found.into_iter();
        match found.next() {
            None => Ok(value()),
            Some(first) => Err(first.with_others(found.collect())),
        }
    }
}
