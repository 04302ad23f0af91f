"""``run``: the modelint command line in-process, for the CLI tests."""

from __future__ import annotations

import io

from modelint.cli import main


def run(*argv: str) -> tuple[int, str, str]:
    """``modelint ARGV``: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()
