"""Names from a model or a file system never break a report: a control character in a node
name neither splits a one-line finding (pre-commit and CI parsers read a line per finding)
nor reaches the terminal as an escape sequence, JUnit stays well-formed XML, and a file name
that is not UTF-8 leaves the JSON valid UTF-8."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import onnx
import pytest
from cli_support import run
from onnx import TensorProto, helper

NAME = "n\x1b[31mred\nline2"


def _frob(path: Path, op: str = "Frob") -> Path:
    """One node of an op without a cost rule (an MLC001 finding naming it)."""
    domain = "com.acme" if op == "Frob" else ""
    graph = helper.make_graph(
        [helper.make_node(op, ["x"], ["y"], name=NAME, domain=domain)],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
    )
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.acme", 1)]
    onnx.save(helper.make_model(graph, opset_imports=opsets), path)
    return path


@pytest.mark.parametrize("output", ["text", "concise"])
def test_a_control_character_in_a_name_is_escaped(tmp_path: Path, output: str) -> None:
    model = _frob(tmp_path / "m.onnx")
    code, out, _ = run("check", "--format", output, "--no-color", str(model))
    assert code == 0 and "\x1b" not in out
    [line] = [line for line in out.splitlines() if "MLC001" in line]
    assert line == (
        f"{model}: info MLC001 uncosted-node [n\\x1b[31mred\\nline2] Frob node is not "
        "costed: no cost rule for com.acme::Frob"
    )


def test_junit_with_a_control_character_is_well_formed(tmp_path: Path) -> None:
    model = _frob(tmp_path / "m.onnx")
    code, out, _ = run("check", "--format", "junit", str(model))
    assert code == 0
    ET.fromstring(out)  # noqa: S314 - modelint's own output (raised: not well-formed)
    assert "n\\x1b[31mred" in out


@pytest.mark.parametrize(
    "output", ["json", "sarif", "gitlab", "github", "junit", "markdown", "text", "concise"]
)
def test_a_file_name_that_is_not_utf8(tmp_path: Path, output: str) -> None:
    model = _frob(tmp_path / "m.onnx")
    odd = Path(os.fsdecode(bytes(tmp_path) + b"/\xff\xfe.onnx"))
    odd.write_bytes(model.read_bytes())
    code, out, _ = run("check", "--format", output, str(odd))
    assert code == 0
    out.encode("utf-8")  # raised UnicodeEncodeError: a lone surrogate in the report
    if output == "json":
        assert json.loads(out)["models"][0]["path"] == str(odd)


def test_an_error_line_stays_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "two\nlines.onnx"
    code, _, err = run("check", str(missing))
    assert code == 2
    assert err == f"modelint: error: {tmp_path}/two\\nlines.onnx: no such file or directory\n"


@pytest.mark.parametrize(
    "argv",
    [
        ("inspect",),
        ("diff", "{old}"),
        ("check", "--format", "github"),
        ("check", "--format", "markdown"),
    ],
)
def test_every_text_output_escapes_control_characters(
    tmp_path: Path, argv: tuple[str, ...]
) -> None:
    """inspect's and diff's tables printed the ESC and the newline raw (one row became two
    lines); GitHub annotations and Markdown carried a raw ESC."""
    model = _frob(tmp_path / "m.onnx")
    old = _frob(tmp_path / "old.onnx", "Relu")  # for diff: the node's op changed
    command, *rest = argv
    code, out, _ = run(command, *(arg.format(old=old) for arg in rest), str(model))
    assert code == 0 and "\x1b" not in out and "n\\x1b[31mred" in out
    assert not any(line.startswith("line2") for line in out.splitlines())


def test_a_bidirectional_override_is_escaped(tmp_path: Path) -> None:
    """U+202E reorders what a reader sees ('Trojan Source'): shown as its escape."""
    graph = helper.make_graph(
        [helper.make_node("Frob", ["x"], ["y"], name="a\u202eb", domain="com.acme")],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
    )
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.acme", 1)]
    onnx.save(helper.make_model(graph, opset_imports=opsets), tmp_path / "m.onnx")
    code, out, _ = run("check", "--format", "concise", str(tmp_path / "m.onnx"))
    assert code == 0 and "[a\\u202eb]" in out and "\u202e" not in out
