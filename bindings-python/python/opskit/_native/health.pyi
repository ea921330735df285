"""Stubs of opskit._native.health: health."""

from typing import Any, List, Literal, Mapping, Optional, Sequence, Tuple, final

from opskit.types import (
    Availability,
    CheckResult,
    HealthRule,
    HostSnapshot,
    SendReport,
    SloState,
)

__all__ = [
    "Collector",
    "Evaluator",
    "PagerDuty",
    "default_rules",
    "health_json",
    "exposition",
    "exposition_content_type",
    "run_probes",
    "send_event",
    "availability",
    "parse_policy",
    "validate_event",
    "prometheus_rules",
    "slo_checks",
]

@final
class Collector:
    def __new__(
        cls,
        *,
        exclude_fs_types: Sequence[str] = ...,
        exclude_mount_points: Sequence[str] = ...,
        exclude_interfaces: Sequence[str] = ...,
        proc_root: str = ...,
        sys_root: str = ...,
        mount_timeout_seconds: float = ...,
        reboot_required_file: str = ...,
        apt_upgrades: Literal["off", "background", "wait"] = ...,
        first_sample_seconds: float = ...,
    ) -> "Collector": ...
    def snapshot(self) -> HostSnapshot: ...
@final
class Evaluator:
    def __new__(cls, rules: Optional[Sequence[Mapping[str, Any]]] = None) -> "Evaluator": ...
    def evaluate(self, snapshot: HostSnapshot, now: Optional[float] = None) -> List[CheckResult]: ...
@final
class PagerDuty:
    def __new__(cls) -> "PagerDuty": ...
    def events(
        self,
        checks: Sequence[CheckResult],
        host: str,
        time: float,
        *,
        routing_key: str,
        source: Optional[str] = ...,
        group: Optional[str] = ...,
    ) -> List[Mapping[str, Any]]: ...
def default_rules() -> List[HealthRule]: ...
def slo_checks(states: Sequence[SloState]) -> List[CheckResult]: ...
def health_json(snapshot: HostSnapshot, checks: Sequence[CheckResult], draining: bool = False) -> Tuple[Mapping[str, Any], int]: ...
def exposition(
    snapshot: HostSnapshot,
    checks: Sequence[CheckResult],
    accept: Optional[str] = None,
    names: Optional[Literal["opskit", "node"]] = None,
) -> str: ...
def exposition_content_type(accept: Optional[str] = None) -> str: ...
def run_probes(probes: Sequence[Mapping[str, Any]], deadline: Optional[float] = None) -> List[CheckResult]: ...
def send_event(
    event: Mapping[str, Any],
    *,
    url: str = ...,
    attempts: int = ...,
    initial_backoff_seconds: float = ...,
    max_backoff_seconds: float = ...,
    timeout_seconds: float = ...,
) -> SendReport: ...
def availability(
    samples: Sequence[Mapping[str, Any]],
    *,
    slo_percent: float = ...,
    start: Optional[float] = ...,
    end: Optional[float] = ...,
    max_gap_seconds: float = ...,
) -> Availability: ...
def parse_policy(text: str) -> Mapping[str, Any]: ...
def validate_event(event: Mapping[str, Any]) -> None: ...
def prometheus_rules(rules: Optional[Sequence[Mapping[str, Any]]] = None, group: Optional[str] = None) -> str: ...
