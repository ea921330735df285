//! The runtime health of a service, under the names its ecosystem's client
//! library uses (prom-client's `nodejs_*`, prometheus_client's
//! `python_gc_*`), so existing dashboards read them. The runtime itself is
//! measured in its own language (only JavaScript can watch its event loop,
//! only Python its collector); the binding hands the readings here.

use super::registry::{Counter, Gauge, Histogram, MetricOptions, Registry};
use crate::error::Result;

/// prom-client's GC duration buckets, seconds.
pub const GC_BUCKETS: [f64; 6] = [0.001, 0.01, 0.1, 1.0, 2.0, 5.0];

fn opts(labels: &[&str], buckets: Option<&[f64]>) -> MetricOptions {
    MetricOptions {
        labels: labels.iter().map(|s| s.to_string()).collect(),
        buckets: buckets.map(<[f64]>::to_vec),
        max_series: None,
    }
}

/// Event-loop delay percentiles and utilisation, one reading.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct EventLoopReading {
    /// Minimum delay, seconds.
    pub min: f64,
    /// Maximum delay, seconds.
    pub max: f64,
    /// Mean delay, seconds.
    pub mean: f64,
    /// Standard deviation, seconds.
    pub stddev: f64,
    /// 50th percentile, seconds.
    pub p50: f64,
    /// 90th percentile, seconds.
    pub p90: f64,
    /// 99th percentile, seconds.
    pub p99: f64,
    /// Share of time the loop was busy since the previous reading (0–1).
    pub utilization: f64,
}

/// Node's runtime series, named as prom-client names them.
#[derive(Clone)]
pub struct NodeRuntime {
    lag: [Gauge; 7],
    utilization: Gauge,
    gc: Histogram,
    heap_total: Gauge,
    heap_used: Gauge,
    external: Gauge,
    resources: Gauge,
}

impl std::fmt::Debug for NodeRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeRuntime").finish_non_exhaustive()
    }
}

impl NodeRuntime {
    /// Register the series in `registry` (the same ones again when they exist).
    pub fn new(registry: &Registry) -> Result<NodeRuntime> {
        let g = |name: &str, help: &str| registry.gauge(name, help, &opts(&[], None));
        let lag = |which: &str| {
            g(
                &format!("nodejs_eventloop_lag_{which}seconds"),
                &format!(
                    "The {} event loop delay, seconds.",
                    which.trim_end_matches('_')
                ),
            )
        };
        Ok(NodeRuntime {
            lag: [
                lag("min_")?,
                lag("max_")?,
                lag("mean_")?,
                lag("stddev_")?,
                lag("p50_")?,
                lag("p90_")?,
                lag("p99_")?,
            ],
            utilization: g(
                "nodejs_eventloop_utilization_ratio",
                "Share of time the event loop was busy since the previous reading.",
            )?,
            gc: registry.histogram(
                "nodejs_gc_duration_seconds",
                "Garbage collection duration by kind, seconds.",
                &opts(&["kind"], Some(&GC_BUCKETS)),
            )?,
            heap_total: g(
                "nodejs_heap_size_total_bytes",
                "Process heap size from Node.js, bytes.",
            )?,
            heap_used: g(
                "nodejs_heap_size_used_bytes",
                "Process heap size used from Node.js, bytes.",
            )?,
            external: g(
                "nodejs_external_memory_bytes",
                "Node.js external memory size, bytes.",
            )?,
            // prom-client's by-type gauge of process.getActiveResourcesInfo();
            // its `nodejs_active_handles_total` and `_requests_total` are
            // gauges named like counters, which promtool's lint refuses.
            resources: registry.gauge(
                "nodejs_active_resources",
                "Active resources keeping the event loop alive, by type.",
                &opts(&["type"], None),
            )?,
        })
    }

    /// One event-loop reading.
    pub fn event_loop(&self, r: &EventLoopReading) -> Result<()> {
        for (g, v) in self
            .lag
            .iter()
            .zip([r.min, r.max, r.mean, r.stddev, r.p50, r.p90, r.p99])
        {
            g.set(&[], v)?;
        }
        self.utilization.set(&[], r.utilization)
    }

