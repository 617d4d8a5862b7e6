#!/usr/bin/env python3
"""CI check of the Kubernetes manifests beside this file (run by .ci/run):

- every *.yaml parses, every document has apiVersion, kind and metadata.name;
- every podmortem command line in a container (`command: [podmortem]` + `args`, or a
  `podmortem ...` line of a shell script) names a real subcommand and only flags
  that `podmortem <subcommand> --help` lists;
- the events Jobs are Indexed, their SHARDS equals spec.completions, and a `--shard`
  value is `$(JOB_COMPLETION_INDEX)/$(SHARDS)`;
- each podmortem command line then really runs: Kubernetes' `$(VAR)` references are
  expanded (index 0), mount paths are mapped to the sample bundle and a temporary
  directory, and the binary must exit 0.

    python3 deploy/kubernetes/check_manifests.py --podmortem target/release/podmortem
"""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SAMPLES = REPO / "samples" / "k8s-incidents" / "bundle"


def podmortem_lines(container: dict) -> list[list[str]]:
    """The podmortem argument vectors a container runs."""
    command = container.get("command") or []
    args = container.get("args") or []
    if command and Path(command[0]).name == "podmortem":
        return [[*command[1:], *args]]
    lines = []
    if command and Path(command[0]).name in ("sh", "bash"):
        script = "\n".join(args)
        for line in script.replace("\\\n", " ").splitlines():
            words = shlex.split(line.strip(), comments=True)
            if words and Path(words[0]).name == "podmortem":
                lines.append(words[1:])
    return lines


def help_flags(binary: str, sub: str) -> set[str]:
    out = subprocess.run([binary, sub, "--help"], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"podmortem has no subcommand {sub!r}: {out.stderr.strip()}")
    return set(re.findall(r"(--[a-z][a-z0-9-]*)", out.stdout))


def expand(word: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\((\w+)\)", lambda m: env.get(m.group(1), m.group(0)), word)


def localise(words: list[str], mounts: dict[str, Path]) -> list[str]:
    """Map container paths to local ones; expand shell globs the way sh would."""
    out: list[str] = []
    for word in words:
        for mount, local in mounts.items():
            if word == mount or word.startswith(mount + "/"):
                word = str(local) + word[len(mount):]
        if any(c in word for c in "*?[") and word.startswith("/"):
            matches = sorted(Path("/").glob(word.lstrip("/")))
            out.extend(str(m) for m in matches) if matches else out.append(word)
        else:
            out.append(word)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--podmortem", required=True)
    binary = ap.parse_args().podmortem
    problems: list[str] = []
    jobs = []
    for path in sorted(HERE.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc is None:
                continue
            name = f"{path.name}:{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
            for key in ("apiVersion", "kind", "metadata"):
                if key not in doc:
                    problems.append(f"{name}: no {key}")
            if doc.get("kind") == "Job":
                jobs.append((name, doc))
    if not jobs:
        problems.append("no Job manifests found")

    with tempfile.TemporaryDirectory() as tmp:
        # Events before correlate, so that correlate finds the streams.
        jobs.sort(key=lambda j: "correlate" in j[0])
        checked = 0
        for name, job in jobs:
            spec = job["spec"]
            pod = spec["template"]["spec"]
            indexed = spec.get("completionMode") == "Indexed"
            for container in pod.get("initContainers", []) + pod["containers"]:
                env = {e["name"]: str(e.get("value", "")) for e in container.get("env", [])}
                if indexed:
                    if env.get("SHARDS") not in (None, str(spec.get("completions"))):
                        problems.append(f"{name}: SHARDS={env['SHARDS']} but completions={spec.get('completions')}")
                    env["JOB_COMPLETION_INDEX"] = "0"
                mounts = {}
                for m in container.get("volumeMounts", []):
                    local = Path(tmp) / m["name"]
                    if m["name"] == "bundles":
                        local.mkdir(exist_ok=True)
                        if not (local / "fleet").exists():
                            (local / "fleet").symlink_to(SAMPLES)
                    elif m["name"] == "units":
                        local.mkdir(exist_ok=True)
                        if not (local / "fleet").exists():
                            (local / "fleet").symlink_to(SAMPLES)
                    else:
                        local.mkdir(exist_ok=True)
                    mounts[m["mountPath"]] = local
                for words in podmortem_lines(container):
                    sub = words[0]
                    known = help_flags(binary, sub)
                    for word in words[1:]:
                        flag = word.split("=", 1)[0]
                        if flag.startswith("--") and flag not in known:
                            problems.append(f"{name}: podmortem {sub} has no flag {flag}")
                    if "--shard" in words:
                        value = words[words.index("--shard") + 1]
                        if not indexed or value != "$(JOB_COMPLETION_INDEX)/$(SHARDS)":
                            problems.append(f"{name}: --shard {value} should be $(JOB_COMPLETION_INDEX)/$(SHARDS) in an Indexed Job")
                    argv = [binary, *localise([expand(w, env) for w in words], mounts)]
                    run = subprocess.run(argv, capture_output=True, text=True)
                    if run.returncode != 0:
                        problems.append(f"{name}: {' '.join(argv)} exited {run.returncode}: {run.stderr.strip()[-500:]}")
                    checked += 1
        if checked < 4:
            problems.append(f"only {checked} podmortem command lines found in the manifests")
    for p in problems:
        print(f"check_manifests: {p}", file=sys.stderr)
    if problems:
        return 1
    print(f"check_manifests: {len(jobs)} Jobs parse; {checked} podmortem command lines use real flags and run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
