"""What changed between two versions of a model: totals, per op type, per layer, per node,
and the findings that appeared or went away. Frozen data; the report layer renders it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from modelint.analysis import Group, ModelAnalysis, NodeCost
from modelint.analysis.model import layer_name
from modelint.diff.match import NodeMatching, match_nodes
from modelint.findings import Finding
from modelint.graph import OpNode
from modelint.rules import ModelResult
from modelint.rules.timing import expected_time_by

__all__ = [
    "Delta",
    "FindingChanges",
    "ModelDiff",
    "NodeDelta",
    "RowDelta",
    "diff_models",
]

Number = int | float


@dataclass(frozen=True, slots=True)
class Delta:
    """One figure before and after; None: not known on that side (or the row is absent)."""

    old: Number | None
    new: Number | None

    @property
    def change(self) -> Number | None:
        if self.old is None or self.new is None:
            return None
        return self.new - self.old

    @property
    def relative(self) -> float | None:
        """The change as a share of the old value (None when the old value is 0 or unknown)."""
        change = self.change
        if change is None or not self.old:
            return None
        return change / self.old


@dataclass(frozen=True, slots=True)
class RowDelta:
    """An op type or a layer: ``added`` / ``removed`` / ``changed`` / ``same``."""

    name: str
    status: str
    macs: Delta
    flops: Delta
    params: Delta
    nodes: Delta
    latency: Delta | None = None  # expected seconds, with a profile on both sides


@dataclass(frozen=True, slots=True)
class NodeDelta:
    """A node that was added, removed, or whose cost changed."""

    old_key: str | None
    new_key: str | None
    op_type: str
    layer: str
    matched_by: str | None  # 'name', 'structure', or None (added / removed)
    macs: Delta
    flops: Delta
    params: Delta
    old_op_type: str | None = None  # the matched old node's op type, when it was another

    @property
    def op_change(self) -> str:
        """'Relu -> Sigmoid' when the op type changed, else the op type."""
        if self.old_op_type is None:
            return self.op_type
        return f"{self.old_op_type} -> {self.op_type}"

    @property
    def status(self) -> str:
        if self.old_key is None:
            return "added"
        return "removed" if self.new_key is None else "changed"


@dataclass(frozen=True, slots=True)
class FindingChanges:
    new: tuple[Finding, ...]  # in the new model only
    gone: tuple[Finding, ...]  # in the old model only
    kept: int  # in both


@dataclass(frozen=True)
class ModelDiff:
    old_path: str
    new_path: str
    profile: str | None  # the hardware profile the latency deltas are on
    totals: Mapping[str, Delta]  # macs, flops, ..., uncosted_nodes, memory_bytes, latency_s
    by_op: tuple[RowDelta, ...]
    by_layer: tuple[RowDelta, ...]
    nodes: tuple[NodeDelta, ...]  # added, removed and changed nodes only
    matching: NodeMatching
    findings: FindingChanges


def _uncosted(analysis: ModelAnalysis) -> int:
    """Nodes left out of the sums: with any, a side's MACs and FLOPs are lower bounds."""
    return analysis.coverage.nodes - analysis.coverage.costed_nodes


def _totals(old: ModelResult, new: ModelResult) -> dict[str, Delta]:
    a, b = old.analysis.totals, new.analysis.totals
    found = {
        name: Delta(getattr(a, name), getattr(b, name))
        for name in ("macs", "flops", "transcendentals", "params", "weight_bytes")
    }
    found["uncosted_nodes"] = Delta(_uncosted(old.analysis), _uncosted(new.analysis))
    found["memory_bytes"] = Delta(
        old.hardware.memory(old.analysis).total_bytes,
        new.hardware.memory(new.analysis).total_bytes,
    )
    if old.hardware.target is not None and new.hardware.target is not None:
        found["latency_s"] = Delta(
            old.hardware.target.latency.expected_s, new.hardware.target.latency.expected_s
        )
    return found


def _row_status(old: Group | None, new: Group | None) -> str:
    if old is None:
        return "added"
    if new is None:
        return "removed"
    same = (old.macs, old.flops, old.params, old.nodes) == (
        new.macs,
        new.flops,
        new.params,
        new.nodes,
    )
    return "same" if same else "changed"


