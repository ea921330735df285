//! A metrics registry for services: counters, gauges and histograms with
//! labels, recorded from many threads with atomics only (a series, once
//! made, is found under a read lock without allocating; a handle skips
//! even that), a cap on the series of each metric (label sets past it fold
//! into one `other` series and are counted), rendered in Prometheus text
//! 0.0.4 or OpenMetrics beside the host's series.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use crate::error::{Error, Result};
pub use crate::exposition::HTTP_DURATION_BUCKETS;
use crate::exposition::{Exposition, Writer, format_bound};

/// Series a metric holds before new label sets fold into its `other`
/// series (each label `other`), unless the metric says otherwise.
pub const DEFAULT_MAX_SERIES: usize = 1000;

/// What a counter's `inc` adds when no amount is given (every Prometheus
/// client's default), for the bindings' `inc()`.
pub const COUNTER_STEP: f64 = 1.0;

/// The label value of the series that label sets past the cap fold into.
pub const OVERFLOW_LABEL: &str = "other";

/// What a metric is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricKind {
    /// Only goes up (`*_total`).
    Counter,
    /// Goes up and down.
    Gauge,
    /// Counts observations into buckets, with their sum.
    Histogram,
}

impl MetricKind {
    fn as_str(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Histogram => "histogram",
        }
    }
}

/// An f64 in an `AtomicU64`, added to with a compare-and-swap loop.
#[derive(Default)]
struct AtomicF64(AtomicU64);

impl AtomicF64 {
    fn add(&self, v: f64) {
        let _ = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                Some((f64::from_bits(bits) + v).to_bits())
            });
    }
    fn set(&self, v: f64) {
        self.0.store(v.to_bits(), Ordering::Relaxed);
    }
    fn get(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }
}

/// One series' values: a counter's or gauge's value, or a histogram's
/// per-bucket counts (not cumulative; the last is +Inf), count and sum.
struct Cell {
    value: AtomicF64,
    buckets: Box<[AtomicU64]>,
    count: AtomicU64,
}

impl Cell {
    fn new(buckets: usize) -> Cell {
        Cell {
            value: AtomicF64::default(),
            buckets: (0..buckets).map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
        }
    }
}

struct Series {
    labels: Box<[Box<str>]>,
    cell: Cell,
}

/// A metric: its name, kind, labels, buckets, series and cap.
struct Family {
    name: String,
    help: String,
    kind: MetricKind,
    label_names: Vec<String>,
    /// Upper bounds, increasing, without +Inf (histograms only).
    bounds: Vec<f64>,
    max_series: usize,
    /// Series by the hash of their label values (collisions share a list).
    series: RwLock<HashMap<u64, Vec<Arc<Series>>>>,
    count: AtomicU64,
    overflow: Arc<Series>,
    /// Recordings folded into `overflow` because the cap was reached.
    folded: AtomicU64,
}

/// Whether two label values are equal, never reading an empty one: an
/// empty `str` may point at address 1, and glibc's AVX-512 `memcmp` given
/// length 0 still issues a masked load there, which costs ~120 ns of
/// fault-suppression assist a comparison (measured: an empty `error` label
/// made that half of a request's recording time).
#[inline]
fn same_label(a: &str, b: &str) -> bool {
    a.len() == b.len() && (a.is_empty() || a.as_bytes() == b.as_bytes())
}

/// The hash of a label set, the same for `&[&str]` and `&[Box<str>]`.
fn hash_labels<S: AsRef<str>>(values: &[S]) -> u64 {
    let mut h = foldhash::fast::FixedState::with_seed(0x6f70_736b_6974).build_hasher();
    for v in values {
        v.as_ref().hash(&mut h);
    }
    h.finish()
}

impl Family {
    fn cells(&self) -> usize {
        match self.kind {
            MetricKind::Histogram => self.bounds.len() + 1,
            _ => 0,
        }
    }

