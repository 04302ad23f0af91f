"""The cost engine: evaluates each node's cost rule; costs control flow from its bodies.

Body nodes of Loop/Scan/If carry their per-iteration cost times the enclosing trip counts, and
the control-flow node itself carries none, so summing all rows gives the model total and each
op type (the MatMuls inside a Keras LSTM loop) is counted under its own name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from modelint.analysis.control_flow import ControlFlowOutcome, resolve_control_flow
from modelint.analysis.cost_rules import CostRule, CostRules
from modelint.analysis.views import AttrView, TensorView
from modelint.expr import EvaluationError, UnknownValue
from modelint.graph import ModelGraph, OpNode
from modelint.graph.tensors import TensorInfo

__all__ = ["NodeCost", "compute_costs"]


@dataclass(frozen=True, slots=True)
class NodeCost:
    """The cost of one node under convention modelint-cc/1. None: not known (uncosted)."""

    key: str
    macs: int | None
    flops: int | None
    transcendentals: int | None
    params: int
    weight_bytes: int
    act_in_bytes: int | None
    act_out_bytes: int | None
    costed: bool
    reason: str | None = None
    assumptions: tuple[str, ...] = ()
    multiplier: int = 1  # product of enclosing trip counts (1 outside control flow)

    def scaled(self, factor: int, note: str | None) -> NodeCost:
        """This cost repeated ``factor`` times (a loop body) — parameters are not repeated."""

        def times(value: int | None) -> int | None:
            return None if value is None else value * factor

        return replace(
            self,
            macs=times(self.macs),
            flops=times(self.flops),
            transcendentals=times(self.transcendentals),
            act_in_bytes=times(self.act_in_bytes),
            act_out_bytes=times(self.act_out_bytes),
            multiplier=self.multiplier * factor,
            assumptions=(*self.assumptions, note) if note else self.assumptions,
        )

    def uncosted(self, reason: str) -> NodeCost:
        return replace(
            self, macs=None, flops=None, transcendentals=None, costed=False, reason=reason
        )


def _count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EvaluationError(f"{what} is {type(value).__name__}, not a number", what)
    if value < 0:
        raise EvaluationError(f"{what} is negative ({value})", what)
    return round(value)


class _Engine:
    def __init__(self, graph: ModelGraph, rules: CostRules) -> None:
        self.graph = graph
        self.rules = rules
        self.scopes: dict[str, list[OpNode]] = {}
        for node in graph.nodes.values():
            self.scopes.setdefault(node.graph_path, []).append(node)
        self.owned: dict[str, list[TensorInfo]] = {}
        for tensor, owner in graph.initializer_params.items():
            info = graph.tensors.get(tensor)
            if owner is not None and info is not None:
                self.owned.setdefault(owner, []).append(info)

    def cost_scope(self, path: str) -> dict[str, NodeCost]:
        """Costs of every node in a (sub)graph, once per execution of that graph."""
        costs: dict[str, NodeCost] = {}
        for node in self.scopes.get(path, ()):
            if node.subgraphs:
                bodies = {body: self.cost_scope(body) for body in node.subgraphs}
                outcome = resolve_control_flow(
                    node, self.graph, bodies, self.rules.get(node.domain, node.op_type)
                )
                costs.update(self._apply_outcome(node, bodies, outcome))
            else:
                costs[node.key] = self.cost_node(node)
        return costs

    def _apply_outcome(
        self,
        node: OpNode,
        bodies: Mapping[str, Mapping[str, NodeCost]],
        outcome: ControlFlowOutcome,
    ) -> dict[str, NodeCost]:
        own = self._base(node)
        result: dict[str, NodeCost] = {}
        if outcome.reason is not None:
            result[node.key] = own.uncosted(outcome.reason)
            for body in bodies.values():
                for key, cost in body.items():
                    result[key] = cost.uncosted(f"inside {node.key}: {outcome.reason}")
            return result
        result[node.key] = replace(
            own,
            macs=0,
            flops=0,
            transcendentals=0,
            costed=True,
            assumptions=outcome.assumptions,
        )
        for path, body in bodies.items():
            factor = outcome.factors[path]
            for key, cost in body.items():
                result[key] = cost.scaled(factor, outcome.notes.get(path))
        return result

    def _base(self, node: OpNode) -> NodeCost:
        owned = self.owned.get(node.key, ())
        return NodeCost(
            key=node.key,
            macs=None,
            flops=None,
            transcendentals=None,
            params=sum(info.numel or 0 for info in owned),
            weight_bytes=sum(info.nbytes or 0 for info in owned),
            act_in_bytes=self._bytes(
                n for n in dict.fromkeys(node.inputs) if n and not self.graph.is_constant(n)
            ),
            act_out_bytes=self._bytes(n for n in node.outputs if n),
            costed=False,
        )

    def _bytes(self, names: Any) -> int | None:
        total = 0
        for name in names:
            info = self.graph.tensors.get(name)
            size = info.nbytes if info is not None else None
            if size is None:
                return None
            total += size
        return total

    def cost_node(self, node: OpNode) -> NodeCost:
        base = self._base(node)
        rule = self.rules.get(node.domain, node.op_type)
        if rule is None:
            return base.uncosted(f"no cost rule for {node.qualified_op}")
        try:
            return self._evaluate(node, rule, base)
        except UnknownValue as exc:
            return base.uncosted(exc.reason)
        except EvaluationError as exc:
            return base.uncosted(f"cost formula of {node.op_type} failed: {exc}")

    def _evaluate(self, node: OpNode, rule: CostRule, base: NodeCost) -> NodeCost:
        env = self._environment(node, rule)
        for name, expression in rule.lets:
            env[name] = expression.evaluate(env)
        macs = _count(rule.macs.evaluate(env), "macs")
        env["macs"] = macs
        flops = _count(rule.flops.evaluate(env), "flops")
        env["flops"] = flops
        transcendentals = _count(rule.transcendentals.evaluate(env), "transcendentals")
        env["transcendentals"] = transcendentals
        notes = tuple(text for text in (t.render(env) for t in rule.assumptions) if text)
        return replace(
            base,
            macs=macs,
            flops=flops,
            transcendentals=transcendentals,
            costed=True,
            assumptions=notes,
        )

    def _view(self, name: str, role: str) -> TensorView | None:
        if not name:
            return None
        info = self.graph.tensors.get(name) or TensorInfo(name=name, shape=None, dtype=None)
        return TensorView(info, role, self.graph)

    def _environment(self, node: OpNode, rule: CostRule) -> dict[str, Any]:
        inputs = tuple(self._view(n, f"input {i}") for i, n in enumerate(node.inputs))
        outputs = tuple(self._view(n, f"output {i}") for i, n in enumerate(node.outputs))
        signature = rule.signature
        env: dict[str, Any] = {
            "inputs": inputs,
            "outputs": outputs,
            "opset": node.opset,
            "x": inputs[0] if inputs else None,
            "y": outputs[0] if outputs else None,
            "attr": AttrView(node.attributes, signature.attribute_defaults if signature else {}),
        }
        if signature is not None:
            _bind(env, signature.inputs, inputs, variadic=signature.variadic_input)
            _bind(env, signature.outputs, outputs, variadic=signature.variadic_output)
        return env


def _bind(
    env: dict[str, Any],
    names: tuple[str, ...],
    views: tuple[TensorView | None, ...],
    *,
    variadic: bool,
) -> None:
    for position, name in enumerate(names):
        if variadic and position == len(names) - 1:
            env[name] = views[position:]
        else:
            env[name] = views[position] if position < len(views) else None


def compute_costs(graph: ModelGraph, rules: CostRules) -> dict[str, NodeCost]:
    """Cost every node of ``graph`` (subgraphs included), in the graph's node order."""
    costs = _Engine(graph, rules).cost_scope("")
    return {key: costs[key] for key in graph.nodes if key in costs}
