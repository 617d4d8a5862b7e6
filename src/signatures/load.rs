//! Loading signature sets: the built-in files embedded at build time, a user
//! directory, and the overlay of one on the other (by id).
//!
//! Loading is all or nothing: every file is parsed and compiled, every problem is
//! collected as a [`Diagnostic`], and only a set without problems is returned.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::signatures::compile::{FileText, SetInfo, compile};
use crate::signatures::raw::{self, RawFile};
use crate::signatures::{Diagnostic, Signature, SignatureSet};

macro_rules! embedded {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $path)))),*]
    };
}

/// The shipped signature files as `(path, text)`. A test checks this list against
/// the `patterns/` directory, so a file added there and forgotten here fails CI.
pub const BUILTIN_FILES: &[(&str, &str)] = embedded!(
    "patterns/calico/hostname-change-calico.toml",
    "patterns/calico/nofile-exhaustion.toml",
    "patterns/docker/devicemapper-disk-exhaustion.toml",
    "patterns/kernel/arp-neighbour-overflow.toml",
    "patterns/kernel/conntrack-table-full.toml",
    "patterns/kernel/disk-io-errors.toml",
    "patterns/kernel/fs-readonly.toml",
    "patterns/kernel/hung-tasks.toml",
    "patterns/kernel/kernel-panic.toml",
    "patterns/kernel/memcg-oom-workload.toml",
    "patterns/kernel/nic-driver-reset.toml",
    "patterns/kernel/oom-kill-storm.toml",
    "patterns/kernel/overlay-storage-error.toml",
    "patterns/kernel/rcu-stall.toml",
    "patterns/kernel/slub-kmem-cgroup-leak.toml",
    "patterns/kernel/soft-lockup.toml",
    "patterns/kernel/unexpected-reboot.toml",
    "patterns/kernel/unregister-netdevice-hang.toml",
    "patterns/kernel/xfs-shutdown.toml",
    "patterns/kubelet/cni-not-ready.toml",
    "patterns/kubelet/critical-pod-evicted.toml",
    "patterns/kubelet/disk-pressure-evictions.toml",
    "patterns/kubelet/image-gc-failure.toml",
    "patterns/kubelet/kubelet-cert-expiry.toml",
    "patterns/kubelet/memory-pressure-evictions.toml",
    "patterns/kubelet/node-identity-mismatch.toml",
    "patterns/kubelet/node-notready-apiserver-unreachable.toml",
    "patterns/kubelet/pleg-unhealthy.toml",
    "patterns/kubelet/probe-failures.toml",
    "patterns/network/cni-ip-exhaustion.toml",
    "patterns/network/kube-proxy-xtables-lock.toml",
    "patterns/node/clock-skew.toml",
    "patterns/node/inotify-exhaustion.toml",
    "patterns/node/pid-exhaustion.toml",
    "patterns/runtime/container-runtime-hang.toml",
    "patterns/runtime/containerd-task-oom.toml",
    "patterns/runtime/sandbox-name-reserved.toml",
);

/// One signature file to load.
struct SourceFile {
    /// Display path: diagnostics and [`Signature::origin`] name the file by it.
    path: String,
    /// File name without `.toml`: the id it must declare.
    stem: String,
    /// The file's text, kept for diagnostics with line and column.
    text: String,
}

fn stem_of(path: &str) -> String {
    Path::new(path)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn builtin_ids() -> BTreeSet<String> {
    BUILTIN_FILES.iter().map(|(p, _)| stem_of(p)).collect()
}

/// The shipped signature files, as loaded.
fn builtin_files() -> Vec<SourceFile> {
    BUILTIN_FILES
        .iter()
        .map(|(path, text)| SourceFile {
            path: path.to_string(),
            stem: stem_of(path),
            text: text.to_string(),
        })
        .collect()
}

/// The shipped signatures. Fails only if a shipped file is broken (a bug, caught by tests).
pub fn builtin() -> Result<SignatureSet, Error> {
    into_result(load_files(builtin_files(), &BTreeSet::new()))
}

/// Every `*.toml` file under `dir` (recursively), as a set. Signatures may refer to
/// built-in ids (`caused_by`, `suppressed_by`), since user sets overlay the built-in one.
pub fn load_dir(dir: &Path) -> Result<SignatureSet, Error> {
    let (files, mut diags) = read_dir(dir);
    let (set, more) = load_files(files, &builtin_ids());
    diags.extend(more);
    into_result((set, diags))
}

/// Every problem in the signature files under `dir`, sorted by file and position.
pub fn validate_dir(dir: &Path) -> Vec<Diagnostic> {
    let (files, mut diags) = read_dir(dir);
    diags.extend(load_files(files, &builtin_ids()).1);
    diags.sort();
    diags
}

/// `base` with every signature of `over` added, replacing those with the same id.
pub fn overlay(base: SignatureSet, over: SignatureSet) -> SignatureSet {
    let mut all: Vec<Signature> = base.signatures().to_vec();
    all.extend(over.signatures().iter().cloned());
    SignatureSet::new(all)
}

fn into_result((set, diags): (SignatureSet, Vec<Diagnostic>)) -> Result<SignatureSet, Error> {
    if diags.is_empty() {
        Ok(set)
    } else {
        let mut diags = diags;
        diags.sort();
        Err(Error::Signatures(
            diags.iter().map(|d| d.to_string()).collect(),
        ))
    }
}

fn read_dir(dir: &Path) -> (Vec<SourceFile>, Vec<Diagnostic>) {
    let mut paths = Vec::new();
    let mut diags = Vec::new();
    walk(dir, &mut paths, &mut diags);
    paths.sort();
    let mut files = Vec::new();
    for path in paths {
        let display = path.display().to_string();
        match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => files.push(SourceFile {
                    stem: stem_of(&display),
                    path: display,
                    text,
                }),
                Err(_) => diags.push(at_start(&display, "not UTF-8 text")),
            },
            Err(e) => diags.push(at_start(&display, &format!("cannot read: {e}"))),
        }
    }
    (files, diags)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, diags: &mut Vec<Diagnostic>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            diags.push(at_start(
                &dir.display().to_string(),
                &format!("cannot read directory: {e}"),
            ));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out, diags);
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
}

