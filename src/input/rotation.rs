//! Rotation streams: `syslog`, `syslog.1`, `syslog.2.gz`, `kubelet.log-20180617.gz`
//! and `messages-20180617` are one stream each, ordered live file first (rotation 0),
//! then older and older files (higher rotation).

/// What a file name says about its rotation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RotationName {
    /// The name without rotation and compression suffixes (`syslog`).
    pub base: String,
    /// Where this file sits in its stream.
    pub slot: Slot,
}

/// A rotation suffix.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Slot {
    /// No suffix: the live file.
    Live,
    /// `.N` (logrotate numbering): N.
    Numbered(u32),
    /// A date suffix (`-20180617`, `.20180617-030513`) as a sortable number.
    Dated(u64),
}

/// Split a file name into its stream base and rotation slot.
pub(crate) fn parse(file_name: &str) -> RotationName {
    let mut name = file_name;
    for ext in [".gz", ".zst", ".xz", ".bz2"] {
        if let Some(stem) = name.strip_suffix(ext)
            && !stem.is_empty()
        {
            name = stem;
            break;
        }
    }
    if let Some((stem, n)) = numbered(name) {
        return RotationName {
            base: stem.to_owned(),
            slot: Slot::Numbered(n),
        };
    }
    if let Some((stem, date)) = dated(name) {
        return RotationName {
            base: stem.to_owned(),
            slot: Slot::Dated(date),
        };
    }
    RotationName {
        base: name.to_owned(),
        slot: Slot::Live,
    }
}

/// `name.N` with 1 to 4 digits (longer numbers are dates or ids, not rotations).
fn numbered(name: &str) -> Option<(&str, u32)> {
    let (stem, digits) = name.rsplit_once('.')?;
    if stem.is_empty() || digits.is_empty() || digits.len() > 4 {
        return None;
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((stem, digits.parse().ok()?))
}

/// `name-YYYYMMDD`, `name.YYYYMMDD`, optionally followed by `HH`, `-HHMMSS` or `HHMMSS`.
fn dated(name: &str) -> Option<(&str, u64)> {
    let cut = name.rfind(['-', '.', '_']).filter(|&i| i > 0)?;
    let (stem, suffix) = (name.get(..cut)?, name.get(cut + 1..)?);
    if let Some(date) = date_number(suffix) {
        return Some((stem, date));
    }
    // `0.log.20210617-030513`: the cut above landed inside the suffix; try one earlier.
    let earlier = stem.rfind(['-', '.', '_']).filter(|&i| i > 0)?;
    let whole = name.get(earlier + 1..)?;
    Some((name.get(..earlier)?, date_number(whole)?))
}

/// A plausible date suffix as `YYYYMMDDhhmmss` (missing time parts are zero).
fn date_number(suffix: &str) -> Option<u64> {
    let digits: String = suffix.chars().filter(|c| *c != '-').collect();
    if !(digits.len() == 8 || digits.len() == 10 || digits.len() == 14) {
        return None;
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) || suffix.matches('-').count() > 1 {
        return None;
    }
    let year: u32 = digits.get(0..4)?.parse().ok()?;
    let month: u32 = digits.get(4..6)?.parse().ok()?;
    let day: u32 = digits.get(6..8)?.parse().ok()?;
    if !(1970..=2200).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut padded = digits;
    while padded.len() < 14 {
        padded.push('0');
    }
    padded.parse().ok()
}

/// Rotation numbers for the slots of one stream: live 0, `.N` keeps N, dated files
/// come after the numbered ones, newest date first (older files get higher numbers).
pub(crate) fn rotations(slots: &[Slot]) -> Vec<u32> {
    let max_numbered = slots
        .iter()
        .filter_map(|s| match s {
            Slot::Numbered(n) => Some(*n),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let mut dates: Vec<u64> = slots
        .iter()
        .filter_map(|s| match s {
            Slot::Dated(d) => Some(*d),
            _ => None,
        })
        .collect();
    dates.sort_unstable_by(|a, b| b.cmp(a));
    dates.dedup();
    slots
        .iter()
        .map(|slot| match slot {
            Slot::Live => 0,
            Slot::Numbered(n) => *n,
            Slot::Dated(d) => {
                let rank = dates.iter().position(|x| x == d).unwrap_or(0);
                max_numbered.saturating_add(u32::try_from(rank).unwrap_or(u32::MAX - 1) + 1)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(name: &str) -> (String, Slot) {
        let r = parse(name);
        (r.base, r.slot)
    }

    #[test]
    fn logrotate_names() {
        assert_eq!(split("syslog"), ("syslog".into(), Slot::Live));
        assert_eq!(split("syslog.1"), ("syslog".into(), Slot::Numbered(1)));
        assert_eq!(split("syslog.2.gz"), ("syslog".into(), Slot::Numbered(2)));
        assert_eq!(
            split("kern.log.3.gz"),
            ("kern.log".into(), Slot::Numbered(3))
        );
        assert_eq!(split("kern.log"), ("kern.log".into(), Slot::Live));
        assert_eq!(
            split("kubelet.log-20180617.gz"),
            ("kubelet.log".into(), Slot::Dated(20180617000000))
        );
        assert_eq!(
            split("messages-20180617"),
            ("messages".into(), Slot::Dated(20180617000000))
        );
        assert_eq!(
            split("0.log.20210617-030513"),
            ("0.log".into(), Slot::Dated(20210617030513))
        );
        assert_eq!(split("0.log"), ("0.log".into(), Slot::Live));
        assert_eq!(
            split("app-12345678901"),
            ("app-12345678901".into(), Slot::Live)
        );
    }

    #[test]
    fn dated_files_older_get_higher_rotation() {
        let slots = [
            Slot::Dated(20180610000000),
            Slot::Live,
            Slot::Dated(20180617000000),
        ];
        assert_eq!(rotations(&slots), [2, 0, 1]);
        assert_eq!(
            rotations(&[Slot::Numbered(1), Slot::Numbered(2), Slot::Live]),
            [1, 2, 0]
        );
    }
}
