"""Cost of one cheap call (bump) from Python, best of 5 timeit runs; and of
a health snapshot (a real /proc read plus the conversion to a dict), median
of 2,000 calls, to set beside criterion's figure for the Rust call."""
import statistics
import time
import timeit

from opskit import health, version

N = 200_000
best = min(timeit.repeat(lambda: version.bump("1.2.3", "minor"), number=N, repeat=5))
print(f"python  bump: {best / N * 1e9:8.0f} ns/call")

c = health.Collector()
c.snapshot()
times = []
for _ in range(2000):
    t = time.perf_counter_ns()
    c.snapshot()
    times.append(time.perf_counter_ns() - t)
print(f"python  health snapshot: {statistics.median(times) / 1e3:8.1f} µs/call (median)")
