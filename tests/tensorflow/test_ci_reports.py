"""CI reports of TensorFlow-family models: a SavedModel is named by its saved_model.pb (code
scanning attaches alerts to files), and the review report shows Keras layer names."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from modelint.cli import main

pytestmark = pytest.mark.tensorflow


def _check(*argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    assert main(["check", *argv], out=out, err=err) in (0, 1), err.getvalue()
    return out.getvalue()


def test_a_saved_model_is_reported_on_its_saved_model_pb(
    cnn_files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved = cnn_files["saved-model"]
    monkeypatch.chdir(saved.parent)  # a directory without .git: paths relative to it
    config = tmp_path / "budget.yaml"
    config.write_text("budgets: {flops: 1 kFLOPs}\n")  # a finding to locate: MLH001
    options = ("--cache-dir", str(tmp_path), "--config", str(config))
    sarif = json.loads(_check(saved.name, "--format", "sarif", *options))
    uris = {
        location["physicalLocation"]["artifactLocation"]["uri"]
        for result in sarif["runs"][0]["results"]
        for location in result["locations"]
    }
    assert uris == {f"{saved.name}/saved_model.pb"}
    gitlab = json.loads(_check(saved.name, "--format", "gitlab", *options))
    assert {issue["location"]["path"] for issue in gitlab} == {f"{saved.name}/saved_model.pb"}


def test_the_review_report_names_keras_layers(cnn_files: dict[str, Path], tmp_path: Path) -> None:
    report = _check(str(cnn_files["keras"]), "--format", "markdown", "--cache-dir", str(tmp_path))
    assert "<summary>Top layers by FLOPs" in report
    assert "| conv1 | 221 k |" in report  # 32*32*8*27 MACs (keras_models.small_cnn)
