"""A small repository of models for the report tests: a clean model, one over its FLOP
budget (an error), one with a dead node (a warning) and a suppressed unused initializer, one
with an op nobody can cost, all checked against a round-numbers profile with budgets."""

from __future__ import annotations

import io
import os
from pathlib import Path

import onnx
import pytest

from modelint.cli import main
from modelint.testing import model_from_text

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "data" / "golden"

CLEAN = """
<ir_version: 8, opset_import: ["" : 17]>
g (float[N, 3, 8, 8] x) => (float[N, 4, 8, 8] y) {
    c = Conv <pads = [1, 1, 1, 1]> (x, w, b)
    y = Relu (c)
}
"""
# MACs 4*8*8*27 = 6,912; FLOPs 2*6,912 + 256 bias + 256 relu = 14,336 (under 20 kFLOPs)

WIDE = """
<ir_version: 8, opset_import: ["" : 17]>
g (float[N, 3, 16, 16] x) => (float[N, 8] y) {
    c = Conv <pads = [1, 1, 1, 1]> (x, w, b)
    r = Relu (c)
    p = GlobalAveragePool (r)
    y = Flatten (p)
}
"""
# MACs 8*16*16*27 = 55,296: 113 kFLOPs, over the 20 kFLOPs budget. Its nodes are named in
# scopes (stem/..., head/...), as exporters name them, so reports have layers to show.
WIDE_NODE_NAMES = ("stem/conv", "stem/relu", "head/pool", "head/flatten")

WIDE_V2 = """
<ir_version: 8, opset_import: ["" : 17]>
g (float[N, 3, 16, 16] x) => (float[N, 8] y) {
    c = Conv <pads = [1, 1, 1, 1]> (x, w, b)
    r = Relu (c)
    c2 = Conv <pads = [1, 1, 1, 1]> (r, w2, b2)
    r2 = Relu (c2)
    p = GlobalAveragePool (r2)
    y = Flatten (p)
    probe = Sigmoid (r)
}
"""
# One more block: block/conv adds 8*16*16*(8*9) = 147,456 MACs and 8*8*9 + 8 = 584 params.
# head/pool is renamed head/avgpool (matched by structure); a dead probe node is new (MLG004).
WIDE_V2_NODE_NAMES = (
    "stem/conv",
    "stem/relu",
    "block/conv",
    "block/relu",
    "head/avgpool",
    "head/flatten",
    "block/probe",
)
BLOCK_MACS = 8 * 16 * 16 * 8 * 9

LEGACY = """
<ir_version: 8, opset_import: ["" : 17]>
g (float[1, 4] x) => (float[1, 4] y) {
    y = MatMul (x, w)
    unused = Sigmoid (x)
}
"""

CUSTOM = """
<ir_version: 8, opset_import: ["" : 17, "acme" : 1]>
g (float[1, 4] x) => (float[1, 4] y) {
    a = Relu (x)
    y = acme.Frobnicate (a)
}
"""

PROFILE = (ROOT / "tests" / "data" / "profiles" / "round-numbers.yaml").read_text(encoding="utf-8")

CONFIG = """\
profiles: [hardware/round.yaml]
profile: round-numbers
budgets: {flops: 20 kFLOPs, params: 1000, latency: 1 ms}
suppressions:
  - rules: [MLG003]
    files: ["models/legacy.onnx"]
    reason: old weights kept for the rollback path
"""


def shared_dir(config: pytest.Config) -> Path:
    """``../shared`` through tests/conftest.py's ``shared_dir()``, the one locator (it skips
    with the reason when the directory is absent). Every conftest.py is a module named
    ``conftest``, so an import would find whichever was loaded last; pytest's plugin registry
    names each by its path."""
    conftest = config.pluginmanager.get_plugin(str(ROOT / "tests" / "conftest.py"))
    assert conftest is not None, "tests/conftest.py is not loaded"
    found: Path = conftest.shared_dir()
    return found


def write_repository(root: Path) -> Path:
    """The models under ``root/models``, the config and profile beside them; ``.git`` marks
    the repository root (config discovery and report paths stop there)."""
    (root / ".git").mkdir(parents=True, exist_ok=True)
    (root / "hardware").mkdir(exist_ok=True)
    (root / "hardware" / "round.yaml").write_text(PROFILE)
    (root / ".modelint.yaml").write_text(CONFIG)
    models = root / "models"
    models.mkdir(exist_ok=True)
    specs = {
        "clean.onnx": (CLEAN, {"w": (4, 3, 3, 3), "b": (4,)}),
        "wide.onnx": (WIDE, {"w": (8, 3, 3, 3), "b": (8,)}),
        "legacy.onnx": (LEGACY, {"w": (4, 4), "old": (4, 4)}),
        "custom.onnx": (CUSTOM, {}),
    }
    for name, (text, initializers) in specs.items():
        model = model_from_text(text, initializers)
        if name == "wide.onnx":
            for node, node_name in zip(model.graph.node, WIDE_NODE_NAMES, strict=True):
                node.name = node_name
        onnx.save(model, models / name)
    write_versions(root)
    return root


def _save(
    text: str, initializers: dict[str, tuple[int, ...]], names: tuple[str, ...], path: Path
) -> None:
    model = model_from_text(text, initializers)
    for node, node_name in zip(model.graph.node, names, strict=True):
        node.name = node_name
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, path)


def write_versions(root: Path) -> tuple[Path, Path]:
    """``diff/baseline/wide.onnx`` and ``diff/proposed/wide.onnx`` (WIDE, then WIDE_V2)."""
    weights = {"w": (8, 3, 3, 3), "b": (8,)}
    baseline = root / "diff" / "baseline" / "wide.onnx"
    proposed = root / "diff" / "proposed" / "wide.onnx"
    _save(WIDE, weights, WIDE_NODE_NAMES, baseline)
    _save(WIDE_V2, {**weights, "w2": (8, 8, 3, 3), "b2": (8,)}, WIDE_V2_NODE_NAMES, proposed)
    return baseline, proposed


def run_cli(*argv: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """``modelint ARGV`` in-process, from ``cwd``, with the CI variables cleared (or set)."""
    out, err = io.StringIO(), io.StringIO()
    names = {"GITHUB_ACTIONS", "PRE_COMMIT", "NO_COLOR", *(env or {})}
    saved_env = {name: os.environ.get(name) for name in sorted(names)}
    saved_cwd = Path.cwd()
    try:
        for key in saved_env:
            os.environ.pop(key, None)
        os.environ.update(env or {})
        os.chdir(cwd)
        code = main(list(argv), out=out, err=err)
    finally:
        os.chdir(saved_cwd)
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return code, out.getvalue(), err.getvalue()
