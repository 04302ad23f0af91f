"""Loading: weights are never read; bad files give one clear error naming the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import modelint
from modelint.errors import ModelLoadError
from modelint.load import detect_format, load_model
from modelint.load.weights import MIN_ELEMENTS, NOT_KEPT


def _external_weight(name: str, shape: tuple[int, ...], location: str) -> onnx.TensorProto:
    """An initializer whose data lives in a file that does not exist."""
    tensor = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=shape)
    tensor.data_location = TensorProto.EXTERNAL
    size = int(np.prod(shape)) * 4
    for key, value in (("location", location), ("offset", "0"), ("length", str(size))):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    return tensor


def _matmul_model(weight: onnx.TensorProto, rows: int) -> onnx.ModelProto:
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", weight.name], ["y"], name="mm")],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, rows])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [weight],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_missing_external_data_does_not_stop_costing(tmp_path: Path) -> None:
    path = tmp_path / "external.onnx"
    onnx.save(_matmul_model(_external_weight("w", (64, 32), "missing.bin"), 64), path)
    assert not (tmp_path / "missing.bin").exists()
    analysis = modelint.analyze(path)
    assert analysis.totals.macs == 64 * 32  # vol(Y) * K = 32 * 64
    assert analysis.totals.params == 2_048
    assert analysis.totals.weight_bytes == 8_192
    assert analysis.notes == (
        "external data not found beside the model: missing.bin (costs come from dims and "
        "dtypes; a runtime cannot load the model without it)",
    )


@pytest.mark.parametrize(
    ("entries", "notes"),
    [
        ([("offset", "0"), ("location", "late.bin")], ("late.bin",)),  # not first: still read
        ([("offset", "0")], ()),  # no location at all: nothing to name
    ],
    ids=["location-not-first", "no-location"],
)
def test_the_location_entry_is_found_wherever_it_is(
    tmp_path: Path, entries: list[tuple[str, str]], notes: tuple[str, ...]
) -> None:
    weight = _external_weight("w", (64, 32), "unused.bin")
    del weight.external_data[:]
    for key, value in entries:
        entry = weight.external_data.add()
        entry.key, entry.value = key, value
    path = tmp_path / "external.onnx"
    onnx.save(_matmul_model(weight, 64), path)
    assert modelint.analyze(path).notes == tuple(
        f"external data not found beside the model: {name} (costs come from dims and "
        "dtypes; a runtime cannot load the model without it)"
        for name in notes
    )


def test_external_data_beside_the_model_is_no_note(tmp_path: Path) -> None:
    path = tmp_path / "external.onnx"
    onnx.save(_matmul_model(_external_weight("w", (64, 32), "weights.bin"), 64), path)
    (tmp_path / "weights.bin").write_bytes(bytes(8_192))
    assert modelint.analyze(path).notes == ()


def test_models_with_over_2gb_of_weights_cost_from_dims(tmp_path: Path) -> None:
    path = tmp_path / "huge.onnx"
    onnx.save(_matmul_model(_external_weight("w", (50_000, 16_384), "huge.bin"), 50_000), path)
    analysis = modelint.analyze(path)
    assert analysis.totals.params == 819_200_000  # 50,000 * 16,384
    assert analysis.totals.weight_bytes == 3_276_800_000  # 4 bytes each: over 2 GB
    assert analysis.totals.macs == 819_200_000  # vol(Y) = 16,384; K = 50,000


def test_external_data_present_is_not_read(tmp_path: Path) -> None:
    model = _matmul_model(numpy_helper.from_array(np.ones((8, 4), np.float32), "w"), 8)
    path = tmp_path / "with_data.onnx"
    onnx.save(model, path, save_as_external_data=True, location="with_data.bin", size_threshold=0)
    loaded = load_model(path)
    weight = loaded.proto.graph.initializer[0]
    assert weight.data_location == TensorProto.EXTERNAL and not weight.raw_data


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.onnx", b"", "empty file"),
        ("garbage.onnx", b"\xff\xfe not a protobuf at all \x00\x01", "not a valid ONNX protobuf"),
        ("noext.bin", b"hello", "unrecognised model format '.bin'"),
    ],
)
def test_bad_files_raise_one_line_errors_naming_the_file(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ModelLoadError) as caught:
        load_model(path)
    text = str(caught.value)
    assert text.startswith(f"{path}: ") and message in text and "\n" not in text


def test_onnx_text_format_loads_and_parse_errors_name_the_file(tmp_path: Path) -> None:
    good = tmp_path / "tiny.onnxtxt"
    good.write_text(
        '<ir_version: 8, opset_import: ["" : 17]>\n'
        "g (float[1, 4] x) => (float[1, 4] y) { y = Relu (x) }\n"
    )
    assert modelint.analyze(good).totals.flops == 4
    bad = tmp_path / "bad.onnxtxt"
    bad.write_text("g (float[1, 4] x => {")
    with pytest.raises(ModelLoadError, match=r"bad\.onnxtxt: ONNX text does not parse"):
        load_model(bad)


def test_formats_are_detected_by_content_before_extension(tmp_path: Path) -> None:
    hdf5 = tmp_path / "weights.keras"
    hdf5.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 8)
    tflite = tmp_path / "model.bin"
    tflite.write_bytes(b"\x1c\x00\x00\x00TFL3" + b"\x00" * 8)
    onnx_pb = tmp_path / "model.pb"
    onnx_pb.write_bytes(b"\x08\x08\x12\x04test")
    graphdef = tmp_path / "frozen.pb"
    graphdef.write_bytes(b"\x0a\x10node")
    assert [detect_format(p) for p in (hdf5, tflite, onnx_pb, graphdef)] == [
        "h5",
        "tflite",
        "onnx",
        "graphdef",
    ]
    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "saved_model.pb").write_bytes(b"\x08\x01")
    assert detect_format(saved) == "saved-model"
    with pytest.raises(ModelLoadError, match="not a SavedModel"):
        detect_format(tmp_path / "saved" / ".." / "saved" / "..")


def test_large_weights_held_in_the_file_are_dropped_after_parsing(tmp_path: Path) -> None:
    """torch.onnx keeps weights in the file: the large ones lose their data at load (nothing
    reads them), the small ones keep it (constant folding reads up to 4,096 elements)."""
    large = numpy_helper.from_array(np.ones((MIN_ELEMENTS, 2), np.float32), "w")
    model = _matmul_model(large, MIN_ELEMENTS)
    shift = numpy_helper.from_array(np.arange(2, dtype=np.float32), "shift")
    model.graph.initializer.append(shift)
    model.graph.node.append(helper.make_node("Add", ["y", "shift"], ["z"], name="add"))
    model.graph.output[0].name = "z"
    path = tmp_path / "inline.onnx"
    onnx.save(model, path)
    loaded = load_model(path)
    weight, kept = loaded.proto.graph.initializer
    assert not weight.raw_data and list(weight.dims) == [MIN_ELEMENTS, 2]
    assert [(e.key, e.value) for e in weight.external_data] == [("location", NOT_KEPT)]
    assert numpy_helper.to_array(kept).tolist() == [0.0, 1.0]
    assert loaded.serialized is None  # the file's bytes still hold the weights
    analysis = modelint.analyze(path)
    assert analysis.totals.params == MIN_ELEMENTS * 2 + 2
    assert analysis.totals.weight_bytes == (MIN_ELEMENTS * 2 + 2) * 4
    assert analysis.totals.macs == MIN_ELEMENTS * 2


def test_a_file_without_large_weights_keeps_its_bytes_for_inference(tmp_path: Path) -> None:
    path = tmp_path / "small.onnx"
    onnx.save(_matmul_model(numpy_helper.from_array(np.ones((8, 2), np.float32), "w"), 8), path)
    loaded = load_model(path)
    assert loaded.serialized == path.read_bytes()
    assert numpy_helper.to_array(loaded.proto.graph.initializer[0]).sum() == 16


def test_an_opset_newer_than_onnx_knows_gets_a_note(tmp_path: Path) -> None:
    """opset 99 (a typo, or a newer exporter) used to pass without a word."""
    newest = onnx.defs.onnx_opset_version()
    path = tmp_path / "future.onnxtxt"
    for version, noted in ((newest + 1, True), (newest, False)):
        path.write_text(
            f'<ir_version: 8, opset_import: ["" : {version}]>\n'
            "g (float[1, 4] x) => (float[1, 4] y) {\n y = Relu (x)\n}\n"
        )
        notes = modelint.analyze(path).notes
        expected = f"opset {version} of ai.onnx is newer than onnx {onnx.__version__} defines"
        assert any(note.startswith(expected) for note in notes) == noted, notes


def test_an_ir_version_newer_than_onnx_knows_gets_a_note(tmp_path: Path) -> None:
    path = tmp_path / "future.onnxtxt"
    path.write_text(
        f'<ir_version: {onnx.IR_VERSION + 1}, opset_import: ["" : 17]>\n'
        "g (float[1, 4] x) => (float[1, 4] y) {\n y = Relu (x)\n}\n"
    )
    assert modelint.analyze(path).notes == (
        f"IR version {onnx.IR_VERSION + 1} is newer than onnx {onnx.__version__} knows "
        f"({onnx.IR_VERSION}): what it adds to the format is not read",
    )


def test_a_sparse_initializer_is_costed_at_its_dense_size(tmp_path: Path) -> None:
    """Shape inference ignores sparse initializers: the MatMul reading one was uncosted, and
    the check refused the valid model as reading an undefined tensor."""
    values = helper.make_tensor("w", TensorProto.FLOAT, [2], [1.0, 2.0])
    indices = helper.make_tensor("w_indices", TensorProto.INT64, [2], [0, 5])
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])],
        sparse_initializer=[helper.make_sparse_tensor(values, indices, [4, 8])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)  # a valid model
    path = tmp_path / "sparse.onnx"
    onnx.save(model, path)
    analysis = modelint.analyze(path)
    assert (analysis.totals.macs, analysis.totals.params, analysis.totals.weight_bytes) == (
        32,
        32,
        128,
    )
    assert analysis.coverage.complete
    assert "sparse initializer 'w' is counted at its dense size (4x8; 2 values stored)" in (
        analysis.notes
    )


FUNCTION_MODEL = """<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
agraph (float[1, 4] x) => (float[1, 4] y) {{
  y = local.Double (x)
}}
<opset_import: ["" : 17, "local" : 1], domain: "local">
Double (X) => (Y) {{
  T = Add (X, X)
  Y = {body}
}}
"""


def test_model_local_functions_are_costed_node_by_node(tmp_path: Path) -> None:
    """torch.onnx's dynamo exporter writes a function per module: each call was one
    uncosted node ('no cost rule for local::Double'), its Sigmoid unseen by the rules."""
    path = tmp_path / "f.onnxtxt"
    path.write_text(FUNCTION_MODEL.format(body="Sigmoid (T)"))
    analysis = modelint.analyze(path)
    assert sorted(node.op_type for node in analysis.graph.nodes.values()) == ["Add", "Sigmoid"]
    assert (analysis.totals.flops, analysis.totals.transcendentals) == (4 + 3 * 4, 4)
    assert analysis.coverage.complete
    assert "model-local functions inlined (their nodes costed one by one): local::Double" in (
        analysis.notes
    )


def test_a_function_that_calls_itself_is_one_load_error(tmp_path: Path) -> None:
    path = tmp_path / "f.onnxtxt"
    path.write_text(FUNCTION_MODEL.format(body="local.Double (T)"))
    with pytest.raises(ModelLoadError) as caught:
        modelint.analyze(path)
    assert str(caught.value).startswith(
        f"{path}: its functions cannot be inlined: Cycle detected in model-local function "
        "references: local::Double -> local::Double."
    )


def test_a_string_attribute_that_is_not_utf8_is_read(tmp_path: Path) -> None:
    """ONNX strings are bytes: a Constant's value_string of b'\\xff\\xfe' made the build
    raise UnicodeDecodeError, and the valid model was not checked."""
    graph = helper.make_graph(
        [
            helper.make_node("Constant", [], ["s"], value_string=b"\xff\xfe"),
            helper.make_node("Relu", ["x"], ["y"]),
        ],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [
            helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4]),
            helper.make_tensor_value_info("s", TensorProto.STRING, []),
        ],
    )
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    analysis = modelint.analyze(path)
    constant = next(n for n in analysis.graph.nodes.values() if n.op_type == "Constant")
    assert constant.attributes == {"value_string": "\\xff\\xfe"}
    assert analysis.totals.flops == 4


def test_a_sparse_initializer_in_a_subgraph_defines_its_tensor(tmp_path: Path) -> None:
    """An If branch's sparse weight: the model is read (it was refused as reading an
    undefined tensor), and the weight counts at its dense size."""
    values = helper.make_tensor("w", TensorProto.FLOAT, [2], [1.0, 2.0])
    indices = helper.make_tensor("w_indices", TensorProto.INT64, [2], [0, 5])
    branch = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["t"])],
        "then",
        [],
        [helper.make_tensor_value_info("t", TensorProto.FLOAT, [1, 8])],
        sparse_initializer=[helper.make_sparse_tensor(values, indices, [4, 8])],
    )
    other = helper.make_graph(
        [helper.make_node("Constant", [], ["e"], value_floats=[0.0] * 8)],
        "else",
        [],
        [helper.make_tensor_value_info("e", TensorProto.FLOAT, [8])],
    )
    graph = helper.make_graph(
        [helper.make_node("If", ["c"], ["y"], then_branch=branch, else_branch=other)],
        "g",
        [
            helper.make_tensor_value_info("c", TensorProto.BOOL, []),
            helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4]),
        ],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    analysis = modelint.analyze(path)
    assert analysis.totals.params == 32
