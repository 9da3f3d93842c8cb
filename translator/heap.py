"""Hand memory a finished stage has freed back to the system.

glibc keeps freed heap memory for reuse rather than returning it: the page images
cut for a 300-page paper's figures left about 80 MB that the process kept until it
ended (measured with ``python -m benchmarks.scale_bench``). ``malloc_trim`` returns it;
elsewhere (no glibc) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable


def release_freed() -> None:
    """Return freed heap memory to the system, where the C library can."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    return trim
