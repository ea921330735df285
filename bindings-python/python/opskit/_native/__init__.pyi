"""Stubs of the native module (opskit._native): one submodule per family."""

from . import apm as apm
from . import backup as backup
from . import docs as docs
from . import health as health
from . import testing as testing
from . import version as version

__version__: str
__all__ = [
    "__version__",
    "PanicException",
    "apm",
    "backup",
    "docs",
    "health",
    "testing",
    "version",
]

class PanicException(BaseException): ...
