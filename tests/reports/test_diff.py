"""``modelint diff``: exact deltas, nodes matched by name then structure, findings new and
gone, directories paired by relative path, exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from report_support import BLOCK_MACS, run_cli

from modelint.diff import match_nodes
from modelint.testing import analyze_text


def _diff_json(repository: Path, *argv: str) -> dict[str, Any]:
    code, out, err = run_cli(
        "diff", "diff/baseline/wide.onnx", "diff/proposed/wide.onnx", "--format", "json",
        *argv, cwd=repository,
    )  # fmt: skip
    assert (code, err) == (0, "")
    data: dict[str, Any] = json.loads(out)
    (model,) = data["models"]
    return model


def test_the_added_block_is_counted_exactly_and_attributed_to_its_layer(
    repository: Path,
) -> None:
    model = _diff_json(repository)
    assert model["totals"]["macs"] == {"old": 55_296, "new": 55_296 + BLOCK_MACS, "change": 147_456}
    assert model["totals"]["params"]["change"] == 8 * 8 * 9 + 8
    (block,) = model["by_layer"]  # stem and head did not change
    assert (block["name"], block["status"], block["macs"]["change"]) == (
        "block",
        "added",
        BLOCK_MACS,
    )
    conv = next(node for node in model["nodes"] if node["new_key"] == "block/conv")
    assert (conv["status"], conv["macs"]["change"]) == ("added", BLOCK_MACS)


def test_a_renamed_node_is_matched_by_structure(repository: Path) -> None:
    model = _diff_json(repository)
    assert model["matching"]["by_structure"] == [["head/pool", "head/avgpool"]]
    assert model["matching"]["removed"] == []
    assert sorted(model["matching"]["added"]) == ["block/conv", "block/probe", "block/relu"]


def test_findings_new_and_gone(repository: Path) -> None:
    model = _diff_json(repository)
    assert [f["rule_id"] for f in model["findings"]["new"]] == ["MLG004"]
    assert model["findings"]["gone"] == []
    assert model["findings"]["unchanged"] == 1  # the FLOP budget, over it before and after
    code, out, _ = run_cli(
        "diff", "diff/proposed/wide.onnx", "diff/baseline/wide.onnx", "--format", "json",
        cwd=repository,
    )  # fmt: skip
    assert code == 0
    reverse = json.loads(out)["models"][0]
    assert [f["rule_id"] for f in reverse["findings"]["gone"]] == ["MLG004"]
    assert reverse["totals"]["macs"]["change"] == -BLOCK_MACS


def test_latency_and_memory_deltas_follow_the_profile(repository: Path) -> None:
    model = _diff_json(repository)
    assert model["profile"] == "round-numbers"
    latency = model["totals"]["latency_s"]
    assert latency["new"] > latency["old"] > 0
    (block,) = model["by_layer"]
    assert block["latency_s"]["old"] == 0 and block["latency_s"]["new"] > 0
    assert block["latency_s"]["change"] == pytest.approx(latency["change"])  # all of it
    assert model["totals"]["memory_bytes"]["change"] > 0
    code, out, _ = run_cli(
        "diff", "diff/baseline/wide.onnx", "diff/proposed/wide.onnx", "--format", "json",
        "--config", str(Path(__file__).parent / "no-profile.yaml"), cwd=repository,
    )  # fmt: skip
    assert code == 0
    assert "latency_s" not in json.loads(out)["models"][0]["totals"]


def test_text_and_markdown_show_the_exact_counts(repository: Path) -> None:
    for fmt, line in (
        ("text", "  MACs               55,296   202,752   +147,456  +266.7 %"),
        ("markdown", "| MACs | 55,296 | 202,752 | +147,456 | +266.7 % |"),
    ):
        code, out, _ = run_cli(
            "diff", "diff/baseline/wide.onnx", "diff/proposed/wide.onnx", "--format", fmt,
            cwd=repository,
        )  # fmt: skip
        assert code == 0 and line in out.splitlines(), out


def test_directories_pair_models_by_relative_path(repository: Path, tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(repository / "diff" / "baseline", old)
    shutil.copytree(repository / "diff" / "proposed", new)
    shutil.copy(repository / "models" / "clean.onnx", old / "retired.onnx")
    shutil.copy(repository / "models" / "clean.onnx", new / "fresh.onnx")
    code, out, _ = run_cli("diff", str(old), str(new), "--format", "json", cwd=repository)
    data = json.loads(out)
    assert code == 0
    assert [m["new"] for m in data["models"]] == [str(new / "wide.onnx")]
    assert (data["only_old"], data["only_new"]) == (["retired.onnx"], ["fresh.onnx"])


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("diff/baseline/wide.onnx", "diff/proposed", "two models or two directories"),
        ("diff/baseline/missing.onnx", "diff/proposed/wide.onnx", "no such file"),
    ],
)
def test_bad_input_exits_two(repository: Path, old: str, new: str, message: str) -> None:
    code, _, err = run_cli("diff", old, new, cwd=repository)
    assert code == 2 and message in err and err.count("\n") == 1


def test_an_unreadable_model_exits_two_after_the_report(repository: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"\x00")
    code, out, err = run_cli("diff", str(broken), "diff/proposed/wide.onnx", cwd=repository)
    assert code == 2 and err.count("\n") == 1 and "broken.onnx" in err
    assert out.endswith("0 model pairs compared, 1 could not be read\n")  # said once, on stderr
    assert "broken.onnx" not in out
    _, review, _ = run_cli(
        "diff", str(broken), "diff/proposed/wide.onnx", "--format", "markdown", cwd=repository
    )
    assert "could not read" in review and "broken.onnx" in review  # a PR comment has no stderr


def test_changes_never_fail_the_diff(repository: Path) -> None:
    """Even a new error finding: diff informs a review, check is the gate."""
    assert run_cli("check", "models/wide.onnx", cwd=repository)[0] == 1
    assert run_cli("diff", "models/clean.onnx", "models/wide.onnx", cwd=repository)[0] == 0


TWIN_RELUS = """
<ir_version: 8, opset_import: ["" : 17]>
g (float[1, 4] x) => (float[1, 4] y) {{
    {a} = Relu (x)
    {b} = Relu (x)
    y = Add ({a}, {b})
}}
"""


def test_matching_prefers_names_then_pairs_equal_structures_in_graph_order() -> None:
    old = analyze_text(TWIN_RELUS.format(a="a", b="b"))
    new = analyze_text(TWIN_RELUS.format(a="a2", b="b2"))
    matching = match_nodes(old.graph, new.graph)
    assert matching.by_name == (("Add:y", "Add:y"),)
    # The two Relus share op type and neighbourhood; their ordinals in graph order pair them.
    assert dict(matching.by_structure) == {"Relu:a": "Relu:a2", "Relu:b": "Relu:b2"}
    assert (matching.added, matching.removed) == ((), ())


def _mlp(
    prefix: str, widths: tuple[int, ...], first_activation: str
) -> tuple[str, dict[str, tuple[int, ...]]]:
    """A Gemm chain (x -> widths[-1]) with an activation after every hidden layer; node keys
    (``Gemm:<prefix>g0``...) change with ``prefix``."""
    lines: list[str] = []
    weights: dict[str, tuple[int, ...]] = {}
    x = "x"
    for index in range(len(widths) - 1):
        out = f"{prefix}g{index}"
        lines.append(f"{out} = Gemm ({x}, w{index}, b{index})")
        weights[f"w{index}"] = (widths[index], widths[index + 1])
        weights[f"b{index}"] = (widths[index + 1],)
        x = out
        if index < len(widths) - 2:
            op = first_activation if index == 0 else "Relu"
            lines.append(f"{prefix}a{index} = {op} ({x})")
            x = f"{prefix}a{index}"
    lines.append(f"y = Identity ({x})")
    header = f'<ir_version: 8, opset_import: ["" : 17]>\ng (float[1, {widths[0]}] x) => '
    return header + f"(float[1, {widths[-1]}] y) {{\n" + "\n".join(lines) + "\n}", weights


WIDTHS = (16, 12, 8, 8, 6, 4, 2)


def test_a_renamed_and_widened_chain_pairs_each_layer_with_its_counterpart() -> None:
    """The trial's case: renamed nodes, first layer widened, sigmoid replaced by relu. The
    first and last Gemm look alike two hops around (Gemm, activation); position tells them
    apart, and the widened layer pairs through its unchanged neighbours."""
    old = analyze_text(*_mlp("", WIDTHS, "Sigmoid"))
    new = analyze_text(*_mlp("n", (16, 24, *WIDTHS[2:]), "Relu"))
    matching = match_nodes(old.graph, new.graph)
    pairs = dict(matching.by_structure)
    assert {old_key: pairs[old_key] for old_key in pairs if old_key.startswith("Gemm")} == {
        f"Gemm:g{index}": f"Gemm:ng{index}" for index in range(6)
    }
    assert {pairs[f"Relu:a{index}"] for index in range(1, 5)} == {
        f"Relu:na{index}" for index in range(1, 5)
    }
    assert (matching.removed, matching.added) == (("Sigmoid:a0",), ("Relu:na0",))


def test_a_pure_rename_matches_every_node() -> None:
    old = analyze_text(*_mlp("", WIDTHS, "Sigmoid"))
    new = analyze_text(*_mlp("renamed_", WIDTHS, "Sigmoid"))
    matching = match_nodes(old.graph, new.graph)
    assert (matching.removed, matching.added) == ((), ())
    assert all(
        old_key.replace(":", ":renamed_") == new_key for old_key, new_key in matching.by_structure
    )


CUSTOM_OP = """
<ir_version: 8, opset_import: ["" : 17, "acme" : 1]>
g (float[1, 4] x) => (float[1, 4] y) {
    a = Relu (x)
    y = acme.Frobnicate (a)
}
"""


@pytest.mark.parametrize("pair", ["files", "directories"])
def test_a_baseline_copy_is_judged_by_the_config_of_the_model_it_precedes(
    tmp_path: Path, pair: str
) -> None:
    """CI copies the base branch's models to baseline/: the config's per-file ignores and
    suppressions name models/..., and must hold for the copy too, or every review reports
    the findings they silence as gone."""
    (tmp_path / ".git").mkdir()
    (tmp_path / ".modelint.yaml").write_text(
        'per-file-ignores:\n  "models/a.onnxtxt": [MLC001]\n'
        "suppressions:\n"
        '  - {rules: [MLC001], files: ["models/b.onnxtxt"], reason: a vendor op costed later}\n'
    )
    for side in ("models", "baseline/models"):
        (tmp_path / side).mkdir(parents=True)
        for name in ("a.onnxtxt", "b.onnxtxt"):
            (tmp_path / side / name).write_text(CUSTOM_OP)
    pairs = (
        [("baseline/models", "models")]
        if pair == "directories"
        else [(f"baseline/models/{n}", f"models/{n}") for n in ("a.onnxtxt", "b.onnxtxt")]
    )
    for old, new in pairs:
        code, out, err = run_cli("diff", old, new, "--format", "json", cwd=tmp_path)
        assert (code, err) == (0, "")
        for model in json.loads(out)["models"]:
            assert (model["findings"]["new"], model["findings"]["gone"]) == ([], [])


ACTIVATION = """
<ir_version: 8, opset_import: ["" : 17]>
g (float[1, 4] x) => (float[1, 4] y) {{
    [act] h = {op} (x)
    y = Identity (h)
}}
"""


@pytest.mark.parametrize(("op", "flops"), [("Sigmoid", 8), ("Abs", 0)])
def test_an_op_type_change_is_shown_even_at_equal_cost(tmp_path: Path, op: str, flops: int) -> None:
    """A Relu swapped for a Sigmoid (or, at the same 4 FLOPs, for an Abs) is what a reviewer
    looks for: the row says 'Relu -> Sigmoid', JSON keeps the old op type."""
    (tmp_path / "old.onnxtxt").write_text(ACTIVATION.format(op="Relu"))
    (tmp_path / "new.onnxtxt").write_text(ACTIVATION.format(op=op))
    code, out, _ = run_cli("diff", "old.onnxtxt", "new.onnxtxt", "--format", "json", cwd=tmp_path)
    (node,) = json.loads(out)["models"][0]["nodes"]
    assert code == 0
    assert (node["old_key"], node["op_type"], node["old_op_type"]) == ("act", op, "Relu")
    assert (node["status"], node["flops"]["change"]) == ("changed", flops)
    _, text, _ = run_cli("diff", "old.onnxtxt", "new.onnxtxt", cwd=tmp_path)
    assert f"Relu -> {op}" in text
