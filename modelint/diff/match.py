"""Which node of the new model is which node of the old one.

By node key first (the node name when it is present and unique). Exporters rename nodes,
though — tf2onnx numbers them, a re-export shifts every suffix — so the nodes left over on
both sides are then paired by their structural fingerprint (op type, the op types within two
hops, ordinal among equals: rules/fingerprints.py), which a rename does not change.
"""

from __future__ import annotations

from dataclasses import dataclass

from modelint.graph import ModelGraph
from modelint.rules.fingerprints import structural_fingerprints

__all__ = ["NodeMatching", "match_nodes"]


@dataclass(frozen=True)
class NodeMatching:
    by_name: tuple[tuple[str, str], ...]  # (old key, new key), in the new model's order
    by_structure: tuple[tuple[str, str], ...]
    removed: tuple[str, ...]  # old keys with no partner, in the old model's order
    added: tuple[str, ...]  # new keys with no partner, in the new model's order

    def pairs(self) -> tuple[tuple[str, str], ...]:
        return (*self.by_name, *self.by_structure)


def _by_structure(
    old: ModelGraph, new: ModelGraph, old_left: list[str], new_left: list[str]
) -> list[tuple[str, str]]:
    if not old_left or not new_left:
        return []
    old_prints = structural_fingerprints(old, old_left)
    partner: dict[str, str] = {}
    for key in old_left:
        # A fingerprint shared by two old nodes cannot tell them apart: neither is paired.
        partner[old_prints[key]] = "" if old_prints[key] in partner else key
    pairs = []
    new_prints = structural_fingerprints(new, new_left)
    for key in new_left:
        match = partner.pop(new_prints[key], "")
        if match:
            pairs.append((match, key))
    return pairs


def match_nodes(old: ModelGraph, new: ModelGraph) -> NodeMatching:
    by_name = tuple((key, key) for key in new.nodes if key in old.nodes)
    old_left = [key for key in old.nodes if key not in new.nodes]
    new_left = [key for key in new.nodes if key not in old.nodes]
    by_structure = _by_structure(old, new, old_left, new_left)
    paired_old = {pair[0] for pair in by_structure}
    paired_new = {pair[1] for pair in by_structure}
    return NodeMatching(
        by_name=by_name,
        by_structure=tuple(by_structure),
        removed=tuple(key for key in old_left if key not in paired_old),
        added=tuple(key for key in new_left if key not in paired_new),
    )
