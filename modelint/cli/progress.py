"""The progress line a conversion shows in a terminal, and running without cycle collection."""

from __future__ import annotations

import contextlib
import gc
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import TextIO

__all__ = ["progress_line", "without_cycle_collection"]


class _ProgressLine:
    """``converting model.keras (keras -> ONNX) 12 s`` on stderr while a conversion runs.

    Writes to a duplicate of stderr's descriptor: conversions redirect descriptor 2 to
    capture TensorFlow's own logging, and this line must still reach the terminal."""

    def __init__(self, err: TextIO) -> None:
        self._stream = os.fdopen(os.dup(err.fileno()), "w", encoding="utf-8")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __call__(self, label: str | None) -> None:
        if label is None:
            self._finish()
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._tick, args=(label,), daemon=True)
        self._thread.start()

    def _tick(self, label: str) -> None:
        start = time.monotonic()
        while True:
            self._stream.write(f"\r{label} {time.monotonic() - start:.0f} s\033[K")
            self._stream.flush()
            if self._stop.wait(1.0):
                return

    def _finish(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
            self._stream.write("\r\033[K")
            self._stream.flush()

    def close(self) -> None:
        self._finish()
        self._stream.close()


@contextlib.contextmanager
def progress_line(quiet: bool, err: TextIO) -> Iterator[Callable[[str | None], None] | None]:
    """A progress callback in a terminal (never under --quiet or when stderr is not a TTY)."""
    if quiet or not err.isatty():
        yield None
        return
    line = _ProgressLine(err)
    try:
        yield line
    finally:
        line.close()


@contextlib.contextmanager
def without_cycle_collection() -> Iterator[None]:
    """The graph and cost tables are large and acyclic: CPython's cycle collector would walk
    them again and again for nothing (15 % of a 100k-node run). Reference counting still
    frees everything; collection resumes when the command returns."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
