"""``main``: parse, dispatch, and turn every error into one line and an exit code."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from modelint._version import __version__
from modelint.cli.commands import EXIT_CLEAN, EXIT_ERROR, run_check, run_costs, run_inspect
from modelint.cli.diff_command import run_diff
from modelint.cli.parser import UsageExit, build_parser
from modelint.cli.profile_commands import run_profile, run_profiles
from modelint.cli.progress import without_cycle_collection
from modelint.cli.rule_commands import run_config, run_rule, run_rules, run_test
from modelint.report.printable import printable

__all__ = ["EXIT_INTERRUPTED", "main", "run"]

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for a command stopped by Ctrl-C

_COMMANDS: dict[str, Callable[[argparse.Namespace, TextIO, TextIO], int]] = {
    "check": run_check,
    "inspect": run_inspect,
    "diff": run_diff,
    "costs": run_costs,
    "rules": run_rules,
    "rule": run_rule,
    "test": run_test,
    "config": run_config,
    "profiles": run_profiles,
    "profile": run_profile,
}


def main(
    argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the CLI; return the exit code (``python -m modelint`` passes it to sys.exit)."""
    out = out or sys.stdout or _nowhere()  # None: started with the stream closed (`>&-`)
    err = err or sys.stderr or _nowhere()
    arguments = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in arguments
    try:
        return _dispatch(arguments, out, err)
    except UsageExit as exc:
        err.write(f"{exc}\n")
        return EXIT_ERROR
    except SystemExit as exc:  # argparse's --help
        return int(exc.code or 0)
    except OSError as exc:  # the system's refusal (a full disk, a closed pipe), not a bug
        return _report_os_error(exc, out, err, debug=debug)
    except KeyboardInterrupt:  # Ctrl-C: forked children are stopped on the way out
        if debug:
            raise
        err.write("modelint: interrupted\n")
        return EXIT_INTERRUPTED
    except Exception as exc:
        return _report_exception(exc, err, debug=debug)


def _dispatch(arguments: list[str], out: TextIO, err: TextIO) -> int:
    args = build_parser().parse_args(arguments)
    if args.version:
        out.write(f"modelint {__version__}\n")
        return EXIT_CLEAN
    if args.command is None:
        raise UsageExit(
            "modelint: a command is required (check, inspect, diff, rules, rule, "
            "test, config, costs, profiles, profile); see --help"
        )
    with without_cycle_collection():
        return _COMMANDS[args.command](args, out, err)


def run() -> NoReturn:
    """The console script and ``python -m modelint``: ``main``, then exit with its code.

    The output is written by then: the streams are flushed and the exit handlers run
    (temporary files, logging, coverage) as at any exit, and only the interpreter's teardown
    of every module is skipped. It costs ~0.05 s after an ONNX run (a tenth of a small
    model's check, paid by every pre-commit hook run) and 1.1-1.5 s once TensorFlow is
    loaded (measured after MobileNetV2 and ResNet50 conversions).

    The cycle collector stays off for the whole process, not only for the command: every
    object the command made is still in the youngest generation, so the first collection
    after re-enabling it walked them all (0.28 s after a 100k-node check) for an exit."""
    gc.disable()
    code = main()
    try:  # what is still buffered: a full disk refuses it here, not in main
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        _silence(sys.stdout)
    except (OSError, ValueError) as exc:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            sys.stderr.write(f"modelint: error: {getattr(exc, 'strerror', None) or exc}\n")
        _silence(sys.stdout)
        code = EXIT_ERROR
    _flush()
    atexit._run_exitfuncs()
    _flush()
    os._exit(code)


def _silence(out: TextIO) -> None:
    """Point a closed stdout at /dev/null, so that the interpreter's own flush at exit does
    not fail on it again (the Python documentation's recipe for SIGPIPE)."""
    if out is sys.stdout:
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):  # closed, or None
            stream.flush()


def _nowhere() -> TextIO:
    return Path(os.devnull).open("w", encoding="utf-8")  # lives as long as the run


def _report_os_error(exc: OSError, out: TextIO, err: TextIO, *, debug: bool) -> int:
    if isinstance(exc, BrokenPipeError):  # `modelint check ... | head -c 0`: the reader left
        _silence(out)
        err.write("modelint: error: the output was closed before the report was written\n")
        return EXIT_ERROR
    if debug:
        import traceback  # only for --debug

        traceback.print_exception(exc, file=err)
    where = f" ({exc.filename})" if exc.filename else ""
    err.write(f"modelint: error: {printable(str(exc.strerror or exc))}{printable(where)}\n")
    return EXIT_ERROR


def _report_exception(exc: Exception, err: TextIO, *, debug: bool) -> int:
    from modelint.errors import ModelintError, describe_exception

    if debug:
        import traceback  # only for --debug

        traceback.print_exception(exc, file=err)
    if isinstance(exc, ModelintError):
        for line in exc.lines():
            err.write(f"modelint: error: {printable(line)}\n")
    elif not debug:
        err.write(
            f"modelint: internal error: {describe_exception(exc)} "
            "(rerun with --debug for the traceback)\n"
        )
    return EXIT_ERROR
