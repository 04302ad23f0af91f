"""Parameters: which constant tensors are weights, and the node that owns each (DESIGN §3).

A weight is counted once, under the first node that really uses it: pass-through ops (a
Transpose or DequantizeLinear of a weight) hand it on. One-element constants, configuration
inputs (Resize scales, Clip bounds) and recurrent initial states are not parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from modelint.graph.model_graph import DEFAULT_DOMAIN, OpNode
from modelint.graph.tensors import PARAM_DTYPES, Shape, TensorInfo, constant_entry

__all__ = ["CONSTANT_OPS", "PASS_THROUGH_OPS", "declared_sources", "parameter_owners"]

# Ops through which a constant stays a weight (DESIGN §3; reference-figures B.3.1).
PASS_THROUGH_OPS = frozenset(
    {
        "Cast",
        "Transpose",
        "Reshape",
        "Identity",
        "DequantizeLinear",
        "Unsqueeze",
        "Squeeze",
        "Flatten",
    }
)
# int32 constants are parameters only as biases of quantized ops.
_INT32_PARAM_CONSUMERS = frozenset({"DequantizeLinear", "QLinearConv", "QGemm"})
CONSTANT_OPS = frozenset({"Constant"})
# Float inputs that configure or seed an op rather than weight it: never parameters.
_CONFIG_INPUTS: Mapping[str, frozenset[int]] = {
    "Resize": frozenset({1, 2}),  # roi, scales
    "Upsample": frozenset({1}),  # scales
    "Pad": frozenset({2}),  # constant_value
    "Clip": frozenset({1, 2}),  # min, max
    "LSTM": frozenset({5, 6}),  # initial_h, initial_c: a state (Keras feeds zeros), not learnt
    "GRU": frozenset({5}),  # initial_h
    "RNN": frozenset({5}),  # initial_h
    # Quantization scales and zero points describe how a weight is stored, as its dtype does:
    # a QDQ model counts the parameters of its float twin (per-channel scales of a [32, 64]
    # int8 weight made it 2,176 instead of 2,048).
    "QuantizeLinear": frozenset({1, 2}),
    "DequantizeLinear": frozenset({1, 2}),
    "QLinearConv": frozenset({1, 2, 4, 5, 6, 7}),
    "QLinearMatMul": frozenset({1, 2, 4, 5, 6, 7}),
    "ConvInteger": frozenset({2, 3}),
    "MatMulInteger": frozenset({2, 3}),
}


def _config_only(
    tensor: str, users: list[OpNode], state_inputs: Mapping[str, frozenset[int]]
) -> bool:
    """True when every use is a configuration or state input (Resize scales, an LSTM's
    initial state, a Loop's carried state...)."""
    return bool(users) and all(
        position in _CONFIG_INPUTS.get(node.op_type, state_inputs.get(node.key, ()))
        for node in users
        for position, name in enumerate(node.inputs)
        if name == tensor
    )


def _is_param(
    info: TensorInfo, users: list[OpNode], state_inputs: Mapping[str, frozenset[int]]
) -> bool:
    if info.numel is None or info.numel <= 1:
        return False  # a one-element constant is a literal (ReLU6 bounds, 1/sqrt(d)), not a weight
    configured = any(n.op_type in _CONFIG_INPUTS or n.key in state_inputs for n in users)
    if configured and _config_only(info.name, users, state_inputs):
        return False
    if info.dtype in PARAM_DTYPES:
        return True
    return info.dtype == "int32" and any(n.op_type in _INT32_PARAM_CONSUMERS for n in users)


def parameter_owners(
    nodes: Mapping[str, OpNode],
    initializers: Iterable[str],
    tensors: Mapping[str, TensorInfo],
    consumers: Mapping[str, tuple[str, ...]],
    state_inputs: Mapping[str, frozenset[int]],
) -> dict[str, str | None]:
    """Map each parameter tensor (an initializer or a Constant node's output) to the node
    that owns it (None: unused), counted once. ``state_inputs``: see ``_config_only``."""
    sources = list(initializers)
    sources += [n.outputs[0] for n in nodes.values() if n.op_type in CONSTANT_OPS and n.outputs]
    owners: dict[str, str | None] = {}
    for name in sources:
        info = tensors.get(name)
        users = [nodes[key] for key in consumers.get(name, ())]
        if info is None or not _is_param(info, users, state_inputs):
            continue
        owners[name] = _owner(nodes, name, consumers)
    return owners


def _owner(
    nodes: Mapping[str, OpNode], tensor: str, consumers: Mapping[str, tuple[str, ...]]
) -> str | None:
    """Follow pass-through consumers to the first node that really uses the weight."""
    users = consumers.get(tensor, ())
    if users:  # the usual case: the first consumer is the layer itself
        node = nodes[users[0]]
        if node.op_type not in PASS_THROUGH_OPS or node.domain != DEFAULT_DOMAIN:
            return users[0]
    frontier, seen = [tensor], set()
    first: str | None = None
    while frontier:
        name = frontier.pop(0)
        for key in consumers.get(name, ()):
            if key in seen:
                continue
            seen.add(key)
            node = nodes[key]
            first = first or key
            if node.op_type in PASS_THROUGH_OPS and node.domain == DEFAULT_DOMAIN:
                frontier.extend(output for output in node.outputs if output)
            else:
                return key
    return first


def declared_sources(
    nodes: Mapping[str, OpNode], initializers: Mapping[str, tuple[Shape, str | None]]
) -> dict[str, TensorInfo]:
    """What ``parameter_owners`` reads of each source, as the model declares it: an
    initializer's dims and dtype, a Constant's value. Inference gives them exactly these
    types, so the owners are found while a forked child still infers (graph.build)."""
    sources = {name: TensorInfo.create(name, *entry) for name, entry in initializers.items()}
    for node in nodes.values():
        if node.op_type in CONSTANT_OPS and node.domain == DEFAULT_DOMAIN and node.outputs:
            entry = constant_entry(node.attributes)
            if entry is not None:
                sources[node.outputs[0]] = TensorInfo.create(node.outputs[0], *entry)
    return sources
