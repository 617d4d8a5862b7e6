//! Network messages of the kernel and its NIC drivers: neighbour (ARP/NDP) table
//! overflow (`kernel.neighbour_table_overflow`), a network namespace that cannot be
//! torn down (`kernel.unregister_netdevice`), NIC resets (`net.nic_reset`) and
//! transmit timeouts / hung transmit rings (`net.nic_tx_timeout`).
//!
//! Formats: `net/core/neighbour.c` (`neighbour: %s: neighbor table overflow!`, 2.6–3.x
//! `Neighbour table overflow.` after the caller's `ipv4: ` prefix), `net/core/dev.c`
//! `netdev_wait_allrefs` (`unregister_netdevice: waiting for %s to become free. Usage
//! count = %d`), `net/sched/sch_generic.c` `dev_watchdog` (`NETDEV WATCHDOG: %s (%s):
//! transmit queue %u timed out`, 6.x `netdev_crit`: `<driver> <pci> <if>: NETDEV
//! WATCHDOG: CPU: %d: transmit queue %u timed out %u ms`), and driver messages
//! printed through `netdev_err`/`dev_err` as `<driver> <pci address> <interface>: ...`.

use nom::Parser;
use nom::bytes::complete::{tag, take_until};
use nom::sequence::preceded;

use super::text::{PResult, after, anchor, dec_i64, find, lossy, run_grammar, uint_after};
use super::{Kind, Payload};

/// `neighbour: arp_cache: neighbor table overflow!` (3.x+) or `ipv4: Neighbour table
/// overflow.` (2.6). Fields of `kernel.neighbour_table_overflow`: `table`
/// (`arp_cache`, `ndisc_cache`), `family` (`ipv4`/`ipv6`, from the table or prefix).
pub(crate) fn neighbour_overflow(msg: &[u8]) -> Option<Payload> {
    if let Some(at) = find(msg, b": neighbor table overflow!") {
        let head = msg.get(..at)?;
        let start = head
            .iter()
            .rposition(|b| b.is_ascii_whitespace())
            .map_or(0, |i| i + 1);
        let table = head.get(start..)?;
        let family = match table {
            b"arp_cache" => Some("ipv4"),
            b"ndisc_cache" => Some("ipv6"),
            _ => None,
        };
        return Some(
            Payload::new(Kind::NeighbourTableOverflow)
                .with_opt("table", (!table.is_empty()).then(|| lossy(table)))
                .with_opt("family", family),
        );
    }
    let at = find(msg, b"Neighbour table overflow.")?;
    let head = msg.get(..at)?;
    let family = if head.ends_with(b"ipv6: ") {
        Some("ipv6")
    } else if head.ends_with(b"ipv4: ") {
        Some("ipv4")
    } else {
        None
    };
    Some(Payload::new(Kind::NeighbourTableOverflow).with_opt("family", family))
}

/// `unregister_netdevice: waiting for eth0 to become free. Usage count = 21`.
/// Fields of `kernel.unregister_netdevice`: `device`, `usage_count`.
pub(crate) fn unregister_netdevice(msg: &[u8]) -> Option<Payload> {
    let (device, count) = run_grammar(msg, waiting_for_device).ok()?;
    Some(
        Payload::new(Kind::UnregisterNetdevice)
            .with("device", lossy(device))
            .with("usage_count", count),
    )
}

fn waiting_for_device(input: &[u8]) -> PResult<'_, (&[u8], i64)> {
    let (input, _) = anchor("unregister_netdevice: waiting for ").parse(input)?;
    let (input, device) = take_until(" to become free").parse(input)?;
    let (input, count) = preceded(tag(" to become free. Usage count = "), dec_i64).parse(input)?;
    Ok((input, (device, count)))
}

