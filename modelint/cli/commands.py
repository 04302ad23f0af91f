"""``check``, ``inspect`` and ``costs``: each returns its exit code; only main prints errors."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from modelint.cli.outputs import use_color, write_failures, write_reports
from modelint.cli.parser import UsageExit
from modelint.cli.progress import progress_line

if TYPE_CHECKING:  # the pipeline is imported per command: `modelint --version` stays instant
    from modelint.analysis import ModelAnalysis
    from modelint.rules import CheckOptions
    from modelint.rules.target_views import Hardware

__all__ = ["EXIT_CLEAN", "EXIT_ERROR", "EXIT_FINDINGS", "run_check", "run_costs", "run_inspect"]

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

# The last command's result, kept until the process ends. ``modelint`` leaves with os._exit
# (``cli.main.run``): freeing a 100k-node graph and its costs object by object when the
# command returns took 0.13 s for nothing. Only the last is kept, for callers of ``main``.
_RETAINED: list[object] = []


def color(args: argparse.Namespace, stream: TextIO) -> bool:
    return use_color(args.no_color, stream)


def _flatten(groups: list[tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(code for group in groups for code in group)


def check_options(
    args: argparse.Namespace, progress: Callable[[str | None], None] | None = None
) -> CheckOptions:
    from modelint.rules import CheckOptions

    if args.opset is not None and args.opset < 9:
        raise UsageExit(f"modelint: --opset must be >= 9, got {args.opset}")
    if args.batch is not None and args.batch < 1:
        raise UsageExit(f"modelint: --batch must be >= 1, got {args.batch}")
    names = [name for name, _ in args.input_shape]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise UsageExit(f"modelint: --input-shape given twice for {', '.join(twice)}")
    return CheckOptions(
        input_shapes=dict(args.input_shape),
        rule_paths=tuple(args.rules),
        config_file=args.config,
        strict=getattr(args, "strict", False),
        fail_on=getattr(args, "fail_on", None),
        select=_flatten(getattr(args, "select", [])),
        ignore=_flatten(getattr(args, "ignore", [])),
        debug=args.debug,
        opset=args.opset,
        batch=args.batch,
        graphdef_inputs=args.graphdef_inputs or (),
        graphdef_outputs=args.graphdef_outputs or (),
        cache=False if args.no_cache else None,
        cache_dir=args.cache_dir,
        progress=progress,
        profile=args.profile,
        dtype=args.dtype,
        exclude=tuple(getattr(args, "exclude", ())),
        background=True,
    )


def run_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from modelint.rules import check_paths

    targets = [Path(path).resolve() for _, path in args.output]
    twice = sorted({str(path) for path in targets if targets.count(path) > 1})
    if twice:  # the second report would silently replace the first
        raise UsageExit(f"modelint: --output names {twice[0]} twice")

    with progress_line(args.quiet, err) as progress:
        run = check_paths(args.paths, check_options(args, progress))
    _RETAINED[:] = [run]
    write_failures(run.failures, err)
    write_reports(run, args, out)
    if run.failures:
        return EXIT_ERROR
    return EXIT_FINDINGS if run.failing() else EXIT_CLEAN


def run_inspect(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from modelint.errors import ConfigError, ModelLoadError, ProfileError
    from modelint.load.discover import is_directory
    from modelint.load.formats import is_saved_model_dir
    from modelint.report.inspect import (
        render_inspect_failure_json,
        render_inspect_json,
        render_inspect_text,
    )
    from modelint.report.style import Style

    if args.top is not None and args.top <= 0:
        raise UsageExit("modelint inspect: --top must be positive")
    if args.depth is not None and (args.depth <= 0 or args.by != "scope"):
        raise UsageExit("modelint inspect: --depth takes a positive N, with --by scope")
    path = Path(args.model)
    if is_directory(path) and not is_saved_model_dir(path):
        raise UsageExit(
            f"modelint inspect: {args.model} is a directory; inspect takes one model (a file "
            "or a SavedModel directory); use modelint check for directories"
        )
    try:
        analysis, hardware = _inspected(path, args, err)
    except (ModelLoadError, ConfigError, ProfileError) as exc:
        if args.format == "json":  # the document still comes, with the error as check's
            kind = "model" if isinstance(exc, ModelLoadError) else "config"
            message = str(exc) if exc.path else f"{path}: {exc}"
            where = exc.path or str(path)
            out.write(
                render_inspect_failure_json(where, message, kind, by=args.by, depth=args.depth)
            )
        raise  # main prints it and picks the exit code
    view = {"by": args.by, "top": args.top, "hardware": hardware, "depth": args.depth}
    if args.format == "json":
        out.write(render_inspect_json(analysis, **view))
    else:
        out.write(render_inspect_text(analysis, Style(color=color(args, out)), **view))
    return EXIT_CLEAN


def _inspected(path: Path, args: argparse.Namespace, err: TextIO) -> tuple[ModelAnalysis, Hardware]:
    """The model's analysis, and its hardware target when it has one."""
    from modelint.analysis import load_cost_rules
    from modelint.rules import analyze_one, config_for
    from modelint.rules.run import rule_paths
    from modelint.rules.selection import Overrides
    from modelint.rules.targets import bind_target, hardware_for

    with progress_line(args.quiet, err) as progress:
        options = check_options(args, progress)
        config = config_for(path, options)
        rules = load_cost_rules(rule_paths(config, options.rule_paths))
        binding = bind_target(path, config, Overrides(profile=args.profile, dtype=args.dtype))
        analysis = analyze_one(path, config, options, rules)
        hardware = hardware_for(analysis, binding)
    _RETAINED[:] = [analysis]
    return analysis, hardware


def run_costs(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from modelint.analysis import load_cost_rules
    from modelint.cli.rule_commands import rule_directories
    from modelint.report.cost_table import (
        render_costs_json,
        render_costs_markdown,
        render_costs_text,
    )

    rules = load_cost_rules(rule_directories(args.config, args.rules))
    renderers = {"json": render_costs_json, "markdown": render_costs_markdown}
    out.write(renderers.get(args.format, render_costs_text)(rules))
    return EXIT_CLEAN
