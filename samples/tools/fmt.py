"""Line formatters for the sample bundles, one per envelope of the format reference.

Every function here writes a line exactly as the emitting program does (see
/work/shared/reference/log-formats.md, section numbers in the docstrings).
"""
import json
from datetime import datetime, timezone, timedelta

UTC = timezone.utc
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def rfc3164_stamp(t):
    """§1.1: `Mmm dd hh:mm:ss`, day padded with a space."""
    return f"{MONTHS[t.month - 1]} {t.day:2d} {t:%H:%M:%S}"


def rfc3164(t, host, tag, msg):
    """§1.1 RSYSLOG_TraditionalFileFormat; `t` is local time of the node."""
    return f"{rfc3164_stamp(t)} {host} {tag}: {msg}"


def rfc3339_stamp(t):
    """§1.1 RFC 3339 with microseconds and a numeric offset (`+00:00`)."""
    s = t.strftime("%Y-%m-%dT%H:%M:%S.%f%z")
    return s[:-2] + ":" + s[-2:]


def rfc3339(t, host, tag, msg):
    """§1.1 RSYSLOG_FileFormat."""
    return f"{rfc3339_stamp(t)} {host} {tag}: {msg}"


def kernel_msg(uptime, msg):
    """§1.3.1 `[%5lu.%06lu] ` prefix as left in the text by imklog < v8.2312."""
    secs = int(uptime)
    usecs = int(round((uptime - secs) * 1_000_000))
    if usecs == 1_000_000:
        secs, usecs = secs + 1, 0
    return f"[{secs:5d}.{usecs:06d}] {msg}"


def klog(t, sev, pid, fileline, msg):
    """§1.4.1 glog header: `Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg`."""
    return f"{sev}{t:%m%d %H:%M:%S}.{t.microsecond:06d} {pid:7d} {fileline}] {msg}"


def go_quote(s):
    """Go %q for the printable ASCII we use (backslash and double quote escaped)."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def logrus_value(v):
    """§1.7 quoting: bare if every char is in [A-Za-z0-9-._/@^+], else %q."""
    ok = all(c.isalnum() or c in "-._/@^+" for c in v) and v.isascii()
    return v if ok else go_quote(v)


def rfc3339_nano_fixed(t):
    """dockerd's RFC3339NanoFixed: exactly 9 fraction digits, `Z` or `±hh:mm`."""
    frac = f"{t.microsecond:06d}" + f"{(t.microsecond * 7 + t.second * 131) % 1000:03d}"
    off = t.utcoffset()
    if off == timedelta(0):
        zone = "Z"
    else:
        mins = int(off.total_seconds() // 60)
        sign = "+" if mins >= 0 else "-"
        zone = f"{sign}{abs(mins) // 60:02d}:{abs(mins) % 60:02d}"
    return f"{t:%Y-%m-%dT%H:%M:%S}.{frac}{zone}"


def logrus(t, level, msg, **fields):
    """§1.7 logrus text formatter as dockerd 1.12 configures it."""
    out = f'time="{rfc3339_nano_fixed(t)}" level={level} msg={logrus_value(msg)}'
    for k in sorted(fields):
        out += f" {k}={logrus_value(str(fields[k]))}"
    return out


def rfc3339_nano(t):
    """Go time.RFC3339Nano in UTC: trailing zeros of the fraction trimmed."""
    t = t.astimezone(UTC)
    frac = (f"{t.microsecond:06d}" + f"{(t.microsecond * 3 + t.second * 17) % 1000:03d}").rstrip("0")
    return f"{t:%Y-%m-%dT%H:%M:%S}" + (f".{frac}" if frac else "") + "Z"


def docker_json_escape(s):
    """§1.5 string encoder: JSON plus `<` `>` `&` as \\u00XX."""
    out = json.dumps(s, ensure_ascii=False)
    return out.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def docker_json(t, stream, line):
    """§1.5 json-file: `{"log":...,"stream":...,"time":...}` with a final `\\n` in log."""
    return f'{{"log":{docker_json_escape(line + chr(10))},"stream":"{stream}","time":"{rfc3339_nano(t)}"}}'


def cri(t, stream, line):
    """§1.6 CRI log line as containerd writes it (RFC3339Nano, node zone UTC)."""
    return f"{rfc3339_nano(t)} {stream} F {line}"


def felix(t, level, pid, file, line, msg):
    """§1.8 calico ≤ v3.13: `stamp [LEVEL][pid] file line: msg` (ms, no zone)."""
    return f"{t:%Y-%m-%d %H:%M:%S}.{t.microsecond // 1000:03d} [{level}][{pid}] {file} {line}: {msg}"


def svlogd_tt(t):
    """§1.9.2 svlogd -tt: `YYYY-MM-DD_hh:mm:ss.` + 5 fraction digits, UTC."""
    t = t.astimezone(UTC)
    return f"{t:%Y-%m-%d_%H:%M:%S}.{t.microsecond // 10:05d}"


def short_iso(t, host, tag, msg):
    """§1.2.2 journalctl -o short-iso as systemd ≤ v254 prints it (`+0000`)."""
    return f"{t:%Y-%m-%dT%H:%M:%S%z} {host} {tag}: {msg}"


def usec(t):
    """Microseconds since the epoch (journal __REALTIME_TIMESTAMP)."""
    return int(t.timestamp()) * 1_000_000 + t.microsecond


def wrap_words(text, width):
    """tablewriter v0.0.5 WrapString: greedy word wrap at `width`."""
    lines, cur = [], ""
    for w in text.split():
        if not cur:
            cur = w
        elif len(cur) + 1 + len(w) <= width:
            cur += " " + w
        else:
            lines.append(cur)
            cur = w
    lines.append(cur)
    return lines


def calicoctl_status(rows):
    """§1.9.4 `calicoctl node status` rendered by tablewriter v0.0.5 defaults.

    rows: (peer address, peer type, state, since, info); INFO wraps at 30.
    """
    headers = ["PEER ADDRESS", "PEER TYPE", "STATE", "SINCE", "INFO"]
    cells = [[[c] for c in r[:4]] + [wrap_words(r[4], 30) if len(r[4]) > 30 else [r[4]]] for r in rows]
    widths = [len(h) for h in headers]
    for r in cells:
        for i, c in enumerate(r):
            w = max(len(x) for x in c)
            if i == 4 and any(len(row[4]) > 30 for row in rows):
                w = min(max(w, 30), 30) if w <= 30 else w
            widths[i] = max(widths[i], w)
    sep = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def centre(h, w):
        gap = w - len(h)
        left = gap // 2
        return " " * left + h + " " * (gap - left)

    out = ["Calico process is running.", "", "IPv4 BGP status", sep]
    out.append("|" + "|".join(" " + centre(h, w) + " " for h, w in zip(headers, widths)) + "|")
    out.append(sep)
    for r in cells:
        height = max(len(c) for c in r)
        for k in range(height):
            parts = []
            for c, w in zip(r, widths):
                v = c[k] if k < len(c) else ""
                parts.append(" " + v.ljust(w) + " ")
            out.append("|" + "|".join(parts) + "|")
    out.append(sep)
    out += ["", "IPv6 BGP status", "No IPv6 peers found.", ""]
    return out
