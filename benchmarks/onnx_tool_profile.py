"""onnx-tool 1.0.1's profile of one model: load, shape inference, per-node MACs.

    python benchmarks/onnx_tool_profile.py MODEL

``onnx_tool.Model(path)`` loads the model with its external data (onnx-tool needs the weight
values: it folds constants and measures weight sparsity), then ``graph.shape_infer()`` and
``graph.profile()``. The printed per-node table (``print_node_map``) is left out, so the
comparison is profile against modelint's full check.
"""

from __future__ import annotations

import sys

import onnx_tool


def main(path: str) -> None:
    model = onnx_tool.Model(path)
    if not model.valid:
        raise SystemExit(f"onnx-tool could not load {path}")
    model.graph.shape_infer()
    model.graph.profile()
    print(f"{len(model.graph.nodemap)} nodes, {model.graph.macs[0]:.0f} MACs")


if __name__ == "__main__":
    main(sys.argv[1])
