"""Graph patterns the architecture rules need: saturating activations (decomposed ones too),
gates, and where a node sits (reference: DESIGN §6 and the saturating-activation research
note, B.3). Registered as rule functions on import.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from modelint.graph import DEFAULT_DOMAIN, ModelGraph, OpNode
from modelint.rules.functions import has_weight, register
from modelint.rules.lazy_paths import LazyPath
from modelint.rules.views import NodeView

__all__ = ["SATURATING_OPS", "is_gate", "is_saturating", "saturating_kind"]

SATURATING_OPS = frozenset({"Sigmoid", "Tanh", "HardSigmoid", "Softsign", "ScaledTanh"})
NORM_OPS = frozenset(
    {
        "BatchNormalization",
        "LayerNormalization",
        "GroupNormalization",
        "InstanceNormalization",
        "RMSNormalization",
        "SimplifiedLayerNormalization",
        "SkipLayerNormalization",
        "SkipSimplifiedLayerNormalization",
    }
)
# A constant-affine step keeps a gate a gate: 1 - s, 0.5 * (1 + tanh), exp(tanh) (B.3.3).
_AFFINE = frozenset({"Add", "Sub", "Mul", "Div"})
_PASSING = frozenset({"Neg", "Exp", "Cast", "Identity"})
_GATE_HOPS = 2
_UPSTREAM_PASSING = frozenset(
    {"Add", "Reshape", "Transpose", "Identity", "Cast", "Squeeze", "Unsqueeze", "Flatten"}
)


def _constant_value(graph: ModelGraph, tensor: str) -> float | None:
    value = graph.constants.value(tensor) if graph.is_constant(tensor) else None
    if value is None or value.size != 1:
        return None
    return float(value.reshape(-1)[0])


def _clip_bounds(graph: ModelGraph, node: OpNode) -> tuple[float | None, float | None]:
    if "min" in node.attributes or "max" in node.attributes:  # opset < 11
        return node.attributes.get("min"), node.attributes.get("max")
    low, high, *_ = [
        *(_constant_value(graph, name) if name else None for name in node.inputs[1:3]),
        None,
        None,
    ]
    return low, high


def _other(node: OpNode, tensor: str) -> str | None:
    others = [name for name in node.inputs if name and name != tensor]
    return others[0] if len(others) == 1 else None


def _is_relu6(graph: ModelGraph, node: OpNode | None) -> bool:
    if node is None or node.op_type != "Clip" or node.domain != DEFAULT_DOMAIN:
        return False
    low, high = _clip_bounds(graph, node)
    return low is not None and high is not None and abs(low) < 1e-6 and abs(high - 6) < 1e-6


def _hard_sigmoid_end(graph: ModelGraph, node: OpNode) -> bool:
    """Mul(Clip(x, 0, 6), 1/6) or Div(Clip(x, 0, 6), 6): the decomposed hard-sigmoid
    converters emit (Keras MobileNetV3 after tf2onnx), with or without Add(+3) first."""
    if node.op_type not in ("Mul", "Div") or node.domain != DEFAULT_DOMAIN:
        return False
    for name in node.inputs:
        scale = _constant_value(graph, _other(node, name) or "")
        target = 6.0 if node.op_type == "Div" else 1 / 6
        if (
            scale is not None
            and abs(scale - target) < 1e-4
            and _is_relu6(graph, graph.producer_of(name))
        ):
            return True
    return False


def _min_max_end(graph: ModelGraph, node: OpNode) -> bool:
    """Max(Min(y, 1), 0): ONNX's own function body of HardSigmoid, inlined."""
    if node.op_type != "Max" or len(node.inputs) != 2:
        return False
    for name in node.inputs:
        inner = graph.producer_of(name)
        if (
            inner is None
            or inner.op_type != "Min"
            or _constant_value(graph, _other(node, name) or "") != 0.0
        ):
            continue
        if any(_constant_value(graph, i) == 1.0 for i in inner.inputs if i):
            return True
    return False


def saturating_kind(view: NodeView) -> str:
    """'Sigmoid', 'hard-sigmoid (decomposed)'... or '' when the node is not saturating."""
    node, graph = view.node, view.analysis.graph
    if node.op_type in SATURATING_OPS and node.domain == DEFAULT_DOMAIN:
        return node.op_type
    if _hard_sigmoid_end(graph, node) or _min_max_end(graph, node):
        return "hard-sigmoid (decomposed)"
    return ""


def is_saturating(view: NodeView) -> bool:
    return bool(saturating_kind(view))


def _is_constant(graph: ModelGraph, tensor: str) -> bool:
    return graph.is_constant(tensor)


def _gate_step(graph: ModelGraph, node: OpNode, tensor: str) -> str:
    """'gate', 'pass' (a constant-affine step to follow) or 'stop'."""
    other = _other(node, tensor)
    if node.op_type in ("Mul", "Div") and other is not None and not _is_constant(graph, other):
        return "gate"
    if node.op_type in _AFFINE and other is not None and _is_constant(graph, other):
        return "pass"
    return "pass" if node.op_type in _PASSING else "stop"


