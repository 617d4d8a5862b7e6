#!/usr/bin/env python3
"""The Dask driver against `podmortem scan` (run by .ci/run in .venv-fleet):

1. the sample bundle, LocalCluster with 2 workers: report.json equals scan's
   (incidents, nodes, sources, problems), and the Markdown report too;
2. a generated fleet of 122 node folders (fleet/make_fleet.py): the same;
3. per-node archives behind an fsspec URL (file://): the same;
4. a unit whose extraction fails: retried, then reported (exit 3,
   failed-units.json), the other units still correlated.

    .venv-fleet/bin/python fleet/test_fleet.py --podmortem target/release/podmortem
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DRIVER = HERE / "podmortem_dask.py"


def scan(podmortem: str, root: Path, fmt: str = "json") -> str:
    out = subprocess.run(
        [podmortem, "scan", "--quiet", "--format", fmt, "--color", "never", root.name],
        capture_output=True, text=True, check=True, cwd=root.parent,
    )
    return out.stdout


def dask(podmortem: str, root: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(DRIVER), "--out", str(out), "--workers", "2", "--podmortem", podmortem, *extra, root.name],
        capture_output=True, text=True, cwd=root.parent,
    )


def without_provenance(markdown: str) -> str:
    """A Markdown report without its run and time provenance lines, which name the
    event files and `events`' time rules for correlate, the folder for scan."""
    return "\n".join(
        line for line in markdown.splitlines()
        if not line.startswith(("- **Run:**", "- **Time:**"))
    )


def same_report(podmortem: str, root: Path, out: Path) -> dict:
    run = dask(podmortem, root, out, "--format", "md")
    assert run.returncode == 0, run.stderr
    assert f"units {len(list(root.iterdir()))}/{len(list(root.iterdir()))} done" in run.stderr, run.stderr
    expected = json.loads(scan(podmortem, root))
    got = json.loads((out / "report.json").read_text())
    for section in ("incidents", "nodes", "sources", "problems", "summary"):
        assert got[section] == expected[section], f"{root}: {section} differs from scan's"
    merged_md = (out / "report.md").read_text()
    assert "- **Run:** podmortem" in merged_md and ".jsonl" in merged_md, f"{root}: no provenance"
    assert without_provenance(merged_md) == without_provenance(scan(podmortem, root, "md")), f"{root}: Markdown differs"
    assert len(list((out / "events").glob("*.jsonl"))) == len(list(root.iterdir()))
    return got


def fsspec_archives(podmortem: str, tmp: Path) -> None:
    """Units behind an fsspec URL (file://, as s3:// would be): per-node archives
    streamed to `podmortem events -` with --source-name give scan's report of the
    same folder."""
    root = tmp / "archives"
    root.mkdir()
    samples = REPO / "samples" / "k8s-incidents" / "bundle"
    for node in ("node-1", "node-3", "node-7"):
        with tarfile.open(root / f"{node}.tar.gz", "w:gz") as tar:
            for path in sorted((samples / node).rglob("*")):
                tar.add(path, arcname=str(path.relative_to(samples / node)), recursive=False)
    out = tmp / "archives-out"
    run = subprocess.run(
        [sys.executable, str(DRIVER), "--out", str(out), "--workers", "2", "--podmortem", podmortem, root.as_uri()],
        capture_output=True, text=True, cwd=tmp,
    )
    assert run.returncode == 0, run.stderr
    expected = json.loads(scan(podmortem, root))
    got = json.loads((out / "report.json").read_text())
    for section in ("incidents", "nodes", "sources", "problems"):
        assert got[section] == expected[section], f"fsspec archives: {section} differs from scan's"
    names = {n["name"]: n["aliases"] for n in got["nodes"]}
    assert sorted(names) == ["node-1", "node-3", "node-7"], names
    assert "ip-10-0-1-17.ec2.internal" in names["node-7"]


def failing_unit(podmortem: str, root: Path, tmp: Path) -> None:
    """A podmortem that fails on node-3 and counts its attempts."""
    counter = tmp / "attempts"
    wrapper = tmp / "podmortem-flaky"
    wrapper.write_text(
        "#!/bin/sh\n"
        'case "$*" in *node-3*) echo x >> ' + str(counter) + '; echo "podmortem: disk on fire" >&2; exit 2;; esac\n'
        f'exec "{os.path.abspath(podmortem)}" "$@"\n'
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    out = tmp / "flaky-out"
    run = dask(str(wrapper), root, out, "--retries", "2")
    assert run.returncode == 3, (run.returncode, run.stderr)
    assert "FAILED after 2 retries" in run.stderr and "node-3" in run.stderr, run.stderr
    failed = json.loads((out / "failed-units.json").read_text())
    assert list(failed) == [f"{root.name}/node-3"], failed
    assert "disk on fire" in failed[f"{root.name}/node-3"]
    assert len(counter.read_text().split()) == 3, "one try and two retries"
    report = json.loads((out / "report.json").read_text())
    names = [n["name"] for n in report["nodes"]]
    assert "node-3" not in names and "node-4" in names, names


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--podmortem", required=True)
    podmortem = os.path.abspath(ap.parse_args().podmortem)
    with tempfile.TemporaryDirectory(prefix="podmortem-fleet-") as tmp:
        tmp = Path(tmp)
        samples = REPO / "samples" / "k8s-incidents" / "bundle"
        got = same_report(podmortem, samples, tmp / "samples-out")
        assert len(got["incidents"]) >= 5
        print(f"fleet test: samples: {len(got['incidents'])} incidents equal scan's")

        fleet = tmp / "fleet"
        subprocess.run([sys.executable, str(HERE / "make_fleet.py"), "--nodes", "120", str(fleet)], check=True)
        got = same_report(podmortem, fleet, tmp / "fleet-out")
        assert len(got["nodes"]) == 122, len(got["nodes"])
        assert any("hostname collision: ubuntu" in p["message"] for p in got["problems"])
        print(f"fleet test: 122 node folders: {len(got['incidents'])} incidents equal scan's")

        fsspec_archives(podmortem, tmp)
        print("fleet test: per-node archives behind a file:// URL equal scan's")

        failing_unit(podmortem, samples, tmp)
        print("fleet test: a failing unit is retried, then reported")
    return 0


if __name__ == "__main__":
    sys.exit(main())
