//! Opening what discovery found: regular files through the map-or-read policy;
//! stdin and named pipes become streams read once, as they are scanned (never
//! mapped, never held whole).

use chrono::{DateTime, Utc};
use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

use super::discover::{Discovered, Origin, describe};
use super::item::{Head, Item};
use super::{InputConfig, mmap, parts};
use crate::error::Problem;

/// What opening gave: bytes to expand, or a stream to read once.
pub(crate) enum Opened {
    /// A file's bytes (mapped or read).
    Item(Item),
    /// stdin or a named pipe.
    Stream(Head, Box<dyn Read>),
}

/// Open a found source: a regular file becomes an [`Item`] (mapped from
/// `mmap_threshold` bytes up), stdin and pipes a stream; a file that cannot be read is a
/// problem for that source only.
pub(crate) fn open(found: Discovered, config: &InputConfig) -> Result<Opened, Problem> {
    let mtime = found.metadata.as_ref().and_then(modified);
    let fail = |message: String| Problem {
        source: found.display.clone(),
        message,
    };
    let stream = |parts, reader: Box<dyn Read>| {
        let head = Head {
            display: found.display.clone(),
            parts,
            mtime,
            depth: 0,
            cut_reported: false,
        };
        Opened::Stream(head, reader)
    };
    match &found.origin {
        Origin::Stdin => {
            // `--source-name node-1.tar.gz` lays stdin out as that file would be.
            let parts = match &config.stdin_name {
                Some(name) => parts::from_member(name),
                None => Vec::new(),
            };
            Ok(stream(parts, Box::new(std::io::stdin())))
        }
        Origin::Pipe(path) => {
            let file = File::open(path).map_err(|e| fail(describe(&e)))?;
            Ok(stream(parts::from_disk_path(path), Box::new(file)))
        }
        Origin::File(path) => {
            let file = File::open(path).map_err(|e| fail(describe(&e)))?;
            let len = found.metadata.as_ref().map_or(0, Metadata::len);
            let data = mmap::load(file, len, config.mmap_threshold)
                .map_err(|e| fail(format!("read error: {}", describe(&e))))?;
            Ok(Opened::Item(Item {
                display: found.display,
                parts: disk_parts(path),
                mtime,
                data,
                depth: 0,
                cut_reported: false,
            }))
        }
    }
}

fn disk_parts(path: &Path) -> Vec<parts::Part> {
    parts::from_disk_path(path)
}

fn modified(metadata: &Metadata) -> Option<DateTime<Utc>> {
    metadata.modified().ok().map(DateTime::<Utc>::from)
}
