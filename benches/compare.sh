#!/usr/bin/env bash
# Throughput and memory of `podmortem scan` against ripgrep and grep on generated syslog dumps.
#
#   benches/compare.sh                      # 1 GiB sparse, 256 MiB dense, .gz of the sparse one
#   SIZE=64MiB DENSE_SIZE=32MiB ROUNDS=1 benches/compare.sh    # quick run
#
# Environment: SIZE (sparse dump, default 1GiB), DENSE_SIZE (default 256MiB), ROUNDS (default 3),
# JOBS (default "1 2"), BIG (also time a 4x larger sparse dump for linearity and memory, and a
# 4x realistic one, default 0), REAL_SIZE (realistic-profile dump, default 1GiB, "" skips it),
# TGZ_SIZE (two-node .tgz of realistic logs, default 1GiB, "" skips it), SPARSE_RUNS (default 1;
# 0 skips the sparse, dense and .gz rows), CARGO_TARGET_DIR (default target). Data is cached in
# $CARGO_TARGET_DIR/bench-data/.
# ripgrep is optional: `apt-get install -y ripgrep` (this script never installs anything).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SIZE="${SIZE:-1GiB}"
DENSE_SIZE="${DENSE_SIZE:-256MiB}"
ROUNDS="${ROUNDS:-3}"
JOBS="${JOBS:-1 2}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
export CARGO_TARGET_DIR="$TARGET"
BIG="${BIG:-0}"
REAL_SIZE="${REAL_SIZE-1GiB}"
TGZ_SIZE="${TGZ_SIZE-1GiB}"
SPARSE_RUNS="${SPARSE_RUNS:-1}"
DATA="$TARGET/bench-data"
mkdir -p "$DATA"

say() { printf '%s\n' "$*" >&2; }

# (a) build
say "== building release podmortem and gen-syslog"
cargo build --release --quiet --bin podmortem --example gen-syslog
PM="$TARGET/release/podmortem"
GEN="$TARGET/release/examples/gen-syslog"

# (b) data, generated once
SPARSE="$DATA/sparse-$SIZE-d1e-4-s7.log"
DENSE="$DATA/dense-$DENSE_SIZE-d1e-2-s7.log"
[[ -s "$SPARSE" ]] || "$GEN" --size "$SIZE" --density 1e-4 --seed 7 --out "$SPARSE" --truth "${SPARSE%.log}.truth.json"
[[ -s "$DENSE" ]] || "$GEN" --size "$DENSE_SIZE" --density 1e-2 --seed 7 --out "$DENSE" --truth "${DENSE%.log}.truth.json"
BIGFILE=""
if (( BIG )); then
    BIGSIZE=$(( $(numfmt --from=iec-i "${SIZE%B}") * 4 ))
    BIGFILE="$DATA/sparse-x4-$SIZE-d1e-4-s7.log"
    [[ -s "$BIGFILE" ]] || "$GEN" --size "$BIGSIZE" --density 1e-4 --seed 7 --out "$BIGFILE" --truth "${BIGFILE%.log}.truth.json"
fi
[[ -s "$SPARSE.gz" ]] || { say "== gzip $SPARSE"; gzip -c -6 "$SPARSE" > "$SPARSE.gz.tmp" && mv "$SPARSE.gz.tmp" "$SPARSE.gz"; }

# realistic profile (issue 13): K8s chatter the grammars must parse, 1x and (BIG) 4x
REALS=()
if [[ -n "$REAL_SIZE" ]]; then
    REAL="$DATA/realistic-$REAL_SIZE-s7.log"
    [[ -s "$REAL" ]] || "$GEN" --profile realistic --size "$REAL_SIZE" --seed 7 --out "$REAL"
    REALS+=("$REAL")
    if (( BIG )); then
        REALBIG="$DATA/realistic-x4-$REAL_SIZE-s7.log"
        bytes=$(( $(numfmt --from=iec-i "${REAL_SIZE%B}") * 4 ))
        [[ -s "$REALBIG" ]] || "$GEN" --profile realistic --size "$bytes" --seed 7 --out "$REALBIG"
        REALS+=("$REALBIG")
    fi