fn at_start(file: &str, message: &str) -> Diagnostic {
    Diagnostic {
        file: file.to_string(),
        line: 1,
        col: 1,
        message: message.to_string(),
    }
}

/// Parse and compile all files together (custom kinds and ids are set-wide).
fn load_files(
    files: Vec<SourceFile>,
    extra_ids: &BTreeSet<String>,
) -> (SignatureSet, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut parsed = Vec::new();
    for file in &files {
        let ft = FileText {
            path: &file.path,
            text: &file.text,
        };
        match raw::parse(&file.text) {
            Ok(RawFile::V1(sig)) => parsed.push((file, sig)),
            Err(problem) => diags.push(ft.at(problem.span.unwrap_or(0..0), problem.message)),
        }
    }

    let mut info = SetInfo {
        ids: extra_ids.clone(),
        ..SetInfo::default()
    };
    let mut first_path: BTreeMap<String, &str> = BTreeMap::new();
    for (file, sig) in &parsed {
        let id = sig.id.get_ref();
        info.ids.insert(id.clone());
        if let Some(first) = first_path.get(id) {
            let ft = FileText {
                path: &file.path,
                text: &file.text,
            };
            diags.push(ft.at(
                sig.id.span(),
                format!("duplicate id `{id}` (also defined in {first})"),
            ));
        } else {
            first_path.insert(id.clone(), &file.path);
        }
        for rule in &sig.raw {
            // Field names of a custom kind are its regex's named captures; a bad regex
            // is reported by `compile`, here it just contributes no names.
            let names = regex::Regex::new(rule.regex.get_ref())
                .map(|re| {
                    re.capture_names()
                        .flatten()
                        .map(str::to_string)
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            info.custom_kinds
                .entry(rule.kind.get_ref().clone())
                .or_default()
                .extend(names);
        }
    }

    let mut signatures = Vec::new();
    for (file, sig) in &parsed {
        let ft = FileText {
            path: &file.path,
            text: &file.text,
        };
        match compile(sig, &file.stem, &ft, &info) {
            Ok(s) => signatures.push(s),
            Err(more) => diags.extend(more),
        }
    }
    if !diags.is_empty() {
        return (SignatureSet::default(), diags);
    }
    (SignatureSet::new(signatures), diags)
}

/// Every problem in the shipped signature files (empty when they are sound).
pub fn validate_builtin() -> Vec<Diagnostic> {
    let mut diags = load_files(builtin_files(), &BTreeSet::new()).1;
    diags.sort();
    diags
}

/// Load one signature file from text (`path` names it in diagnostics and gives the id).
pub fn parse_str(path: &str, text: &str) -> Result<SignatureSet, Error> {
    let file = SourceFile {
        path: path.to_string(),
        stem: stem_of(path),
        text: text.to_string(),
    };
    into_result(load_files(vec![file], &builtin_ids()))
}

/// The file text a signature was loaded from (embedded, or read again from disk).
pub fn source_text(signature: &Signature) -> Option<String> {
    BUILTIN_FILES
        .iter()
        .find(|(path, _)| *path == signature.origin)
        .map(|(_, text)| text.to_string())
        .or_else(|| std::fs::read_to_string(&signature.origin).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_list_matches_the_patterns_directory() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("patterns");
        let mut found = Vec::new();
        let mut diags = Vec::new();
        walk(&dir, &mut found, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        let mut found: Vec<String> = found
            .iter()
            .filter_map(|p| p.strip_prefix(env!("CARGO_MANIFEST_DIR")).ok())
            .map(|p| p.to_string_lossy().trim_start_matches('/').to_string())
            .collect();
        found.sort();
        let listed: Vec<String> = BUILTIN_FILES.iter().map(|(p, _)| p.to_string()).collect();
        assert_eq!(
            found, listed,
            "update BUILTIN_FILES in src/signatures/load.rs"
        );
    }
}
