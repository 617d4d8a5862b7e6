//! The command line: parse flags (`args`), validate them (`config`), run the library,
//! print. The only layer that prints or reads arguments.

pub mod args;
pub mod config;
mod progress;

use chrono::{DateTime, Utc};
use clap::CommandFactory;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use args::{
    Cli, ColorChoice, Command, EventFormat, InputArgs, ListFormat, OutputArgs, PatternArgs,
    ScanFormat, SignaturesCommand,
};
use podmortem::Error;
use podmortem::correlate;
use podmortem::events::Event;
use podmortem::report::{self, ReportFormat, ReportOptions};
use podmortem::resolve::{self, ScanOutput, SourceReport, UnitOutput};
use podmortem::scan::{self, ScanConfig};
use podmortem::signatures::{self, Severity, SignatureSet};
use podmortem::timeline::RunInfo;
use podmortem::timeline::{Selection, Timeline};

/// Exit status: 0 ran and nothing at or above `--fail-on`; 1 findings at or above it;
/// 2 usage or input errors that stopped the run.
///
/// Every argument is checked before any input is read (issue 15, point 7): the output
/// file is opened, times, zones and formats are parsed; only what needs the scan
/// (relative times, node names) is checked after it.
pub fn run(cli: Cli) -> Result<u8, Error> {
    let global = cli.global;
    match cli.command {
        Command::Scan(a) => scan_command(a, &global),
        Command::Sources(a) => sources_command(a, &global),
        Command::Events(a) => events_command(a, &global),
        Command::Correlate(a) => correlate_command(a, &global),
        Command::Signatures(cmd) => signatures_command(cmd),
        Command::Needles(p) => {
            let set = load_signatures(&p)?;
            let cfg = ScanConfig {
                custom: signatures::custom_rules(&set),
                ..ScanConfig::default()
            };
            let mut out = io::stdout().lock();
            for n in scan::prefilter(&cfg).needles() {
                writeln!(out, "{n}")?;
            }
            Ok(0)
        }
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "podmortem", &mut io::stdout());
            Ok(0)
        }
        Command::Man { dir: None } => {
            clap_mangen::Man::new(Cli::command()).render(&mut io::stdout())?;
            Ok(0)
        }
        Command::Man { dir: Some(dir) } => {
            clap_mangen::generate_to(Cli::command(), &dir).map_err(|e| Error::Input {
                path: dir.clone(),
                message: format!("cannot write man pages: {e}"),
            })?;
            Ok(0)
        }
    }
}

/// `podmortem scan`: scan, correlate, filter and report in one process; the exit code
/// follows `--fail-on`.
fn scan_command(a: args::ScanArgs, global: &args::GlobalArgs) -> Result<u8, Error> {
    let plan = ReportPlan::new(&a.report, &a.output, &a.filter, global)?;
    let (input_cfg, time_cfg) = (config::input(&a.input)?, config::time(&a.time)?);
    let set = load_signatures(&a.patterns)?;
    let sink = Sink::open(&a.output, &a.input.paths)?;
    sink.run(|sink| {
        with_pool(a.input.jobs, || {
            let out = scan_merged(&a.input, &input_cfg, time_cfg, &set, global.quiet)?;
            let hint = time_hint(&out.sources, global.quiet);
            let correlation = correlate::correlate(&out.events, &set);
            let mut tl = Timeline::new(out, correlation);
            tl.run = provenance(&a.input.paths, &a.filter, Some(&a.time), &plan, hint);
            let filter = plan.filter.resolve(&tl.nodes, tl.last_time())?;
            tl.apply(&filter);
            let code = exit_code(&tl, a.report.fail_on.map(config::severity));
            sink.write(|w| report::render(&tl, plan.format, &plan.options, w))?;
            Ok(code)
        })
    })
}

