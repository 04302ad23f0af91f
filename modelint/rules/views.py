"""What lint-rule expressions see: the node, its tensors and cost, the model, the parameters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from modelint.analysis import ModelAnalysis, NodeCost
from modelint.analysis.views import AttrView, TensorView, op_signature
from modelint.expr import UnknownValue, did_you_mean
from modelint.graph import OpNode
from modelint.graph.tensors import TensorInfo
from modelint.rules.target_views import (
    HARDWARE_FIELDS,
    BudgetView,
    Hardware,
    ProfileView,
    hardware_fact,
)

__all__ = [
    "CostView",
    "EnvironmentFactory",
    "ModelView",
    "NodeEnvironment",
    "NodeView",
    "ParamView",
    "aggregate_environment",
]


class ParamView:
    """Rule parameters (``params.max_kernel``): defaults overridden by the config."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = values

    def expr_field(self, name: str) -> Any:
        if name not in self._values:
            raise AttributeError(f"no parameter {name!r}{did_you_mean(name, self._values)}")
        value = self._values[name]
        return tuple(value) if isinstance(value, list) else value


class CostView:
    """A node's cost (``cost.flops``); an unknown count raises UnknownValue, never gives 0."""

    EXPR_FIELDS: ClassVar[frozenset[str]] = frozenset(
        {
            "macs",
            "flops",
            "transcendentals",
            "params",
            "weight_bytes",
            "act_in_bytes",
            "act_out_bytes",
            "costed",
            "multiplier",
        }
    )
    __slots__ = ("_cost",)

    def __init__(self, cost: NodeCost) -> None:
        self._cost = cost

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._cost, name)
        if value is None:
            raise UnknownValue(f"{name} of node '{self._cost.key}' not known ({self._cost.reason})")
        return value


class NodeView:
    """A node for rule expressions and rule helper functions (which also reach the graph)."""

    EXPR_FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"key", "name", "op", "domain", "layer", "scope", "graph_path", "in_subgraph", "opset"}
    )
    __slots__ = ("analysis", "node")

    def __init__(self, node: OpNode, analysis: ModelAnalysis) -> None:
        self.node = node
        self.analysis = analysis

    key = property(lambda self: self.node.key)
    name = property(lambda self: self.node.name)
    op = property(lambda self: self.node.op_type)
    domain = property(lambda self: self.node.domain)
    layer = property(lambda self: self.node.layer or self.node.scope or "")
    scope = property(lambda self: self.node.scope)
    graph_path = property(lambda self: self.node.graph_path)
    in_subgraph = property(lambda self: bool(self.node.graph_path))
    opset = property(lambda self: self.node.opset)

    def __repr__(self) -> str:
        return f"NodeView({self.node.key!r})"


class ModelView:
    """Model-level metrics (``model.flops``, ``model.params``...) for aggregate rules."""

    EXPR_FIELDS: ClassVar[frozenset[str]] = frozenset(
        {
            "path",
            "format",
            "macs",
            "flops",
            "transcendentals",
            "params",
            "weight_bytes",
            "nodes",
            "costed_nodes",
            "coverage",
            "uncosted_nodes",
            "source_params",
            "opset",
            "ir_version",
            "unbound_inputs",
            "shape_errors",
            "unused_initializers",
            "unused_initializer_bytes",
            *HARDWARE_FIELDS,
        }
    )
    __slots__ = ("_analysis", "_hardware")

    def __init__(self, analysis: ModelAnalysis, hardware: Hardware | None = None) -> None:
        self._analysis = analysis
        self._hardware = hardware or Hardware()

    def __getattr__(self, name: str) -> Any:
        if name in HARDWARE_FIELDS:
            return hardware_fact(self._analysis, self._hardware, name)
        analysis = self._analysis
        if name in _COUNTED and not analysis.coverage.complete:
            # Nothing unknown counts as 0: with uncosted nodes the total is only a lower
            # bound, so a rule comparing it (a FLOP budget) is undecided, not passed.
            uncosted = analysis.coverage.nodes - analysis.coverage.costed_nodes
            raise UnknownValue(
                f"model.{name} is not known: {uncosted} of {analysis.coverage.nodes} nodes "
                "are uncosted (MLC001), so the total is only a lower bound"
            )
        value = _MODEL_VALUES.get(name)
        if value is not None:  # each read alone: what a rule does not read is not needed
            return value(analysis)
        if name in self.EXPR_FIELDS:
            return _graph_facts(analysis, name)
        raise AttributeError(name)


_COUNTED = frozenset({"macs", "flops", "transcendentals"})
_MODEL_VALUES: Mapping[str, Callable[[ModelAnalysis], Any]] = {
    "path": lambda analysis: analysis.path,
    "format": lambda analysis: analysis.format,
    "macs": lambda analysis: analysis.totals.macs,
    "flops": lambda analysis: analysis.totals.flops,
    "transcendentals": lambda analysis: analysis.totals.transcendentals,
    "params": lambda analysis: analysis.totals.params,
    "weight_bytes": lambda analysis: analysis.totals.weight_bytes,
    "nodes": lambda analysis: analysis.coverage.nodes,
    "costed_nodes": lambda analysis: analysis.coverage.costed_nodes,
    "coverage": lambda analysis: analysis.coverage.node_share,
    "uncosted_nodes": lambda analysis: analysis.coverage.nodes - analysis.coverage.costed_nodes,
    "source_params": lambda analysis: (
        analysis.source_params.total if analysis.source_params else None
    ),
    "opset": lambda analysis: analysis.graph.opsets.get("ai.onnx", 0),
}


