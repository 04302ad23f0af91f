"""The wheel works on its own: built from the checkout, installed (not editable) in a fresh
virtual environment, run from a directory with no repository around it. rules/ and profiles/
must be inside it (pyproject force-include)."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tiny_cnn.onnx"


def _modelint(bin_dir: Path, *argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bin_dir / "modelint"), *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(cwd)},
    )


def test_the_wheel_carries_rules_and_profiles(built_wheel: Path) -> None:
    names = set(zipfile.ZipFile(built_wheel).namelist())
    assert "modelint/_data/rules/lint/MLH001-flop-budget.yaml" in names
    assert "modelint/_data/rules/costs/linear.yaml" in names
    assert "modelint/_data/rules/presets/recommended.yaml" in names
    assert "modelint/_data/profiles/raspberry-pi-4.yaml" in names
    assert "modelint/schemas/lint-rule.schema.json" in names
    assert "modelint/py.typed" in names  # callers' type checkers read the API's annotations


def test_installed_modelint_is_the_wheel_not_the_checkout(installed: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(installed / "python"), "-c", "import modelint; print(modelint.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "site-packages" in result.stdout


def test_check_the_bundled_example_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    shutil.copy(EXAMPLE, tmp_path / "tiny_cnn.onnx")
    result = _modelint(installed, "check", "tiny_cnn.onnx", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "MACs      1,622,336 (1.62 M)" in result.stdout
    sarif = _modelint(installed, "check", "tiny_cnn.onnx", "--format", "sarif", cwd=tmp_path)
    rules = json.loads(sarif.stdout)["runs"][0]["tool"]["driver"]["rules"]
    flop = next(rule for rule in rules if rule["id"] == "MLH001")
    assert flop["helpUri"].endswith("#mlh001-flop-budget")  # built-in rules found in _data


def test_rules_and_profiles_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    rules = _modelint(installed, "rules", cwd=tmp_path)
    assert rules.returncode == 0, rules.stderr
    assert "MLH001" in rules.stdout and "MLA001" in rules.stdout
    profiles = _modelint(installed, "profiles", cwd=tmp_path)
    assert profiles.returncode == 0, profiles.stderr
    assert "raspberry-pi-4" in profiles.stdout
    check = _modelint(installed, "check", str(EXAMPLE), "--profile", "raspberry-pi-4", cwd=tmp_path)
    assert check.returncode == 0, check.stderr
    assert "latency" in check.stdout
