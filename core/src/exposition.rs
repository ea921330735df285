//! Prometheus text format 0.0.4 and OpenMetrics 1.0: the flavours, which
//! one a scraper asks for, and the writer every family's series go
//! through (the host's in `health`, a service's own in `apm`).

use std::fmt::Write as _;

/// Exposition flavours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exposition {
    /// Prometheus text format 0.0.4 (`text/plain; version=0.0.4`).
    Text,
    /// OpenMetrics 1.0 (`application/openmetrics-text; version=1.0.0`).
    OpenMetrics,
}

impl Exposition {
    /// The flavour a scraper's `Accept` header asks for, by RFC 9110's
    /// quality values: OpenMetrics when `application/openmetrics-text` is
    /// named with a weight above zero and at least the text format's (named
    /// or through `text/*`, `*/*`); the text format otherwise, as Prometheus'
    /// own client libraries decide.
    pub fn from_accept(accept: &str) -> Exposition {
        let (mut openmetrics, mut text) = (0.0f64, 0.0f64);
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
                .map_or(1.0, |(_, v)| v.trim().parse::<f64>().unwrap_or(0.0))
                .clamp(0.0, 1.0);
            match media.as_str() {
                "application/openmetrics-text" => openmetrics = openmetrics.max(q),
                "text/plain" | "text/*" | "*/*" => text = text.max(q),
                _ => {}
            }
        }
        if openmetrics > 0.0 && openmetrics >= text {
            Exposition::OpenMetrics
        } else {
            Exposition::Text
        }
    }

    /// The `Content-Type` of the body.
    pub fn content_type(self) -> &'static str {
        match self {
            Exposition::Text => "text/plain; version=0.0.4; charset=utf-8",
            Exposition::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Writes families and samples in one flavour.
pub(crate) struct Writer {
    /// What was written so far.
    pub(crate) out: String,
    flavour: Exposition,
}

impl Writer {
    /// An empty writer of `flavour`.
    pub(crate) fn new(flavour: Exposition) -> Writer {
        Writer {
            out: String::with_capacity(16 * 1024),
            flavour,
        }
    }

    /// `# HELP` and `# TYPE` of a family (a counter's without `_total` in OpenMetrics).
    pub(crate) fn family(&mut self, name: &str, kind: &str, help: &str) {
        // OpenMetrics calls the untyped "unknown".
        let kind = match (self.flavour, kind) {
            (Exposition::OpenMetrics, "untyped") => "unknown",
            _ => kind,
        };
        let head = if self.flavour == Exposition::OpenMetrics && kind == "counter" {
            name.strip_suffix("_total").unwrap_or(name)
        } else {
            name
        };
        let _ = writeln!(
            self.out,
            "# HELP {head} {}",
            help.replace('\\', "\\\\").replace('\n', "\\n")
        );
        let _ = writeln!(self.out, "# TYPE {head} {kind}");
    }

    /// One sample line.
    pub(crate) fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{k}=\"{}\"", escape_label(v));
            }
            self.out.push('}');
        }
        let v = if value.is_nan() {
            "NaN".to_string()
        } else if value.is_infinite() {
            if value > 0.0 {
                "+Inf".into()
            } else {
                "-Inf".into()
            }
        } else {
            format!("{value}")
        };
        let _ = writeln!(self.out, " {v}");
    }
}

/// The OpenTelemetry HTTP semantic conventions' duration buckets, seconds
/// (`http.server.request.duration`'s advice).
pub const HTTP_DURATION_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// A bucket bound as Prometheus clients write it (`0.005`, `1.0`, `10.0`).
pub fn format_bound(b: f64) -> String {
    if b.fract() == 0.0 && b.abs() < 1e15 {
        format!("{b:.1}")
    } else {
        format!("{b}")
    }
}
