//! Discovery on disk: the paths a user gave, directories walked recursively in sorted
//! order, symlinks followed but each directory and file visited once (a visited set
//! of device and inode numbers breaks loops). Special files are skipped with a
//! problem; a given path that does not exist is the only fatal error.

use std::collections::HashSet;
use std::fs::{self, Metadata};
use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, Problem};

/// Where a found source's bytes come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Standard input (`-`).
    Stdin,
    /// A regular file (symlinks followed): mapped or read whole when opened.
    File(PathBuf),
    /// A FIFO named on the command line (`<(zcat ...)`): read like stdin.
    Pipe(PathBuf),
}

/// A source found on disk, not yet opened.
#[derive(Debug)]
pub(crate) struct Discovered {
    /// Display path, relative as the user wrote it.
    pub display: String,
    /// How to open it: a file is mapped or read, stdin and pipes are streamed.
    pub origin: Origin,
    /// Its metadata (absent for stdin).
    pub metadata: Option<Metadata>,
}

/// Everything found under the given paths, in walk order, and the soft problems.
#[derive(Debug, Default)]
pub(crate) struct Discovery {
    /// What to open: files, pipes and stdin.
    pub found: Vec<Discovered>,
    /// Skipped entries with the reason.
    pub problems: Vec<Problem>,
    /// Display paths of the units (see [`super::Shard`] for what a unit is), in walk order.
    pub units: Vec<String>,
    /// Root keys of folders that hold node folders (`<dir>/<node>/var/log`), seen on
    /// disk: a given collection, and the folder above a node folder given alone. A
    /// folder without `var/log` beside them (only a journal export and captures) is
    /// then named after itself however few of its neighbours are read.
    pub node_parents: Vec<String>,
}

/// Walk `paths` (`-` is stdin, displayed as `stdin_name`). Fails only for a given
/// path that does not exist.
pub(crate) fn discover(paths: &[PathBuf], stdin_name: &str) -> Result<Discovery, Error> {
    let mut walk = Walk::default();
    for path in paths {
        if path.as_os_str() == "-" {
            if !walk.stdin_seen {
                walk.stdin_seen = true;
                walk.out.units.push(stdin_name.to_owned());
                walk.out.found.push(Discovered {
                    display: stdin_name.to_owned(),
                    origin: Origin::Stdin,
                    metadata: None,
                });
            }
            continue;
        }
        walk.given(path)?;
        walk.units_of(path);
    }
    Ok(walk.out)
}

/// Whether `dir` is a collection of node folders as the layout rules name them: a
/// subdirectory (not a sosreport, which names itself) holds a `var` or `etc` directory
/// (`bundle/node-1/var/log/...`).
fn holds_node_folders(dir: &Path) -> bool {
    children(dir).iter().any(|child| {
        let sosreport = child
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("sosreport-"));
        !sosreport && is_node_folder(child)
    })
}

/// A directory with `var` or `etc` directly under it: a copy of a node's file system.
fn is_node_folder(dir: &Path) -> bool {
    dir.join("var").is_dir() || dir.join("etc").is_dir()
}

/// Whether the entries of `dir` are units rather than `dir` itself: it is no node's
/// file system, and it holds node folders (sosreports too) or per-node archives
/// (`<node>.tar.gz`) beside nothing but other archives.
fn holds_units(dir: &Path) -> bool {
    if is_node_folder(dir) {
        return false;
    }
    let entries = children(dir);
    let folders = entries.iter().any(|c| c.is_dir() && is_node_folder(c));
    let files: Vec<&PathBuf> = entries.iter().filter(|c| c.is_file()).collect();
    let archives = !files.is_empty() && files.iter().all(|f| is_archive_name(f));
    folders || archives
}

/// Names an archive by its extension (as the Dask driver and download scripts can).
fn is_archive_name(path: &Path) -> bool {
    const ARCHIVES: [&str; 6] = [".tar", ".tar.gz", ".tgz", ".tar.zst", ".tzst", ".tar.xz"];
    let name = path.to_string_lossy();
    ARCHIVES.iter().any(|suffix| name.ends_with(suffix))
}

