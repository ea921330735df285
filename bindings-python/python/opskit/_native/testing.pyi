"""Stubs of opskit._native.testing: the binding's own test hooks (not public API)."""

from typing import List

__all__ = [
    "panic",
    "raise_error",
    "error_codes",
]

def panic() -> None: ...
def raise_error(code: int) -> None: ...
def error_codes() -> List[int]: ...
