"""After a run that loaded TensorFlow, ``modelint`` (``cli.run``) skips the interpreter's module
teardown (1.1-1.5 s) but not its exit handlers, and everything written reaches its file:
stdout through a pipe, ``--output`` reports, the exit code (the ONNX run: test_cli_exit.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("tensorflow", reason="TensorFlow formats need the tensorflow extra")
pytest.importorskip("tf2onnx", reason="TensorFlow formats need tf2onnx (tensorflow extra)")

pytestmark = pytest.mark.tensorflow

# A module-level object whose finalizer runs only in a full teardown, and an exit handler.
PROBE = """
import atexit, sys
from pathlib import Path
marks = Path(sys.argv[1])
class Teardown:
    def __del__(self):
        (marks / "teardown").write_text("ran")
sentinel = Teardown()
atexit.register(lambda: (marks / "atexit").write_text("ran"))
sys.argv = ["modelint", *sys.argv[2:]]
from modelint.cli import run
run()
"""


def _run(marks: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    marks.mkdir()
    return subprocess.run(
        [sys.executable, "-c", PROBE, str(marks), *argv],
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_conversion_run_exits_without_teardown_and_loses_nothing(
    cnn_files: dict[str, Path], tmp_path: Path
) -> None:
    sarif = tmp_path / "report.sarif"
    result = _run(
        tmp_path / "marks",
        "check",
        "--no-cache",
        "--format",
        "json",
        "--output",
        f"sarif:{sarif}",
        "--fail-on",
        "info",
        str(cnn_files["keras"]),
    )
    report = json.loads(result.stdout)  # the whole report, though stdout was a pipe
    assert [model["path"] for model in report["models"]] == [str(cnn_files["keras"])]
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    findings = report["models"][0]["findings"]
    assert result.returncode == (1 if findings else 0), result.stderr
    assert (tmp_path / "marks" / "atexit").exists()
    assert not (tmp_path / "marks" / "teardown").exists()
