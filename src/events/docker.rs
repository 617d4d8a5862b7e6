//! Docker daemon storage messages (`moby/moby/daemon/graphdriver`): the storage
//! driver in use, devicemapper thin-pool space and the loop-lvm warning.

use super::text::{after, field_text, find, lossy, token, uint, uint_after};
use super::{Kind, Payload};

/// `[graphdriver] using prior storage driver "aufs"` (≤1.12), `[graphdriver] using
/// prior storage driver: overlay2` (≥1.13), the start-up line `msg="Docker daemon"
/// commit=78d1802 graphdriver=devicemapper version=1.12.6` (`graphdriver(s)=` in
/// 17.x–20.x, `storage-driver=` later, also on devicemapper warnings).
///
/// Fields of `docker.storage_driver`: `driver`, `version` (daemon version, start-up
/// line only), `source` (`prior`, `daemon`, `field`).
pub(crate) fn storage_driver(msg: &[u8]) -> Option<Payload> {
    let p = Payload::new(Kind::DockerStorageDriver);
    if let Some(rest) = after(msg, b"[graphdriver] using prior storage driver") {
        let rest = rest.strip_prefix(b":").unwrap_or(rest);
        let name = token(rest).0;
        let name = name
            .strip_prefix(b"\\\"")
            .and_then(|n| n.strip_suffix(b"\\\""))
            .unwrap_or(name);
        let name = name
            .strip_prefix(b"\"")
            .and_then(|n| n.strip_suffix(b"\""))
            .unwrap_or(name);
        (!name.is_empty()).then_some(())?;
        return Some(p.with("driver", lossy(name)).with("source", "prior"));
    }
    let driver = field_text(msg, "graphdriver")
        .or_else(|| field_text(msg, "graphdriver(s)"))
        .or_else(|| field_text(msg, "storage-driver"))
        .or_else(|| field_text(msg, "--storage-driver"))
        .filter(|d| {
            !d.is_empty()
                && d.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })?;
    let daemon = find(msg, b"Docker daemon").is_some();
    Some(
        p.with("driver", driver)
            .with_opt(
                "version",
                daemon.then(|| field_text(msg, "version")).flatten(),
            )
            .with("source", if daemon { "daemon" } else { "field" }),
    )
}

/// `devmapper: Thin Pool has 1562 free data blocks which is less than minimum required
/// 1638 free data blocks. ...` (data or metadata), usually inside `Handler for POST ...
/// returned error: ...`. Fields of `storage.thinpool_full`: `free_blocks`,
/// `min_blocks`, `pool` (`data` | `metadata`).
pub(crate) fn devmapper_low_space(msg: &[u8]) -> Option<Payload> {
    let rest = after(msg, b"Thin Pool has ")?;
    let (free, rest) = uint(rest)?;
    let pool = if rest.starts_with(b" free data blocks") {
        "data"
    } else if rest.starts_with(b" free metadata blocks") {
        "metadata"
    } else {
        return None;
    };
    let min = uint_after(rest, b"minimum required ")?;
    Some(
        Payload::new(Kind::ThinpoolFull)
            .with("free_blocks", free)
            .with("min_blocks", min)
            .with("pool", pool),
    )
}

/// `[devmapper: ]Usage of loopback devices is strongly discouraged for production use.
/// ...` (loop-lvm). Fields of `docker.loopback_warning`: `driver` (`devicemapper`).
pub(crate) fn loopback_warning(msg: &[u8]) -> Option<Payload> {
    find(msg, b"Usage of loopback devices is strongly discouraged")?;
    Some(Payload::new(Kind::LoopbackWarning).with("driver", "devicemapper"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn storage_driver_forms() {
        let p = storage_driver(br#"[graphdriver] using prior storage driver "aufs""#).unwrap();
        assert_eq!(p.fields["driver"], json!("aufs"));
        let p = storage_driver(b"[graphdriver] using prior storage driver: overlay2").unwrap();
        assert_eq!(p.fields["driver"], json!("overlay2"));
        let p = storage_driver(br#"time="2018-06-10T03:05:13.803095123Z" level=info msg="Docker daemon" commit=78d1802 graphdriver=devicemapper version=1.12.6"#).unwrap();
        assert_eq!(p.fields["driver"], json!("devicemapper"));
        assert_eq!(p.fields["version"], json!("1.12.6"));
        let p = storage_driver(br#"level=info msg="Docker daemon" commit=e68fc7a graphdriver(s)=overlay2 version=18.09.7"#).unwrap();
        assert_eq!(p.fields["driver"], json!("overlay2"));
        assert!(storage_driver(b"[graphdriver] trying provided driver: overlay2").is_none());
    }

    #[test]
    fn devmapper_space() {
        let p = devmapper_low_space(b"Handler for POST /v1.37/containers/create returned error: devmapper: Thin Pool has 1562 free data blocks which is less than minimum required 1638 free data blocks. Create more free space in thin pool or use dm.min_free_space option to change behavior").unwrap();
        assert_eq!(p.fields["free_blocks"], json!(1562));
        assert_eq!(p.fields["min_blocks"], json!(1638));
        assert_eq!(p.fields["pool"], json!("data"));
        let p = devmapper_low_space(b"devmapper: Thin Pool has 10 free metadata blocks which is less than minimum required 20 free metadata blocks.").unwrap();
        assert_eq!(p.fields["pool"], json!("metadata"));
    }

    #[test]
    fn loopback() {
        assert!(loopback_warning(b"devmapper: Usage of loopback devices is strongly discouraged for production use. Please use `--storage-opt dm.thinpooldev` or use `man docker` to refer to dm.thinpooldev section.").is_some());
        assert!(loopback_warning(b"Usage of loopback devices is fine").is_none());
    }
}
