"""Synthetic ONNX models for the benchmarks; every weight lives in one external-data file.

Two families:

* ``chain``: ``blocks`` x (MatMul 64x64 -> Relu -> Softmax) on an input of shape [1, 128, 64],
  so ``3 * blocks`` nodes (1,000 / 10,000 / 33,334 blocks give 3k / 30k / 100k nodes).
* ``big``: ``layers`` x (MatMul 4096x4096 -> Relu) on [1, 128, 4096]; 16 layers hold 1 GiB of
  float32 weights.

The graph is built with ``data_location = EXTERNAL`` initializers that point into the data file,
which is streamed to disk in 4 MiB chunks of a repeated random (non-zero) pattern, so making the
1 GiB model never holds more than a few MiB of weights in memory. Usable as a script::

    python benchmarks/synthetic.py chain 1000 benchmarks/_work
"""

from __future__ import annotations

import argparse
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper

__all__ = ["SyntheticModel", "big_weights_model", "blocks_for_nodes", "chain_model"]

CHAIN_DIM = 64
CHAIN_INPUT = (1, 128, CHAIN_DIM)
BIG_DIM = 4096
BIG_LAYERS = 16  # 16 x 4096 x 4096 x 4 bytes = 1 GiB
BIG_INPUT = (1, 128, BIG_DIM)
OPSET = 17
IR_VERSION = 8  # what onnx 1.13+ and onnx-tool 1.0.1 both read
_CHUNK_BYTES = 4 << 20
_FLOAT_BYTES = 4


@dataclass(frozen=True, slots=True)
class SyntheticModel:
    """A generated model on disk."""

    label: str
    path: Path
    nodes: int
    weight_bytes: int


def blocks_for_nodes(nodes: int) -> int:
    """Chain blocks (3 nodes each) for about ``nodes`` nodes: 3,000 -> 1,000; 100,000 -> 33,334."""
    return max(1, math.ceil(nodes / 3))


def chain_model(blocks: int, work_dir: Path, *, regenerate: bool = False) -> SyntheticModel:
    """The MatMul -> Relu -> Softmax chain with ``blocks`` blocks, generated once and reused."""
    stem = f"chain_{blocks}"
    weights = blocks * CHAIN_DIM * CHAIN_DIM * _FLOAT_BYTES
    model = SyntheticModel(_label(3 * blocks), work_dir / f"{stem}.onnx", 3 * blocks, weights)
    if regenerate or not _complete(model):
        dims = [(CHAIN_DIM, CHAIN_DIM)] * blocks
        _write(model, _graph("chain", CHAIN_INPUT, dims, ("Relu", "Softmax"), f"{stem}.bin"))
    return model


def big_weights_model(
    work_dir: Path, *, layers: int = BIG_LAYERS, regenerate: bool = False
) -> SyntheticModel:
    """``layers`` x (MatMul 4096x4096 -> Relu): 1 GiB of float32 weights at 16 layers."""
    stem = f"big_{layers}x{BIG_DIM}"
    weights = layers * BIG_DIM * BIG_DIM * _FLOAT_BYTES
    label = f"{weights / (1 << 30):g} GiB weights"
    model = SyntheticModel(label, work_dir / f"{stem}.onnx", 2 * layers, weights)
    if regenerate or not _complete(model):
        dims = [(BIG_DIM, BIG_DIM)] * layers
        _write(model, _graph("big", BIG_INPUT, dims, ("Relu",), f"{stem}.bin"))
    return model


def _label(nodes: int) -> str:
    return f"chain {nodes / 1000:.3g}k" if nodes >= 1000 else f"chain {nodes}"


def _data_path(model: SyntheticModel) -> Path:
    return model.path.with_suffix(".bin")


def _complete(model: SyntheticModel) -> bool:
    data = _data_path(model)
    return model.path.is_file() and data.is_file() and data.stat().st_size == model.weight_bytes


def _graph(
    name: str,
    input_shape: tuple[int, ...],
    weight_dims: list[tuple[int, int]],
    after: tuple[str, ...],
    location: str,
) -> onnx.ModelProto:
    """Chain of MatMul(x, W_i) followed by the ``after`` unary ops, weights external."""
    nodes: list[onnx.NodeProto] = []
    initializers: list[TensorProto] = []
    current, offset = "x", 0
    for index, dims in enumerate(weight_dims):
        weight = f"w{index}"
        length = dims[0] * dims[1] * _FLOAT_BYTES
        initializers.append(_external(weight, dims, location, offset, length))
        offset += length
        matmul = helper.make_node("MatMul", [current, weight], [f"mm{index}"], f"MatMul_{index}")
        nodes.append(matmul)
        current = matmul.output[0]
        for op in after:
            output = f"{op.lower()}{index}"
            nodes.append(helper.make_node(op, [current], [output], f"{op}_{index}"))
            current = output
    out_shape = (*input_shape[:-1], weight_dims[-1][1])
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, input_shape)],
        [helper.make_tensor_value_info(current, TensorProto.FLOAT, out_shape)],
        initializer=initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    return model


def _external(
    name: str, dims: tuple[int, int], location: str, offset: int, length: int
) -> TensorProto:
    tensor = TensorProto(name=name, dims=list(dims), data_type=TensorProto.FLOAT)
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", str(offset)), ("length", str(length))):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    return tensor


def _write(model: SyntheticModel, proto: onnx.ModelProto) -> None:
    """Write the data file and then the graph, each through a temporary name."""
    model.path.parent.mkdir(parents=True, exist_ok=True)
    _stream_weights(_data_path(model), model.weight_bytes)
    partial = model.path.with_suffix(".onnx.partial")
    partial.write_bytes(proto.SerializeToString())
    partial.replace(model.path)


def _stream_weights(path: Path, total: int) -> None:
    """``total`` bytes of small random float32 values, written in 4 MiB chunks."""
    rng = np.random.default_rng(0)
    pattern = (rng.standard_normal(_CHUNK_BYTES // _FLOAT_BYTES, dtype=np.float32) / 8).tobytes()
    partial = path.with_suffix(".bin.partial")
    with partial.open("wb") as stream:
        remaining = total
        while remaining > 0:
            step = min(remaining, len(pattern))
            stream.write(pattern[:step])
            remaining -= step
        stream.flush()
        os.fsync(stream.fileno())
    partial.replace(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("chain", "big"))
    parser.add_argument("count", type=int, help="chain blocks, or big layers")
    parser.add_argument("work_dir", type=Path)
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()
    if args.kind == "chain":
        model = chain_model(args.count, args.work_dir, regenerate=args.regenerate)
    else:
        model = big_weights_model(args.work_dir, layers=args.count, regenerate=args.regenerate)
    print(f"{model.path}  {model.nodes} nodes  {model.weight_bytes / (1 << 20):.1f} MiB weights")


if __name__ == "__main__":
    main()
