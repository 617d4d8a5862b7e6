//! Command-line flags (clap derive). Mirrors the flags only; `config.rs` turns them
//! into the library's validated configuration.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Offline log forensics for Kubernetes nodes: point it at collected logs, get a
/// timeline of incidents matched to root-cause signatures, with evidence.
#[derive(Parser, Debug)]
#[command(name = "podmortem", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan log bundles and report incidents with root causes and evidence.
    Scan(ScanArgs),
    /// List every source found: format, node, lines, time range, assumptions, errors.
    Sources(SourcesArgs),
    /// Print every event found, in time order (text or JSON lines).
    Events(EventsArgs),
    /// Correlate events from `podmortem events --format jsonl` files into incidents.
    Correlate(CorrelateArgs),
    /// List, show, validate and test root-cause signatures.
    #[command(subcommand)]
    Signatures(SignaturesCommand),
    /// Print the prefilter's needle literals, one per line (for benchmarks).
    Needles(PatternArgs),
    /// Print a shell completion script.
    Completions {
        /// Shell to generate for.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
}

/// Where the logs are and how to read them.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Input")]
pub struct InputArgs {
    /// Files, directories, archives (.tar, .tar.gz/.tgz, .tar.zst), .gz/.zst files; `-` for stdin.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Treat every source as coming from this node (single-node bundles without hostnames).
    #[arg(long, value_name = "NAME")]
    pub set_node: Option<String>,
    /// Largest decompressed size of one compressed file or archive member (e.g. 512MiB, 8GiB).
    #[arg(long, value_name = "SIZE", default_value = "4GiB")]
    pub max_decompressed: String,
    /// Worker threads (default: number of CPUs). Output does not depend on it.
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Hide the progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// How to read times.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Time")]
pub struct TimeArgs {
    /// Year of the latest year-less line of each log (RFC 3164 syslog, klog).
    #[arg(long, value_name = "YEAR")]
    pub year: Option<i32>,
    /// Zone of local timestamps: IANA name (Asia/Shanghai) or offset (+08:00).
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Wall time (RFC 3339) of the most recent boot, to anchor raw dmesg uptimes.
    #[arg(long, value_name = "TIME")]
    pub boot_time: Option<String>,
}

/// Which results to show.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Filters")]
pub struct FilterArgs {
    /// Only from this time on: RFC 3339, or relative to the bundle's last event (`2h`, `3d`).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only up to this time: RFC 3339, or relative to the bundle's last event.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Only this node (repeatable).
    #[arg(long = "node", value_name = "NODE")]
    pub nodes: Vec<String>,
}

/// Signature sources.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Signatures")]
pub struct PatternArgs {
    /// Directory of extra signature files; a file with a shipped id replaces it.
    #[arg(long, value_name = "DIR")]
    pub patterns: Vec<PathBuf>,
}

/// Output destination and colour.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Write to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Colour: auto (terminal and no NO_COLOR), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print times in this zone instead of UTC (IANA name or offset).
    #[arg(long, value_name = "ZONE")]
    pub display_tz: Option<String>,
}

/// `--color`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Report formats of `scan` and `correlate`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanFormat {
    /// Terminal timeline.
    Text,
    /// Machine-readable result (schema in docs/json-schema.md).
    Json,
    /// Markdown post-incident review.
    Md,
    /// Self-contained HTML with an SVG swimlane timeline.
    Html,
}

/// Severity threshold.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeverityArg {
    /// low and above
    Low,
    /// medium and above
    Medium,
    /// high and above
    High,
    /// critical only
    Critical,
}

/// What an incident report shows and when it fails the run (`scan`, `correlate`).
#[derive(Args, Debug, Clone)]
pub struct ReportArgs {
    /// Report format.
    #[arg(long, short = 'f', value_enum, default_value_t = ScanFormat::Text, help_heading = "Output")]
    pub format: ScanFormat,
    /// Only incidents at or above this severity.
    #[arg(long, value_enum, help_heading = "Filters")]
    pub min_severity: Option<SeverityArg>,
    /// Exit with status 1 when an incident at or above this severity is found.
    #[arg(long, value_enum, help_heading = "Output")]
    pub fail_on: Option<SeverityArg>,
}

/// `podmortem scan`.
#[derive(Args, Debug)]
pub struct ScanArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub input: InputArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub time: TimeArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub filter: FilterArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub patterns: PatternArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub report: ReportArgs,
}

/// `podmortem sources`.
#[derive(Args, Debug)]
pub struct SourcesArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub input: InputArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub time: TimeArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Text, help_heading = "Output")]
    pub format: ListFormat,
}

/// Formats of `sources`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFormat {
    /// Human-readable table.
    Text,
    /// `{"sources": [...]}`.
    Json,
}

/// `podmortem events`.
#[derive(Args, Debug)]
pub struct EventsArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub input: InputArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub time: TimeArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub filter: FilterArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub patterns: PatternArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
    /// Only events of these kinds (repeatable; `kernel.*` matches a prefix).
    #[arg(long = "kind", value_name = "KIND", help_heading = "Filters")]
    pub kinds: Vec<String>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = EventFormat::Text, help_heading = "Output")]
    pub format: EventFormat,
    /// Only the units (top-level node folders or archives) of shard I of N, I from 0
    /// (Kubernetes' JOB_COMPLETION_INDEX); the N shards together are the whole input.
    ///
    /// A folder that is no node's file system (no var/ or etc/ in it) and holds node
    /// folders (<node>/var/..., sosreports) or only archives has one unit per entry;
    /// any other path is one unit. Units are sorted by path and shard I takes those at
    /// positions p with p % N == I.
    #[arg(long, value_name = "I/N", help_heading = "Input")]
    pub shard: Option<String>,
    /// Name of stdin (`-`) in evidence paths and node identity, e.g. `node-1.tar.gz`.
    #[arg(long, value_name = "NAME", help_heading = "Input")]
    pub source_name: Option<String>,
}

/// Formats of `events`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventFormat {
    /// One line per event.
    Text,
    /// One JSON object per line (input of `podmortem correlate`).
    Jsonl,
}

/// `podmortem correlate`.
#[derive(Args, Debug)]
pub struct CorrelateArgs {
    /// Files written by `podmortem events --format jsonl` (`-` for stdin).
    #[arg(required = true, value_name = "EVENTS.jsonl")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub filter: FilterArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub patterns: PatternArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub report: ReportArgs,
}

/// `podmortem signatures ...`.
#[derive(Subcommand, Debug)]
pub enum SignaturesCommand {
    /// List loaded signatures.
    List(PatternArgs),
    /// Show one signature's definition.
    Show {
        /// Signature id.
        id: String,
        #[command(flatten)]
        #[allow(missing_docs)]
        patterns: PatternArgs,
    },
    /// Check signature files and print every problem as file:line:col.
    Validate {
        /// Directory to check (default: the shipped set).
        dir: Option<PathBuf>,
    },
    /// Run every signature's embedded examples.
    Test(PatternArgs),
}
