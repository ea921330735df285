//! Network interfaces: counters and rates over the interval, from
//! `/proc/net/dev`, and each interface's state, carrier, MTU and speed
//! from `/sys/class/net` (node_exporter's netdev and netclass).

use super::*;

impl Collector {
    pub(super) fn networks(&mut self) -> Result<Vec<Network>> {
        let text = read(&self.proc("net/dev"))?;
        let now = Instant::now();
        let mut out = Vec::new();
        let mut counters = HashMap::new();
        for line in text.lines().skip(2) {
            let Some((name, rest)) = line.split_once(':') else {
                continue;
            };
            let name = name.trim();
            if self.options.exclude_interfaces.iter().any(|i| i == name) {
                continue;
            }
            let n: Vec<u64> = rest
                .split_whitespace()
                .filter_map(|s| s.parse().ok())
                .collect();
            if n.len() < 16 {
                continue;
            }
            let (rate_rx, rate_tx) = match &self.prev_net {
                Some((then, prev)) => match prev.get(name) {
                    Some((rx, tx)) => {
                        let dt = now.duration_since(*then).as_secs_f64();
                        if dt > 0.0 {
                            (
                                Some(n[0].saturating_sub(*rx) as f64 / dt),
                                Some(n[8].saturating_sub(*tx) as f64 / dt),
                            )
                        } else {
                            (None, None)
                        }
                    }
                    None => (None, None),
                },
                None => (None, None),
            };
            counters.insert(name.to_string(), (n[0], n[8]));
            out.push(Network {
                device: name.to_string(),
                rx_bytes: n[0],
                rx_packets: n[1],
                rx_errors: n[2],
                rx_drop: n[3],
                tx_bytes: n[8],
                tx_packets: n[9],
                tx_errors: n[10],
                tx_drop: n[11],
                rx_fifo: n[4],
                rx_frame: n[5],
                rx_compressed: n[6],
                rx_multicast: n[7],
                tx_fifo: n[12],
                tx_colls: n[13],
                tx_carrier: n[14],
                tx_compressed: n[15],
                operstate: self
                    .class(name, "operstate")
                    .unwrap_or_else(|| "unknown".into()),
                carrier: self.class(name, "carrier").and_then(|v| v.parse().ok()),
                mtu_bytes: self.class(name, "mtu").and_then(|v| v.parse().ok()),
                // Virtual interfaces answer EINVAL or -1.
                speed_bytes: self
                    .class(name, "speed")
                    .and_then(|v| v.parse::<i64>().ok())
                    .filter(|&mbps| mbps > 0)
                    .map(|mbps| mbps as u64 * 125_000),
                rx_bytes_per_second: rate_rx,
                tx_bytes_per_second: rate_tx,
            });
        }
        self.prev_net = Some((now, counters));
        out.sort_by(|a, b| a.device.cmp(&b.device));
        Ok(out)
    }

    /// One attribute of `/sys/class/net/<device>/`, trimmed; `None` when
    /// the kernel refuses it (a down interface's carrier, a virtual one's speed).
    fn class(&self, device: &str, attribute: &str) -> Option<String> {
        let path = Path::new(&self.options.sys_root)
            .join("class/net")
            .join(device)
            .join(attribute);
        read(&path).ok().map(|v| v.trim().to_string())
    }
}
