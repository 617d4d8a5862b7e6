#!/usr/bin/env python3
"""Run podmortem over a fleet on Dask distributed: extraction per unit on the
workers, one correlation at the end, the same report as one `podmortem scan`.

    python3 fleet/podmortem_dask.py --out DIR [--workers N] [--scheduler ADDRESS]
        [--podmortem BIN] [--format json|text|md|html ...] UNIT_ROOT...

A *unit* is a top-level node folder or per-node archive (podmortem's own rule, see
`podmortem events --help`): a UNIT_ROOT folder that holds node folders
(`ROOT/<node>/var/log/...`) gives one unit per entry; any other path is one unit.
A UNIT_ROOT may be an fsspec URL (`s3://bucket/prefix/`, with the matching fsspec
backend installed): every entry under the prefix is a unit; archives are streamed
to `podmortem events -` on the worker (named with `--source-name`), folders are
downloaded to a temporary directory first.

Each unit runs `podmortem events --format jsonl` on a worker and is written to
DIR/events/<unit>.jsonl (atomically: a retry overwrites it). Failed units are
retried (`--retries`), then listed on stderr and in DIR/failed-units.json, and the
exit status is 3: never silently dropped. Then `podmortem correlate` turns every
event stream into DIR/report.json (the `scan --format json` document) and one
report per extra `--format`. Without `--scheduler` a LocalCluster is started.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPORT_SUFFIX = {"json": "json", "text": "txt", "md": "md", "html": "html"}
ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.zst", ".tzst", ".tar.xz")


def is_url(path: str) -> bool:
    return "://" in path


def is_node_folder(path: Path) -> bool:
    return (path / "var").is_dir() or (path / "etc").is_dir()


def holds_units(root: Path) -> bool:
    """podmortem's rule (`events --help`): a folder whose entries are units is no
    node's file system itself and holds node folders (`<node>/var/...`, sosreports
    too) or per-node archives beside nothing but other archives."""
    if is_node_folder(root):
        return False
    try:
        children = list(root.iterdir())
    except OSError:
        return False
    if any(c.is_dir() and is_node_folder(c) for c in children):
        return True
    files = [c for c in children if c.is_file()]
    return bool(files) and all(c.name.endswith(ARCHIVE_SUFFIXES) for c in files)


def local_units(root: str) -> list[str]:
    """Units of a local path, spelled as podmortem spells them (root joined with
    each entry name) so evidence paths equal those of `podmortem scan ROOT`."""
    path = Path(root)
    if path.is_dir() and holds_units(path):
        # Byte order of the names, as podmortem sorts them.
        names = sorted(os.listdir(root), key=os.fsencode)
        return [os.path.join(root, name) for name in names]
    return [root]


def remote_units(root: str) -> list[str]:
    import fsspec.core

    fs, path = fsspec.core.url_to_fs(root)
    protocol = root.split("://", 1)[0]
    entries = sorted(fs.ls(path, detail=False))
    return [f"{protocol}://{entry}" for entry in entries]


def list_units(roots: list[str]) -> list[str]:
    units: list[str] = []
    for root in roots:
        if is_url(root):
            units.extend(remote_units(root))
        elif not os.path.exists(root):
            raise SystemExit(f"podmortem_dask: {root}: no such file or directory")
        else:
            units.extend(local_units(root))
    return sorted(set(units), key=os.fsencode)


def output_names(units: list[str]) -> dict[str, str]:
    """DIR/events/<name>.jsonl per unit: the unit's last path component, or its
    whole path made file-safe when two roots hold units of the same name."""
    base = {u: u.rstrip("/").rsplit("/", 1)[-1] for u in units}
    counts: dict[str, int] = {}
    for name in base.values():
        counts[name] = counts.get(name, 0) + 1
    safe = lambda s: re.sub(r"[^A-Za-z0-9._-]+", "_", s).strip("_")  # noqa: E731
    return {u: safe(base[u]) if counts[base[u]] == 1 else safe(u) for u in units}


def run_unit(unit: str, out_file: str, podmortem: str, jobs: int) -> str:
    """One unit on a worker: `podmortem events` into a temporary file, renamed over
    `out_file` when complete. Raises on failure, so that Dask retries it."""
    tmp = f"{out_file}.{os.getpid()}.tmp"
    base = [podmortem, "events", "--format", "jsonl", "--quiet", "--jobs", str(jobs), "--output", tmp]
    try:
        if not is_url(unit):
            proc = subprocess.run([*base, unit], capture_output=True, text=True)
        else:
            proc = run_remote_unit(unit, base)
        if proc.returncode != 0:
            raise RuntimeError(f"{unit}: podmortem events exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
        os.replace(tmp, out_file)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return out_file


def run_remote_unit(unit: str, base: list[str]) -> subprocess.CompletedProcess:
    """An object-store unit: an archive is streamed to stdin and named after itself
    (`<prefix>/<name>.tar.gz`); a folder is downloaded to `<tmp>/<prefix>/<name>`."""
    import fsspec.core

    fs, path = fsspec.core.url_to_fs(unit)
    parent, name = path.rstrip("/").rsplit("/", 1) if "/" in path.rstrip("/") else ("", path)
    display = f"{parent.rsplit('/', 1)[-1]}/{name}" if parent else name
    if fs.isdir(path):
        with tempfile.TemporaryDirectory(prefix="podmortem-unit-") as tmp:
            local = os.path.join(tmp, display)
            os.makedirs(os.path.dirname(local), exist_ok=True)
            fs.get(path.rstrip("/") + "/", local, recursive=True)
            return subprocess.run([*base, display], capture_output=True, text=True, cwd=tmp)
    with fs.open(path, "rb") as src:
        proc = subprocess.Popen([*base, "--source-name", display, "-"], stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdin is not None
        try:
            shutil.copyfileobj(src, proc.stdin, 1 << 20)
        except BrokenPipeError:
            pass
        finally:
            proc.stdin.close()
        stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        proc.wait()
    return subprocess.CompletedProcess(proc.args, proc.returncode, "", stderr)


def start_client(args):
    from dask.distributed import Client, LocalCluster

    if args.scheduler:
        return Client(args.scheduler), None
    cluster = LocalCluster(
        n_workers=args.workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
    )
    return Client(cluster), cluster


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("roots", nargs="+", metavar="UNIT_ROOT", help="folder of node folders or archives, a unit, or an fsspec URL")
    ap.add_argument("--out", required=True, help="output directory (events/, report.json)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="LocalCluster workers (default: CPUs)")
    ap.add_argument("--scheduler", help="address of a running Dask scheduler (default: start a LocalCluster)")
    ap.add_argument("--podmortem", default=shutil.which("podmortem") or "podmortem", help="podmortem binary on the workers")
    ap.add_argument("--format", action="append", default=[], choices=sorted(REPORT_SUFFIX), help="extra report formats (report.json is always written)")
    ap.add_argument("--retries", type=int, default=2, help="times a failed unit is retried (default 2)")
    ap.add_argument("--jobs", type=int, default=1, help="podmortem threads per unit (default 1)")
    args = ap.parse_args(argv)

    out = Path(args.out)
    events_dir = out / "events"
    events_dir.mkdir(parents=True, exist_ok=True)
    units = list_units(args.roots)
    if not units:
        print("podmortem_dask: no units found", file=sys.stderr)
        return 2
    names = output_names(units)
    started = time.monotonic()

    from dask.distributed import as_completed

    client, cluster = start_client(args)
    failed: dict[str, str] = {}
    try:
        futures = {
            client.submit(
                run_unit,
                unit,
                str((events_dir / f"{names[unit]}.jsonl").resolve()),
                args.podmortem,
                args.jobs,
                key=f"podmortem-events-{names[unit]}-{i}",
                retries=args.retries,
                pure=False,
            ): unit
            for i, unit in enumerate(units)
        }
        done = 0
        for future in as_completed(futures):
            unit = futures[future]
            done += 1
            if future.status == "error":
                failed[unit] = repr(future.exception())
            print(f"podmortem_dask: units {done}/{len(units)} done{' (' + str(len(failed)) + ' failed)' if failed else ''}", file=sys.stderr, flush=True)
    finally:
        # Workers that lose the scheduler while it shuts down log a harmless
        # CommClosedError; the results are in, so keep stderr to what matters.
        logging.getLogger("distributed").setLevel(logging.CRITICAL)
        if cluster is not None:
            client.shutdown()
        client.close()
        if cluster is not None:
            cluster.close()

    streams = sorted(str(events_dir / f"{names[u]}.jsonl") for u in units if u not in failed)
    for fmt in ["json", *[f for f in args.format if f != "json"]]:
        target = out / f"report.{REPORT_SUFFIX[fmt]}"
        cmd = [args.podmortem, "correlate", *streams, "--format", fmt, "--output", str(target)]
        if fmt == "text":
            cmd += ["--color", "never"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode not in (0, 1):
            print(f"podmortem_dask: correlate failed: {proc.stderr.strip()}", file=sys.stderr)
            return 2
    elapsed = time.monotonic() - started
    failed_file = out / "failed-units.json"
    if failed:
        failed_file.write_text(json.dumps(failed, indent=2, sort_keys=True) + "\n")
        for unit, why in sorted(failed.items()):
            print(f"podmortem_dask: FAILED after {args.retries} retries: {unit}: {why}", file=sys.stderr)
        print(f"podmortem_dask: {len(failed)} of {len(units)} units failed; the report covers the others", file=sys.stderr)
        return 3
    if failed_file.exists():
        failed_file.unlink()
    print(f"podmortem_dask: {len(units)} units in {elapsed:.1f}s; report in {out / 'report.json'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
