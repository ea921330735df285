"""Helpers of the shared case files (tests/cases/*.json) for the Python tests."""


def subset(got, want):
    """Every key of `want` matches in `got`; lists element by element."""
    if isinstance(want, dict):
        return isinstance(got, dict) and all(k in got and subset(got[k], w) for k, w in want.items())
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(subset(g, w) for g, w in zip(got, want))
    return got == want