def _graph_facts(analysis: ModelAnalysis, name: str) -> Any:
    """Model facts the hygiene rules read (computed only when a rule asks)."""
    graph = analysis.graph
    if name == "ir_version":
        return graph.ir_version
    if name == "unbound_inputs":
        return analysis.unbound
    if name == "shape_errors":  # what strict shape inference and the op schemas reject
        return (*graph.shape_errors, *analysis.schema_errors)
    unused = graph.unused_initializers()
    if name == "unused_initializers":
        return unused
    # Initializers always have a shape; only string tensors have no byte size (not counted).
    return sum(graph.tensors[tensor].nbytes or 0 for tensor in unused)


def _tensor(analysis: ModelAnalysis, name: str, role: str) -> TensorView | None:
    if not name:
        return None
    info = analysis.graph.tensors.get(name) or TensorInfo.create(name, None, None)
    return TensorView(info, role, analysis.graph)


def _views(
    analysis: ModelAnalysis, names: tuple[str, ...], kind: str
) -> tuple[TensorView | None, ...]:
    return tuple(_tensor(analysis, n, f"{kind} {i}") for i, n in enumerate(names))


def _attributes(node: OpNode) -> AttrView:
    signature = op_signature(node.op_type, node.domain)
    return AttrView(node.attributes, signature.attribute_defaults if signature else {})


class NodeEnvironment(dict[str, Any]):
    """The names a node or path rule's expressions read, each built on first read: a rule
    over every node of a 100k-node graph usually reads one or two of them."""

    __slots__ = ("_factory", "_lazy", "_node")

    def __init__(self, factory: EnvironmentFactory, node: OpNode) -> None:
        super().__init__()
        self._factory = factory
        self._node = node
        self._lazy: dict[str, Callable[[], Any]] = {}

    def lazy(self, **builders: Callable[[], Any]) -> None:
        """Names computed only if an expression reads them (a path rule's route is as long
        as the model is deep: building it for every candidate would be quadratic)."""
        self._lazy.update(builders)

    def __missing__(self, name: str) -> Any:
        builder = self._lazy.get(name)
        value = builder() if builder is not None else self._factory.build(name, self._node, self)
        self[name] = value
        return value


class EnvironmentFactory:
    """Builds node environments for one rule on one model (shared builders, no closures per
    node)."""

    def __init__(
        self, analysis: ModelAnalysis, params: ParamView, hardware: Hardware | None = None
    ) -> None:
        self.analysis = analysis
        self.params = params
        self.hardware = hardware or Hardware()
        self.model = ModelView(analysis, self.hardware)

    def for_node(self, node: OpNode) -> NodeEnvironment:
        return NodeEnvironment(self, node)

    def build(self, name: str, node: OpNode, env: NodeEnvironment) -> Any:
        builder = _BUILDERS.get(name)
        if builder is None:
            raise KeyError(name)
        return builder(self, node, env)


def _first(env: NodeEnvironment, name: str) -> Any:
    items = env[name]
    return items[0] if items else None


_Builder = Callable[[EnvironmentFactory, OpNode, NodeEnvironment], Any]
_BUILDERS: Mapping[str, _Builder] = {
    "op": lambda f, node, env: node.op_type,
    "domain": lambda f, node, env: node.domain,
    "name": lambda f, node, env: node.name,
    "key": lambda f, node, env: node.key,
    "params": lambda f, node, env: f.params,
    "model": lambda f, node, env: f.model,
    "node": lambda f, node, env: NodeView(node, f.analysis),
    "layer": lambda f, node, env: node.layer or node.scope or "",
    "inputs": lambda f, node, env: _views(f.analysis, node.inputs, "input"),
    "outputs": lambda f, node, env: _views(f.analysis, node.outputs, "output"),
    "x": lambda f, node, env: _first(env, "inputs"),
    "y": lambda f, node, env: _first(env, "outputs"),
    "attr": lambda f, node, env: _attributes(node),
    "cost": lambda f, node, env: CostView(f.analysis.costs[node.key]),
    "target": lambda f, node, env: f.hardware.target,
    "profile": lambda f, node, env: _profile_view(f.hardware),
}


def _profile_view(hardware: Hardware) -> ProfileView | None:
    return ProfileView(hardware.target.profile) if hardware.target is not None else None


def aggregate_environment(
    analysis: ModelAnalysis, params: ParamView, hardware: Hardware
) -> dict[str, Any]:
    """The names an aggregate rule reads."""
    return {
        "model": ModelView(analysis, hardware),
        "params": params,
        "profile": _profile_view(hardware),
        "budget": BudgetView(hardware.budgets),
        "target": hardware.target,
    }
