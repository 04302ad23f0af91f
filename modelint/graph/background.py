"""One job run in a forked child while this process goes on with other work.

ONNX shape inference is C++ that holds the GIL for the whole call, so a thread cannot overlap
it with the Python graph walk; a forked child can, on a second core. The child shares the
parent's memory copy-on-write (the model is not copied or re-parsed), runs the job, and sends
back its result through a pipe as ``marshal`` data: ``marshal.loads`` only ever reads what
``marshal.dumps`` wrote in our own child, and a model's names and bytes travel inside it as
plain ``str`` and ``bytes`` values.

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
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def can_fork() -> bool:
    """Linux only (macOS frameworks are not fork-safe), no other Python thread (it could hold
    a lock the child needs), no TensorFlow (its thread pools are), and SIGCHLD as it is by
    default (ignored, as some supervisors leave it to their children, the kernel reaps the
    child before it can be waited for; a handler of the caller's could reap it first)."""
    return (
        sys.platform.startswith("linux")
        and hasattr(os, "fork")
        and threading.active_count() == 1
        and "tensorflow" not in sys.modules
        and signal.getsignal(signal.SIGCHLD) == signal.SIG_DFL
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
        _widen(write_fd)
        parent = os.getpid()
        try:
            pid = os.fork()
        except OSError:  # a sandbox or a process limit refusing fork: run in-process
            os.close(read_fd)
            os.close(write_fd)
            return None
        if pid == 0:  # pragma: no cover - the child; coverage does not follow forks
            _run_child(job, read_fd, write_fd, parent)
        os.close(write_fd)
        return cls(pid, read_fd, decode)

    def result(self) -> T | None:
        """The child's result (waiting for it), or None if the child failed."""
        if self._pid is None or self._read_fd is None:
            return None
        read_fd, self._read_fd = self._read_fd, None
        with os.fdopen(read_fd, "rb") as pipe:  # interrupted here: __exit__ kills the child
            data = pipe.read()
        status = _reap(self._pid)
        self._pid = None
        if status is None or not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
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
        _reap(self._pid)
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


def _widen(pipe: int) -> None:
    """A 1 MiB pipe (Linux's limit for unprivileged processes; 64 KiB by default): the
    reply of a 30k-node graph (~4 MB) then crosses in 4 writes rather than 60, each a wake-up
    of the other process."""
    with contextlib.suppress(OSError, AttributeError):  # the limit is lower here
        import fcntl  # noqa: PLC0415 - POSIX only; start() runs only where fork is safe

        fcntl.fcntl(pipe, fcntl.F_SETPIPE_SZ, 1 << 20)


def _reap(pid: int) -> int | None:
    """The child's wait status; None when something else reaped it already."""
    try:
        return os.waitpid(pid, 0)[1]
    except ChildProcessError:
        return None


def _run_child(
    job: Callable[[], Any], read_fd: int, write_fd: int, parent: int
) -> None:  # pragma: no cover - runs in the child
    """Run the job, write its value, and leave with ``os._exit``: no exit handlers, no
    flushing of the parent's buffered output, no finalizers of the parent's objects."""
    status = 1
    try:
        os.close(read_fd)
        _outlive_no_parent(parent)
        data = marshal.dumps(job())
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(data)
        status = 0
    except BaseException:  # noqa: S110 - any failure: the parent runs the job itself
        pass
    finally:
        os._exit(status)


def _outlive_no_parent(parent: int) -> None:  # pragma: no cover - runs in the child
    """Die with the parent (killed by a CI timeout or ``kill``, it cannot reap us), and hold
    none of its standard streams: a reader of its output must not wait for us."""
    import ctypes  # noqa: PLC0415 - the child's only: ~4 ms every run would pay

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    for stream in (0, 1, 2):
        os.dup2(devnull, stream)
    os.close(devnull)
