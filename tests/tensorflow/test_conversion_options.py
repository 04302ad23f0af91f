"""Conversion options from flags and config, the progress line, and how SavedModels and frozen
GraphDefs are named on the command line."""

from __future__ import annotations

import io
import json
import os
import pty
from pathlib import Path

import pytest

pytest.importorskip("tensorflow", reason="TensorFlow formats need the tensorflow extra")
pytest.importorskip("tf2onnx", reason="TensorFlow formats need tf2onnx (tensorflow extra)")

from cli_support import run
from keras_models import SMALL_CNN_MACS

from modelint.cli import main

pytestmark = pytest.mark.tensorflow


def _macs(out: str) -> int:
    return int(json.loads(out)["models"][0]["totals"]["macs"])


def test_saved_model_given_as_its_saved_model_pb(
    cnn_files: dict[str, Path], tmp_path: Path
) -> None:
    path = cnn_files["saved-model"] / "saved_model.pb"
    code, out, _ = run("check", "--format", "json", "--cache-dir", str(tmp_path), str(path))
    assert code == 0 and _macs(out) == SMALL_CNN_MACS
    assert json.loads(out)["models"][0]["format"] == "saved-model"


def test_graphdef_inputs_and_outputs_from_flags_and_config(
    cnn_files: dict[str, Path], tmp_path: Path
) -> None:
    path = str(cnn_files["graphdef"])
    code, out, _ = run(
        "check",
        "--format",
        "json",
        "--no-cache",
        "--graphdef-inputs",
        "image:0",
        "--graphdef-outputs",
        "Identity:0",
        path,
    )
    assert code == 0 and _macs(out) == SMALL_CNN_MACS
    code, _, err = run("check", "--no-cache", "--graphdef-inputs", "nope:0", path)
    assert code == 2
    assert err == (
        f"modelint: error: {path}: GraphDef input 'nope:0' (--graphdef-inputs or config "
        "conversion.graphdef-inputs) is no tensor of this GraphDef; its input candidates: "
        "image:0\n"
    )
    config = tmp_path / "modelint.yaml"
    config.write_text(
        "conversion:\n  opset: 15\n  graphdef-inputs: [image:0]\n  graphdef-outputs: [Identity:0]\n"
    )
    code, out, _ = run("check", "--format", "json", "--no-cache", "--config", str(config), path)
    assert code == 0 and json.loads(out)["models"][0]["opsets"]["ai.onnx"] == 15


@pytest.mark.parametrize("model_format", ["keras", "h5", "saved-model", "tflite"])
def test_opset_and_batch_flags(cnn_files: dict[str, Path], model_format: str) -> None:
    code, out, _ = run(
        "check",
        "--format",
        "json",
        "--no-cache",
        "--opset",
        "16",
        "--batch",
        "4",
        str(cnn_files[model_format]),
    )
    model = json.loads(out)["models"][0]
    assert code == 0 and model["opsets"]["ai.onnx"] == 16
    assert model["totals"]["macs"] == 4 * SMALL_CNN_MACS
    assert run("check", "--opset", "3", str(cnn_files[model_format]))[0] == 2


def _in_terminal(*argv: str) -> tuple[int, str]:
    """Run with stderr on a pseudo-terminal; return the exit code and what reached it."""
    primary, secondary = pty.openpty()
    os.set_blocking(primary, False)
    terminal = os.fdopen(secondary, "w", encoding="utf-8")
    try:
        code = main(list(argv), out=io.StringIO(), err=terminal)
        terminal.flush()
        try:
            written = os.read(primary, 65536).decode("utf-8", "replace")
        except BlockingIOError:
            written = ""
    finally:
        terminal.close()
        os.close(primary)
    return code, written


def test_progress_line_in_a_terminal_only(cnn_files: dict[str, Path]) -> None:
    code, written = _in_terminal("check", "--no-cache", str(cnn_files["keras"]))
    assert code == 0
    assert f"converting {cnn_files['keras']} (keras -> ONNX)" in written
    assert written.endswith("\r\x1b[K")  # the line is cleared when the conversion ends
    _, _, err = run("check", "--no-cache", str(cnn_files["keras"]))  # not a terminal
    assert err == ""
    code, written = _in_terminal("check", "--quiet", "--no-cache", str(cnn_files["keras"]))
    assert code == 0 and written == ""