/// Ethernet drivers whose `netdev_err`/`dev_err` lines podmortem reads: the cloud
/// and data-centre NICs Kubernetes nodes run on, plus common on-board ones.
const NIC_DRIVERS: &[&str] = &[
    "ena",
    "ixgbe",
    "ixgbevf",
    "igb",
    "igbvf",
    "igc",
    "e1000",
    "e1000e",
    "i40e",
    "iavf",
    "ice",
    "mlx4_core",
    "mlx4_en",
    "mlx5_core",
    "bnxt_en",
    "bnx2x",
    "tg3",
    "r8169",
    "r8125",
    "vmxnet3",
    "virtio_net",
    "hv_netvsc",
    "gve",
    "be2net",
    "qede",
    "nfp",
    "sfc",
    "atlantic",
    "cxgb4",
    "ionic",
    "ngbe",
    "txgbe",
    "idpf",
];

/// Who printed a NIC line: driver, PCI slot, interface.
#[derive(Debug, Clone, PartialEq, Default)]
struct Nic {
    driver: Option<String>,
    pci: Option<String>,
    interface: Option<String>,
}

/// `0000:22:04.0` (`%04x:%02x:%02x.%d`).
fn is_pci_address(word: &[u8]) -> bool {
    let shape = b"hhhh:hh:hh.h";
    word.len() == shape.len()
        && word.iter().zip(shape.iter()).all(|(b, s)| match s {
            b'h' => b.is_ascii_hexdigit(),
            other => b == other,
        })
}

/// Find `<driver> <pci>[ <if>:]` (or `<driver> virtioN <if>:` for virtio) in the
/// text before `end`. The driver must be a known NIC driver unless `any_driver`.
fn nic_prefix(head: &[u8], any_driver: bool) -> Option<Nic> {
    let words: Vec<&[u8]> = head
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    for (i, w) in words.iter().enumerate() {
        let w = w.strip_suffix(b":").unwrap_or(w);
        let is_slot = is_pci_address(w) || (w.starts_with(b"virtio") && w.len() > 6);
        if !is_slot || i == 0 {
            continue;
        }
        let driver = lossy(words.get(i - 1)?);
        let known = NIC_DRIVERS.contains(&driver.as_str());
        if !known && !any_driver {
            return None;
        }
        let interface = words
            .get(i + 1)
            .filter(|n| n.ends_with(b":") && n.len() > 1)
            .map(|n| lossy(n.strip_suffix(b":").unwrap_or(n)));
        return Some(Nic {
            driver: Some(driver),
            pci: Some(lossy(w)),
            interface,
        });
    }
    None
}

/// A NIC transmit timeout or hung transmit ring: `NETDEV WATCHDOG: eth0 (e1000e):
/// transmit queue 0 timed out` (≤6.x splat), `r8125 0000:22:04.0 eth4: NETDEV
/// WATCHDOG: CPU: 3: transmit queue 0 timed out 5010 ms` (6.x), e1000e/igb `Detected
/// Hardware Unit Hang:` / `Detected Tx Unit Hang`, ENA `Found a Tx that wasn't
/// completed on time, qid 4, index 0.`, i40e `tx_timeout: VSI_seid: ...`, mlx5/virtio
/// `TX timeout on queue: 3, ...`, tg3 `transmit timed out, resetting`.
///
/// Fields of `net.nic_tx_timeout`: `driver`, `pci`, `interface`, `queue`, `timeout_ms`,
/// `reason` (which form: `watchdog`, `unit hang`, `tx not completed`, `tx timeout`).
pub(crate) fn nic_tx_timeout(msg: &[u8]) -> Option<Payload> {
    if let Some(at) = find(msg, b"NETDEV WATCHDOG: ") {
        let rest = msg.get(at + 17..)?;
        let mut nic = nic_prefix(msg.get(..at)?, true).unwrap_or_default();
        if nic.interface.is_none() {
            // Old form: `NETDEV WATCHDOG: eth0 (e1000e): transmit queue 0 timed out`.
            let (iface, tail) = super::text::token(rest);
            if let Some(drv) = tail.trim_ascii_start().strip_prefix(b"(") {
                let end = drv.iter().position(|&b| b == b')')?;
                nic.driver = Some(lossy(drv.get(..end)?));
                nic.interface = Some(lossy(iface));
            }
        }
        find(rest, b"timed out")?;
        let timeout_ms = after(rest, b"timed out ").and_then(|r| {
            let (n, unit) = super::text::uint(r)?;
            unit.starts_with(b" ms").then_some(n)
        });
        return Some(
            nic_payload(Kind::NicTxTimeout, nic, "watchdog")
                .with_opt("queue", uint_after(rest, b"transmit queue "))
                .with_opt("timeout_ms", timeout_ms),
        );
    }
    let forms: &[(&[u8], &str)] = &[
        (b"Detected Hardware Unit Hang", "unit hang"),
        (b"Detected Tx Unit Hang", "unit hang"),
        (
            b"Found a Tx that wasn't completed on time",
            "tx not completed",
        ),
        (b"tx_timeout", "tx timeout"),
        (b"TX timeout", "tx timeout"),
        (b"Tx timeout", "tx timeout"),
        (b"tx timeout", "tx timeout"),
        (b"transmit timed out", "tx timeout"),
    ];
    let (at, reason) = forms
        .iter()
        .find_map(|(n, r)| find(msg, n).map(|at| (at, *r)))?;
    let nic = nic_prefix(msg.get(..at)?, false)?;
    let queue = uint_after(msg, b"qid ").or_else(|| uint_after(msg, b"queue: "));
    Some(nic_payload(Kind::NicTxTimeout, nic, reason).with_opt("queue", queue))
}

