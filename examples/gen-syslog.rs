//! Deterministic generator of large, realistic syslog dumps with known incidents, for
//! benchmarks and end-to-end tests of podmortem.
//!
//! ```text
//! cargo run --release --example gen-syslog -- --size 1GiB --density 1e-4 --seed 7 \
//!     --out dump.log [--truth truth.json] [--format rfc3164|rfc3339] [--year 2018] \
//!     [--profile sparse|realistic]
//! ```
//!
//! `--profile realistic` adds K8s chatter (4% of lines) the grammars must parse:
//! kubelet container kills and probe failures, containerd task events, felix
//! interface changes and BIRD state changes, as a busy cluster writes them.
//!
//! Writes RFC 3164 (or RFC 3339) syslog from 16 hosts: kernel, kubelet (klog text and
//! structured), dockerd/containerd (logrus), calico felix and BIRD, cron, sshd, systemd.
//! `--density` is the fraction of lines a forensics tool would parse. Incidents of the seed
//! kinds (and an OOM storm and hung tasks) are injected on known hosts at known times and
//! described by `--truth`; every other interesting line is a lone one that forms no incident.
//! Times are UTC, start at `<year>-06-14T00:00:00Z` and never decrease. Only std is used.

#[path = "gen_syslog/chatter.rs"]
mod chatter;
#[path = "gen_syslog/clock.rs"]
mod clock;
#[path = "gen_syslog/hosts.rs"]
mod hosts;
#[path = "gen_syslog/incidents.rs"]
mod incidents;
#[path = "gen_syslog/line.rs"]
mod line;
#[path = "gen_syslog/noise.rs"]
mod noise;
#[path = "gen_syslog/rng.rs"]
mod rng;
#[path = "gen_syslog/singles.rs"]
mod singles;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

use incidents::{Body, Plan};
use line::{Format, Line};
use rng::Rng;

/// Mean length of a generated line, used to size the time span before writing.
const MEAN_LINE: u64 = 165;
/// A host shows one single of a kind at most this often (µs of log time).
const PAIR_GAP_US: i64 = 1_800_000_000;
/// The whole cluster shows one single of a kind at most this often (µs of log time).
const KIND_GAP_US: i64 = 120_000_000;

struct Args {
    size: u64,
    density: f64,
    seed: u64,
    out: String,
    truth: Option<String>,
    format: Format,
    year: i64,
    profile: Profile,
}

/// What the ordinary lines look like.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Profile {
    /// Quiet nodes: almost nothing but lines to skip.
    Sparse,
    /// Busy nodes: [`chatter::SHARE`] of lines are K8s chatter to parse.
    Realistic,
}

fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult: f64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kib" => 1024.0,
        "m" | "mib" => 1024.0 * 1024.0,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        _ => return None,
    };
    (n >= 0.0).then_some((n * mult) as u64)
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        size: 64 << 20,
        density: 1e-4,
        seed: 7,
        out: String::new(),
        truth: None,
        format: Format::Rfc3164,
        year: 2018,
        profile: Profile::Sparse,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--size" => args.size = parse_size(&value()?).ok_or("bad --size (e.g. 1GiB, 256MiB, 50MB)")?,
            "--density" => args.density = value()?.parse().map_err(|_| "bad --density (e.g. 1e-4)")?,
            "--seed" => args.seed = value()?.parse().map_err(|_| "bad --seed")?,
            "--out" => args.out = value()?,
            "--truth" => args.truth = Some(value()?),
            "--year" => args.year = value()?.parse().map_err(|_| "bad --year")?,
            "--format" => {
                args.format = match value()?.as_str() {
                    "rfc3164" => Format::Rfc3164,
                    "rfc3339" => Format::Rfc3339,
                    other => return Err(format!("unknown --format {other} (rfc3164, rfc3339)")),
                }
            }
            "--profile" => {
                args.profile = match value()?.as_str() {
                    "sparse" => Profile::Sparse,
                    "realistic" => Profile::Realistic,
                    other => return Err(format!("unknown --profile {other} (sparse, realistic)")),
                }
            }
            "-h" | "--help" => return Err("usage: gen-syslog --size 1GiB --density 1e-4 --seed 7 --out FILE [--truth FILE.json] [--format rfc3164|rfc3339] [--year 2018] [--profile sparse|realistic]".into()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.out.is_empty() {
        return Err("--out FILE is required".into());
    }
    if !(0.0..=0.5).contains(&args.density) {
        return Err("--density must be within 0..=0.5".into());
    }
    Ok(args)
}

