"""Evaluating one node's cost rule: the names a formula sees, and a memo of results.

Real models repeat blocks (ResNet's bottlenecks, a transformer's layers), so many nodes share
op type, attributes and tensor shapes. A rule whose formulas read only those (not tensor
values or names) gives equal results for equal signatures, and the result is reused.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from modelint.analysis.cost_rules import CostRule
from modelint.analysis.views import AttrView, TensorView
from modelint.expr import EvaluationError
from modelint.graph import ModelGraph, OpNode
from modelint.graph.tensors import TensorInfo

__all__ = ["Counts", "FormulaEvaluator", "frozen_attributes"]

# macs, flops, transcendentals, assumptions
Counts = tuple[int, int, int, tuple[str, ...]]
_SIMPLE = (int, float, str, bytes, bool)


def _count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EvaluationError(f"{what} is {type(value).__name__}, not a number", what)
    if value < 0:
        raise EvaluationError(f"{what} is negative ({value})", what)
    return round(value)


def frozen_attributes(attributes: Mapping[str, Any]) -> Hashable | None:
    """A hashable form of simple attributes; None when one is a tensor or graph."""
    items: list[tuple[str, Hashable]] = []
    for name, value in attributes.items():
        if isinstance(value, list):
            if not all(isinstance(item, _SIMPLE) for item in value):
                return None
            items.append((name, tuple(value)))
        elif isinstance(value, _SIMPLE):
            items.append((name, value))
        else:
            return None
    return tuple(sorted(items))


class FormulaEvaluator:
    """Evaluates cost rules for the nodes of one graph, memoising by node signature."""

    def __init__(self, graph: ModelGraph) -> None:
        self.graph = graph
        self.tensors = graph.tensors
        self.memo: dict[Hashable, Counts] = {}

    def counts(self, node: OpNode, rule: CostRule) -> Counts:
        """Raise UnknownValue or EvaluationError when the cost cannot be known."""
        key = None if rule.reads_values else self._signature(node)
        if key is not None:
            hit = self.memo.get(key)
            if hit is not None:
                return hit
        counts = self._evaluate(node, rule)
        if key is not None:
            self.memo[key] = counts
        return counts

    def _signature(self, node: OpNode) -> Hashable | None:
        """Everything a formula that reads no values or names can see. ``info[1:]`` is the
        tensor record without its name: shape, dtype, constness flags and sizes."""
        attributes = frozen_attributes(node.attributes) if node.attributes else ()
        if attributes is None:
            return None
        get = self.tensors.get
        tensors = tuple(
            info[1:] if (info := get(name)) is not None else name != ""
            for name in (*node.inputs, "|", *node.outputs)
        )
        return (node.domain, node.op_type, node.opset, attributes, tensors)

    def _evaluate(self, node: OpNode, rule: CostRule) -> Counts:
        env = self._environment(node, rule)
        for name, expression in rule.lets:
            env[name] = expression.evaluate(env)
        macs = env["macs"] = _count(rule.macs.evaluate(env), "macs")
        flops = env["flops"] = _count(rule.flops.evaluate(env), "flops")
        transcendentals = _count(rule.transcendentals.evaluate(env), "transcendentals")
        env["transcendentals"] = transcendentals
        notes = tuple(text for text in (t.render(env) for t in rule.assumptions) if text)
        return macs, flops, transcendentals, notes

    def _view(self, name: str, role: str) -> TensorView | None:
        if not name:
            return None
        info = self.tensors.get(name) or TensorInfo.create(name, None, None)
        return TensorView(info, role, self.graph)

    def _environment(self, node: OpNode, rule: CostRule) -> dict[str, Any]:
        signature = rule.signature
        in_names = signature.inputs if signature else ()
        out_names = signature.outputs if signature else ()
        inputs = tuple(
            self._view(n, _role("input", i, in_names)) for i, n in enumerate(node.inputs)
        )
        outputs = tuple(
            self._view(n, _role("output", i, out_names)) for i, n in enumerate(node.outputs)
        )
        env: dict[str, Any] = {
            "inputs": inputs,
            "outputs": outputs,
            "opset": node.opset,
            "x": inputs[0] if inputs else None,
            "y": outputs[0] if outputs else None,
            "attr": AttrView(node.attributes, signature.attribute_defaults if signature else {}),
        }
        if signature is not None:
            _bind(env, in_names, inputs, variadic=signature.variadic_input)
            _bind(env, out_names, outputs, variadic=signature.variadic_output)
        return env


def _role(kind: str, index: int, names: tuple[str, ...]) -> str:
    """'input 1 (W)': where an unknown value comes from, in the schema's words."""
    return f"{kind} {index} ({names[index]})" if index < len(names) else f"{kind} {index}"


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
