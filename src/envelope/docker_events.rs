//! `docker events` output captured to a file: `<RFC 3339 nano> <type> <action> <actor>
//! (<attr>=<value>, ...)`, e.g. `2019-05-04T18:05:45.011072877-05:00 container oom
//! 29d7... (image=..., name=k8s_...)` (moby `cli/command/system/events.go`,
//! `printOutput`). Without this grammar the line reads as RFC 3339 syslog with host
//! `container` and tag `oom`, and the event is lost.
//!
//! The message is the whole text after the timestamp, so `container oom <id>` stays
//! together for the grammars; the program is `dockerd` (the daemon emits the events).

use std::borrow::Cow;

use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_till1};
use nom::character::complete::char;
use nom::combinator::cut;
use nom::error::context;

use super::grammar::{self, PResult, timestamp_3339};
use super::{Envelope, EnvelopeError, LineFormat, Strictness};

/// The object types `docker events` reports (moby `api/types/events`).
fn object_type(input: &[u8]) -> PResult<'_, &[u8]> {
    alt((
        tag("container"),
        tag("image"),
        tag("network"),
        tag("volume"),
        tag("daemon"),
        tag("plugin"),
        tag("service"),
        tag("node"),
        tag("secret"),
        tag("config"),
    ))
    .parse(input)
}

/// [`parse`] as the tests use it: an impossible date (Feb 30, hour 25) is an error at
/// the stamp's offset instead of a line without time.
pub fn parse_strict(line: &[u8]) -> Result<Envelope<'_>, EnvelopeError> {
    parse(line, Strictness::Strict)
}

/// Parse a `docker events` line: timestamp, type, action and an actor id or name.
pub fn parse(line: &[u8], strictness: Strictness) -> Result<Envelope<'_>, EnvelopeError> {
    let format = LineFormat::DockerEvents;
    let err = |e| grammar::to_error(line, format, e);
    let (message, (stamp, _)) = (timestamp_3339, char(' ')).parse(line).map_err(err)?;
    // Action words are lower case (`oom`, `die`, `exec_start: sh -c ...`), the actor a
    // word: a syslog line whose "host" happens to be `container` has a tag with `:` here.
    let _ = (
        object_type,
        char(' '),
        cut(context(
            "an action and an actor",
            (
                take_till1(|b: u8| b == b' ' || b == b':' || b.is_ascii_uppercase()),
                char(' '),
                take_till1(|b: u8| b == b' '),
            ),
        )),
    )
        .parse(message)
        .map_err(err)?;
    let mut env = Envelope::bare(format, line);
    env.time = stamp.checked(strictness, format, 0)?;
    env.app = Some("dockerd");
    env.message = Cow::Borrowed(message);
    Ok(env)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::RawTime;

    #[test]
    fn container_oom_event() {
        // source: docker/for-linux#670 (corpus D-docker-for-linux-670)
        let env = parse_strict(b"2019-05-04T18:05:45.011072877-05:00 container oom 29d72966e0be (annotation.io.kubernetes.container.hash=cad60de0, name=k8s_notebook_jupyter_jhub-prod_efa75591_0)").unwrap();
        assert_eq!(env.format, LineFormat::DockerEvents);
        assert!(matches!(env.time, RawTime::Utc(_)));
        assert!(env.message.starts_with(b"container oom 29d72966e0be"));
    }

    #[test]
    fn syslog_lines_are_not_events() {
        assert!(
            parse_strict(b"2018-06-08T03:03:28.803180+00:00 node-1 kubelet[5478]: I0608 x")
                .is_err()
        );
        assert!(
            parse_strict(b"2018-06-08T03:03:28.803180+00:00 container kubelet[5478]: x").is_err()
        );
    }
}
