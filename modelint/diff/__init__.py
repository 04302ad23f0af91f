"""``modelint diff``: a model against its baseline — cost deltas per model, op type, layer and
node (nodes matched by name, then by structure), and findings new and gone. It sits above the
rules layer (it runs the check on both versions) and below the reports that render it."""

from __future__ import annotations

from modelint.diff.deltas import Delta, FindingChanges, ModelDiff, NodeDelta, RowDelta
from modelint.diff.match import NodeMatching, match_nodes
from modelint.diff.run import DiffResult, diff_paths

__all__ = [
    "Delta",
    "DiffResult",
    "FindingChanges",
    "ModelDiff",
    "NodeDelta",
    "NodeMatching",
    "RowDelta",
    "diff_paths",
    "match_nodes",
]
