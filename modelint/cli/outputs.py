"""Where ``check`` writes its reports: stdout in one format, and ``--output FORMAT:PATH`` files.

The stdout format is ``--format``; without it the environment decides: ``concise`` inside a
pre-commit hook (pre-commit sets PRE_COMMIT=1; it shows a hook's output only on failure, so
every line should be a finding), ``github`` in a GitHub Actions job (GITHUB_ACTIONS=true; the
runner turns the lines into annotations), else ``text``. A hook running inside GitHub Actions
is still a hook: PRE_COMMIT wins.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from modelint.cli.parser import UsageExit

if TYPE_CHECKING:
    from modelint.rules import LoadFailure, RunResult

__all__ = ["default_format", "use_color", "write_failures", "write_reports"]


def use_color(no_color: bool, stream: TextIO, environ: Mapping[str, str] = os.environ) -> bool:
    """Colour only for a terminal, never with --no-color or a non-empty NO_COLOR
    (no-color.org)."""
    return not no_color and not environ.get("NO_COLOR") and stream.isatty()


def default_format(environ: Mapping[str, str] = os.environ) -> str:
    if environ.get("PRE_COMMIT") == "1":
        return "concise"
    if environ.get("GITHUB_ACTIONS") == "true":
        return "github"
    return "text"


def _write_file(path: str, text: str) -> None:
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
    except OSError as exc:
        raise UsageExit(f"modelint: error: cannot write {path}: {exc.strerror or exc}") from exc


def write_reports(run: RunResult, args: argparse.Namespace, out: TextIO) -> None:
    """The stdout report, then each ``--output`` file (files are never coloured)."""
    from modelint.report.formats import RenderOptions, render_check
    from modelint.report.locations import source_root

    options = RenderOptions(root=source_root(Path.cwd()), nodes=args.nodes)
    fmt = args.format or default_format()
    colored = RenderOptions(options.root, use_color(args.no_color, out), options.nodes)
    out.write(render_check(run, fmt, colored))
    for file_format, path in args.output:
        _write_file(path, render_check(run, file_format, options))


def write_failures(failures: Iterable[LoadFailure], err: TextIO) -> None:
    """One line per model or config that could not be read (names escaped: one line)."""
    from modelint.report.printable import printable

    for failure in failures:
        err.write(f"modelint: error: {printable(failure.message)}\n")
