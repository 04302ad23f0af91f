"""``modelint diff OLD NEW``: exit 0 whatever changed (a diff informs a review; ``check`` is
the gate), 2 when a model cannot be read or the arguments are wrong."""

from __future__ import annotations

import argparse
from typing import TextIO

from modelint.cli.commands import EXIT_CLEAN, EXIT_ERROR, check_options
from modelint.cli.outputs import write_failures
from modelint.cli.parser import UsageExit
from modelint.cli.progress import progress_line

__all__ = ["run_diff"]


def run_diff(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from modelint.diff import diff_paths
    from modelint.report.diff_report import (
        render_diff_json,
        render_diff_markdown,
        render_diff_text,
    )

    if args.top <= 0:
        raise UsageExit("modelint diff: --top must be positive")
    with progress_line(args.quiet, err) as progress:
        result = diff_paths(args.old, args.new, check_options(args, progress))
    write_failures(result.failures, err)
    if args.format == "json":
        out.write(render_diff_json(result))
    elif args.format == "markdown":
        out.write(render_diff_markdown(result, args.top))
    else:
        out.write(render_diff_text(result, args.top))
    return EXIT_ERROR if result.failures else EXIT_CLEAN
