"""Input checks on real TensorFlow files: a whole .tflite passes the flatbuffer check, a cut
one is refused before tf2onnx sees it; ``inspect`` still takes a SavedModel directory."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("tensorflow", reason="TensorFlow formats need the tensorflow extra")
pytest.importorskip("tf2onnx", reason="TensorFlow formats need tf2onnx (tensorflow extra)")

from cli_support import run

from modelint.errors import ModelLoadError
from modelint.load.formats import check_tflite

pytestmark = pytest.mark.tensorflow


def test_a_converter_written_tflite_passes_and_its_prefixes_fail(
    cnn_files: dict[str, Path], tmp_path: Path
) -> None:
    whole = cnn_files["tflite"].read_bytes()
    check_tflite(cnn_files["tflite"])
    for size in (8, 64, len(whole) // 2):
        cut = tmp_path / f"cut{size}.tflite"
        cut.write_bytes(whole[:size])
        with pytest.raises(ModelLoadError, match="truncated or corrupt TFLite model"):
            check_tflite(cut)
        code, out, err = run("check", "--no-cache", str(cut))
        assert code == 2 and "1 could not be read" in out
        assert err.startswith(f"modelint: error: {cut}: truncated or corrupt TFLite model: ")
        assert err.endswith(f" of a {size:,}-byte file\n") and err.count("\n") == 1
        assert "tf2onnx" not in err


def test_inspect_takes_a_saved_model_directory(cnn_files: dict[str, Path], tmp_path: Path) -> None:
    saved_model = cnn_files["saved-model"]
    code, out, err = run("inspect", "--cache-dir", str(tmp_path), str(saved_model))
    assert code == 0, err
    assert out.startswith(f"{saved_model}  [saved-model;")
    code, out, err = run("inspect", str(saved_model.parent))
    assert (code, out) == (2, "")
    assert err == (
        f"modelint inspect: {saved_model.parent} is a directory; inspect takes one model (a "
        "file or a SavedModel directory); use modelint check for directories\n"
    )


def test_a_saved_model_with_an_open_sequence_says_which_shape_to_give(tmp_path: Path) -> None:
    """tf2onnx failed with "Dimension -1 must be >= 0"; the Keras path's hint, instead."""
    import keras

    sequence = keras.Input((None, 16), name="vseq")
    directory = tmp_path / "varlen"
    keras.Model(sequence, keras.layers.LSTM(32, name="l")(sequence)).export(
        str(directory), verbose=False
    )
    code, _, err = run("check", "--no-cache", str(directory))
    assert code == 2
    assert err == (
        f"modelint: error: {directory}: input 'vseq' has unknown dims (None, None, 16): pass "
        "--input-shape vseq=1,?,16 with the ?s filled in\n"
    )
    code, out, _ = run("check", "--no-cache", "--format", "json", "--input-shape", "vseq=1,50,16",
                       str(directory))  # fmt: skip
    assert code == 0 and '"macs": 307200' in out  # 50 steps x 4 gates x 32 x (16 + 32)
