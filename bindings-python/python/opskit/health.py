"""Health: host and process metrics from a long-lived Collector, threshold
rules with ``for`` durations (Evaluator), probes, health+json and Prometheus
exposition to serve from your own framework, PagerDuty events (SLOs
included, through ``slo_checks``) and availability maths.

Probes release the GIL. Options are keyword arguments named as in the Rust
option structs; an unknown name raises InvalidInputError.
"""

from ._native.health import (
    Collector,
    Evaluator,
    PagerDuty,
    availability,
    default_rules,
    exposition,
    exposition_content_type,
    health_json,
    parse_policy,
    prometheus_rules,
    run_probes,
    send_event,
    slo_checks,
    validate_event,
)

__all__ = [
    "Collector",
    "Evaluator",
    "PagerDuty",
    "availability",
    "default_rules",
    "exposition",
    "exposition_content_type",
    "health_json",
    "parse_policy",
    "prometheus_rules",
    "run_probes",
    "send_event",
    "slo_checks",
    "validate_event",
]
