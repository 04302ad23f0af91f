"""ModelAnalysis: everything modelint knows about one model's cost, as frozen data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from modelint.analysis.cost_rules import CONVENTION
from modelint.analysis.costs import NodeCost
from modelint.analysis.schema_check import SCHEMA_VIOLATION
from modelint.analysis.summary import Coverage, Group, Totals, group_costs
from modelint.graph import ModelGraph, OpNode, ShapeBinding
from modelint.load import SourceParams

__all__ = ["ROOT_SCOPE", "ModelAnalysis", "layer_name", "scope_at"]

ROOT_SCOPE = "(root)"


def _scope(node: OpNode) -> str:
    return node.scope or ROOT_SCOPE


def scope_at(scope: str, depth: int | None) -> str:
    """``scope`` cut to its first ``depth`` components: '/enc/layer.0/attn' at depth 2 is
    '/enc/layer.0' (torch.onnx names start with '/', TensorFlow's do not); the root scope
    is ROOT_SCOPE. A shallower scope, or depth None, keeps the scope as it is."""
    if depth is not None:
        parts = scope.split("/")
        lead = 1 if len(parts) > 1 and not parts[0] else 0
        scope = "/".join(parts[: lead + depth])
    return scope or ROOT_SCOPE


def layer_name(node: OpNode) -> str:
    """The row ``by_layer`` puts the node in: its source layer, else its name scope."""
    return node.layer or node.scope or ROOT_SCOPE


@dataclass(frozen=True, eq=False)
class ModelAnalysis:
    """Costs of one model under ``convention``; aggregates are computed on first use."""

    path: str
    format: str
    graph: ModelGraph
    costs: Mapping[str, NodeCost]
    totals: Totals
    coverage: Coverage
    source_params: SourceParams | None = None
    notes: tuple[str, ...] = ()
    convention: str = CONVENTION

    @cached_property
    def schema_errors(self) -> tuple[str, ...]:
        """The nodes that break their ONNX operator schema (uncosted for it), one line each
        ('(node g) Gemm-13 takes 2 to 3 inputs; this node has 1')."""
        prefix = f"{SCHEMA_VIOLATION}: "
        return tuple(
            f"(node {cost.key}) {cost.reason.removeprefix(prefix)}"
            for cost in self.costs.values()
            if cost.reason is not None and cost.reason.startswith(prefix)
        )

    @property
    def bindings(self) -> tuple[ShapeBinding, ...]:
        return self.graph.bindings

    @property
    def unbound(self) -> tuple[str, ...]:
        return self.graph.unbound

    @cached_property
    def by_op(self) -> tuple[Group, ...]:
        return group_costs(self.graph.nodes.values(), self.costs, lambda n: n.qualified_op)

    @cached_property
    def by_scope(self) -> tuple[Group, ...]:
        return group_costs(self.graph.nodes.values(), self.costs, _scope)

    def by_scope_at(self, depth: int | None) -> tuple[Group, ...]:
        """Per name scope, nested scopes rolled up into their ancestor at ``depth`` (the
        costs of '/enc/layer.0/attn/q' count in '/enc/layer.0' at depth 2); ``by_scope``
        when depth is None (each scope with its own nodes only)."""
        if depth is None:
            return self.by_scope
        return group_costs(
            self.graph.nodes.values(), self.costs, lambda node: scope_at(node.scope, depth)
        )

    @cached_property
    def by_layer(self) -> tuple[Group, ...]:
        """Per source layer (Keras layer) where known, else per name scope."""
        return group_costs(self.graph.nodes.values(), self.costs, layer_name)

    def uncosted_nodes(self) -> list[NodeCost]:
        return [cost for cost in self.costs.values() if not cost.costed]