/// `podmortem sources`: the source inventory alone, scanned with no signatures since
/// nothing is correlated.
fn sources_command(a: args::SourcesArgs, global: &args::GlobalArgs) -> Result<u8, Error> {
    let opts = report_options(&a.output, global)?;
    let (input_cfg, time_cfg) = (config::input(&a.input)?, config::time(&a.time)?);
    let sink = Sink::open(&a.output, &a.input.paths)?;
    sink.run(|sink| {
        with_pool(a.input.jobs, || {
            let set = SignatureSet::default();
            let out = scan_merged(&a.input, &input_cfg, time_cfg, &set, global.quiet)?;
            time_hint(&out.sources, global.quiet);
            let format = match a.format {
                ListFormat::Text => ReportFormat::Text,
                ListFormat::Json => ReportFormat::Json,
            };
            sink.write(|w| {
                report::render_sources(&out.sources, &out.nodes, &out.problems, format, &opts, w)
            })?;
            Ok(0)
        })
    })
}

/// `podmortem events`: the events of the input (or of one shard of its units), as
/// text or as the self-describing JSONL stream `correlate` merges (docs/events-schema.md).
fn events_command(a: args::EventsArgs, global: &args::GlobalArgs) -> Result<u8, Error> {
    let filter_plan = FilterPlan::new(&a.filter, None)?;
    let (mut input_cfg, time_cfg) = (config::input(&a.input)?, config::time(&a.time)?);
    input_cfg.shard = a.shard.as_deref().map(config::shard).transpose()?;
    input_cfg.stdin_name = a.source_name.clone();
    let set = load_signatures(&a.patterns)?;
    let color = use_color(global.color, a.output.output.is_some());
    let sink = Sink::open(&a.output, &a.input.paths)?;
    sink.run(|sink| {
        with_pool(a.input.jobs, || {
            let units = scan_inputs(&a.input, &input_cfg, time_cfg, &set, global.quiet)?;
            let mut problems: Vec<podmortem::Problem> =
                units.iter().flat_map(|u| u.problems.clone()).collect();
            problems.sort_by(|a, b| a.source.cmp(&b.source).then(a.message.cmp(&b.message)));
            problems.dedup();
            report_problems(&problems);
            let sources: Vec<&SourceReport> = units.iter().flat_map(|u| &u.sources).collect();
            // A shard may hold no unit at all (more shards than units): an empty
            // stream, not an error, so that every job of an Indexed Job succeeds.
            if input_cfg.shard.is_none() || !units.is_empty() {
                require_lines(sources.iter().copied(), &a.input.paths)?;
            }
            time_hint(sources.iter().copied(), global.quiet);
            let all: Vec<&Event> = resolve::sort_events_ref(units.iter().flat_map(|u| &u.events));
            let last = all.iter().filter_map(|e| e.time).max();
            let f = filter_plan.resolve(&resolve::nodes_of(&units), last)?;
            check_kinds(&a.kinds, all.iter().copied())?;
            let events: Vec<&Event> = all
                .into_iter()
                .filter(|e| f.keeps_event(e))
                .filter(|e| kind_matches(&a.kinds, e.kind.name()))
                .collect();
            sink.write(|w| match a.format {
                EventFormat::Jsonl => resolve::jsonl::write(&units, events, a.shard.clone(), w),
                EventFormat::Text => write_events(&events, color, w),
            })?;
            Ok(0)
        })
    })
}

/// `podmortem correlate`: the report `scan` would give, built from `events --format
/// jsonl` streams instead of logs, so separately scanned shards merge into one.
fn correlate_command(a: args::CorrelateArgs, global: &args::GlobalArgs) -> Result<u8, Error> {
    let plan = ReportPlan::new(&a.report, &a.output, &a.filter, global)?;
    let set = load_signatures(&a.patterns)?;
    let sink = Sink::open(&a.output, &a.files)?;
    sink.run(|sink| {
        // Nodes, sources and problems are rebuilt from the streams' records, and a
        // unit read twice counts once.
        let out = resolve::merge(read_streams(&a.files)?);
        report_problems(&out.problems);
        let correlation = correlate::correlate(&out.events, &set);
        let mut tl = Timeline::new(out, correlation);
        tl.run = provenance(&a.files, &a.filter, None, &plan, None);
        let filter = plan.filter.resolve(&tl.nodes, tl.last_time())?;
        tl.apply(&filter);
        let code = exit_code(&tl, a.report.fail_on.map(config::severity));
        sink.write(|w| report::render(&tl, plan.format, &plan.options, w))?;
        Ok(code)
    })
}

