"""Stubs of opskit._native.apm: a service's metrics, HTTP server metrics, SLOs."""

from typing import Any, List, Mapping, Optional, Sequence, Tuple, Union, final

from opskit.types import CheckResult, HostSnapshot, SloState

_Policy = Union[str, Mapping[str, Any]]

__all__ = [
    "Registry",
    "Counter",
    "Gauge",
    "Histogram",
    "SloTracker",
    "HttpServerMetrics",
    "PythonRuntime",
    "slo_rules",
]

@final
class Registry:
    def __new__(cls) -> "Registry": ...
    def counter(self, name: str, help: str, labels: Optional[Sequence[str]] = None, max_series: Optional[int] = None) -> "Counter": ...
    def gauge(self, name: str, help: str, labels: Optional[Sequence[str]] = None, max_series: Optional[int] = None) -> "Gauge": ...
    def histogram(
        self,
        name: str,
        help: str,
        labels: Optional[Sequence[str]] = None,
        buckets: Optional[Sequence[float]] = None,
        max_series: Optional[int] = None,
    ) -> "Histogram": ...
    def exposition(
        self,
        accept: Optional[str] = None,
        snapshot: Optional[HostSnapshot] = None,
        checks: Optional[Sequence[CheckResult]] = None,
        names: Optional[str] = None,
    ) -> str: ...
    def series_counts(self) -> List[Tuple[str, int]]: ...

@final
class Counter:
    def inc(self, labels: Sequence[str] = ..., by: float = ...) -> None: ...

@final
class Gauge:
    def set(self, value: float, labels: Sequence[str] = ...) -> None: ...
    def add(self, by: float, labels: Sequence[str] = ...) -> None: ...

@final
class Histogram:
    def observe(self, value: float, labels: Sequence[str] = ...) -> None: ...

@final
class SloTracker:
    def __new__(cls, policy: _Policy) -> "SloTracker": ...
    def record(self, route: str, status: int, seconds: float, at: Optional[float] = None) -> None: ...
    def evaluate(self, now: Optional[float] = None) -> List[SloState]: ...

@final
class HttpServerMetrics:
    def __new__(
        cls,
        registry: Registry,
        duration_buckets: Optional[Sequence[float]] = None,
        max_series: Optional[int] = None,
        slo: Optional[SloTracker] = None,
    ) -> "HttpServerMetrics": ...
    def started(self, method: str) -> None: ...
    def finished(
        self,
        *,
        method: str = ...,
        route: Optional[str] = ...,
        status: Optional[int] = ...,
        error: Optional[str] = ...,
        duration_seconds: float = ...,
        request_bytes: Optional[int] = ...,
        response_bytes: Optional[int] = ...,
    ) -> None: ...

@final
class PythonRuntime:
    def __new__(cls, registry: Registry) -> "PythonRuntime": ...
    def gc(self, generation: int, seconds: float, collected: int, uncollectable: int) -> None: ...
    def threads(self, n: int) -> None: ...

def slo_rules(policy: _Policy, metric: Optional[str] = None, buckets: Optional[Sequence[float]] = None) -> str: ...
