"""One job run in a forked child while this process goes on with other work.

ONNX shape inference is C++ that holds the GIL for the whole call, so a thread cannot overlap
it with the Python graph walk; a forked child can, on a second core. The child shares the
parent's memory copy-on-write (the model is not copied or re-parsed), runs the job, and sends
back its result as ``marshal`` data (plain dicts, tuples, strings and ints that this module's
caller produced itself, never data read from a model file).

Forking is a speed-up, never a requirement: wherever it is unsafe or fails (not Linux, other
threads running, TensorFlow loaded, ``fork`` refused, the child dying, a malformed reply) the
caller runs the job in-process and gets the same result.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, Generic, TypeVar

__all__ = ["BackgroundJob", "can_fork"]

T = TypeVar("T")


def can_fork() -> bool:
    """Linux only (macOS frameworks are not fork-safe), no other Python thread (it could hold
    a lock the child needs), and no TensorFlow (its thread pools are)."""
    return (
        sys.platform.startswith("linux")
        and hasattr(os, "fork")
        and threading.active_count() == 1
        and "tensorflow" not in sys.modules
    )


class BackgroundJob(Generic[T]):
    """A job started in a forked child. Use as a context manager: leaving the block without
    taking the result (an exception in the parent's own work) kills and reaps the child."""

    def __init__(self, pid: int, read_fd: int, decode: Callable[[object], T | None]) -> None:
        self._pid: int | None = pid  # None once reaped
        self._read_fd: int | None = read_fd  # None once handed to a file object (closed there)
        self._decode = decode

    @classmethod
    def start(
        cls, job: Callable[[], Any], decode: Callable[[object], T | None]
    ) -> BackgroundJob[T] | None:
        """Fork a child running ``job`` (its value must be ``marshal``-able); None when this
        process cannot fork safely. ``decode`` turns the child's value into the result, or
        None when it is not one (the caller then runs the job itself)."""
        if not can_fork():
            return None
        read_fd, write_fd = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # a sandbox or a process limit refusing fork: run in-process
            os.close(read_fd)
            os.close(write_fd)
            return None
        if pid == 0:  # pragma: no cover - the child; coverage does not follow forks
            _run_child(job, read_fd, write_fd)
        os.close(write_fd)
        return cls(pid, read_fd, decode)

    def result(self) -> T | None:
        """The child's result (waiting for it), or None if the child failed."""
        if self._pid is None or self._read_fd is None:
            return None
        read_fd, self._read_fd = self._read_fd, None
        with os.fdopen(read_fd, "rb") as pipe:  # interrupted here: __exit__ kills the child
            data = pipe.read()
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            return None
        try:
            return self._decode(marshal.loads(data))  # noqa: S302 - our child's own reply
        except (EOFError, ValueError, TypeError):
            return None

    def cancel(self) -> None:
        """Kill and reap the child if it still runs; its result is dropped."""
        if self._read_fd is not None:
            os.close(self._read_fd)
            self._read_fd = None
        if self._pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._pid, signal.SIGKILL)
        os.waitpid(self._pid, 0)
        self._pid = None

    def __enter__(self) -> BackgroundJob[T]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.cancel()


def _run_child(
    job: Callable[[], Any], read_fd: int, write_fd: int
) -> None:  # pragma: no cover - runs in the child
    """Run the job, write its value, and leave with ``os._exit``: no exit handlers, no
    flushing of the parent's buffered output, no finalizers of the parent's objects."""
    status = 1
    try:
        os.close(read_fd)
        data = marshal.dumps(job())
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(data)
        status = 0
    except BaseException:  # noqa: S110 - any failure: the parent runs the job itself
        pass
    finally:
        os._exit(status)