/// What a report command will produce, decided from its flags before any input is read.
struct ReportPlan {
    format: ReportFormat,
    options: ReportOptions,
    filter: FilterPlan,
}

impl ReportPlan {
    fn new(
        report: &args::ReportArgs,
        output: &OutputArgs,
        filter: &args::FilterArgs,
        global: &args::GlobalArgs,
    ) -> Result<ReportPlan, Error> {
        let format = report_format(report.format, output.output.as_deref())?;
        let mut options = report_options(output, global)?;
        options.evidence_rows = report.evidence.0;
        Ok(ReportPlan {
            format,
            options,
            filter: FilterPlan::new(filter, report.min_severity.map(config::severity))?,
        })
    }
}

/// `--format` and the `--output` extension: the extension picks the format when
/// `--format` is absent; a contradiction is refused rather than writing text into
/// `report.html`.
fn report_format(
    explicit: Option<ScanFormat>,
    output: Option<&Path>,
) -> Result<ReportFormat, Error> {
    let chosen = match explicit {
        Some(ScanFormat::Jsonl) => {
            return Err(Error::Config(
                "--format jsonl: a report is one JSON document, use --format json \
                 (JSON lines are what `podmortem events --format jsonl` writes)"
                    .to_string(),
            ));
        }
        Some(ScanFormat::Text) => Some(ReportFormat::Text),
        Some(ScanFormat::Json) => Some(ReportFormat::Json),
        Some(ScanFormat::Md) => Some(ReportFormat::Markdown),
        Some(ScanFormat::Html) => Some(ReportFormat::Html),
        None => None,
    };
    let by_extension = output
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .and_then(ReportFormat::from_name);
    match (chosen, by_extension) {
        (Some(f), Some(e)) if f != e => Err(Error::Config(format!(
            "--format {} does not match the output file {} (a .{} file): \
             drop --format or change the extension",
            f.name(),
            output.map(|p| p.display().to_string()).unwrap_or_default(),
            e.extension()
        ))),
        (Some(f), _) | (None, Some(f)) => Ok(f),
        (None, None) => Ok(ReportFormat::Text),
    }
}

/// `--since`, `--until`, `--node`, `--min-severity`, parsed before the scan.
struct FilterPlan {
    since: Option<config::TimeSpec>,
    until: Option<config::TimeSpec>,
    nodes: Vec<String>,
    min_severity: Option<Severity>,
}

impl FilterPlan {
    fn new(args: &args::FilterArgs, min_severity: Option<Severity>) -> Result<FilterPlan, Error> {
        let since = args
            .since
            .as_deref()
            .map(|s| config::time_spec("--since", s, config::DayEdge::Start))
            .transpose()?;
        let until = args
            .until
            .as_deref()
            .map(|s| config::time_spec("--until", s, config::DayEdge::End))
            .transpose()?;
        if let (Some(config::TimeSpec::At(s)), Some(config::TimeSpec::At(u))) = (since, until) {
            config::check_window(Some(s), Some(u))?;
        }
        Ok(FilterPlan {
            since,
            until,
            nodes: args.nodes.clone(),
            min_severity,
        })
    }

    /// The filter, once the scan knows the last event and the nodes; an unknown node
    /// is refused with the closest known name.
    fn resolve(
        &self,
        nodes: &[podmortem::timeline::NodeSummary],
        last: Option<DateTime<Utc>>,
    ) -> Result<Selection, Error> {
        let since = self.since.map(|s| s.resolve(last)).transpose()?;
        let until = self.until.map(|s| s.resolve(last)).transpose()?;
        config::check_window(since, until)?;
        let mut canonical = Vec::new();
        for name in &self.nodes {
            match podmortem::timeline::canonical_node(nodes, name) {
                Some(c) => canonical.push(c.to_string()),
                None => return Err(unknown_node(name, nodes)),
            }
        }
        Ok(Selection {
            since,
            until,
            nodes: canonical,
            min_severity: self.min_severity,
        })
    }
}

