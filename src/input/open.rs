//! Opening what discovery found: regular files through the map-or-read policy,
//! stdin and named pipes read fully into memory (capped, never mapped).

use chrono::{DateTime, Utc};
use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

use super::decompress::{self, Cut};
use super::discover::{Found, Origin, describe};
use super::expand::Item;
use super::{InputConfig, SourceData, mmap, parts};
use crate::error::Problem;

/// Open a found source as an item to expand, with a problem when it was cut short.
pub(crate) fn open(found: Found, config: &InputConfig) -> Result<(Item, Option<Problem>), Problem> {
    let mtime = found.metadata.as_ref().and_then(modified);
    let fail = |message: String| Problem {
        source: found.display.clone(),
        message,
    };
    let (data, parts, cut) = match &found.origin {
        Origin::Stdin => {
            let (data, cut) = stream(std::io::stdin().lock(), config.decompress_cap);
            // `--source-name node-1.tar.gz` lays stdin out as that file would be.
            let parts = match &config.stdin_name {
                Some(name) => parts::from_member(name),
                None => Vec::new(),
            };
            (data, parts, cut)
        }
        Origin::Pipe(path) => {
            let file = File::open(path).map_err(|e| fail(describe(&e)))?;
            let (data, cut) = stream(file, config.decompress_cap);
            (data, parts::from_disk_path(path), cut)
        }
        Origin::File(path) => {
            let file = File::open(path).map_err(|e| fail(describe(&e)))?;
            let len = found.metadata.as_ref().map_or(0, Metadata::len);
            let data = mmap::load(file, len, config.mmap_threshold)
                .map_err(|e| fail(format!("read error: {}", describe(&e))))?;
            (data, disk_parts(path), None)
        }
    };
    let problem = cut.map(|cut| match cut {
        Cut::Cap { cap } => fail(format!(
            "input exceeds the {size} cap; read the first {size}; \
             raise it with --max-decompressed SIZE",
            size = decompress::human_size(cap)
        )),
        other => fail(other.message("input")),
    });
    let item = Item {
        display: found.display,
        parts,
        mtime,
        data,
        depth: 0,
        cut_reported: problem.is_some(),
    };
    Ok((item, problem))
}

fn disk_parts(path: &Path) -> Vec<parts::Part> {
    parts::from_disk_path(path)
}

/// Read a stream fully, up to the cap.
fn stream<R: Read>(reader: R, cap: u64) -> (SourceData, Option<Cut>) {
    let decoded = decompress::read_capped(reader, cap);
    (SourceData::Owned(decoded.bytes), decoded.cut)
}

fn modified(metadata: &Metadata) -> Option<DateTime<Utc>> {
    metadata.modified().ok().map(DateTime::<Utc>::from)
}
