"""The cost engine: evaluates each node's cost rule; costs control flow from its bodies.

Body nodes of Loop/Scan/If carry their per-iteration cost times the enclosing trip counts, and
the control-flow node itself carries none, so summing all rows gives the model total and each
op type (the MatMuls inside a Keras LSTM loop) is counted under its own name.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import replace

from modelint.analysis.control_flow import ControlFlowOutcome, resolve_control_flow
from modelint.analysis.cost_rules import CostRules
from modelint.analysis.formulas import FormulaEvaluator, frozen_attributes
from modelint.analysis.node_cost import NodeCost
from modelint.analysis.schema_check import SCHEMA_VIOLATION, schema_problem
from modelint.expr import EvaluationError, UnknownValue
from modelint.graph import ModelGraph, OpNode

__all__ = ["NodeCost", "compute_costs"]

# Past any real model (a forward pass of the largest LLM is ~1e15): a count this large comes
# from a broken custom formula, and past ~1e308 no report could even print it.
_MAX_COUNT = 10**30


class _Engine:
    def __init__(self, graph: ModelGraph, rules: CostRules) -> None:
        self.graph = graph
        self.rules = rules
        self.tensors = graph.tensors
        self.formulas = FormulaEvaluator(graph)
        self.scopes: dict[str, list[OpNode]] = {}
        for node in graph.nodes.values():
            self.scopes.setdefault(node.graph_path, []).append(node)
        self.owned: dict[str, tuple[int, int]] = {}  # node key -> (params, weight bytes)
        for tensor, owner in graph.initializer_params.items():
            info = graph.tensors.get(tensor)
            if owner is not None and info is not None:
                params, size = self.owned.get(owner, (0, 0))
                self.owned[owner] = (params + (info.numel or 0), size + (info.nbytes or 0))
        self.memo: dict[Hashable, NodeCost] = {}
        self.memoizable: dict[tuple[str, str], bool] = {}
        # Tensor name -> a small int per distinct record less its name (shape, dtype, flags,
        # sizes): what a formula that reads no values or names can see of a tensor.
        kinds: dict[tuple[object, ...], int] = {}
        self.kinds = {
            name: kinds.setdefault(info[1:], len(kinds)) for name, info in self.tensors.items()
        }
        self.kinds[""] = -1  # an omitted input; a name with no record has no kind (None)

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
                for key, cost in body.items():  # an uncosted node keeps its own reason
                    result[key] = (
                        cost.uncosted(f"inside {node.key}: {outcome.reason}")
                        if cost.costed
                        else cost
                    )
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
        params, weight_bytes = self.owned.get(node.key, (0, 0))
        act_in, act_out = self._activation_bytes(node)
        return NodeCost(node.key, None, None, None, params, weight_bytes, act_in, act_out, False)

    def _activation_bytes(self, node: OpNode) -> tuple[int | None, int | None]:
        """Bytes of the non-constant inputs read and of the outputs written (None: unknown)."""
        inputs = node.inputs if len(node.inputs) < 2 else tuple(dict.fromkeys(node.inputs))
        return self._bytes(inputs, skip_constants=True), self._bytes(node.outputs)

    def _bytes(self, names: tuple[str, ...], *, skip_constants: bool = False) -> int | None:
        total = 0
        for name in names:
            if not name:
                continue
            info = self.tensors.get(name)
            if info is None or info.nbytes is None:
                if info is not None and skip_constants and info.is_constant:
                    continue
                return None
            if not (skip_constants and info.is_constant):
                total += info.nbytes
        return total

    def cost_node(self, node: OpNode) -> NodeCost:
        """A costed node whose memo key was seen before gets that node's cost under its own
        key: the signature covers everything the cost depends on (formula inputs, owned
        parameters, activation bytes). Uncosted nodes are never reused (reasons name tensors)."""
        key = self._memo_key(node)
        if key is not None:
            hit = self.memo.get(key)
            if hit is not None:
                return hit.for_node(node.key)
        cost = self._cost_node(node)
        if key is not None and cost.costed:
            self.memo[key] = cost
        return cost

    def _memo_key(self, node: OpNode) -> Hashable | None:
        op = (node.domain, node.op_type)
        memoizable = self.memoizable.get(op)
        if memoizable is None:
            rule = self.rules.get(*op)
            memoizable = self.memoizable[op] = rule is not None and not rule.reads_values
        inputs = node.inputs
        count = len(inputs)
        if not memoizable or (
            (count > 2 and len(set(inputs)) < count) or (count == 2 and inputs[0] == inputs[1])
        ):
            return None  # a repeated input is read once: activation bytes depend on names
        attributes = frozen_attributes(node.attributes) if node.attributes else ()
        if attributes is None:
            return None
        kind = self.kinds.get  # one flat tuple: hashed faster than nested ones
        return (
            *op,
            node.opset,
            attributes,
            *self.owned.get(node.key, (0, 0)),
            *map(kind, inputs),
            "|",
            *map(kind, node.outputs),
        )

    def _cost_node(self, node: OpNode) -> NodeCost:
        """Once per distinct node signature (``cost_node`` memoises the rest)."""
        problem = schema_problem(node)
        if problem is not None:
            return self._base(node).uncosted(f"{SCHEMA_VIOLATION}: {problem}")
        rule = self.rules.get(node.domain, node.op_type)
        if rule is None:
            return self._base(node).uncosted(f"no cost rule for {node.qualified_op}")
        try:
            macs, flops, transcendentals, notes = self.formulas.counts(node, rule)
        except UnknownValue as exc:
            return self._base(node).uncosted(exc.reason)
        except EvaluationError as exc:
            return self._base(node).uncosted(f"cost formula of {node.op_type} failed: {exc}")
        if max(macs, flops, transcendentals) > _MAX_COUNT:
            return self._base(node).uncosted(
                f"cost formula of {node.op_type} gives more than 10**30 operations "
                "(a rule's formula or the graph's shapes are wrong)"
            )
        params, weight_bytes = self.owned.get(node.key, (0, 0))
        act_in, act_out = self._activation_bytes(node)
        return NodeCost(
            node.key,
            macs,
            flops,
            transcendentals,
            params,
            weight_bytes,
            act_in,
            act_out,
            True,
            None,
            notes,
        )


def compute_costs(graph: ModelGraph, rules: CostRules) -> dict[str, NodeCost]:
    """Cost every node of ``graph`` (subgraphs included), in the graph's node order."""
    engine = _Engine(graph, rules)
    costs = engine.cost_scope("")
    if len(engine.scopes) == 1:
        return costs  # no control flow: already in the graph's node order
    return {key: costs[key] for key in graph.nodes if key in costs}
