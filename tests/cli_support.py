"""``run``: the modelint command line in-process, for the CLI tests; ``run_probed``: the
``modelint`` command itself (``cli.run``) in a child, watched for how it exits."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

from modelint.cli import main

# A module-level object whose finalizer runs only in a full teardown, and an exit handler:
# each leaves a mark file in the directory given first (the exit handler's says whether the
# cycle collector is on at exit).
EXIT_PROBE = """
import atexit, gc, sys
from pathlib import Path
marks = Path(sys.argv[1])
class Teardown:
    def __del__(self):
        (marks / "teardown").write_text("ran")
sentinel = Teardown()
atexit.register(lambda: (marks / "atexit").write_text(f"ran, collector on: {gc.isenabled()}"))
sys.argv = ["modelint", *sys.argv[2:]]
from modelint.cli import run
run()
"""


def run(*argv: str) -> tuple[int, str, str]:
    """``modelint ARGV``: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def run_probed(marks: Path, *argv: str, **popen: Any) -> subprocess.CompletedProcess[str]:
    """``modelint ARGV`` under ``EXIT_PROBE``, its marks in the new directory ``marks``;
    output captured as text unless ``popen`` says otherwise."""
    marks.mkdir()
    options: dict[str, Any] = {"capture_output": True, "text": True, **popen}
    return subprocess.run(
        [sys.executable, "-c", EXIT_PROBE, str(marks), *argv], check=False, **options
    )
