//! How the two-level prefilter behaves on a file: the anchors it picks, how often
//! each level hits, and its single-thread speed against the plain needle automaton.
//!
//! `cargo run --release --example prefilter-probe -- FILE`

use std::time::Instant;

use podmortem::scan::{Prefilter, ScanConfig, prefilter};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: prefilter-probe FILE");
        std::process::exit(2);
    };
    let data = match std::fs::read(&path) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    let base = prefilter(&ScanConfig::default());
    let head = data.get(..data.len().min(256 << 10)).unwrap_or(&data);
    let t = Instant::now();
    let tuned = base.tuned(head);
    println!("tuning took {:.2} ms", t.elapsed().as_secs_f64() * 1e3);
    let plain = Prefilter::plain(base.needles());
    for (name, p) in [("plain", &plain), ("generic", &base), ("tuned", &tuned)] {
        let anchors: Vec<String> = p
            .anchors()
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let start = Instant::now();
        let mut hits = 0u64;
        let mut from = 0;
        while let Some(at) = p.find_from(&data, from) {
            hits += 1;
            from = memchr::memchr(b'\n', &data[at..]).map_or(data.len(), |i| at + i + 1);
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{name:8} {} needles, {} anchors ({}), {hits} needle lines, {secs:.3} s, {:.2} GB/s",
            p.needles().len(),
            anchors.len(),
            p.first_level(),
            data.len() as f64 / secs / 1e9
        );
        if !anchors.is_empty() {
            println!("         anchors: {anchors:?}");
        }
    }
}