/// Per-line mean time step: 10 ms, or longer when singles need room to stay apart.
fn step_us(est_lines: u64, density: f64) -> i64 {
    let singles = est_lines as f64 * density;
    let per_kind = singles / singles::KINDS as f64 * KIND_GAP_US as f64;
    let per_pair = singles / (singles::KINDS * hosts::HOSTS) as f64 * PAIR_GAP_US as f64;
    let needed = per_kind.max(per_pair) * 1.3 / est_lines.max(1) as f64;
    (needed as i64).max(10_000)
}

struct Singles {
    last_pair: Vec<i64>,
    last_kind: Vec<i64>,
}

impl Singles {
    /// A (host, kind) that may get a single at `t`, if any.
    fn pick(&self, rng: &mut Rng, t: i64, plan: &Plan, host: usize) -> Option<usize> {
        if plan
            .busy
            .iter()
            .any(|&(h, from, to)| h == host && (from..=to).contains(&t))
        {
            return None;
        }
        let first = rng.below(singles::KINDS as u64) as usize;
        (0..singles::KINDS)
            .map(|k| (first + k) % singles::KINDS)
            .find(|&k| {
                t - self.last_kind[k] >= KIND_GAP_US
                    && t - self.last_pair[host * singles::KINDS + k] >= PAIR_GAP_US
            })
    }
}

fn write_injection(line: &mut Line, cluster: &mut [hosts::Host], inj: &incidents::Inj) {
    let host = &mut cluster[inj.host];
    let t = inj.t_us;
    match &inj.body {
        Body::Kernel(msg) => {
            line.kernel(t, host);
            line.push(msg);
        }
        Body::Klog {
            sev,
            file_line,
            msg,
        } => {
            line.klog(t, host, *sev, file_line);
            line.push(msg);
        }
        Body::Logrus { tag, level, value } => {
            let pid = if *tag == "dockerd" {
                host.dockerd
            } else {
                host.containerd
            };
            line.logrus(t, host, tag, pid, level);
            line.push(value);
        }
        Body::Felix {
            level,
            file,
            line: l,
            msg,
        } => {
            line.felix(t, host, level, file, *l);
            line.push(msg);
        }
        Body::Bird(msg) => {
            line.bird(t, host);
            line.push(msg);
        }
        Body::Plain { tag, pid, msg } => {
            line.start(t, host, tag, *pid);
            line.push(msg);
        }
        Body::Reboot => {
            host.boot_us = t - 9_312_411;
            line.kernel(t, host);
            line.buf.truncate(line.buf.len() - "[    9.312411] ".len());
            line.push("[    0.000000] ");
            line.push(host.kernel);
        }
        Body::Rename { pid, fqdn } => {
            line.start(t, host, "systemd-hostnamed", *pid);
            line.push("Changed host name to '");
            line.push(fqdn);
            line.push("'");
            host.name = hosts::short_name(fqdn).to_string();
        }
    }
    line.finish();
}

fn write_truth(path: &str, plan: &Plan) -> std::io::Result<()> {
    let mut out = String::from("{\"incidents\":[\n");
    for (i, t) in plan.truth.iter().enumerate() {
        let nodes: Vec<String> = t.nodes.iter().map(|n| format!("\"{n}\"")).collect();
        out.push_str(&format!(
            "  {{\"signature\":\"{}\",\"nodes\":[{}],\"start\":\"{}\",\"end\":\"{}\"}}{}\n",
            t.signature,
            nodes.join(","),
            clock::rfc3339_seconds(t.start.unwrap_or(0)),
            clock::rfc3339_seconds(t.end.unwrap_or(0)),
            if i + 1 < plan.truth.len() { "," } else { "" }
        ));
    }
    out.push_str("]}\n");
    std::fs::write(path, out)
}

