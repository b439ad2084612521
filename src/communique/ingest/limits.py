"""Size, time and length limits for one input file.

The size limit is checked with ``stat()`` before a byte is read. The time limit covers
sniffing and parsing one file and is enforced two ways:

* **Alarm** (the normal case): on the main thread of the main interpreter, on a platform
  with ``signal.setitimer``, and when no one else has an ``ITIMER_REAL`` timer running, a
  ``SIGALRM`` timer interrupts the parser. The exception it raises derives from
  ``BaseException`` so that libraries' ``except Exception`` blocks cannot swallow it, and
  the timer repeats every 50 ms after the deadline in case one does anyway. Costs two
  system calls per file. A signal is only handled between Python bytecodes, so one long
  call into C (a huge zlib stream, say) is interrupted when it returns.
* **Cooperative** (fallback, e.g. worker threads): readers call :meth:`Budget.check` between
  pages, paragraphs, lines and DOM nodes, and the total time is checked once more after
  parsing, so an over-long parse is still reported as a timeout, only later.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ..errors import E_INGEST_TOO_LARGE, IngestError

# After the deadline the alarm repeats at this interval (seconds) until the parser unwinds;
# short enough to be prompt, long enough not to interrupt the unwinding itself in a loop.
_REPEAT_S = 0.05


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-file limits. ``max_seconds <= 0`` (or infinity) switches the time limit off."""

    max_bytes: int = 50 * 1024 * 1024  # file size limit, checked with stat() BEFORE reading
    max_seconds: float = 30.0  # parse time limit per file
    max_chars: int = 5_000_000  # extracted text limit


#: The defaults, shared (Limits is frozen).
DEFAULT_LIMITS = Limits()


class IngestTimeout(BaseException):
    """Raised inside a reader when its time is up (a BaseException: see the module doc)."""


def human_bytes(n: int) -> str:
    """``2147483648`` -> ``"2.0 GB"``; binary multiples with the usual short names."""
    value = float(n)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{n} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def human_limit(n: int) -> str:
    """``52428800`` -> ``"50 MB"``: limits are usually round numbers, print them so."""
    text = human_bytes(n)
    return text.replace(".0 ", " ")


def too_large(size: int, limits: Limits) -> IngestError:
    """The one message for a file over ``max_bytes``."""
    return IngestError(
        E_INGEST_TOO_LARGE,
        f"file is {human_bytes(size)}, over the {human_limit(limits.max_bytes)} limit (--max-bytes)",
    )


class Budget:
    """The time left for one file; readers call :meth:`check` in their loops."""

    __slots__ = ("deadline", "seconds", "_ticks")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        enabled = seconds > 0 and math.isfinite(seconds)
        self.deadline = time.monotonic() + seconds if enabled else math.inf
        self._ticks = 0

    def check(self) -> None:
        """Raise :class:`IngestTimeout` when the deadline has passed."""
        if time.monotonic() > self.deadline:
            raise IngestTimeout

    def tick(self, every: int = 256) -> None:
        """:meth:`check`, but only every ``every`` calls (for tight per-node loops)."""
        self._ticks += 1
        if self._ticks % every == 0:
            self.check()


def _on_alarm(signum: int, frame: object) -> None:
    raise IngestTimeout


def _alarm_usable() -> bool:
    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        return False
    # someone else's timer (pytest-timeout, the application) is running: leave it alone
    return signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


@contextmanager
def time_limit(seconds: float) -> Iterator[Budget]:
    """Run the body under a :class:`Budget`; arm a ``SIGALRM`` timer when that is possible."""
    budget = Budget(seconds)
    armed = False
    previous: object = None
    if budget.deadline != math.inf and _alarm_usable():
        try:
            previous = signal.signal(signal.SIGALRM, _on_alarm)
            armed = True
        except ValueError:  # not the main interpreter: cooperative checks only
            armed = False
    try:
        if armed:
            signal.setitimer(signal.ITIMER_REAL, seconds, _REPEAT_S)
        yield budget
    finally:
        if armed:
            signal.setitimer(signal.ITIMER_REAL, 0.0)
            restore = signal.SIG_DFL if previous is None else previous
            signal.signal(signal.SIGALRM, restore)  # type: ignore[arg-type]
