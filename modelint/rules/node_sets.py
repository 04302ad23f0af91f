"""Whole-graph answers to rule functions, so that the engine can skip nodes in bulk.

A rule over every node (MLG004 ``is_dead(node)``, MLC001 ``not node_costed(node)``) or a macro
over every weight op (``@weight-layers``: ``has_weight(node)``) would build an environment
and evaluate an expression per node: ~10 us each, a second per rule on a 100k-node graph.
A function that registers a *node set* here (the keys of the nodes for which it is true,
computed in one pass) lets the engine decide ``f(node)`` and ``not f(node)`` by set
membership. The set must equal the function's truth on every node, and the function must
never raise for a node (a skipped node would lose its *undecided* entry otherwise).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable, Mapping

from modelint.analysis import ModelAnalysis
from modelint.expr import Expression

__all__ = ["NODE_SETS", "NodeSets", "register_node_sets"]

NodeSetFunction = Callable[[ModelAnalysis], frozenset[str]]
NODE_SETS: dict[str, NodeSetFunction] = {}


def register_node_sets(functions: Mapping[str, NodeSetFunction]) -> None:
    """Add node sets (by the name of the rule function they answer for)."""
    NODE_SETS.update(functions)


@functools.cache
def _call_form(source: str) -> tuple[str, bool] | None:
    """(function, negated) when ``source`` is exactly ``f(node)`` or ``not f(node)``."""
    try:
        body = ast.parse(source, mode="eval").body
    except SyntaxError:
        return None
    negated = isinstance(body, ast.UnaryOp) and isinstance(body.op, ast.Not)
    if isinstance(body, ast.UnaryOp) and negated:
        body = body.operand
    if (
        isinstance(body, ast.Call)
        and isinstance(body.func, ast.Name)
        and not body.keywords
        and len(body.args) == 1
        and isinstance(body.args[0], ast.Name)
        and body.args[0].id == "node"
    ):
        return body.func.id, negated
    return None


class NodeSets:
    """The node sets of one model, each computed on first use and shared by all rules."""

    def __init__(self, analysis: ModelAnalysis) -> None:
        self.analysis = analysis
        self.sets: dict[str, frozenset[str]] = {}

    def filter(self, expression: Expression) -> tuple[frozenset[str], bool] | None:
        """(keys, negated): ``expression`` is true on a node exactly when its key is in
        ``keys`` (not in it, when negated); None when the expression has no node set."""
        form = _call_form(expression.source)
        if form is None or form[0] not in NODE_SETS:
            return None
        name, negated = form
        keys = self.sets.get(name)
        if keys is None:
            keys = self.sets[name] = NODE_SETS[name](self.analysis)
        return keys, negated

    def decide(self, expression: Expression, key: str) -> bool | None:
        """The value of ``expression`` on node ``key``; None when it has no node set."""
        found = self.filter(expression)
        if found is None:
            return None
        keys, negated = found
        return (key in keys) != negated
