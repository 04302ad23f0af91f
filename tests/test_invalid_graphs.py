"""Invalid ONNX graphs are never costed as if they were fine: a tensor nobody defines fails
the model (exit 2, one line naming the file and the node) while the other files of the run
are reported; shapes that contradict each other are an MLG009 error finding."""

from __future__ import annotations

import json
from pathlib import Path

import onnx
import pytest
from cli_support import run
from onnx import TensorProto, helper

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
        f"ONNX rejects this graph, so its costs are not reliable: {problem}"
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


def _helper_model(tmp_path: Path, nodes: list[onnx.NodeProto], inputs: list[str]) -> str:
    """A float[1, 4] graph from onnx.helper (the text format cannot break SSA), with a
    4x4 weight 'w'; its output is 'z'."""
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, 4]) for name in inputs],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor("w", TensorProto.FLOAT, [4, 4], [0.0] * 16)],
    )
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return str(path)


@pytest.mark.parametrize(
    ("last", "keys"),
    [
        # the unnamed Relu's key 'Relu:t1' is the first MatMul's name: the Relu was dropped
        # (16 MACs short, its neighbour's weight owned by the Relu)
        ("last", ["Relu:t1", "Relu#1", "last"]),
        # ... and its fallback 'Relu#1' the last MatMul's: refused as cyclic
        ("Relu#1", ["Relu:t1", "Relu#1#", "Relu#1"]),
    ],
)
def test_a_node_named_like_another_nodes_key_keeps_both(
    tmp_path: Path, last: str, keys: list[str]
) -> None:
    path = _helper_model(
        tmp_path,
        [
            helper.make_node("MatMul", ["x", "w"], ["t0"], name="Relu:t1"),
            helper.make_node("Relu", ["t0"], ["t1"]),
            helper.make_node("MatMul", ["t1", "w"], ["z"], name=last),
        ],
        ["x"],
    )
    code, out, _ = run("inspect", "--format", "json", path)
    nodes = json.loads(out)["models"][0]["nodes"]
    assert code == 0 and [n["key"] for n in nodes] == keys
    assert [(n["op_type"], n["macs"]) for n in nodes] == [
        ("MatMul", 16),
        ("Relu", 0),
        ("MatMul", 16),
    ]


@pytest.mark.parametrize(
    ("nodes", "inputs", "problem"),
    [
        (
            [helper.make_node("Relu", ["x"], ["z"]), helper.make_node("Relu", ["x"], ["z"])],
            ["x"],
            "tensor 'z' is written by node 'Relu' and by node 'Relu' (each tensor has one writer)",
        ),
        (
            [
                helper.make_node("Relu", ["z"], ["x"], name="r"),
                helper.make_node("Relu", ["x"], ["z"]),
            ],
            ["x"],
            "tensor 'x' is written by a graph input and by node 'r' (each tensor has one writer)",
        ),
        (
            [helper.make_node("MatMul", ["x", "w"], ["w"], name="mm")],
            ["x"],
            "tensor 'w' is written by an initializer and by node 'mm' (each tensor has one writer)",
        ),
        ([helper.make_node("Relu", ["x"], ["z"])], ["x", "x"], "graph input 'x' is declared twice"),
        (
            [helper.make_node("Relu", ["x"], ["y"])],
            ["x"],
            "graph output 'z' is defined by no node, graph input or initializer",
        ),
    ],
)
def test_a_graph_that_breaks_single_assignment_is_refused(
    tmp_path: Path, nodes: list[onnx.NodeProto], inputs: list[str], problem: str
) -> None:
    """A second writer of a tensor was costed as if the first did not exist."""
    path = _helper_model(tmp_path, nodes, inputs)
    code, _, err = run("check", path)
    assert (code, err) == (2, f"modelint: error: {path}: invalid ONNX graph: {problem}\n")


