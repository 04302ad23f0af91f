"""Model files that carry code are refused before it can run; broken files are one-line
errors that name the file, and the other files of the run are still reported."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("tensorflow", reason="TensorFlow formats need the tensorflow extra")
pytest.importorskip("tf2onnx", reason="TensorFlow formats need tf2onnx (tensorflow extra)")

from cli_support import run

pytestmark = pytest.mark.tensorflow


def _lambda_model_files(directory: Path, marker: Path) -> list[Path]:
    """A model whose Lambda layer writes ``marker`` whenever it is called — as Keras would
    do while rebuilding the model from the file."""
    import keras

    def touch(x: object) -> object:
        marker.write_text("code from the model file ran")
        return x

    inputs = keras.Input((4,), name="x")
    outputs = keras.layers.Dense(2, name="head")(keras.layers.Lambda(touch, name="evil")(inputs))
    model = keras.Model(inputs, outputs)
    paths = [directory / "evil.keras", directory / "evil.h5"]
    for path in paths:
        model.save(path)
    marker.unlink()  # building and saving called the Lambda here, in the test
    return paths


def test_lambda_layers_are_refused_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "MARKER"
    paths = _lambda_model_files(tmp_path, marker)
    for path in paths:
        code, _, err = run("check", "--no-cache", str(path))
        assert code == 2
        lines = err.splitlines()
        assert lines == [
            f"modelint: error: {path}: refused: Lambda layer 'evil' carries Python "
            "code; modelint never runs code from a model file"
        ]
        assert not marker.exists()


def _as_if_saved_from_a_script(path: Path, class_name: str) -> None:
    """Keras writes no module for a class defined in ``__main__`` (a training script), only
    its name as registered_name: rewrite the archive's config so."""
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(entries["config.json"])

    def strip(node: object) -> None:
        if isinstance(node, dict):
            if node.get("class_name") == class_name:
                node["module"] = None
            for value in node.values():
                strip(value)
        elif isinstance(node, list):
            for value in node:
                strip(value)

    strip(config)
    entries["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)


def test_custom_classes_are_refused(tmp_path: Path) -> None:
    import keras

    @keras.saving.register_keras_serializable(package="acme")
    class Scale(keras.layers.Layer):  # type: ignore[misc]
        def call(self, x: object) -> object:
            return x

    class Unregistered(keras.layers.Layer):  # type: ignore[misc]
        def call(self, x: object) -> object:
            return x

    model = keras.Sequential([keras.Input((3,)), Scale(name="scale")])
    for path, what in (
        (tmp_path / "custom.keras", "the custom class test_refusals.Scale, whose code is not "
         "in the file"),
        (tmp_path / "custom.h5", "the registered custom object acme>Scale"),  # its class_name
    ):  # fmt: skip
        model.save(path)
        code, _, err = run("check", "--no-cache", str(path))
        assert code == 2 and err == (
            f"modelint: error: {path}: refused: layer 'scale' is {what}; modelint never runs "
            "code from a model file\n"
        )
    path = tmp_path / "unregistered.keras"
    keras.Sequential([keras.Input((3,)), Unregistered(name="plain")]).save(path)
    _as_if_saved_from_a_script(path, "Unregistered")
    code, _, err = run("check", "--no-cache", str(path))
    assert code == 2 and err == (  # it was Keras' own "could not be deserialized properly"
        f"modelint: error: {path}: refused: layer 'plain' is the custom class Unregistered, "
        "whose code is not in the file; modelint never runs code from a model file\n"
    )


def test_broken_files_fail_alone(tmp_path: Path, cnn_files: dict[str, Path]) -> None:
    broken_zip = tmp_path / "broken.keras"
    broken_zip.write_bytes(cnn_files["keras"].read_bytes()[:200])
    empty_saved_model = tmp_path / "empty_saved_model"
    empty_saved_model.mkdir()
    (empty_saved_model / "saved_model.pb").write_bytes(b"")
    truncated = tmp_path / "truncated.tflite"
    truncated.write_bytes(cnn_files["tflite"].read_bytes()[:64])
    code, out, err = run(
        "check",
        "--cache-dir",
        str(tmp_path / "cache"),
        str(broken_zip),
        str(empty_saved_model),
        str(truncated),
        str(cnn_files["keras"]),
    )
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 3, err
    for path, line in zip((broken_zip, empty_saved_model, truncated), lines, strict=True):
        assert line.startswith(f"modelint: error: {path}: "), line
        assert "Traceback" not in line
    assert "corrupt .keras file" in lines[0]
    assert str(cnn_files["keras"]) in out and "294,992" in out


def test_unknown_input_dims_ask_for_input_shape(tmp_path: Path) -> None:
    import keras

    inputs = keras.Input((None, None, 3), name="image")
    outputs = keras.layers.Conv2D(4, 3, name="conv")(inputs)
    path = tmp_path / "dynamic.keras"
    keras.Model(inputs, outputs).save(path)
    code, _, err = run("check", "--no-cache", str(path))
    assert code == 2
    assert "input 'image' has unknown dims (None, None, None, 3)" in err
    assert "--input-shape image=1,?,?,3" in err
    code, out, _ = run("check", "--no-cache", "--input-shape", "image=1,10,10,3", str(path))
    assert code == 0 and "MACs      6,912 (6.91 k)" in out  # 8*8*4 outputs * 3*3*3


def test_missing_extra_names_the_install_command(
    tmp_path: Path, cnn_files: dict[str, Path]
) -> None:
    probe = (
        "import sys\n"
        "sys.modules['tensorflow'] = None  # as if the extra were not installed\n"
        "from modelint.cli import main\n"
        f"sys.exit(main(['check', '--no-cache', {str(cnn_files['keras'])!r}]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert result.stderr.strip().endswith("pip install 'modelint[tensorflow]'")
    assert result.stderr.count("\n") == 1


def test_a_python_activation_function_is_refused_by_name(tmp_path: Path) -> None:
    import keras

    def doubled(x: object) -> object:
        return x

    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Activation(doubled, name="doubler")(inputs))
    path = tmp_path / "activation.keras"
    model.save(path)
    code, _, err = run("check", "--no-cache", str(path))
    assert code == 2
    assert err == (
        f"modelint: error: {path}: refused: layer 'doubler' uses the Python function "
        "'doubled', whose code is not in the file; modelint never runs code from a model file\n"
    )
