"""ONNX-only use must never import TensorFlow (it costs seconds and gigabytes)."""

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
print("HEAVY:" + ",".join(heavy))
sys.exit(code)
"""


def _probe(*argv: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=list(argv))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_version_imports_nothing_heavy() -> None:
    assert _probe("--version") == "HEAVY:"


@pytest.mark.parametrize("command", ["check", "inspect"])
def test_onnx_only_run_never_imports_tensorflow(command: str, conv_model: Path) -> None:
    assert _probe(command, str(conv_model)) == "HEAVY:"
