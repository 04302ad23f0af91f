"""The command line. The only place that prints errors and picks exit codes.

Exit codes: 0 nothing at or above the failure level; 1 findings at or above it; 2 usage,
config, rule or model-load errors (a bad file still lets the other files be reported).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, TextIO

from modelint._version import __version__

if TYPE_CHECKING:  # the CLI imports the pipeline lazily: `modelint --version` stays instant
    from modelint.rules import CheckOptions

__all__ = ["EXIT_CLEAN", "EXIT_ERROR", "EXIT_FINDINGS", "main"]

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so main() keeps the one exit path."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: {message}")


class _UsageError(Exception):
    pass


def _parse_input_shape(text: str) -> tuple[str, tuple[int, ...]]:
    name, sep, dims = text.rpartition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=d0,d1,..., got {text!r}")
    try:
        shape = tuple(int(item) for item in dims.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"dims of {name!r} must be integers: {dims!r}") from None
    if any(dim <= 0 for dim in shape):
        raise argparse.ArgumentTypeError(f"dims of {name!r} must be positive: {dims!r}")
    return name, shape


def _names(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    if not names:
        raise argparse.ArgumentTypeError("expected comma-separated tensor names")
    return names


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    parser.add_argument(
        "--input-shape",
        action="append",
        default=[],
        type=_parse_input_shape,
        metavar="NAME=D0,D1,...",
        help="bind a graph input's shape (repeatable); overrides the config",
    )
    parser.add_argument(
        "--rules",
        action="append",
        default=[],
        metavar="DIR",
        help="extra rule directory (cost entries override built-in ones)",
    )
    parser.add_argument(
        "--config", metavar="FILE", help="use this config file instead of discovering one per model"
    )
    parser.add_argument("--no-color", action="store_true", help="never colour the output")
    parser.add_argument("--quiet", action="store_true", help="no progress line while converting")
    _tensorflow_options(parser)


def _tensorflow_options(parser: argparse.ArgumentParser) -> None:
    tensorflow = parser.add_argument_group("TensorFlow models (Keras, SavedModel, TFLite, .pb)")
    tensorflow.add_argument(
        "--opset", type=int, metavar="N", help="ONNX opset of the conversion (default 17)"
    )
    tensorflow.add_argument(
        "--batch",
        type=int,
        metavar="N",
        help="batch size for inputs whose batch dim is open (default 1)",
    )
    tensorflow.add_argument(
        "--graphdef-inputs",
        type=_names,
        metavar="A,B",
        help="input tensors of a frozen GraphDef (default: its Placeholders)",
    )
    tensorflow.add_argument(
        "--graphdef-outputs",
        type=_names,
        metavar="A,B",
        help="output tensors of a frozen GraphDef (default: unconsumed ops)",
    )
    tensorflow.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="conversion cache (default: .modelint_cache at the repo root)",
    )
    tensorflow.add_argument(
        "--no-cache", action="store_true", help="convert again even when a cached conversion exists"
    )
    parser.add_argument(
        "--debug", action="store_true", help="show tracebacks for errors (for bug reports)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="modelint", description="Static linter for neural-network models.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    check = commands.add_parser("check", help="cost and lint model files (the CI gate)")
    check.add_argument("paths", nargs="+", metavar="PATH", help="model files or directories")
    _common(check)
    check.add_argument("--strict", action="store_true", help="uncosted nodes become error findings")
    check.add_argument(
        "--fail-on",
        choices=("error", "warning", "info"),
        help="lowest severity that fails the run (default: config, else error)",
    )
    check.add_argument("--nodes", action="store_true", help="include every node in JSON output")
    inspect = commands.add_parser("inspect", help="per-node cost table of one model")
    inspect.add_argument("model", metavar="MODEL")
    _common(inspect)
    inspect.add_argument(
        "--by",
        choices=("node", "op", "scope", "layer"),
        default="node",
        help="one row per node (default), op type, name scope or layer",
    )
    inspect.add_argument("--top", type=int, metavar="N", help="only the N rows with the most FLOPs")
    costs = commands.add_parser("costs", help="the cost rules in force and their sources")
    costs.add_argument("--format", choices=("text", "markdown"), default="text")
    costs.add_argument(
        "--rules",
        action="append",
        default=[],
        metavar="DIR",
        help="extra rule directory (entries override built-in ones)",
    )
    costs.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    return parser


def _color(args: argparse.Namespace, stream: TextIO) -> bool:
    return not args.no_color and "NO_COLOR" not in os.environ and stream.isatty()


def _check_options(
    args: argparse.Namespace, progress: Callable[[str | None], None] | None = None
) -> CheckOptions:
    from modelint.findings import Severity
    from modelint.rules import CheckOptions

    if (args.opset is not None and args.opset < 9) or (args.batch is not None and args.batch < 1):
        raise _UsageError("modelint: --opset must be >= 9 and --batch >= 1")
    return CheckOptions(
        input_shapes=dict(args.input_shape),
        rule_paths=tuple(args.rules),
        config_file=args.config,
        strict=getattr(args, "strict", False),
        fail_on=Severity.parse(args.fail_on) if getattr(args, "fail_on", None) else None,
        debug=args.debug,
        opset=args.opset,
        batch=args.batch,
        graphdef_inputs=args.graphdef_inputs or (),
        graphdef_outputs=args.graphdef_outputs or (),
        cache=False if args.no_cache else None,
        cache_dir=args.cache_dir,
        progress=progress,
    )


def _run_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from modelint.report.json_report import render_json, run_dict
    from modelint.report.style import Style
    from modelint.report.text import render_check_text
    from modelint.rules import check_paths

    with _progress_line(args, err) as progress:
        run = check_paths(args.paths, _check_options(args, progress))
    for failure in run.failures:
        err.write(f"modelint: error: {failure.message}\n")
    if args.format == "json":
        out.write(render_json(run_dict(run, nodes=args.nodes)))
    else:
        out.write(render_check_text(run, Style(color=_color(args, out))))
    if run.failures:
        return EXIT_ERROR
    return EXIT_FINDINGS if run.failing() else EXIT_CLEAN


def _run_inspect(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from pathlib import Path

    from modelint.analysis import load_cost_rules
    from modelint.config import find_config_file, load_config
    from modelint.report.inspect import render_inspect_json, render_inspect_text
    from modelint.report.style import Style
    from modelint.rules import analyze_one

    if args.top is not None and args.top <= 0:
        raise _UsageError("modelint inspect: --top must be positive")
    path = Path(args.model)
    config = load_config(Path(args.config).resolve() if args.config else find_config_file(path))
    with _progress_line(args, err) as progress:
        options = _check_options(args, progress)
        rules = load_cost_rules((*config.rule_paths, *options.rule_paths))
        analysis = analyze_one(path, config, options, rules)
    if args.format == "json":
        out.write(render_inspect_json(analysis, by=args.by, top=args.top))
    else:
        out.write(
            render_inspect_text(analysis, Style(color=_color(args, out)), by=args.by, top=args.top)
        )
    return EXIT_CLEAN


def _run_costs(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from modelint.analysis import load_cost_rules
    from modelint.report.cost_table import render_costs_markdown, render_costs_text

    rules = load_cost_rules(tuple(args.rules))
    render = render_costs_markdown if args.format == "markdown" else render_costs_text
    out.write(render(rules))
    return EXIT_CLEAN


_COMMANDS: dict[str, Callable[[argparse.Namespace, TextIO, TextIO], int]] = {
    "check": _run_check,
    "inspect": _run_inspect,
    "costs": _run_costs,
}


def main(
    argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the CLI; return the exit code (``python -m modelint`` passes it to sys.exit)."""
    out = out or sys.stdout
    err = err or sys.stderr
    arguments = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in arguments
    try:
        args = build_parser().parse_args(arguments)
        if args.version:
            out.write(f"modelint {__version__}\n")
            return EXIT_CLEAN
        if args.command is None:
            raise _UsageError("modelint: a command is required (check, inspect, costs); see --help")
        with _without_cycle_collection():
            return _COMMANDS[args.command](args, out, err)
    except _UsageError as exc:
        err.write(f"{exc}\n")
        return EXIT_ERROR
    except SystemExit as exc:  # argparse's --help
        return int(exc.code or 0)
    except Exception as exc:
        return _report_exception(exc, err, debug=debug)


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
def _progress_line(
    args: argparse.Namespace, err: TextIO
) -> Iterator[Callable[[str | None], None] | None]:
    """A progress callback in a terminal (never under --quiet or when stderr is not a TTY)."""
    if args.quiet or not err.isatty():
        yield None
        return
    line = _ProgressLine(err)
    try:
        yield line
    finally:
        line.close()


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
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


def _report_exception(exc: Exception, err: TextIO, *, debug: bool) -> int:
    from modelint.errors import ModelintError

    if debug:
        import traceback

        traceback.print_exception(exc, file=err)
    if isinstance(exc, ModelintError):
        for line in exc.lines():
            err.write(f"modelint: error: {line}\n")
    elif not debug:
        err.write(
            f"modelint: internal error: {type(exc).__name__}: {exc} "
            "(rerun with --debug for the traceback)\n"
        )
    return EXIT_ERROR
