"""A whole-answer deadline, not only a per-read one: a server that trickles a byte every
few seconds never trips a read timeout, so a timer closes the answer at the deadline.
Shared by the chat engine and the GROBID client."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def deadline(close: Callable[[], object], seconds: float) -> Iterator[threading.Event]:
    """Call ``close`` (which makes the reader fail) if the block is still running after
    ``seconds``; the event yielded says whether it was."""
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        close()

    timer = threading.Timer(max(0.0, seconds), expire)
    timer.daemon = True
    timer.start()
    try:
        yield expired
    finally:
        timer.cancel()
