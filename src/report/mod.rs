//! Reports: render a [`Timeline`] as terminal text, JSON, a Markdown post-incident
//! review or one self-contained HTML file, and the `sources` inventory as text or JSON.
//!
//! This module owns presentation only: no parsing, no correlation, no global writer.
//! Every format cites evidence as `source:line`, marks inferred times, prints times in
//! UTC RFC 3339 unless a display zone is requested, and escapes log text for its
//! medium (`escape.rs`): log lines are hostile input.

use chrono::FixedOffset;
use std::io::Write;

use crate::envelope::time::Zone;
use crate::error::Problem;
use crate::timeline::{NodeSummary, SourceReport, Timeline};

pub mod escape;
mod evidence;
mod html;
mod json;
mod markdown;
mod overview;
mod svg;
mod text;
mod times;

pub use overview::{Overview, causal_chains};

/// An output format. Closed set: each variant has its own renderer module.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ReportFormat {
    /// Terminal text: summary first, then incidents, unclassified groups, problems.
    Text,
    /// Machine-readable JSON, schema documented in `docs/json-schema.md`.
    Json,
    /// A Markdown post-incident review document.
    Markdown,
    /// One self-contained HTML file with an SVG swimlane timeline.
    Html,
}

impl ReportFormat {
    /// Every format, in the order the CLI lists them.
    pub const ALL: &'static [ReportFormat] = &[
        ReportFormat::Text,
        ReportFormat::Json,
        ReportFormat::Markdown,
        ReportFormat::Html,
    ];

    /// Parse the CLI name (`text`, `json`, `md`, `html`; `markdown` is accepted too).
    pub fn from_name(name: &str) -> Option<ReportFormat> {
        match name.trim().to_ascii_lowercase().as_str() {
            "text" | "txt" => Some(ReportFormat::Text),
            "json" => Some(ReportFormat::Json),
            "md" | "markdown" => Some(ReportFormat::Markdown),
            "html" | "htm" => Some(ReportFormat::Html),
            _ => None,
        }
    }

    /// The CLI name, the inverse of [`ReportFormat::from_name`].
    pub fn name(self) -> &'static str {
        match self {
            ReportFormat::Text => "text",
            ReportFormat::Json => "json",
            ReportFormat::Markdown => "md",
            ReportFormat::Html => "html",
        }
    }

    /// Usual file extension for a report written to a file.
    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Text => "txt",
            ReportFormat::Json => "json",
            ReportFormat::Markdown => "md",
            ReportFormat::Html => "html",
        }
    }
}

/// The zone report times are shown in (the data stays UTC; this is display only).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum DisplayZone {
    /// An IANA zone, e.g. `Europe/Berlin` (daylight saving applied per instant).
    Named(chrono_tz::Tz),
    /// A fixed offset, e.g. `+02:00`.
    Fixed(FixedOffset),
}

impl DisplayZone {
    /// Parse `UTC`, an IANA name (`America/New_York`) or an offset (`+02:00`, `-0530`,
    /// `+8`): the same parser as `--tz`, so both flags accept the same zones.
    pub fn parse(spec: &str) -> Result<DisplayZone, String> {
        Ok(match crate::envelope::time::parse_zone(spec)? {
            Zone::Utc => DisplayZone::Named(chrono_tz::UTC),
            Zone::Fixed(offset) => DisplayZone::Fixed(offset),
            Zone::Named(tz) => DisplayZone::Named(tz),
        })
    }

    /// `Europe/Berlin`, `+02:00`: how captions name the zone.
    pub fn name(self) -> String {
        times::zone_name(Some(self))
    }
}

/// Presentation knobs; the CLI fills them from flags and the terminal.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportOptions {
    /// ANSI colours in text output (the CLI decides from NO_COLOR, `--color`, isatty).
    pub color: bool,
    /// Terminal width for wrapping and truncating text output (minimum 40 is enforced).
    pub width: usize,
    /// Display zone; `None` prints UTC RFC 3339 (`2018-06-08T03:03:28Z`).
    pub zone: Option<DisplayZone>,
    /// Document title for Markdown and HTML (default: `podmortem report`).
    pub title: Option<String>,
    /// Evidence rows the text report shows per incident; `None` shows all.
    pub evidence_rows: Option<usize>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            color: false,
            width: 100,
            zone: None,
            title: None,
            evidence_rows: Some(8),
        }
    }
}

impl ReportOptions {
    /// The title to print, falling back to the default.
    pub(crate) fn title(&self) -> &str {
        match &self.title {
            Some(title) if !title.trim().is_empty() => title,
            _ => "podmortem report",
        }
    }
}

/// Render `timeline` in `format` to `out`.
///
/// Errors are only those of `out` (a broken pipe is the caller's to treat as success).
pub fn render(
    timeline: &Timeline,
    format: ReportFormat,
    options: &ReportOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        ReportFormat::Text => text::render(timeline, options, out),
        ReportFormat::Json => json::render(timeline, out),
        ReportFormat::Markdown => markdown::render(timeline, options, out),
        ReportFormat::Html => html::render(timeline, options, out),
    }
}

/// Render the source inventory for the `sources` subcommand.
///
/// Text and JSON are supported (`{"sources": [...], "nodes": [...], "problems": [...]}`,
/// stable key names); Markdown and HTML fall back to text, since an inventory alone is
/// not a review document.
pub fn render_sources(
    rows: &[SourceReport],
    nodes: &[NodeSummary],
    problems: &[Problem],
    format: ReportFormat,
    options: &ReportOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        ReportFormat::Json => json::render_sources(rows, nodes, problems, out),
        ReportFormat::Text | ReportFormat::Markdown | ReportFormat::Html => {
            text::render_sources(rows, nodes, problems, options, out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for format in ReportFormat::ALL {
            assert_eq!(ReportFormat::from_name(format.name()), Some(*format));
        }
        assert_eq!(
            ReportFormat::from_name("Markdown"),
            Some(ReportFormat::Markdown)
        );
        assert_eq!(ReportFormat::from_name("pdf"), None);
    }

    #[test]
    fn display_zone_parses_names_and_offsets() {
        assert_eq!(
            DisplayZone::parse("Europe/Berlin").ok(),
            Some(DisplayZone::Named(chrono_tz::Europe::Berlin))
        );
        assert_eq!(
            DisplayZone::parse("+02:00").ok(),
            FixedOffset::east_opt(7200).map(DisplayZone::Fixed)
        );
        assert_eq!(
            DisplayZone::parse("-0530").ok(),
            FixedOffset::west_opt(5 * 3600 + 1800).map(DisplayZone::Fixed)
        );
        // `--tz +8` has always worked; `--display-tz +8` now reads the same way.
        assert_eq!(
            DisplayZone::parse("+8").ok(),
            FixedOffset::east_opt(8 * 3600).map(DisplayZone::Fixed)
        );
        assert!(DisplayZone::parse("Mars/Olympus").is_err());
    }
}