fi
# a two-node bundle of realistic logs, unpacked and as one .tgz
TGZ=""
if [[ -n "$TGZ_SIZE" ]]; then
    UNPACKED="$DATA/two-node-$TGZ_SIZE"
    TGZ="$DATA/two-node-$TGZ_SIZE.tgz"
    half=$(( $(numfmt --from=iec-i "${TGZ_SIZE%B}") / 2 ))
    if [[ ! -s "$TGZ" ]]; then
        mkdir -p "$UNPACKED/node-a/var/log" "$UNPACKED/node-b/var/log"
        "$GEN" --profile realistic --size "$half" --seed 7 --out "$UNPACKED/node-a/var/log/syslog"
        "$GEN" --profile realistic --size "$half" --seed 11 --out "$UNPACKED/node-b/var/log/syslog"
        say "== tar -czf $TGZ"
        tar -C "$UNPACKED" -czf "$TGZ.tmp" node-a node-b && mv "$TGZ.tmp" "$TGZ"
    fi
fi

NEEDLES="$DATA/needles.txt"
if "$PM" needles > "$NEEDLES.tmp" 2>/dev/null && [[ -s "$NEEDLES.tmp" ]]; then
    mv "$NEEDLES.tmp" "$NEEDLES"
    say "== needles: $(wc -l < "$NEEDLES") literals from \`podmortem needles\`"
else
    rm -f "$NEEDLES.tmp"
    printf '%s\n' 'SLUB: Unable to allocate memory' 'Out of memory' 'Killed process' 'too many open files' \
        'connection reset by peer' 'eviction manager' 'Thin Pool has' 'Changed host name' > "$NEEDLES"
    say "== needles: \`podmortem needles\` unavailable, using the fixed list of 8 literals"
fi

HAVE_RG=1
command -v rg > /dev/null || { HAVE_RG=0; say "== ripgrep not installed (apt-get install -y ripgrep): skipping rg"; }
HAVE_TIME=1
[[ -x /usr/bin/time ]] || { HAVE_TIME=0; say "== /usr/bin/time missing: no peak RSS"; }

# measure LABEL CMD...: prints "seconds maxrss_kb rssanon_kb" (best effort for the last two).
# Peak RSS comes from GNU time ("Maximum resident set size"; it counts file-backed mmap pages);
# RssAnon is sampled from /proc/PID/status every 50 ms (anonymous memory only).
measure() {
    local tfile start end pid child="" key value peak=0 status=0
    tfile="$(mktemp)"
    start=$(date +%s%N)
    # Output goes to a file, not /dev/null: GNU grep notices /dev/null and stops at the
    # first match, which would time nothing.
    # MEASURE_STDIN names a file to give the command as its stdin (an async command's
    # stdin is /dev/null otherwise). KEEP_OUT names a file to keep its output in.
    if (( HAVE_TIME )); then
        /usr/bin/time -v -o "$tfile" "$@" < "${MEASURE_STDIN:-/dev/null}" > "$tfile.out" 2>&1 &
    else
        "$@" < "${MEASURE_STDIN:-/dev/null}" > "$tfile.out" 2>&1 &
    fi
    pid=$!
    # Sample with shell builtins only (one `sleep` a tick): forking pgrep/awk every few
    # milliseconds would steal CPU from the measured run on a small machine.
    while kill -0 "$pid" 2> /dev/null; do
        if [[ -z "$child" ]]; then
            child=$pid
            if (( HAVE_TIME )) && [[ -r /proc/$pid/task/$pid/children ]]; then
                read -r child _ < "/proc/$pid/task/$pid/children" || true
                [[ -n "$child" ]] || child=""
            fi
        fi
        if [[ -n "$child" && -r /proc/$child/status ]]; then
            while read -r key value _; do
                if [[ $key == RssAnon: ]]; then
                    (( value > peak )) && peak=$value
                    break
                fi
            done < "/proc/$child/status" 2> /dev/null
        fi
        sleep 0.05
    done
    wait "$pid" || status=$?
    end=$(date +%s%N)
    local maxrss="-"
    (( HAVE_TIME )) && maxrss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tfile")
    [[ -n "${KEEP_OUT:-}" ]] && cp "$tfile.out" "$KEEP_OUT"
    rm -f "$tfile" "$tfile.out"
    # podmortem exits non-zero when it finds incidents; 2 is a fatal error
    if [[ "$1" == "$PM" && $status -eq 2 ]] || [[ "$1" != "$PM" && "$1" != rg && "$1" != grep && $status -ne 0 ]]; then
        say "!! $* exited with $status"
    fi
    echo "$(( (end - start) / 1000000 )) ${maxrss:--} $peak"
}

