"""SARIF 2.1.0 for code scanning (GitHub upload-sarif, Azure DevOps, IDE viewers).

Models are binary, so a result names its file and no ``region``: upload-sarif then leaves our
own ``partialFingerprints`` alone instead of hashing binary bytes as text lines, and the node
travels as a logical location. Suppressed findings are kept, with a SARIF ``suppressions``
entry, so code scanning shows them as dismissed instead of losing them. No timestamps and no
absolute paths the run was not given: the same run gives the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from modelint._version import __version__
from modelint.analysis import CONVENTION
from modelint.findings import Finding, Severity
from modelint.report.catalog import INFORMATION_URI, RuleInfo, rule_catalog
from modelint.report.locations import artifact_location
from modelint.rules import ModelResult, RunResult

__all__ = ["SARIF_SCHEMA", "render_sarif", "sarif_dict"]

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
NODE_FINGERPRINT = "modelintNode/v1"
STRUCTURE_FINGERPRINT = "modelintStructure/v1"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _descriptor(info: RuleInfo) -> dict[str, Any]:
    description = info.description or info.summary
    markdown = f"**{info.summary}**\n\n{description}"
    if info.help_uri:
        markdown += f"\n\n[Rule documentation]({info.help_uri})"
    descriptor: dict[str, Any] = {
        "id": info.id,
        "name": info.name,
        "shortDescription": {"text": info.summary},
        "fullDescription": {"text": description},
        "help": {"text": description, "markdown": markdown},
        "defaultConfiguration": {"level": _LEVELS[info.severity]},
        "properties": {"tags": ["modelint", *info.tags]},
    }
    if info.help_uri:
        descriptor["helpUri"] = info.help_uri
    return descriptor


def _logical_location(finding: Finding) -> dict[str, Any]:
    """The node (its key is unique in the model, subgraph path included); for a model-level
    finding, the model itself."""
    where = finding.location
    if where.node is None:
        return {"name": Path(where.path).name, "fullyQualifiedName": where.path, "kind": "module"}
    kind = "element" if where.op_type else "object"  # an entry of a config file: no op
    return {"name": where.node, "fullyQualifiedName": where.node, "kind": kind}


def _physical_location(path: str, root: Path) -> dict[str, Any]:
    artifact = artifact_location(path, root)
    location: dict[str, Any] = {"uri": artifact.uri}
    if artifact.uri_base_id is not None:
        location["uriBaseId"] = artifact.uri_base_id
    return {"artifactLocation": location}


def _message(finding: Finding) -> str:
    """The rule's message, then where in the model (there is no line to point at)."""
    where = finding.location
    if where.node is None:
        return finding.message
    if where.op_type is None:  # a config entry (suppressions[2]), not a node
        return f"{finding.message} [{where.node}]"
    layer = f"; layer {where.layer}" if where.layer and where.layer != where.node else ""
    return f"{finding.message} [node {where.node}{layer}]"


def _properties(finding: Finding, profile: str | None) -> dict[str, Any]:
    where = finding.location
    found: dict[str, Any] = {
        "opType": where.op_type,
        "layer": where.layer,
        "graphPath": where.graph_path or None,
        "profile": profile,
    }
    found.update(finding.properties)
    return {key: value for key, value in found.items() if value is not None}


def _result(
    finding: Finding, index: dict[str, int], root: Path, profile: str | None
) -> dict[str, Any]:
    prints = {NODE_FINGERPRINT: finding.fingerprint}
    if finding.structural:
        prints[STRUCTURE_FINGERPRINT] = finding.structural
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": index[finding.rule_id],
        "level": _LEVELS[finding.severity],
        "message": {"text": _message(finding)},
        "locations": [
            {
                "physicalLocation": _physical_location(finding.location.path, root),
                "logicalLocations": [_logical_location(finding)],
            }
        ],
        "partialFingerprints": prints,
        "properties": _properties(finding, profile),
    }
    if finding.suppression is not None:
        # Config suppressions live outside the model file: SARIF's "external" kind.
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": finding.suppression}
        ]
    return result


def _profile(model: ModelResult) -> str | None:
    target = model.hardware.target
    return target.profile.id if target is not None else None


def _results(run: RunResult, index: dict[str, int], root: Path) -> list[dict[str, Any]]:
    pairs = [(f, _profile(model)) for model in run.models for f in model.findings]
    pairs += [(f, None) for f in run.config_findings]
    pairs.sort(key=lambda pair: pair[0].sort_key())
    return [_result(finding, index, root, profile) for finding, profile in pairs]


def _invocation(run: RunResult, root: Path) -> dict[str, Any]:
    """Models that could not be read are tool notifications, not results: they are no
    finding about the model, and code scanning must not turn them into alerts."""
    notes: list[dict[str, Any]] = [
        {
            "level": "error",
            "message": {"text": failure.message},
            "locations": [{"physicalLocation": _physical_location(failure.path, root)}],
        }
        for failure in run.failures
    ]
    for model in run.models:
        notes += [
            {
                "level": "note",
                "message": {
                    "text": f"{rule_id} could not decide{where} of {model.analysis.path}: {reason}"
                    if where
                    else f"{rule_id} could not decide on {model.analysis.path}: {reason}"
                },
                "associatedRule": {"id": rule_id},
            }
            for rule_id, where, reason in model.undecided_rules()
        ]
    return {"executionSuccessful": not run.failures, "toolExecutionNotifications": notes}


def sarif_dict(run: RunResult, root: Path) -> dict[str, Any]:
    """The SARIF log of ``run``; file locations relative to ``root`` (the checkout)."""
    catalog = rule_catalog(run)
    index = {info.id: position for position, info in enumerate(catalog)}
    driver = {
        "name": "modelint",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": INFORMATION_URI,
        "rules": [_descriptor(info) for info in catalog],
    }
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "invocations": [_invocation(run, root)],
                "results": _results(run, index, root),
                "properties": {"convention": CONVENTION},
            }
        ],
    }


def render_sarif(run: RunResult, root: Path) -> str:
    return json.dumps(sarif_dict(run, root), indent=2, ensure_ascii=False) + "\n"
