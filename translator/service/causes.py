"""Why a paper failed, and whether trying again later can help.

Passing causes (GROBID down, the API unreachable, a full disk, a shutdown, the
day's budget) put the job back in the queue with a growing wait; causes in the
paper itself (not a PDF, encrypted, no text, GROBID cannot parse it) set it aside
at once; a refused API key stops the whole service, since every paper would fail.
"""

from __future__ import annotations

from enum import Enum

from ..engine.scheduler import Stopped
from ..errors import (
    ApiAuthError,
    ApiUnavailableError,
    BrokerError,
    CacheFullError,
    ConfigError,
    GrobidUnavailableError,
    OutputError,
    TranslatorError,
)

MAX_WAIT_SECONDS = 3600.0


class Cause(Enum):
    PASSING = "passing"  # try again later
    PAPER = "paper"  # set the paper aside with its reason
    FATAL = "fatal"  # stop the service: no paper can succeed


def cause_of(exc: BaseException) -> Cause:
    if isinstance(exc, ApiAuthError | ConfigError):
        return Cause.FATAL
    if isinstance(
        exc,
        GrobidUnavailableError | ApiUnavailableError | OutputError | CacheFullError | BrokerError | Stopped,
    ):
        return Cause.PASSING
    if isinstance(exc, OSError):  # the inbox file vanished or the disk failed mid-read
        return Cause.PASSING
    return Cause.PAPER  # BadInputError, GrobidParseError, and any bug: never retried in a loop


def describe(exc: BaseException) -> str:
    """The message a user reads in ``NAME.error.txt`` and the log."""
    if isinstance(exc, TranslatorError):
        return str(exc)
    if isinstance(exc, Stopped):
        return "stopped before it finished (shutdown)"
    return (
        f"unexpected error ({type(exc).__name__}: {exc}); please report it with the PDF if you can share it"
    )


def wait_before(attempt: int, first_seconds: float) -> float:
    """The wait before try ``attempt + 1``: doubling from ``first_seconds``, at most an hour."""
    return float(min(MAX_WAIT_SECONDS, first_seconds * 2 ** max(0, attempt - 1)))