fn unknown_node(name: &str, nodes: &[podmortem::timeline::NodeSummary]) -> Error {
    let all = nodes
        .iter()
        .flat_map(|n| std::iter::once(n.name.as_str()).chain(n.aliases.iter().map(String::as_str)));
    let hint = match config::closest(name, all) {
        Some(c) => format!(" (did you mean {c}?)"),
        None => String::new(),
    };
    let known: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).take(12).collect();
    let more = if nodes.len() > known.len() {
        ", ..."
    } else {
        ""
    };
    Error::Config(format!(
        "--node {name:?}: no such node in the input{hint}; nodes: {}{more}",
        known.join(", ")
    ))
}

/// Refuse `--kind` values that name no event kind (built in, or seen in this input).
fn check_kinds<'a>(
    kinds: &[String],
    events: impl IntoIterator<Item = &'a Event>,
) -> Result<(), Error> {
    let mut known: Vec<&str> = podmortem::events::Kind::BUILTIN
        .iter()
        .map(|k| k.name())
        .collect();
    known.extend(events.into_iter().map(|e| e.kind.name()));
    known.sort_unstable();
    known.dedup();
    for k in kinds {
        let matches = match k.strip_suffix('*') {
            Some(prefix) => known.iter().any(|n| n.starts_with(prefix)),
            None => known.contains(&k.as_str()),
        };
        if !matches {
            let hint = config::closest(k, known.iter().copied())
                .map(|c| format!(" (did you mean {c}?)"))
                .unwrap_or_default();
            return Err(Error::Config(format!(
                "--kind {k:?}: no such event kind{hint}; `kernel.*` selects a family"
            )));
        }
    }
    Ok(())
}

/// When some sources have lines but no wall time (year-less lines with no year clue,
/// typically from stdin), say once on stderr what would place them, and return the
/// same hint for the report's assumptions (issue 15, point 10).
fn time_hint<'a>(
    sources: impl IntoIterator<Item = &'a SourceReport>,
    quiet: bool,
) -> Option<String> {
    let unplaced: Vec<&str> = sources
        .into_iter()
        .filter(|s| {
            s.first.is_none() && s.assumptions.iter().any(|a| a.starts_with("year unknown"))
        })
        .map(|s| s.path.as_str())
        .collect();
    let which = match unplaced.as_slice() {
        [] => return None,
        [one] => one.to_string(),
        [first, rest @ ..] => format!("{first} and {} more sources", rest.len()),
    };
    let hint = format!(
        "{which} had no wall time (year-less lines and no year clue): --year YEAR \
         (with --tz ZONE for local times, or --set-node NAME so a node's dated logs lend \
         their year) would place them on the timeline"
    );
    if !quiet {
        eprintln!("podmortem: note: {hint}");
    }
    Some(hint)
}

/// The run's provenance for every report format.
fn provenance(
    inputs: &[PathBuf],
    filter: &args::FilterArgs,
    time: Option<&args::TimeArgs>,
    plan: &ReportPlan,
    hint: Option<String>,
) -> RunInfo {
    let mut run = RunInfo::current();
    run.inputs = inputs.iter().map(|p| p.display().to_string()).collect();
    let mut flag = |name: &str, value: Option<&str>| {
        if let Some(v) = value {
            run.filters.push(format!("{name} {v}"));
        }
    };
    flag("--since", filter.since.as_deref());
    flag("--until", filter.until.as_deref());
    for n in &filter.nodes {
        flag("--node", Some(n));
    }
    if let Some(m) = plan.filter.min_severity {
        flag("--min-severity", Some(m.name()));
    }
    match time {
        Some(time) => {
            run.time.push(match time.year {
                Some(y) => format!("--year {y}: year-less lines end in {y}"),
                None => "year-less lines take their year from a dated line of the same node or the file's mtime".to_string(),
            });
            run.time.push(match &time.tz {
                Some(z) => format!("--tz {z}: local times read in {z}"),
                None => "local times read in the bundle's etc/timezone, else UTC".to_string(),
            });
            if let Some(b) = &time.boot_time {
                run.time
                    .push(format!("--boot-time {b}: raw dmesg uptimes count from it"));
            }
        }
        None => run.time.push(
            "event times as placed by the `podmortem events` run that wrote the files".to_string(),
        ),
    }
    run.time.push(format!(
        "times shown in {}",
        plan.options.zone.map_or("UTC".to_string(), |z| z.name())
    ));
    run.time.extend(hint);
    run
}

