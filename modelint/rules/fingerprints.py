"""The structural fingerprint of a finding's node (DESIGN §8): it survives renames.

``modelintNode/v1`` hashes the node key, which changes when a converter renames nodes. The
structural one hashes what the node *is*: its op type, the multiset of op types within two
hops (inputs and outputs alike), and its ordinal among the nodes that share both, in graph
order. A baseline or a suppression keyed on it still matches after a re-export.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import replace

from modelint.findings import Finding
from modelint.graph import ModelGraph

__all__ = ["HOPS", "structural_fingerprints", "with_structural_fingerprints"]

HOPS = 2


def _neighbours(graph: ModelGraph, key: str) -> set[str]:
    node, producers, consumers = graph.nodes[key], graph.producers, graph.consumers
    found = {p for name in node.inputs if name and (p := producers.get(name)) is not None}
    for name in node.outputs:
        if name:
            found.update(consumers.get(name, ()))
    return found


def _signature(graph: ModelGraph, key: str) -> str:
    seen, frontier = {key}, {key}
    for _ in range(HOPS):
        frontier = {n for k in frontier for n in _neighbours(graph, k)} - seen
        seen |= frontier
    ops = sorted(graph.node(k).qualified_op for k in seen - {key})
    return f"{graph.node(key).qualified_op}|{','.join(ops)}"


def structural_fingerprints(graph: ModelGraph, keys: Iterable[str]) -> dict[str, str]:
    """sha256 hex of (signature, ordinal) for each key. An ordinal counts only earlier
    nodes, so the walk stops at the last key (a finding near the inputs of a 100k-node
    model needs a handful of signatures, not one per node of its op type)."""
    wanted = set(keys)
    ops = {graph.node(key).op_type for key in wanted}
    ordinals: dict[str, int] = {}
    signatures: dict[str, str] = {}
    for node in graph.nodes.values():
        if len(signatures) == len(wanted):
            break
        if node.op_type not in ops:
            continue
        signature = _signature(graph, node.key)
        ordinals[signature] = ordinals.get(signature, -1) + 1
        if node.key in wanted:
            text = f"{signature}|{ordinals[signature]}"
            signatures[node.key] = hashlib.sha256(
                text.encode("utf-8", "surrogateescape")
            ).hexdigest()
    return signatures


def with_structural_fingerprints(graph: ModelGraph, findings: Iterable[Finding]) -> list[Finding]:
    found = list(findings)
    prints = structural_fingerprints(graph, {f.location.node for f in found if f.location.node})
    return [replace(f, structural=prints.get(f.location.node or "", "")) for f in found]
