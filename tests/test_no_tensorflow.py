"""ONNX-only use must never import TensorFlow (it costs seconds and gigabytes), and a run
without a hardware profile never loads the hardware estimators."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import sys
from modelint.cli import main
code = main({argv!r})
heavy = sorted(name for name in ("tensorflow", "tf2onnx", "keras") if name in sys.modules)
estimators = sorted(name for name in sys.modules if name in {ESTIMATORS!r})
print("ESTIMATORS:" + ",".join(estimators))
print("HEAVY:" + ",".join(heavy))
sys.exit(code)
"""


# What estimates a model on a hardware profile: loaded only by runs that bind one (~20 ms).
ESTIMATORS = {
    "modelint.analysis.target",
    "modelint.analysis.latency",
    "modelint.analysis.placement",
    "modelint.analysis.memory",
}


def _run(*argv: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=list(argv), ESTIMATORS=ESTIMATORS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip().splitlines()


def _probe(*argv: str) -> str:
    return _run(*argv)[-1]


def test_version_imports_nothing_heavy() -> None:
    assert _probe("--version") == "HEAVY:"


@pytest.mark.parametrize("command", ["check", "inspect"])
def test_onnx_only_run_never_imports_tensorflow(command: str, conv_model: Path) -> None:
    assert _probe(command, str(conv_model)) == "HEAVY:"


def test_a_run_without_a_profile_never_loads_the_hardware_estimators(conv_model: Path) -> None:
    assert _run("check", str(conv_model))[-2] == "ESTIMATORS:"
    with_profile = _run("check", "--profile", "cortex-m7", "--fail-on", "never", str(conv_model))
    assert with_profile[-2] == "ESTIMATORS:" + ",".join(sorted(ESTIMATORS))
