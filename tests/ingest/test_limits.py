"""Limits: size before reading, time per file, text length; one bad file never stops a batch."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from communique.errors import (
    E_INGEST_CORRUPT,
    E_INGEST_FORMAT,
    E_INGEST_NOT_FOUND,
    E_INGEST_TIMEOUT,
    E_INGEST_TOO_LARGE,
)
from communique.ingest import IngestFailure, Limits, read_bytes, read_path, readers
from communique.ingest import read as read_module
from communique.ingest.limits import human_bytes, human_limit


def test_defaults() -> None:
    assert Limits() == Limits(max_bytes=52_428_800, max_seconds=30.0, max_chars=5_000_000)


def test_sparse_2gb_file_is_refused_without_reading(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "huge.txt"
    with open(path, "wb") as handle:
        handle.truncate(2 * 1024**3)  # sparse: no disk used

    def no_open(*args, **kwargs):
        raise AssertionError("the file was opened")

    monkeypatch.setattr(read_module, "open", no_open, raising=False)
    assert read_path(path).failures == [
        IngestFailure(
            str(path), E_INGEST_TOO_LARGE, "file is 2.0 GB, over the 50 MB limit (--max-bytes)"
        )
    ]


def test_bytes_over_the_limit() -> None:
    assert read_bytes(b"x" * 2048, "b.txt", Limits(max_bytes=1024)).failures == [
        IngestFailure(
            "b.txt", E_INGEST_TOO_LARGE, "file is 2.0 KB, over the 1 KB limit (--max-bytes)"
        )
    ]


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 bytes"),
        (1023, "1023 bytes"),
        (1024, "1.0 KB"),
        (52_428_800, "50.0 MB"),
        (2 * 1024**3, "2.0 GB"),
    ],
)
def test_human_bytes(n: int, text: str) -> None:
    assert human_bytes(n) == text


def test_human_limit() -> None:
    assert human_limit(50 * 1024 * 1024) == "50 MB"


def test_max_chars() -> None:
    assert read_bytes(b"The Front marches." * 10, "t.txt", Limits(max_chars=100)).failures == [
        IngestFailure(
            "t.txt", E_INGEST_TOO_LARGE, "text is 180 characters, over the 100 limit (--max-chars)"
        )
    ]


def _spin(data, budget, limits):
    """A reader stuck in a Python loop that swallows ordinary exceptions."""
    while True:
        try:
            sum(range(1000))
        except Exception:  # the timeout must not be swallowed here
            pass


def test_timeout_interrupts_a_stuck_reader(monkeypatch) -> None:
    monkeypatch.setitem(readers.READERS, "txt", _spin)
    start = time.monotonic()
    result = read_bytes(b"The Front met.", "slow.txt", Limits(max_seconds=0.2))
    assert time.monotonic() - start < 2
    assert result.failures == [
        IngestFailure("slow.txt", E_INGEST_TIMEOUT, "parsing took over 0.2 s (--max-seconds)")
    ]
    # the alarm is disarmed and the previous handler back
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, None)


def test_existing_timer_left_alone(monkeypatch) -> None:
    def cooperative(data, budget, limits):
        while True:
            budget.check()

    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *a: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 5.0)
        monkeypatch.setitem(readers.READERS, "txt", cooperative)
        result = read_bytes(b"x", "c.txt", Limits(max_seconds=0.1))
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 0 < remaining <= 5.0  # still the application's timer
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert [f.code for f in result.failures] == [E_INGEST_TIMEOUT]
    assert fired == []


def _in_thread(fn):
    box = []
    thread = threading.Thread(target=lambda: box.append(fn()))
    thread.start()
    thread.join(10)
    return box[0]


def test_timeout_in_a_worker_thread_is_cooperative(monkeypatch) -> None:
    def cooperative(data, budget, limits):
        while True:
            budget.check()

    monkeypatch.setitem(readers.READERS, "txt", cooperative)
    result = _in_thread(lambda: read_bytes(b"x", "w.txt", Limits(max_seconds=0.1)))
    assert [f.code for f in result.failures] == [E_INGEST_TIMEOUT]


def test_overrun_without_checks_is_still_reported(monkeypatch) -> None:
    def sleepy(data, budget, limits):
        time.sleep(0.3)  # no budget.check(), and no alarm off the main thread
        return "The Front met.", {}

    monkeypatch.setitem(readers.READERS, "txt", sleepy)
    result = _in_thread(lambda: read_bytes(b"x", "s.txt", Limits(max_seconds=0.1)))
    assert [f.code for f in result.failures] == [E_INGEST_TIMEOUT]


def test_zero_seconds_means_no_time_limit(monkeypatch) -> None:
    def slow(data, budget, limits):
        time.sleep(0.05)
        budget.check()
        return "The Front met.", {}

    monkeypatch.setitem(readers.READERS, "txt", slow)
    (doc,) = read_bytes(b"x", "z.txt", Limits(max_seconds=0)).docs
    assert doc.text == "The Front met."


def test_unexpected_exception_becomes_a_failure(monkeypatch) -> None:
    def broken(data, budget, limits):
        raise ZeroDivisionError("division by zero\nin page 3")

    monkeypatch.setitem(readers.READERS, "pdf", broken)
    assert read_bytes(b"%PDF-1.4\n", "b.pdf").failures == [
        IngestFailure(
            "b.pdf", E_INGEST_CORRUPT, "pdf reader: ZeroDivisionError: division by zero in page 3"
        )
    ]


def test_not_found(tmp_path: Path) -> None:
    missing = tmp_path / "gone.txt"
    assert read_path(missing).failures == [
        IngestFailure(str(missing), E_INGEST_NOT_FOUND, "no such file")
    ]


def test_folder_is_not_a_file(tmp_path: Path) -> None:
    assert read_path(tmp_path).failures == [
        IngestFailure(
            str(tmp_path), E_INGEST_FORMAT, "is a folder (expand folders with iter_inputs)"
        )
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert read_path(fifo).failures == [
        IngestFailure(str(fifo), E_INGEST_FORMAT, "not a regular file (device, pipe or socket)")
    ]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads anything")
def test_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("The Front met.")
    path.chmod(0)
    assert read_path(path).failures == [
        IngestFailure(str(path), E_INGEST_NOT_FOUND, "permission denied")
    ]
