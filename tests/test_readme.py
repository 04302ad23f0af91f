"""The README's quick start stays true: CI runs exactly its test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _shell_blocks(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S)]


def test_ci_runs_the_readme_test_command() -> None:
    blocks = _shell_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    test_command = blocks[1]
    assert test_command.endswith("pytest")
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci_lines


def test_quick_start_checks_a_bundled_example() -> None:
    first = _shell_blocks((ROOT / "README.md").read_text(encoding="utf-8"))[0]
    assert "modelint check examples/" in first
    assert any((ROOT / "examples").glob("*.onnx"))
