//! The HTML report in a real browser: Debian's headless chromium loads the fixture's
//! page from a temp dir, runs its script, and we check the DOM it dumps (no recorded
//! JS errors, the script finished, one lane per node, one span per incident) and a
//! screenshot (exists, decodes, is not blank).
//!
//! Without `chromium` on PATH each test prints `SKIPPED browser test: ...` in the test
//! run's output (past the harness's capture) and passes, unless
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
            // Written to the process's stderr, not through `eprintln!`, which the test
            // harness captures: the run must say the browser test did not run, not just
            // print `ok` for it.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr().lock(),
                "SKIPPED browser test: chromium is not on PATH (apt-get install -y chromium; \
                 PODMORTEM_REQUIRE_BROWSER=1 makes this a failure)"
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

/// The fixture page with `script` appended: it runs after the report's own script,
/// drives the page like a user (events on the real elements), and the DOM dump shows
/// the result.
fn page_with_script(dir: &Path, timeline: &podmortem::timeline::Timeline, script: &str) -> PathBuf {
    let page = write_timeline_page(dir, timeline);
    let html = std::fs::read_to_string(&page).expect("read page");
    let driven = html.replace(
        "</body>",
        &format!(
            "<script>window.addEventListener('load', function () {{ {script} }});</script></body>"
        ),
    );
    std::fs::write(&page, driven).expect("write page");
    page
}

