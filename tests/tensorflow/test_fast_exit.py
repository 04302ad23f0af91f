"""After a run that loaded TensorFlow, ``modelint`` (``cli.run``) skips the interpreter's module
teardown (1.1-1.5 s) but not its exit handlers, and everything written reaches its file:
stdout through a pipe, ``--output`` reports, the exit code (the ONNX run: test_cli_exit.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import run_probed

pytest.importorskip("tensorflow", reason="TensorFlow formats need the tensorflow extra")
pytest.importorskip("tf2onnx", reason="TensorFlow formats need tf2onnx (tensorflow extra)")

pytestmark = pytest.mark.tensorflow


def test_a_conversion_run_exits_without_teardown_and_loses_nothing(
    cnn_files: dict[str, Path], tmp_path: Path
) -> None:
    sarif = tmp_path / "report.sarif"
    result = run_probed(
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
