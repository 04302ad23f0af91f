"""Real pre-commit, on a temporary project, with hooks from this repository's
.pre-commit-hooks.yaml: pre-commit clones the checkout (a committed snapshot of it), installs
modelint into its own environment from it, and runs the hooks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import onnx
import pytest
from e2e_support import GIT_IDENTITY, run
from rule_samples import NO_SIGMOID_RULE

from modelint.testing import model_from_text

pytestmark = pytest.mark.e2e

SMALL = """
<ir_version: 8, opset_import: ["" : 17]>
g (float[N, 3, 8, 8] x) => (float[N, 4, 8, 8] y) {
    c = Conv <pads = [1, 1, 1, 1]> (x, w, b)
    y = Relu (c)
}
"""  # 14,336 FLOPs: under the project's 20 kFLOPs budget
LARGE = SMALL.replace("8, 8]", "16, 16]")  # 4x the FLOPs: over it, an error (MLH001)

RULE = NO_SIGMOID_RULE


def _project(root: Path, repository: Path, commit: str) -> Path:
    run("git", "init", "-q", cwd=root)
    (root / ".modelint.yaml").write_text('budgets: {flops: 20 kFLOPs}\nexclude: ["fixtures/*"]\n')
    models = root / "models"
    models.mkdir()
    for name, text in (("small.onnx", SMALL), ("large.onnx", LARGE)):
        onnx.save(model_from_text(text, {"w": (4, 3, 3, 3), "b": (4,)}), models / name)
    (root / "fixtures").mkdir()
    (root / "fixtures" / "broken.onnx").write_bytes(b"a test fixture, no model")
    (root / "data").mkdir()
    (root / "data" / "labels.pb").write_bytes(b"\x0a\x03cat")  # a protobuf, no model
    (root / "exported").mkdir()
    (root / "exported" / "saved_model.pb").write_bytes(b"")  # only triggers the SavedModel hook
    (root / "npu-rules").mkdir()
    (root / "npu-rules" / "ACME001.yaml").write_text(RULE)
    (root / ".pre-commit-config.yaml").write_text(
        f"repos:\n"
        f"  - repo: {repository}\n"
        f"    rev: {commit}\n"
        f"    hooks:\n"
        f"      - id: modelint\n"
        f"      - id: modelint-saved-model\n"
        f"        args: [models/small.onnx]\n"
        f"      - id: modelint-test-rules\n"
        f"        args: [npu-rules]\n"
    )
    run("git", "add", "-A", cwd=root)
    return root


@pytest.fixture(scope="module")
def project(
    hook_repository: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, str]]:
    """The project, and the environment pre-commit runs in (its own cache: a session's
    hooks install once)."""
    executable = shutil.which("pre-commit", path=str(Path(sys.executable).parent))
    if executable is None:
        pytest.skip("pre-commit is not installed: pip install -e '.[test]'")
    root = _project(tmp_path_factory.mktemp("project"), *hook_repository)
    home = tmp_path_factory.getbasetemp() / "pre-commit-home"
    env = {
        **os.environ,
        **GIT_IDENTITY,
        "PRE_COMMIT_HOME": str(home),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    for name in ("PRE_COMMIT", "GITHUB_ACTIONS", "NO_COLOR"):
        env.pop(name, None)
    run(executable, "install-hooks", cwd=root, env=env)  # clones and pip-installs modelint
    return root, env


def _hook(project: tuple[Path, dict[str, str]], hook: str, *files: str) -> tuple[int, str]:
    """``pre-commit run HOOK --verbose --files FILES`` (verbose: the hook's output even when
    it passes)."""
    root, env = project
    executable = str(Path(sys.executable).parent / "pre-commit")
    result = subprocess.run(
        [executable, "run", hook, "--color", "never", "--verbose", "--files", *files],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    return result.returncode, result.stdout + result.stderr


def test_the_hook_passes_on_a_clean_model(project: tuple[Path, dict[str, str]]) -> None:
    code, output = _hook(project, "modelint", "models/small.onnx")
    assert code == 0, output
    assert "Passed" in output
    assert "1 model checked: 0 errors, 0 warnings, 0 info" in output


def test_the_hook_fails_on_a_model_with_an_error_finding(
    project: tuple[Path, dict[str, str]],
) -> None:
    code, output = _hook(project, "modelint", "models/large.onnx", "models/small.onnx")
    assert code == 1, output
    assert "Failed" in output
    # concise under PRE_COMMIT=1: one line per finding, then the count
    assert "models/large.onnx: error MLH001 flop-budget" in output
    assert "2 models checked: 1 error, 0 warnings, 0 info" in output
    assert "MACs      " not in output  # no per-model summary blocks


def test_a_commit_touching_only_excluded_or_non_model_files_passes(
    project: tuple[Path, dict[str, str]],
) -> None:
    code, output = _hook(project, "modelint", "fixtures/broken.onnx")
    assert code == 0, output
    assert "0 models checked, 1 excluded: 0 errors, 0 warnings, 0 info" in output
    code, output = _hook(project, "modelint", "data/labels.pb")
    assert code == 0 and "(no files to check)Skipped" in output, output


def test_the_saved_model_hook_lints_its_args_not_the_changed_file(
    project: tuple[Path, dict[str, str]],
) -> None:
    code, output = _hook(project, "modelint-saved-model", "exported/saved_model.pb")
    assert code == 0, output
    assert "1 model checked: 0 errors, 0 warnings, 0 info" in output  # models/small.onnx


def test_the_rule_test_hook_runs_the_rules_examples(project: tuple[Path, dict[str, str]]) -> None:
    code, output = _hook(project, "modelint-test-rules", "npu-rules/ACME001.yaml")
    assert code == 0, output
    assert "Passed" in output
    rule = project[0] / "npu-rules" / "ACME001.yaml"
    original = rule.read_text()
    rule.write_text(original.replace("match: {op: Sigmoid}", "match: {op: Tanh}"))
    try:
        code, output = _hook(project, "modelint-test-rules", "npu-rules/ACME001.yaml")
    finally:
        rule.write_text(original)
    assert code == 1, output
    assert "FAIL" in output