fn run(args: &Args) -> std::io::Result<(u64, u64, u64)> {
    let mut rng = Rng::new(args.seed);
    let start_us = clock::days_from_civil(args.year, 6, 14) * 86_400_000_000;
    let est_lines = args.size / MEAN_LINE;
    let step = step_us(est_lines, args.density);
    let span_us = est_lines as i64 * step;
    let mut cluster = hosts::cluster(&mut rng, start_us);
    let mut plan = incidents::plan(&mut rng, &cluster, start_us, span_us);
    let injected = plan.injs.len() as f64;
    let p_single =
        ((args.density * est_lines as f64 - injected) / est_lines.max(1) as f64).max(0.0);

    let mut out = BufWriter::with_capacity(8 << 20, File::create(&args.out)?);
    let mut line = Line {
        buf: Vec::with_capacity(4096),
        format: args.format,
        civil: clock::civil(start_us),
        t_us: start_us,
    };
    let mut prev: Vec<u8> = Vec::with_capacity(4096);
    let mut singles_state = Singles {
        last_pair: vec![i64::MIN / 2; hosts::HOSTS * singles::KINDS],
        last_kind: vec![i64::MIN / 2; singles::KINDS],
    };
    let (mut written, mut lines, mut interesting) = (0u64, 0u64, 0u64);
    let mut t = start_us;
    let mut next = 0usize;
    while written < args.size || next < plan.injs.len() {
        t += rng.below(2 * step as u64 + 1) as i64;
        while let Some(inj) = plan.injs.get(next).filter(|i| i.t_us <= t) {
            write_injection(&mut line, &mut cluster, inj);
            let truth = &mut plan.truth[inj.incident];
            truth.start = Some(truth.start.map_or(inj.t_us, |s| s.min(inj.t_us)));
            truth.end = Some(truth.end.map_or(inj.t_us, |e| e.max(inj.t_us)));
            out.write_all(&line.buf)?;
            written += line.buf.len() as u64;
            lines += 1;
            interesting += 1;
            next += 1;
            std::mem::swap(&mut prev, &mut line.buf);
        }
        let mut host = rng.below(hosts::HOSTS as u64) as usize;
        if plan
            .down
            .iter()
            .any(|d| d.host == host && (d.from..=d.to).contains(&t))
        {
            continue;
        }
        let mut single = None;
        if rng.chance(p_single) {
            // a few hosts are tried so that the gap rules cost little of the requested density
            for _ in 0..4 {
                let candidate = rng.below(hosts::HOSTS as u64) as usize;
                if plan
                    .down
                    .iter()
                    .any(|d| d.host == candidate && (d.from..=d.to).contains(&t))
                {
                    continue;
                }
                if let Some(kind) = singles_state.pick(&mut rng, t, &plan, candidate) {
                    host = candidate;
                    single = Some(kind);
                    break;
                }
            }
        }
        let n = match single {
            Some(kind) => {
                singles_state.last_kind[kind] = t;
                singles_state.last_pair[host * singles::KINDS + kind] = t;
                let n = singles::write(&mut rng, &mut line, &cluster[host], t, kind);
                interesting += n;
                n
            }
            None if args.profile == Profile::Realistic && rng.chance(chatter::SHARE) => {
                chatter::write(&mut rng, &mut line, &cluster[host], t);
                1
            }
            None => {
                noise::write(&mut rng, &mut line, &cluster[host], t);
                while line.buf == prev[..prev.len().saturating_sub(1)] {
                    noise::write(&mut rng, &mut line, &cluster[host], t);
                }
                1
            }
        };
        line.finish();
        out.write_all(&line.buf)?;
        written += line.buf.len() as u64;
        lines += n;
        std::mem::swap(&mut prev, &mut line.buf);
    }
    out.flush()?;
    if let Some(path) = &args.truth {
        write_truth(path, &plan)?;
    }
    Ok((written, lines, interesting))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("gen-syslog: {e}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    match run(&args) {
        Ok((bytes, lines, interesting)) => {
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "gen-syslog: {bytes} bytes, {lines} lines, {interesting} interesting ({:.2e}), {:.1} s, {:.0} MB/s",
                interesting as f64 / lines.max(1) as f64,
                secs,
                bytes as f64 / 1e6 / secs.max(1e-9)
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen-syslog: {}: {e}", args.out);
            ExitCode::from(1)
        }
    }
}