/// The entries of a directory (none when it cannot be read; the walk reports that).
fn children(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

#[derive(Default)]
struct Walk {
    out: Discovery,
    visited: HashSet<(u64, u64)>,
    stdin_seen: bool,
}

impl Walk {
    /// Record the units of a given path: the top-level entries of a collection of
    /// node folders, else the path itself.
    fn units_of(&mut self, path: &Path) {
        // `bundle/node-7/` displays its files as `bundle/node-7/...`: the unit is
        // `bundle/node-7`, the folder above them.
        let text = path.to_string_lossy();
        let display = match text.trim_end_matches('/') {
            "" => text.into_owned(),
            trimmed => trimmed.to_owned(),
        };
        if !path.is_dir() {
            self.out.units.push(display);
            return;
        }
        if holds_node_folders(path) {
            self.out
                .node_parents
                .push(super::parts::root_key(&super::parts::from_disk_path(path)));
        }
        if holds_units(path) {
            let mut names: Vec<_> = fs::read_dir(path)
                .map(|entries| entries.flatten().map(|e| e.file_name()).collect())
                .unwrap_or_default();
            names.sort();
            self.out.units.extend(
                names
                    .iter()
                    .map(|name| path.join(name).to_string_lossy().into_owned()),
            );
            return;
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
            && holds_node_folders(parent)
        {
            self.out
                .node_parents
                .push(super::parts::root_key(&super::parts::from_disk_path(
                    parent,
                )));
        }
        self.out.units.push(display);
    }

    fn given(&mut self, path: &Path) -> Result<(), Error> {
        let display = path.to_string_lossy().into_owned();
        if let Err(err) = fs::symlink_metadata(path) {
            if err.kind() == io::ErrorKind::NotFound {
                return Err(Error::Input {
                    path: path.to_owned(),
                    message: "no such file or directory; check the path (use - to read stdin)"
                        .to_owned(),
                });
            }
            self.problem(&display, describe(&err));
            return Ok(());
        }
        let metadata = match fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                return Err(Error::Input {
                    path: path.to_owned(),
                    message: "broken symbolic link: its target does not exist".to_owned(),
                });
            }
            Err(err) => {
                self.problem(&display, describe(&err));
                return Ok(());
            }
        };
        if metadata.file_type().is_fifo() {
            self.out.found.push(Discovered {
                display,
                origin: Origin::Pipe(path.to_owned()),
                metadata: Some(metadata),
            });
            return Ok(());
        }
        self.entry(path, display, metadata);
        Ok(())
    }

    /// A file or directory reached by the walk (or given), symlinks already followed.
    fn entry(&mut self, path: &Path, display: String, metadata: Metadata) {
        let kind = metadata.file_type();
        if kind.is_dir() {
            if self.visited.insert((metadata.dev(), metadata.ino())) {
                self.directory(path, &display);
            }
        } else if kind.is_file() {
            if self.visited.insert((metadata.dev(), metadata.ino())) {
                self.out.found.push(Discovered {
                    display,
                    origin: Origin::File(path.to_owned()),
                    metadata: Some(metadata),
                });
            }
        } else {
            let what = if kind.is_fifo() {
                "a FIFO"
            } else if kind.is_socket() {
                "a socket"
            } else if kind.is_block_device() || kind.is_char_device() {
                "a device"
            } else {
                "a special file"
            };
            self.problem(&display, format!("not a regular file ({what}); skipped"));
        }
    }

    fn directory(&mut self, dir: &Path, display: &str) {
        let reader = match fs::read_dir(dir) {
            Ok(reader) => reader,
            Err(err) => {
                self.problem(
                    display,
                    format!("cannot list directory: {}", describe(&err)),
                );
                return;
            }
        };
        let mut names = Vec::new();
        for entry in reader {
            match entry {
                Ok(entry) => names.push(entry.file_name()),
                Err(err) => self.problem(
                    display,
                    format!("cannot list directory: {}", describe(&err)),
                ),
            }
        }
        names.sort();
        for name in names {
            let path = dir.join(&name);
            let child = path.to_string_lossy().into_owned();
            match fs::metadata(&path) {
                Ok(metadata) => self.entry(&path, child, metadata),
                Err(err) if err.kind() == io::ErrorKind::NotFound => {
                    self.problem(&child, "broken symbolic link; skipped".to_owned())
                }
                Err(err) => self.problem(&child, describe(&err)),
            }
        }
    }

    fn problem(&mut self, source: &str, message: String) {
        self.out.problems.push(Problem {
            source: source.to_owned(),
            message,
        });
    }
}

/// An I/O error as a problem message that says what to do.
pub(crate) fn describe(err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::PermissionDenied => {
            "permission denied; skipped (run as a user who can read it)".to_owned()
        }
        _ => format!("{err}; skipped"),
    }
}