    /// The series of `values`, made when new; past the cap, the overflow series.
    fn series(&self, values: &[&str]) -> Result<Arc<Series>> {
        if values.len() != self.label_names.len() {
            return Err(Error::invalid(format!(
                "metric {} takes {} label value(s) ({}), not {}",
                self.name,
                self.label_names.len(),
                self.label_names.join(", "),
                values.len()
            )));
        }
        let key = hash_labels(values);
        let same = |s: &&Arc<Series>| {
            s.labels.len() == values.len()
                && s.labels.iter().zip(values).all(|(a, b)| same_label(a, b))
        };
        {
            let map = self.series.read().unwrap_or_else(|p| p.into_inner());
            if let Some(s) = map.get(&key).and_then(|list| list.iter().find(same)) {
                return Ok(Arc::clone(s));
            }
        }
        let mut map = self.series.write().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = map.get(&key).and_then(|list| list.iter().find(same)) {
            return Ok(Arc::clone(s));
        }
        if self.count.load(Ordering::Relaxed) as usize >= self.max_series {
            self.folded.fetch_add(1, Ordering::Relaxed);
            return Ok(Arc::clone(&self.overflow));
        }
        let s = Arc::new(Series {
            labels: values.iter().map(|v| Box::<str>::from(*v)).collect(),
            cell: Cell::new(self.cells()),
        });
        map.entry(key).or_default().push(Arc::clone(&s));
        self.count.fetch_add(1, Ordering::Relaxed);
        Ok(s)
    }

    fn render(&self, w: &mut Writer) {
        let sample_name = match self.kind {
            MetricKind::Counter => format!("{}_total", self.name),
            _ => self.name.clone(),
        };
        w.family(&sample_name, self.kind.as_str(), &self.help);
        let map = self.series.read().unwrap_or_else(|p| p.into_inner());
        let (bucket, count, sum) = (
            format!("{}_bucket", self.name),
            format!("{}_count", self.name),
            format!("{}_sum", self.name),
        );
        let mut all: Vec<&Arc<Series>> = map.values().flatten().collect();
        all.sort_by(|a, b| a.labels.cmp(&b.labels));
        if self.folded.load(Ordering::Relaxed) > 0 {
            all.push(&self.overflow);
        }
        for s in all {
            let labels: Vec<(&str, &str)> = self
                .label_names
                .iter()
                .map(String::as_str)
                .zip(s.labels.iter().map(|l| &**l))
                .collect();
            match self.kind {
                MetricKind::Counter | MetricKind::Gauge => {
                    w.sample(&sample_name, &labels, s.cell.value.get());
                }
                MetricKind::Histogram => {
                    let mut cumulative = 0u64;
                    for (i, c) in s.cell.buckets.iter().enumerate() {
                        cumulative += c.load(Ordering::Relaxed);
                        let le = match self.bounds.get(i) {
                            Some(b) => format_bound(*b),
                            None => "+Inf".to_string(),
                        };
                        let mut with_le = labels.clone();
                        with_le.push(("le", &le));
                        w.sample(&bucket, &with_le, cumulative as f64);
                    }
                    // Count from the buckets, so `_count` equals the +Inf
                    // bucket even while others record.
                    w.sample(&count, &labels, cumulative as f64);
                    w.sample(&sum, &labels, s.cell.value.get());
                }
            }
        }
    }
}

fn valid_name(name: &str, metric: bool) -> bool {
    let mut chars = name.chars();
    let first_ok = |c: char| c.is_ascii_alphabetic() || c == '_' || (metric && c == ':');
    chars.next().is_some_and(first_ok)
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || (metric && c == ':'))
}

/// How a metric is made: its labels, buckets and series cap.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct MetricOptions {
    /// Label names, in the order values are given.
    pub labels: Vec<String>,
    /// Histogram bucket upper bounds, increasing, finite (default:
    /// [`HTTP_DURATION_BUCKETS`]); +Inf is always added.
    pub buckets: Option<Vec<f64>>,
    /// Series kept before new label sets fold into `other` (default
    /// [`DEFAULT_MAX_SERIES`]).
    pub max_series: Option<usize>,
}

