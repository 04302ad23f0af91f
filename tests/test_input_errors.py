"""Inputs a new user gets wrong: a file that is not TFLite, a truncated flatbuffer, a plain
directory given to ``inspect``, out-of-range ``--opset`` / ``--batch``; each one line, exit 2."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import run as _run

from modelint.errors import ModelLoadError
from modelint.load import load_model
from modelint.load.formats import check_tflite

RELU = (
    '<ir_version: 8, opset_import: ["" : 17]>\n'
    "g (float[1, 4] x) => (float[1, 4] y) { y = Relu (x) }\n"
)


def _flatbuffer(*, vector_length: int = 0) -> bytes:
    """A minimal TFLite-shaped flatbuffer: root table with `version` and a `subgraphs`
    vector of ``vector_length`` offsets, of which only the length is written."""
    vtable = struct.pack("<HHHHHH", 12, 12, 4, 0, 8, 0)  # fields 0 (version), 2 (subgraphs)
    header = struct.pack("<I", 20) + b"TFL3"  # root table at byte 20
    table = struct.pack("<iII", 20 - 8, 3, 4)  # vtable 12 bytes back; subgraphs 4 bytes on
    return header + vtable + table + struct.pack("<I", vector_length)


def test_a_tflite_file_without_the_identifier_is_refused_without_tensorflow(
    tmp_path: Path,
) -> None:
    garbage = tmp_path / "x.tflite"
    garbage.write_bytes(b"garbage")
    with pytest.raises(ModelLoadError) as caught:
        load_model(garbage)
    assert str(caught.value) == f"{garbage}: not a TFLite model (no TFL3 flatbuffer identifier)"
    probe = (
        "import sys\nfrom modelint.cli import main\n"
        f"code = main(['check', '--no-cache', {str(garbage)!r}])\n"
        "print('tensorflow' in sys.modules, 'tf2onnx' in sys.modules, code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert result.stdout.splitlines()[-1] == "False False 2"
    assert result.stderr == (
        f"modelint: error: {garbage}: not a TFLite model (no TFL3 flatbuffer identifier)\n"
    )


def test_a_truncated_tflite_flatbuffer_names_the_byte_it_needs(tmp_path: Path) -> None:
    whole = tmp_path / "whole.tflite"
    whole.write_bytes(_flatbuffer(vector_length=2) + b"\x00" * 8)
    check_tflite(whole)  # the subgraphs vector ends exactly at the end of the file
    cases = {
        "long_vector.tflite": (_flatbuffer(vector_length=3) + b"\x00" * 8, 48, 44),
        "header.tflite": (b"\x1c\x00\x00\x00TFL3" + b"\x00" * 8, 32, 16),
        "short.tflite": (b"abcdTFL3", 1_684_234_853, 8),
    }
    for name, (content, end, size) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(ModelLoadError) as caught:
            check_tflite(path)
        assert str(caught.value) == (
            f"{path}: truncated or corrupt TFLite model: its flatbuffer reaches byte "
            f"{end:,} of a {size:,}-byte file"
        )


def test_inspect_refuses_a_plain_directory(tmp_path: Path) -> None:
    (tmp_path / "m.onnxtxt").write_text(RELU)
    code, out, err = _run("inspect", str(tmp_path))
    assert (code, out) == (2, "")
    assert err == (
        f"modelint inspect: {tmp_path} is a directory; inspect takes one model (a file or a "
        "SavedModel directory); use modelint check for directories\n"
    )
    code, out, _ = _run("inspect", str(tmp_path / "m.onnxtxt"))
    assert code == 0 and out.startswith(f"{tmp_path / 'm.onnxtxt'}  [onnx-text;")


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--opset", "5"), "modelint: --opset must be >= 9, got 5"),
        (("--batch", "0"), "modelint: --batch must be >= 1, got 0"),
        (("--opset", "5", "--batch", "0"), "modelint: --opset must be >= 9, got 5"),
    ],
)
@pytest.mark.parametrize("command", ["check", "inspect"])
def test_opset_and_batch_get_their_own_messages(
    tmp_path: Path, command: str, flags: tuple[str, ...], message: str
) -> None:
    model = tmp_path / "m.onnxtxt"
    model.write_text(RELU)
    code, out, err = _run(command, *flags, str(model))
    assert (code, out, err) == (2, "", message + "\n")


HEADER = '<ir_version: 8, opset_import: ["" : 17]>\n'


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            HEADER
            + "g (float[100000000000000000000000, 4] x) => (float[1, 4] y) { y = Relu (x) }\n",
            "ONNX text does not parse: a number is out of range (stoll)",
        ),
        (RELU.encode("utf-16"), "not UTF-8 text (byte 0 cannot be decoded)"),
    ],
)
def test_onnx_text_the_parser_cannot_take_is_one_line(
    tmp_path: Path, text: str | bytes, problem: str
) -> None:
    """The C++ parser raised IndexError ('stoll'), reported as an internal error."""
    path = tmp_path / "m.onnxtxt"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    code, _, err = _run("check", str(path))
    assert (code, err) == (2, f"modelint: error: {path}: {problem}\n")


def test_onnx_text_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "bom.onnxtxt"
    path.write_bytes(b"\xef\xbb\xbf" + RELU.encode())
    assert load_model(path).proto.graph.node[0].op_type == "Relu"


def test_an_input_shape_past_int64_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "m.onnxtxt"
    path.write_text(RELU)
    code, _, err = _run("check", "--input-shape", "x=99999999999999999999999,4", str(path))
    assert code == 2
    assert err == (
        "modelint check: argument --input-shape: dims of 'x' must be below 2**63: "
        "'99999999999999999999999,4'\n"
    )


def test_an_initializer_without_an_element_type_is_a_shape_error_not_a_crash(
    tmp_path: Path,
) -> None:
    """numpy_helper raised TypeError (UNDEFINED) while folding constants: an internal error."""
    import json

    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "w"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.UNDEFINED, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.UNDEFINED, [1, 4])],
        [TensorProto(name="w", dims=[4])],  # data_type 0: UNDEFINED
    )
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    code, out, err = _run("check", "--format", "json", str(path))
    assert (code, err) == (1, "")
    model = json.loads(out)["models"][0]
    [finding] = model["findings"]
    assert finding["rule_id"] == "MLG009" and finding["message"].endswith(
        "(op_type:Add): Element type of input 0 unknown"
    )


@pytest.mark.parametrize(
    ("opsets", "problem"),
    [
        (
            [("", 17), ("ai.onnx", 13)],
            "opset_import gives domain 'ai.onnx' two versions (17 and 13)",
        ),
        ([("", 0)], "opset_import gives ai.onnx version 0; its first is 1"),
    ],
)
def test_an_opset_import_no_runtime_takes_is_one_line(
    tmp_path: Path, opsets: list[tuple[str, int]], problem: str
) -> None:
    """Which of two versions applied was a silent pick; version 0 only drew a warning."""
    path = _relu_importing(tmp_path, opsets)
    code, _, err = _run("check", str(path))
    assert (code, err) == (2, f"modelint: error: {path}: {problem}\n")


def test_two_reports_to_one_file_is_a_usage_error(tmp_path: Path) -> None:
    model = tmp_path / "m.onnxtxt"
    model.write_text(RELU)
    report = tmp_path / "report"
    argv = ["--output", f"json:{report}", "--output", f"sarif:{tmp_path}/./report"]
    code, _, err = _run("check", *argv, str(model))
    assert (code, err) == (2, f"modelint: --output names {report} twice\n")
    assert not report.exists()


@pytest.mark.parametrize("opsets", [[("", 17), ("ai.onnx", 17)], [("", 17), ("com.acme", 0)]])
def test_opset_imports_runtimes_accept_are_accepted(
    tmp_path: Path, opsets: list[tuple[str, int]]
) -> None:
    """One domain under both spellings at one version; a custom domain at version 0."""
    import onnx

    path = _relu_importing(tmp_path, opsets)
    onnx.checker.check_model(str(path))
    assert _run("check", str(path))[0] == 0


def _relu_importing(tmp_path: Path, opsets: list[tuple[str, int]]) -> Path:
    """A one-Relu model importing ``opsets`` ((domain, version) pairs)."""
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
    )
    path = tmp_path / "m.onnx"
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid(*o) for o in opsets])
    onnx.save(model, path)
    return path
