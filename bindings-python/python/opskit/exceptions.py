"""The opskit exception hierarchy: one class per core ``ErrorKind``.

Each class also subclasses the built-in a Python caller would catch
(``ValueError``, ``FileNotFoundError``, ...), and carries ``code`` (the C
status number) and ``js_code`` (the Node ``err.code``), the same in every
language.
"""

import builtins

from ._native import PanicException

__all__ = [
    "OpskitError",
    "InvalidInputError",
    "NotFoundError",
    "PermissionDeniedError",
    "IoError",
    "GitError",
    "IntegrityError",
    "TimeoutError",
    "UnsupportedError",
    "PanicException",
]


class OpskitError(Exception):
    """Base class of every error opskit raises (except PanicException)."""

    code: int = 0
    js_code: str = ""


class InvalidInputError(OpskitError, ValueError):
    """Bad input: a malformed version, option, pattern or policy."""

    code = 10
    js_code = "ERR_OPSKIT_INVALID_INPUT"


class NotFoundError(OpskitError, FileNotFoundError):
    """A path, revision, tag or document that does not exist."""

    code = 20
    js_code = "ERR_OPSKIT_NOT_FOUND"


class PermissionDeniedError(OpskitError, PermissionError):
    """The operating system refused access."""

    code = 21
    js_code = "ERR_OPSKIT_PERMISSION"


class IoError(OpskitError, OSError):
    """Any other I/O failure."""

    code = 22
    js_code = "ERR_OPSKIT_IO"


class GitError(OpskitError):
    """git could not do what was asked."""

    code = 30
    js_code = "ERR_OPSKIT_GIT"


class IntegrityError(OpskitError):
    """A hash or signature mismatch: the data was changed."""

    code = 40
    js_code = "ERR_OPSKIT_INTEGRITY"


class TimeoutError(OpskitError, builtins.TimeoutError):
    """An operation ran out of time."""

    code = 50
    js_code = "ERR_OPSKIT_TIMEOUT"


class UnsupportedError(OpskitError):
    """Valid, but not supported by this build or platform."""

    code = 60
    js_code = "ERR_OPSKIT_UNSUPPORTED"
