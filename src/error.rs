//! Errors. Fatal errors stop a run ([`Error`]); soft problems ([`Problem`]) name
//! the source they concern, are reported, and the scan goes on.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// A fatal error: nothing readable, bad arguments, invalid signature files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input path given on the command line does not exist or cannot be opened.
    #[error("{path}: {message}")]
    Input {
        /// The path as given.
        path: PathBuf,
        /// What went wrong and what to do.
        message: String,
    },
    /// Signature files failed validation; each diagnostic is `file:line:col: message`.
    #[error("invalid signatures:\n{}", .0.join("\n"))]
    Signatures(Vec<String>),
    /// A configuration value is wrong (bad time zone, bad duration...).
    #[error("{0}")]
    Config(String),
    /// Writing output failed.
    #[error("writing output: {0}")]
    Output(#[from] std::io::Error),
}

/// A soft problem with one source: reported once, never stops the scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Display path of the source, e.g. `bundle.tgz!/node-3/var/log/syslog.2.gz`.
    pub source: String,
    /// What is wrong, what was still read, and what to do about it.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.source, self.message)
    }
}
