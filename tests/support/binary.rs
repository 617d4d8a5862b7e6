//! Running the podmortem binary from integration tests: one place for the command
//! line, the environment (no colour) and the success check. Each test file uses only
//! part of it.
#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The checkout's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The bundled samples.
pub fn bundle() -> PathBuf {
    root().join("samples/k8s-incidents/bundle")
}

/// A path as the `&str` an argument list wants.
pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Run `podmortem ARGS` with extra environment; it must succeed.
pub fn run_with(args: &[&str], env: &[(&str, &str)]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_podmortem"))
        .args(args)
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .expect("podmortem runs");
    assert!(
        out.status.success(),
        "podmortem {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Run `podmortem ARGS`; it must succeed.
pub fn run(args: &[&str]) -> Output {
    run_with(args, &[])
}

/// The JSON `podmortem ARGS` prints.
pub fn json(args: &[&str]) -> Value {
    serde_json::from_slice(&run(args).stdout).expect("JSON output")
}