/// A NIC reset by its driver: e1000e `Reset adapter unexpectedly`, igb/ixgbe `Reset
/// adapter`, ENA `Trigger reset is on` / `Device reset completed successfully`, i40e
/// `TX driver issue detected, PF reset issued`, bnxt `TX timeout detected, starting
/// reset task!`, tg3 `transmit timed out, resetting`. Only lines of a known NIC
/// driver count: `ata1: hard resetting link` and USB resets are not NIC resets.
///
/// Fields of `net.nic_reset`: `driver`, `pci`, `interface`, `reason` (the text).
pub(crate) fn nic_reset(msg: &[u8]) -> Option<Payload> {
    let at = find(msg, b"reset").or_else(|| find(msg, b"Reset"))?;
    let nic = nic_prefix(msg.get(..at)?, false)?;
    let reason = nic
        .interface
        .as_deref()
        .or(nic.pci.as_deref())
        .and_then(|name| after(msg, format!("{name}: ").as_bytes()))
        .map(|r| lossy(super::text::trim(r)));
    let mut p = nic_payload(Kind::NicReset, nic, "");
    p.fields.remove("reason");
    Some(p.with_opt("reason", reason))
}

fn nic_payload(kind: Kind, nic: Nic, reason: &str) -> Payload {
    Payload::new(kind)
        .with_opt("driver", nic.driver)
        .with_opt("pci", nic.pci)
        .with_opt("interface", nic.interface)
        .with("reason", reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // Lines copied from ../shared/corpus/k8s-node-real (file named per test) or
    // written to the format strings named in the module doc.

    #[test]
    fn neighbour_overflow_forms() {
        // F-router7-31
        let p = neighbour_overflow(b"neighbour: arp_cache: neighbor table overflow!").unwrap();
        assert_eq!(p.fields["table"], json!("arp_cache"));
        assert_eq!(p.fields["family"], json!("ipv4"));
        // F-qubes-issues-355 (garbled stamps kept by the source)
        let p =
            neighbour_overflow(b"[250066.491572](250066.489724]) ipv4: Neighbour table overflow.")
                .unwrap();
        assert_eq!(p.fields["family"], json!("ipv4"));
        assert!(neighbour_overflow(b"[ipv4: Neighbour table overflow.").is_some());
        assert!(neighbour_overflow(b"neighbour: arp_cache: gc_thresh3 raised").is_none());
    }

    #[test]
    fn unregister_netdevice_lines() {
        // F-k8s-64743
        let p = unregister_netdevice(
            b"unregister_netdevice: waiting for eth0 to become free. Usage count = 1",
        )
        .unwrap();
        assert_eq!(p.fields["device"], json!("eth0"));
        assert_eq!(p.fields["usage_count"], json!(1));
        // F-radiasoft-devops-141: wall broadcast, no space after `kernel:`
        let p = unregister_netdevice(
            b" kernel:unregister_netdevice: waiting for lo to become free. Usage count = 1",
        )
        .unwrap();
        assert_eq!(p.fields["device"], json!("lo"));
        // F-k8s-20096: relayed by node-problem-detector as an event row
        let p = unregister_netdevice(b"Warning  UnregisterNetDevice  3s (x14245 over 1d)  kernel-monitor, gke-c1-cpu8-mem52-e7a9e3b3-3w22  unregister_netdevice: waiting for eth0 to become free. Usage count = 21").unwrap();
        assert_eq!(p.fields["usage_count"], json!(21));
        assert!(unregister_netdevice(b"unregister_netdevice: waiting for eth0").is_none());
    }

    #[test]
    fn tx_timeouts() {
        // F-openwrt-nic-drivers-11 (6.x one-line watchdog)
        let p = nic_tx_timeout(
            b"r8125 0000:22:04.0 eth4: NETDEV WATCHDOG: CPU: 3: transmit queue 0 timed out 5010 ms",
        )
        .unwrap();
        assert_eq!(p.fields["driver"], json!("r8125"));
        assert_eq!(p.fields["pci"], json!("0000:22:04.0"));
        assert_eq!(p.fields["interface"], json!("eth4"));
        assert_eq!(p.fields["queue"], json!(0));
        assert_eq!(p.fields["timeout_ms"], json!(5010));
        // old splat form (net/sched/sch_generic.c)
        let p =
            nic_tx_timeout(b"NETDEV WATCHDOG: eth0 (e1000e): transmit queue 0 timed out").unwrap();
        assert_eq!(p.fields["driver"], json!("e1000e"));
        assert_eq!(p.fields["interface"], json!("eth0"));
        // F-talos-10200 (Talos kmsg prefix left in the message)
        let p = nic_tx_timeout(b" kern:     err: [2025-01-22T15:00:15.542409509Z]: e1000e 0000:00:1f.6 eno1: Detected Hardware Unit Hang:").unwrap();
        assert_eq!(p.fields["driver"], json!("e1000e"));
        assert_eq!(p.fields["interface"], json!("eno1"));
        assert_eq!(p.fields["reason"], json!("unit hang"));
        let p = nic_tx_timeout(
            b"ena 0000:00:05.0 eth0: Found a Tx that wasn't completed on time, qid 4, index 0.",
        )
        .unwrap();
        assert_eq!(p.fields["queue"], json!(4));
        // F-openwrt: the driver's follow-up line is not a second timeout
        assert!(
            nic_tx_timeout(
                b"r8125 0000:22:04.0 eth4: rtl_rxtx_empty_cond == 0 (loop: 42, delay: 100)."
            )
            .is_none()
        );
    }

    #[test]
    fn nic_resets_only_for_nic_drivers() {
        let p = nic_reset(b"e1000e 0000:00:1f.6 eno1: Reset adapter unexpectedly").unwrap();
        assert_eq!(p.fields["driver"], json!("e1000e"));
        assert_eq!(p.fields["reason"], json!("Reset adapter unexpectedly"));
        let p = nic_reset(b"ena 0000:00:05.0 eth0: Trigger reset is on").unwrap();
        assert_eq!(p.fields["interface"], json!("eth0"));
        let p = nic_reset(b"ena 0000:00:05.0: Device reset completed successfully, Driver info: Elastic Network Adapter (ENA) v2.2.10g").unwrap();
        assert_eq!(p.fields["pci"], json!("0000:00:05.0"));
        assert!(!p.fields.contains_key("interface"));
        assert!(nic_reset(b"ata1: hard resetting link").is_none());
        assert!(
            nic_reset(b"usb 1-1: reset high-speed USB device number 2 using ehci-pci").is_none()
        );
        assert!(nic_reset(b"ahci 0000:00:1f.2: controller reset failed").is_none());
    }
}