declare -A BEST RSS ANON
record() { # key ms rss anon
    local key=$1 ms=$2
    if [[ -z "${BEST[$key]:-}" ]] || (( ms < BEST[$key] )); then
        BEST[$key]=$ms; RSS[$key]=$3; ANON[$key]=$4
    fi
}

# (c) warm the page cache
for f in "$SPARSE" "$DENSE" "$SPARSE.gz" $BIGFILE "${REALS[@]}" $TGZ; do cat "$f" > /dev/null; done

# events in podmortem's JSON report (summary.events), and its incidents as sorted "signature nodes"
events_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["events"])' "$1"; }
incidents_of() {
    python3 -c 'import json,sys
for i in sorted((i["signature"], ",".join(i.get("nodes", []))) for i in json.load(open(sys.argv[1]))["incidents"]): print(*i)' "$1"
}

# (d) alternate the tools, several rounds
declare -A EVENTS
for ((r = 1; r <= ROUNDS; r++)); do
    say "== round $r/$ROUNDS"
    for f in "${REALS[@]}"; do
        for j in $JOBS; do
            record "pm|$f|$j" $(KEEP_OUT="$DATA/out.json" measure "$PM" scan --format json --quiet --year 2018 --jobs "$j" "$f")
            EVENTS[$f]=$(events_of "$DATA/out.json")
            (( HAVE_RG )) && record "rg|$f|$j" $(measure rg -j "$j" -c -F -f "$NEEDLES" "$f")
        done
    done
    if [[ -n "$TGZ" ]]; then
        for j in $JOBS; do
            record "pm|$TGZ|$j" $(KEEP_OUT="$DATA/out-tgz.json" measure "$PM" scan --format json --quiet --year 2018 --jobs "$j" "$TGZ")
        done
        record "tar|$TGZ|1" $(measure bash -c "tar -xzf '$TGZ' -O > /dev/null")
    fi
    (( SPARSE_RUNS )) || continue
    for f in "$SPARSE" "$DENSE"; do
        for j in $JOBS; do
            record "pm|$f|$j" $(measure "$PM" scan --format json --quiet --year 2018 --jobs "$j" "$f")
            (( HAVE_RG )) && record "rg|$f|$j" $(measure rg -j "$j" -c -F -f "$NEEDLES" "$f")
        done
        record "grep|$f|1" $(measure grep -F -c -f "$NEEDLES" "$f")
    done
    for j in $JOBS; do
        record "pm|$SPARSE.gz|$j" $(measure "$PM" scan --format json --quiet --year 2018 --jobs "$j" "$SPARSE.gz")
    done
    record "zcat|$SPARSE.gz|1" $(measure zcat "$SPARSE.gz")
    if [[ -n "$BIGFILE" ]]; then
        for j in $JOBS; do
            record "pm|$BIGFILE|$j" $(measure "$PM" scan --format json --quiet --year 2018 --jobs "$j" "$BIGFILE")
        done
    fi
done

