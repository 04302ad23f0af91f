"""What the lint rules add to the cost analysis: MLA001 alone and every built-in rule.

    python benchmarks/rules_overhead.py [--blocks 10000] [--repeat 5]

Three 30k-node models (``--blocks`` x 3 nodes), generated into benchmarks/_work/ once:

* ``chain``: the run.py benchmark chain, MatMul 64x64 -> Relu -> Softmax (no saturating op:
  MLA001 has no candidate);
* ``silu``: MatMul -> Sigmoid -> Mul(x, sigmoid): every Sigmoid is a candidate, and a gate;
* ``tanh``: MatMul -> Tanh -> Softmax: every Tanh but the last few fires, escalated (the
  worst case: one finding per block, each naming its path).

In one process: ``cost`` = ``modelint.analyze(path)`` (load, shapes, costs); ``+MLA001`` and
``+all rules`` add ``modelint.lint(analysis, select=...)``. Best of ``--repeat`` runs each.
Target: MLA001 adds under 20 % to the cost-only time on ``chain`` and ``silu``.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from pathlib import Path

import onnx
from onnx import TensorProto, helper, numpy_helper
from synthetic import CHAIN_DIM, CHAIN_INPUT, IR_VERSION, OPSET, chain_model

import modelint

HERE = Path(__file__).resolve().parent
TARGET = 0.20


def _block_chain(blocks: int, kind: str) -> onnx.ModelProto:
    """``blocks`` x (MatMul with one shared 64x64 weight -> activation)."""
    import numpy as np

    nodes, current = [], "x"
    for index in range(blocks):
        product = f"mm{index}"
        nodes.append(helper.make_node("MatMul", [current, "w"], [product], f"MatMul_{index}"))
        if kind == "silu":
            nodes.append(helper.make_node("Sigmoid", [product], [f"s{index}"], f"Sigmoid_{index}"))
            nodes.append(
                helper.make_node("Mul", [product, f"s{index}"], [f"y{index}"], f"Mul_{index}")
            )
        else:
            nodes.append(helper.make_node("Tanh", [product], [f"t{index}"], f"Tanh_{index}"))
            nodes.append(
                helper.make_node("Softmax", [f"t{index}"], [f"y{index}"], f"Softmax_{index}")
            )
        current = f"y{index}"
    weight = numpy_helper.from_array(
        np.random.default_rng(0).normal(0, 0.1, (CHAIN_DIM, CHAIN_DIM)).astype(np.float32), "w"
    )
    graph = helper.make_graph(
        nodes,
        kind,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, CHAIN_INPUT)],
        [helper.make_tensor_value_info(current, TensorProto.FLOAT, CHAIN_INPUT)],
        [weight],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    return model


def models(blocks: int, work_dir: Path) -> dict[str, Path]:
    work_dir.mkdir(parents=True, exist_ok=True)
    paths = {"chain": chain_model(blocks, work_dir).path}
    for kind in ("silu", "tanh"):
        path = work_dir / f"{kind}_{blocks}.onnx"
        if not path.exists():
            onnx.save(_block_chain(blocks, kind), path)
        paths[kind] = path
    return paths


def best(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(path: Path, repeat: int) -> tuple[float, float, float, int]:
    """Seconds for cost only, + MLA001, + every rule; and MLA001's finding count."""
    cost = best(lambda: modelint.analyze(path), repeat)
    mla001 = best(lambda: modelint.lint(modelint.analyze(path), select=["MLA001"]), repeat)
    every = best(lambda: modelint.lint(modelint.analyze(path), select=["ALL"]), repeat)
    found = len(modelint.lint(modelint.analyze(path), select=["MLA001"]))
    return cost, mla001, every, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--blocks", type=int, default=10_000, help="blocks of 3 nodes")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work-dir", type=Path, default=HERE / "_work")
    args = parser.parse_args()
    modelint.lint(modelint.analyze(HERE.parent / "examples" / "tiny_cnn.onnx"))  # warm up
    print(
        f"{'model':<8}{'nodes':>8}{'cost s':>9}{'+MLA001 s':>11}{'overhead':>10}"
        f"{'+all rules s':>14}{'overhead':>10}{'MLA001 findings':>17}"
    )
    verdicts = []
    for name, path in models(args.blocks, args.work_dir).items():
        cost, mla001, every, found = measure(path, args.repeat)
        extra, extra_all = mla001 / cost - 1, every / cost - 1
        print(
            f"{name:<8}{3 * args.blocks:>8,}{cost:>9.2f}{mla001:>11.2f}{extra:>9.0%} "
            f"{every:>13.2f}{extra_all:>9.0%} {found:>16,}"
        )
        if name != "tanh":
            verdict = "PASS" if extra < TARGET else "FAIL"
            verdicts.append(f"{verdict}  MLA001 overhead on {name}: {extra:.0%} (target < 20 %)")
    print("\n".join(["", *verdicts]))


if __name__ == "__main__":
    main()