def test_a_node_reading_its_own_output_is_a_cycle(tmp_path: Path) -> None:
    path = _helper_model(tmp_path, [helper.make_node("Add", ["x", "z"], ["z"])], ["x"])
    code, _, err = run("check", path)
    assert (code, err) == (
        2,
        f"modelint: error: {path}: the graph has a cycle (ONNX graphs must be acyclic)\n",
    )


def test_a_node_without_its_output_is_uncosted_with_a_plain_reason(tmp_path: Path) -> None:
    """The reason was Python's: "AttributeError: 'NoneType' object has no attribute 'numel'"."""
    path = _helper_model(
        tmp_path,
        [helper.make_node("Relu", ["x"], [], name="lost"), helper.make_node("Relu", ["x"], ["z"])],
        ["x"],
    )
    code, out, _ = run("check", "--format", "json", path)
    [uncosted] = json.loads(out)["models"][0]["coverage"]["uncosted"]
    assert code == 1  # MLG009: shape inference rejects the node too
    assert uncosted["reasons"] == [
        "the node breaks its ONNX operator schema: Relu-14 takes 1 output; this node has 0"
    ]


@pytest.mark.parametrize(
    ("node", "problem"),
    [
        (
            helper.make_node("Gemm", ["x"], ["z"], name="g"),
            "(node g) Gemm-13 takes 2 to 3 inputs; this node has 1",
        ),
        (
            helper.make_node("MatMul", ["x", "w", "w"], ["z"], name="m"),
            "(node m) MatMul-13 takes 2 inputs; this node has 3",
        ),
        (
            helper.make_node("Relu", ["x"], ["z"], name="r", alpha=0.5),
            "(node r) Relu-14 has no attribute 'alpha'",
        ),
        (
            helper.make_node("LeakyRelu", ["x"], ["z"], name="l", alpha="steep"),
            "(node l) LeakyRelu-16 attribute 'alpha' must be a float, not 'steep'",
        ),
        (  # ONNX Runtime: 'No Op registered for Gelu with domain_version of 17'
            helper.make_node("Gelu", ["x"], ["z"], name="ge"),
            "(node ge) Gelu is not in opset 17: ONNX defines it from opset 20",
        ),
    ],
)
def test_a_node_that_breaks_its_op_schema_is_an_error_and_uncosted(
    tmp_path: Path, node: onnx.NodeProto, problem: str
) -> None:
    """ONNX's shape inference lets these through (Gemm with one input was costed 16 MACs);
    ONNX Runtime refuses the model."""
    path = _helper_model(tmp_path, [node], ["x"])
    code, out, _ = run("check", "--format", "json", path)
    model = json.loads(out)["models"][0]
    [error] = [f for f in model["findings"] if f["rule_id"] == "MLG009"]
    assert code == 1 and error["message"].endswith(problem)
    assert not model["coverage"]["complete"] and model["totals"]["macs"] == 0


def test_a_node_named_like_a_body_nodes_path_keeps_both(tmp_path: Path) -> None:
    """A main-graph node named 'L/body/mm' took the key of Loop L's body node 'mm': the
    body's MatMul (3 x 16 MACs) was lost."""
    body = helper.make_graph(
        [
            helper.make_node("Identity", ["c"], ["co"]),
            helper.make_node("MatMul", ["v", "w"], ["vo"], name="mm"),
        ],
        "body",
        [
            helper.make_tensor_value_info("i", TensorProto.INT64, []),
            helper.make_tensor_value_info("c", TensorProto.BOOL, []),
            helper.make_tensor_value_info("v", TensorProto.FLOAT, [1, 4]),
        ],
        [
            helper.make_tensor_value_info("co", TensorProto.BOOL, []),
            helper.make_tensor_value_info("vo", TensorProto.FLOAT, [1, 4]),
        ],
    )
    path = _helper_model(
        tmp_path,
        [
            helper.make_node("Loop", ["M", "cond", "x"], ["lo"], name="L", body=body),
            helper.make_node("Relu", ["lo"], ["z"], name="L/body/mm"),
        ],
        ["x"],
    )
    model = onnx.load(path)
    model.graph.initializer.extend(
        [
            helper.make_tensor("M", TensorProto.INT64, [], [3]),
            helper.make_tensor("cond", TensorProto.BOOL, [], [True]),
        ]
    )
    onnx.save(model, path)
    code, out, _ = run("inspect", "--format", "json", path)
    nodes = {n["key"]: n for n in json.loads(out)["models"][0]["nodes"]}
    assert code == 0 and (nodes["L/body/mm"]["op_type"], nodes["L/body/mm"]["macs"]) == (
        "MatMul",
        48,
    )
    assert nodes["L/body/mm#2"]["op_type"] == "Relu"