gbps() { awk -v b="$1" -v ms="$2" 'BEGIN { if (ms > 0) printf "%.2f", b / 1e9 / (ms / 1e3); else print "-" }'; }
# "-" when unknown (no GNU time, or the process ended before the first RssAnon sample)
mb() { [[ "$1" == "-" || "$1" == 0 ]] && echo "-" || awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

printf '\n%-28s %4s %-9s %9s %7s %9s %11s %10s\n' "input" "jobs" "tool" "best ms" "GB/s" "maxRSS MB" "RssAnon MB" "pm/rg time"
for f in "$SPARSE" "$DENSE" "$SPARSE.gz" $BIGFILE; do
    bytes=$(stat -c %s "${f%.gz}")   # throughput of the .gz case is counted on uncompressed bytes
    for tool in pm rg grep zcat; do
        for j in $JOBS; do
            key="$tool|$f|$j"
            [[ -n "${BEST[$key]:-}" ]] || continue
            ratio="-"
            if [[ $tool == pm && -n "${BEST[rg|$f|$j]:-}" ]]; then
                ratio=$(awk -v a="${BEST[$key]}" -v b="${BEST[rg|$f|$j]}" 'BEGIN { printf "%.2f", a / b }')
            elif [[ $tool == pm && $f == *.gz && -n "${BEST[zcat|$f|1]:-}" ]]; then
                ratio="$(awk -v a="${BEST[$key]}" -v b="${BEST[zcat|$f|1]}" 'BEGIN { printf "%.2f", a / b }') (vs zcat)"
            fi
            name=$tool; [[ $tool == pm ]] && name=podmortem
            printf '%-28s %4s %-9s %9s %7s %9s %11s %10s\n' "$(basename "$f")" "$j" "$name" "${BEST[$key]}" \
                "$(gbps "$bytes" "${BEST[$key]}")" "$(mb "${RSS[$key]}")" "$(mb "${ANON[$key]}")" "$ratio"
        done
    done
done

# (e) realistic profile, .tgz and stdin (issue 13)
if (( ${#REALS[@]} )); then
    printf '\n%-34s %4s %8s %7s %9s %10s %11s %11s %8s %9s\n' "realistic input" "jobs" "pm ms" "GB/s" "events" "events/GiB" "bytes/event" "RssAnon MB" "rg ms" "rg/pm"
    for f in "${REALS[@]}"; do
        bytes=$(stat -c %s "$f")
        for j in $JOBS; do
            key="pm|$f|$j"
            [[ -n "${BEST[$key]:-}" ]] || continue
            ev=${EVENTS[$f]:-0}
            rgms=${BEST[rg|$f|$j]:--}
            printf '%-34s %4s %8s %7s %9s %10s %11s %11s %8s %9s\n' "$(basename "$f")" "$j" "${BEST[$key]}" \
                "$(gbps "$bytes" "${BEST[$key]}")" "$ev" \
                "$(awk -v e="$ev" -v b="$bytes" 'BEGIN { printf "%.0f", e / (b / 1073741824) }')" \
                "$(awk -v e="$ev" -v k="${ANON[$key]}" 'BEGIN { if (e > 0 && k != "-") printf "%.0f", k * 1024 / e; else print "-" }')" \
                "$(mb "${ANON[$key]}")" "$rgms" \
                "$(awk -v a="$rgms" -v b="${BEST[$key]}" 'BEGIN { if (a + 0 > 0) printf "%.2fx", a / b; else print "-" }')"
        done
    done
    say "(bytes/event is peak RssAnon / events: everything resident, events included)"
fi
if [[ -n "$TGZ" ]]; then
    KEEP_OUT="$DATA/out-dir.json" measure "$PM" scan --format json --quiet --year 2018 "$UNPACKED" > /dev/null
    same="DIFFERENT"
    diff <(incidents_of "$DATA/out-dir.json") <(incidents_of "$DATA/out-tgz.json") > /dev/null && same="same"
    printf '\n%-34s %4s %8s %8s %10s %11s  %s\n' "two-node .tgz" "jobs" "pm ms" "tar ms" "pm/tar" "RssAnon MB" "incidents vs unpacked"
    for j in $JOBS; do
        key="pm|$TGZ|$j"
        printf '%-34s %4s %8s %8s %10s %11s  %s (%s)\n' "$(basename "$TGZ")" "$j" "${BEST[$key]}" "${BEST[tar|$TGZ|1]}" \
            "$(awk -v a="${BEST[$key]}" -v b="${BEST[tar|$TGZ|1]}" 'BEGIN { printf "%.2f", a / b }')" \
            "$(mb "${ANON[$key]}")" "$same" "$(incidents_of "$DATA/out-tgz.json" | wc -l) incidents"
    done
fi
# stdin: the largest sparse dump piped in, read as it comes
STDIN_FILE="$SPARSE"; [[ -n "$BIGFILE" ]] && STDIN_FILE="$BIGFILE"
if (( SPARSE_RUNS )) || [[ -n "$BIGFILE" ]]; then
    read -r ms _ anon < <(MEASURE_STDIN="$STDIN_FILE" measure "$PM" scan --format json --quiet --year 2018 -)
    printf '\n%-34s %8s %7s %11s\n' "stdin (< file)" "pm ms" "GB/s" "RssAnon MB"
    printf '%-34s %8s %7s %11s\n' "$(basename "$STDIN_FILE")" "$ms" "$(gbps "$(stat -c %s "$STDIN_FILE")" "$ms")" "$(mb "$anon")"
fi
