//! The command line: parse flags (`args`), validate them (`config`), run the library,
//! print. The only layer that prints or reads arguments.

pub mod args;
pub mod config;
mod progress;

use chrono::{DateTime, Utc};
use clap::CommandFactory;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use args::{
    Cli, ColorChoice, Command, EventFormat, InputArgs, ListFormat, OutputArgs, PatternArgs,
    ScanFormat, SignaturesCommand,
};
use podmortem::correlate;
use podmortem::events::Event;
use podmortem::report::{self, ReportFormat, ReportOptions};
use podmortem::scan::{self, ScanConfig, UnitOutput};
use podmortem::signatures::{self, Severity, SignatureSet};
use podmortem::timeline::{Filter, Timeline};
use podmortem::{Error, input};

/// Exit status: 0 ran and nothing at or above `--fail-on`; 1 findings at or above it;
/// 2 usage or input errors that stopped the run.
pub fn run(cli: Cli) -> Result<u8, Error> {
    match cli.command {
        Command::Scan(a) => with_pool(a.input.jobs, || {
            let set = load_signatures(&a.patterns)?;
            let out = scan::merge(scan_inputs(
                &a.input,
                &input_config(&a.input)?,
                &a.time,
                &set,
            )?);
            report_problems(&out.problems);
            let correlation = correlate::correlate(&out.events, &set);
            let mut tl = Timeline::new(out, correlation);
            let filter = filter(&a.filter, a.report.min_severity.map(config::severity), &tl)?;
            tl.apply(&filter);
            let code = exit_code(&tl, a.report.fail_on.map(config::severity));
            write_report(&tl, a.report.format, &a.output, &a.input.paths)?;
            Ok(code)
        }),
        Command::Sources(a) => with_pool(a.input.jobs, || {
            let set = SignatureSet::default();
            let out = scan::merge(scan_inputs(
                &a.input,
                &input_config(&a.input)?,
                &a.time,
                &set,
            )?);
            report_problems(&out.problems);
            let format = match a.format {
                ListFormat::Text => ReportFormat::Text,
                ListFormat::Json => ReportFormat::Json,
            };
            let opts = report_options(&a.output)?;
            with_output(&a.output, &a.input.paths, |w| {
                report::render_sources(&out.sources, &out.nodes, &out.problems, format, &opts, w)
            })?;
            Ok(0)
        }),
        Command::Events(a) => with_pool(a.input.jobs, || {
            let set = load_signatures(&a.patterns)?;
            let mut input_cfg = input_config(&a.input)?;
            input_cfg.shard = a.shard.as_deref().map(config::shard).transpose()?;
            input_cfg.stdin_name = a.source_name.clone();
            let units = scan_inputs(&a.input, &input_cfg, &a.time, &set)?;
            let mut problems: Vec<podmortem::Problem> =
                units.iter().flat_map(|u| u.problems.clone()).collect();
            problems.sort_by(|a, b| a.source.cmp(&b.source).then(a.message.cmp(&b.message)));
            problems.dedup();
            report_problems(&problems);
            let all: Vec<&Event> = scan::sort_events_ref(units.iter().flat_map(|u| &u.events));
            let last = all.iter().filter_map(|e| e.time).max();
            let f = filter(&a.filter, None, &Timeline::empty_with_last(last))?;
            let events: Vec<&Event> = all
                .into_iter()
                .filter(|e| f.keeps_event(e))
                .filter(|e| kind_matches(&a.kinds, e.kind.name()))
                .collect();
            let color = use_color(a.output.color, a.output.output.is_some());
            with_output(&a.output, &a.input.paths, |w| match a.format {
                EventFormat::Jsonl => scan::jsonl::write(&units, events, a.shard.clone(), w),
                EventFormat::Text => write_events(&events, color, w),
            })?;
            Ok(0)
        }),
        Command::Correlate(a) => {
            let set = load_signatures(&a.patterns)?;
            let out = scan::merge(read_streams(&a.files)?);
            let correlation = correlate::correlate(&out.events, &set);
            let mut tl = Timeline::new(out, correlation);
            let filter = filter(&a.filter, a.report.min_severity.map(config::severity), &tl)?;
            tl.apply(&filter);
            let code = exit_code(&tl, a.report.fail_on.map(config::severity));
            write_report(&tl, a.report.format, &a.output, &a.files)?;
            Ok(code)
        }
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
        Command::Man => {
            clap_mangen::Man::new(Cli::command()).render(&mut io::stdout())?;
            Ok(0)
        }
    }
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

fn input_config(input_args: &InputArgs) -> Result<input::InputConfig, Error> {
    config::input(input_args)
}

/// Collect and scan unit by unit; the caller prints the soft problems (`report_problems`).
fn scan_inputs(
    input_args: &InputArgs,
    input_cfg: &input::InputConfig,
    time: &args::TimeArgs,
    set: &SignatureSet,
) -> Result<Vec<UnitOutput>, Error> {
    let time_cfg = config::time(time)?;
    {
        let bundle = input::collect(&input_args.paths, input_cfg)?;
        if bundle.sources.is_empty() && !bundle.problems.is_empty() {
            report_problems(&bundle.problems);
            return Err(Error::Input {
                path: input_args.paths.first().cloned().unwrap_or_default(),
                message: "nothing readable was found".to_string(),
            });
        }
        let custom = signatures::custom_rules(set);
        let slow: Vec<&str> = custom.without_literals().collect();
        if !slow.is_empty() {
            eprintln!(
                "podmortem: note: raw rule {} has no literal the prefilter can search for; \
                 every line of every source is parsed (slower)",
                slow.join(", ")
            );
        }
        let total: u64 = bundle.sources.iter().map(|s| s.data.len() as u64).sum();
        let bar = progress::Bar::start(total, input_args.quiet);
        let cfg = ScanConfig {
            time: time_cfg,
            custom,
            progress: Some(bar.counter()),
            ..ScanConfig::default()
        };
        let out = scan::scan_units(&bundle, &cfg);
        // Unmapping a large bundle is kernel work (~10 ms a quarter GiB): let it run
        // beside correlation and reporting instead of before them.
        std::thread::spawn(move || drop(bundle));
        bar.finish();
        Ok(out)
    }
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

fn filter(args: &args::FilterArgs, min: Option<Severity>, tl: &Timeline) -> Result<Filter, Error> {
    let last = tl.last_time();
    Ok(Filter {
        since: args
            .since
            .as_deref()
            .map(|s| config::when(s, last))
            .transpose()?,
        until: args
            .until
            .as_deref()
            .map(|s| config::when(s, last))
            .transpose()?,
        nodes: args.nodes.clone(),
        min_severity: min,
    })
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

fn report_options(o: &OutputArgs) -> Result<ReportOptions, Error> {
    Ok(ReportOptions {
        color: use_color(o.color, o.output.is_some()),
        width: terminal_width(),
        zone: o
            .display_tz
            .as_deref()
            .map(|z| {
                report::DisplayZone::parse(z).ok_or_else(|| {
                    Error::Config(format!(
                        "bad --display-tz {z:?}: use an IANA name or an offset"
                    ))
                })
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

fn write_report(
    tl: &Timeline,
    format: ScanFormat,
    o: &OutputArgs,
    inputs: &[PathBuf],
) -> Result<(), Error> {
    let format = match format {
        ScanFormat::Text => ReportFormat::Text,
        ScanFormat::Json => ReportFormat::Json,
        ScanFormat::Md => ReportFormat::Markdown,
        ScanFormat::Html => ReportFormat::Html,
    };
    let opts = report_options(o)?;
    with_output(o, inputs, |w| report::render(tl, format, &opts, w))
}

/// Run `f` on stdout or `--output FILE`, refusing to write over or inside an input.
fn with_output(
    o: &OutputArgs,
    inputs: &[PathBuf],
    f: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Error> {
    match &o.output {
        Some(path) => {
            refuse_inside_inputs(path, inputs)?;
            let file = File::create(path).map_err(|e| Error::Input {
                path: path.clone(),
                message: format!("cannot create output file: {e}"),
            })?;
            let mut w = BufWriter::new(file);
            f(&mut w)?;
            w.flush()?;
            Ok(())
        }
        None => {
            let stdout = io::stdout();
            let mut w = BufWriter::new(stdout.lock());
            f(&mut w).and_then(|()| w.flush())?;
            Ok(())
        }
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
                e.uptime_us.map_or("-".to_string(), |u| {
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
    let mut reading = scan::jsonl::Reading::default();
    for path in files {
        let reader: Box<dyn BufRead> = if path.as_os_str() == "-" {
            Box::new(BufReader::new(io::stdin()))
        } else {
            Box::new(BufReader::new(File::open(path).map_err(|e| {
                Error::Input {
                    path: path.clone(),
                    message: format!("cannot open: {e}"),
                }
            })?))
        };
        scan::jsonl::read(reader, &mut reading).map_err(|e| Error::Input {
            path: path.clone(),
            message: format!("line {}: {}", e.line, e.message),
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
            let results = signatures::run_examples_scanned(&set);
            let failed = results.iter().filter(|r| !r.passed).count();
            for r in &results {
                writeln!(out, "{r}")?;
            }
            writeln!(out, "{} passed, {} failed", results.len() - failed, failed)?;
            Ok(if failed == 0 { 0 } else { 1 })
        }
    }
}
