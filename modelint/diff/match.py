"""Which node of the new model is which node of the old one.

By node key first (the node name when it is present and unique). Exporters rename nodes,
though — tf2onnx numbers them, a re-export shifts every suffix — so the nodes left over on
both sides are then paired by structure, in rounds from the surest evidence to the weakest:

1. a *signature* found once on each side: op type, the op types upstream and downstream
   within two hops (kept apart: the first and the last layer of a chain differ), output
   shapes and weight shapes. A pure rename pairs every node here (or in round 3);
2. *anchors*: from every pair found so far (and the graph inputs and outputs, by index),
   the producer of the same input slot, or the only consumer reading the same output slot
   in the same input slot, is the same node when both are left over and have the same op
   type and output ranks. This pairs the nodes whose own shapes changed (a widened layer)
   through the unchanged nodes around them;
3. nodes sharing one signature (repeated blocks), in graph order; then anchors again.

Nodes a round cannot tell apart stay unpaired (added and removed), never guessed.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from modelint.graph import ModelGraph

__all__ = ["NodeMatching", "match_nodes"]

HOPS = 2
Signature = tuple[object, ...]


@dataclass(frozen=True)
class NodeMatching:
    by_name: tuple[tuple[str, str], ...]  # (old key, new key), in the new model's order
    by_structure: tuple[tuple[str, str], ...]
    removed: tuple[str, ...]  # old keys with no partner, in the old model's order
    added: tuple[str, ...]  # new keys with no partner, in the new model's order

    def pairs(self) -> tuple[tuple[str, str], ...]:
        return (*self.by_name, *self.by_structure)


def _upstream(graph: ModelGraph, key: str) -> set[str]:
    producers = graph.producers
    return {p for name in graph.nodes[key].inputs if name and (p := producers.get(name))}


def _downstream(graph: ModelGraph, key: str) -> set[str]:
    consumers = graph.consumers
    return {c for name in graph.nodes[key].outputs if name for c in consumers.get(name, ())}


def _ops_within(graph: ModelGraph, key: str, *, downstream: bool) -> tuple[str, ...]:
    step = _downstream if downstream else _upstream
    seen, frontier = {key}, {key}
    for _ in range(HOPS):
        frontier = {n for k in frontier for n in step(graph, k)} - seen
        seen |= frontier
    return tuple(sorted(graph.nodes[k].qualified_op for k in seen - {key}))


def _signature(graph: ModelGraph, key: str) -> Signature:
    node, tensors = graph.nodes[key], graph.tensors
    outputs = tuple(info.shape if (info := tensors.get(n)) else None for n in node.outputs)
    weights = tuple(
        info.shape if (info := tensors.get(n)) and info.is_weight else None for n in node.inputs
    )
    return (
        node.qualified_op,
        _ops_within(graph, key, downstream=False),
        _ops_within(graph, key, downstream=True),
        outputs,
        weights,
    )


def _ranks(graph: ModelGraph, key: str) -> tuple[int | None, ...]:
    tensors = graph.tensors
    return tuple(
        None if (info := tensors.get(n)) is None or info.shape is None else len(info.shape)
        for n in graph.nodes[key].outputs
    )


@dataclass
class _Matcher:
    """The pairing state: both graphs, the keys still unpaired on each side, the pairs."""

    old: ModelGraph
    new: ModelGraph
    old_left: dict[str, None]  # insertion-ordered sets, in graph order
    new_left: dict[str, None]
    pairs: list[tuple[str, str]] = field(default_factory=list)
    _signatures: dict[tuple[bool, str], Signature] = field(default_factory=dict)

    def pair(self, old_key: str, new_key: str) -> bool:
        if old_key not in self.old_left or new_key not in self.new_left:
            return False
        if self.old.nodes[old_key].qualified_op != self.new.nodes[new_key].qualified_op:
            return False
        if _ranks(self.old, old_key) != _ranks(self.new, new_key):
            return False
        del self.old_left[old_key], self.new_left[new_key]
        self.pairs.append((old_key, new_key))
        return True

    def signatures(self) -> tuple[dict[Signature, list[str]], dict[Signature, list[str]]]:
        found: tuple[dict[Signature, list[str]], dict[Signature, list[str]]] = (
            defaultdict(list),
            defaultdict(list),
        )
        for is_new, graph, left in (
            (False, self.old, self.old_left),
            (True, self.new, self.new_left),
        ):
            for key in left:
                signature = self._signatures.get((is_new, key))
                if signature is None:
                    signature = self._signatures[is_new, key] = _signature(graph, key)
                found[is_new][signature].append(key)
        return found

    def by_signature(self, *, unique_only: bool) -> list[tuple[str, str]]:
        """Round 1 (signatures found once on each side) or 3 (all, in graph order)."""
        old_table, new_table = self.signatures()
        paired: list[tuple[str, str]] = []
        for signature, old_keys in old_table.items():
            new_keys = new_table.get(signature, [])
            if unique_only and (len(old_keys) != 1 or len(new_keys) != 1):
                continue
            paired.extend(
                pair for pair in zip(old_keys, new_keys, strict=False) if self.pair(*pair)
            )
        return paired

    def _readers(
        self, graph: ModelGraph, left: dict[str, None], tensor: str
    ) -> dict[object, list[str]]:
        """The unpaired consumers of ``tensor``, by (op type, the input slot reading it)."""
        groups: dict[object, list[str]] = defaultdict(list)
        for key in graph.consumers.get(tensor, ()):
            if key in left:
                node = graph.nodes[key]
                groups[(node.qualified_op, node.inputs.index(tensor))].append(key)
        return groups

    def _through_tensors(self, old_tensor: str, new_tensor: str) -> Iterable[tuple[str, str]]:
        producer_old = self.old.producers.get(old_tensor)
        producer_new = self.new.producers.get(new_tensor)
        if producer_old and producer_new and self.pair(producer_old, producer_new):
            yield producer_old, producer_new
        new_groups = self._readers(self.new, self.new_left, new_tensor)
        for group, old_keys in self._readers(self.old, self.old_left, old_tensor).items():
            new_keys = new_groups.get(group, [])
            if len(old_keys) == 1 and len(new_keys) == 1 and self.pair(old_keys[0], new_keys[0]):
                yield old_keys[0], new_keys[0]

    def by_anchors(self, seeds: Iterable[tuple[str, str]]) -> None:
        """Round 2: walk out from paired nodes, tensor slot by tensor slot (each pair of
        tensors once: a tensor read by thousands of nodes is not rescanned per reader)."""
        queue: deque[tuple[str, str]] = deque()
        queue.extend(self._tensor_pairs(self.old.inputs, self.new.inputs))
        queue.extend(self._tensor_pairs(self.old.outputs, self.new.outputs))
        for pair in seeds:
            queue.extend(self._around(*pair))
        seen: set[tuple[str, str]] = set()
        while queue:
            tensors = queue.popleft()
            if tensors in seen:
                continue
            seen.add(tensors)
            for pair in self._through_tensors(*tensors):
                queue.extend(self._around(*pair))

    def _around(self, old_key: str, new_key: str) -> list[tuple[str, str]]:
        old_node, new_node = self.old.nodes[old_key], self.new.nodes[new_key]
        return [
            *self._tensor_pairs(old_node.inputs, new_node.inputs),
            *self._tensor_pairs(old_node.outputs, new_node.outputs),
        ]

    @staticmethod
    def _tensor_pairs(old: Sequence[str], new: Sequence[str]) -> list[tuple[str, str]]:
        return [(a, b) for a, b in zip(old, new, strict=False) if a and b]


def _by_structure(
    old: ModelGraph,
    new: ModelGraph,
    old_left: list[str],
    new_left: list[str],
    named: Sequence[tuple[str, str]],
) -> list[tuple[str, str]]:
    if not old_left or not new_left:
        return []
    matcher = _Matcher(old, new, dict.fromkeys(old_left), dict.fromkeys(new_left))
    unique = matcher.by_signature(unique_only=True)
    matcher.by_anchors((*named, *unique))
    if matcher.old_left and matcher.new_left:
        repeated = matcher.by_signature(unique_only=False)
        matcher.by_anchors(repeated)
    order = {key: index for index, key in enumerate(new.nodes)}
    return sorted(matcher.pairs, key=lambda pair: order[pair[1]])


def match_nodes(old: ModelGraph, new: ModelGraph) -> NodeMatching:
    by_name = tuple((key, key) for key in new.nodes if key in old.nodes)
    old_left = [key for key in old.nodes if key not in new.nodes]
    new_left = [key for key in new.nodes if key not in old.nodes]
    by_structure = _by_structure(old, new, old_left, new_left, by_name)
    paired_old = {pair[0] for pair in by_structure}
    paired_new = {pair[1] for pair in by_structure}
    return NodeMatching(
        by_name=by_name,
        by_structure=tuple(by_structure),
        removed=tuple(key for key in old_left if key not in paired_old),
        added=tuple(key for key in new_left if key not in paired_new),
    )
