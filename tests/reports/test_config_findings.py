"""Findings about the config (a stale suppression) name the config file the way models are
named: relative to where the command runs, in every format."""

from __future__ import annotations

import json
from pathlib import Path

from report_support import run_cli

MODEL = (
    '<ir_version: 8, opset_import: ["" : 17]>\n'
    "g (float[1, 4] x) => (float[1, 4] y) {\n y = Relu (x)\n}\n"
)
CONFIG = """suppressions:
  - rules: [MLA001]
    files: ["m.onnxtxt"]
    reason: the gate is by design
"""


def _project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "m.onnxtxt").write_text(MODEL)
    (tmp_path / ".modelint.yaml").write_text(CONFIG)
    return tmp_path


def test_an_unused_suppression_names_the_config_relative_to_the_run(tmp_path: Path) -> None:
    project = _project(tmp_path)
    _, out, _ = run_cli("check", "m.onnxtxt", "--format", "concise", cwd=project)
    assert out.splitlines()[0] == (
        ".modelint.yaml: info MLS002 unused-suppression [suppressions[0]] suppression matched "
        "no finding (the gate is by design); remove it"
    )
    _, out, _ = run_cli("check", "m.onnxtxt", "--format", "json", cwd=project)
    (finding,) = json.loads(out)["config_findings"]
    assert finding["path"] == ".modelint.yaml"
    _, out, _ = run_cli("check", "m.onnxtxt", "--format", "junit", cwd=project)
    assert '<testsuite name=".modelint.yaml"' in out
    assert '<testcase classname=".modelint.yaml" name="MLS002 unused-suppression"' in out
