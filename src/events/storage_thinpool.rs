//! A thin pool out of space (`storage.thinpool_full`), whoever reports it: Docker's
//! devicemapper driver refusing to allocate (`devmapper: Thin Pool has 2017 free data
//! blocks which is less than minimum required 2128 free data blocks`, usually inside an
//! `Error response from daemon` or `API error (500)` relayed by kubelet or a build
//! tool) or the kernel's dm-thin target changing the pool's mode
//! (`drivers/md/dm-thin.c` `set_pool_mode`: `device-mapper: thin: 253:2: switching
//! pool to out-of-data-space (queue IO) mode`, `... to read-only mode`, `... to failure
//! mode`). The low-water-mark event (`reached low water mark for data device`) is a
//! warning before this, not this.

use super::text::{after, find, lossy, token};
use super::{Kind, Payload, docker};

/// Fields of `storage.thinpool_full`: `source` (`docker` | `dm-thin`), `pool` (`data`
/// | `metadata`, which space ran out, when known), `free_blocks` and `min_blocks`
/// (Docker's check), `device` (dm-thin's `major:minor`), `mode` (dm-thin's new mode:
/// `out-of-data-space`, `read-only`, `failure`).
pub(crate) fn thinpool_full(msg: &[u8]) -> Option<Payload> {
    if let Some(low) = docker::devmapper_low_space(msg) {
        let mut p = Payload::new(Kind::ThinpoolFull).with("source", "docker");
        p.fields.extend(low.fields);
        return Some(p);
    }
    let rest = after(msg, b"device-mapper: thin: ")?;
    let (device, tail) = token(rest);
    let device = device.strip_suffix(b":")?;
    let mode = after(tail, b"switching pool to ")?;
    let mode = token(mode).0;
    let (mode, pool) = match mode {
        b"out-of-data-space" => ("out-of-data-space", Some("data")),
        b"read-only" => ("read-only", None),
        b"failure" => ("failure", None),
        _ => return None,
    };
    let pool = pool.or_else(|| find(msg, b"metadata").map(|_| "metadata"));
    Some(
        Payload::new(Kind::ThinpoolFull)
            .with("source", "dm-thin")
            .with("device", lossy(device))
            .with("mode", mode)
            .with_opt("pool", pool),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn docker_devmapper_refusals() {
        // I-k8s-61062
        let p = thinpool_full(b"Error response from daemon: devmapper: Thin Pool has 37100 free data blocks which is less than minimum required 40876 free data blocks. Create more free space in thin pool or use dm.min_free_space option to change behavior").unwrap();
        assert_eq!(p.fields["source"], json!("docker"));
        assert_eq!(p.fields["free_blocks"], json!(37100));
        assert_eq!(p.fields["min_blocks"], json!(40876));
        assert_eq!(p.fields["pool"], json!("data"));
        // I-aos-cd-jobs-992: the JSON error wrapped by the build log after `free`
        let p = thinpool_full(br#"{"message":"devmapper: Thin Pool has 2017 free data blocks which is less than minimum required 2128 free"#).unwrap();
        assert_eq!(p.fields["min_blocks"], json!(2128));
    }

    #[test]
    fn dm_thin_mode_switches() {
        let p = thinpool_full(
            b"device-mapper: thin: 253:2: switching pool to out-of-data-space (queue IO) mode",
        )
        .unwrap();
        assert_eq!(p.fields["device"], json!("253:2"));
        assert_eq!(p.fields["mode"], json!("out-of-data-space"));
        assert_eq!(p.fields["pool"], json!("data"));
        let p =
            thinpool_full(b"device-mapper: thin: 253:2: switching pool to read-only mode").unwrap();
        assert_eq!(p.fields["mode"], json!("read-only"));
        assert!(thinpool_full(b"device-mapper: thin: 253:2: reached low water mark for data device: sending event.").is_none());
        assert!(
            thinpool_full(b"device-mapper: thin: 253:2: switching pool to write mode").is_none()
        );
    }
}
