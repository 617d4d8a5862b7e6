//! The strict serde mirror of signature files, one module per file-format version.
//!
//! A file is first probed for its `version` only, then deserialized by that version's
//! module with `deny_unknown_fields`, so a typo is an error with a location rather
//! than a silently ignored key. Nothing here checks meaning: that is `compile`'s job.

use serde::Deserialize;
use toml::Spanned;

pub mod v1;

/// A deserialized signature file, by format version.
#[derive(Debug)]
pub enum RawFile {
    /// `version = 1`.
    V1(Box<v1::RawSignature>),
}

/// A parse problem: byte span in the file (if known) and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseProblem {
    /// Byte range the problem concerns.
    pub span: Option<std::ops::Range<usize>>,
    /// What is wrong.
    pub message: String,
}

#[derive(Deserialize)]
struct VersionProbe {
    version: Option<Spanned<toml::Value>>,
}

/// Deserialize one file's text with the loader of its declared version.
pub fn parse(text: &str) -> Result<RawFile, ParseProblem> {
    let probe: VersionProbe = toml::from_str(text).map_err(problem)?;
    let Some(version) = probe.version else {
        return Err(ParseProblem {
            span: Some(0..0),
            message: "missing `version = 1` (every signature file declares its format version)"
                .to_string(),
        });
    };
    match version.get_ref() {
        toml::Value::Integer(1) => toml::from_str::<v1::RawSignature>(text)
            .map(|signature| RawFile::V1(Box::new(signature)))
            .map_err(problem),
        other => Err(ParseProblem {
            span: Some(version.span()),
            message: format!("unsupported signature format version {other} (supported: 1)"),
        }),
    }
}

fn problem(err: toml::de::Error) -> ParseProblem {
    ParseProblem {
        span: err.span(),
        message: err.message().trim().to_string(),
    }
}
