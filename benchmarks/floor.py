"""The floor every ONNX linter pays: parse the graph (weights left on disk) and infer shapes.

    python benchmarks/floor.py MODEL

Exactly the two library calls modelint cannot avoid, with nothing else: no networkx graph, no
cost rules, no report. ``benchmarks/run.py`` runs it in a fresh process per measurement.
"""

from __future__ import annotations

import sys

import onnx


def main(path: str) -> None:
    model = onnx.load(path, load_external_data=False)
    inferred = onnx.shape_inference.infer_shapes(model, data_prop=True)
    print(f"{len(inferred.graph.node)} nodes, {len(inferred.graph.value_info)} inferred tensors")


if __name__ == "__main__":
    main(sys.argv[1])
