"""The CI examples are valid YAML, their modelint commands parse, docs/ci.md shows them as they
are, and the pre-commit hooks they name exist with commands that parse."""

from __future__ import annotations

import re
import shlex
from typing import Any

import pytest
import yaml
from report_support import ROOT

from modelint.cli.parser import build_parser

EXAMPLES = ROOT / "examples" / "ci"
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))


def _scripts(node: Any, inside: bool = False) -> list[str]:
    """The shell text of a workflow (``run:``) or a GitLab job (``script:``)."""
    if isinstance(node, str):
        return [node] if inside else []
    if isinstance(node, dict):
        return [
            text
            for key, value in node.items()
            for text in _scripts(value, inside or key in ("run", "script"))
        ]
    if isinstance(node, list):
        return [text for value in node for text in _scripts(value, inside)]
    return []


def _modelint_commands(document: Any) -> list[list[str]]:
    """Every ``modelint ...`` command in the document's scripts, shell variables filled in."""
    commands = []
    for text in _scripts(document):
        for line in text.splitlines():
            found = re.search(r"\bmodelint (check|diff|test)\b.*", line)
            if found:
                command = re.sub(r"\$\{?(\w+)\}?", r"\1", found.group(0).split(" >>")[0])
                commands.append(shlex.split(command)[1:])
    return commands


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml", "pre-commit-config.yaml"])
def test_example_is_valid_yaml_and_shown_in_the_docs(name: str) -> None:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    assert yaml.safe_load(text)
    assert text in (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_example_commands_parse(name: str) -> None:
    commands = _modelint_commands(yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8")))
    assert commands
    for argv in commands:
        build_parser().parse_args(argv)  # raises UsageExit on a mistake


def test_the_github_workflow_uploads_sarif() -> None:
    workflow = yaml.safe_load((EXAMPLES / "github-actions.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["check"]["steps"]
    upload = next(step for step in steps if "upload-sarif" in step.get("uses", ""))
    assert upload["with"]["sarif_file"] == "modelint.sarif"
    assert "always()" in upload["if"]
    assert workflow["permissions"]["security-events"] == "write"


def test_the_gitlab_job_publishes_code_quality_and_junit() -> None:
    job = yaml.safe_load((EXAMPLES / "gitlab-ci.yml").read_text(encoding="utf-8"))["modelint"]
    reports = job["artifacts"]["reports"]
    (command,) = _modelint_commands(job)
    assert f"gitlab:{reports['codequality']}" in command
    assert f"junit:{reports['junit']}" in command


def test_the_hooks_an_example_uses_exist() -> None:
    config = yaml.safe_load((EXAMPLES / "pre-commit-config.yaml").read_text(encoding="utf-8"))
    used = {hook["id"] for repo in config["repos"] for hook in repo["hooks"]}
    assert used == {hook["id"] for hook in HOOKS}


@pytest.mark.parametrize("hook", HOOKS, ids=lambda hook: hook["id"])
def test_hook_manifest_entries(hook: dict[str, Any]) -> None:
    assert {"id", "name", "entry", "language", "files"} <= set(hook)
    assert hook["language"] == "python"
    re.compile(hook["files"])
    argv = [*shlex.split(hook["entry"])[1:], *hook.get("args", [])]
    if hook.get("pass_filenames", True):
        argv.append("model.onnx")
    build_parser().parse_args(argv)


def test_saved_model_parts_go_to_the_right_hook() -> None:
    by_id = {hook["id"]: hook for hook in HOOKS}

    def selects(hook_id: str, path: str) -> bool:
        hook = by_id[hook_id]
        excluded = "exclude" in hook and re.search(hook["exclude"], path)
        return bool(re.search(hook["files"], path)) and not excluded

    assert selects("modelint", "models/a.onnx") and selects("modelint", "models/b.h5")
    # .pb is protobuf fixtures' too, and a SavedModel is the other hook's (one report, not two)
    assert not selects("modelint", "m/saved_model.pb") and not selects("modelint", "data/l.pb")
    assert selects("modelint-saved-model", "m/saved_model.pb")
    assert selects("modelint-saved-model", "m/variables/variables.data-00000-of-00001")
    assert not selects("modelint-saved-model", "models/a.onnx")
    assert selects("modelint-test-rules", "tools/modelint-rules/ACME001.yaml")
    assert selects("modelint-test-rules", ".modelint.yaml")
    assert not selects("modelint-test-rules", "src/settings.yaml")