fn dump(page: &Path, dir: &Path) -> String {
    let browser = browser_or_skip().expect("checked by the caller");
    let output = run_chromium(
        &browser,
        &dir.join("profile"),
        &[
            "--virtual-time-budget=3000".to_string(),
            "--window-size=1280,900".to_string(),
            "--dump-dom".to_string(),
        ],
        page,
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `attr="value"` of the first element whose start tag contains `marker`.
fn attribute_of(dom: &str, marker: &str, attr: &str) -> Option<String> {
    let at = dom.find(marker)?;
    let start = dom[..at].rfind('<')?;
    let end = at + dom[at..].find('>')?;
    let tag = &dom[start..end];
    let key = format!(" {attr}=\"");
    let from = tag.find(&key)? + key.len();
    let to = from + tag[from..].find('"')?;
    Some(tag[from..to].to_string())
}

#[test]
fn issue_15_4_wheel_and_brush_zoom_the_time_axis_and_reset_restores_it() {
    if browser_or_skip().is_none() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let timeline = timeline_fixture::timeline();
    let span_marker = "class=\"incident-span sev-high\" data-incident=\"INC-001\"";
    // Unzoomed widths, from the page as rendered.
    let plain = dump(&write_timeline_page(dir.path(), &timeline), dir.path());
    let width_before: f64 = attribute_of(&plain, span_marker, "width")
        .and_then(|w| w.parse().ok())
        .expect("INC-001 span width");
    let full_span: f64 = attribute_of(&plain, "id=\"timeline-axis\"", "data-span")
        .and_then(|w| w.parse().ok())
        .expect("axis span");

    // A user brushes INC-001's hour on the axis (mousedown, move, mouseup), then
    // scrolls the wheel over the axis once to zoom in further.
    let script = r#"
      var axis = document.getElementById('timeline-axis');
      var box = axis.getBoundingClientRect();
      var start = Number(axis.dataset.start), span = Number(axis.dataset.span);
      var x0 = Number(axis.dataset.x0), x1 = Number(axis.dataset.x1);
      function clientX(t) { return box.left + (x0 + (t - start) / span * (x1 - x0)) * box.width / 1200; }
      var from = Date.UTC(2018, 5, 8, 2, 30), to = Date.UTC(2018, 5, 8, 3, 30);
      axis.dispatchEvent(new MouseEvent('mousedown', { clientX: clientX(from), clientY: box.top + 10, bubbles: true }));
      window.dispatchEvent(new MouseEvent('mousemove', { clientX: clientX(to), clientY: box.top + 10 }));
      window.dispatchEvent(new MouseEvent('mouseup', { clientX: clientX(to), clientY: box.top + 10 }));
      document.body.dataset.afterBrush = document.body.dataset.zoomSpan;
      axis.dispatchEvent(new WheelEvent('wheel', { deltaY: -100, clientX: box.left + box.width / 2, clientY: box.top + 10, bubbles: true, cancelable: true }));
      document.body.dataset.afterWheel = document.body.dataset.zoomSpan;
    "#;
    let dom = dump(&page_with_script(dir.path(), &timeline, script), dir.path());
    assert_eq!(body_attribute(&dom, "data-errors"), None);
    let after_brush: f64 = body_attribute(&dom, "data-after-brush")
        .and_then(|v| v.parse().ok())
        .expect("zoom span after the brush");
    // The brushed hour, give or take the pixel rounding of a 4.5-day axis.
    assert!(
        (after_brush - 3_600_000.0).abs() < 0.003 * full_span,
        "after brush {after_brush} (full {full_span})"
    );
    let after_wheel: f64 = body_attribute(&dom, "data-after-wheel")
        .and_then(|v| v.parse().ok())
        .expect("zoom span after the wheel");
    assert!(
        (after_wheel - 0.8 * after_brush).abs() < 1.0,
        "{after_wheel}"
    );
    let width_after: f64 = attribute_of(&dom, span_marker, "width")
        .and_then(|w| w.parse().ok())
        .expect("INC-001 span width");
    assert!(
        width_after > 20.0 * width_before,
        "INC-001 grew from {width_before} to {width_after}"
    );
    // Incidents days away left the zoomed axis; the reset button is enabled.
    assert!(
        dom.contains("class=\"incident-span sev-critical off-axis\" data-incident=\"INC-004\"")
    );
    assert_eq!(attribute_of(&dom, "id=\"zoom-reset\"", "disabled"), None);

    // Reset restores the whole axis.
    let reset = "window.podmortemZoom(0, 1); document.getElementById('zoom-reset').click();";
    let dom = dump(&page_with_script(dir.path(), &timeline, reset), dir.path());
    assert_eq!(
        body_attribute(&dom, "data-zoom-span").and_then(|v| v.parse::<f64>().ok()),
        Some(full_span.round())
    );
    assert!(!dom.contains("off-axis\" data-incident"));
}

#[test]
fn issue_15_4_the_signature_filter_keeps_one_signature() {
    if browser_or_skip().is_none() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let timeline = timeline_fixture::timeline();
    let script = "var f = document.getElementById('signature-filter'); \
                  f.value = 'net.nofile-exhausted-calico'; f.dispatchEvent(new Event('change'));";
    let dom = dump(&page_with_script(dir.path(), &timeline, script), dir.path());
    assert_eq!(body_attribute(&dom, "data-errors"), None);
    assert!(dom.contains("1 of 4 incidents"), "filter count");
    for incident in &timeline.incidents {
        let tag_start = dom
            .find(&format!(
                "<article class=\"incident sev-{}\" id=\"{}\"",
                incident.severity.name(),
                incident.id
            ))
            .expect("article");
        let tag = dom[tag_start..].split('>').next().unwrap_or_default();
        let hidden = tag.contains(" hidden");
        assert_eq!(
            hidden,
            incident.signature != "net.nofile-exhausted-calico",
            "{} hidden: {hidden}",
            incident.id
        );
    }
}

/// The fixture spread over 60 nodes: each of its incidents repeated on 15 nodes.
fn fleet_timeline() -> podmortem::timeline::Timeline {
    let mut t = timeline_fixture::timeline();
    let template = t.nodes[0].clone();
    t.nodes = (1..=60)
        .map(|n| podmortem::timeline::NodeSummary {
            name: format!("node-{n:02}"),
            ..template.clone()
        })
        .collect();
    let originals = std::mem::take(&mut t.incidents);
    let mut number = 0;
    for (k, incident) in originals.iter().enumerate() {
        for n in 0..15 {
            number += 1;
            let mut copy = incident.clone();
            copy.id = format!("INC-{number:03}");
            copy.nodes = vec![format!("node-{:02}", k * 15 + n + 1)];
            copy.caused_by = None;
            t.incidents.push(copy);
        }
    }
    t
}

#[test]
fn issue_15_4_a_60_node_fleet_opens_on_one_lane_per_signature() {
    if browser_or_skip().is_none() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let timeline = fleet_timeline();
    let dom = dump(&write_timeline_page(dir.path(), &timeline), dir.path());
    assert_eq!(body_attribute(&dom, "data-errors"), None);
    assert_eq!(body_attribute(&dom, "data-ready").as_deref(), Some("true"));
    let fleet_start = dom.find("<svg id=\"fleet-lanes\"").expect("fleet summary");
    let fleet_end = fleet_start + dom[fleet_start..].find("</svg>").expect("end");
    let fleet = &dom[fleet_start..fleet_end];
    assert_eq!(
        fleet.matches("<g class=\"lane\"").count(),
        4,
        "one lane per signature"
    );
    assert!(fleet.contains("15 incidents · 15 nodes"));
    // The 60 node lanes are one click away, folded.
    assert!(dom.contains("<details id=\"node-lanes\"><summary>All 60 node lanes</summary>"));
    // The axis stays in view: with the node lanes open and the page scrolled far
    // down, the axis is still at the top of the window while the lanes moved up.
    let script = "document.getElementById('node-lanes').open = true; window.scrollTo(0, 1500); \
                  document.body.dataset.axisTop = document.getElementById('timeline-axis').getBoundingClientRect().top; \
                  document.body.dataset.lanesTop = document.getElementById('swimlanes').getBoundingClientRect().top;";
    let scrolled = dump(&page_with_script(dir.path(), &timeline, script), dir.path());
    assert_eq!(
        body_attribute(&scrolled, "data-axis-top").as_deref(),
        Some("0")
    );
    let lanes_top: f64 = body_attribute(&scrolled, "data-lanes-top")
        .and_then(|v| v.parse().ok())
        .expect("lanes top");
    assert!(lanes_top < -300.0, "the lanes scrolled ({lanes_top})");

    let shot = dir.path().join("fleet.png");
    let browser = browser_or_skip().expect("checked above");
    run_chromium(
        &browser,
        &dir.path().join("profile"),
        &[
            "--virtual-time-budget=2000".to_string(),
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,900".to_string(),
        ],
        &write_timeline_page(dir.path(), &timeline),
    );
    assert!(std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0) > 10_000);
    if std::env::var_os("PODMORTEM_SAVE_SCREENSHOT").is_some() {
        let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report-fleet-screenshot.png");
        std::fs::copy(&shot, target).expect("save the fleet screenshot");
    }
}
