"""Cost of one cheap call (bump) from Python: best of 5 timeit runs."""
import timeit

from opskit import version

N = 200_000
best = min(timeit.repeat(lambda: version.bump("1.2.3", "minor"), number=N, repeat=5))
print(f"python  bump: {best / N * 1e9:8.0f} ns/call")
