"""MLC001 uncosted-node: a node whose cost is not known (DESIGN §4: never a silent 0).

Until the YAML lint engine lands, this is the one built-in check; ``--strict`` reports each
uncosted node as an error finding.
"""

from __future__ import annotations

from modelint.analysis import ModelAnalysis
from modelint.findings import Finding, Location, Severity

__all__ = ["UNCOSTED_RULE_ID", "UNCOSTED_RULE_NAME", "uncosted_findings"]

UNCOSTED_RULE_ID = "MLC001"
UNCOSTED_RULE_NAME = "uncosted-node"


def uncosted_findings(analysis: ModelAnalysis, severity: Severity) -> list[Finding]:
    findings = []
    for cost in analysis.uncosted_nodes():
        node = analysis.graph.node(cost.key)
        findings.append(
            Finding.create(
                rule_id=UNCOSTED_RULE_ID,
                rule_name=UNCOSTED_RULE_NAME,
                severity=severity,
                message=f"{node.op_type} node is not costed: {cost.reason}",
                location=Location(
                    analysis.path, node.graph_path, node.key, node.op_type, node.layer
                ),
            )
        )
    return sorted(findings)