    /// One collection of `kind` (`minor`, `major`, `incremental`,
    /// `weakcb`) that paused for `seconds`.
    pub fn gc(&self, kind: &str, seconds: f64) -> Result<()> {
        self.gc.observe(&[kind], seconds)
    }

    /// Heap state, and the active resources as `process.getActiveResourcesInfo()`
    /// lists them (one type name per resource): counted by type, and a
    /// type seen before but absent now set to 0.
    pub fn memory(
        &self,
        heap_total: f64,
        heap_used: f64,
        external: f64,
        resources: &[String],
    ) -> Result<()> {
        self.heap_total.set(&[], heap_total)?;
        self.heap_used.set(&[], heap_used)?;
        self.external.set(&[], external)?;
        let mut counts: std::collections::BTreeMap<&str, f64> = std::collections::BTreeMap::new();
        for r in resources {
            *counts.entry(r.as_str()).or_default() += 1.0;
        }
        // A type the gauge has a series of but absent now reads 0.
        for labels in self.resources.label_sets() {
            if let [t] = labels.as_slice()
                && !counts.contains_key(t.as_str())
            {
                self.resources.set(&[t.as_str()], 0.0)?;
            }
        }
        for (t, n) in &counts {
            self.resources.set(&[t], *n)?;
        }
        Ok(())
    }
}

/// Python's runtime series: prometheus_client's GC counters by generation,
/// with the pause of each collection and the thread count.
#[derive(Clone)]
pub struct PythonRuntime {
    collections: Counter,
    collected: Counter,
    uncollectable: Counter,
    pause: Histogram,
    threads: Gauge,
}

impl std::fmt::Debug for PythonRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PythonRuntime").finish_non_exhaustive()
    }
}

impl PythonRuntime {
    /// Register the series in `registry` (the same ones again when they exist).
    pub fn new(registry: &Registry) -> Result<PythonRuntime> {
        let generation = opts(&["generation"], None);
        Ok(PythonRuntime {
            collections: registry.counter(
                "python_gc_collections",
                "Number of times this generation was collected.",
                &generation,
            )?,
            collected: registry.counter(
                "python_gc_objects_collected",
                "Objects collected during gc.",
                &generation,
            )?,
            uncollectable: registry.counter(
                "python_gc_objects_uncollectable",
                "Uncollectable objects found during GC.",
                &generation,
            )?,
            pause: registry.histogram(
                "python_gc_duration_seconds",
                "Garbage collection pause by generation, seconds.",
                &opts(&["generation"], Some(&GC_BUCKETS)),
            )?,
            threads: registry.gauge("python_threads", "Live Python threads.", &opts(&[], None))?,
        })
    }

    /// One collection of `generation` that paused for `seconds`.
    pub fn gc(
        &self,
        generation: u32,
        seconds: f64,
        collected: u64,
        uncollectable: u64,
    ) -> Result<()> {
        let g = generation.to_string();
        let l = [g.as_str()];
        self.collections.inc(&l, 1.0)?;
        self.collected.inc(&l, collected as f64)?;
        self.uncollectable.inc(&l, uncollectable as f64)?;
        self.pause.observe(&l, seconds.max(0.0))
    }

    /// The live thread count.
    pub fn threads(&self, n: u64) -> Result<()> {
        self.threads.set(&[], n as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposition::Exposition;

    #[test]
    fn active_resources_are_counted_by_type_and_a_gone_type_reads_0() {
        let r = Registry::new();
        let rt = NodeRuntime::new(&r).unwrap();
        let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        rt.memory(1.0, 1.0, 0.0, &list(&["TCPWrap", "Timeout", "Timeout"]))
            .unwrap();
        let text = r.exposition(Exposition::Text);
        assert!(
            text.contains("nodejs_active_resources{type=\"Timeout\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("nodejs_active_resources{type=\"TCPWrap\"} 1\n"),
            "{text}"
        );
        rt.memory(1.0, 1.0, 0.0, &list(&["Timeout"])).unwrap();
        let text = r.exposition(Exposition::Text);
        assert!(
            text.contains("nodejs_active_resources{type=\"TCPWrap\"} 0\n"),
            "{text}"
        );
        assert!(
            text.contains("nodejs_active_resources{type=\"Timeout\"} 1\n"),
            "{text}"
        );
    }
}