def is_gate(view: NodeView) -> bool:
    """The output multiplies a data-dependent tensor within two constant-affine steps: SiLU,
    hard-swish, GELU-tanh, Mish, squeeze-excitation, GLU, attention and WaveNet gates (B.3.3)."""
    graph = view.analysis.graph
    frontier = [name for name in view.node.outputs if name]
    for _ in range(_GATE_HOPS + 1):
        following: list[str] = []
        for tensor in frontier:
            for consumer in graph.consumers_of(tensor):
                step = _gate_step(graph, consumer, tensor)
                if step == "gate":
                    return True
                if step == "pass":
                    following.extend(name for name in consumer.outputs if name)
        frontier = following
    return False


def saturating_chain(view: NodeView, route: Sequence[str]) -> int:
    """Non-gate saturating ops on ``route``, this node included (escalation, B.3.4)."""
    analysis = view.analysis

    def member(key: str) -> bool:
        other = NodeView(analysis.graph.node(key), analysis)
        return not other.in_subgraph and is_saturating(other) and not is_gate(other)

    if isinstance(route, LazyPath):  # memoized along the path: linear over all findings
        return 1 + route.total("non-gate saturating", member)
    return 1 + sum(1 for key in route if member(key))


def consumes_graph_input(view: NodeView) -> bool:
    """The node reads one of the model's inputs (not a loop body's)."""
    inputs = view.analysis.graph.inputs
    return not view.node.graph_path and any(name in inputs for name in view.node.inputs if name)


def model_inputs(view: NodeView) -> tuple[str, ...]:
    """The model inputs the node reads."""
    inputs = view.analysis.graph.inputs
    return tuple(name for name in dict.fromkeys(view.node.inputs) if name in inputs)


def _body_nodes(graph: ModelGraph, node: OpNode) -> Iterable[OpNode]:
    for path in node.subgraphs:
        for inner in graph.body_nodes(path):
            yield inner
            yield from _body_nodes(graph, inner)


def body_ops(view: NodeView) -> tuple[str, ...]:
    """Op types inside the node's subgraphs (a Loop's body), sorted, once each."""
    return tuple(sorted({n.op_type for n in _body_nodes(view.analysis.graph, view.node)}))


def output_dtypes(view: NodeView) -> tuple[str, ...]:
    graph = view.analysis.graph
    return tuple(
        info.dtype
        for name in view.node.outputs
        if name and (info := graph.tensor(name)) is not None and info.dtype
    )


_NORMALIZED: weakref.WeakKeyDictionary[ModelGraph, bool] = weakref.WeakKeyDictionary()


def graph_has_normalization(view: NodeView) -> bool:
    """The model's main graph has a normalization op (memoized per graph)."""
    graph = view.analysis.graph
    found = _NORMALIZED.get(graph)
    if found is None:
        found = _NORMALIZED[graph] = any(n.op_type in NORM_OPS for n in graph.main_nodes())
    return found


def fed_by_weight_layer(view: NodeView) -> bool:
    """The input comes from a weight layer, through bias adds and reshapes only — no
    normalization in between (B.4.1)."""
    graph, analysis = view.analysis.graph, view.analysis
    tensor = view.node.inputs[0] if view.node.inputs else ""
    for _ in range(4):
        producer = graph.producer_of(tensor) if tensor else None
        if producer is None or producer.op_type in NORM_OPS:
            return False
        if has_weight(NodeView(producer, analysis)):
            return True
        if producer.op_type not in _UPSTREAM_PASSING:
            return False
        tensor = next((n for n in producer.inputs if n and not graph.is_constant(n)), "")
    return False


def is_vanilla_rnn(view: NodeView) -> bool:
    """An Elman RNN with a saturating activation: the ONNX RNN op (Tanh unless told
    otherwise), or a Loop/Scan whose body has a weight MatMul and Tanh but no Sigmoid gate
    (Keras SimpleRNN after tf2onnx)."""
    node = view.node
    if node.op_type == "RNN":
        activations = node.attributes.get("activations") or ["Tanh"]
        return any(name in SATURATING_OPS for name in activations)
    if node.op_type not in ("Loop", "Scan"):
        return False
    body = set(body_ops(view))
    return "Tanh" in body and "Sigmoid" not in body and bool(body & {"MatMul", "Gemm"})


def label(view: NodeView) -> str:
    """How messages name a node: 'key', and its source layer when known."""
    layer = view.node.layer or view.node.scope
    return f"'{view.key}' (layer '{layer}')" if layer and layer != view.key else f"'{view.key}'"


def join(items: Iterable[Any], separator: str = " -> ") -> str:
    return separator.join(str(item) for item in items)


def shorten(items: Sequence[Any], limit: int) -> str:
    """Up to ``limit`` items joined with ' -> ' (first ones, an ellipsis, the last one)."""
    if len(items) <= limit:
        return join(items[:limit])  # a LazyPath's head is memoized; iterating it is not
    hidden = len(items) - limit
    return join([*items[: limit - 1], f"... ({hidden} more)", items[-1]])


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "body_ops": body_ops,
    "consumes_graph_input": consumes_graph_input,
    "fed_by_weight_layer": fed_by_weight_layer,
    "graph_has_normalization": graph_has_normalization,
    "is_gate": is_gate,
    "is_saturating": is_saturating,
    "is_vanilla_rnn": is_vanilla_rnn,
    "join": join,
    "label": label,
    "model_inputs": model_inputs,
    "output_dtypes": output_dtypes,
    "saturating_chain": saturating_chain,
    "saturating_kind": saturating_kind,
    "shorten": shorten,
}
register(FUNCTIONS)
