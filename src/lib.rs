//! podmortem: offline log forensics for Kubernetes nodes.
//!
//! The pipeline, one module per arrow (a module only uses those to its left):
//!
//! `input` (bytes: files, archives, mmaps) → `envelope` (line formats, time) →
//! `events` (typed payloads from nom grammars) → `scan` (parallel prefiltered
//! extraction) → `signatures` + `correlate` (incidents) → `timeline` → `report`.
//!
//! `cli` turns arguments into a [`scan::ScanConfig`] and calls the library; nothing
//! below `cli` reads arguments or prints.
#![warn(missing_docs)]

pub mod correlate;
pub mod envelope;
pub mod error;
pub mod events;
pub mod input;
pub mod report;
pub mod scan;
pub mod signatures;
pub mod timeline;

pub use error::{Error, Problem};
pub use events::{Event, Kind};
pub use input::{Location, SourceId};
