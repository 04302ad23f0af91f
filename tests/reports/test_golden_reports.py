"""Golden files: each report format of the report_support repository, byte for byte.

A deliberate change to a report regenerates them (then review the diff of tests/data/golden):

    MODELINT_UPDATE_GOLDEN=1 pytest tests/reports/test_golden_reports.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from report_support import GOLDEN, run_cli

CHECK_GOLDENS = {
    "text": "check.txt",
    "concise": "check.concise.txt",
    "markdown": "check.md",
    "github": "check.github.txt",
    "gitlab": "check.gitlab.json",
    "junit": "check.junit.xml",
}
DIFF_GOLDENS = {"text": "diff.txt", "markdown": "diff.md"}


def _compare(text: str, name: str) -> None:
    golden = GOLDEN / name
    if os.environ.get("MODELINT_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8", newline="\n")
    assert golden.is_file(), f"{golden} missing: MODELINT_UPDATE_GOLDEN=1 writes it"
    expected = golden.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from the golden file (see the module docstring)"


@pytest.mark.parametrize("fmt", sorted(CHECK_GOLDENS))
def test_check_report_matches_its_golden_file(repository: Path, fmt: str) -> None:
    code, out, err = run_cli("check", "models", "--format", fmt, cwd=repository)
    assert (code, err) == (1, "")
    _compare(out, CHECK_GOLDENS[fmt])


@pytest.mark.parametrize("fmt", sorted(DIFF_GOLDENS))
def test_diff_report_matches_its_golden_file(repository: Path, fmt: str) -> None:
    code, out, err = run_cli(
        "diff", "diff/baseline/wide.onnx", "diff/proposed/wide.onnx", "--format", fmt,
        cwd=repository,
    )  # fmt: skip
    assert (code, err) == (0, "")
    _compare(out, DIFF_GOLDENS[fmt])
