//! The HTML report in a real browser: Debian's headless chromium loads the fixture's
//! page from a temp dir, runs its script, and we check the DOM it dumps (no recorded
//! JS errors, the script finished, one lane per node, one span per incident) and a
//! screenshot (exists, decodes, is not blank).
//!
//! Without `chromium` on PATH the test prints a skip notice and passes, unless
//! `PODMORTEM_REQUIRE_BROWSER=1`, which makes it fail. `PODMORTEM_SAVE_SCREENSHOT=1`
//! also copies the screenshot to `docs/report-screenshot.png`.

#[path = "support/timeline_fixture.rs"]
mod timeline_fixture;

use podmortem::report::{self, ReportFormat, ReportOptions};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `chromium` from PATH, or `None` (then the caller skips or fails per the env).
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("chromium"))
        .find(|candidate| candidate.is_file())
}

fn browser_or_skip() -> Option<PathBuf> {
    match chromium() {
        Some(path) => Some(path),
        None if std::env::var("PODMORTEM_REQUIRE_BROWSER").as_deref() == Ok("1") => {
            panic!(
                "chromium is not on PATH and PODMORTEM_REQUIRE_BROWSER=1 (apt-get install -y chromium)"
            )
        }
        None => {
            eprintln!(
                "skipping browser test: chromium is not on PATH (apt-get install -y chromium)"
            );
            None
        }
    }
}

/// Run headless chromium with the hermetic flags plus `extra`, on `page`.
fn run_chromium(browser: &Path, profile: &Path, extra: &[String], page: &Path) -> Output {
    run_chromium_url(
        browser,
        profile,
        extra,
        &format!("file://{}", page.display()),
    )
}

