//! The map-or-read policy for files on disk: regular files at or above the threshold
//! are memory-mapped read-only; smaller files, and any file whose mapping fails or
//! whose size changes while we map it, are read into memory instead.
//!
//! Risk we accept: a mapped file that another process truncates *after* our size
//! check makes later reads of the lost pages raise SIGBUS. Bundles are collected
//! copies that nothing writes to; live `/var/log` files only grow (appends beyond the
//! mapped length are simply not seen), except under logrotate `copytruncate` at the
//! moment of rotation. Whoever scans live logs and fears that can disable mapping
//! with a huge threshold.

use std::fs::File;
use std::io::{self, Read};

use super::SourceData;

/// Read or map an open regular file of (expected) length `len`.
pub(crate) fn load(file: File, len: u64, threshold: u64) -> io::Result<SourceData> {
    if len >= threshold
        && len > 0
        && let Some(map) = map_stable(&file, len)
    {
        return Ok(SourceData::Mapped(std::sync::Arc::new(map)));
    }
    read_all(file, len)
}

/// Map the file, keeping the map only if the file still has the length we saw.
fn map_stable(file: &File, len: u64) -> Option<memmap2::Mmap> {
    // SAFETY: memmap2 requires that the mapped file is not modified or truncated while
    // the map lives. We map collected log files read-only and check right after that
    // the length did not change (a shrinking file is read instead). What remains — a
    // truncation by another process later on — is the SIGBUS risk described in the
    // module docs, accepted as ripgrep does for the same reason.
    let map = unsafe { memmap2::Mmap::map(file) }.ok()?;
    let now = file.metadata().ok()?.len();
    if now != len || map.len() as u64 != len {
        return None;
    }
    // Only a hint; failure changes nothing but speed.
    let _ = map.advise(memmap2::Advice::Sequential);
    Some(map)
}

/// Read the whole file; its current length is a hint for the first allocation only
/// (capped, so a lying or growing size cannot make us over-allocate).
fn read_all(mut file: File, len: u64) -> io::Result<SourceData> {
    let hint = usize::try_from(len.min(64 << 20)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(hint);
    file.read_to_end(&mut bytes)?;
    Ok(SourceData::Owned(bytes))
}
