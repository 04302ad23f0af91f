"""``modelint`` (``cli.run``) ends without the interpreter's module teardown, but runs the
exit handlers, and everything written reaches its file: stdout through a pipe, ``--output``
reports, the exit code (a TensorFlow run: tests/tensorflow/test_fast_exit.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import weakref
from pathlib import Path
from typing import Any

import pytest
from cli_support import run, run_probed

import modelint.rules

EXAMPLE = Path(__file__).parents[1] / "examples" / "tiny_cnn.onnx"


@pytest.mark.parametrize(("fail_on", "code"), [("never", 0), ("info", 1)])
def test_an_onnx_run_skips_teardown_and_loses_nothing(
    tmp_path: Path, fail_on: str, code: int
) -> None:
    sarif = tmp_path / "report.sarif"
    result = run_probed(
        tmp_path / "marks",
        "check",
        "--format",
        "json",
        "--output",
        f"sarif:{sarif}",
        "--fail-on",
        fail_on,
        "--select",
        "MLG002",  # the bundled example's one finding (info: BatchNormalization after Conv)
        str(EXAMPLE),
    )
    report = json.loads(result.stdout)  # the whole report, though stdout was a pipe
    assert [model["path"] for model in report["models"]] == [str(EXAMPLE)]
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert result.returncode == code, result.stderr
    # Off to the end: turned back on, its first collection would walk every object the
    # run made (they are all still in the youngest generation).
    assert (tmp_path / "marks" / "atexit").read_text() == "ran, collector on: False"
    assert not (tmp_path / "marks" / "teardown").exists()


def test_a_usage_error_still_exits_two(tmp_path: Path) -> None:
    result = run_probed(tmp_path / "marks", "check", "--no-such-flag", str(EXAMPLE))
    assert result.returncode == 2
    assert "--no-such-flag" in result.stderr
    assert (tmp_path / "marks" / "atexit").exists()


@pytest.mark.parametrize("closed", [1, 2])
def test_a_closed_standard_stream_is_no_crash(tmp_path: Path, closed: int) -> None:
    """Started with stdout or stderr closed (``>&-``): the run goes on without that stream."""
    sarif = tmp_path / "report.sarif"
    argv = ["check", "--output", f"sarif:{sarif}", str(EXAMPLE), str(tmp_path / "missing.onnx")]
    result = run_probed(
        tmp_path / "marks",
        *argv,
        capture_output=False,
        text=False,
        stdout=subprocess.DEVNULL if closed == 2 else None,
        stderr=subprocess.PIPE if closed == 1 else None,
        preexec_fn=lambda: os.close(closed),
    )
    assert result.returncode == 2  # the missing file
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    if closed == 1:
        assert b"missing.onnx" in result.stderr


def test_the_check_result_outlives_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """Freed object by object when the command returned, a large graph cost 0.13 s of an
    exit that os._exit makes anyway: the last result is kept (and only the last)."""
    results: list[weakref.ref[Any]] = []
    check_paths = modelint.rules.check_paths

    def watched(*args: Any) -> Any:
        result = check_paths(*args)
        results.append(weakref.ref(result))
        return result

    monkeypatch.setattr(modelint.rules, "check_paths", watched)
    for _ in range(2):
        assert run("check", "--fail-on", "never", str(EXAMPLE))[0] == 0
    assert [ref() is not None for ref in results] == [False, True]


@pytest.mark.parametrize("unbuffered", ["1", ""])
def test_a_full_disk_under_stdout_is_one_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unbuffered: str
) -> None:
    """/dev/full refuses every write: the report is lost, and the run says so (exit 2),
    as the system's refusal ('No space left on device'), not as a modelint bug; buffered,
    the refusal comes at the last flush, after the command returned 0."""
    monkeypatch.setenv("PYTHONUNBUFFERED", unbuffered)
    with Path("/dev/full").open("w") as full:
        result = run_probed(
            tmp_path / "marks",
            "check",
            str(EXAMPLE),
            capture_output=False,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert result.returncode == 2
    assert result.stderr == "modelint: error: No space left on device\n"


INTERRUPTED_RUN = """
import os, signal, sys
import modelint.rules.run as run_module
load = run_module.load_model

def interrupted(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, delivered while the model loads
    return load(*args, **kwargs)

run_module.load_model = interrupted
sys.argv = ["modelint", *sys.argv[1:]]
from modelint.cli import run
run()
"""


@pytest.mark.parametrize(("debug", "code"), [((), 130), (("--debug",), -signal.SIGINT)])
def test_ctrl_c_is_one_line_and_exit_130(debug: tuple[str, ...], code: int) -> None:
    """Without --debug: no traceback; with it, Python's own (the traceback, then the
    process ends by the signal, as an uncaught KeyboardInterrupt does)."""
    result = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_RUN, "check", *debug, str(EXAMPLE)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == code
    if debug:
        assert "KeyboardInterrupt" in result.stderr
    else:
        assert result.stderr == "modelint: interrupted\n"
        assert result.stdout == ""
