"""``modelint diff`` on two versions of a Keras model: the second has one more residual block
(keras_models.residual_stack). The added MACs are exact and come from the block's layers."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from modelint.cli import main

pytestmark = pytest.mark.tensorflow

# One block: two 3x3 convolutions, 16 -> 16 channels, on 32x32 (the Add and ReLU cost no MACs).
CONV_MACS = 32 * 32 * 16 * (16 * 3 * 3)  # 2,359,296
CONV_PARAMS = 16 * 16 * 3 * 3 + 16


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    pytest.importorskip("tensorflow", reason="needs the tensorflow extra")
    from keras_models import residual_stack

    folder = tmp_path_factory.mktemp("keras-diff")
    old, new = folder / "v1.keras", folder / "v2.keras"
    residual_stack(1, "resnet").save(old)
    residual_stack(2, "resnet").save(new)
    return old, new


def _diff(versions: tuple[Path, Path], tmp_path: Path, fmt: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    argv = ["diff", *map(str, versions), "--format", fmt, "--cache-dir", str(tmp_path)]
    assert main(argv, out=out, err=err) == 0, err.getvalue()
    return out.getvalue()


def test_diff_reports_the_exact_added_macs_and_their_layers(
    versions: tuple[Path, Path], tmp_path: Path
) -> None:
    data: dict[str, Any] = json.loads(_diff(versions, tmp_path, "json"))
    (model,) = data["models"]
    assert model["totals"]["macs"]["change"] == 2 * CONV_MACS
    assert model["totals"]["params"]["change"] == 2 * CONV_PARAMS
    layers = {row["name"]: row for row in model["by_layer"]}
    assert set(layers) == {"b1a", "b1b", "b1add", "b1relu"}  # nothing else changed
    assert all(row["status"] == "added" for row in layers.values())
    assert layers["b1a"]["macs"]["change"] == CONV_MACS
    assert layers["b1b"]["macs"]["change"] == CONV_MACS
    assert layers["b1add"]["macs"]["change"] == layers["b1relu"]["macs"]["change"] == 0
    added = {node["layer"] for node in model["nodes"] if node["status"] == "added"}
    assert added == {"b1a", "b1b", "b1add", "b1relu"}
    assert not [node for node in model["nodes"] if node["status"] == "removed"]


def test_text_names_the_block_layers(versions: tuple[Path, Path], tmp_path: Path) -> None:
    text = _diff(versions, tmp_path, "text")
    assert f"+{2 * CONV_MACS:,}" in text
    rows = [line.split() for line in text.splitlines() if line.strip().startswith("b1")]
    assert ["b1a", "added", f"+{CONV_MACS:,}"] in [row[:3] for row in rows]
    assert ["b1b", "added", f"+{CONV_MACS:,}"] in [row[:3] for row in rows]