/// A registry of application metrics, shared by cloning (one `Arc`).
#[derive(Clone, Default)]
pub struct Registry {
    families: Arc<RwLock<Vec<Arc<Family>>>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let families = self.families.read().unwrap_or_else(|p| p.into_inner());
        f.debug_struct("Registry")
            .field(
                "metrics",
                &families.iter().map(|m| &m.name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// The process's shared registry: the same one from every thread, every
    /// Node worker and every binding that asks, so a service whose requests
    /// run on several threads or workers exposes one set of series.
    pub fn global() -> Registry {
        static GLOBAL: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
        GLOBAL.get_or_init(Registry::new).clone()
    }

    fn family(
        &self,
        name: &str,
        help: &str,
        kind: MetricKind,
        options: &MetricOptions,
    ) -> Result<Arc<Family>> {
        if !valid_name(name, true) {
            return Err(Error::invalid(format!(
                "metric name {name:?} is not a Prometheus name: use letters, digits, _ and :, not starting with a digit"
            )));
        }
        if kind == MetricKind::Counter && name.ends_with("_total") {
            return Err(Error::invalid(format!(
                "counter {name:?}: give the name without _total (the exposition adds it)"
            )));
        }
        for l in &options.labels {
            if !valid_name(l, false) || l.starts_with("__") || l == "le" {
                return Err(Error::invalid(format!(
                    "metric {name}: label name {l:?} is not allowed: use letters, digits and _, not starting with a digit or __, and not le"
                )));
            }
        }
        let bounds = match kind {
            MetricKind::Histogram => {
                let b = options
                    .buckets
                    .clone()
                    .unwrap_or_else(|| HTTP_DURATION_BUCKETS.to_vec());
                let increasing = b.windows(2).all(|w| w[0] < w[1]);
                if b.is_empty() || !increasing || b.iter().any(|x| !x.is_finite()) {
                    return Err(Error::invalid(format!(
                        "histogram {name}: buckets {b:?} must be finite and strictly increasing (+Inf is added)"
                    )));
                }
                b
            }
            _ => Vec::new(),
        };
        let max_series = options.max_series.unwrap_or(DEFAULT_MAX_SERIES);
        if max_series == 0 {
            return Err(Error::invalid(format!(
                "metric {name}: max_series must be at least 1"
            )));
        }
        let mut families = self.families.write().unwrap_or_else(|p| p.into_inner());
        if let Some(f) = families.iter().find(|f| f.name == name) {
            if f.kind != kind || f.label_names != options.labels || f.bounds != bounds {
                return Err(Error::invalid(format!(
                    "metric {name} is already registered as a {} with labels [{}]: give it the same kind, labels and buckets, or another name",
                    f.kind.as_str(),
                    f.label_names.join(", ")
                )));
            }
            return Ok(Arc::clone(f));
        }
        let cells = if kind == MetricKind::Histogram {
            bounds.len() + 1
        } else {
            0
        };
        let family = Arc::new(Family {
            name: name.to_string(),
            help: help.to_string(),
            kind,
            label_names: options.labels.clone(),
            bounds,
            max_series,
            series: RwLock::new(HashMap::new()),
            count: AtomicU64::new(0),
            overflow: Arc::new(Series {
                labels: options
                    .labels
                    .iter()
                    .map(|_| Box::<str>::from(OVERFLOW_LABEL))
                    .collect(),
                cell: Cell::new(cells),
            }),
            folded: AtomicU64::new(0),
        });
        families.push(Arc::clone(&family));
        Ok(family)
    }

    /// The counter `name` (exposed as `name_total`), made on first use;
    /// asking again with the same labels returns the same counter.
    pub fn counter(&self, name: &str, help: &str, options: &MetricOptions) -> Result<Counter> {
        self.family(name, help, MetricKind::Counter, options)
            .map(Counter)
    }

    /// The gauge `name`, made on first use.
    pub fn gauge(&self, name: &str, help: &str, options: &MetricOptions) -> Result<Gauge> {
        self.family(name, help, MetricKind::Gauge, options)
            .map(Gauge)
    }

    /// The histogram `name` (`_bucket`, `_count`, `_sum`), made on first use.
    pub fn histogram(&self, name: &str, help: &str, options: &MetricOptions) -> Result<Histogram> {
        self.family(name, help, MetricKind::Histogram, options)
            .map(Histogram)
    }

    /// Every metric in registration order, then
    /// `opskit_apm_series_overflow_total` (recordings folded into `other`
    /// per metric), without OpenMetrics' `# EOF` (see [`Registry::exposition`]).
    pub fn render_into(&self, flavour: Exposition, out: &mut String) {
        let mut w = Writer::new(flavour);
        let families = self.families.read().unwrap_or_else(|p| p.into_inner());
        for f in families.iter() {
            f.render(&mut w);
        }
        if !families.is_empty() {
            w.family(
                "opskit_apm_series_overflow_total",
                "counter",
                "Recordings folded into a metric's other series because it reached its series cap.",
            );
            for f in families.iter() {
                w.sample(
                    "opskit_apm_series_overflow_total",
                    &[("metric", &f.name)],
                    f.folded.load(Ordering::Relaxed) as f64,
                );
            }
        }
        out.push_str(&w.out);
    }

    /// The registry alone as an exposition (with `# EOF` in OpenMetrics).
    pub fn exposition(&self, flavour: Exposition) -> String {
        let mut out = String::new();
        self.render_into(flavour, &mut out);
        if flavour == Exposition::OpenMetrics {
            out.push_str("# EOF\n");
        }
        out
    }

    /// How many series each metric holds (the overflow series not counted).
    pub fn series_counts(&self) -> Vec<(String, usize)> {
        let families = self.families.read().unwrap_or_else(|p| p.into_inner());
        families
            .iter()
            .map(|f| (f.name.clone(), f.count.load(Ordering::Relaxed) as usize))
            .collect()
    }
}

/// A counter: only goes up.
#[derive(Clone)]
pub struct Counter(Arc<Family>);

/// One series of a counter, for recording without a lookup.
#[derive(Clone)]
pub struct CounterSeries(Arc<Series>);

impl Counter {
    /// The series of `labels` (values in the metric's label order).
    pub fn with(&self, labels: &[&str]) -> Result<CounterSeries> {
        self.0.series(labels).map(CounterSeries)
    }

    /// Add `by` (at least 0) to the series of `labels`.
    pub fn inc(&self, labels: &[&str], by: f64) -> Result<()> {
        self.with(labels)?.inc(by)
    }
}

impl CounterSeries {
    /// Add `by`: a counter never goes down, so a negative or NaN `by` is refused.
    pub fn inc(&self, by: f64) -> Result<()> {
        if by.is_nan() || by < 0.0 {
            return Err(Error::invalid(format!(
                "a counter only goes up: cannot add {by}"
            )));
        }
        self.0.cell.value.add(by);
        Ok(())
    }

    /// The value.
    pub fn get(&self) -> f64 {
        self.0.cell.value.get()
    }
}

/// A gauge: set, or moved up and down.
#[derive(Clone)]
pub struct Gauge(Arc<Family>);

/// One series of a gauge.
#[derive(Clone)]
pub struct GaugeSeries(Arc<Series>);

impl Gauge {
    /// The label values of every series made so far (the overflow series
    /// not included), in the metric's label order.
    pub fn label_sets(&self) -> Vec<Vec<String>> {
        let map = self.0.series.read().unwrap_or_else(|p| p.into_inner());
        map.values()
            .flatten()
            .map(|s| s.labels.iter().map(|l| l.to_string()).collect())
            .collect()
    }

    /// The series of `labels`.
    pub fn with(&self, labels: &[&str]) -> Result<GaugeSeries> {
        self.0.series(labels).map(GaugeSeries)
    }

    /// Set the series of `labels` to `value`.
    pub fn set(&self, labels: &[&str], value: f64) -> Result<()> {
        self.with(labels).map(|s| s.set(value))
    }

    /// Add `by` (negative to go down) to the series of `labels`.
    pub fn add(&self, labels: &[&str], by: f64) -> Result<()> {
        self.with(labels).map(|s| s.add(by))
    }
}

impl GaugeSeries {
    /// Set the value.
    pub fn set(&self, value: f64) {
        self.0.cell.value.set(value);
    }

    /// Add `by` (negative to go down).
    pub fn add(&self, by: f64) {
        self.0.cell.value.add(by);
    }

    /// The value.
    pub fn get(&self) -> f64 {
        self.0.cell.value.get()
    }
}

/// A histogram of observations (durations in seconds, sizes in bytes).
#[derive(Clone)]
pub struct Histogram(Arc<Family>);

/// One series of a histogram.
#[derive(Clone)]
pub struct HistogramSeries {
    series: Arc<Series>,
    family: Arc<Family>,
}

impl Histogram {
    /// The series of `labels`.
    pub fn with(&self, labels: &[&str]) -> Result<HistogramSeries> {
        Ok(HistogramSeries {
            series: self.0.series(labels)?,
            family: Arc::clone(&self.0),
        })
    }

    /// Observe `value` in the series of `labels`.
    pub fn observe(&self, labels: &[&str], value: f64) -> Result<()> {
        self.with(labels)?.observe(value)
    }
}

impl HistogramSeries {
    /// Observe `value` (NaN is refused: it has no bucket).
    pub fn observe(&self, value: f64) -> Result<()> {
        if value.is_nan() {
            return Err(Error::invalid("a histogram cannot observe NaN"));
        }
        let bounds = &self.family.bounds;
        let i = bounds.partition_point(|b| *b < value);
        self.series.cell.buckets[i].fetch_add(1, Ordering::Relaxed);
        self.series.cell.count.fetch_add(1, Ordering::Relaxed);
        self.series.cell.value.add(value);
        Ok(())
    }

    /// How many observations, and their sum.
    pub fn count_and_sum(&self) -> (u64, f64) {
        (
            self.series.cell.count.load(Ordering::Relaxed),
            self.series.cell.value.get(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(l: &[&str]) -> MetricOptions {
        MetricOptions {
            labels: l.iter().map(|s| s.to_string()).collect(),
            ..MetricOptions::default()
        }
    }

    #[test]
    fn a_value_on_a_bound_falls_in_that_bucket_as_le_says() {
        let r = Registry::new();
        let h = r
            .histogram(
                "d_seconds",
                "d",
                &MetricOptions {
                    buckets: Some(vec![0.1, 1.0]),
                    ..MetricOptions::default()
                },
            )
            .unwrap();
        for v in [0.1, 0.5, 1.0, 3.0] {
            h.observe(&[], v).unwrap();
        }
        let text = r.exposition(Exposition::Text);
        assert!(text.contains("d_seconds_bucket{le=\"0.1\"} 1\n"), "{text}");
        assert!(text.contains("d_seconds_bucket{le=\"1.0\"} 3\n"), "{text}");
        assert!(text.contains("d_seconds_bucket{le=\"+Inf\"} 4\n"), "{text}");
        assert!(
            text.contains("d_seconds_count 4\n") && text.contains("d_seconds_sum 4.6\n"),
            "{text}"
        );
    }

    #[test]
    fn bad_names_labels_buckets_and_values_are_refused_with_the_fix() {
        let r = Registry::new();
        let err = |e: Error| e.to_string();
        assert!(err(r.counter("9x", "", &labels(&[])).err().unwrap()).contains("Prometheus name"));
        assert!(
            err(r.counter("x_total", "", &labels(&[])).err().unwrap()).contains("without _total")
        );
        assert!(err(r.gauge("g", "", &labels(&["le"])).err().unwrap()).contains("not le"));
        let bad = MetricOptions {
            buckets: Some(vec![1.0, 0.5]),
            ..MetricOptions::default()
        };
        assert!(err(r.histogram("h", "", &bad).err().unwrap()).contains("increasing"));
        let c = r.counter("c", "", &labels(&["route"])).unwrap();
        assert!(
            err(c.inc(&[], 1.0).unwrap_err()).contains("takes 1 label value(s) (route), not 0")
        );
        assert!(c.inc(&["/"], -1.0).is_err() && c.inc(&["/"], f64::NAN).is_err());
        assert!(
            err(r.gauge("c", "", &labels(&["route"])).err().unwrap())
                .contains("already registered as a counter")
        );
        assert!(
            r.counter("c", "", &labels(&["route"])).is_ok(),
            "the same metric again"
        );
    }
}
