//! Snapshot tests of the reports on the bundled samples (issue #5): the text
//! timeline, the Markdown review and the JSON result. A change in any of them shows
//! up as a reviewed diff (`cargo insta review`, or `INSTA_UPDATE=always cargo test`).

use std::process::Command;

fn scan(format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_podmortem"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "scan",
            "--quiet",
            "--color",
            "never",
            "--format",
            format,
            "samples/k8s-incidents/bundle",
        ])
        .env("COLUMNS", "100")
        .output()
        .expect("podmortem runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 report")
}

#[test]
fn samples_text_report() {
    insta::assert_snapshot!(scan("text"));
}

#[test]
fn samples_markdown_review() {
    insta::assert_snapshot!(scan("md"));
}

#[test]
fn samples_json_result() {
    insta::assert_snapshot!(scan("json"));
}
