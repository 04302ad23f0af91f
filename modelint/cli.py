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


def _check_options(args: argparse.Namespace) -> CheckOptions:
    from modelint.findings import Severity
    from modelint.rules import CheckOptions

    return CheckOptions(
        input_shapes=dict(args.input_shape),
        rule_paths=tuple(args.rules),
        config_file=args.config,
        strict=getattr(args, "strict", False),
        fail_on=Severity.parse(args.fail_on) if getattr(args, "fail_on", None) else None,
        debug=args.debug,
    )


def _run_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from modelint.report.json_report import render_json, run_dict
    from modelint.report.style import Style
    from modelint.report.text import render_check_text
    from modelint.rules import check_paths

    run = check_paths(args.paths, _check_options(args))
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
    options = _check_options(args)
    path = Path(args.model)
    config = load_config(Path(args.config).resolve() if args.config else find_config_file(path))
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
