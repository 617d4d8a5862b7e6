//! Running the podmortem binary from integration tests: one place for the command
//! line, the environment (no colour) and the success check. Each test file uses only
//! part of it.
#![allow(dead_code)]

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

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

/// Run `podmortem ARGS` with extra environment and, when given, bytes on stdin
/// (otherwise stdin is empty); whatever its exit status.
pub fn spawn(args: &[&str], env: &[(&str, &str)], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_podmortem"))
        .args(args)
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("podmortem starts");
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(input).expect("stdin written");
    }
    child.wait_with_output().expect("podmortem finishes")
}

/// Run `podmortem ARGS` with extra environment; it must succeed.
pub fn run_with(args: &[&str], env: &[(&str, &str)]) -> Output {
    let out = spawn(args, env, None);
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
