"""Invalid ONNX graphs are never costed as if they were fine: a tensor nobody defines fails
the model (exit 2, one line naming the file and the node) while the other files of the run
are reported; shapes that contradict each other are an MLG009 error finding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import run

HEADER = '<ir_version: 8, opset_import: ["" : 17]>\n'
UNDEFINED = (
    HEADER + "g (float[1, 4] x) => (float[1, 4] z) {\n y = Relu (x)\n z = Add (y, ghost)\n}\n"
)
MATMUL = HEADER + "g (float[1, 4] x, float[3, 5] w) => (float[1, 5] z) {\n z = MatMul (x, w)\n}\n"
ADD = HEADER + "g (float[1, 4] x, float[1, 5] w) => (float[1, 4] z) {\n z = Add (x, w)\n}\n"
GOOD = HEADER + "g (float[1, 4] x, float[4, 5] w) => (float[1, 5] z) {\n z = MatMul (x, w)\n}\n"


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("command", ["check", "inspect"])
def test_a_tensor_nobody_defines_fails_the_model_alone(tmp_path: Path, command: str) -> None:
    bad = _write(tmp_path, "ghost.onnxtxt", UNDEFINED)
    good = _write(tmp_path, "good.onnxtxt", GOOD)
    paths = [bad, good] if command == "check" else [bad]
    code, out, err = run(command, "--format", "json", *paths)
    assert code == 2
    assert err == (
        f"modelint: error: {bad}: invalid ONNX graph: node 'Add:z' reads tensor 'ghost', "
        "which no node, graph input or initializer defines\n"
    )
    if command == "check":
        assert [model["path"] for model in json.loads(out)["models"]] == [good]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (MATMUL, "(op_type:MatMul): Incompatible dimensions for matrix multiplication"),
        (ADD, "(op_type:Add): Incompatible dimensions"),
    ],
)
def test_contradicting_shapes_are_an_error_finding(tmp_path: Path, text: str, problem: str) -> None:
    path = _write(tmp_path, "mismatch.onnxtxt", text)
    code, out, _ = run("check", "--format", "json", path)
    assert code == 1
    (model,) = json.loads(out)["models"]
    (finding,) = [f for f in model["findings"] if f["rule_id"] == "MLG009"]
    assert finding["severity"] == "error"
    assert finding["message"] == (
        f"ONNX shape inference rejects this graph, so its costs are not reliable: {problem}"
    )


def test_a_valid_graph_has_no_shape_error(tmp_path: Path) -> None:
    code, out, _ = run("check", "--format", "json", _write(tmp_path, "ok.onnxtxt", GOOD))
    assert code == 0
    (model,) = json.loads(out)["models"]
    assert model["findings"] == []
    assert model["totals"]["macs"] == 20  # 1x4 by 4x5


CYCLE = HEADER + "g (float[1, 4] x) => (float[1, 4] b) {\n a = Add (x, b)\n b = Relu (a)\n}\n"


@pytest.mark.parametrize("argv", [["inspect"], ["inspect", "--by", "op"], ["check"]])
def test_a_cyclic_graph_is_refused_by_every_command(tmp_path: Path, argv: list[str]) -> None:
    path = _write(tmp_path, "cycle.onnxtxt", CYCLE)
    code, _, err = run(*argv, path)
    assert code == 2
    assert err == f"modelint: error: {path}: the graph has a cycle (ONNX graphs must be acyclic)\n"


def test_a_bad_input_shape_fails_only_the_model_it_does_not_fit(tmp_path: Path) -> None:
    rank3 = _write(
        tmp_path,
        "rank3.onnxtxt",
        HEADER + "g (float[1, T, 4] x) => (float[1, T, 4] y) {\n y = Relu (x)\n}\n",
    )
    rank2 = _write(
        tmp_path,
        "rank2.onnxtxt",
        HEADER + "g (float[1, 4] x) => (float[1, 4] y) {\n y = Relu (x)\n}\n",
    )
    code, out, err = run("check", "--format", "json", "--input-shape", "x=1,16,4", rank3, rank2)
    assert code == 2
    assert err == (
        f"modelint: error: {rank2}: input shape for 'x' has 3 dims, the input has rank 2\n"
    )
    (model,) = json.loads(out)["models"]
    assert model["path"] == rank3 and model["totals"]["flops"] == 64


def test_a_long_inference_error_is_cut_at_a_word_and_marked() -> None:
    """ONNX lists every failing node; the message keeps whole words and says it was cut."""
    from modelint.graph.shapes import _shortened

    text = " ".join(
        f"(op_type:Relu, node name: act{i}): Input 0 expected rank 4" for i in range(40)
    )
    short = _shortened(text, 400)
    assert len(short) <= 400 and short.endswith(" …")
    assert text.startswith(short.removesuffix(" …")) and text[len(short) - 2] == " "
    assert _shortened("short enough", 400) == "short enough"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (CYCLE, "the graph has a cycle (ONNX graphs must be acyclic)"),
        (UNDEFINED, "invalid ONNX graph: node 'Add:z' reads tensor 'ghost', which no node, "),
    ],
)
def test_the_api_error_of_an_invalid_graph_names_its_file(
    tmp_path: Path, text: str, problem: str
) -> None:
    """As every other load error does (the CLI named the file; a batch script did not)."""
    from modelint import analyze
    from modelint.errors import ModelLoadError

    path = _write(tmp_path, "invalid.onnxtxt", text)
    with pytest.raises(ModelLoadError) as caught:
        analyze(path)
    assert caught.value.path == path and str(caught.value).startswith(f"{path}: {problem}")
