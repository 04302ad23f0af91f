"""Field names checked when a rule is compiled, not when it runs.

The expression language resolves ``x.shape`` at run time; a typo (``inputs[1].shap``,
``params.dept``) would otherwise make every node *undecided* and the rule silently never
fire. Fields read directly from a known name (``node``, ``x``, ``inputs[i]``, ``cost``,
``model``, ``budget``, ``profile``, ``params``) are checked against what that name holds;
``attr`` (the node's own attributes) and values returned by functions are left to run time.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping

from modelint.analysis.views import TensorView
from modelint.expr import Expression, did_you_mean
from modelint.rules.spec import LintRule
from modelint.rules.target_views import BudgetView, ProfileView
from modelint.rules.views import CostView, ModelView, NodeView

__all__ = ["unknown_fields"]

_TENSOR = TensorView.EXPR_FIELDS
_ROOTS: Mapping[str, frozenset[str]] = {
    "node": NodeView.EXPR_FIELDS,
    "x": _TENSOR,
    "y": _TENSOR,
    "inputs": _TENSOR,
    "outputs": _TENSOR,
    "cost": CostView.EXPR_FIELDS,
    "model": ModelView.EXPR_FIELDS,
    "budget": BudgetView.EXPR_FIELDS,
    "profile": ProfileView.EXPR_FIELDS,
}


def _root(node: ast.expr) -> tuple[str | None, bool]:
    """The name an attribute chain starts from, and whether only subscripts lie between."""
    direct = True
    while isinstance(node, ast.Subscript | ast.Attribute):
        if isinstance(node, ast.Attribute):
            direct = False
        node = node.value
    return (node.id if isinstance(node, ast.Name) else None), direct


def _problems(source: str, parameters: frozenset[str]) -> Iterator[str]:
    for node in ast.walk(ast.parse(source.strip(), mode="eval")):
        if not isinstance(node, ast.Attribute):
            continue
        root, direct = _root(node.value)
        if root is None or not direct:
            continue
        known = parameters if root == "params" else _ROOTS.get(root)
        if known is not None and node.attr not in known:
            kind = "parameter" if root == "params" else f"field of {root}"
            yield f"unknown {kind} {node.attr!r}{did_you_mean(node.attr, known)} in `{source}`"


def _expressions(rule: LintRule) -> Iterator[tuple[str, Expression]]:
    for index, expression in enumerate(rule.where):
        yield f"where[{index}]", expression
    for index, expression in enumerate(rule.exclude):
        yield f"exclude[{index}]", expression
    for index, level in enumerate(rule.levels):
        for position, expression in enumerate(level.when):
            yield f"levels[{index}].when[{position}]", expression
        if level.message is not None:
            yield from ((f"levels[{index}].message", e) for e in level.message.expressions())
    yield from (("message", e) for e in rule.message.expressions())
    yield from ((f"properties.{name}", e) for name, e in rule.properties.items())


def unknown_fields(rule: LintRule) -> list[tuple[str, str]]:
    """(key, problem) for every field or parameter the rule reads that cannot exist."""
    parameters = frozenset(rule.parameters)
    found: list[tuple[str, str]] = []
    for key, expression in _expressions(rule):
        if isinstance(expression.source, str) and expression.source.strip():
            found.extend((key, problem) for problem in _problems(expression.source, parameters))
    return found
