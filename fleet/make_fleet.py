#!/usr/bin/env python3
"""Build a fleet of node folders for the fleet tests and measurements.

    python3 fleet/make_fleet.py --nodes 120 OUT

Every node folder is a copy of one of the sample bundle's nodes
(samples/k8s-incidents/bundle/node-K, real-format lines: syslog, kern.log, kubelet,
docker, calico, journal exports, calicoctl captures), with the node's name and its
host names made unique (`node-K` → `node-NNN`, `...-001-0K` → `...-NNN`,
`ip-10-0-1-(10+K)` → `ip-10-1-N-N`), so the fleet holds many distinct nodes that went
through the sample's incidents. Two extra folders, `ubuntu-a` and `ubuntu-b`, hold
syslogs whose lines both say `ubuntu` (the stock hostname): two nodes that share a
generic hostname, to be kept apart and reported as a collision. Only stdlib; fast
(copies and one substitution pass per text file). File mtimes are kept (they are a
year hint).
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "k8s-incidents" / "bundle"

# Real RFC 3164 lines of a stock Ubuntu node (kernel ring buffer through rsyslog).
UBUNTU_SYSLOG = """\
Aug 20 09:10:01 ubuntu CRON[2211]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)
Aug 20 09:12:44 ubuntu kernel: [ 8812.114005] nf_conntrack: table full, dropping packet
Aug 20 09:12:44 ubuntu kernel: [ 8812.114911] nf_conntrack: table full, dropping packet
Aug 20 09:12:45 ubuntu kernel: [ 8813.020118] nf_conntrack: table full, dropping packet
Aug 20 09:12:49 ubuntu kernel: [ 8817.301554] net_ratelimit: 211 callbacks suppressed
Aug 20 09:12:49 ubuntu kernel: [ 8817.301557] nf_conntrack: table full, dropping packet
Aug 20 09:17:01 ubuntu CRON[2290]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)
"""


def rename(text: str, k: int, n: int) -> str:
    """Make the host names of a copy of sample node k unique to fleet node n."""
    text = re.sub(rf"\bnode-{k}\b", f"node-{n:03d}", text)
    text = re.sub(rf"(AMZ-IAD12-OpsResPool)-001-0{k}\b", rf"\1-{n:03d}", text)
    # node-K's host is ip-10-0-1-(10+K): node-10 is ip-10-0-1-20.
    text = re.sub(rf"\bip-10-0-1-{10 + k}\b", f"ip-10-1-{n // 250}-{n % 250}", text)
    return text


def copy_node(src: Path, dst: Path, k: int, n: int) -> None:
    for path in sorted(src.rglob("*")):
        target = dst / path.relative_to(src)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        data = path.read_bytes()
        packed = path.suffix == ".gz"
        if packed:
            data = gzip.decompress(data)
        try:
            text = rename(data.decode("utf-8"), k, n).encode("utf-8")
        except UnicodeDecodeError:
            text = data
        target.write_bytes(gzip.compress(text, mtime=0) if packed else text)
        shutil.copystat(path, target)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--nodes", type=int, default=120, help="node folders copied from the samples (default 120)")
    args = ap.parse_args()
    templates = sorted(int(p.name.split("-")[1]) for p in SAMPLES.iterdir() if p.name.startswith("node-"))
    args.out.mkdir(parents=True, exist_ok=True)
    for n in range(1, args.nodes + 1):
        k = templates[(n - 1) % len(templates)]
        copy_node(SAMPLES / f"node-{k}", args.out / f"node-{n:03d}", k, n)
    for name in ("ubuntu-a", "ubuntu-b"):
        log = args.out / name / "var" / "log" / "syslog"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(UBUNTU_SYSLOG, encoding="utf-8")
        os.utime(log, (1534760000, 1534760000))
    print(f"{args.nodes + 2} node folders in {args.out}")


if __name__ == "__main__":
    main()