fn kind_matches(kinds: &[String], name: &str) -> bool {
    kinds.is_empty()
        || kinds.iter().any(|k| match k.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => k == name,
        })
}

fn load_signatures(p: &PatternArgs) -> Result<SignatureSet, Error> {
    let mut set = signatures::builtin()?;
    for dir in &p.patterns {
        set = signatures::overlay(set, signatures::load_dir(dir)?);
    }
    Ok(set)
}

/// Collect and scan unit by unit, merged into one output whose soft problems
/// (hostname collisions too) are printed to stderr as `place: message`. Input with no
/// log line at all is an error (exit 2), not a healthy report.
fn scan_merged(
    input_args: &InputArgs,
    input_cfg: &podmortem::input::InputConfig,
    time_cfg: resolve::TimeConfig,
    set: &SignatureSet,
    quiet: bool,
) -> Result<ScanOutput, Error> {
    let out = resolve::merge(scan_inputs(input_args, input_cfg, time_cfg, set, quiet)?);
    report_problems(&out.problems);
    require_lines(&out.sources, &input_args.paths)?;
    Ok(out)
}

/// Collect and scan, resolved unit by unit and left unmerged; the caller prints the
/// soft problems (`report_problems`) and refuses empty input (`require_lines`).
fn scan_inputs(
    input_args: &InputArgs,
    input_cfg: &podmortem::input::InputConfig,
    time_cfg: resolve::TimeConfig,
    set: &SignatureSet,
    quiet: bool,
) -> Result<Vec<UnitOutput>, Error> {
    let custom = signatures::custom_rules(set);
    let slow: Vec<&str> = custom.without_literals().collect();
    if !slow.is_empty() && !quiet {
        eprintln!(
            "podmortem: note: raw rule {} has no literal the prefilter can search for; \
             every line of every source is parsed (slower)",
            slow.join(", ")
        );
    }
    let bar = progress::Bar::start(quiet);
    let cfg = resolve::Config {
        scan: ScanConfig {
            custom,
            progress: Some(bar.progress()),
            ..ScanConfig::default()
        },
        time: time_cfg,
    };
    // Members of compressed archives and stdin are scanned while they are decoded;
    // `--shard` has dropped the other shards' units before anything was opened.
    let scanned = resolve::scan_paths_units(&input_args.paths, input_cfg, &cfg);
    bar.finish();
    let (bundle, units) = scanned?;
    if bundle.sources.is_empty() && !bundle.problems.is_empty() {
        report_problems(&bundle.problems);
        return Err(Error::Input {
            path: input_args.paths.first().cloned().unwrap_or_default(),
            message: "nothing readable was found".to_string(),
        });
    }
    // Unmapping a large bundle is kernel work (~10 ms a quarter GiB): let it run
    // beside correlation and reporting instead of before them.
    std::thread::spawn(move || drop(bundle));
    Ok(units)
}

/// Input with no log line at all is an error (exit 2), not a healthy report.
fn require_lines<'a>(
    sources: impl IntoIterator<Item = &'a SourceReport>,
    paths: &[PathBuf],
) -> Result<(), Error> {
    if sources.into_iter().all(|s| s.lines == 0) {
        let inputs: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(Error::Input {
            path: PathBuf::from(inputs.join(", ")),
            message: "no log lines found (empty input): nothing to report".to_string(),
        });
    }
    Ok(())
}

