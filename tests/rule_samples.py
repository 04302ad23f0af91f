"""Rule files shared by tests that need a team's own rule directory."""

from __future__ import annotations

__all__ = ["NO_SIGMOID_RULE"]

# A node rule with docs examples: `modelint test` runs its fail and pass cases (2 cases).
NO_SIGMOID_RULE = """\
id: ACME001
name: no-sigmoid
summary: Sigmoid is slow on our NPU.
description: Our NPU has no sigmoid unit; use hard-sigmoid.
severity: warning
kind: node
match: {op: Sigmoid}
message: "{op} node {name}"
docs:
  fail: |
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[1, 4] x) => (float[1, 4] y) {
        y = Sigmoid (x)
    }
  pass: |
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[1, 4] x) => (float[1, 4] y) {
        y = Relu (x)
    }
"""
