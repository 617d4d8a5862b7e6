//! `calicoctl node status` output, recognised line by line so detection can tell a
//! captured status from a log. The table payload (peers, states) is read by `events`.

use super::{Envelope, EnvelopeError, LineFormat};

/// The fixed sentences calicoctl prints around its tables.
const SENTENCES: &[&[u8]] = &[
    b"Calico process is running.",
    b"Calico process is not running.",
    b"IPv4 BGP status",
    b"IPv6 BGP status",
    b"No IPv4 peers found.",
    b"No IPv6 peers found.",
];

/// True for a tablewriter border (`+----+---+`).
fn is_border(line: &[u8]) -> bool {
    line.len() >= 3
        && line.starts_with(b"+")
        && line.ends_with(b"+")
        && line.iter().all(|b| matches!(b, b'+' | b'-'))
}

/// True for a tablewriter row (`| 10.0.0.2 | node-to-node mesh | up | ... |`).
fn is_row(line: &[u8]) -> bool {
    line.len() >= 3 && line.starts_with(b"| ") && line.ends_with(b" |")
}

/// Recognise a `calicoctl node status` line: banner sentence, table border or row.
/// The message is the whole line; there is no time.
pub fn parse(line: &[u8]) -> Result<Envelope<'_>, EnvelopeError> {
    let trimmed = line.trim_ascii_end();
    if SENTENCES.contains(&trimmed) || is_border(trimmed) || is_row(trimmed) {
        Ok(Envelope::bare(LineFormat::CalicoctlStatus, line))
    } else {
        Err(EnvelopeError {
            format: LineFormat::CalicoctlStatus,
            offset: 0,
            expected: "a calicoctl banner or table line",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines() {
        for line in [
            &b"Calico process is running."[..],
            b"IPv4 BGP status",
            b"+--------------+-------------------+-------+----------+--------------------------------+",
            b"| PEER ADDRESS |     PEER TYPE     | STATE |  SINCE   |              INFO              |",
            b"| 10.0.0.3     | node-to-node mesh | start | 03:05:13 | Active Socket: Connection      |",
            b"|              |                   |       |          | refused                        |",
            b"No IPv6 peers found.",
        ] {
            assert_eq!(parse(line).map(|e| e.format), Ok(LineFormat::CalicoctlStatus));
        }
        assert!(parse(b"Calico is great").is_err());
        assert!(parse(b"+ set -x").is_err());
    }
}
