"""Ctrl-C and SIGTERM as a request to stop: the first one asks, a second one while
stopping exits at once. Used by one job's wait and by the batch and watch service."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def stop_signals(stop: Callable[[int], None], stopping: Callable[[], bool]) -> Iterator[None]:
    """While inside, SIGINT and SIGTERM call ``stop(signum)``, or raise
    ``KeyboardInterrupt`` when ``stopping()`` is already true; the previous handlers
    come back after. Signals reach only the main thread: elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(signum: int, frame: object) -> None:
        if stopping():
            raise KeyboardInterrupt
        stop(signum)

    previous = {sig: signal.signal(sig, handle) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
