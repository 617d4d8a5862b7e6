//! The pipeline plan of `src/lib.rs`, enforced: a module only uses the modules to its
//! left (issue #14). Reads every `crate::<module>` path in `src/<module>/**.rs` outside
//! `#[cfg(test)]` sections and fails, naming file and line, when one reaches to its right.

use std::fs;
use std::path::{Path, PathBuf};

/// The layers, left to right. `error` is a leaf every layer may use; `cli` sits on top.
/// Modules in one inner slice are side by side and may not use each other.
const LAYERS: &[&[&str]] = &[
    &["error"],
    &["input"],
    &["envelope"],
    &["events"],
    &["scan"],
    &["resolve"],
    &["signatures"],
    &["correlate"],
    &["selftest"],
    &["timeline"],
    &["report"],
    &["cli"],
];

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The module names a line refers to as `crate::name`.
fn crate_paths(line: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        let tail = &rest[at + "crate::".len()..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        found.push(&tail[..end]);
        rest = &tail[end..];
    }
    found
}

/// Lines of `text` outside test-only code: everything from a `#[cfg(test)]` attribute
/// to the end of the file is skipped (the crate keeps unit tests at the bottom).
fn production_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .take_while(|(_, line)| line.trim() != "#[cfg(test)]")
        .filter(|(_, line)| {
            let t = line.trim_start();
            !t.starts_with("//")
        })
}

fn violations(src: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for layer in LAYERS {
        for &module in *layer {
            let here = rank(module).expect("listed");
            let mut files = Vec::new();
            let dir = src.join(module);
            if dir.is_dir() {
                rust_files(&dir, &mut files);
            } else {
                files.push(src.join(format!("{module}.rs")));
            }
            for file in files {
                let text = fs::read_to_string(&file).unwrap_or_default();
                for (n, line) in production_lines(&text) {
                    for target in crate_paths(line) {
                        let Some(there) = rank(target) else { continue };
                        if there > here || (there == here && target != module) {
                            found.push(format!(
                                "{}:{}: `{module}` uses `{target}`, which is not to its left",
                                file.display(),
                                n + 1
                            ));
                        }
                    }
                }
            }
        }
    }
    found
}

#[test]
fn every_module_of_lib_rs_has_a_place_in_the_plan() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = fs::read_to_string(src.join("lib.rs")).expect("src/lib.rs");
    let declared: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';'))
        .collect();
    assert!(!declared.is_empty(), "no `pub mod` in src/lib.rs");
    for module in &declared {
        assert!(
            rank(module).is_some(),
            "module `{module}` of src/lib.rs has no layer in tests/layering.rs"
        );
    }
}

#[test]
fn no_module_reaches_to_its_right() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    assert!(
        found.is_empty(),
        "{} import(s) against the pipeline order:\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn the_checker_sees_a_rightward_import() {
    // A fixture tree: `events` using `report` must be reported.
    let dir = tempfile::tempdir().expect("temp dir");
    let events = dir.path().join("events");
    fs::create_dir_all(&events).expect("mkdir");
    fs::write(
        events.join("mod.rs"),
        "use crate::input::Location;\nuse crate::report::render;\n#[cfg(test)]\nmod tests { use crate::cli::run; }\n",
    )
    .expect("write");
    let found = violations(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("mod.rs:2"), "{found:?}");
    assert!(found[0].contains("`events` uses `report`"), "{found:?}");
}
