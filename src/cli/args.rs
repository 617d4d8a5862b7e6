//! Command-line flags (clap derive). Mirrors the flags only; `config.rs` turns them
//! into the library's validated configuration.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Offline log forensics for Kubernetes nodes: point it at collected logs, get a
/// timeline of incidents matched to root-cause signatures, with evidence.
#[derive(Parser, Debug)]
#[command(name = "podmortem", version, about, long_about = None, propagate_version = true)]
#[command(after_long_help = EXIT_STATUS)]
pub struct Cli {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The exit-status rules, shown in `--help` and the man pages.
pub const EXIT_STATUS: &str = "Exit status:
  0  the run completed and nothing at or above --fail-on was found
  1  an incident at or above --fail-on was found
  2  bad arguments, no log lines found, or an input/output error stopped the run";

/// `scan --help` epilogue (also the EXAMPLES of its man page).
pub const SCAN_EXAMPLES: &str = "Examples:
  podmortem scan collected-logs.tgz
  podmortem scan bundle/ --since 2018-07-01 --until 2018-07-02 --node node-7
  podmortem scan bundle/ -o report.html            (format from the extension)
  journalctl -o short-iso | podmortem scan - --set-node node-3

Exit status:
  0  the run completed and nothing at or above --fail-on was found
  1  an incident at or above --fail-on was found
  2  bad arguments, no log lines found, or an input/output error stopped the run";

/// `sources --help` epilogue.
pub const SOURCES_EXAMPLES: &str = "Examples:
  podmortem sources bundle/
  podmortem sources bundle.tgz --format json

Exit status: 0 listed; 2 bad arguments, no log lines found, or an input/output error";

/// `events --help` epilogue.
pub const EVENTS_EXAMPLES: &str = "Examples:
  podmortem events bundle/ --kind 'kernel.*' --node node-2
  podmortem events bundle/ --format jsonl > events.jsonl

Exit status: 0 printed; 2 bad arguments (unknown node or kind), no log lines found, or an input/output error";

/// `correlate --help` epilogue.
pub const CORRELATE_EXAMPLES: &str = "Examples:
  podmortem events node-1/ -f jsonl > a.jsonl; podmortem events node-2/ -f jsonl > b.jsonl
  podmortem correlate a.jsonl b.jsonl --format md

Exit status: as for scan (0, 1 with --fail-on, 2)";

/// `signatures --help` epilogue.
pub const SIGNATURES_EXAMPLES: &str = "Examples:
  podmortem signatures list
  podmortem signatures show pleg-unhealthy
  podmortem signatures validate my-patterns/
  podmortem signatures test --patterns my-patterns/

Exit status: 0 ok; 1 an example failed (test); 2 invalid signature files or bad arguments";

/// Flags every subcommand understands, before or after its name
/// (`podmortem --color never scan ...` and `podmortem scan --color never ...`).
#[derive(Args, Debug, Clone)]
pub struct GlobalArgs {
    /// Colour: auto (terminal and no NO_COLOR), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true, help_heading = "Output")]
    pub color: ColorChoice,
    /// Hide the progress bar and notes on stderr.
    #[arg(long, short = 'q', global = true, help_heading = "Input")]
    pub quiet: bool,
}

/// The subcommands; each takes the argument groups it needs.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan log bundles and report incidents with root causes and evidence.
    #[command(after_long_help = SCAN_EXAMPLES)]
    Scan(ScanArgs),
    /// List every source found: format, node, lines, time range, assumptions, errors.
    #[command(after_long_help = SOURCES_EXAMPLES)]
    Sources(SourcesArgs),
    /// Print every event found, in time order (text or JSON lines).
    #[command(after_long_help = EVENTS_EXAMPLES)]
    Events(EventsArgs),
    /// Correlate events from `podmortem events --format jsonl` files into incidents.
    #[command(after_long_help = CORRELATE_EXAMPLES)]
    Correlate(CorrelateArgs),
    /// List, show, validate and test root-cause signatures.
    #[command(subcommand, after_long_help = SIGNATURES_EXAMPLES)]
    Signatures(SignaturesCommand),
    /// Print the prefilter's literals, one per line (a benchmark helper, see
    /// benches/compare.sh; not a user command).
    #[command(hide = true)]
    Needles(PatternArgs),
    /// Print a shell completion script.
    Completions {
        /// Shell to generate for.
        shell: clap_complete::Shell,
    },
    /// Write man pages: podmortem.1 and one podmortem-<subcommand>.1 per subcommand
    /// into DIR, or the main page to standard output without DIR.
    Man {
        /// Directory to write the pages into.
        dir: Option<PathBuf>,
    },
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
}

/// How to read times.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Time")]
pub struct TimeArgs {
    /// Year of the latest year-less line of each log (RFC 3164 syslog, klog); four digits.
    #[arg(long, value_name = "YEAR", value_parser = parse_year)]
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
    /// Only from this time on: RFC 3339, a UTC date (2018-07-01), or a duration back
    /// from the bundle's last event (`2h`, `3d`, `1w`).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only up to this time: RFC 3339, a UTC date (up to the end of that day), or a
    /// duration back from the bundle's last event.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Only this node, by name or any alias the report shows (repeatable).
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
    /// Write to this file instead of standard output (for reports the extension
    /// .txt/.json/.md/.html picks the format when --format is not given).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
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
    /// Not a report format: refused with a pointer to `json` (JSON lines are what
    /// `podmortem events` writes).
    #[value(hide = true)]
    Jsonl,
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
    /// Report format (default: from the --output extension, else text).
    #[arg(long, short = 'f', value_enum, help_heading = "Output")]
    pub format: Option<ScanFormat>,
    /// Evidence rows shown per incident in text output: a number or `all`.
    #[arg(long, value_name = "N|all", default_value = "8", value_parser = parse_evidence_limit, help_heading = "Output")]
    pub evidence: EvidenceLimit,
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
    /// One JSON object per line (input of `podmortem correlate`); `json` means the same.
    #[value(alias = "json")]
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

// Value parsers clap calls while reading the flags (the rest of the checking is
// `config`'s, which turns these structs into the library's configuration).

/// `--year`: exactly four digits, so `--year 18` (read as year 0018) is refused.
pub fn parse_year(s: &str) -> Result<i32, String> {
    let t = s.trim();
    if t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()) {
        t.parse().map_err(|e| format!("{e}"))
    } else {
        Err(format!(
            "expected a four-digit year such as 2018, got {s:?}"
        ))
    }
}

/// `--evidence`: rows shown per incident in text output; `all` lifts the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EvidenceLimit(pub Option<usize>);

/// Parse `--evidence N|all`.
pub fn parse_evidence_limit(s: &str) -> Result<EvidenceLimit, String> {
    if s.trim().eq_ignore_ascii_case("all") {
        return Ok(EvidenceLimit(None));
    }
    match s.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(EvidenceLimit(Some(n))),
        _ => Err(format!("expected a positive number or `all`, got {s:?}")),
    }
}
