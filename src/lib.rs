//! podmortem: offline log forensics for Kubernetes nodes.
//!
//! The pipeline, one module per arrow (a module only uses those to its left):
//!
//! `input` (bytes: files, archives, mmaps) → `envelope` (line formats, time) →
//! `events` (typed payloads from nom grammars) → `scan` (parallel prefiltered
//! extraction) → `resolve` (node identity, year, zone and dmesg anchoring, dedupe,
//! inventory) → `signatures` + `correlate` (incidents) → `selftest` (signature
//! examples through the real scanner) → `timeline` → `report`.
//!
//! `cli` turns arguments into a [`resolve::Config`] and calls the library; nothing
//! below `cli` reads arguments or prints.
//!
//! The main types, in pipeline order: [`input::Source`] (bytes with a display path and
//! a node), [`envelope::Envelope`] (one parsed line), [`events::Event`] (a typed
//! payload with provenance), [`signatures::SignatureSet`], [`correlate::Incident`],
//! [`timeline::Timeline`], and [`report::render`].
//!
//! ```
//! use podmortem::{correlate, report, resolve, signatures, timeline::Timeline};
//!
//! let syslog = "\
//! Jun  8 03:03:28 node-1 kernel: [88820.247535] SLUB: Unable to allocate memory on node -1 (gfp=0x8020)
//! Jun  8 03:03:28 node-1 kernel: [88820.247541]   cache: kmalloc-192(33:b40c3884668600191e02b3c32efaf12bdd1e6d0a4d3869662045e4193af6c26c), object size: 192, buffer size: 192, default order: 0, min order: 0
//! Jun  8 03:03:28 node-1 kernel: [88820.247543]   node 0: slabs: 202, objs: 4242, free: 0
//! ";
//! let config = resolve::Config {
//!     time: resolve::TimeConfig { year: Some(2018), ..Default::default() },
//!     ..Default::default()
//! };
//! let events = resolve::extract_texts(&[("node-1/var/log/kern.log".into(), syslog.into())], &config);
//! assert_eq!(events[0].kind.name(), "kernel.slub_alloc_failure");
//! assert_eq!(events[0].line, 1);
//!
//! let set = signatures::builtin()?;
//! let correlation = correlate::correlate(&events, &set);
//! assert_eq!(correlation.incidents[0].signature, "slub-kmem-cgroup-leak");
//!
//! let output = resolve::ScanOutput { events, ..Default::default() };
//! let timeline = Timeline::new(output, correlation);
//! let mut text = Vec::new();
//! report::render(&timeline, report::ReportFormat::Text, &Default::default(), &mut text)?;
//! assert!(String::from_utf8_lossy(&text).contains("node-1/var/log/kern.log:1-3"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

pub mod correlate;
pub mod envelope;
pub mod error;
pub mod events;
pub mod input;
pub mod report;
pub mod resolve;
pub mod scan;
pub mod selftest;
pub mod signatures;
pub mod timeline;

pub use error::{Error, Problem};
pub use events::{Event, Kind};
pub use input::{Location, SourceId};
