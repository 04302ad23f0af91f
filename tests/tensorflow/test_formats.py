"""TensorFlow formats end to end: the same Keras model saved as .keras, .h5, SavedModel,
float .tflite and frozen GraphDef costs the same; Keras' own parameter counts are reported;
findings and inspect rows speak Keras layer names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("tensorflow", reason="TensorFlow formats need the tensorflow extra")
pytest.importorskip("tf2onnx", reason="TensorFlow formats need tf2onnx (tensorflow extra)")

from cli_support import run
from keras_models import SMALL_CNN_MACS, small_cnn

import modelint

pytestmark = pytest.mark.tensorflow

FORMATS = ("keras", "h5", "saved-model", "tflite", "graphdef")


@pytest.mark.parametrize("model_format", FORMATS)
def test_macs_agree_across_formats(
    cnn_files: dict[str, Path], model_format: str, tmp_path: Path
) -> None:
    code, out, err = run(
        "check", "--format", "json", "--cache-dir", str(tmp_path), str(cnn_files[model_format])
    )
    assert code == 0, err
    model = json.loads(out)["models"][0]
    assert model["format"] == model_format
    assert model["coverage"]["complete"], model["coverage"]["uncosted"]
    macs = model["totals"]["macs"]
    assert abs(macs - SMALL_CNN_MACS) <= 0.01 * SMALL_CNN_MACS, (model_format, macs)


def test_keras_parameter_counts_are_keras_own(cnn_files: dict[str, Path], tmp_path: Path) -> None:
    keras_model = small_cnn()
    for model_format in ("keras", "h5"):
        analysis = modelint.analyze(cnn_files[model_format])
        source = analysis.source_params
        assert source is not None and source.framework == "keras"
        assert source.total == keras_model.count_params()
        # conv1 3*3*3*8 + 8, bn1 gamma+beta (trainable) and mean+var (not), dw 3*3*8 + 8,
        # head 8*10 + 10
        assert source.trainable == (216 + 8) + 16 + (72 + 8) + 90
        assert source.non_trainable == 16
    code, out, _ = run("check", "--cache-dir", str(tmp_path), str(cnn_files["keras"]))
    assert code == 0
    # ONNX: conv1 216 + 8, bn1 as a Mul and an Add of 8 each (its moving mean and variance
    # folded into them), dw 72 + 8, head 80 + 10
    assert "  params    410  weights 1.6 KiB (ONNX initializers)\n" in out
    assert (
        "keras     426 params (trainable 410, non-trainable 16); ONNX has 16 fewer: "
        "conversion folds BatchNormalization into the weights, drops all-zero biases and "
        "shares identical constants, and one-element constants are literals, not parameters "
        "(docs/tensorflow.md)\n"
    ) in out


def test_untrained_zero_biases_are_dropped_and_the_report_says_so(tmp_path: Path) -> None:
    """Keras initialises biases to 0 and tf2onnx drops an all-zero bias: the Dense 8->4->2
    stack of docs/tensorflow.md has 46 Keras parameters and 40 ONNX ones until trained."""
    import keras

    inputs = keras.Input((8,))
    hidden = keras.layers.Dense(4, activation="relu")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(2)(hidden))
    model.save(tmp_path / "fresh.keras")
    model.set_weights([weight + 0.5 for weight in model.get_weights()])
    model.save(tmp_path / "trained.keras")
    cache = str(tmp_path / "cache")
    _, fresh, _ = run("check", "--cache-dir", cache, str(tmp_path / "fresh.keras"))
    _, trained, _ = run("check", "--cache-dir", cache, str(tmp_path / "trained.keras"))
    assert "  params    40  weights 160 B (ONNX initializers)\n" in fresh
    assert "keras     46 params (trainable 46, non-trainable 0); ONNX has 6 fewer" in fresh
    assert "  params    46  weights 184 B (ONNX initializers)\n" in trained
    assert "keras     46 params (trainable 46, non-trainable 0)\n" in trained
    _, review, _ = run("check", "--cache-dir", cache, "--format", "markdown", str(tmp_path))
    assert "| params | 40 |\n| params (keras) | 46 (trainable 46, non-trainable 0) |" in review


def test_inspect_by_layer_uses_keras_layer_names(
    cnn_files: dict[str, Path], tmp_path: Path
) -> None:
    code, out, _ = run(
        "inspect",
        "--by",
        "layer",
        "--format",
        "json",
        "--cache-dir",
        str(tmp_path),
        str(cnn_files["keras"]),
    )
    assert code == 0
    rows = {row["name"]: row for row in json.loads(out)["models"][0]["by_layer"]}
    assert {"conv1", "bn1", "relu1", "dw", "gap", "head"} <= set(rows)
    assert rows["conv1"]["macs"] == 32 * 32 * 8 * 27
    assert rows["dw"]["macs"] == 32 * 32 * 8 * 9
    assert rows["head"]["macs"] == 80


def test_findings_name_the_keras_layer(cnn_files: dict[str, Path], tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "conv.yaml").write_text(
        "ops:\n  Conv:\n    source: this test leaves Conv uncosted\n"
        "    flops: unknown('not costed in this test')\n"
    )
    code, out, _ = run(
        "check",
        "--strict",
        "--rules",
        str(rules),
        "--format",
        "json",
        "--cache-dir",
        str(tmp_path / "cache"),
        str(cnn_files["keras"]),
    )
    assert code == 1
    findings = json.loads(out)["models"][0]["findings"]
    assert {f["layer"] for f in findings} == {"conv1", "dw"}
    assert all(f["rule_id"] == "MLC001" for f in findings)
