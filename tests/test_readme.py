"""The README's quick start stays true: CI runs exactly its test command."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from modelint.cli import main

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


def test_quick_start_output_is_what_modelint_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    """The README shows the first command's output verbatim: it must stay true."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"The first command prints:\n\n```text\n(.*?)```", text, flags=re.S)
    assert shown is not None, "README lost the quick-start output block"
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.chdir(ROOT)
    main(["check", "examples/"], out=out, err=err)
    assert out.getvalue() == shown.group(1)