TWO_SCANS = (
    HEADER
    + """g (float[4] s0, float[5, 4] seq) => (float[4] y) {
   [S1] a = Scan (s0, seq) <num_scan_inputs = 1,
       body = sb (float[4] s, float[4] e) => (float[4] s2) {
      s2 = Add (s, e)
   }>
   [S2] y = Scan (a, seq) <num_scan_inputs = 1,
       body = sb (float[4] s, float[4] e) => (float[4] s2) {
      s2 = Add (s, e)
   }>
}
"""
)


def test_what_only_onnxs_data_propagation_rejects_is_a_note_not_an_error(
    tmp_path: Path,
) -> None:
    """Two Scans whose bodies share names fail strict inference with data propagation in
    onnx 1.23 ('Data for input 0 already exists'); ONNX Runtime runs the model. It was an
    MLG009 error."""
    code, out, _ = run("check", "--format", "json", _write(tmp_path, "s.onnxtxt", TWO_SCANS))
    model = json.loads(out)["models"][0]
    assert (code, model["findings"]) == (0, [])
    assert model["totals"]["flops"] == 2 * 5 * 4
    assert model["notes"][0].startswith("ONNX's data propagation failed on this valid graph (")


@pytest.mark.parametrize(
    ("branches", "macs"),
    [
        # single assignment holds per graph: sibling branches each write 'r' once
        ("t () => (float[1, 4] r) { r = MatMul (x, w) }, else_branch = "
         "e () => (float[1, 4] r) { r = Relu (x) }", 16),
        # a branch writing the If's own output name: the branch's node replaced the If as
        # the producer of 'y', and the If looked dead (MLG004)
        ("t () => (float[1, 4] y) { y = Relu (x) }, else_branch = "
         "e () => (float[1, 4] n) { n = Neg (x) }", 0),
    ],
)  # fmt: skip
def test_if_branches_may_reuse_names(tmp_path: Path, branches: str, macs: int) -> None:
    text = HEADER + (
        "g (bool c, float[1, 4] x, float[4, 4] w) => (float[1, 4] y) {\n"
        f" [I] y = If (c) <then_branch = {branches}>\n}}\n"
    )
    code, out, err = run("check", "--format", "json", _write(tmp_path, "if.onnxtxt", text))
    model = json.loads(out)["models"][0]
    assert (code, err, model["findings"]) == (0, "", [])
    assert model["totals"]["macs"] == macs


@pytest.mark.parametrize("declaration", ["value = 5", "value_floats = 7"])
def test_a_constant_whose_value_has_the_wrong_kind_is_reported_not_a_crash(
    tmp_path: Path, declaration: str
) -> None:
    """The parameter owners are found from what Constant nodes declare (graph.params):
    a declaration of the wrong kind is the schema check's MLG009, never an internal error."""
    text = HEADER + (
        "g (float[1, 4] x) => (float[1, 4] y) {\n"
        f" c = Constant <{declaration}> ()\n y = Relu (x)\n}}\n"
    )
    code, out, err = run("check", "--format", "json", _write(tmp_path, "c.onnxtxt", text))
    assert code == 1 and "internal error" not in err  # MLG009 is an error finding
    report = json.loads(out)
    assert report["errors"] == []
    rules = {finding["rule_id"] for finding in report["models"][0]["findings"]}
    assert "MLG009" in rules, report["models"][0]["findings"]