/// Run a command on a worker pool of `jobs` threads (all cores when `None`), so that
/// scanning, correlation and rendering all honour `--jobs`.
fn with_pool(
    jobs: Option<usize>,
    work: impl FnOnce() -> Result<u8, Error> + Send,
) -> Result<u8, Error> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.unwrap_or(0))
        .build()
        .map_err(|e| Error::Config(format!("cannot start worker threads: {e}")))?;
    pool.install(work)
}

fn report_problems(problems: &[podmortem::Problem]) {
    let mut err = io::stderr().lock();
    for p in problems {
        let _ = writeln!(err, "podmortem: {p}");
    }
}

fn exit_code(tl: &Timeline, fail_on: Option<Severity>) -> u8 {
    match fail_on {
        Some(level) if tl.incidents.iter().any(|i| i.severity >= level) => 1,
        _ => 0,
    }
}

fn use_color(choice: ColorChoice, to_file: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            !to_file
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && io::stdout().is_terminal()
        }
    }
}

fn report_options(o: &OutputArgs, global: &args::GlobalArgs) -> Result<ReportOptions, Error> {
    Ok(ReportOptions {
        color: use_color(global.color, o.output.is_some()),
        width: terminal_width(),
        zone: o
            .display_tz
            .as_deref()
            .map(|z| {
                report::DisplayZone::parse(z)
                    .map_err(|e| Error::Config(format!("bad --display-tz {z:?}: {e}")))
            })
            .transpose()?,
        ..ReportOptions::default()
    })
}

/// Width to lay text out in: `COLUMNS` when set, else the terminal's, else 100.
fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .or_else(|| {
            console::Term::stdout()
                .size_checked()
                .map(|(_, cols)| usize::from(cols))
        })
        .filter(|w: &usize| *w >= 40)
        .unwrap_or(100)
}

/// Where a command writes. A file is created before any input is read, so an
/// unwritable `-o` fails at once instead of after a long scan; if the run then fails,
/// the empty file is removed again.
enum Sink {
    Stdout,
    File { path: PathBuf, file: Option<File> },
}

impl Sink {
    /// Open `--output` (refusing to write over or inside an input), or stdout.
    fn open(o: &OutputArgs, inputs: &[PathBuf]) -> Result<Sink, Error> {
        let Some(path) = &o.output else {
            return Ok(Sink::Stdout);
        };
        refuse_inside_inputs(path, inputs)?;
        let file = File::create(path).map_err(|e| Error::Input {
            path: path.clone(),
            message: format!("cannot create output file: {e}"),
        })?;
        Ok(Sink::File {
            path: path.clone(),
            file: Some(file),
        })
    }

    /// Run the command; on failure remove the output file it never filled.
    fn run(mut self, work: impl FnOnce(&mut Sink) -> Result<u8, Error>) -> Result<u8, Error> {
        let result = work(&mut self);
        if result.is_err()
            && let Sink::File { path, file } = &mut self
            && file.is_some()
        {
            let _ = std::fs::remove_file(path);
        }
        result
    }

    /// Write the output. A file is written once (a later call writes nothing) and, once
    /// written, kept even if the command fails afterwards.
    fn write(&mut self, f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), Error> {
        match self {
            Sink::Stdout => {
                let stdout = io::stdout();
                let mut w = BufWriter::new(stdout.lock());
                f(&mut w).and_then(|()| w.flush())?;
            }
            Sink::File { file, .. } => {
                let Some(file) = file.take() else {
                    return Ok(());
                };
                let mut w = BufWriter::new(file);
                f(&mut w)?;
                w.flush()?;
            }
        }
        Ok(())
    }
}