def _rows(
    old: Iterable[Group],
    new: Iterable[Group],
    times: tuple[Mapping[str, float | None], Mapping[str, float | None]] | None,
) -> tuple[RowDelta, ...]:
    """Rows by name; ordered by the absolute FLOP change, largest first, then by name."""
    before = {group.name: group for group in old}
    after = {group.name: group for group in new}
    rows = []
    for name in sorted(before.keys() | after.keys()):
        a, b = before.get(name), after.get(name)
        latency = None
        if times is not None:
            latency = Delta(
                times[0].get(name, 0.0) if a else 0.0, times[1].get(name, 0.0) if b else 0.0
            )
        rows.append(
            RowDelta(
                name,
                _row_status(a, b),
                Delta(a.macs if a else 0, b.macs if b else 0),
                Delta(a.flops if a else 0, b.flops if b else 0),
                Delta(a.params if a else 0, b.params if b else 0),
                Delta(a.nodes if a else 0, b.nodes if b else 0),
                latency,
            )
        )
    return tuple(sorted(rows, key=lambda row: (-abs(row.flops.change or 0), row.name)))


def _times(
    old: ModelResult, new: ModelResult, key: Callable[[OpNode], str]
) -> tuple[Mapping[str, float | None], Mapping[str, float | None]] | None:
    before, after = expected_time_by(old, key), expected_time_by(new, key)
    return None if before is None or after is None else (before, after)


def _figure(cost: NodeCost | None, name: str) -> Number | None:
    """A node's figure: 0 for a node that is not there, None when it is not known."""
    return 0 if cost is None else getattr(cost, name)


def _node_delta(
    old: ModelAnalysis, new: ModelAnalysis, keys: tuple[str | None, str | None], how: str | None
) -> NodeDelta:
    old_key, new_key = keys
    a = old.costs[old_key] if old_key else None
    b = new.costs[new_key] if new_key else None
    node = new.graph.node(new_key) if new_key else old.graph.node(old_key or "")
    before = old.graph.node(old_key).qualified_op if old_key and new_key else None
    return NodeDelta(
        old_key,
        new_key,
        node.op_type,
        layer_name(node),
        how,
        macs=Delta(_figure(a, "macs"), _figure(b, "macs")),
        flops=Delta(_figure(a, "flops"), _figure(b, "flops")),
        params=Delta(_figure(a, "params"), _figure(b, "params")),
        old_op_type=before if before is not None and before != node.qualified_op else None,
    )


def _nodes(old: ModelAnalysis, new: ModelAnalysis, matching: NodeMatching) -> tuple[NodeDelta, ...]:
    """Added and removed nodes, and matched nodes whose cost or op type changed (an activation
    swapped at equal cost is what a reviewer looks for); by absolute FLOP change."""
    found = [_node_delta(old, new, (None, key), None) for key in matching.added]
    found += [_node_delta(old, new, (key, None), None) for key in matching.removed]
    for how, pairs in (("name", matching.by_name), ("structure", matching.by_structure)):
        for pair in pairs:
            delta = _node_delta(old, new, pair, how)
            costs = (delta.macs, delta.flops, delta.params)
            if delta.old_op_type is not None or any(d.old != d.new for d in costs):
                found.append(delta)
    return tuple(
        sorted(found, key=lambda d: (-abs(d.flops.change or 0), d.new_key or d.old_key or ""))
    )


def _finding_keys(finding: Finding, renamed: Mapping[str, str]) -> tuple[tuple[str, ...], ...]:
    """What makes two findings the same across versions: the rule and the node (an old node
    under its new key when the matching renamed it), or the rule and the structural
    fingerprint. Model-level findings are the same by rule: a budget finding whose figure
    moved is still that finding."""
    where = finding.location
    node = renamed.get(where.node or "", where.node or "")
    keys = [(finding.rule_id, where.graph_path, node)]
    if finding.structural:
        keys.append((finding.rule_id, "structure", finding.structural))
    return tuple(keys)


def _findings(old: ModelResult, new: ModelResult, matching: NodeMatching) -> FindingChanges:
    renamed = dict(matching.by_structure)
    before = {key for f in old.active() for key in _finding_keys(f, renamed)}
    after = {key for f in new.active() for key in _finding_keys(f, {})}
    appeared = tuple(f for f in new.active() if before.isdisjoint(_finding_keys(f, {})))
    gone = tuple(f for f in old.active() if after.isdisjoint(_finding_keys(f, renamed)))
    return FindingChanges(appeared, gone, len(new.active()) - len(appeared))


def _qualified_op(node: OpNode) -> str:
    return node.qualified_op  # the by_op row of the node


def diff_models(old: ModelResult, new: ModelResult) -> ModelDiff:
    """``new`` against its baseline ``old``."""
    a, b = old.analysis, new.analysis
    matching = match_nodes(a.graph, b.graph)
    target = new.hardware.target
    return ModelDiff(
        old_path=a.path,
        new_path=b.path,
        profile=target.profile.id if target is not None else None,
        totals=_totals(old, new),
        by_op=_rows(a.by_op, b.by_op, _times(old, new, _qualified_op)),
        by_layer=_rows(a.by_layer, b.by_layer, _times(old, new, layer_name)),
        nodes=_nodes(a, b, matching),
        matching=matching,
        findings=_findings(old, new, matching),
    )