fn run_chromium_url(browser: &Path, profile: &Path, extra: &[String], url: &str) -> Output {
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            // Rasterize every tile before capturing: without it a screenshot taken on a
            // busy machine can show half-painted blocks.
            "--run-all-compositor-stages-before-draw",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("chromium starts");
    assert!(
        output.status.success(),
        "chromium failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn write_page(dir: &Path) -> PathBuf {
    write_timeline_page(dir, &timeline_fixture::timeline())
}

fn write_timeline_page(dir: &Path, timeline: &podmortem::timeline::Timeline) -> PathBuf {
    let mut html = Vec::new();
    let options = ReportOptions {
        title: Some("podmortem report — seed incidents".into()),
        ..ReportOptions::default()
    };
    report::render(timeline, ReportFormat::Html, &options, &mut html).expect("render to Vec");
    let page = dir.join("report.html");
    std::fs::write(&page, html).expect("write report.html");
    page
}

/// Value of `attr="..."` on the `<body ...>` start tag of a dumped DOM.
fn body_attribute(dom: &str, attr: &str) -> Option<String> {
    let start = dom.find("<body")?;
    let end = start + dom[start..].find('>')?;
    let tag = &dom[start..end];
    let key = format!("{attr}=\"");
    let value_start = tag.find(&key)? + key.len();
    let value_end = value_start + tag[value_start..].find('"')?;
    Some(tag[value_start..value_end].to_string())
}

#[test]
fn html_report_runs_cleanly_in_chromium() {
    let Some(browser) = browser_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let page = write_page(dir.path());
    let profile = dir.path().join("profile");
    let output = run_chromium(
        &browser,
        &profile,
        &[
            "--virtual-time-budget=2000".to_string(),
            "--dump-dom".to_string(),
        ],
        &page,
    );
    let dom = String::from_utf8_lossy(&output.stdout);

    assert_eq!(
        body_attribute(&dom, "data-errors"),
        None,
        "the page recorded JS errors"
    );
    assert_eq!(
        body_attribute(&dom, "data-ready").as_deref(),
        Some("true"),
        "the page script did not finish:\n{}",
        &dom[..dom.len().min(2000)]
    );
    let timeline = timeline_fixture::timeline();
    assert_eq!(
        dom.matches("<g class=\"lane\"").count(),
        timeline.nodes.len()
    );
    for incident in &timeline.incidents {
        let span = format!(
            "class=\"incident-span sev-{}\" data-incident=\"{}\"",
            incident.severity.name(),
            incident.id
        );
        assert_eq!(dom.matches(&span).count(), 1, "{span}");
    }
    // The filter script ran: it wrote the count.
    assert!(dom.contains("4 of 4 incidents"), "filter count missing");
}

#[test]
fn linking_to_an_incident_shows_its_details() {
    let Some(browser) = browser_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let page = write_page(dir.path());
    let profile = dir.path().join("profile");
    let url = format!("file://{}#INC-003", page.display());
    let output = run_chromium_url(
        &browser,
        &profile,
        &[
            "--virtual-time-budget=2000".to_string(),
            "--dump-dom".to_string(),
        ],
        &url,
    );
    let dom = String::from_utf8_lossy(&output.stdout);
    assert_eq!(body_attribute(&dom, "data-errors"), None);
    let panel_start = dom.find("<aside id=\"details\"").expect("details panel");
    let panel_end = panel_start + dom[panel_start..].find("</aside>").expect("panel end");
    let panel = &dom[panel_start..panel_end];
    assert!(!panel.contains(" hidden"), "panel still hidden: {panel}");
    assert!(panel.contains("INC-003 — Eviction manager evicts the static kube-proxy pod"));
    assert!(panel.contains("Caused by INC-002 → INC-003"));
    assert!(dom.contains("class=\"incident-span sev-high selected\" data-incident=\"INC-003\""));
}

#[test]
fn hostile_log_text_stays_text_in_chromium() {
    let Some(browser) = browser_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let page = write_timeline_page(dir.path(), &timeline_fixture::hostile_timeline());
    let profile = dir.path().join("profile");
    let output = run_chromium(
        &browser,
        &profile,
        &[
            "--virtual-time-budget=2000".to_string(),
            "--dump-dom".to_string(),
        ],
        &page,
    );
    let dom = String::from_utf8_lossy(&output.stdout);
    assert_eq!(body_attribute(&dom, "data-errors"), None);
    assert_eq!(body_attribute(&dom, "data-ready").as_deref(), Some("true"));
    // The injected markup never became elements: the DOM serializer would print an
    // element as `<img ...>` and a parsed script as `<script>alert`.
    assert!(!dom.contains("<img"), "an injected <img> element exists");
    assert!(
        !dom.contains("<script>alert"),
        "an injected <script> element exists"
    );
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[test]
fn html_report_screenshot_is_not_blank() {
    let Some(browser) = browser_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let page = write_page(dir.path());
    let profile = dir.path().join("profile");
    let shot = dir.path().join("shot.png");
    run_chromium(
        &browser,
        &profile,
        &[
            "--virtual-time-budget=2000".to_string(),
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,900".to_string(),
        ],
        &page,
    );
    let bytes = std::fs::read(&shot).expect("chromium wrote the screenshot");

    let mut decoder = png::Decoder::new(std::io::Cursor::new(&bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("frame size fits")];
    let info = reader.next_frame(&mut pixels).expect("a frame");
    assert_eq!((info.width, info.height), (1280, 900));
    let channels = match info.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => 1,
    };
    // Luma of every pixel; a blank page has (almost) no variance and few distinct shades.
    let luma: Vec<f64> = pixels[..info.buffer_size()]
        .chunks(channels)
        .map(|p| match p {
            [r, g, b, ..] => 0.299 * f64::from(*r) + 0.587 * f64::from(*g) + 0.114 * f64::from(*b),
            [v, ..] => f64::from(*v),
            [] => 0.0,
        })
        .collect();
    let mean = luma.iter().sum::<f64>() / luma.len() as f64;
    let variance = luma.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / luma.len() as f64;
    let dark = luma.iter().filter(|v| **v < 128.0).count();
    assert!(
        variance > 100.0,
        "screenshot looks blank (variance {variance:.1})"
    );
    assert!(
        dark > 2000,
        "too few dark pixels ({dark}): no text or spans rendered"
    );
    // The severity colours of the swimlane spans are on screen (critical red #b3261e).
    let critical = pixels[..info.buffer_size()]
        .chunks(channels)
        .filter(|p| matches!(p, [r, g, b, ..] if r.abs_diff(0xb3) < 12 && g.abs_diff(0x26) < 12 && b.abs_diff(0x1e) < 12))
        .count();
    assert!(critical > 50, "no critical-red span pixels ({critical})");

    if std::env::var_os("PODMORTEM_SAVE_SCREENSHOT").is_some() {
        let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report-screenshot.png");
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).expect("create docs/");
        }
        std::fs::write(&target, &bytes).expect("save the screenshot");
    }
}
