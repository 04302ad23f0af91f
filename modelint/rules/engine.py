"""The rule engine: runs node, path and aggregate rules over one analysed model.

Rules say what they look at (``match``); the engine walks the graph. An expression that cannot
be decided for a node (an unknown shape, a cost that is not known) makes that node
*undecided* for that rule — listed, never silently passed or failed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from modelint.analysis import ModelAnalysis
from modelint.expr import EvaluationError, Expression, UnknownValue
from modelint.findings import Finding, Location, Severity, plain_property
from modelint.graph import ModelGraph, OpNode
from modelint.rules.fingerprints import with_structural_fingerprints
from modelint.rules.loader import RuleSet
from modelint.rules.node_sets import NodeSets
from modelint.rules.outcomes import RuleRun, RuleSettings, Undecided
from modelint.rules.paths import PathCounts, path_counts
from modelint.rules.spec import LintRule, Match, OpSet
from modelint.rules.target_views import unmet
from modelint.rules.views import (
    EnvironmentFactory,
    NodeEnvironment,
    ParamView,
    aggregate_environment,
)

__all__ = ["RuleRun", "RuleRunner", "RuleSettings", "Undecided", "run_rules"]


class _Index:
    """What all rules on one model share: nodes by op type (and, built on first use, by
    output dtype and by model input read), macro values and node sets."""

    def __init__(self, analysis: ModelAnalysis) -> None:
        self.graph = analysis.graph
        self.by_op: dict[str, list[OpNode]] = {}
        for node in self.graph.nodes.values():
            self.by_op.setdefault(node.op_type, []).append(node)
        # (macro condition, node) -> (value, why undecided): shared by the rules using it
        self.macro_values: dict[tuple[int, str], tuple[bool | None, str | None]] = {}
        self.node_sets = NodeSets(analysis)

    def with_dtype(self, dtype: str) -> list[OpNode]:
        """Nodes whose first output has ``dtype`` (what ``match: dtype`` reads), in graph
        order: found from the tensors of that dtype, not by looking at every node."""
        nodes, producers = self.graph.nodes, self.graph.producers
        found = [
            node
            for name, info in self.graph.tensors.items()
            if info.dtype == dtype
            and (key := producers.get(name)) is not None
            and (node := nodes[key]).outputs[0] == name
        ]
        return sorted(found, key=lambda node: node.order)

    @functools.cached_property
    def input_readers(self) -> list[OpNode]:
        """Nodes that read a model input, in graph order."""
        consumers = self.graph.consumers
        keys = {key for name in self.graph.inputs for key in consumers.get(name, ())}
        return sorted((self.graph.nodes[key] for key in keys), key=lambda node: node.order)

    def scan(self, match: Match | None) -> Iterator[OpNode]:
        """The nodes ``match`` may accept, in the order rules see them (a superset: the
        static match still runs on each)."""
        if match is not None and match.ops is not None:
            return (node for op in sorted(match.ops.ops) for node in self.by_op.get(op, ()))
        if match is not None and match.reads_model_input:
            return iter(self.input_readers)
        if match is not None and match.dtype is not None:
            return iter(self.with_dtype(match.dtype))
        return iter(self.graph.nodes.values())


class _Context:
    """One rule on one model: parameters, the node index, expression evaluation."""

    def __init__(
        self, rule: LintRule, analysis: ModelAnalysis, settings: RuleSettings, index: _Index
    ) -> None:
        self.rule, self.analysis, self.index = rule, analysis, index
        self.by_op = index.by_op
        values = {**rule.defaults(), **settings.parameters.get(rule.id, {})}
        self.params = ParamView(values)
        self.severity = settings.severity.get(rule.id, rule.severity)
        self.severity_overridden = rule.id in settings.severity
        self.cap = settings.action if "hardware" in rule.tags else None
        self.hardware = settings.hardware
        self.undecided: list[Undecided] = []
        self.factory = EnvironmentFactory(analysis, self.params, settings.hardware)
        self.environments: dict[str, NodeEnvironment] = {}
        self.macro_values = index.macro_values
        self.model_inputs = frozenset(analysis.graph.inputs)

    def env(self, node: OpNode) -> NodeEnvironment:
        environment = self.environments.get(node.key)
        if environment is None:
            environment = self.environments[node.key] = self.factory.for_node(node)
        return environment

    def holds(
        self, expressions: tuple[Expression, ...], env: Mapping[str, Any], node: str
    ) -> bool | None:
        """All expressions true (None: undecided, recorded)."""
        value, reason = _decide(expressions, env)
        if reason is not None:
            self.undecided.append(Undecided(self.rule.id, node, reason))
        return value

    def any_holds(
        self, expressions: tuple[Expression, ...], env: Mapping[str, Any], node: str
    ) -> bool | None:
        results = [self.holds((expression,), env, node) for expression in expressions]
        return None if None in results else any(results)

    def in_set(self, node: OpNode, ops: OpSet) -> bool:
        return ops.contains(node.op_type, lambda where: self._macro_holds(where, node))

    def _macro_holds(self, where: Expression, node: OpNode) -> bool:
        """A macro's condition reads only the node, so its value is shared by every rule
        that uses the macro (four rules count ``@weight-layers``). Undecided on a node, it
        leaves each of those rules undecided there, not only the first to ask."""
        key = (id(where), node.key)
        known = self.macro_values.get(key)
        if known is None:
            value = self.index.node_sets.decide(where, node.key)
            known = (value, None) if value is not None else _decide((where,), self.env(node))
            self.macro_values[key] = known
        value, reason = known
        if reason is not None:
            self.undecided.append(Undecided(self.rule.id, node.key, reason))
        return bool(value)

    def members(self, ops: OpSet) -> frozenset[str]:
        """Keys of the nodes in ``ops`` (looked up by op type, not by walking the graph)."""
        bulk = self._members_from_sets(ops)
        if bulk is not None:
            return bulk
        return frozenset(
            node.key for op in ops.ops for node in self.by_op.get(op, ()) if self.in_set(node, ops)
        )

    def _members_from_sets(self, ops: OpSet) -> frozenset[str] | None:
        """``members`` when every macro condition has a node set (None otherwise)."""
        conditions = [self.index.node_sets.filter(where) for _, where in ops.conditional]
        if None in conditions:
            return None
        found = {node.key for op in ops.plain for node in self.by_op.get(op, ())}
        for (macro_ops, _), condition in zip(ops.conditional, conditions, strict=True):
            assert condition is not None  # noqa: S101 - narrowed above, for mypy
            keys, negated = condition
            for op in macro_ops - ops.plain:
                found.update(n.key for n in self.by_op.get(op, ()) if (n.key in keys) != negated)
        return frozenset(found)

    def candidates(self, match: Match | None) -> Iterator[OpNode]:
        nodes = self.index.scan(match)
        pattern = re.compile(match.name) if match is not None and match.name else None
        for node in nodes:
            if match is None or _static_match(node, match, pattern, self):
                yield node

    def finding(
        self,
        env: Mapping[str, Any],
        location: Location,
        severity: Severity,
        extra: Mapping[str, Any],
    ) -> Finding | None:
        template = extra.get("template") or self.rule.message
        try:
            message = template.render(env)
            properties = {
                name: plain_property(e.evaluate(env)) for name, e in self.rule.properties.items()
            }
        except (UnknownValue, EvaluationError) as exc:
            self.undecided.append(Undecided(self.rule.id, location.node or "", str(exc)))
            return None
        properties.update(extra.get("properties", {}))
        return Finding.create(
            rule_id=self.rule.id,
            rule_name=self.rule.name,
            severity=min(severity, self.cap) if self.cap is not None else severity,
            message=message,
            location=location,
            properties=properties,
        )


def _decide(
    expressions: tuple[Expression, ...], env: Mapping[str, Any]
) -> tuple[bool | None, str | None]:
    """(all expressions true, None), or (None, why they cannot be decided)."""
    try:
        return all(bool(expression.evaluate(env)) for expression in expressions), None
    except UnknownValue as exc:
        return None, exc.reason
    except EvaluationError as exc:
        return None, f"rule expression failed: {exc}"


def _static_match(
    node: OpNode, match: Match, pattern: re.Pattern[str] | None, context: _Context
) -> bool:
    if match.domain is not None and node.domain != match.domain:
        return False
    if pattern is not None and not pattern.search(node.name):
        return False
    for name, value in match.attributes.items():
        if node.attributes.get(name) != value:
            return False
    if match.reads_model_input and (
        node.graph_path or not any(name in context.model_inputs for name in node.inputs)
    ):
        return False
    if match.dtype is not None:
        info = context.analysis.graph.tensor(node.outputs[0]) if node.outputs else None
        if info is None or info.dtype != match.dtype:
            return False
    return match.ops is None or context.in_set(node, match.ops)


def _location(analysis: ModelAnalysis, node: OpNode | None) -> Location:
    if node is None:
        return Location(analysis.path)
    return Location(analysis.path, node.graph_path, node.key, node.op_type, node.layer)


def _check_node(
    context: _Context, node: OpNode, env: dict[str, Any], extra: Mapping[str, Any]
) -> Finding | None:
    rule = context.rule
    if rule.where and not context.holds(rule.where, env, node.key):
        return None
    if rule.exclude and context.any_holds(rule.exclude, env, node.key) is not False:
        return None
    severity, extra = _escalation(context, env, node.key, extra)
    return context.finding(env, _location(context.analysis, node), severity, extra)


def _escalation(
    context: _Context, env: Mapping[str, Any], node: str, extra: Mapping[str, Any]
) -> tuple[Severity, Mapping[str, Any]]:
    """On node and path rules, ``levels`` raise (or lower) the severity of a finding: the
    first level whose ``when`` holds wins; a config severity override wins over all."""
    for level in context.rule.levels:
        if context.severity_overridden or not context.holds(level.when, env, node):
            continue
        if level.message is not None:
            extra = {**extra, "template": level.message}
        return level.severity, extra
    return context.severity, extra


def _node_rule(context: _Context) -> list[Finding]:
    found = []
    where = context.rule.where
    # A first condition with a node set decides most nodes without an environment; the
    # others are evaluated as usual (the first condition again included).
    skip = context.index.node_sets.filter(where[0]) if where else None
    for node in context.candidates(context.rule.match):
        if skip is not None and (node.key in skip[0]) == skip[1]:
            continue
        finding = _check_node(context, node, context.env(node), {})
        if finding is not None:
            found.append(finding)
    return found


def _path_rule(context: _Context) -> list[Finding]:
    rule, graph = context.rule, context.analysis.graph
    spec = rule.path
    candidates = list(context.candidates(rule.match))
    if spec is None or not candidates:  # compile_rule refuses a path rule without `path:`
        return []
    counts: PathCounts = path_counts(
        graph, spec, context.members(spec.count), context.members(spec.reset)
    )
    found = []
    layer_of = functools.partial(_key_layer, graph)
    for node in candidates:
        count = counts.count.get(node.key)
        if (
            count is None
            or (spec.minimum is not None and count < spec.minimum)
            or (spec.maximum is not None and count > spec.maximum)
        ):
            continue
        env = context.env(node)  # lazily built names: add to it, never copy it with **
        env["count"] = count
        _lazy_path(env, counts, node.key, layer_of)
        finding = _check_node(context, node, env, {"properties": {"count": count}})
        if finding is not None:
            found.append(finding)
    return found


def _lazy_path(
    env: NodeEnvironment, counts: PathCounts, key: str, layer_of: Callable[[str], str]
) -> None:
    """``route``, ``path`` and ``path_layers``, built only when a finding's message or an
    escalation reads them (``layer_of``: one function per rule run, so that the paths'
    memoized suffixes are shared by all its findings)."""
    env.lazy(
        route=lambda: counts.route(key),
        path=lambda: counts.path(key),
        path_layers=lambda: counts.path(key, layer_of),
    )


def _key_layer(graph: ModelGraph, key: str) -> str:
    return _layer_name(graph.node(key))


def _layer_name(node: OpNode) -> str:
    """The layer a node belongs to (converters name nodes ``layer/op``), else its key."""
    return node.layer or node.scope or node.key


def _aggregate_rule(context: _Context) -> list[Finding]:
    env = aggregate_environment(context.analysis, context.params, context.hardware)
    for level in context.rule.levels:
        holds = context.holds(level.when, env, "")
        if holds is None:  # undecided (recorded once): the lower levels would be too
            return []
        if holds:
            severity = context.severity if context.severity_overridden else level.severity
            extra = {"template": level.message} if level.message else {}
            finding = context.finding(env, _location(context.analysis, None), severity, extra)
            return [finding] if finding is not None else []
    return []


def _meta_rule(context: _Context) -> list[Finding]:
    """Meta rules (MLS*) are emitted by the suppression ledger, not found in a graph."""
    return []


_KINDS = {"node": _node_rule, "path": _path_rule, "aggregate": _aggregate_rule, "meta": _meta_rule}


class RuleRunner:
    """Runs rules one at a time on one model; they share its node index."""

    def __init__(self, analysis: ModelAnalysis, settings: RuleSettings) -> None:
        self.analysis, self.settings = analysis, settings
        self.index = _Index(analysis)

    def applies(self, rule: LintRule) -> bool:
        """The rule is enabled and has what it requires (a profile, a budget)."""
        settings = self.settings
        return rule.id in settings.enabled and unmet(rule.requires, settings.hardware) is None

    def run(self, rule: LintRule) -> tuple[list[Finding], list[Undecided]]:
        """The rule's findings (structural fingerprints not set yet) and undecided nodes."""
        context = _Context(rule, self.analysis, self.settings, self.index)
        return _KINDS[rule.kind](context), context.undecided


def run_rules(
    analysis: ModelAnalysis,
    rules: RuleSet,
    settings: RuleSettings,
    done: RuleRun | None = None,
    done_ids: frozenset[str] = frozenset(),
) -> RuleRun:
    """Every enabled rule over ``analysis``; findings sorted, undecided nodes listed.
    ``done``: what the rules ``done_ids`` found already (run before the costs existed)."""
    runner = RuleRunner(analysis, settings)
    findings = list(done.findings) if done else []
    undecided = list(done.undecided) if done else []
    for rule in rules:
        if rule.id not in done_ids and runner.applies(rule):
            found, unsure = runner.run(rule)
            findings.extend(found)
            undecided.extend(unsure)
    findings = with_structural_fingerprints(analysis.graph, findings)
    return RuleRun(tuple(sorted(findings)), tuple(sorted(set(undecided))))