fn refuse_inside_inputs(out: &Path, inputs: &[PathBuf]) -> Result<(), Error> {
    let out_abs = absolute(out);
    for input in inputs {
        if input.as_os_str() == "-" {
            continue;
        }
        let in_abs = absolute(input);
        if out_abs.starts_with(&in_abs) {
            return Err(Error::Input {
                path: out.to_path_buf(),
                message: format!(
                    "refusing to write inside the input {}: podmortem never writes to its inputs",
                    input.display()
                ),
            });
        }
    }
    Ok(())
}

fn absolute(p: &Path) -> PathBuf {
    if let Ok(c) = p.canonicalize() {
        return c;
    }
    // The output file may not exist yet: canonicalize its directory.
    match (p.parent(), p.file_name()) {
        (Some(dir), Some(name)) => {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            dir.canonicalize()
                .map(|d| d.join(name))
                .unwrap_or_else(|_| p.to_path_buf())
        }
        _ => p.to_path_buf(),
    }
}

/// `events --format text`: one line per event.
fn write_events(events: &[&Event], color: bool, w: &mut dyn Write) -> io::Result<()> {
    for e in events {
        let time = e.time.map_or_else(
            || {
                e.uptime_us.get().map_or("-".to_string(), |u| {
                    format!("[{}.{:06}]", u / 1_000_000, u % 1_000_000)
                })
            },
            |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        );
        let fields = serde_json::to_string(&e.fields).unwrap_or_default();
        let kind = if color {
            format!("\x1b[1m{}\x1b[0m", e.kind)
        } else {
            e.kind.to_string()
        };
        writeln!(
            w,
            "{time} {node} {kind} {fields} {src}:{line}",
            node = e.node,
            src = report::escape::terminal(&e.source),
            line = e.line
        )?;
    }
    Ok(())
}

/// Read `events --format jsonl` streams (`-` is stdin) into their units.
fn read_streams(files: &[PathBuf]) -> Result<Vec<UnitOutput>, Error> {
    let mut reading = resolve::jsonl::Reading::default();
    for path in files {
        let read = if path.as_os_str() == "-" {
            resolve::jsonl::read(BufReader::new(io::stdin()), &mut reading)
        } else {
            let file = File::open(path).map_err(|e| Error::Input {
                path: path.clone(),
                message: format!("cannot open: {e}"),
            })?;
            resolve::jsonl::read_file(file, &mut reading)
        };
        read.map_err(|e| Error::Input {
            path: path.clone(),
            message: match e.line {
                0 => e.message,
                n => format!("line {n}: {}", e.message),
            },
        })?;
    }
    Ok(reading.finish())
}

fn signatures_command(cmd: SignaturesCommand) -> Result<u8, Error> {
    let mut out = io::stdout().lock();
    match cmd {
        SignaturesCommand::List(p) => {
            let set = load_signatures(&p)?;
            for s in set.signatures() {
                writeln!(out, "{:<32} {:<9} {}", s.id, s.severity.name(), s.title)?;
            }
            Ok(0)
        }
        SignaturesCommand::Show { id, patterns } => {
            let set = load_signatures(&patterns)?;
            match set.get(&id).and_then(signatures::source_text) {
                Some(text) => {
                    out.write_all(text.as_bytes())?;
                    Ok(0)
                }
                None => Err(Error::Config(format!(
                    "no signature with id {id:?} (see `podmortem signatures list`)"
                ))),
            }
        }
        SignaturesCommand::Validate { dir } => {
            let diags = match &dir {
                Some(d) => signatures::validate_dir(d),
                None => signatures::validate_builtin(),
            };
            for d in &diags {
                writeln!(out, "{d}")?;
            }
            if diags.is_empty() {
                writeln!(out, "ok")?;
                Ok(0)
            } else {
                Ok(2)
            }
        }
        SignaturesCommand::Test(p) => {
            let set = load_signatures(&p)?;
            let results = podmortem::selftest::run_examples_scanned(&set);
            let failed = results.iter().filter(|r| !r.passed).count();
            for r in &results {
                writeln!(out, "{r}")?;
            }
            writeln!(out, "{} passed, {} failed", results.len() - failed, failed)?;
            Ok(if failed == 0 { 0 } else { 1 })
        }
    }
}
